// The real Appeal Desk window under Xvfb, driven over WebDriver (tauri-driver in front of
// WebKitWebDriver): a template edited in the window is not lost by clicking another view. The
// app asks first; Stay keeps the edit, Ctrl+S stores it, and the CLI finds it in the database.
//
// The database is prepared with the CLI before the window opens. Its own WebDriver ports and
// X display let it run next to app.test.mjs and send.test.mjs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from './webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = path.join(root, 'target/debug/appeal-desk');
const cli = path.join(root, 'target/debug/appeal');
const out = path.join(root, 'tests/out');
// app.test.mjs has 4444 (and tauri-driver's default native port 4445), send.test.mjs 4446-4447.
const port = 4448;
const nativePort = 4449;
const display = ':95';
/** The stored body; no newline at its end, so Ctrl+End puts the caret right after "N.". */
const BODY = '{{ target.form_of_address }},\n\nPlease release N.';
const EDIT = ' Please act now.';
// The WebDriver key code of Control, held to the end of the command that sends it.
const CONTROL = '\uE009';
const END = '\uE010';
const children = [];
let session;
let db;
let templateId;

/** Runs the appeal CLI on the test database. */
function appeal(...args) {
  return execFileSync(cli, ['--db', db, ...args], { encoding: 'utf8' });
}

/** Runs the appeal CLI with --json and parses its answer. */
function appealJson(...args) {
  return JSON.parse(appeal('--json', ...args));
}

function start(cmd, args, env) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  return child;
}

async function waitForDriver() {
  const until = Date.now() + 30000;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('tauri-driver did not start');
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-templates-'));
  db = path.join(dir, 'templates.db');
  appeal('campaign', 'add', 'Free N.');
  const body = path.join(dir, 'body.md');
  writeFileSync(body, BODY);
  const template = appealJson('template', 'add', '--campaign', 'Free N.', '--name', 'Appeal',
    '--subject', 'Release N.', '--body-file', body);
  templateId = template.id;

  const env = { APPEAL_DB: db };
  if (!process.env.DISPLAY) {
    start('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp']);
    env.DISPLAY = display;
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The app inherits this environment through tauri-driver and WebKitWebDriver.
  start('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], env);
  await waitForDriver();
  session = await Session.start(`http://127.0.0.1:${port}`, app, env);
});

after(async () => {
  if (session) await session.end().catch(() => {});
  for (const c of children.reverse()) c.kill('SIGTERM');
});

/** Waits until css matches as many elements as wanted (0 for none). */
async function waitForCount(s, css, wanted, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let found = [];
  while (Date.now() < until) {
    found = await s.findAll(css);
    if (found.length === wanted) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`expected ${wanted} × ${css}, found ${found.length}`);
}

async function waitForText(s, css, pattern, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < until) {
    seen = await s.textsOf(css);
    if (seen.some((t) => pattern.test(t.trim()))) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no ${css} matched ${pattern}; saw ${JSON.stringify(seen)}`);
}

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
