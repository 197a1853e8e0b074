import { invoke } from '../shared/ipc';
import type { ExportOptions } from '../../bindings/ExportOptions';
import type { ExportReport } from '../../bindings/ExportReport';

export function exportColumns(): Promise<string[]> {
  return invoke<string[]>('export_columns');
}

export function exportSignatures(path: string, options: ExportOptions): Promise<ExportReport> {
  return invoke<ExportReport>('export_signatures', { path, options });
}
