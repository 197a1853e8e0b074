import type { ExportOptions } from '../../bindings/ExportOptions';
import type { ExportPreset } from '../../bindings/ExportPreset';

export const PRESETS: readonly ExportPreset[] = ['all', 'delivery', 'custom'];

export type ExportSettings = {
  petitionId: number | null;
  preset: ExportPreset;
  /** The chosen columns, used with the custom preset only. */
  columns: string[];
  bom: boolean;
  path: string;
};

export function defaultExportSettings(): ExportSettings {
  return { petitionId: null, preset: 'delivery', columns: [], bom: false, path: '' };
}

/** The options sent to export_signatures; preset columns are the backend's to decide. */
export function toExportOptions(settings: ExportSettings, available: readonly string[]): ExportOptions {
  return {
    petition_id: settings.petitionId,
    preset: settings.preset,
    // keep the backend's column order, whatever order the boxes were ticked in
    columns: settings.preset === 'custom' ? available.filter((c) => settings.columns.includes(c)) : [],
    bom: settings.bom,
  };
}

export type ExportBlocker = 'no_path' | 'no_columns' | null;

/** Why the export cannot start yet, or null when it can. */
export function exportBlocker(settings: ExportSettings): ExportBlocker {
  if (settings.path.trim() === '') return 'no_path';
  if (settings.preset === 'custom' && settings.columns.length === 0) return 'no_columns';
  return null;
}

/** A file name suggestion such as "signatures-2024-05-01.csv". */
export function suggestedFileName(today: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `signatures-${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}.csv`;
}
