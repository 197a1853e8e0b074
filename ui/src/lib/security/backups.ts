/**
 * The backup part of the Security screen without the screen: the automatic-backup form (as
 * typed, what keeps it from being saved, the settings it saves) and names for backup files.
 */
import type { BackupSettings } from '../../bindings/BackupSettings';
import type { MessageKey } from '../i18n/en';
import { wholeNumber } from '../shared/numbers';

/** A backup is an SQLCipher file (with its key file, FILE.keys, beside it). */
export const BACKUP_EXTENSIONS = ['db'];

export type BackupForm = {
  /** Empty: no automatic backups. */
  folder: string;
  every_hours: string;
  keep: string;
};

export function toBackupForm(settings: BackupSettings): BackupForm {
  return { folder: settings.folder ?? '', every_hours: String(settings.every_hours), keep: String(settings.keep) };
}

const MAX_HOURS = 24 * 366;
const MAX_KEEP = 999;

export type BackupBlocker = 'bad_hours' | 'bad_keep';

export const BACKUP_BLOCKERS: Record<BackupBlocker, MessageKey> = {
  bad_hours: 'backup.blocker_bad_hours',
  bad_keep: 'backup.blocker_bad_keep',
};

export function backupBlocker(form: BackupForm): BackupBlocker | null {
  if (wholeNumber(form.every_hours, 1, MAX_HOURS) === null) return 'bad_hours';
  if (wholeNumber(form.keep, 1, MAX_KEEP) === null) return 'bad_keep';
  return null;
}

/** The settings to save; only called once backupBlocker has nothing against the form. */
export function toBackupSettings(form: BackupForm): BackupSettings {
  const folder = form.folder.trim();
  return {
    folder: folder === '' ? null : folder,
    every_hours: wholeNumber(form.every_hours, 1, MAX_HOURS) ?? 24,
    keep: wholeNumber(form.keep, 1, MAX_KEEP) ?? 1,
  };
}

/** The name offered for a backup taken now, e.g. appeal-desk-2026-12-02.db (local date). */
export function suggestedBackupName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `appeal-desk-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.db`;
}
