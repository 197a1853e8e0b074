// The sending screens in the browser test: SMTP accounts (add, test, password prompt, delete),
// a suppression list import, and a mailing sent with live progress, pause and resume, the
// per-recipient log, retries, an uncertain message resolved and the rest cancelled.
// Registered by browser.test.mjs, which owns the build, the server, the browser and the helpers.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';

/**
 * @param {{
 *   openApp: (locale?: string) => Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>,
 *   ipcCalls: (page: import('playwright-core').Page) => Promise<{ cmd: string, args: any }[]>,
 *   waitForCall: (page: import('playwright-core').Page, cmd: string, check?: (args: any) => boolean, timeout?: number) => Promise<{ cmd: string, args: any }>,
 *   outDir: string,
 * }} h
 */
export function sendingTests({ openApp, ipcCalls, waitForCall, outDir }) {
  /** @param {import('playwright-core').Page} page @param {string} cmd */
  const calls = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd);
  /** @param {import('playwright-core').Page} page @param {string} testid */
  const text = async (page, testid) => ((await page.getByTestId(testid).textContent()) ?? '').trim();

  it('keeps SMTP accounts: adds one with its password, tests connections, asks for a missing password', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-smtp').click();
    await page.getByTestId('smtp-row').nth(2).waitFor();

    // "No encryption" says what it is for, and the port follows the security.
    await page.getByTestId('smtp-name').fill('Committee mailbox');
    await page.getByTestId('smtp-security-none').check();
    assert.equal(await page.getByTestId('smtp-port').inputValue(), '25');
    await page.getByTestId('smtp-form').getByText('only for a mail server on this computer (localhost)').waitFor();
    await page.getByTestId('smtp-host').fill('mail.committee.example.org');
    await page.getByTestId('smtp-from-address').fill('letters@committee.example.org');
    await page.getByTestId('smtp-blocker').getByText('Without encryption the server must be on this computer').waitFor();
    assert.equal(await page.getByTestId('smtp-save').isDisabled(), true);
    await page.getByTestId('smtp-security-starttls').check();
    assert.equal(await page.getByTestId('smtp-port').inputValue(), '587');

    await page.getByTestId('smtp-username').fill('letters');
    await page.getByTestId('smtp-password').fill('correct horse battery');
    await page.getByTestId('smtp-from-name').fill('Lindenfeld Three Committee');
    await page.getByTestId('smtp-per_minute').fill('30');
    await page.getByTestId('smtp-per_day').fill(' 500 ');
    await page.getByTestId('smtp-save').click();
    const saved = await waitForCall(page, 'save_smtp_profile');
    assert.deepEqual(saved.args, {
      id: null,
      draft: {
        name: 'Committee mailbox', host: 'mail.committee.example.org', port: 587, security: 'starttls', username: 'letters',
        from_name: 'Lindenfeld Three Committee', from_address: 'letters@committee.example.org', reply_to: null, ca_file: null,
        concurrency: 4, limits: { per_second: null, per_minute: 30, per_hour: null, per_day: 500 },
        max_attempts: 5, retry_base_seconds: 60, timeout_seconds: 60, dkim: null,
      },
    });
    // The password goes to the keychain, not with the account, and leaves the form.
    assert.deepEqual((await waitForCall(page, 'set_smtp_password')).args, { id: 7, password: 'correct horse battery' });
    await page.getByTestId('smtp-notice').getByText('Account “Committee mailbox” saved.').waitFor();
    assert.equal(await page.getByTestId('smtp-password').inputValue(), '');
    assert.equal(await page.getByTestId('smtp-name').inputValue(), '');
    await page.getByTestId('smtp-row').nth(3).waitFor();
    assert.match((await page.getByTestId('smtp-row').nth(3).textContent()) ?? '', /30\/min · 500\/day/);

    // A test that works: encrypted, logged in, how long it took.
    await page.getByTestId('smtp-test').nth(3).click();
    assert.deepEqual((await waitForCall(page, 'test_smtp_profile')).args, { id: 7, password: null });
    await page.getByTestId('smtp-test-ok').waitFor();
    assert.equal(
      (await page.getByTestId('smtp-test-ok').locator('p').textContent())?.trim(),
      'Connected to “Committee mailbox” (mail.committee.example.org:587) in 142 ms.',
    );
    assert.equal(await text(page, 'smtp-test-encrypted'), 'The connection is encrypted.');
    assert.equal(await text(page, 'smtp-test-login'), 'Logged in.');

    // A test that fails says why, in words.
    await page.getByTestId('smtp-test').nth(1).click();
    await waitForCall(page, 'test_smtp_profile', (a) => a.id === 2);
    const banner = page.getByTestId('error-banner').locator('p');
    await banner.waitFor();
    assert.equal(
      (await banner.textContent())?.trim(),
      'Testing “Offline relay” failed: nothing answers at smtp.offline.example:465 (connection refused): check the host name and port.',
    );
    assert.equal(await page.getByTestId('smtp-test-ok').count(), 0, 'the earlier success is gone');

    // No password in the keychain: asked for, stored when ticked, used for this test.
    await page.getByTestId('smtp-test').nth(2).click();
    await page.getByTestId('password-dialog').getByText('The keychain holds no password for “Volunteer mailbox”.').waitFor();
    await page.getByTestId('password-input').fill('hunter2-volunteer');
    await page.getByTestId('password-remember').check();
    await page.getByTestId('password-ok').click();
    assert.deepEqual((await waitForCall(page, 'set_smtp_password', (a) => a.id === 3)).args, { id: 3, password: 'hunter2-volunteer' });
    await waitForCall(page, 'test_smtp_profile', (a) => a.id === 3 && a.password !== null);
    assert.deepEqual((await calls(page, 'test_smtp_profile')).filter((c) => c.args.id === 3).map((c) => c.args.password), [null, 'hunter2-volunteer']);
    await page.getByTestId('smtp-test-ok').getByText('Connected to “Volunteer mailbox”').waitFor();
    assert.equal(await page.getByTestId('password-dialog').isVisible(), false);

    // Editing shows the stored values, and that a password is in the keychain.
    await page.getByTestId('smtp-edit').first().click();
    assert.equal(await page.getByTestId('smtp-name').inputValue(), 'Lindenfeld relay');
    assert.equal(await page.getByTestId('smtp-per_minute').inputValue(), '30');
    assert.deepEqual((await waitForCall(page, 'has_smtp_password')).args, { id: 1 });
    await page.getByTestId('smtp-password-hint').getByText('A password is stored in the keychain').waitFor();
    await page.getByTestId('smtp-cancel').click();
    await page.screenshot({ path: path.join(outDir, 'smtp-accounts.png'), fullPage: true });

    // An unsubscribe list for the suppression list.
    await page.getByTestId('suppression-path-choose').click();
    await waitForCall(page, 'plugin:dialog|open');
    await page.getByTestId('suppression-reason').selectOption('bounced');
    await page.getByTestId('suppression-import').click();
    assert.deepEqual((await waitForCall(page, 'import_suppression_list')).args, { path: '/home/demo/Documents/paper-sheets.csv', reason: 'bounced' });
    await page.getByTestId('suppression-report').waitFor();
    assert.deepEqual(
      [await text(page, 'suppression-added'), await text(page, 'suppression-already'), await text(page, 'suppression-without')],
      ['41', '3', '1'],
    );
    assert.match(await text(page, 'suppression-without-row'), /^7\s*Olek;Marrow;;Hollin$/);

    // Deleting asks first.
    await page.getByTestId('smtp-delete').nth(1).click();
    assert.equal((await calls(page, 'delete_smtp_profile')).length, 0, 'not before confirming');
    await page.getByTestId('confirm-ok').click();
    assert.deepEqual((await waitForCall(page, 'delete_smtp_profile')).args, { id: 2 });
    await page.getByTestId('smtp-notice').getByText('Account “Offline relay” deleted.').waitFor();
    assert.equal(await page.getByTestId('smtp-row').count(), 3);
    await context.close();
  });

  it('sends a mailing: test letter, live progress with pause and resume, the log, retries, uncertain, cancel', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('mailing-item').filter({ hasText: 'Spring letters' }).click();
    await page.getByTestId('mailing-send').click();

    // The Sending screen opens on that mailing, with the first account chosen.
    await page.getByTestId('send-panel').getByRole('heading', { name: 'Spring letters' }).waitFor();
    assert.equal(await page.getByTestId('send-mailing').inputValue(), '12');
    assert.equal(await page.getByTestId('send-account').inputValue(), '1');
    await page.getByTestId('send-phase').getByText('Not started').waitFor();
    assert.deepEqual((await waitForCall(page, 'outbox_status')).args, { mailingId: 12 });
    assert.equal(await text(page, 'send-progress-text'), '0 of 40 done (0%)');
    await page.getByTestId('send-chart-empty').waitFor();

    // A test letter: a copy of the first message to an address typed in.
    await page.getByTestId('send-test-open').click();
    await page.getByTestId('send-test-copy').getByText('Mira Kestrel').waitFor();
    await page.getByTestId('send-test-to').fill('me@committee.example.org');
    await page.getByTestId('send-test').click();
    const testSend = await waitForCall(page, 'send_test_message');
    assert.deepEqual(testSend.args, { messageId: 5000, profileId: 1, to: 'me@committee.example.org', password: null });
    await page.getByTestId('send-test-result').getByText('The server accepted the test letter to me@committee.example.org').waitFor();
    assert.match(await text(page, 'send-test-result'), /250 2\.0\.0 Ok: queued as 7C1D0E9A2B44/);

    // Start: progress arrives on the channel.
    const listsBefore = (await calls(page, 'outbox_list')).length;
    await page.getByTestId('send-start').click();
    const start = await waitForCall(page, 'start_send');
    const { onProgress, ...rest } = start.args;
    assert.deepEqual(rest, { mailingId: 12, profileId: 1, password: null });
    assert.match(String(onProgress), /^__CHANNEL__:\d+$/);
    await page.getByTestId('send-rate').getByText('8 per second').waitFor();
    assert.match(await text(page, 'send-eta'), /^about \d+ s$/);

    // Pause: nothing moves; resume: it goes on.
    await page.getByTestId('send-pause').click();
    assert.deepEqual((await waitForCall(page, 'pause_send')).args, { mailingId: 12 });
    await page.getByTestId('send-phase').getByText('Paused').waitFor();
    await page.waitForTimeout(300);
    const frozen = await text(page, 'send-progress-text');
    await page.waitForTimeout(700);
    assert.equal(await text(page, 'send-progress-text'), frozen, 'nothing is sent while paused');
    assert.equal(await text(page, 'send-eta'), 'not known yet');
    await page.screenshot({ path: path.join(outDir, 'sending-paused.png'), fullPage: true });
    await page.getByTestId('send-resume').click();
    assert.deepEqual((await waitForCall(page, 'resume_send')).args, { mailingId: 12 });
    await page.getByTestId('send-phase').getByText('Sending').waitFor();

    // The send stops with one message uncertain; the log followed it about once a second.
    await page.getByTestId('send-phase').getByText('Stopped, not finished').waitFor({ timeout: 20_000 });
    await page.getByTestId('send-notice').getByText('Sending stopped before every message was done').waitFor();
    assert.ok((await calls(page, 'outbox_list')).length - listsBefore >= 3, 'the log refreshed while sending');
    /** @type {Record<string, string>} */
    const counts = {};
    for (const state of ['queued', 'sent', 'failed', 'suppressed', 'uncertain']) counts[state] = await text(page, `send-count-${state}`);
    assert.deepEqual(counts, { queued: '0', sent: '36', failed: '2', suppressed: '1', uncertain: '1' });
    assert.equal(await text(page, 'send-progress-text'), '39 of 40 done (98%)');
    assert.deepEqual((await waitForCall(page, 'sent_per_minute')).args, { mailingId: 12 });
    await page.getByTestId('send-chart').locator('canvas').waitFor();

    // The log, failed only: the server's reply, and each attempt.
    await page.getByTestId('log-filter').selectOption('failed');
    const failed = await waitForCall(page, 'outbox_list', (a) => a.query.state === 'failed');
    assert.deepEqual(failed.args, { mailingId: 12, query: { state: 'failed', search: null, offset: 0, limit: 50 } });
    await page.getByTestId('log-range').getByText('1–2 of 2').waitFor();
    const replies = await page.getByTestId('log-reply').allTextContents();
    assert.deepEqual(replies, [
      '550 5.1.1 <bruno.kestrel.6@example.org>: Recipient address rejected: User unknown',
      '550 5.1.1 <sefa.marrow.18@example.org>: Recipient address rejected: User unknown',
    ]);
    await page.getByTestId('log-open').first().click();
    assert.deepEqual((await waitForCall(page, 'message_attempts')).args, { messageId: 5005 });
    const attempt = page.getByTestId('attempt-row');
    await attempt.getByText('failed').waitFor();
    assert.match((await attempt.textContent()) ?? '', /550.*User unknown/);
    await page.getByTestId('log-search').fill('sefa');
    await waitForCall(page, 'outbox_list', (a) => a.query.search === 'sefa' && a.query.state === 'failed');
    await page.getByTestId('log-range').getByText('1–1 of 1').waitFor();
    await page.getByTestId('log-search').fill('');
    await page.getByTestId('log-range').getByText('1–2 of 2').waitFor();
    await page.screenshot({ path: path.join(outDir, 'sending-log.png'), fullPage: true });

    // Retry the failed ones.
    assert.equal(await text(page, 'log-retry-failed'), 'Retry failed (2)');
    await page.getByTestId('log-retry-failed').click();
    assert.deepEqual((await waitForCall(page, 'retry_failed')).args, { mailingId: 12 });
    await page.getByTestId('send-notice').getByText('2 failed messages queued again.').waitFor();
    await page.getByTestId('log-empty').waitFor();
    assert.equal(await text(page, 'send-count-queued'), '2');

    // The uncertain message: explained, and marked as sent for the one ticked.
    const uncertain = page.getByTestId('uncertain-panel');
    await uncertain.getByText('1 message may or may not have arrived').waitFor();
    await uncertain.getByText('after the letter was handed over to the server, so it may have arrived').waitFor();
    await page.getByTestId('log-filter').selectOption('uncertain');
    await page.getByTestId('log-range').getByText('1–1 of 1').waitFor();
    await page.getByTestId('log-select').check();
    await page.getByTestId('uncertain-scope').getByText('Applies to the 1 message ticked in the log.').waitFor();
    await page.getByTestId('uncertain-mark_sent').click();
    assert.deepEqual((await waitForCall(page, 'resolve_uncertain')).args, { mailingId: 12, resolution: 'mark_sent', ids: [5031] });
    await page.getByTestId('send-notice').getByText('1 message marked as sent.').waitFor();
    await uncertain.waitFor({ state: 'detached' });

    // Cancel what is left (the two queued again), after confirming; then it is finished.
    await page.getByTestId('send-cancel').click();
    await page.getByTestId('confirm-dialog').getByText('The 2 messages not sent yet are cancelled').waitFor();
    await page.getByTestId('confirm-ok').click();
    assert.deepEqual((await waitForCall(page, 'cancel_send')).args, { mailingId: 12 });
    await page.getByTestId('send-notice').getByText('2 messages cancelled.').waitFor();
    await page.getByTestId('send-phase').getByText('Finished').waitFor();
    assert.equal(await page.getByTestId('send-start').isDisabled(), true);

    // The log as CSV, through the save dialog.
    await page.getByTestId('log-export').click();
    const exported = await waitForCall(page, 'export_send_log');
    assert.deepEqual(exported.args, { mailingId: 12, path: '/home/demo/Documents/spring-letters-send-log.csv' });
    await page.getByTestId('send-notice').getByText('written to /home/demo/Documents/spring-letters-send-log.csv').waitFor();
    await context.close();
  });
}
