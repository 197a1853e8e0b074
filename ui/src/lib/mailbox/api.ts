import { invoke } from '../shared/ipc';
import type { MailboxAccount } from '../../bindings/MailboxAccount';
import type { MailboxDraft } from '../../bindings/MailboxDraft';
import type { MailboxTest } from '../../bindings/MailboxTest';
import type { ProcessReport } from '../../bindings/ProcessReport';

export function listMailboxes(): Promise<MailboxAccount[]> {
  return invoke<MailboxAccount[]>('list_mailboxes');
}

export function addMailbox(draft: MailboxDraft): Promise<MailboxAccount> {
  return invoke<MailboxAccount>('add_mailbox', { draft });
}

/** Removes the mailbox's settings and its password in the keychain; what it did stays recorded. */
export async function deleteMailbox(id: number): Promise<void> {
  await invoke<null>('delete_mailbox', { id });
}

/** Stores the password in the OS keychain; the database never holds it. */
export async function setMailboxPassword(id: number, password: string): Promise<void> {
  await invoke<null>('set_mailbox_password', { id, password });
}

/**
 * Logs in and opens the folder read-only. password null uses the keychain's; without one there
 * the call fails with code "password_needed".
 */
export function testMailbox(id: number, password: string | null): Promise<MailboxTest> {
  return invoke<MailboxTest>('test_mailbox', { id, password });
}

/**
 * Reads the folder and classifies its mail. With dryRun nothing changes (the review); without,
 * the addresses go on the suppression list and the mails acted on are moved or flagged.
 * password as for testMailbox.
 */
export function processMailbox(id: number, dryRun: boolean, password: string | null): Promise<ProcessReport> {
  return invoke<ProcessReport>('process_mailbox', { id, dryRun, password });
}
