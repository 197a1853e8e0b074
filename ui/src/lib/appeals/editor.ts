import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { TemplateProblem } from '../../bindings/TemplateProblem';

/** Completes merge fields after `{{` or `{%`: every field the backend says exists. */
export function fieldCompletions(fields: () => string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const word = context.matchBefore(/\{[{%][^}]*$/);
    if (!word) return null;
    const inner = /[\w.[\]"]*$/.exec(word.text);
    const from = word.to - (inner ? inner[0].length : 0);
    return {
      from,
      options: fields().map((label) => ({ label, type: 'variable' })),
      validFor: /^[\w.[\]"]*$/,
    };
  };
}

/** Where a problem at a 1-based line and column sits in the document, as a lint range. */
export function problemRange(doc: Text, line: number | null, column: number | null): { from: number; to: number } {
  if (line === null || line < 1 || line > doc.lines) return { from: 0, to: Math.min(doc.length, 1) };
  const l = doc.line(line);
  const from = Math.min(l.from + Math.max((column ?? 1) - 1, 0), l.to);
  const word = /^[\w.]+/.exec(doc.sliceString(from, l.to));
  return { from, to: word ? from + word[0].length : Math.min(from + 1, l.to) };
}

/** The body's problems as editor diagnostics (subject problems are listed, not underlined). */
export function diagnostics(doc: Text, problems: TemplateProblem[], language: string): Diagnostic[] {
  return problems
    .filter((p) => p.part === 'body' && p.language === language)
    .map((p) => ({ ...problemRange(doc, p.line, p.column), severity: 'error' as const, message: p.message }));
}
