// A native file dialog in the real window must not cost the app its hold on the database.
//
// Closing any file descriptor on a file drops every POSIX lock the process holds on it; a
// file chooser running inside the app's process opens and closes the files it lists (content
// sniffing), so it used to drop SQLite's locks on the database. The next `appeal --db` run then
// took itself for the only user, checkpointed and deleted the -wal and -shm under the running
// app, and everything the app wrote afterwards was gone when it exited. The app's dialogs now
// run in another process (the XDG desktop portal, or zenity where there is none). This test
// takes the steps of the report: a dialog on the database's folder, cancelled; a CLI read;
// writes in the app; the app exits; every write is in the file.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { app, createCampaign, createDatabase, openApp, sleep } from './harness.mjs';

let window;
let dbFile;
let display;
let appeal;

async function waitFor(what, check, timeoutMs = 20000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = check();
    if (found) return found;
    if (Date.now() > until) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** Visible X windows that xdotool finds with these search options; [] when none. */
function windows(...how) {
  try {
    return execFileSync('xdotool', ['search', '--onlyvisible', ...how], { encoding: 'utf8', env: { ...process.env, DISPLAY: display } })
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * The file dialog's windows: one titled as the app asked (a GTK dialog inside the app's
 * process, as before, or a portal's), or zenity's (which rfd starts without the title).
 */
function fileDialogs() {
  return [...windows('--name', 'Save the signatures as'), ...windows('--classname', 'zenity')];
}

/** The app's process: the one running the binary under test. */
function appPid() {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`) === app) return pid;
    } catch {
      /* gone, or not ours */
    }
  }
  return null;
}

/** What the process has open on the database's files, as /proc shows it. */
function openDatabaseFiles(pid) {
  const seen = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      if (target.startsWith(dbFile)) seen.push(target);
    } catch {
      /* closed meanwhile */
    }
  }
  return seen;
}

before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'appeal-e2e-dialogs-'));
  dbFile = path.join(dir, 'appeal-desk.db');
  appeal = createDatabase(dbFile).appeal;
  // Started in the database's folder, so that a dialog which opens where the app was started
  // (zenity's does) lists the database's files too.
  window = await openApp({ db: dbFile, display: ':96', port: 4450, nativePort: 4451, cwd: dir });
  display = window.display;
});

after(async () => {
  if (window) await window.close();
});

test('a file dialog cancelled on the database folder, then a CLI run, loses none of the app’s writes', async () => {
  const s = window.session;
  await createCampaign(s, 'Before the dialog');
  const pid = await waitFor('the app process', appPid);

  // Export → Choose…, pointed at the database's own folder, left open while it lists the
  // folder, then cancelled.
  await s.click(await s.waitFor('[data-testid="nav-export"]'));
  await s.type(await s.waitFor('[data-testid="export-path"]'), path.join(path.dirname(dbFile), 'signatures.csv'));
  await s.click(await s.find('[data-testid="export-choose"]'));
  const [dialog] = await waitFor('the file dialog', () => {
    const w = fileDialogs();
    return w.length > 0 ? w : null;
  }).catch(async (err) => {
    const shown = await s.textsOf('[role="alert"]').catch(() => []);
    throw new Error(`${err.message}; the app says: ${JSON.stringify(shown)}; processes: ${execFileSync('ps', ['-eo', 'pid,args']).toString().split('\n').filter((l) => /zenity|portal/.test(l)).join(' | ')}`);
  });
  await sleep(2000);
  execFileSync('xdotool', ['windowfocus', '--sync', dialog, 'key', 'Escape'], { env: { ...process.env, DISPLAY: display } });
  await waitFor('the dialog to close', () => fileDialogs().length === 0);

  // Any CLI command on the same file, even a read.
  assert.match(appeal('campaign', 'list'), /Before the dialog/);

  // The app goes on writing, and still writes into the files on disk.
  await createCampaign(s, 'After the dialog');
  await createCampaign(s, 'Later still');
  const open = openDatabaseFiles(pid);
  assert.ok(open.length > 0, 'the app has the database open');
  assert.deepEqual(open.filter((f) => f.endsWith('(deleted)')), [], `the app's database files are on disk: ${open.join(', ')}`);
  assert.match(appeal('campaign', 'list'), /After the dialog/, 'the CLI sees what the app wrote');

  // The app exits; every campaign it created is in the file.
  await window.end();
  await waitFor('the app to exit', () => appPid() === null);
  const list = appeal('campaign', 'list');
  for (const name of ['Before the dialog', 'After the dialog', 'Later still']) {
    assert.match(list, new RegExp(name), `${name} is in the database after the app exited`);
  }
});
