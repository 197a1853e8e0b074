// What the import's preview and report say beyond the counts: the columns kept as custom fields
// because no petition was chosen, and the cells whose line breaks were joined into one line.
// Registered by browser.test.mjs, which owns the build, the server, the browser and the helpers
// passed in.
import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';

const FILE = '/home/demo/Documents/paper-sheets.csv';

/**
 * @param {{
 *   openApp: (locale?: string) => Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page }>,
 *   waitForCall: (page: import('playwright-core').Page, cmd: string, check?: (args: any) => boolean, timeout?: number) => Promise<{ cmd: string, args: any }>,
 *   outDir: string,
 * }} h
 */
export function importReportTests({ openApp, waitForCall, outDir }) {
  /** Opens the wizard and previews the mock's file, with no petition chosen. @param {import('playwright-core').Page} page */
  async function previewFile(page) {
    await page.getByTestId('nav-import').click();
    await page.getByTestId('import-path').fill(FILE);
    await page.getByTestId('import-preview').click();
    await page.getByTestId('mapping-0').waitFor();
  }

  /** The cells of each listed fold, trimmed. @param {import('playwright-core').Page} page */
  async function foldRows(page) {
    const rows = page.getByTestId('fold-row');
    const cells = [];
    for (let i = 0; i < (await rows.count()); i += 1) {
      cells.push((await rows.nth(i).locator('td').allTextContents()).map((text) => text.trim()));
    }
    return cells;
  }

  /** @param {import('playwright-core').Page} page @param {string} testid */
  const text = async (page, testid) => ((await page.getByTestId(testid).textContent()) ?? '').trim();

  it('says which columns are kept as custom fields when no petition is chosen, and by the mapping rows', async () => {
    const { context, page } = await openApp();
    await previewFile(page);
    assert.equal(
      await text(page, 'import-kept-as-custom'),
      'No petition chosen: “Подписано” will be kept as a custom field of each person. ' +
        'Go back and choose a petition to store it with the signature.',
    );
    await page.getByTestId('mapping-kept-4').waitFor();
    assert.equal(await page.getByTestId('mapping-kept-5').count(), 0, 'a custom column needs no hint');

    // A comment column is a signature's too: the note names both, and its row says so.
    await page.getByTestId('mapping-5').selectOption('comment');
    await page.getByTestId('mapping-kept-5').waitFor();
    assert.match(await text(page, 'import-kept-as-custom'), /^No petition chosen: “Подписано” and “Notiz” will be kept as custom fields/);
    await page.screenshot({ path: path.join(outDir, 'import-kept-as-custom.png'), fullPage: true });

    // With a petition, the signature holds them: no note, no hints.
    await page.getByTestId('import-back').click();
    const petition = page.getByTestId('import-petition');
    await petition.locator('option[value="11"]').waitFor({ state: 'attached' });
    await petition.selectOption('11');
    await page.getByTestId('import-preview').click();
    await waitForCall(page, 'preview_import', (a) => a.options.petition_id === 11);
    await page.getByTestId('mapping-0').waitFor();
    await page.getByTestId('import-kept-as-custom').waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid^="mapping-kept-"]').count(), 0);
    await context.close();
  });

  it('lists the cells whose line breaks were joined, in the preview and in the report', async () => {
    const { context, page } = await openApp();
    await previewFile(page);
    assert.equal(await text(page, 'dry-folded'), '3');
    const expected = [
      ['3', 'Town', 'Port⏎Calloway', 'Port, Calloway'],
      ['6', 'First name', 'Ada⏎Maria', 'Ada Maria'],
    ];
    assert.deepEqual(await foldRows(page), expected);
    assert.equal(await text(page, 'folds-more'), '…and 1 more cell.', 'three were joined, two are listed');

    await page.getByTestId('import-run').click();
    await page.getByTestId('import-report').waitFor();
    assert.equal(await text(page, 'count-folded'), '3');
    assert.deepEqual(await foldRows(page), expected);
    assert.match(await text(page, 'import-kept-as-custom'), /^No petition was chosen: “Подписано” was kept as a custom field of each person\./);
    await page.screenshot({ path: path.join(outDir, 'import-report-folds.png'), fullPage: true });
    await context.close();
  });

  it('names the joined fields and the kept columns in Russian', async () => {
    const { context, page } = await openApp('ru-RU');
    await previewFile(page);
    assert.deepEqual(
      (await foldRows(page)).map((row) => row[1]),
      ['Город', 'Имя'],
    );
    assert.equal(await text(page, 'folds-more'), '…и ещё 1 ячейка.');
    assert.match(await text(page, 'import-kept-as-custom'), /^Петиция не выбрана: столбец «Подписано» будет сохранён как своё поле/);
    assert.equal(await text(page, 'mapping-kept-4'), 'Петиция не выбрана: сохранится как своё поле.');
    await context.close();
  });
}
