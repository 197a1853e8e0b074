/**
 * The mailbox screen's logic without the screen: the add form (defaults, the port following the
 * security, what blocks saving) and the words for a run's report (its summary, its result).
 */
import type { MailboxDraft } from '../../bindings/MailboxDraft';
import type { MailboxSecurity } from '../../bindings/MailboxSecurity';
import type { ProcessReport } from '../../bindings/ProcessReport';
import type { MessageKey } from '../i18n/en';
import type { Params } from '../i18n/types';
import { wholeNumber } from '../shared/numbers';

type Translate = (key: MessageKey, params?: Params) => string;

export const SECURITIES: readonly MailboxSecurity[] = ['tls', 'starttls'];

/** The usual IMAP port for each kind of connection. */
export const DEFAULT_PORT: Record<MailboxSecurity, number> = { tls: 993, starttls: 143 };

export const DEFAULT_FOLDER = 'INBOX';
export const DEFAULT_PROCESSED_FOLDER = 'Processed by Appeal Desk';

/** What happens to a mail once acted on: moved to a folder of its own, or flagged where it is. */
export type AfterProcessing = 'move' | 'flag';

/** What the add form binds to; the port as typed, so a half-typed value is not lost. */
export type MailboxForm = {
  name: string;
  host: string;
  port: string;
  security: MailboxSecurity;
  username: string;
  folder: string;
  after: AfterProcessing;
  /** Kept while "flag in place" is chosen, so switching back finds it again. */
  processed_folder: string;
  ca_file: string;
};

/** A new mailbox with the backend's defaults: TLS on 993, INBOX, processed mail moved away. */
export function emptyMailboxForm(): MailboxForm {
  return {
    name: '',
    host: '',
    port: String(DEFAULT_PORT.tls),
    security: 'tls',
    username: '',
    folder: DEFAULT_FOLDER,
    after: 'move',
    processed_folder: DEFAULT_PROCESSED_FOLDER,
    ca_file: '',
  };
}

/** The new security, with the port following it while the port is still the old default. */
export function withSecurity(form: MailboxForm, security: MailboxSecurity): MailboxForm {
  const port = form.port.trim() === String(DEFAULT_PORT[form.security]) ? String(DEFAULT_PORT[security]) : form.port;
  return { ...form, security, port };
}

export type MailboxBlocker =
  | 'no_name'
  | 'bad_host'
  | 'bad_port'
  | 'no_username'
  | 'no_folder'
  | 'no_processed_folder'
  | 'bad_folder'
  | 'same_folder';

/** IMAP folder names are sent quoted: the backend takes none with quotes or backslashes. */
const unquotable = (name: string) => /["\\]/.test(name);

/** Why the mailbox cannot be added yet, or null when it can. The backend checks the CA file. */
export function mailboxBlocker(form: MailboxForm): MailboxBlocker | null {
  const host = form.host.trim();
  const folder = form.folder.trim();
  const processed = form.processed_folder.trim();
  const moving = form.after === 'move';
  if (form.name.trim() === '') return 'no_name';
  if (host === '' || /[\s/]/.test(host)) return 'bad_host';
  if (wholeNumber(form.port, 1, 65535) === null) return 'bad_port';
  if (form.username.trim() === '') return 'no_username';
  if (folder === '') return 'no_folder';
  if (moving && processed === '') return 'no_processed_folder';
  if (unquotable(folder) || (moving && unquotable(processed))) return 'bad_folder';
  if (moving && processed.toLowerCase() === folder.toLowerCase()) return 'same_folder';
  return null;
}

function blankToNull(value: string): string | null {
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The form as the backend takes it; call only when mailboxBlocker is null. */
export function toMailboxDraft(form: MailboxForm): MailboxDraft {
  return {
    name: form.name.trim(),
    host: form.host.trim(),
    port: Number(form.port.trim()),
    security: form.security,
    username: form.username.trim(),
    folder: form.folder.trim(),
    processed_folder: form.after === 'move' ? blankToNull(form.processed_folder) : null,
    ca_file: blankToNull(form.ca_file),
  };
}

/** The mails of a run that ask for something: unsubscribe requests and bounces. */
export function actionable(report: ProcessReport): number {
  return report.unsubscribes + report.hard_bounces + report.soft_bounces;
}

/**
 * Whether a review can be applied: it found something to act on. Mails done in an earlier run
 * count too, since applying moves (or flags) them, which that run did not get to.
 */
export function canApply(report: ProcessReport): boolean {
  return report.dry_run && actionable(report) > 0;
}

/** One line on what a run found: "12 mails read: 2 unsubscribe requests, 10 left alone." */
export function reviewSummary(report: ProcessReport, tr: Translate): string {
  if (report.read === 0) return tr('mailbox.summary_none');
  const counts: [MessageKey, number][] = [
    ['mailbox.count_unsubscribes', report.unsubscribes],
    ['mailbox.count_hard_bounces', report.hard_bounces],
    ['mailbox.count_soft_bounces', report.soft_bounces],
    ['mailbox.count_ignored', report.ignored],
  ];
  const parts = counts.filter(([, count]) => count > 0).map(([key, count]) => tr(key, { count }));
  const summary = tr('mailbox.summary', { read: tr('mailbox.count_read', { count: report.read }), parts: parts.join(', ') });
  const earlier = report.findings.filter((finding) => finding.already_processed).length;
  return earlier > 0 ? `${summary} ${tr('mailbox.summary_earlier', { count: earlier })}` : summary;
}

/** What applying did: "3 addresses added to the suppression list; 4 mails moved to “…”." */
export function applyResult(report: ProcessReport, tr: Translate): string {
  const suppressed = tr('mailbox.applied_suppressed', { count: report.suppressed });
  const moved =
    report.processed_folder === null
      ? tr('mailbox.applied_flagged', { count: report.moved })
      : tr('mailbox.applied_moved', { count: report.moved, folder: report.processed_folder });
  return tr('mailbox.applied', { suppressed, moved });
}
