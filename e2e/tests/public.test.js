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
    // On a phone the table comes first, and the chart keeps labels a person can read (12 px at
    // its natural 1000 px width), scrolling sideways in its own box instead of shrinking.
    const tableAt = await page.locator('#table-h').boundingBox();
    const chartAt = await page.locator('#chart-h').boundingBox();
    assert.ok(tableAt.y < chartAt.y, 'the table before the chart on a phone');
    const svg = await page.locator('svg.gantt').boundingBox();
    assert.ok(svg.width >= 1000, `chart drawn ${svg.width}px wide`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'the page itself does not scroll sideways');
    await page.screenshot({ path: join(OUT, 'roadmap-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    assert.ok((await page.locator('#chart-h').boundingBox()).y < (await page.locator('#table-h').boundingBox()).y, 'the chart first on a desktop');
    await page.screenshot({ path: join(OUT, 'roadmap-1366.png') });
  } finally {
    await browser.close();
    machi.stop();
  }
});
