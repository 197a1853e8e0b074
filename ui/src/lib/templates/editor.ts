import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { Diagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { TemplateProblem } from '../../bindings/TemplateProblem';

/** Characters of a merge field path: signatory.first_name, signatory.custom["Shirt size"], Cyrillic keys. */
const PATH_TAIL = /[\p{L}\p{N}_.[\]"]*$/u;
const PATH_WHOLE = /^[\p{L}\p{N}_.[\]"]*$/u;

/**
 * Completes merge fields inside `{{ … }}` and `{% … %}`: every field the backend says exists.
 * In an expression with no closing `}}` yet, choosing a field closes it too.
 * Returns null outside tags and after a `|` (filter names come there, not fields).
 */
export function fieldCompletions(fields: () => readonly string[]) {
  return (context: CompletionContext): CompletionResult | null => {
    const open = context.matchBefore(/\{[{%][^{}]*$/);
    if (!open) return null;
    const path = PATH_TAIL.exec(open.text)?.[0] ?? '';
    const before = open.text.slice(0, open.text.length - path.length);
    if (/\|\s*$/.test(before)) return null;
    const line = context.state.doc.lineAt(context.pos);
    const after = context.state.sliceDoc(context.pos, line.to);
    // No `}}` yet: close the expression. A closing brace right after the cursor (auto-inserted
    // with the opening one): keep a space before it.
    const close = open.text.startsWith('{{') && !/^[^{}]*\}\}/.test(after);
    const tight = /^[%}]\}/.test(after);
    const suffix = close ? ' }}' : tight ? ' ' : '';
    return {
      from: open.to - path.length,
      options: fields().map((label) => ({
        label,
        type: 'variable',
        section: label.includes('.') ? label.slice(0, label.indexOf('.')) : undefined,
        apply: label + suffix,
      })),
      validFor: PATH_WHOLE,
    };
  };
}

/**
 * The UTF-16 offset (what the editor counts) of a 1-based column counted in characters
 * (Unicode scalar values, what the backend counts) within one line.
 */
export function columnToOffset(lineText: string, column: number): number {
  let offset = 0;
  let at = 1;
  for (const ch of lineText) {
    if (at >= column) break;
    offset += ch.length;
    at += 1;
  }
  return offset;
}

const WORD = /^[\p{L}\p{N}_.]+/u;

/**
 * The stretch of the document to underline for a problem at a 1-based line and column:
 * the field name starting there, the whole line when only the line is known, the very
 * start when neither is.
 */
export function problemRange(doc: Text, line: number | null, column: number | null): { from: number; to: number } {
  if (line === null || line < 1 || line > doc.lines) return { from: 0, to: Math.min(doc.length, 1) };
  const l = doc.line(line);
  if (column === null || column < 1) {
    const indent = l.text.length - l.text.trimStart().length;
    return { from: l.from + Math.min(indent, l.length), to: l.to };
  }
  const from = l.from + columnToOffset(l.text, column);
  const word = WORD.exec(doc.sliceString(from, l.to));
  return { from, to: word ? from + word[0].length : Math.min(from + 1, l.to) };
}

/** The body problems of one language as editor diagnostics (subject problems are listed, not underlined). */
export function diagnostics(doc: Text, problems: readonly TemplateProblem[], language: string): Diagnostic[] {
  return problems
    .filter((p) => p.part === 'body' && p.language === language)
    .map((p) => ({
      ...problemRange(doc, p.line, p.column),
      severity: 'error' as const,
      source: 'check',
      message: p.message,
    }));
}
