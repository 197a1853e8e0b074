// The real Appeal Desk window under Xvfb, driven over WebDriver (tauri-driver in front of
// WebKitWebDriver): a template edited in the window is not lost by clicking another view. The
// app asks first; Stay keeps the edit, Ctrl+S stores it, and the CLI finds it in the database.
//
// The database is prepared with the CLI before the window opens. Its own WebDriver ports and
// X display let it run next to app.test.mjs and send.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, openApp, out, waitForCount, waitForText } from './harness.mjs';

/** The stored body; no newline at its end, so Ctrl+End puts the caret right after "N.". */
const BODY = '{{ target.form_of_address }},\n\nPlease release N.';
const EDIT = ' Please act now.';
// The WebDriver key code of Control, held to the end of the command that sends it.
const CONTROL = '\uE009';
const END = '\uE010';
let window;
let session;
let appealJson;
let templateId;

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-templates-'));
  const db = path.join(dir, 'templates.db');
  const cli = createDatabase(db);
  appealJson = cli.appealJson;
  cli.appeal('campaign', 'add', 'Free N.');
  const body = path.join(dir, 'body.md');
  writeFileSync(body, BODY);
  const template = appealJson('template', 'add', '--campaign', 'Free N.', '--name', 'Appeal',
    '--subject', 'Release N.', '--body-file', body);
  templateId = template.id;
  // app.test.mjs has 4444 (and tauri-driver's default native port 4445), send.test.mjs 4446-4447.
  window = await openApp({ db, display: ':95', port: 4448, nativePort: 4449 });
  session = window.session;
});

after(async () => {
  if (window) await window.close();
});

/** The editor's text (CodeMirror's lines, without their line breaks). */
async function bodyText(s) {
  return (await s.textsOf('[data-testid="template-body"]'))[0] ?? '';
}

test('an edited template is kept when another view is clicked, and Ctrl+S stores it', async () => {
  const s = session;
  await s.click(await s.waitFor('[data-testid="nav-templates"]'));
  await s.click(await s.waitFor('[data-testid="template-item"]'));
  const body = await s.waitFor('[data-testid="template-body"]');
  await waitForText(s, '[data-testid="template-body"]', /Please release N\.$/);
  // Ctrl+End puts the caret at the end of the text. WebKitWebDriver keeps a modifier down to
  // the end of a command, so the chord goes in a command of its own.
  await s.click(body);
  await s.cmd('POST', `/element/${body}/value`, { text: `${CONTROL}${END}` });
  await s.cmd('POST', `/element/${body}/value`, { text: EDIT });
  await s.waitFor('[data-testid="template-dirty"]');

  // Another view: the question comes first, holding the focus; the editor is still there.
  await s.click(await s.find('[data-testid="nav-mailings"]'));
  await s.waitFor('[data-testid="leave-dialog"][open]');
  const focused = await s.cmd('POST', '/execute/sync', {
    script: 'return document.activeElement && document.activeElement.getAttribute("data-testid");',
    args: [],
  });
  assert.equal(focused, 'leave-stay');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'app-template-leave.png'), Buffer.from(await s.screenshot(), 'base64'));

  await s.click(await s.find('[data-testid="leave-stay"]'));
  await waitForCount(s, '[data-testid="leave-dialog"][open]', 0);
  await s.waitFor('[data-testid="nav-templates"][aria-current="page"]');
  const kept = await bodyText(s);
  assert.ok(kept.endsWith(`Please release N.${EDIT}`), `Stay keeps the edit: ${JSON.stringify(kept)}`);
  assert.equal(appealJson('template', 'show', String(templateId)).variants[0].body, BODY, 'nothing is stored yet');

  // Ctrl+S in the editor stores the draft.
  await s.cmd('POST', `/element/${body}/value`, { text: `${CONTROL}s` });
  await waitForText(s, '[data-testid="templates-notice"]', /^Template “Appeal” saved\.$/);
  await waitForCount(s, '[data-testid="template-dirty"]', 0);
  const stored = appealJson('template', 'show', String(templateId));
  assert.equal(stored.variants[0].body, BODY + EDIT, 'the database holds the edited body');

  // Saved: another view opens without a question.
  await s.click(await s.find('[data-testid="nav-mailings"]'));
  await s.waitFor('[data-testid="nav-mailings"][aria-current="page"]');
  assert.equal((await s.findAll('[data-testid="leave-dialog"][open]')).length, 0);
});
