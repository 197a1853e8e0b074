import { describe, expect, it } from 'vitest';
import { defaultExportSettings, exportBlocker, suggestedFileName, toExportOptions } from './options';

const available = ['first_name', 'last_name', 'email', 'town'];

describe('export options', () => {
  it('defaults to the privacy preset', () => {
    expect(defaultExportSettings().preset).toBe('delivery');
  });

  it('sends columns only with the custom preset, in the backend order', () => {
    const settings = { ...defaultExportSettings(), columns: ['town', 'email'], path: '/tmp/a.csv' };
    expect(toExportOptions(settings, available).columns).toEqual([]);
    expect(toExportOptions({ ...settings, preset: 'custom' }, available)).toEqual({
      petition_id: null,
      preset: 'custom',
      columns: ['email', 'town'],
      bom: false,
    });
  });

  it('says why the export cannot start', () => {
    const settings = defaultExportSettings();
    expect(exportBlocker(settings)).toBe('no_path');
    expect(exportBlocker({ ...settings, path: 'x.csv' })).toBeNull();
    expect(exportBlocker({ ...settings, path: 'x.csv', preset: 'custom' })).toBe('no_columns');
  });

  it('suggests a dated file name', () => {
    expect(suggestedFileName(new Date(2024, 0, 9))).toBe('signatures-2024-01-09.csv');
  });
});
