import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../bindings/ImportReport';
import { en } from '../i18n/en';
import { DELIMITER_LABELS, DELIMITERS, defaultSettings, rowsToImport, toImportOptions, withDetected } from './options';

describe('toImportOptions', () => {
  it('sends nulls for automatic choices and no mapping by default', () => {
    expect(toImportOptions(defaultSettings())).toEqual({
      encoding: null,
      delimiter: null,
      sheet: null,
      mapping: [],
      on_existing: 'fill_blanks',
      petition_id: null,
    });
  });

  it('sends only the overrides the person made', () => {
    const options = toImportOptions({
      ...defaultSettings(),
      encoding: 'windows-1251',
      delimiter: ';',
      petitionId: 7,
      onExisting: 'overwrite',
      overrides: [{ index: 2, header: 'Город', field: 'town' }],
    });
    expect(options).toMatchObject({
      encoding: 'windows-1251',
      delimiter: ';',
      petition_id: 7,
      on_existing: 'overwrite',
      mapping: [{ index: 2, header: 'Город', field: 'town' }],
    });
  });
});

describe('helpers', () => {
  it('adds a detected value that is not in the list', () => {
    expect(withDetected(['UTF-8'], 'Shift_JIS')).toEqual(['UTF-8', 'Shift_JIS']);
    expect(withDetected(['UTF-8'], 'utf-8')).toEqual(['UTF-8']);
    expect(withDetected(['UTF-8'], null)).toEqual(['UTF-8']);
  });

  it('counts every row that is not rejected', () => {
    const report = { rows: 10, rejected: 3 } as ImportReport;
    expect(rowsToImport(report)).toBe(7);
  });

  it('names every delimiter', () => {
    for (const d of DELIMITERS) expect(en).toHaveProperty(DELIMITER_LABELS[d]);
  });
});
