import { describe, expect, it } from 'vitest';
import { jinjaTokens, type JinjaToken } from './jinja';

/** Each token as "kind:text", to read the expectations easily. */
function read(text: string): string[] {
  return jinjaTokens(text).map((t: JinjaToken) => `${t.kind}:${text.slice(t.from, t.to)}`);
}

describe('jinjaTokens', () => {
  it('leaves plain Markdown alone', () => {
    expect(read('# Dear friends\n\nPlease *write* {today}.')).toEqual([]);
  });

  it('splits an expression into region, delimiters and the field', () => {
    expect(read('Dear {{ target.form_of_address }},')).toEqual([
      'region:{{ target.form_of_address }}',
      'delimiter:{{',
      'variable:target.form_of_address',
      'delimiter:}}',
    ]);
  });

  it('knows keywords, filters, strings and numbers', () => {
    expect(read('{% if signatory.town == "Lindenfeld" and 3 %}{{ name | upper }}{%- endif -%}')).toEqual([
      'region:{% if signatory.town == "Lindenfeld" and 3 %}',
      'delimiter:{%',
      'keyword:if',
      'variable:signatory.town',
      'string:"Lindenfeld"',
      'keyword:and',
      'number:3',
      'delimiter:%}',
      'region:{{ name | upper }}',
      'delimiter:{{',
      'variable:name',
      'filter:upper',
      'delimiter:}}',
      'region:{%- endif -%}',
      'delimiter:{%-',
      'keyword:endif',
      'delimiter:-%}',
    ]);
  });

  it('does not end a tag at a closing brace inside a string', () => {
    expect(read('{{ "}}" }}x')).toEqual(['region:{{ "}}" }}', 'delimiter:{{', 'string:"}}"', 'delimiter:}}']);
  });

  it('reads comments whole and runs unclosed tags to the end', () => {
    expect(read('{# note #} {{ signatory.first')).toEqual([
      'comment:{# note #}',
      'region:{{ signatory.first',
      'delimiter:{{',
      'variable:signatory.first',
    ]);
  });

  it('reads Cyrillic custom field names as one variable', () => {
    expect(read('{{ signatory.custom.Размер }}')[2]).toBe('variable:signatory.custom.Размер');
  });
});
