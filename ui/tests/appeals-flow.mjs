// The appeal screens in the browser test: targets, the template editor with its live preview,
// and a mailing merged, looked at and handed over. Registered by browser.test.mjs, which owns
// the build, the server, the browser and the helpers passed in.
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
export function appealsTests({ openApp, ipcCalls, waitForCall, outDir }) {
  /** @param {import('playwright-core').Page} page @param {string} cmd */
  const count = async (page, cmd) => (await ipcCalls(page)).filter((c) => c.cmd === cmd).length;

  it('keeps the targets of a campaign: add, edit, delete, import and export', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('target-row').nth(1).waitFor();
    assert.equal(await page.getByTestId('target-row').count(), 2);

    await page.getByTestId('target-name').fill('  Ilse Marrow ');
    await page.getByTestId('target-title').fill('Chair of the Parole Board');
    await page.getByTestId('target-form_of_address').fill('Dear Ms Marrow');
    await page.getByTestId('target-email').fill('chair@parole.lindenfeld.example');
    await page.getByTestId('target-address').fill('  Parole Board \n\n 4 Mill Road\nHollin ');
    await page.getByTestId('target-language').fill('EN');
    await page.getByTestId('target-save').click();
    const created = await waitForCall(page, 'create_target');
    assert.deepEqual(created.args, {
      campaignId: 1,
      fields: {
        name: 'Ilse Marrow', title: 'Chair of the Parole Board', organisation: null, email: 'chair@parole.lindenfeld.example',
        address: 'Parole Board\n4 Mill Road\nHollin', country: null, language: 'en', form_of_address: 'Dear Ms Marrow',
      },
    });
    await page.getByTestId('target-row').nth(2).waitFor();
    await page.getByTestId('targets-notice').getByText('Target “Ilse Marrow” saved.').waitFor();

    await page.getByTestId('target-edit').first().click();
    assert.equal(await page.getByTestId('target-name').inputValue(), 'Halvard Brenn');
    await page.getByTestId('target-title').fill('Acting Prosecutor General');
    await page.getByTestId('target-save').click();
    assert.equal((await waitForCall(page, 'update_target')).args.id, 1);

    await page.getByTestId('target-delete').nth(2).click();
    await page.getByTestId('confirm-ok').click();
    assert.deepEqual((await waitForCall(page, 'delete_target')).args, { id: 200 });
    await page.getByTestId('target-row').nth(2).waitFor({ state: 'detached' });

    await page.getByTestId('targets-import-choose').click();
    await waitForCall(page, 'plugin:dialog|open');
    await page.getByTestId('targets-import').click();
    assert.deepEqual((await waitForCall(page, 'import_targets')).args, { campaignId: 1, path: '/home/demo/Documents/paper-sheets.csv' });
    assert.equal((await page.getByTestId('targets-count-imported').textContent())?.trim(), '2');
    assert.match((await page.getByTestId('targets-reject-row').textContent()) ?? '', /^5.*no name/);

    await page.getByTestId('targets-export').click();
    assert.deepEqual((await waitForCall(page, 'export_targets')).args, { campaignId: 1, path: '/home/demo/Documents/targets.csv' });
    await page.getByTestId('targets-file-notice').getByText('2 targets written to /home/demo/Documents/targets.csv.').waitFor();
    await page.screenshot({ path: path.join(outDir, 'targets.png'), fullPage: true });
    await context.close();
  });

  it('drafts an appeal with a live preview, then merges, reviews and hands over a mailing', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-templates').click();
    await page.getByTestId('template-item').first().click();

    // The preview renders the stored template for the first real recipient.
    const subject = page.getByTestId('preview-subject');
    await subject.getByText('Release the Lindenfeld Three, from Mira Kestrel').waitFor();
    assert.equal((await page.getByTestId('preview-recipient').textContent())?.trim(), 'Mira Kestrel → Halvard Brenn');
    assert.equal(await page.getByTestId('preview-html').getAttribute('sandbox'), '');
    await page.getByTestId('template-ok').waitFor();

    await page.getByTestId('template-subject').fill('Free them now, {{ signatory.first_name }}');
    await subject.getByText('Free them now, Mira').waitFor();

    // Body edits in CodeMirror reach the preview after a pause.
    const body = page.getByTestId('template-body');
    await body.click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('\n\nP.S. Greetings from {{ signatory.town }}', { delay: 20 });
    await page.getByTestId('preview-tab-text').click();
    await page.getByTestId('preview-text').getByText('P.S. Greetings from Lindenfeld').waitFor();

    // A misspelt field: listed with the closest one, underlined in the editor; checked once typing pauses.
    await body.click();
    await page.keyboard.press('Control+End');
    const checksBefore = await count(page, 'check_template');
    await page.keyboard.type(' {{ signatory.frist_name }}', { delay: 30 });
    const problem = page.getByTestId('template-problem');
    await problem.getByText('unknown field signatory.frist_name; did you mean signatory.first_name?').waitFor();
    assert.match((await problem.textContent()) ?? '', /^en · body · line 8, column 45/);
    await page.locator('.cm-lintRange-error').getByText('signatory.frist_name').waitFor();
    const checks = (await count(page, 'check_template')) - checksBefore;
    assert.ok(checks >= 1 && checks <= 2, `checked ${checks} times while typing, not per keystroke`);

    // Completion offers the fields that exist and fills one in.
    await page.keyboard.type(' {{ target.form', { delay: 20 });
    const option = page.locator('.cm-tooltip-autocomplete li').filter({ hasText: 'target.form_of_address' });
    await option.waitFor();
    await page.waitForTimeout(150); // the editor ignores Enter for a moment after the list changes
    await page.keyboard.press('Enter');
    assert.match((await body.textContent()) ?? '', /\{\{ signatory\.frist_name \}\} \{\{ target\.form_of_address \}\}$/);
    await page.screenshot({ path: path.join(outDir, 'template-editor.png'), fullPage: true });

    await page.getByTestId('template-save').click();
    const saved = await waitForCall(page, 'save_template');
    assert.equal(saved.args.template.id, 5);
    assert.equal(saved.args.template.variants[0].subject, 'Free them now, {{ signatory.first_name }}');
    await page.getByTestId('templates-notice').getByText('Template “Appeal for the Lindenfeld Three” saved.').waitFor();

    // Stepping to the next recipient renders her language.
    await page.getByTestId('preview-next').click();
    await page.getByTestId('preview-recipient').getByText('Mira Kestrel → Vesna Orlova').waitFor();
    await page.getByTestId('preview-text').getByText('Уважаемая госпожа Министр!').waitFor();

    // The mailing: check, a refused merge, a merge leaving the problems out.
    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('mailing-item').first().click();
    await page.getByTestId('mailing-check').click();
    await page.getByTestId('audience-summary').getByText('120 recipients, 60 problems').waitFor();
    assert.equal(await page.getByTestId('audience-problem').count(), 60);
    assert.equal((await page.getByTestId('audience-problem-label').first().textContent())?.trim(), 'Mira Kestrel → Vesna Orlova');

    await page.getByTestId('mailing-merge').click();
    await page.getByTestId('error-banner').getByText('60 recipients have problems').waitFor();
    await page.getByTestId('mailing-exclude').check();
    await page.getByTestId('mailing-merge').click();
    await page.getByTestId('merge-progress').waitFor();
    const merged = await waitForCall(page, 'merge_mailing', (a) => a.excludeProblems === true);
    assert.match(String(merged.args.onProgress), /^__CHANNEL__:\d+$/);
    const report = page.getByTestId('merge-report');
    await report.waitFor();
    assert.match((await report.textContent()) ?? '', /^\s*60 messages in the outbox\.\s+Left out: 60\. Unsent messages replaced: 0\./);

    // The outbox, paged; every row has its mailto link.
    assert.equal(await page.getByTestId('message-row').count(), 50);
    assert.equal((await page.getByTestId('messages-range').textContent())?.trim(), '1–50 of 60');
    const href = (await page.getByTestId('mailto-link').first().getAttribute('href')) ?? '';
    assert.match(href, /^mailto:office@prosecutor\.lindenfeld\.example\?subject=Free%20them%20now%2C%20Mira&body=Dear%20Prosecutor%20General%2C/);
    await page.getByTestId('messages-next').click();
    await waitForCall(page, 'list_messages', (a) => a.offset === 50 && a.limit === 50);
    await page.getByTestId('messages-range').getByText('51–60 of 60').waitFor();
    assert.equal(await page.getByTestId('message-row').count(), 10);
    await page.getByTestId('messages-prev').click();
    await page.getByTestId('messages-range').getByText('1–50 of 60').waitFor();

    // One message, whole, and its print view.
    await page.getByTestId('message-row').first().getByRole('button').click();
    const view = page.getByTestId('message-view');
    await view.getByTestId('message-from').getByText('Mira Kestrel via Lindenfeld Three Committee <letters@lindenfeld-three.example.org>').waitFor();
    assert.equal((await view.getByTestId('message-reply-to').textContent())?.trim(), 'mira.kestrel.1@example.org');
    assert.equal(await view.getByTestId('message-html').getAttribute('sandbox'), '');
    assert.match((await view.getByTestId('message-html').getAttribute('srcdoc')) ?? '', /Dear Prosecutor General/);
    assert.equal(await view.getByTestId('message-mailto').getAttribute('href'), href);
    await view.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, 'mailing.png') });
    await view.getByTestId('message-print-preview').click();
    await page.getByTestId('print-sheet').waitFor();
    assert.equal(await page.getByTestId('print-sheet').getAttribute('sandbox'), '');
    await page.screenshot({ path: path.join(outDir, 'print-preview.png') });
    await page.emulateMedia({ media: 'print' });
    assert.equal(await page.getByTestId('print-letter').isVisible(), false, 'the toolbar is not printed');
    assert.equal(await page.getByTestId('print-sheet').isVisible(), true);
    await page.emulateMedia({ media: 'screen' });
    await page.keyboard.press('Escape');
    await page.getByTestId('print-preview').waitFor({ state: 'detached' });

    // Hand-over: .eml files into a folder, mailto links into a file.
    await page.getByTestId('handover-eml').click();
    assert.equal((await waitForCall(page, 'plugin:dialog|open')).args.options.directory, true);
    const eml = await waitForCall(page, 'export_messages', (a) => a.format === 'eml');
    assert.deepEqual(eml.args, { mailingId: 9, format: 'eml', path: '/home/demo/Documents/letters' });
    await page.getByTestId('mailings-notice').getByText('60 messages written to /home/demo/Documents/letters.').waitFor();
    await page.getByTestId('handover-mailto').click();
    const mailto = await waitForCall(page, 'export_messages', (a) => a.format === 'mailto');
    assert.equal(mailto.args.path, '/home/demo/Documents/november-letters-mailto.csv');

    // A problem opens the record to fix: the target, and (back again) the signatory.
    await page.getByTestId('mailing-check').click();
    await page.getByTestId('audience-open-target').first().click();
    await page.getByTestId('target-form').getByRole('heading', { name: 'Edit target' }).waitFor();
    assert.equal(await page.getByTestId('target-name').inputValue(), 'Vesna Orlova');
    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('mailing-check').click();
    await page.getByTestId('audience-open-signatory').first().click();
    await page.getByTestId('signatory-detail').getByRole('heading', { name: 'Mira Kestrel' }).waitFor();
    await context.close();
  });
}
