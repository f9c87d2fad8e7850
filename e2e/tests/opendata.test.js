// Publishing open data and reading a wide file: a 38-column CSV (the columns of the 自治体標準
// オープンデータセット 公共施設一覧 and more) is previewed readably on a phone and a desktop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, signOut, OUT } from './helpers.js';

const COLUMNS = ['全国地方公共団体コード', 'ID', '地方公共団体名', '名称', '名称_カナ', '名称_英字',
  '名称_通称', 'POIコード', '住所', '方書', '緯度', '経度', '電話番号', '内線番号', 'FAX番号',
  '法人番号', '団体名', '利用可能曜日', '開始時間', '終了時間', '利用可能日時特記事項', '料金（基本）',
  '料金（詳細）', '説明', 'バリアフリー情報', 'URL', '画像', '画像_ライセンス', '収容人数',
  '駐車場台数', '駐車場特記事項', 'トイレ', 'おむつ替え', '授乳室', 'Wi-Fi', '災害時の役割',
  '最終確認日', '備考'];

function csv(rows) {
  const line = (i) => COLUMNS.map((c, j) => {
    if (j === 0) return '285854';
    if (j === 1) return String(i).padStart(6, '0');
    if (c === '名称') return `施設${i}`;
    if (c === '説明') return '海に近い公民館で、2階の和室は地域の集まりや教室に使えます。';
    return `${c}の値${i}`;
  }).join(',');
  return [COLUMNS.join(','), ...Array.from({ length: rows }, (_, i) => line(i + 1))].join('\r\n') + '\r\n';
}

test('a 38-column CSV reads well in the preview on a phone and a desktop', async () => {
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    const base = machi.base;
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff/opendata/new`);
    await page.getByLabel('タイトル').fill('公共施設一覧');
    await page.getByLabel('URL名').fill('public-facilities');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/opendata\/[0-9a-f-]+\?done=created/);
    await page.getByLabel('名前').fill('公共施設一覧');
    await page.getByLabel(/^ファイル/).setInputFiles({ name: 'facilities.csv', mimeType: 'text/csv', buffer: Buffer.from(csv(40)) });
    await page.getByRole('button', { name: '追加する' }).click();
    await page.getByRole('heading', { name: '公共施設一覧(CSV)', exact: true }).waitFor();
    await page.getByRole('button', { name: '公開する' }).click();
    await signOut(page);

    await page.goto(`${base}/opendata/datasets/public-facilities`);
    await page.getByRole('link', { name: '公共施設一覧' }).first().click();
    await page.waitForURL(/\/resources\//);
    for (const [w, h, name] of [[1366, 900, 'desktop'], [390, 844, 'phone']]) {
      await page.setViewportSize({ width: w, height: h });
      const box = page.locator('.data-preview');
      // Cells keep a readable width, not one character per line.
      const cell = await page.locator('.data-preview tbody td').nth(22).boundingBox();
      assert.ok(cell.width >= 70, `${name}: a cell is ${cell.width}px wide`);
      // The page itself does not scroll sideways; the box does.
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name}: page scrolls sideways`);
      await box.evaluate((el) => { el.scrollLeft = 3000; el.scrollTop = 5000; });
      const boxAt = await box.boundingBox();
      const first = await page.locator('.data-preview tbody th').last().boundingBox();
      const head = await page.locator('.data-preview thead th').nth(30).boundingBox();
      assert.ok(Math.abs(first.x - boxAt.x) < 3, `${name}: the first column stays in view`);
      assert.ok(Math.abs(head.y - boxAt.y) < 3, `${name}: the header row stays in view`);
      await page.screenshot({ path: join(OUT, `opendata-preview-${name}.png`) });
      await box.evaluate((el) => { el.scrollLeft = 0; el.scrollTop = 0; });
    }
  } finally {
    await browser.close();
    machi.stop();
  }
});

test('a clerk reads the validation report of an old-layout file and gets every finding as CSV', async () => {
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    const base = machi.base;
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff/opendata/new`);
    await page.getByLabel('タイトル').fill('公衆トイレ一覧');
    await page.getByLabel('URL名').fill('public-toilets');
    await page.getByLabel('準拠する自治体標準オープンデータセット').selectOption('public_toilet');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/opendata\/[0-9a-f-]+\?done=created/);
    // The 推奨データセット layout of before 2021, as many towns still publish it.
    const header = '都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_英語,住所,方書,設置位置,緯度,経度,男性トイレ総数,男性トイレ数（小便器）,男性トイレ数（和式）,男性トイレ数（洋式）,女性トイレ総数,女性トイレ数（和式）,女性トイレ数（洋式）,男女共用トイレ総数,男女共用トイレ数（和式）,男女共用トイレ数（洋式）,多機能トイレ数,車椅子使用者用トイレ有無,乳幼児用設備設置トイレ有無,オストメイト設置トイレ有無,利用開始時間,利用終了時間,利用可能時間特記事項,画像,画像_ライセンス,備考';
    const rows = Array.from({ length: 30 }, (_, i) => `285854,${i + 1},兵庫県,香美町,トイレ${i + 1},,,兵庫県美方郡香美町香住区,,駅舎内,35.6,134.6,1,0,0,1,1,0,1,0,0,0,0,有,無,無,6:00,22:00,,,,`);
    await page.getByLabel('名前').fill('公衆トイレ一覧');
    await page.getByLabel(/^ファイル/).setInputFiles({ name: 'toilets.csv', mimeType: 'text/csv', buffer: Buffer.from([header, ...rows].join('\r\n') + '\r\n') });
    await page.getByRole('button', { name: '追加する' }).click();
    const report = page.locator('details.report');
    await report.waitFor();
    const text = await report.textContent();
    assert.match(text, /以前の形式/);
    assert.match(text, /NO → ID/);
    assert.match(text, /見出しの不足/);
    assert.doesNotMatch(text, /\[[a-z-]+\]/, 'no raw error codes');
    for (const [w, h, name] of [[1366, 900, 'desktop'], [390, 844, 'phone']]) {
      await page.setViewportSize({ width: w, height: h });
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `${name}: page scrolls sideways`);
      await report.screenshot({ path: join(OUT, `opendata-report-${name}.png`) });
    }
    const csvLink = page.getByRole('link', { name: /すべての結果をCSVでダウンロード/ });
    const res = await page.request.get(new URL(await csvLink.getAttribute('href'), base).href);
    assert.equal(res.status(), 200);
    assert.match(await res.text(), /missing-label,見出しの不足/);
    // Converted in place: the report reads again, the original stays as a version.
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.getByRole('button', { name: '今の形式に変換したファイルに差し替える' }).click();
    await page.waitForURL(/done=converted/);
    const after = await page.locator('details.report').textContent();
    assert.doesNotMatch(after, /以前の形式/);
    assert.doesNotMatch(after, /見出しの不足/);
    assert.match(await page.textContent('main'), /以前のファイル\(1件\)/);
    await page.screenshot({ path: join(OUT, 'opendata-report-converted.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});
