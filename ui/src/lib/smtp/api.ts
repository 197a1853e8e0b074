import { invoke } from '../shared/ipc';
import type { ListImport } from '../../bindings/ListImport';
import type { Profile } from '../../bindings/Profile';
import type { ProfileDraft } from '../../bindings/ProfileDraft';
import type { SuppressionReason } from '../../bindings/SuppressionReason';
import type { TestReport } from '../../bindings/TestReport';

export function listSmtpProfiles(): Promise<Profile[]> {
  return invoke<Profile[]>('list_smtp_profiles');
}

/** Adds an account (id null) or changes one. */
export function saveSmtpProfile(id: number | null, draft: ProfileDraft): Promise<Profile> {
  return invoke<Profile>('save_smtp_profile', { id, draft });
}

/** Deletes the account and its password in the keychain. */
export async function deleteSmtpProfile(id: number): Promise<void> {
  await invoke<null>('delete_smtp_profile', { id });
}

/** Stores the password in the OS keychain; the database never holds it. */
export async function setSmtpPassword(id: number, password: string): Promise<void> {
  await invoke<null>('set_smtp_password', { id, password });
}

export function hasSmtpPassword(id: number): Promise<boolean> {
  return invoke<boolean>('has_smtp_password', { id });
}

/**
 * Connects, negotiates TLS and logs in. password null uses the keychain's; without one there
 * the call fails with code "password_needed".
 */
export function testSmtpProfile(id: number, password: string | null): Promise<TestReport> {
  return invoke<TestReport>('test_smtp_profile', { id, password });
}

/** Adds the addresses of an unsubscribe or bounce list to the suppression list. */
export function importSuppressionList(path: string, reason: SuppressionReason): Promise<ListImport> {
  return invoke<ListImport>('import_suppression_list', { path, reason });
}
