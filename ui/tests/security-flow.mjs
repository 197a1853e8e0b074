// Safe keeping in the browser test: the first run, the unlock screen, every way of locking
// (button, shortcuts, idle timer, a command the backend refused as locked) taking every list out
// of the page, and the Security screen's encrypting, backups, restore and retention. Registered
// by browser.test.mjs, which owns the build, the server, the browser and the helpers passed in;
// the vault is tests/tauri-mock-security.js.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';

const PASSPHRASE = 'Lindenfeld three, free at last';
const RECOVERY = 'ABCD-EFGH-IJKL-MNOP-QRST-UVWX-YZ23-4567';

/**
 * @typedef {import('playwright-core').Page} Page
 * @typedef {{ vault?: Record<string, unknown>, clock?: boolean, shell?: boolean }} OpenOptions
 */

/**
 * @param {{
 *   openApp: (locale?: string, options?: OpenOptions) => Promise<{ context: import('playwright-core').BrowserContext, page: Page }>,
 *   ipcCalls: (page: Page) => Promise<{ cmd: string, args: any }[]>,
 *   waitForCall: (page: Page, cmd: string, check?: (args: any) => boolean, timeout?: number) => Promise<{ cmd: string, args: any }>,
 *   outDir: string,
 * }} h
 */
export function securityTests({ openApp, ipcCalls, waitForCall, outDir }) {
  /** The whole page as HTML: what a lock must have taken out. @param {Page} page */
  const html = (page) => page.content();

  /** @param {Page} page */
  async function lockedScreen(page) {
    await page.locator('#unlock-passphrase').waitFor();
    assert.equal(await page.getByTestId('db-info').count(), 0, 'the header is gone');
    assert.equal(await page.locator('nav').count(), 0, 'the navigation is gone');
  }

  /** @param {Page} page */
  async function unlock(page, secret = PASSPHRASE) {
    await page.locator('#unlock-passphrase').fill(secret);
    await page.locator('#unlock-submit').click();
    await page.getByTestId('db-info').waitFor();
  }

  it('a locked start shows only the unlock screen, says plainly when the passphrase is wrong, and opens with the right one', async () => {
    const { context, page } = await openApp('en-US', { vault: { unlocked: false }, shell: false });
    await lockedScreen(page);
    const asked = (await ipcCalls(page)).map((c) => c.cmd);
    assert.deepEqual([...new Set(asked)], ['security_state'], 'nothing of the app asked for data before the unlock');

    await page.locator('#unlock-passphrase').fill('Lindenfeld three');
    await page.locator('#unlock-submit').click();
    await page.getByTestId('unlock-error').getByText('That passphrase does not open this database.', { exact: false }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'unlock-passphrase',
      'the field takes the focus again, to type anew',
    );
    await page.screenshot({ path: path.join(outDir, 'unlock-wrong.png') });

    await unlock(page);
    await page.getByTestId('signatory-row').first().waitFor();
    const call = await waitForCall(page, 'unlock_database', (a) => a.secret === PASSPHRASE);
    assert.deepEqual(call.args, { secret: PASSPHRASE, kind: 'passphrase', remember: false });
    await context.close();
  });

  it('the Lock button takes every list out of the page and says which sends were paused; the recovery key opens it again', async () => {
    const { context, page } = await openApp('en-US', { vault: { paused: 1 } });
    await page.getByTestId('signatory-row').first().waitFor();
    assert.match(await html(page), /Kestrel/);

    await page.getByTestId('lock-button').click();
    await lockedScreen(page);
    await waitForCall(page, 'lock_database');
    const shown = await html(page);
    for (const trace of ['Kestrel', 'example.org', 'Lindenfeld', 'appeal.db']) {
      assert.ok(!shown.includes(trace), `nothing of the list stays in the page: found ${trace}`);
    }
    await page.getByTestId('unlock-paused').getByText('1 send was paused; resume it from Sending after unlocking.').waitFor();
    await page.screenshot({ path: path.join(outDir, 'unlock-paused.png') });

    // The recovery key as typed from paper: lower case, spaces for dashes.
    await page.getByTestId('unlock-use-recovery').click();
    await page.locator('#unlock-recovery-key').fill(RECOVERY.toLowerCase().replaceAll('-', ' '));
    await page.locator('#unlock-submit').click();
    await page.getByTestId('signatory-row').first().waitFor();
    const call = await waitForCall(page, 'unlock_database', (a) => a.kind === 'recovery_key');
    assert.equal(call.args.secret, RECOVERY.toLowerCase().replaceAll('-', ' '));
    await context.close();
  });

  it('Ctrl+L, Ctrl+Shift+L, the idle timer and a command refused as locked all lock', async () => {
    const { context, page } = await openApp('en-US', { vault: { auto_lock_minutes: 1 }, clock: true });
    await page.getByTestId('signatory-row').first().waitFor();

    await page.keyboard.press('Control+l');
    await lockedScreen(page);
    await unlock(page);

    await page.keyboard.press('Control+Shift+L');
    await lockedScreen(page);
    await unlock(page);

    // A minute without a key press or a mouse move.
    await page.clock.fastForward('00:40');
    await page.getByTestId('db-info').waitFor();
    await page.clock.fastForward('00:25');
    await lockedScreen(page);
    await unlock(page);

    // The backend locked by itself: the next command it refuses takes the app to the unlock screen.
    await page.evaluate(() => /** @type {any} */ (window).__MOCK__.lockBackend());
    await page.getByTestId('nav-campaigns').click();
    await lockedScreen(page);
    assert.ok(!(await html(page)).includes('Kestrel'));
    assert.equal((await ipcCalls(page)).filter((c) => c.cmd === 'lock_database').length, 3, 'Ctrl+L, Ctrl+Shift+L and the idle timer asked the backend to lock; its own lock needed no asking');
    await context.close();
  });

  it('the first run asks for a strong passphrase twice, shows the recovery key once, and goes on once it is written down', async () => {
    const { context, page } = await openApp('en-US', { vault: { state: 'missing', unlocked: false }, shell: false });
    const create = page.getByTestId('first-run-create');
    const passphrase = page.getByTestId('first-run-passphrase');
    await passphrase.waitFor();

    await passphrase.fill('Mira1');
    await page.getByTestId('strength-level').getByText('Very weak').waitFor();
    await page.getByTestId('first-run-passphrase-hint').getByText('Too easy to guess', { exact: false }).waitFor();
    assert.ok(await create.isDisabled());

    // Typed key by key: the strength is asked once typing pauses, not for every key.
    await passphrase.fill('');
    const before = (await ipcCalls(page)).filter((c) => c.cmd === 'passphrase_strength').length;
    await passphrase.pressSequentially(PASSPHRASE, { delay: 15 });
    await page.getByTestId('strength-level').getByText('Very strong').waitFor();
    const asked = (await ipcCalls(page)).filter((c) => c.cmd === 'passphrase_strength').length - before;
    assert.ok(asked >= 1 && asked <= 3, `the strength was asked ${asked} times for ${PASSPHRASE.length} keys`);

    await page.getByTestId('first-run-passphrase-confirm').fill(`${PASSPHRASE}.`);
    await page.getByTestId('first-run-passphrase-hint').getByText('The two passphrases differ.').waitFor();
    assert.ok(await create.isDisabled());
    await page.getByTestId('first-run-passphrase-confirm').fill(PASSPHRASE);
    await create.click();

    await page.getByTestId('recovery-key').getByText(RECOVERY).waitFor();
    assert.ok(await page.getByTestId('recovery-continue').isDisabled(), 'Continue waits for the tick');
    await page.screenshot({ path: path.join(outDir, 'first-run-key.png') });
    await page.getByTestId('recovery-written').check();
    await page.getByTestId('recovery-continue').click();
    await page.getByTestId('db-info').waitFor();
    const call = await waitForCall(page, 'create_database');
    assert.deepEqual(call.args, { passphrase: PASSPHRASE, remember: false });
    await context.close();
  });

  it('a database in the clear shows the banner; encrypting gives the recovery key once, with the sentence about old copies', async () => {
    const { context, page } = await openApp('en-US', { vault: { state: 'plaintext' } });
    await page.getByTestId('encrypt-banner').waitFor();
    assert.equal(await page.getByTestId('lock-button').count(), 0, 'a database in the clear cannot be locked');

    await page.getByTestId('encrypt-banner-open').click();
    await page.getByTestId('encrypt-panel').waitFor();
    assert.equal(await page.getByTestId('encrypt-banner').count(), 0);
    await page.getByTestId('encrypt-passphrase').fill(PASSPHRASE);
    await page.getByTestId('encrypt-passphrase-confirm').fill(PASSPHRASE);
    await page.getByTestId('encrypt-run').click();

    const panel = page.getByTestId('recovery-panel');
    await panel.getByText('wear-levelling', { exact: false }).waitFor();
    await page.getByTestId('recovery-key').getByText(RECOVERY).waitFor();
    assert.equal(await page.getByTestId('encrypt-panel').count(), 0, 'the key is shown alone');
    await page.getByTestId('recovery-written').check();
    await page.getByTestId('recovery-continue').click();
    await page.getByTestId('status-encryption').getByText('Encrypted (SQLCipher)').waitFor();
    await page.getByTestId('lock-button').waitFor();
    await context.close();
  });

  it('backs up to a chosen file and to the folder, and restores after asking, with the passphrase an old backup needs', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-security').click();
    await page.getByTestId('backups').waitFor();

    await page.getByTestId('backup-now').click();
    const taken = await waitForCall(page, 'backup_now');
    assert.match(taken.args.file, /^\/home\/demo\/Documents\/appeal-desk-\d{4}-\d{2}-\d{2}\.db$/);
    await page.getByTestId('backup-notice').getByText(/^Backed up to .*\(3\.5 MB\)\.$/).waitFor();

    await page.getByTestId('backup-folder').fill('/media/usb/appeal');
    await page.getByTestId('backup-every-hours').fill('0');
    assert.ok(await page.getByTestId('backup-settings-save').isDisabled(), 'no backups every 0 hours');
    await page.getByTestId('backup-every-hours').fill('12');
    await page.getByTestId('backup-settings-save').click();
    const saved = await waitForCall(page, 'set_backup_settings');
    assert.deepEqual(saved.args, { settings: { folder: '/media/usb/appeal', every_hours: 12, keep: 10 } });
    await page.getByTestId('backup-now-folder').click();
    await waitForCall(page, 'backup_now', (a) => a.file === null);
    await page.getByTestId('backup-row').first().waitFor();

    // A backup of today's key: asked, then restored, and the report says what happened.
    await page.evaluate(() => {
      /** @type {any} */ (window).__MOCK__.handlers['plugin:dialog|open'] = () => '/media/usb/appeal/appeal-desk-20240601T100000Z.db';
    });
    await page.getByTestId('restore-choose').click();
    const dialog = page.getByTestId('restore-dialog');
    await dialog.getByText('first kept as a backup of its own', { exact: false }).waitFor();
    await page.screenshot({ path: path.join(outDir, 'restore-confirm.png') });
    await page.getByTestId('restore-ok').click();
    const report = page.getByTestId('restore-report');
    await report.getByText('Restored /media/usb/appeal/appeal-desk-20240601T100000Z.db: 4,998 people.').waitFor();
    await report.getByText('2 people erased since the backup was taken were erased again.', { exact: false }).waitFor();
    assert.equal((await waitForCall(page, 'restore_backup')).args.passphrase, null);

    // A backup of an earlier key: "key_needed" asks for that day's passphrase, and does not lock the app.
    await page.evaluate(() => {
      /** @type {any} */ (window).__MOCK__.handlers['plugin:dialog|open'] = () => '/media/usb/appeal/old-2023.db';
    });
    await page.getByTestId('restore-choose').click();
    await page.getByTestId('restore-ok').click();
    await page.getByTestId('restore-passphrase').fill('not it');
    await page.getByTestId('restore-ok').click();
    await dialog.getByText('That passphrase does not open this backup.').waitFor();
    await page.getByTestId('restore-passphrase').fill('the old passphrase of 2023');
    await page.getByTestId('restore-ok').click();
    await report.getByText('Restored /media/usb/appeal/old-2023.db', { exact: false }).waitFor();
    assert.equal(await page.locator('#unlock-passphrase').count(), 0, 'the app stayed open');
    await context.close();
  });

  it('keeps each campaign for the months set, lists who is due, and purges after showing the dry run’s counts', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-security').click();
    const months = page.getByTestId('retention-months');
    await months.first().waitFor();
    await page.screenshot({ path: path.join(outDir, 'security.png'), fullPage: true });

    await months.first().fill('36');
    await page.getByTestId('retention-save').first().click();
    const set = await waitForCall(page, 'set_retention');
    assert.deepEqual(set.args, { campaignId: 1, months: 36 });
    await page.getByTestId('retention-notice').getByText('“Free the Lindenfeld Three” now keeps its supporters for 36 months.').waitFor();
    await months.nth(1).fill('0');
    assert.ok(await page.getByTestId('retention-save').nth(1).isDisabled(), '0 months is not a period');

    await page.getByTestId('retention-review').click();
    await page.getByTestId('due-row').nth(2).waitFor();
    assert.match((await page.getByTestId('due-list').textContent()) ?? '', /\(no name\)/);

    await page.getByTestId('retention-purge').click();
    await page.getByTestId('confirm-dialog').getByText('This erases 3 people and 6 signatures.', { exact: false }).waitFor();
    const purges = (await ipcCalls(page)).filter((c) => c.cmd === 'purge_retention').map((c) => c.args.dryRun);
    assert.deepEqual(purges, [true], 'only the dry run so far');
    await page.screenshot({ path: path.join(outDir, 'retention-purge.png') });
    await page.getByTestId('confirm-ok').click();
    await waitForCall(page, 'purge_retention', (a) => a.dryRun === false);
    await page.getByTestId('retention-notice').getByText('Purged: 3 people and 6 signatures. 3 addresses are on the suppression list.').waitFor();
    await context.close();
  });
}
