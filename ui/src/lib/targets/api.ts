import { invoke } from '../shared/ipc';
import type { Target } from '../../bindings/Target';
import type { TargetFields } from '../../bindings/TargetFields';
import type { TargetImportReport } from '../../bindings/TargetImportReport';

export function listTargets(campaignId: number): Promise<Target[]> {
  return invoke<Target[]>('list_targets', { campaignId });
}

export function createTarget(campaignId: number, fields: TargetFields): Promise<Target> {
  return invoke<Target>('create_target', { campaignId, fields });
}

export function updateTarget(id: number, fields: TargetFields): Promise<Target> {
  return invoke<Target>('update_target', { id, fields });
}

export async function deleteTarget(id: number): Promise<void> {
  await invoke<null>('delete_target', { id });
}

/** Reads a CSV or spreadsheet of targets; a row matching a stored target by email or name updates it. */
export function importTargets(campaignId: number, path: string): Promise<TargetImportReport> {
  return invoke<TargetImportReport>('import_targets', { campaignId, path });
}

/** Writes the campaign's targets as CSV; returns the number of rows written. */
export function exportTargets(campaignId: number, path: string): Promise<number> {
  return invoke<number>('export_targets', { campaignId, path });
}
