// Unsaved template edits in the browser test: every way out of the editor (another view,
// another template, a new one, another campaign, closing the window) asks first, and Ctrl+S
// saves. Registered by browser.test.mjs, which owns the build, the server, the browser and the
// helpers passed in.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';

const EDIT = ' Please act now.';

/**
 * @param {{
 *   openApp: (locale?: string) => Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>,
 *   ipcCalls: (page: import('playwright-core').Page) => Promise<{ cmd: string, args: any }[]>,
 *   waitForCall: (page: import('playwright-core').Page, cmd: string, check?: (args: any) => boolean, timeout?: number) => Promise<{ cmd: string, args: any }>,
 *   outDir: string,
 * }} h
 */
export function leaveTests({ openApp, ipcCalls, waitForCall, outDir }) {
  /** @param {import('playwright-core').Page} page */
  const saves = async (page) => (await ipcCalls(page)).filter((c) => c.cmd === 'save_template').length;
  /** @param {import('playwright-core').Page} page @param {string} view */
  const shown = (page, view) => page.locator(`[data-testid="nav-${view}"][aria-current="page"]`).waitFor();
  /** @param {import('playwright-core').Page} page */
  const bodyText = async (page) => (await page.getByTestId('template-body').textContent()) ?? '';

  /** Opens the stored template and types at the end of its body. @param {import('playwright-core').Page} page */
  async function editBody(page) {
    await page.getByTestId('template-item').first().click();
    await page.getByTestId('template-body').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(EDIT);
    await page.getByTestId('template-dirty').waitFor();
  }

  it('asks before leaving unsaved template edits: Stay keeps them, Discard drops them, Save stores them', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-templates').click();
    await editBody(page);

    // Another view: the question comes first and takes the focus; the view has not changed.
    await page.getByTestId('nav-mailings').click();
    const dialog = page.getByTestId('leave-dialog');
    await dialog.waitFor();
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
    assert.equal(focused, 'leave-stay', 'the dialog holds the focus, on the choice that changes nothing');
    await page.screenshot({ path: path.join(outDir, 'template-leave.png') });
    await shown(page, 'templates');

    await page.getByTestId('leave-stay').click();
    await dialog.waitFor({ state: 'hidden' });
    await shown(page, 'templates');
    assert.ok((await bodyText(page)).endsWith(EDIT.trim()), 'Stay keeps the edit');

    // Escape is Stay too.
    await page.getByTestId('nav-mailings').click();
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('template-dirty').waitFor();

    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('leave-discard').click();
    await shown(page, 'mailings');
    assert.equal(await saves(page), 0, 'Discard stores nothing');
    await page.getByTestId('nav-templates').click();
    await page.getByTestId('template-item').first().click();
    await page.getByTestId('template-body').getByText('Yours sincerely').waitFor();
    assert.ok(!(await bodyText(page)).includes(EDIT.trim()), 'the discarded edit is gone');

    await editBody(page);
    await page.getByTestId('nav-targets').click();
    await page.getByTestId('leave-save').click();
    const saved = await waitForCall(page, 'save_template');
    assert.equal(saved.args.template.id, 5);
    assert.ok(saved.args.template.variants[0].body.endsWith(EDIT), 'Save stores the edited body');
    await shown(page, 'targets');
    await page.getByTestId('nav-templates').click();
    await page.getByTestId('template-item').first().click();
    assert.ok((await bodyText(page)).endsWith(EDIT.trim()), 'the stored template has the edit');
    await context.close();
  });

  it('saves with Ctrl+S or Cmd+S, and stays with the reason when saving fails', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-templates').click();
    await editBody(page);
    await page.evaluate(() => {
      // Listens after the app: sees whether the app took the key from the browser.
      window.addEventListener('keydown', (e) => {
        if (e.key === 's') /** @type {any} */ (window).__saveKeyPrevented = e.defaultPrevented;
      });
    });
    await page.keyboard.press('Control+s');
    const saved = await waitForCall(page, 'save_template');
    assert.ok(saved.args.template.variants[0].body.endsWith(EDIT));
    await page.getByTestId('templates-notice').getByText('Template “Appeal for the Lindenfeld Three” saved.').waitFor();
    await page.getByTestId('template-dirty').waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => /** @type {any} */ (window).__saveKeyPrevented), true, 'the browser does not save the page');

    await page.getByTestId('template-subject').fill('Free them now');
    await page.keyboard.press('Meta+s');
    await waitForCall(page, 'save_template', (a) => a.template.variants[0].subject === 'Free them now');
    await page.getByTestId('template-dirty').waitFor({ state: 'detached' });

    // A blank new template is nothing to lose: no question.
    await page.getByTestId('template-new').click();
    assert.equal(await page.getByTestId('template-name').inputValue(), '');
    await page.getByTestId('nav-mailings').click();
    await shown(page, 'mailings');
    assert.equal(await page.getByTestId('leave-dialog').count(), 0);

    // A named one that cannot be stored (the name is taken) keeps the editor open, with the reason.
    await page.getByTestId('nav-templates').click();
    await page.getByTestId('template-new').click();
    await page.getByTestId('template-name').fill('Appeal for the Lindenfeld Three');
    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('leave-save').click();
    await page.getByTestId('error-banner').getByText('this campaign already has a template called "Appeal for the Lindenfeld Three"').waitFor();
    await page.getByTestId('leave-dialog').waitFor({ state: 'hidden' });
    await shown(page, 'templates');
    assert.equal(await page.getByTestId('template-name').inputValue(), 'Appeal for the Lindenfeld Three', 'the draft is still there');
    await page.getByTestId('template-dirty').waitFor();
    await context.close();
  });

  it('asks before opening another template, a new one or another campaign, and before the window closes', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-campaigns').click();
    await page.getByTestId('campaign-name').fill('Free Ada Vale');
    await page.getByTestId('campaign-name').press('Enter');
    await page.getByTestId('campaign-list').getByText('Free Ada Vale').waitFor();
    await page.getByTestId('nav-templates').click();
    await editBody(page);

    // A new template.
    await page.getByTestId('template-new').click();
    await page.getByTestId('leave-stay').click();
    assert.ok((await bodyText(page)).endsWith(EDIT.trim()));
    await page.getByTestId('template-new').click();
    await page.getByTestId('leave-discard').click();
    await page.waitForFunction(() => /** @type {HTMLInputElement | null} */ (document.querySelector('[data-testid="template-name"]'))?.value === '');

    // Another template: Save stores the new one, then opens the one clicked.
    await page.getByTestId('template-name').fill('Second appeal');
    await page.getByTestId('template-item').first().click();
    await page.getByTestId('leave-save').click();
    const created = await waitForCall(page, 'save_template');
    assert.deepEqual([created.args.template.id, created.args.template.name], [null, 'Second appeal']);
    await page.getByTestId('template-item').nth(1).waitFor();
    assert.equal(await page.getByTestId('template-name').inputValue(), 'Appeal for the Lindenfeld Three');

    // Another campaign: Stay puts the campaign back, Discard moves on.
    await editBody(page);
    const campaign = page.getByTestId('campaign-select');
    await campaign.selectOption({ label: 'Free Ada Vale' });
    await page.getByTestId('leave-stay').click();
    assert.equal(await campaign.inputValue(), '1', 'the campaign shown is the one being edited');
    assert.ok((await bodyText(page)).endsWith(EDIT.trim()));
    await campaign.selectOption({ label: 'Free Ada Vale' });
    await page.getByTestId('leave-discard').click();
    await page.getByText('This campaign has no templates yet.').waitFor();
    assert.equal(await page.getByTestId('template-editor').count(), 0);

    // Closing the window with unsaved edits is held up by the browser's own question.
    await campaign.selectOption({ label: 'Free the Lindenfeld Three' });
    await editBody(page);
    /** @type {Promise<string>} */
    const asked = new Promise((resolve) => {
      page.once('dialog', (d) => {
        resolve(d.type());
        void d.dismiss();
      });
    });
    await page.close({ runBeforeUnload: true });
    assert.equal(await asked, 'beforeunload');
    assert.equal(page.isClosed(), false, 'the window stays open');
    await page.keyboard.press('Control+s');
    await page.getByTestId('template-dirty').waitFor({ state: 'detached' });
    const closed = new Promise((resolve) => page.once('close', resolve));
    await page.close({ runBeforeUnload: true });
    await closed;
    await context.close();
  });
}
