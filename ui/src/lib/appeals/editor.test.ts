import { Text } from '@codemirror/state';
import { describe, expect, it } from 'vitest';
import { diagnostics, problemRange } from './editor';

describe('template problems in the editor', () => {
  const doc = Text.of(['Hello', '{{ target.form_of_adress }},', 'end']);

  it('underlines the misspelt field at its line and column', () => {
    const range = problemRange(doc, 2, 4);
    expect(doc.sliceString(range.from, range.to)).toBe('target.form_of_adress');
  });

  it('keeps a problem without a position at the start, and clamps lines past the end', () => {
    expect(problemRange(doc, null, null)).toEqual({ from: 0, to: 1 });
    expect(problemRange(doc, 99, 1)).toEqual({ from: 0, to: 1 });
  });

  it('shows only the body problems of the language being edited', () => {
    const problems = [
      { language: 'en', part: 'body' as const, line: 2, column: 4, message: 'unknown field' },
      { language: 'ru', part: 'body' as const, line: 1, column: 1, message: 'other language' },
      { language: 'en', part: 'subject' as const, line: 1, column: 1, message: 'subject' },
    ];
    const found = diagnostics(doc, problems, 'en');
    expect(found).toHaveLength(1);
    expect(found[0].message).toBe('unknown field');
  });
});
