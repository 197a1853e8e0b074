// The real Appeal Desk window under Xvfb, driven over WebDriver (tauri-driver in front of
// WebKitWebDriver): a merged mailing sent through an SMTP account to the loopback test server
// (tests/smtp/server.py), watched until the screen says it is finished, then checked on both
// sides: the server received one message per recipient, and the log shows each one as sent.
//
// The database is prepared with the CLI before the window opens. Its own WebDriver ports and
// X display let it run next to app.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createDatabase, fixtures, openApp, out, root } from './harness.mjs';

const children = [];
let window;
let session;
let recordDir;
let mailingId;
/** How many messages the merge made: one per signatory of the fixture with an address. */
let messages;
/** The appeal CLI on the test database: plain, and with --json parsed. */
let appeal;
let appealJson;

function start(cmd, args, env, stdio = ['ignore', 'inherit', 'inherit']) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio });
  children.push(child);
  return child;
}

/** Starts the loopback SMTP server recording into dir; resolves with the port it listens on. */
function startSmtp(dir) {
  const server = path.join(root, 'tests/smtp/server.py');
  const child = start('/usr/bin/python3', [server, '--port', '0', '--record', dir, '--mode', 'accept'], {}, ['ignore', 'pipe', 'inherit']);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the test SMTP server did not say READY within 15 s')), 15000);
    child.once('exit', (code) => reject(new Error(`the test SMTP server exited early (status ${code})`)));
    // It prints exactly one line, "READY <port>", once it accepts connections.
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const ready = /^READY (\d+)$/.exec(line.trim());
      if (ready) resolve(Number(ready[1]));
      else reject(new Error(`the test SMTP server said ${JSON.stringify(line)} instead of READY <port>`));
    });
  });
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-send-'));
  const db = path.join(dir, 'send.db');
  ({ appeal, appealJson } = createDatabase(db));
  recordDir = path.join(dir, 'smtp');
  mkdirSync(recordDir);
  const smtpPort = await startSmtp(recordDir);

  // A campaign, a petition with the fixture's signatories, a template, a mailing to them, merged.
  appeal('campaign', 'add', 'Free N.');
  appeal('petition', 'add', '--campaign', 'Free N.', 'Open letter');
  appeal('import', path.join(fixtures, 'action_network.csv'), '--petition', 'Open letter');
  const body = path.join(dir, 'body.md');
  writeFileSync(body, 'Dear {{ signatory.first_name }},\n\nthank you for signing the open letter for N.\n');
  const template = appealJson('template', 'add', '--campaign', 'Free N.', '--name', 'Thanks',
    '--subject', 'Thank you, {{ signatory.first_name }}', '--body-file', body);
  const mailing = appealJson('mailing', 'create', '--campaign', 'Free N.', '--template', String(template.id),
    // The fixture is a platform export that does not say whether people may be contacted.
    '--name', 'Thank-you letters', '--audience', 'signatories', '--consent', 'given-or-unknown',
    '--from-name', 'Free N. Committee', '--from-address', 'letters@free-n.example.org');
  mailingId = mailing.id;
  messages = appealJson('mailing', 'merge', String(mailingId)).messages;
  assert.equal(messages, 3, 'Anna, Jonas and Jan have an address (Mila’s is invalid, Jonas is there twice)');
  // No encryption is allowed to this computer only; no login, so no keychain is involved.
  appeal('smtp', 'add', 'local', '--host', '127.0.0.1', '--port', String(smtpPort), '--security', 'none',
    '--from', 'letters@free-n.example.org', '--retry-after', '1');

  window = await openApp({ db, display: ':98', port: 4446, nativePort: 4447 });
  session = window.session;
});

after(async () => {
  if (window) await window.close();
  for (const c of children.reverse()) c.kill('SIGTERM');
});

async function waitForText(s, css, pattern, timeoutMs = 30000) {
  const until = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < until) {
    seen = await s.textsOf(css);
    if (seen.some((t) => pattern.test(t.trim()))) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${css} matched ${pattern}; saw ${JSON.stringify(seen)}`);
}

/** Waits until every element matching css has text matching pattern, and there are count of them. */
async function waitForAll(s, css, count, pattern, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < until) {
    seen = (await s.textsOf(css)).map((t) => t.trim());
    if (seen.length === count && seen.every((t) => pattern.test(t))) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected ${count} × ${css} matching ${pattern}; saw ${JSON.stringify(seen)}`);
}

test('a merged mailing sent from the send screen reaches the SMTP server, and the log says sent', async () => {
  const s = session;

  // From the mailing to its send screen.
  await s.click(await s.waitFor('[data-testid="nav-mailings"]'));
  await s.click(await s.waitFor('[data-testid="mailing-item"]'));
  await s.click(await s.waitFor('[data-testid="mailing-send"]'));
  await s.waitFor('[data-testid="send-panel"]');
  await waitForText(s, '[data-testid="send-panel"] h2', /^Thank-you letters$/);
  // The outbox is loaded: nothing sent yet.
  await waitForText(s, '[data-testid="send-phase"]', /^Not started$/);

  // Choose the account, and start.
  const options = await s.findAll('[data-testid="send-account"] option');
  const names = await s.textsOf('[data-testid="send-account"] option');
  const local = names.findIndex((n) => /^local \(/.test(n.trim()));
  assert.ok(local >= 0, `the account "local" is offered; saw ${JSON.stringify(names)}`);
  await s.click(options[local]);
  await s.click(await s.find('[data-testid="send-start"]'));

  // The send ends; "Finished" is what the stored outbox says once it has.
  await waitForText(s, '[data-testid="send-notice"]', /^Sending finished\.$/, 60000);
  await waitForText(s, '[data-testid="send-phase"]', /^Finished$/);
  assert.equal((await s.textsOf('[data-testid="send-count-sent"]'))[0].trim(), String(messages));
  assert.equal((await s.textsOf('[data-testid="send-progress-text"]'))[0].trim(), `${messages} of ${messages} done (100%)`);

  // The server received one message per recipient, from the account's address.
  const logFile = path.join(recordDir, 'log.jsonl');
  assert.ok(existsSync(logFile), 'the server recorded messages');
  const received = readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
  assert.equal(received.length, messages, 'one line per message in the server’s log');
  assert.ok(received.every((r) => r.mail_from === 'letters@free-n.example.org'), 'the envelope sender is the account’s address');
  const recipients = received.flatMap((r) => r.rcpt.map((a) => a.toLowerCase())).sort();
  assert.deepEqual(recipients, ['anna.petrova@example.org', 'jan.k@example.net', 'jonas.weber@example.org']);

  // The per-recipient log shows every message as sent, with the server's reply.
  await waitForAll(s, '[data-testid="log-state"]', messages, /^Sent$/);
  const replies = (await s.textsOf('[data-testid="log-reply"]')).map((t) => t.trim());
  assert.ok(replies.every((r) => /^250 .*queued as [0-9A-F]{12}/.test(r)), `the server's replies: ${JSON.stringify(replies)}`);
  const queueIds = new Set(received.map((r) => r.queue_id));
  assert.ok(replies.every((r) => queueIds.has(r.match(/[0-9A-F]{12}/)?.[0])), 'each reply names a message the server recorded');

  // Filtered to sent: all of them; to failed: none.
  await s.click(await s.find('[data-testid="log-filter"] option[value="failed"]'));
  await s.waitFor('[data-testid="log-empty"]');
  await s.click(await s.find('[data-testid="log-filter"] option[value="sent"]'));
  await waitForAll(s, '[data-testid="log-state"]', messages, /^Sent$/);

  // The CLI reads the same outbox.
  const status = appealJson('outbox', 'status', String(mailingId));
  assert.equal(status.finished, true);
  assert.equal(status.counts.sent, messages);

  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'app-sending.png'), Buffer.from(await s.screenshot(), 'base64'));
});
