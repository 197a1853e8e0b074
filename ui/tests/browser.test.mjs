// Browser test: builds the UI, serves it with `vite preview` on 127.0.0.1, drives Debian's
// chromium through playwright-core with the Tauri IPC mocked (tests/tauri-mock*.js).
// Run with `npm run test:browser`. Set SKIP_BUILD=1 to reuse an existing dist/.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { appealsTests } from './appeals-flow.mjs';
import { consentTests } from './consent-flow.mjs';
import { importReportTests } from './import-report-flow.mjs';
import { leaveTests } from './leave-flow.mjs';
import { securityTests } from './security-flow.mjs';
import { sendingTests } from './sending-flow.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'tests', 'out');
const mockScript = path.join(root, 'tests', 'tauri-mock.js');
const appealsMockScript = path.join(root, 'tests', 'tauri-mock-appeals.js');
const sendingMockScript = path.join(root, 'tests', 'tauri-mock-sending.js');
const securityMockScript = path.join(root, 'tests', 'tauri-mock-security.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** @type {import('vite').PreviewServer} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
let baseUrl = '';
/** Requests that tried to leave the app (there must be none). @type {string[]} */
const outside = [];
/** Uncaught errors in the page. @type {string[]} */
const pageErrors = [];

before(async () => {
  if (process.env.SKIP_BUILD !== '1' || !existsSync(path.join(root, 'dist', 'index.html'))) {
    await build({ root, logLevel: 'warn' });
  }
  server = await preview({ root, logLevel: 'warn', preview: { host: '127.0.0.1', port: 4173, strictPort: false } });
  baseUrl = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:4173/';
  await mkdir(outDir, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/**
 * A fresh page of the app in the given language, with the IPC mock installed first. vault sets
 * how the mocked database starts (tests/tauri-mock-security.js; by default encrypted and open),
 * clock installs Playwright's fake clock (for the idle timer), and with shell false the page is
 * handed over before the app itself shows (a first run, a locked start).
 * @param {string} [locale]
 * @param {{ vault?: Record<string, unknown>, clock?: boolean, shell?: boolean }} [options]
 */
async function openApp(locale = 'en-US', { vault = {}, clock = false, shell = true } = {}) {
  const context = await browser.newContext({ locale, viewport: { width: 1280, height: 860 } });
  if (clock) await context.clock.install();
  await context.addInitScript((start) => {
    /** @type {any} */ (window).__MOCK_VAULT__ = start;
  }, vault);
  await context.addInitScript({ path: mockScript });
  await context.addInitScript({ path: appealsMockScript });
  await context.addInitScript({ path: sendingMockScript });
  await context.addInitScript({ path: securityMockScript });
  const page = await context.newPage();
  page.on('request', (request) => {
    if (!request.url().startsWith(baseUrl)) outside.push(request.url());
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(baseUrl);
  if (shell) await page.getByTestId('db-info').getByText('/home/demo/.local/share/appeal-desk/appeal.db').waitFor();
  return { context, page };
}

/** @param {import('playwright-core').Page} page */
function ipcCalls(page) {
  return page.evaluate(() => /** @type {{ cmd: string, args: any }[]} */ (/** @type {any} */ (window).__IPC_CALLS__));
}

/**
 * Waits until the mock has seen a call to cmd whose args pass check; returns that call.
 * @param {import('playwright-core').Page} page
 * @param {string} cmd
 * @param {(args: any) => boolean} [check]
 */
async function waitForCall(page, cmd, check = () => true, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    const found = (await ipcCalls(page)).filter((c) => c.cmd === cmd && check(c.args));
    if (found.length > 0) return found[found.length - 1];
    if (Date.now() > end) assert.fail(`no ${cmd} call matching ${check} within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Appeal Desk UI with a mocked backend', { timeout: 120_000 }, () => {
  it('shows the signatories table, loads more pages on scroll, and searches after a pause', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('signatory-row').first().waitFor();
    assert.equal((await page.getByTestId('signatory-total').textContent())?.trim(), '5,000 signatories');
    assert.match((await page.getByTestId('signatory-row').first().textContent()) ?? '', /Mira Kestrel/);
    const first = await waitForCall(page, 'list_signatories');
    assert.deepEqual(first.args.query, { search: null, petition_id: null, offset: 0, limit: 200 });

    // Virtualised: only a screenful of rows exists; scrolling far down fetches that page.
    assert.ok((await page.getByTestId('signatory-row').count()) < 100, 'rows are virtualised');
    await page.getByTestId('signatory-scroller').evaluate((el) => el.scrollTo({ top: 3000 * 30 }));
    await waitForCall(page, 'list_signatories', (a) => a.query.offset === 3000);
    await page.locator('[data-index="3005"][data-testid="signatory-row"]').waitFor();

    // Typing sends the whole term once, not every keystroke.
    await page.getByTestId('signatory-search').pressSequentially('Kestrel', { delay: 40 });
    const searched = await waitForCall(page, 'list_signatories', (a) => a.query.search === 'Kestrel');
    assert.deepEqual(searched.args.query, { search: 'Kestrel', petition_id: null, offset: 0, limit: 200 });
    const terms = (await ipcCalls(page)).filter((c) => c.cmd === 'list_signatories').map((c) => c.args.query.search);
    assert.deepEqual(terms.filter((s) => s !== null && s !== 'Kestrel'), [], 'no partial terms were sent');
    await page.getByTestId('signatory-total').getByText('630 signatories').waitFor();
    const names = await page.getByTestId('signatory-row').allTextContents();
    assert.ok(names.length > 0 && names.every((n) => n.includes('Kestrel')), 'only matching rows are shown');
    await page.screenshot({ path: path.join(outDir, 'signatories.png') });
    await context.close();
  });

  it('erases a signatory only after confirming, and says what was removed', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('signatory-row').nth(1).click();
    await page.getByTestId('signatory-detail').getByRole('heading', { name: 'Olek Kestrel' }).waitFor();
    await page.screenshot({ path: path.join(outDir, 'signatory-detail.png') });
    await page.getByTestId('signatory-erase').click();
    await page.getByTestId('confirm-dialog').waitFor();
    assert.equal((await ipcCalls(page)).filter((c) => c.cmd === 'erase_signatory').length, 0, 'not before confirming');
    await page.getByTestId('confirm-ok').click();
    const erase = await waitForCall(page, 'erase_signatory');
    assert.deepEqual(erase.args, { id: 2 });
    const notice = (await page.getByTestId('signatory-notice').textContent()) ?? '';
    assert.match(notice, /signatures 2, rejected import rows 1, earlier versions kept for undoing imports 3/);
    assert.match(notice, /suppression list/);
    assert.doesNotMatch(notice, /log still holds/, 'the log was emptied: no warning');
    await context.close();
  });

  it('walks the import wizard: error, preview and mapping, progress, report, rejects, undo', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-import').click();

    // A backend error {code, message} is shown as its sentence.
    await page.getByTestId('import-path').fill('/home/demo/Documents/broken.csv');
    await page.getByTestId('import-preview').click();
    const banner = page.getByTestId('error-banner');
    await banner.waitFor();
    assert.equal(
      (await banner.locator('p').textContent())?.trim(),
      'Line 3 of broken.csv has a quote that is never closed, so the file cannot be read.',
    );

    // "Choose…" asks the dialog plugin for a signature list file.
    await page.getByTestId('import-choose').click();
    const open = await waitForCall(page, 'plugin:dialog|open');
    assert.deepEqual(open.args.options.filters[0].extensions, ['csv', 'tsv', 'txt', 'xlsx', 'ods']);
    assert.equal(await page.getByTestId('import-path').inputValue(), '/home/demo/Documents/paper-sheets.csv');

    // Preview (path typed) with the guessed mapping, drafts and dry-run counts.
    await page.getByTestId('import-path').fill('/home/demo/Documents/paper-sheets.csv');
    await page.getByTestId('import-preview').click();
    await page.getByTestId('mapping-0').waitFor();
    const previewCall = await waitForCall(page, 'preview_import', (a) => a.path.endsWith('paper-sheets.csv'));
    assert.deepEqual(previewCall.args.options, {
      encoding: null,
      delimiter: null,
      sheet: null,
      mapping: [],
      on_existing: 'fill_blanks',
      petition_id: null,
    });
    assert.equal(await banner.count(), 0, 'the old error is gone');
    assert.equal(await page.getByTestId('mapping-0').inputValue(), 'first_name');
    assert.equal(await page.getByTestId('mapping-5').inputValue(), 'custom');
    assert.match((await page.getByTestId('import-format').textContent()) ?? '', /CSV/);
    assert.match((await page.getByTestId('import-drafts').textContent()) ?? '', /Runa/);

    // Changing a column or the encoding reads the file again with the choice.
    await page.getByTestId('mapping-5').selectOption('comment');
    await waitForCall(page, 'preview_import', (a) => a.options.mapping.some((/** @type {any} */ m) => m.index === 5 && m.field === 'comment'));
    await page.getByTestId('import-encoding').selectOption('UTF-8');
    const reread = await waitForCall(page, 'preview_import', (a) => a.options.encoding === 'UTF-8');
    assert.deepEqual(reread.args.options.mapping, [{ index: 5, header: 'Notiz', field: 'comment' }]);
    assert.equal(await page.getByTestId('mapping-5').inputValue(), 'comment');

    await page.screenshot({ path: path.join(outDir, 'import-preview.png'), fullPage: true });

    // Run: progress bar fed by the channel, then the report.
    const run = page.getByTestId('import-run');
    assert.equal((await run.textContent())?.trim(), 'Import 6 rows');
    await run.click();
    await page.getByTestId('import-progress').waitFor();
    const report = page.getByTestId('import-report');
    await report.waitFor();
    const runCall = await waitForCall(page, 'run_import');
    assert.equal(runCall.args.options.encoding, 'UTF-8');
    assert.match(String(runCall.args.onProgress), /^__CHANNEL__:\d+$/);
    /** @type {Record<string, string | undefined>} */
    const counts = {};
    for (const key of ['imported', 'updated', 'duplicates', 'suppressed', 'rejected']) {
      counts[key] = (await page.getByTestId(`count-${key}`).textContent())?.trim();
    }
    assert.deepEqual(counts, { imported: '3', updated: '1', duplicates: '1', suppressed: '1', rejected: '2' });
    const rejects = await page.getByTestId('reject-row').allTextContents();
    assert.equal(rejects.length, 2);
    assert.match(rejects[0], /^4.*no name and no email/);
    assert.match(rejects[1], /^7.*not valid/);
    await page.screenshot({ path: path.join(outDir, 'import-report.png'), fullPage: true });
    const dbInfoCalls = (await ipcCalls(page)).filter((c) => c.cmd === 'db_info').length;
    assert.ok(dbInfoCalls >= 2, 'the header count is loaded again after the import');

    // Save the rejected rows through the save dialog.
    await page.getByTestId('save-rejects').click();
    const save = await waitForCall(page, 'save_rejects');
    assert.deepEqual(save.args, { importId: 42, path: '/home/demo/Documents/paper-sheets-rejected.csv' });
    await page.getByTestId('import-report-notice').getByText('2 rows saved to').waitFor();

    // Undo asks first.
    await page.getByTestId('import-undo').click();
    await page.getByTestId('confirm-ok').click();
    assert.deepEqual((await waitForCall(page, 'undo_import')).args, { id: 42 });
    await page.getByTestId('import-report-notice').getByText('Import undone').waitFor();
    await context.close();
  });

  it('keeps the chosen petition for the next file, also after leaving the wizard', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-import').click();
    const petition = page.getByTestId('import-petition');
    await petition.locator('option[value="11"]').waitFor({ state: 'attached' });
    await petition.selectOption({ label: 'Open letter for the Lindenfeld Three' });
    await page.getByTestId('import-path').fill('/home/demo/Documents/paper-sheets.csv');
    await page.getByTestId('import-preview').click();
    assert.equal((await waitForCall(page, 'preview_import')).args.options.petition_id, 11);

    // Back to the file step, and a new import after the report: the petition is still chosen.
    await page.getByTestId('import-back').click();
    assert.equal(await petition.inputValue(), '11');
    await page.getByTestId('import-preview').click();
    await page.getByTestId('import-run').click();
    await page.getByTestId('import-report').waitFor();
    assert.equal((await waitForCall(page, 'run_import')).args.options.petition_id, 11);
    await page.getByTestId('import-another').click();
    assert.equal(await page.getByTestId('import-path').inputValue(), '', 'the file itself is forgotten');
    assert.equal(await petition.inputValue(), '11');

    // Another view and back: still chosen, and sent with the next file.
    await page.getByTestId('nav-signatories').click();
    await page.getByTestId('nav-import').click();
    await petition.locator('option[value="11"]').waitFor({ state: 'attached' });
    assert.equal(await petition.inputValue(), '11');
    await page.getByTestId('import-path').fill('/home/demo/Documents/more-sheets.csv');
    await page.getByTestId('import-preview').click();
    const next = await waitForCall(page, 'preview_import', (a) => a.path.endsWith('more-sheets.csv'));
    assert.equal(next.args.options.petition_id, 11);
    await context.close();
  });

  it('switches the whole interface to Russian', async () => {
    const { context, page } = await openApp('ru-RU');
    assert.equal((await page.getByTestId('nav-signatories').textContent())?.trim(), 'Подписанты');
    await page.getByTestId('signatory-total').getByText('5\u00a0000 подписантов').waitFor();
    await page.getByTestId('lang-select').selectOption('en');
    assert.equal((await page.getByTestId('nav-signatories').textContent())?.trim(), 'Signatories');
    await context.close();
  });

  importReportTests({ openApp, waitForCall, outDir });
  appealsTests({ openApp, ipcCalls, waitForCall, outDir });
  consentTests({ openApp, ipcCalls, waitForCall, outDir });
  leaveTests({ openApp, ipcCalls, waitForCall, outDir });
  sendingTests({ openApp, ipcCalls, waitForCall, outDir });
  securityTests({ openApp, ipcCalls, waitForCall, outDir });

  it('loaded nothing from outside the app and threw no errors', () => {
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });
});
