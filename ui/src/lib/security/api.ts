import type { BackupFile } from '../../bindings/BackupFile';
import type { BackupSettings } from '../../bindings/BackupSettings';
import type { CampaignRetention } from '../../bindings/CampaignRetention';
import type { DueSupporter } from '../../bindings/DueSupporter';
import type { LockReport } from '../../bindings/LockReport';
import type { NewKeys } from '../../bindings/NewKeys';
import type { PurgeReport } from '../../bindings/PurgeReport';
import type { RestoreReport } from '../../bindings/RestoreReport';
import type { SecurityState } from '../../bindings/SecurityState';
import type { Strength } from '../../bindings/Strength';
import { invoke } from '../shared/ipc';

/** What opens the database: the passphrase, or the recovery key written down at the start. */
export type SecretKind = 'passphrase' | 'recovery_key';

/** Answers while locked too: the unlock, first-run and Security screens start from it. */
export function securityState(): Promise<SecurityState> {
  return invoke<SecurityState>('security_state');
}

export function passphraseStrength(passphrase: string): Promise<Strength> {
  return invoke<Strength>('passphrase_strength', { passphrase });
}

/** The first run: makes the encrypted database and opens it; the recovery key is shown once. */
export function createDatabase(passphrase: string, remember: boolean): Promise<NewKeys> {
  return invoke<NewKeys>('create_database', { passphrase, remember });
}

/** Fails with code "wrong_key"; after a few wrong tries the backend waits longer each time. */
export async function unlockDatabase(secret: string, kind: SecretKind, remember: boolean): Promise<void> {
  await invoke<null>('unlock_database', { secret, kind, remember });
}

/** Tries the key this computer remembers; false when there is none or it does not open the file. */
export function unlockRemembered(): Promise<boolean> {
  return invoke<boolean>('unlock_remembered');
}

/** Pauses running sends, then closes the database and drops its key. */
export function lockDatabase(): Promise<LockReport> {
  return invoke<LockReport>('lock_database');
}

/** Encrypts a database made before encryption, in place; the recovery key is shown once. */
export function encryptDatabase(passphrase: string, remember: boolean): Promise<NewKeys> {
  return invoke<NewKeys>('encrypt_database', { passphrase, remember });
}

export async function changePassphrase(current: string, next: string): Promise<void> {
  await invoke<null>('change_passphrase', { current, next });
}

/** The old recovery key stops working. */
export function newRecoveryKey(passphrase: string): Promise<NewKeys> {
  return invoke<NewKeys>('new_recovery_key', { passphrase });
}

/** Re-encrypts the whole file with a new data key, and makes a new recovery key. */
export function rotateDataKey(passphrase: string): Promise<NewKeys> {
  return invoke<NewKeys>('rotate_data_key', { passphrase });
}

/** Remembering needs the passphrase; forgetting does not (passphrase null). */
export async function setRemember(remember: boolean, passphrase: string | null): Promise<void> {
  await invoke<null>('set_remember', { remember, passphrase });
}

/** Into file, or (file null) into the backup folder under a dated name. */
export function backupNow(file: string | null): Promise<BackupFile> {
  return invoke<BackupFile>('backup_now', { file });
}

/** The backups in the backup folder, newest first; none when no folder is set. */
export function listBackups(): Promise<BackupFile[]> {
  return invoke<BackupFile[]>('list_backups');
}

export async function setBackupSettings(settings: BackupSettings): Promise<void> {
  await invoke<null>('set_backup_settings', { settings });
}

/**
 * Replaces the database with the backup; the current one is kept as a backup first. A backup
 * taken with an earlier key needs the passphrase of its day: without it the call fails with
 * code "key_needed".
 */
export function restoreBackup(file: string, passphrase: string | null): Promise<RestoreReport> {
  return invoke<RestoreReport>('restore_backup', { file, passphrase });
}

/** Minutes without activity before the app locks itself; 0 never. */
export async function setAutoLock(minutes: number): Promise<void> {
  await invoke<null>('set_auto_lock', { minutes });
}

export function retentionOverview(): Promise<CampaignRetention[]> {
  return invoke<CampaignRetention[]>('retention_overview');
}

export function retentionDue(): Promise<DueSupporter[]> {
  return invoke<DueSupporter[]>('retention_due');
}

/** months null: kept until erased by hand. */
export async function setRetention(campaignId: number, months: number | null): Promise<void> {
  await invoke<null>('set_retention', { campaignId, months });
}

/** With dryRun only counts; without, erases everyone due as an erasure by hand would. */
export function purgeRetention(dryRun: boolean): Promise<PurgeReport> {
  return invoke<PurgeReport>('purge_retention', { dryRun });
}
