// What the end-to-end suites share: the built binaries, the CLI on a suite's database, the
// real app window opened under Xvfb through tauri-driver (each suite on its own X display and
// WebDriver ports, so suites can run side by side), unlocked with the suites' passphrase, and
// waiting for what the window shows.
//
// Every database is encrypted: a suite makes its database with createDatabase (`appeal db
// init`) before anything else, and every CLI run and the app get the passphrase and the
// cheapest key derivation (testEnv).

import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Session } from './webdriver.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const app = path.join(root, 'target/debug/appeal-desk');
export const cli = path.join(root, 'target/debug/appeal');
export const fixtures = path.join(root, 'tests/fixtures');
export const out = path.join(root, 'tests/out');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The passphrase of every database the suites make. */
export const PASSPHRASE = 'Test-passphrase 4 the e2e suite';

/**
 * What every CLI run and the app get: the passphrase (the CLI reads APPEAL_PASSPHRASE; the app
 * is unlocked through its window), and Argon2id at its cheapest, so that dozens of runs do not
 * each spend half a second (debug builds only).
 */
export const testEnv = { APPEAL_PASSPHRASE: PASSPHRASE, APPEAL_TEST_KDF: 'fast' };

/** The appeal CLI on one database file: `appeal(...args)` and `appealJson(...args)`. */
export function cliOn(db) {
  const appeal = (...args) =>
    execFileSync(cli, ['--db', db, ...args], { encoding: 'utf8', env: { ...process.env, ...testEnv } });
  return { appeal, appealJson: (...args) => JSON.parse(appeal('--json', ...args)) };
}

/** Makes the encrypted database `db` (`appeal db init`, with PASSPHRASE); returns the CLI on it. */
export function createDatabase(db) {
  const on = cliOn(db);
  on.appeal('db', 'init');
  return on;
}

/**
 * The app window on `db`: Xvfb on `display` unless there is a display already, tauri-driver
 * on `port` and `nativePort`, started in `cwd` (the app inherits it). Unless `unlock` is false
 * (a first run, or a suite that unlocks by itself) the passphrase is typed into the unlock
 * screen and the app itself is waited for. `close()` ends the session and stops everything it
 * started.
 */
export async function openApp({ db, display, port, nativePort, cwd, unlock = true }) {
  const children = [];
  const start = (cmd, args, env) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
  };
  const env = { APPEAL_DB: db, ...testEnv };
  if (!process.env.DISPLAY) {
    start('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp']);
    env.DISPLAY = display;
    await sleep(1000);
  }
  // The app inherits this environment through tauri-driver and WebKitWebDriver.
  start('tauri-driver', ['--port', String(port), '--native-port', String(nativePort)], env);
  const until = Date.now() + 30000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/status`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > until) throw new Error('tauri-driver did not start');
    await sleep(250);
  }
  const session = await Session.start(`http://127.0.0.1:${port}`, app, env);
  if (unlock) await unlockWindow(session);
  let ended = false;
  return {
    session,
    display: env.DISPLAY ?? process.env.DISPLAY,
    /** Ends the WebDriver session: the app exits. */
    async end() {
      if (!ended) {
        ended = true;
        await session.end().catch(() => {});
      }
    },
    async close() {
      await this.end();
      for (const c of children.reverse()) c.kill('SIGTERM');
    },
  };
}

/** Waits until some element matching css has text matching pattern; returns all the texts. */
export async function waitForText(s, css, pattern, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let seen = [];
  while (Date.now() < until) {
    seen = await s.textsOf(css);
    if (seen.some((t) => pattern.test(t.trim()))) return seen;
    await sleep(200);
  }
  throw new Error(`no ${css} matched ${pattern}; saw ${JSON.stringify(seen)}`);
}

/** Waits until css matches as many elements as wanted (0 for none). */
export async function waitForCount(s, css, wanted, timeoutMs = 15000) {
  const until = Date.now() + timeoutMs;
  let found = [];
  while (Date.now() < until) {
    found = await s.findAll(css);
    if (found.length === wanted) return;
    await sleep(200);
  }
  throw new Error(`expected ${wanted} × ${css}, found ${found.length}`);
}

/** Types the passphrase into the unlock screen, and waits until the app itself shows. */
export async function unlockWindow(s, passphrase = PASSPHRASE) {
  await s.type(await s.waitFor('#unlock-passphrase', 30000), passphrase);
  await s.click(await s.find('#unlock-submit'));
  await s.waitFor('[data-testid="db-info"]', 30000);
  await waitForCount(s, '#unlock-passphrase', 0);
}

/** Creates a campaign under Campaigns and waits until the list shows it. */
export async function createCampaign(s, name) {
  await s.click(await s.waitFor('[data-testid="nav-campaigns"]'));
  await s.type(await s.waitFor('[data-testid="campaign-name"]'), name);
  await s.click(await s.find('[data-testid="campaign-create"]'));
  await waitForText(s, '[data-testid="campaign-list"]', new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
}
