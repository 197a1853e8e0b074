import { RangeSetBuilder, type Text } from '@codemirror/state';
import { Decoration, EditorView, ViewPlugin, type DecorationSet, type ViewUpdate } from '@codemirror/view';

/** What a stretch of Jinja markup is, for highlighting over the Markdown. */
export type JinjaKind = 'region' | 'delimiter' | 'keyword' | 'variable' | 'filter' | 'string' | 'number' | 'comment';
export type JinjaToken = { from: number; to: number; kind: JinjaKind };

const KEYWORDS = new Set([
  'if', 'elif', 'else', 'endif', 'for', 'in', 'endfor', 'set', 'endset', 'not', 'and', 'or', 'is',
  'with', 'endwith', 'filter', 'endfilter', 'raw', 'endraw', 'macro', 'endmacro', 'call', 'endcall',
  'true', 'false', 'none', 'True', 'False', 'None', 'recursive',
]);

const IDENT = /[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*/uy;
const NUMBER = /\d+(?:\.\d+)?/y;

function matchAt(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  return re.exec(text) ? re.lastIndex : at;
}

/**
 * Splits the Jinja parts of a template into tokens, in order; text outside `{{ }}`, `{% %}`
 * and `{# #}` is left to the Markdown highlighter. An unclosed tag runs to the end.
 * Each tag yields a `region` token first, then the tokens inside it.
 */
export function jinjaTokens(text: string): JinjaToken[] {
  const tokens: JinjaToken[] = [];
  let at = 0;
  for (;;) {
    const start = text.indexOf('{', at);
    if (start < 0 || start + 1 >= text.length) break;
    const kind = text[start + 1];
    if (kind === '#') {
      const end = text.indexOf('#}', start + 2);
      const to = end < 0 ? text.length : end + 2;
      tokens.push({ from: start, to, kind: 'comment' });
      at = to;
      continue;
    }
    if (kind !== '{' && kind !== '%') {
      at = start + 1;
      continue;
    }
    const close = kind === '{' ? '}}' : '%}';
    const region: JinjaToken = { from: start, to: text.length, kind: 'region' };
    tokens.push(region);
    let i = start + 2 + (text[start + 2] === '-' ? 1 : 0);
    tokens.push({ from: start, to: i, kind: 'delimiter' });
    let afterBar = false;
    while (i < text.length) {
      const rest = text.startsWith('-' + close, i) ? 3 : text.startsWith(close, i) ? 2 : 0;
      if (rest > 0) {
        tokens.push({ from: i, to: i + rest, kind: 'delimiter' });
        i += rest;
        break;
      }
      const ch = text[i];
      if (ch === '"' || ch === "'") {
        let j = i + 1;
        while (j < text.length && text[j] !== ch) j += text[j] === '\\' ? 2 : 1;
        const to = Math.min(j + 1, text.length);
        tokens.push({ from: i, to, kind: 'string' });
        i = to;
        continue;
      }
      const ident = matchAt(IDENT, text, i);
      if (ident > i) {
        const word = text.slice(i, ident);
        tokens.push({ from: i, to: ident, kind: afterBar ? 'filter' : KEYWORDS.has(word) ? 'keyword' : 'variable' });
        afterBar = false;
        i = ident;
        continue;
      }
      const number = matchAt(NUMBER, text, i);
      if (number > i) {
        tokens.push({ from: i, to: number, kind: 'number' });
        i = number;
        continue;
      }
      if (ch === '|') afterBar = true;
      i += 1;
    }
    region.to = i;
    at = i;
  }
  return tokens;
}

const MARKS = Object.fromEntries(
  (['region', 'delimiter', 'keyword', 'variable', 'filter', 'string', 'number', 'comment'] as const).map((kind) => [
    kind,
    Decoration.mark({ class: `cm-jinja-${kind}` }),
  ]),
) as Record<JinjaKind, Decoration>;

/** Letters are short, so the whole document is tokenised again on each change. */
function decorate(doc: Text): DecorationSet {
  const builder = new RangeSetBuilder<Decoration>();
  for (const token of jinjaTokens(doc.toString())) {
    if (token.to > token.from) builder.add(token.from, token.to, MARKS[token.kind]);
  }
  return builder.finish();
}

const plugin = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = decorate(view.state.doc);
    }
    update(update: ViewUpdate) {
      if (update.docChanged) this.decorations = decorate(update.state.doc);
    }
  },
  { decorations: (value) => value.decorations },
);

const theme = EditorView.baseTheme({
  '.cm-jinja-region': { backgroundColor: 'rgba(47, 93, 138, 0.08)', borderRadius: '3px' },
  '.cm-jinja-delimiter': { color: '#7a3e9d', fontWeight: '600' },
  '.cm-jinja-keyword': { color: '#7a3e9d', fontWeight: '600' },
  '.cm-jinja-variable': { color: '#1d6b45' },
  '.cm-jinja-filter': { color: '#8a5a00' },
  '.cm-jinja-string': { color: '#a4332b' },
  '.cm-jinja-number': { color: '#2f5d8a' },
  '.cm-jinja-comment': { color: '#6b7280', fontStyle: 'italic' },
  '&dark .cm-jinja-region': { backgroundColor: 'rgba(127, 176, 224, 0.12)' },
  '&dark .cm-jinja-delimiter, &dark .cm-jinja-keyword': { color: '#d2a8ff' },
  '&dark .cm-jinja-variable': { color: '#7ee2a8' },
  '&dark .cm-jinja-filter': { color: '#f0c674' },
  '&dark .cm-jinja-string': { color: '#ffa198' },
});

/** Jinja merge fields and tags highlighted on top of the Markdown highlighting. */
export const jinjaHighlight = [plugin, theme];
