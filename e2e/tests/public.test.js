// A resident reads the plan: from the front page to the KPI list, filtered, then one KPI with its
// chart (and the chart's text alternative), the 行程表, and the printable アクションプラン.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, OUT } from './helpers.js';

test('a resident reads the plan and a KPI', async () => {
  // Figures recorded before the server starts, so the first page shows them.
  const machi = await startMachi([], {
    setup: [['2-2-3', 'R3', '1000000'], ['2-2-3', 'R5', '950000'], ['2-2-3', 'R6', '900000']]
      .map((a) => ['kpi', 'record', ...a]),
  });
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 375, height: 800 } });
    await page.goto(machi.base);
    assert.match(await page.textContent('h1'), /香美町/);
    await page.getByRole('link', { name: 'KPI一覧' }).first().click();
    await page.waitForURL(/\/plan\/kpis$/);
    assert.equal(await page.locator('tbody tr').count(), 18);
    await page.getByLabel('基本方針').selectOption({ index: 2 });
    await page.getByRole('button', { name: /絞り込む|表示/ }).click();
    await page.waitForURL(/policy=2/);
    const rows = await page.locator('tbody tr').count();
    assert.ok(rows > 0 && rows < 18, `${rows} rows for 基本方針2`);
    await page.locator('a[href="/plan/measures/2-2-3"]').first().click();
    await page.waitForURL(/\/plan\/measures\/2-2-3$/);
    // The chart has a text alternative and the same figures in a table.
    const chart = page.locator('svg.chart');
    assert.equal(await chart.getAttribute('role'), 'img');
    assert.match(await page.locator('svg.chart desc').textContent(), /同じ数値を下の表/);
    assert.match(await page.textContent('main'), /900,000/);
    await page.screenshot({ path: join(OUT, 'public-kpi-375.png'), fullPage: true });
    await page.getByRole('link', { name: /アクションプラン/ }).first().click();
    await page.waitForURL(/action-plan$/);
    await page.goto(`${machi.base}/plan/roadmap`);
    assert.match(await page.textContent('main'), /行程表/);
  } finally {
    await browser.close();
    machi.stop();
  }
});
