// The 標準化 tracker as the coordinating department keeps it: a 業務's steps recorded, the grid
// fitting a laptop screen and printing on one A3 landscape sheet, the public page for residents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startMachi, launch, signIn, OUT } from './helpers.js';

test('standardization: record a 業務, read the grid, print it on A3', async () => {
  const machi = await startMachi([['suishin', 'dx_office', 'DX推進室']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1366, height: 768 } });
    const base = machi.base;
    await signIn(page, base, 'suishin');
    await page.getByRole('link', { name: '標準化' }).first().click();
    await page.getByRole('link', { name: '住民記録' }).click();
    await page.getByLabel('担当課').fill('住民課');
    await page.getByLabel('事業者(ベンダ)').fill('A社');
    await page.getByLabel('移行先は標準準拠システム').check();
    await page.getByLabel('ガバメントクラウド').selectOption('利用する');
    await page.getByLabel('移行予定日').fill('令和8年1月5日');
    for (let n = 1; n <= 30; n++) {
      await page.locator(`select[name=s${n}_status]`).selectOption('完了済み');
    }
    await page.locator('select[name=s31_status]').selectOption('作業中');
    await page.getByLabel('ステップ31 予定日').fill('2025-13-01');
    await page.getByRole('button', { name: '保存する' }).click();
    assert.match(await page.textContent('[role=alert]'), /ステップ31 予定日/);
    await page.getByLabel('ステップ31 予定日').fill('2025-12-01');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/standardization\?done=saved$/);
    const main = await page.textContent('main');
    assert.match(main, /0 \/ 20 業務/);
    assert.match(main, /住民記録: 移行予定 令和8年1月5日/);
    assert.match(main, /75\.0%/);
    // The whole grid fits a 1366px laptop screen without scrolling sideways.
    const fits = await page.locator('table.std-grid').evaluate((t) => t.getBoundingClientRect().right <= window.innerWidth);
    assert.ok(fits, 'the grid fits the screen');
    await page.screenshot({ path: join(OUT, 'standardization-1366.png'), fullPage: true });
    // Printed: the grid on A3 landscape.
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    writeFileSync(join(OUT, 'standardization-a3.pdf'), pdf);
    const text = pdf.toString('latin1');
    const box = /\/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]/.exec(text);
    assert.ok(box, 'a page size');
    // A3 landscape: 420 × 297 mm = 1190.55 × 841.89 pt.
    assert.ok(Math.abs(Number(box[1]) - 1190.55) < 2 && Math.abs(Number(box[2]) - 841.89) < 2, box[0]);
    const pages = (text.match(/\/Type \/Page\b/g) || []).length;
    assert.equal(pages, 1, 'one sheet');

    // Residents read the same progress, on a phone.
    const phone = await browser.newPage({ locale: 'ja-JP', viewport: { width: 375, height: 800 } });
    await phone.goto(`${base}/standardization`);
    assert.match(await phone.textContent('main'), /住民記録/);
    await phone.screenshot({ path: join(OUT, 'standardization-public-375.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});
