// The real Appeal Desk window under Xvfb, driven over WebDriver (tauri-driver in front of
// WebKitWebDriver): import a signature list through the wizard and find its rows in the table.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, fixtures, openApp, out, waitForText } from './harness.mjs';

let workdir;
let window;
let session;
/** The appeal CLI on the app's database (WAL lets both use it at once). */
let appeal;

before(async () => {
  workdir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-'));
  const db = path.join(workdir, 'e2e.db');
  appeal = createDatabase(db).appeal;
  window = await openApp({ db, display: ':97', port: 4444, nativePort: 4445 });
  session = window.session;
});

after(async () => {
  if (window) await window.close();
});

test('a signature list imported through the wizard shows up in the signatories table', async () => {
  const s = session;
  await s.click(await s.waitFor('[data-testid="nav-import"]'));
  await s.type(await s.waitFor('[data-testid="import-path"]'), path.join(fixtures, 'action_network.csv'));
  await s.click(await s.find('[data-testid="import-preview"]'));

  // The preview guessed the mapping: column 2 ("email") is the email field.
  const mappingEmail = await s.waitFor('[data-testid="mapping-2"]');
  assert.ok(mappingEmail, 'the mapping editor shows one row per column');
  await s.click(await s.waitFor('[data-testid="import-run"]'));

  const report = await s.waitFor('[data-testid="import-report"]');
  assert.ok(report);
  assert.equal((await s.text(await s.find('[data-testid="count-imported"]'))).trim(), '3');
  assert.equal((await s.text(await s.find('[data-testid="count-duplicates"]'))).trim(), '1');
  assert.equal((await s.text(await s.find('[data-testid="count-rejected"]'))).trim(), '1');
  const reportText = await s.text(report);
  assert.match(reportText, /mila@@example/, 'the rejected row is listed with its reason');

  await s.click(await s.find('[data-testid="nav-signatories"]'));
  await s.waitFor('[data-testid="signatory-row"]');
  const rows = await s.findAll('[data-testid="signatory-row"]');
  assert.equal(rows.length, 3);
  const names = (await s.textsOf('[data-testid="signatory-row"]')).join('\n');
  assert.match(names, /Anna/);
  assert.match(names, /Weber/);
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'app-signatories.png'), Buffer.from(await s.screenshot(), 'base64'));

  await s.type(await s.find('[data-testid="signatory-search"]'), 'hamb');
  const until = Date.now() + 10000;
  let filtered = rows;
  while (Date.now() < until) {
    filtered = await s.findAll('[data-testid="signatory-row"]');
    if (filtered.length === 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(filtered.length, 1, 'searching "hamb" leaves Jonas from Hamburg');
  assert.match((await s.textsOf('[data-testid="signatory-row"]'))[0], /Jonas/);

});

test('a drafter writes an appeal, sees the preview follow, merges and exports .eml files', async () => {
  const s = session;
  appeal('campaign', 'add', 'Free N.');
  appeal('petition', 'add', '--campaign', 'Free N.', 'Open letter');
  appeal('import', path.join(fixtures, 'action_network.csv'), '--petition', 'Open letter');
  appeal('target', 'add', '--campaign', 'Free N.', '--name', 'Prosecutor General', '--email', 'pg@gov.example',
    '--form-of-address', 'Dear Prosecutor General', '--language', 'en');

  await s.click(await s.waitFor('[data-testid="nav-templates"]'));
  await s.click(await s.waitFor('[data-testid="template-new"]'));
  await s.type(await s.waitFor('[data-testid="template-name"]'), 'Appeal');
  await s.type(await s.find('[data-testid="template-subject"]'), 'Release N. from {{ signatory.full_name }}');
  const body = await s.waitFor('[data-testid="template-body"]');
  await s.click(body);
  await s.cmd('POST', `/element/${body}/value`, { text: '{{ target.form_of_address }},\n\nPlease release N.' });

  // The preview follows the draft, for the first recipient: Anna writing to the prosecutor.
  await waitForText(s, '[data-testid="preview-subject"]', /^Release N\. from Anna Petrova$/);
  await waitForText(s, '[data-testid="preview-recipient"]', /Anna Petrova.*Prosecutor General/);

  // A misspelt field is named with the closest one, then taken back.
  const typo = ' {{ signatory.frist_name }}';
  await s.cmd('POST', `/element/${body}/value`, { text: typo });
  await waitForText(s, '[data-testid="template-problem"]', /unknown field signatory\.frist_name; did you mean signatory\.first_name\?/);
  await s.cmd('POST', `/element/${body}/value`, { text: '\uE003'.repeat(typo.length) });
  const until = Date.now() + 10000;
  while ((await s.findAll('[data-testid="template-problem"]')).length > 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal((await s.findAll('[data-testid="template-problem"]')).length, 0, 'the problem goes with the typo');
  await s.click(await s.find('[data-testid="template-save"]'));
  await waitForText(s, '[role="status"]', /Appeal/);

  await s.click(await s.find('[data-testid="nav-mailings"]'));
  await s.click(await s.waitFor('summary'));
  await s.type(await s.waitFor('[data-testid="mailing-name"]'), 'November letters');
  await s.type(await s.find('[data-testid="mailing-from-name"]'), 'Free N. Committee');
  await s.type(await s.find('[data-testid="mailing-from-address"]'), 'letters@free-n.example.org');
  await s.click(await s.find('[data-testid="mailing-create"]'));
  await s.click(await s.waitFor('[data-testid="mailing-check"]'));
  await waitForText(s, '[data-testid="audience-summary"]', /3 recipients, 0 problems/);
  await s.click(await s.find('[data-testid="mailing-merge"]'));
  await waitForText(s, '[data-testid="merge-report"]', /^3 messages in the outbox/);
  assert.equal((await s.findAll('[data-testid="message-row"]')).length, 3);

  const folder = path.join(workdir, 'letters');
  await s.type(await s.find('[data-testid="handover-path"]'), folder);
  await s.click(await s.find('[data-testid="handover-export"]'));
  await waitForText(s, '[data-testid="mailings-notice"]', /3 messages written/);
  assert.equal(readdirSync(folder).filter((f) => f.endsWith('.eml')).length, 3);

  const rows = await s.findAll('[data-testid="message-row"] button');
  await s.click(rows[0]);
  const href = await s.cmd('POST', '/execute/sync', {
    script: 'return document.querySelector(\'[data-testid="mailto-link"]\').getAttribute("href");',
    args: [],
  });
  assert.match(href, /^mailto:pg@gov\.example\?subject=Release%20N\.%20from%20Anna%20Petrova&body=Dear%20Prosecutor%20General%2C/);
  writeFileSync(path.join(out, 'app-mailing.png'), Buffer.from(await s.screenshot(), 'base64'));
});
