import type { HandoverFormat } from '../../bindings/HandoverFormat';

/** How each hand-over format is written: into a folder, or as one file of a type. */
export const HANDOVER: Record<HandoverFormat, { kind: 'folder' } | { kind: 'file'; extension: string }> = {
  csv: { kind: 'file', extension: 'csv' },
  eml: { kind: 'folder' },
  mailto: { kind: 'file', extension: 'csv' },
  pdf: { kind: 'file', extension: 'pdf' },
};

export const HANDOVER_FORMATS: readonly HandoverFormat[] = ['eml', 'csv', 'mailto', 'pdf'];

/** A file-name-safe form of a mailing name: letters of any script, digits and dashes. */
export function slug(name: string): string {
  const text = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return text === '' ? 'mailing' : text;
}

/** The name suggested in the save dialog (or for the folder) of a hand-over. */
export function suggestedName(mailingName: string, format: HandoverFormat): string {
  const base = slug(mailingName);
  switch (format) {
    case 'eml':
      return base;
    case 'mailto':
      return `${base}-mailto.csv`;
    case 'csv':
      return `${base}.csv`;
    case 'pdf':
      return `${base}.pdf`;
  }
}
