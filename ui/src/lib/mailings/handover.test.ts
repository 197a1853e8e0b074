import { describe, expect, it } from 'vitest';
import { HANDOVER, HANDOVER_FORMATS, slug, suggestedName } from './handover';

describe('hand-over', () => {
  it('writes .eml files into a folder and the rest as files', () => {
    expect(HANDOVER.eml.kind).toBe('folder');
    expect(HANDOVER_FORMATS.filter((f) => HANDOVER[f].kind === 'file')).toEqual(['csv', 'mailto', 'pdf']);
  });

  it('makes file-name-safe names in any script', () => {
    expect(slug('November letters: Free N.!')).toBe('november-letters-free-n');
    expect(slug('Письма в ноябре')).toBe('письма-в-ноябре');
    expect(slug('  ///  ')).toBe('mailing');
    expect(slug('x'.repeat(80))).toHaveLength(60);
  });

  it('suggests a name per format', () => {
    expect(suggestedName('November letters', 'eml')).toBe('november-letters');
    expect(suggestedName('November letters', 'csv')).toBe('november-letters.csv');
    expect(suggestedName('November letters', 'mailto')).toBe('november-letters-mailto.csv');
    expect(suggestedName('November letters', 'pdf')).toBe('november-letters.pdf');
  });
});
