import { describe, expect, it } from 'vitest';
import type { MailFinding } from '../../bindings/MailFinding';
import type { ProcessReport } from '../../bindings/ProcessReport';
import type { MessageKey } from '../i18n/en';
import { translate } from '../i18n/translate';
import type { Params } from '../i18n/types';
import {
  applyResult,
  canApply,
  emptyMailboxForm,
  mailboxBlocker,
  reviewSummary,
  toMailboxDraft,
  withSecurity,
  type MailboxForm,
} from './form';

const en = (key: MessageKey, params?: Params) => translate('en', key, params);
const ru = (key: MessageKey, params?: Params) => translate('ru', key, params);

const filled: MailboxForm = {
  ...emptyMailboxForm(),
  name: ' Committee inbox ',
  host: ' imap.lindenfeld-three.example.org ',
  username: ' letters@lindenfeld-three.example.org ',
};

function finding(uid: number, kind: MailFinding['kind'], extra: Partial<MailFinding> = {}): MailFinding {
  return {
    uid, kind, from: 'mailer-daemon@mx.example.org', subject: 'Undelivered Mail Returned to Sender', address: null,
    letter_id: null, mailing_id: null, status: null, reason: 'a delivery status notification', already_processed: false,
    soft_bounces: null, ...extra,
  };
}

function report(extra: Partial<ProcessReport> = {}): ProcessReport {
  return {
    dry_run: true, read: 0, unsubscribes: 0, hard_bounces: 0, soft_bounces: 0, ignored: 0, suppressed: 0, moved: 0,
    processed_folder: 'Processed by Appeal Desk', findings: [], ...extra,
  };
}

const reviewed = report({
  read: 5,
  unsubscribes: 2,
  hard_bounces: 1,
  ignored: 2,
  findings: [
    finding(1, 'unsubscribe', { address: 'runa.larkin@example.org' }),
    finding(2, 'unsubscribe', { address: 'ivo.quill@example.org', already_processed: true }),
    finding(3, 'hard_bounce', { address: 'olek@example.org', status: '5.1.1' }),
    finding(4, 'ignored'),
    finding(5, 'ignored'),
  ],
});

describe('new mailbox form', () => {
  it('starts as the backend does: TLS on 993, reading INBOX, moving processed mail away', () => {
    const form = emptyMailboxForm();
    expect([form.security, form.port, form.folder]).toEqual(['tls', '993', 'INBOX']);
    expect([form.after, form.processed_folder]).toEqual(['move', 'Processed by Appeal Desk']);
  });

  it('moves the port along with the security while it is the usual one', () => {
    expect(withSecurity(filled, 'starttls').port).toBe('143');
    expect(withSecurity(withSecurity(filled, 'starttls'), 'tls').port).toBe('993');
    expect(withSecurity({ ...filled, port: '10993' }, 'starttls').port).toBe('10993');
  });

  it('says what is missing or wrong, in order', () => {
    expect(mailboxBlocker(emptyMailboxForm())).toBe('no_name');
    expect(mailboxBlocker({ ...filled, host: ' ' })).toBe('bad_host');
    expect(mailboxBlocker({ ...filled, host: 'imap example.org' })).toBe('bad_host');
    expect(mailboxBlocker({ ...filled, port: '0' })).toBe('bad_port');
    expect(mailboxBlocker({ ...filled, port: '99 3' })).toBe('bad_port');
    expect(mailboxBlocker({ ...filled, username: '  ' })).toBe('no_username');
    expect(mailboxBlocker({ ...filled, folder: '' })).toBe('no_folder');
    expect(mailboxBlocker({ ...filled, processed_folder: ' ' })).toBe('no_processed_folder');
    expect(mailboxBlocker({ ...filled, folder: 'In"box' })).toBe('bad_folder');
    expect(mailboxBlocker({ ...filled, processed_folder: 'Done\\2024' })).toBe('bad_folder');
    expect(mailboxBlocker({ ...filled, processed_folder: 'inbox' })).toBe('same_folder');
    expect(mailboxBlocker(filled)).toBeNull();
  });

  it('needs no processed folder when mail is flagged in place', () => {
    const flagging: MailboxForm = { ...filled, after: 'flag', processed_folder: '' };
    expect(mailboxBlocker(flagging)).toBeNull();
    expect(mailboxBlocker({ ...flagging, processed_folder: 'INBOX' })).toBeNull();
  });

  it('builds the draft: trimmed, no CA file when blank, no processed folder when flagging', () => {
    expect(toMailboxDraft({ ...filled, ca_file: ' ' })).toEqual({
      name: 'Committee inbox',
      host: 'imap.lindenfeld-three.example.org',
      port: 993,
      security: 'tls',
      username: 'letters@lindenfeld-three.example.org',
      folder: 'INBOX',
      processed_folder: 'Processed by Appeal Desk',
      ca_file: null,
    });
    const flagged = toMailboxDraft({ ...withSecurity(filled, 'starttls'), after: 'flag', ca_file: ' /etc/ssl/committee-ca.pem ' });
    expect([flagged.port, flagged.processed_folder, flagged.ca_file]).toEqual([143, null, '/etc/ssl/committee-ca.pem']);
  });
});

describe('review of a mailbox', () => {
  it('sums up what was found, leaving out kinds not found, and what an earlier run did', () => {
    expect(reviewSummary(reviewed, en)).toBe(
      '5 mails read: 2 unsubscribe requests, 1 hard bounce, 2 left alone. 1 of them was done in an earlier run.',
    );
    expect(reviewSummary(report({ read: 1, soft_bounces: 1 }), en)).toBe('1 mail read: 1 soft bounce.');
    expect(reviewSummary(report(), en)).toBe('No mail to process in the folder.');
  });

  it('sums up in Russian with its plural forms', () => {
    expect(reviewSummary(reviewed, ru)).toBe(
      'Прочитано 5 писем: 2 просьбы об отписке, 1 окончательный возврат, 2 оставлены как есть. Из них 1 обработано при прошлом запуске.',
    );
  });

  it('can be applied only when it found something to act on, and only once', () => {
    expect(canApply(reviewed)).toBe(true);
    expect(canApply(report({ read: 1, soft_bounces: 1 }))).toBe(true);
    expect(canApply(report({ read: 4, ignored: 4 }))).toBe(false);
    expect(canApply(report())).toBe(false);
    expect(canApply({ ...reviewed, dry_run: false })).toBe(false);
  });

  it('says what applying did: addresses suppressed, mails moved or flagged', () => {
    const applied = { ...reviewed, dry_run: false, suppressed: 2, moved: 3 };
    expect(applyResult(applied, en)).toBe('2 addresses added to the suppression list; 3 mails moved to “Processed by Appeal Desk”.');
    expect(applyResult({ ...applied, suppressed: 1, moved: 1, processed_folder: null }, en)).toBe(
      '1 address added to the suppression list; 1 mail flagged as processed.',
    );
    expect(applyResult({ ...applied, processed_folder: null }, ru)).toBe(
      '2 адреса внесены в список запрета; 3 письма отмечены как обработанные.',
    );
  });
});
