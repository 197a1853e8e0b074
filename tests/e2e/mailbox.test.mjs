// The real Appeal Desk window under Xvfb, driven over WebDriver: the group's mailbox on a real
// Dovecot (tests/imap/server.py, TLS over a throwaway CA) holding an unsubscribe reply, a hard
// bounce and an unrelated mail. Check mailbox shows the review and changes nothing; Apply puts
// the two addresses on the suppression list and moves their mails, and leaves the third.
//
// The database is prepared with the CLI before the window opens; no keychain runs here, so
// the window asks for the password, as it would for a volunteer without one.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createDatabase, fixtures, openApp, out, root, waitForCount, waitForText } from './harness.mjs';

const ADDRESS = 'letters@free-n.example.org';
const PASSWORD = 'e2e mailbox pass';
let window;
let session;
let appealJson;
let dovecot;
let maildir;

/** Starts Dovecot; resolves with the port it listens on. */
function startImap(dir, certs) {
  dovecot = spawn('/usr/bin/python3', [path.join(root, 'tests/imap/server.py'), '--dir', dir,
    '--user', `${ADDRESS}:${PASSWORD}`, '--port', '0',
    '--tls-cert', path.join(certs, 'server.pem'), '--tls-key', path.join(certs, 'server.key')],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the test IMAP server did not say READY within 20 s')), 20000);
    dovecot.once('exit', (code) => reject(new Error(`the test IMAP server exited early (status ${code})`)));
    createInterface({ input: dovecot.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const m = /^READY (\d+)$/.exec(line.trim());
      if (m) resolve(Number(m[1]));
      else reject(new Error(`unexpected first line from the IMAP server: ${line}`));
    });
  });
}

/** Mails in a Maildir folder (INBOX or a folder's name). */
function count(folder) {
  const dir = folder === 'INBOX' ? maildir : path.join(maildir, `.${folder}`);
  return ['new', 'cur'].map((d) => { try { return readdirSync(path.join(dir, d)).length; } catch { return 0; } })
    .reduce((a, b) => a + b, 0);
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-mailbox-'));
  const db = path.join(dir, 'mailbox.db');
  const cli = createDatabase(db);
  appealJson = cli.appealJson;
  const csv = path.join(dir, 'people.csv');
  writeFileSync(csv, 'first_name,last_name,email,consent\nAnna,Test,anna@example.org,yes\n'
    + 'Boris,Test,boris@example.org,yes\nClara,Test,clara@example.org,yes\n');
  cli.appeal('campaign', 'add', 'Free N.');
  cli.appeal('petition', 'add', '--campaign', 'Free N.', 'Open letter');
  cli.appeal('import', csv, '--petition', 'Open letter');
  const body = path.join(dir, 'body.md');
  writeFileSync(body, 'Dear {{ signatory.first_name }},\n\nthank you.\n');
  const t = appealJson('template', 'add', '--campaign', 'Free N.', '--name', 'Thanks', '--subject', 'Thank you',
    '--body-file', body);
  const m = appealJson('mailing', 'create', '--campaign', 'Free N.', '--template', String(t.id), '--name', 'Thanks',
    '--audience', 'signatories', '--from-name', 'Free N. Committee', '--from-address', ADDRESS);
  appealJson('mailing', 'merge', String(m.id));
  const messages = appealJson('mailing', 'messages', String(m.id)).rows;
  const idOf = (who) => {
    const row = messages.find((x) => JSON.stringify(x).includes(`${who}@example.org`));
    return appealJson('mailing', 'message', String(row.id)).message_id;
  };

  const certs = path.join(dir, 'certs');
  execFileSync('bash', [path.join(root, 'tests/smtp/make_certs.sh'), certs]);
  const imapDir = path.join(dir, 'imap');
  const port = await startImap(imapDir, certs);
  maildir = path.join(imapDir, 'mail', ADDRESS, 'Maildir');
  let n = 0;
  for (const [file, who] of [['unsubscribe_reply.eml', 'anna'], ['hard_bounce_dsn.eml', 'boris'], ['unrelated.eml', 'clara']]) {
    const text = readFileSync(path.join(fixtures, 'mailbox', file), 'utf8')
      .replaceAll('{{MESSAGE_ID}}', idOf(who)).replaceAll('{{TO}}', `${who}@example.org`).replaceAll('{{FROM}}', ADDRESS);
    n += 1;
    const name = `1764000000.${n}.e2e`;
    writeFileSync(path.join(maildir, 'tmp', name), text, { mode: 0o644 });
    renameSync(path.join(maildir, 'tmp', name), path.join(maildir, 'new', name));
  }
  appealJson('mailbox', 'add', 'group', '--host', '127.0.0.1', '--port', String(port), '--user', ADDRESS,
    '--ca-file', path.join(certs, 'ca.pem'));
  // app 4444-4445, send 4446-4447, templates 4448-4449, dialogs 4450-4451, security 4454-4455.
  window = await openApp({ db, display: ':94', port: 4452, nativePort: 4453 });
  session = window.session;
});

after(async () => {
  if (window) await window.close();
  if (dovecot) dovecot.kill('SIGTERM');
});

/** Answers the password question the window asks when the keychain has none. */
async function typePassword(s) {
  await s.waitFor('[data-testid="password-dialog"][open]');
  await s.type(await s.find('[data-testid="password-input"]'), PASSWORD);
  await s.click(await s.find('[data-testid="password-ok"]'));
  await waitForCount(s, '[data-testid="password-dialog"][open]', 0);
}

test('the mailbox is reviewed in the window, then applied', async () => {
  const s = session;
  await s.click(await s.waitFor('[data-testid="nav-mailbox"]'));
  await s.waitFor('[data-testid="mailbox-row"]');
  await s.click(await s.find('[data-testid="mailbox-check"]'));
  await typePassword(s);
  await waitForText(s, '[data-testid="mailbox-summary"]', /3 mails read: 1 unsubscribe request, 1 hard bounce, 1 left alone/, 30000);
  await waitForCount(s, '[data-testid="mailbox-finding"]', 3);
  assert.equal(appealJson('suppress', 'count').count, 0, 'the review changes nothing');
  assert.equal(count('INBOX'), 3);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'app-mailbox-review.png'), Buffer.from(await s.screenshot(), 'base64'));

  await s.click(await s.find('[data-testid="mailbox-apply"]'));
  await typePassword(s);
  await waitForText(s, '[data-testid="mailbox-applied"]',
    /2 addresses added to the suppression list; 2 mails moved to “Processed by Appeal Desk”/, 30000);
  assert.equal(appealJson('suppress', 'check', 'anna@example.org').suppressed, true);
  assert.equal(appealJson('suppress', 'check', 'boris@example.org').suppressed, true);
  assert.equal(appealJson('suppress', 'check', 'clara@example.org').suppressed, false);
  assert.equal(count('INBOX'), 1, 'the unrelated mail stays in the inbox');
  assert.equal(count('Processed by Appeal Desk'), 2);
});
