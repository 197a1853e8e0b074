// What the end-to-end suites share: the built binaries, the CLI on a suite's database, the
// real app window opened under Xvfb through tauri-driver (each suite on its own X display and
// WebDriver ports, so suites can run side by side), and waiting for what the window shows.

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

/** The appeal CLI on one database file: `appeal(...args)` and `appealJson(...args)`. */
export function cliOn(db) {
  const appeal = (...args) => execFileSync(cli, ['--db', db, ...args], { encoding: 'utf8' });
  return { appeal, appealJson: (...args) => JSON.parse(appeal('--json', ...args)) };
}

/**
 * The app window on `db`: Xvfb on `display` unless there is a display already, tauri-driver
 * on `port` and `nativePort`, started in `cwd` (the app inherits it). `close()` ends the
 * session and stops everything it started.
 */
export async function openApp({ db, display, port, nativePort, cwd }) {
  const children = [];
  const start = (cmd, args, env) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(child);
  };
  const env = { APPEAL_DB: db };
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
