import { CompletionContext } from '@codemirror/autocomplete';
import { EditorState, Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import type { TemplateProblem } from '../../bindings/TemplateProblem';
import { columnToOffset, diagnostics, fieldCompletions, problemRange } from './editor';

const FIELDS = ['signatory.first_name', 'signatory.last_name', 'target.form_of_address', 'today'];

/** Runs the completion source with the cursor at the `¦` in text. */
function complete(text: string, explicit = false) {
  const pos = text.indexOf('¦');
  const state = EditorState.create({ doc: text.replace('¦', ''), selection: { anchor: pos } });
  return fieldCompletions(() => FIELDS)(new CompletionContext(state, pos, explicit));
}

describe('merge field completion', () => {
  it('offers every field right after {{ and replaces the part typed', () => {
    const result = complete('Dear {{ sig¦');
    expect(result?.from).toBe('Dear {{ '.length);
    expect(result?.options.map((o) => o.label)).toEqual(FIELDS);
    expect(result?.options[0].section).toBe('signatory');
    expect(result?.validFor instanceof RegExp && result.validFor.test('signatory.custom["Shirt"]')).toBe(true);
  });

  it('closes the expression when no }} follows, and not when one does', () => {
    expect(complete('{{ ¦')?.options[2].apply).toBe('target.form_of_address }}');
    expect(complete('{{ ¦  }} more')?.options[2].apply).toBe('target.form_of_address');
  });

  it('keeps a space before a closing brace inserted with the opening one', () => {
    expect(complete('{{ targ¦}}')?.options[2].apply).toBe('target.form_of_address ');
    expect(complete('{% if signatory.la¦%}')?.options[1].apply).toBe('signatory.last_name ');
  });

  it('works in statements, without closing them', () => {
    const result = complete('{% if signatory.la¦');
    expect(result?.from).toBe('{% if '.length);
    expect(result?.options[1].apply).toBe('signatory.last_name');
  });

  it('stays quiet outside tags, after a closed tag and after a filter bar', () => {
    expect(complete('Dear sig¦')).toBeNull();
    expect(complete('{{ today }} and ¦')).toBeNull();
    expect(complete('{{ signatory.first_name | up¦')).toBeNull();
  });

  it('completes custom fields with non-Latin names as one path', () => {
    expect(complete('{{ signatory.custom.Разм¦')?.from).toBe(3);
  });
});

describe('problem positions', () => {
  const doc = Text.of(['Hello', '  {{ target.form_of_adress }},', 'end']);

  it('counts columns in characters, not UTF-16 units', () => {
    expect(columnToOffset('abc', 1)).toBe(0);
    expect(columnToOffset('abc', 3)).toBe(2);
    expect(columnToOffset('😀 {{ x }}', 3)).toBe(3);
    expect(columnToOffset('ab', 10)).toBe(2);
  });

  it('underlines the misspelt field at its line and column', () => {
    const range = problemRange(doc, 2, 6);
    expect(doc.sliceString(range.from, range.to)).toBe('target.form_of_adress');
  });

  it('finds the field after an emoji on the same line', () => {
    const emoji = Text.of(['✉️😀 {{ signatory.frist_name }}']);
    const range = problemRange(emoji, 1, 8);
    expect(emoji.sliceString(range.from, range.to)).toBe('signatory.frist_name');
  });

  it('underlines the whole line when only the line is known', () => {
    const range = problemRange(doc, 2, null);
    expect(doc.sliceString(range.from, range.to)).toBe('{{ target.form_of_adress }},');
  });

  it('puts a problem without a position at the start and clamps lines past the end', () => {
    expect(problemRange(doc, null, null)).toEqual({ from: 0, to: 1 });
    expect(problemRange(doc, 99, 1)).toEqual({ from: 0, to: 1 });
    expect(problemRange(Text.of(['']), null, null)).toEqual({ from: 0, to: 0 });
  });

  it('marks one character when no word starts at the column', () => {
    const range = problemRange(doc, 2, 3);
    expect(doc.sliceString(range.from, range.to)).toBe('{');
  });
});

describe('diagnostics', () => {
  it('keeps only the body problems of the language being edited', () => {
    const problems: TemplateProblem[] = [
      { language: 'en', part: 'body', line: 2, column: 6, message: 'unknown field' },
      { language: 'ru', part: 'body', line: 1, column: 1, message: 'other language' },
      { language: 'en', part: 'subject', line: 1, column: 1, message: 'subject' },
      { language: 'all', part: 'attachment', line: 1, column: 1, message: 'attachment' },
    ];
    const doc = Text.of(['Hello', '  {{ target.form_of_adress }},']);
    const found = diagnostics(doc, problems, 'en');
    expect(found).toEqual([{ from: 11, to: 32, severity: 'error', source: 'check', message: 'unknown field' }]);
  });
});
