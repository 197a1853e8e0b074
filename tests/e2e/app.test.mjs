// The real Appeal Desk window under Xvfb, driven over WebDriver (tauri-driver in front of
// WebKitWebDriver): import a signature list through the wizard and find its rows in the table.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from './webdriver.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = path.join(root, 'target/debug/appeal-desk');
const fixtures = path.join(root, 'tests/fixtures');
const out = path.join(root, 'tests/out');
const port = 4444;
const children = [];
let session;

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
  const env = {};
  if (!process.env.DISPLAY) {
    start('Xvfb', [':97', '-screen', '0', '1280x800x24', '-nolisten', 'tcp']);
    env.DISPLAY = ':97';
    await new Promise((r) => setTimeout(r, 1000));
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-'));
  env.APPEAL_DB = path.join(dir, 'e2e.db');
  // The app inherits this environment through tauri-driver and WebKitWebDriver.
  Object.assign(process.env, env);
  start('tauri-driver', ['--port', String(port)], env);
  await waitForDriver();
  session = await Session.start(`http://127.0.0.1:${port}`, app);
});

after(async () => {
  if (session) await session.end().catch(() => {});
  for (const c of children.reverse()) c.kill('SIGTERM');
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
