// The registers as clerks keep them: each bundled register gets a row through its form or a CSV,
// its KPI is counted on the spot, and the plan's public pages say where the figure comes from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, signOut, OUT } from './helpers.js';

async function addRow(page, base, key, fill) {
  await page.goto(`${base}/staff/registers/${key}`);
  await page.getByRole('link', { name: '行を追加する' }).click();
  for (const [label, value] of fill) {
    const field = page.getByLabel(label, { exact: false }).first();
    if (await field.evaluate((e) => e.tagName) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByRole('button', { name: '保存する' }).click();
  await page.waitForURL(new RegExp(`/staff/registers/${key}\\?done=added$`));
}

test('registers: a row in each, counted for its KPI, public where not personal', async () => {
  const machi = await startMachi([
    ['suishin', 'dx_office', 'DX推進室'],
    ['tantou', 'department_editor', '総務課'],
  ]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const base = machi.base;
    await signIn(page, base, 'tantou');
    await page.getByRole('link', { name: '台帳' }).click();
    assert.match(await page.textContent('main'), /AI・RPA導入業務/);

    // AI/RPA: a 課 enters its own use; a wrong date is named, then corrected.
    await page.goto(`${base}/staff/registers/ai_rpa/rows/new`);
    assert.equal(await page.getByLabel(/担当課/).inputValue(), '総務課');
    await page.getByLabel(/^業務/).fill('給与明細の作成');
    await page.getByLabel(/道具/).selectOption('RPA');
    await page.getByLabel(/使い始めた日/).fill('令和6年2月30日');
    await page.getByRole('button', { name: '保存する' }).click();
    assert.match(await page.textContent('[role=alert]'), /「使い始めた日」: 「令和6年2月30日」/);
    await page.getByLabel(/使い始めた日/).fill('令和6年4月1日');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/registers\/ai_rpa\?done=added$/);
    const kpi = await page.textContent('section.card');
    assert.match(kpi, /AI\/RPAを利用した業務数の増加/);
    assert.match(kpi, /令和6年度\s*1業務/);
    for (const w of [375, 1280]) {
      await page.setViewportSize({ width: w, height: 800 });
      await page.screenshot({ path: join(OUT, `register-ai_rpa-${w}.png`), fullPage: true });
    }

    // テレワーク: the applicant's own application, approved.
    await addRow(page, base, 'telework', [
      [/^申請者/, '但馬 一郎'], [/申請日/, '2024-06-03'], [/期間.から/, '2024-06-10'],
      [/状態/, '承認'], [/在宅で勤務した日数/, '4'],
    ]);
    assert.match(await page.textContent('main'), /但馬 一郎/);
    await signOut(page);

    // The coordinating department: paper by CSV (the copier's monthly counts), publicity,
    // initiatives and the school survey by the form.
    await signIn(page, base, 'suishin');
    await page.goto(`${base}/staff/registers/paper`);
    await page.getByLabel('CSVファイル').setInputFiles({
      name: 'copier.csv', mimeType: 'text/csv',
      buffer: Buffer.from('月(その月の1日),課,数え方,枚数(A4換算)\r\n2024-04-01,総務課,複合機カウンター,"12,400"\r\n2024-05-01,総務課,複合機カウンター,11800\r\n2024-04-01,税務課,購入枚数,５０００\r\n'),
    });
    await page.getByRole('button', { name: '取り込む' }).click();
    await page.waitForURL(/done=imported-3$/);
    assert.match(await page.textContent('section.card'), /令和6年度\s*29,200枚/);
    await addRow(page, base, 'publicity', [
      [/掲載日/, '令和6年5月1日'], [/媒体/, '広報誌'], [/^題名/, 'マイナポータルでできること'], [/内容/, '自己情報'],
    ]);
    assert.match(await page.textContent('section.card'), /令和6年度\s*1回/);
    // The flyer as evidence, on the public summary too.
    await page.getByRole('link', { name: '直す' }).first().click();
    await page.getByLabel(/ファイル\(PDF または画像/).setInputFiles({
      name: '広報5月号.pdf', mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n'),
    });
    await page.getByLabel(/公開ページにも載せる/).check();
    await page.getByRole('button', { name: '添付する' }).click();
    await page.waitForURL(/done=attached$/);
    assert.match(await page.textContent('main'), /広報5月号\.pdf\(PDF、[\s\S]*公開ページに掲載/);
    await page.screenshot({ path: join(OUT, 'register-row-files.png'), fullPage: true });
    await addRow(page, base, 'initiatives', [
      [/^取組/, 'スマート農業の実証'], [/担当課/, '農林水産課'], [/分野/, '農業'], [/状態/, '立案'], [/立案した日/, '2024-07-01'],
    ]);
    assert.match(await page.textContent('section.card'), /令和6年度\s*1施策/);
    await addRow(page, base, 'school_survey', [
      [/調査日/, '2024-04-18'], [/学年/, '小中合計'], [/設問/, 'ICT機器を活用した学習'], [/本団体の値/, '78.5'],
    ]);
    assert.match(await page.textContent('section.card'), /令和6年度\s*78.5%/);
    // The coordinating department sees the applicant's name; the telework KPI counts them.
    await page.goto(`${base}/staff/registers/telework`);
    assert.match(await page.textContent('main'), /但馬 一郎/);
    assert.match(await page.textContent('section.card'), /令和6年度\s*1名/);
    // マイナンバーカード: 総務省's table as CSV, with the 基準日 in its header.
    await page.getByRole('link', { name: 'マイナンバーカード' }).click();
    await page.getByLabel('表のファイル').setInputFiles({
      name: 'localgovs.csv', mimeType: 'text/csv',
      buffer: Buffer.from('都道府県名,市区町村名,人口(R6.1.1時点),保有枚数(R6.10末時点),人口に対する保有枚数率\r\n全国,,125416877,93000000,74.2%\r\n兵庫県,香美町,15836,12401,78.3%\r\n'),
    });
    await page.getByRole('button', { name: '取り込む' }).click();
    await page.waitForURL(/done=added$/);
    assert.match(await page.textContent('main'), /令和6年10月31日[\s\S]*78\.30%/);
    await signOut(page);

    // Residents: the public summaries leave out what is personal; the plan says where figures
    // come from.
    await page.setViewportSize({ width: 375, height: 800 });
    await page.goto(`${base}/registers`);
    const list = await page.textContent('main');
    assert.match(list, /AI・RPA導入業務/);
    assert.doesNotMatch(list, /テレワーク申請/);
    assert.equal((await page.goto(`${base}/registers/telework`)).status(), 404);
    await page.goto(`${base}/registers/ai_rpa`);
    assert.match(await page.textContent('main'), /給与明細の作成/);
    await page.screenshot({ path: join(OUT, 'register-public-375.png'), fullPage: true });
    await page.goto(`${base}/registers/publicity`);
    assert.match(await page.textContent('main'), /広報5月号\.pdf\(PDF/);
    await page.goto(`${base}/plan/measures/2-2-1`);
    assert.match(await page.textContent('main'), /自動集計: AI・RPA導入業務の台帳/);
    await page.goto(`${base}/mynumber-card`);
    assert.match(await page.textContent('main'), /78\.30%/);
    await page.screenshot({ path: join(OUT, 'mynumber-public-375.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});
