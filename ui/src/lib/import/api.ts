import { Channel } from '@tauri-apps/api/core';
import { invoke } from '../shared/ipc';
import type { ImportOptions } from '../../bindings/ImportOptions';
import type { ImportPreview } from '../../bindings/ImportPreview';
import type { ImportProgress } from '../../bindings/ImportProgress';
import type { ImportReport } from '../../bindings/ImportReport';
import type { ImportSummary } from '../../bindings/ImportSummary';
import type { UndoReport } from '../../bindings/UndoReport';

export function previewImport(path: string, options: ImportOptions): Promise<ImportPreview> {
  return invoke<ImportPreview>('preview_import', { path, options });
}

/** Runs the import; onProgress is called as the backend reads the file. */
export function runImport(
  path: string,
  options: ImportOptions,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportReport> {
  const channel = new Channel<ImportProgress>();
  channel.onmessage = onProgress;
  return invoke<ImportReport>('run_import', { path, options, onProgress: channel });
}

export function listImports(): Promise<ImportSummary[]> {
  return invoke<ImportSummary[]>('list_imports');
}

export function undoImport(id: number): Promise<UndoReport> {
  return invoke<UndoReport>('undo_import', { id });
}

/** Writes the rejected rows of an import to a CSV file; returns the rows written. */
export function saveRejects(importId: number, path: string): Promise<number> {
  return invoke<number>('save_rejects', { importId, path });
}
