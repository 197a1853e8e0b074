// The consent rule of a mailing in the browser test: the choice in the new-mailing form with
// what each rule reaches, and the people a check says are left out. Registered by
// browser.test.mjs, which owns the build, the server, the browser and the helpers passed in.
// The mock's 60 supporters: 42 said yes, 6 said no, 12 did not say; 20 of them live in DE.
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
export function consentTests({ openApp, ipcCalls, waitForCall, outDir }) {
  /** Opens the new-mailing form, fills what every mailing needs and picks the audience. @param {import('playwright-core').Page} page @param {string} audience */
  async function newMailing(page, audience) {
    await page.getByTestId('nav-mailings').click();
    // The form stays open after creating a mailing; the summary would close it.
    if (!(await page.getByTestId('mailing-name').isVisible())) await page.getByTestId('mailing-new').click();
    await page.getByTestId('mailing-name').fill('Thank-you letters');
    await page.getByTestId('mailing-from-name').fill('Lindenfeld Three Committee');
    await page.getByTestId('mailing-from-address').fill('letters@lindenfeld-three.example.org');
    await page.getByTestId('mailing-audience').selectOption(audience);
  }

  /** @param {import('playwright-core').Page} page @param {string} rule */
  const reachOf = async (page, rule) => (await page.getByTestId(`mailing-consent-reach-${rule}`).textContent())?.trim();

  it('asks for a yes by default, shows what each consent rule reaches, and warns before writing to everyone', async () => {
    const { context, page } = await openApp();
    await page.getByTestId('nav-mailings').click();
    await page.getByTestId('mailing-new').click();

    // On a signatory's behalf the petition's terms apply: no choice, one line saying so.
    await page.getByTestId('mailing-consent-on-behalf').getByText('follow the petition’s terms').waitFor();
    assert.equal(await page.getByTestId('mailing-consent-given').count(), 0);

    await newMailing(page, 'signatories');
    assert.equal(await page.getByTestId('mailing-consent-on-behalf').count(), 0);
    assert.equal(await page.getByTestId('mailing-consent-given').isChecked(), true, 'a yes is asked for by default');
    await page.getByTestId('mailing-consent-reach-given').getByText('42 people').waitFor();
    assert.equal(await reachOf(page, 'given_or_unknown'), '54 people');
    assert.equal(await reachOf(page, 'everyone'), '60 people');
    assert.equal(await page.getByTestId('mailing-consent-warning').count(), 0);

    // A narrower filter is counted once typing pauses, not per keystroke.
    await page.getByTestId('mailing-country').pressSequentially('de', { delay: 40 });
    await page.getByTestId('mailing-consent-reach-given').getByText('14 people').waitFor();
    const countries = (await ipcCalls(page)).filter((c) => c.cmd === 'audience_consent').map((c) => c.args.filter.country);
    assert.deepEqual(countries, [null, 'DE'], 'counted on opening and once after typing');
    assert.equal(await reachOf(page, 'given_or_unknown'), '18 people');
    assert.equal(await reachOf(page, 'everyone'), '20 people');

    // Writing to everyone says plainly that people who said no will get the letter.
    await page.getByTestId('mailing-consent-everyone').check();
    const warning = page.getByTestId('mailing-consent-warning');
    assert.equal((await warning.textContent())?.trim(), '2 people who said no to being contacted will be written to as well.');
    await page.getByTestId('mailing-consent').screenshot({ path: path.join(outDir, 'mailing-consent.png') });
    assert.equal((await ipcCalls(page)).filter((c) => c.cmd === 'audience_consent').length, 2, 'choosing a rule does not count again');

    await page.getByTestId('mailing-create').click();
    const created = await waitForCall(page, 'create_mailing');
    assert.equal(created.args.draft.audience, 'signatories');
    assert.deepEqual(created.args.draft.filter, { petition_id: null, consent: 'everyone', tag: null, country: 'DE', language: null });
    await context.close();
  });

  it('sends the rule chosen, and "given" for letters on a signatory’s behalf', async () => {
    const { context, page } = await openApp();
    await newMailing(page, 'signatories');
    await page.getByTestId('mailing-consent-given_or_unknown').check();
    await page.getByTestId('mailing-create').click();
    assert.equal((await waitForCall(page, 'create_mailing')).args.draft.filter.consent, 'given_or_unknown');

    // A choice made for supporters is not carried over to letters on their behalf.
    await newMailing(page, 'signatories');
    await page.getByTestId('mailing-consent-everyone').check();
    await page.getByTestId('mailing-audience').selectOption('signatories_to_targets');
    await page.getByTestId('mailing-create').click();
    const onBehalf = await waitForCall(page, 'create_mailing', (a) => a.draft.audience === 'signatories_to_targets');
    assert.equal(onBehalf.args.draft.filter.consent, 'given');
    await context.close();
  });

  it('lists the people a check leaves out, in Russian with the reason, and says why on-behalf letters need no consent', async () => {
    const { context, page } = await openApp('ru-RU');
    await newMailing(page, 'signatories');
    await page.getByTestId('mailing-consent-reach-given').getByText('42 человека').waitFor();
    await page.getByTestId('mailing-create').click();
    assert.equal((await waitForCall(page, 'create_mailing')).args.draft.filter.consent, 'given');

    await page.getByTestId('mailing-check').click();
    await page.getByTestId('audience-summary').getByText('42 получателя').waitFor();
    assert.equal(
      (await page.getByTestId('consent-counts').textContent())?.trim(),
      'Из выбранных согласились на связь: 42, отказались: 6, не ответили: 12.',
    );
    assert.equal((await page.getByTestId('consent-left-out-count').textContent())?.trim(), 'По этому правилу пропущены 18 человек');
    const rows = page.getByTestId('left-out-row');
    assert.equal(await rows.count(), 18);
    assert.match((await rows.nth(0).textContent()) ?? '', /Ivo Kestrel\s*согласие неизвестно/);
    assert.match((await rows.nth(1).textContent()) ?? '', /Sefa Kestrel\s*согласие неизвестно/);
    assert.match((await rows.nth(2).textContent()) ?? '', /Runa Kestrel\s*отказ от связи/);
    const panel = (await page.getByTestId('mailing-panel').textContent()) ?? '';
    assert.doesNotMatch(panel, /Only people whose consent|consent is/, 'the core’s English sentence is not shown');
    await page.getByTestId('audience-consent').screenshot({ path: path.join(outDir, 'mailing-left-out-ru.png') });

    // The on-behalf mailing: nobody is left out, and the check says why consent is not asked.
    await page.getByTestId('mailing-item').filter({ hasText: 'November letters' }).click();
    await page.getByTestId('mailing-check').click();
    await page.getByTestId('consent-on-behalf').getByText('собственное действие подписанта').waitFor();
    assert.equal(await page.getByTestId('left-out-row').count(), 0);
    await context.close();
  });
}
