// The real Appeal Desk window under Xvfb, driven over WebDriver: the first run on a computer
// with no database makes an encrypted one (passphrase, recovery key shown once and ticked as
// written down); a lock takes every list out of the window; the recovery key opens it again.
//
// The window starts on no file at all, so nothing is prepared with the CLI and the harness does
// not unlock. Its own WebDriver ports and X display let it run next to the other suites.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PASSPHRASE, cliOn, createCampaign, openApp, out, sleep, waitForCount, waitForText } from './harness.mjs';

const CAMPAIGN = 'Free the Lindenfeld Three';
let window;
let session;
let db;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-security-'));
  db = path.join(dir, 'security.db');
  // app 4444-4445, send 4446-4447, templates 4448-4449, dialogs 4450-4451, mailbox 4452-4453.
  window = await openApp({ db, display: ':93', port: 4454, nativePort: 4455, unlock: false });
  session = window.session;
});

after(async () => {
  if (window) await window.close();
});

/** Waits until the element is enabled (the strength check answers after typing stops). */
async function waitForEnabled(s, el, what, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  while (!(await s.enabled(el))) {
    if (Date.now() > until) throw new Error(`${what} stayed disabled for ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** The whole page as the webview has it: what a lock must have taken out. */
function pageHtml(s) {
  return s.cmd('POST', '/execute/sync', { script: 'return document.documentElement.outerHTML;', args: [] });
}

test('the first run makes an encrypted database, a lock takes the list out of the window, and the recovery key opens it again', async () => {
  const s = session;
  assert.equal(existsSync(db), false, 'there is no database before the first run');

  // The first run: the passphrase twice, checked for strength as it is typed.
  await s.type(await s.waitFor('[data-testid="first-run-passphrase"]', 30000), PASSPHRASE);
  await s.type(await s.find('[data-testid="first-run-passphrase-confirm"]'), PASSPHRASE);
  const create = await s.find('[data-testid="first-run-create"]');
  await waitForEnabled(s, create, 'Create');
  await s.click(create);

  // The recovery key, shown once; going on needs the tick.
  const recoveryKey = (await s.text(await s.waitFor('[data-testid="recovery-key"]', 30000))).trim();
  assert.match(recoveryKey, /^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$/, 'eight groups of four letters and digits');
  const next = await s.find('[data-testid="recovery-continue"]');
  assert.equal(await s.enabled(next), false, 'Continue waits until the key is written down');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'app-first-run-key.png'), Buffer.from(await s.screenshot(), 'base64'));
  await s.click(await s.find('[data-testid="recovery-written"]'));
  await s.click(next);
  await s.waitFor('[data-testid="db-info"]', 30000);

  // On disk the file is no plaintext SQLite, and the CLI opens it with the same passphrase.
  assert.notEqual(readFileSync(db).subarray(0, 16).toString('latin1'), 'SQLite format 3\0', 'the file is encrypted');
  assert.equal(cliOn(db).appealJson('db', 'status').state, 'encrypted');

  await createCampaign(s, CAMPAIGN);

  // Locked: only the unlock screen is left, with nothing of the list in the page.
  await s.click(await s.find('[data-testid="lock-button"]'));
  await s.waitFor('#unlock-passphrase', 30000);
  await waitForCount(s, '[data-testid="nav-campaigns"]', 0);
  const html = await pageHtml(s);
  assert.ok(!html.includes(CAMPAIGN), 'the campaign name is gone from the page');
  assert.ok(!html.includes(db), 'so is the database path');
  writeFileSync(path.join(out, 'app-locked.png'), Buffer.from(await s.screenshot(), 'base64'));

  // The recovery key from the paper opens it again, and the list is back.
  await s.click(await s.find('#unlock-use-recovery'));
  await s.type(await s.waitFor('#unlock-recovery-key'), recoveryKey);
  await s.click(await s.find('#unlock-submit'));
  await s.waitFor('[data-testid="db-info"]', 30000);
  await s.click(await s.waitFor('[data-testid="nav-campaigns"]'));
  await waitForText(s, '[data-testid="campaign-list"]', /Free the Lindenfeld Three/);
});
