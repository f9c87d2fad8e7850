// A department reports, 企画課 checks, the committee evaluates, 企画課 locks: the public page, the
// KPI list and the home page's headline all show the confirmed figure (and nothing else).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, signOut, OUT } from './helpers.js';

test('yearly report from department to public page', async () => {
  const machi = await startMachi([
    ['kikaku', 'dx_office', '企画課'],
    ['tanto', 'department_editor', '企画課'],
    ['iin', 'committee'],
  ]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const base = machi.base;

    // 企画課 opens the 令和7年度 yearly reporting period.
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff/periods/new`);
    await page.getByLabel('年度').fill('R7');
    await page.getByLabel(/年次報告/).check();
    await page.getByLabel('提出期限').fill('2026-05-31');
    await page.getByRole('button', { name: '作成する' }).click();
    await page.waitForURL(/\/staff\/periods\/\d+$/);
    assert.match(await page.textContent('main'), /未着手 18/);
    await signOut(page);

    // The department editor finds the task and submits.
    await signIn(page, base, 'tanto');
    await page.getByRole('link', { name: /1-①-1\) 行政手続きのオンライン化/ }).click();
    // 1-①-1 is counted by the procedure catalog, but only from the 年度 staff confirmed the
    // catalog in: for 令和7年度 nothing is offered, the department types the figure.
    assert.equal(await page.getByLabel(/KPIの実績/).inputValue(), '');
    await page.getByLabel(/KPIの実績/).fill('４１');
    await page.getByLabel('実績の根拠・出典').fill('ぴったりサービス公開手続数(令和8年3月31日時点)');
    await page.getByLabel(/取組状況/).fill('子育て・介護の手続を追加し41手続を公開');
    await page.getByRole('button', { name: '提出する' }).click();
    // 41 is short of the 45手続 target: the department must say why and what it will change.
    await page.getByText('未達成の原因・理由を入力してください').first().waitFor();
    await page.getByLabel(/原因・理由/).fill('システム改修の遅れにより4手続の公開が令和8年度にずれ込んだ');
    await page.getByLabel('改善策', { exact: false }).fill('令和8年度上半期に残る4手続を公開する');
    await page.getByRole('button', { name: '提出する' }).click();
    await page.waitForURL(/done=submit/);
    assert.match(await page.textContent('main'), /提出済/);
    await page.screenshot({ path: join(OUT, 'report-submitted.png'), fullPage: true });
    await signOut(page);

    // 企画課 checks it from the board.
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff`);
    await page.getByRole('link', { name: /1-①-1\) 行政手続きのオンライン化/ }).click();
    await page.getByRole('button', { name: '確認済にする' }).click();
    await page.waitForURL(/done=confirm/);
    await signOut(page);

    // The committee records its grade (the computed one is preselected).
    await signIn(page, base, 'iin');
    await page.getByRole('link', { name: /1-①-1\) 行政手続きのオンライン化/ }).click();
    await page.getByRole('button', { name: '評価を記録する' }).click();
    await page.waitForURL(/done=evaluate/);
    await signOut(page);

    // Before 確定 the public page does not show the figure.
    await page.goto(`${base}/plan/measures/1-1-1`);
    assert.doesNotMatch(await page.textContent('main'), /41手続/);

    // 企画課 locks it; the public page now shows 41手続 for 令和7年度.
    await signIn(page, base, 'kikaku');
    await page.getByRole('link', { name: /1-①-1\) 行政手続きのオンライン化/ }).click();
    await page.getByRole('button', { name: '確定する' }).click();
    await page.waitForURL(/done=finalize/);
    await signOut(page);
    await page.goto(`${base}/plan/measures/1-1-1`);
    const row = page.getByRole('row', { name: /令和7年度 \(2025年度\)/ });
    assert.match(await row.textContent(), /41手続/);
    await page.screenshot({ path: join(OUT, 'public-after-finalize.png'), fullPage: true });
    // The plan ended in 令和7年度 (today is later): the KPI list judges 1-①-1 on the confirmed
    // deadline figure, says where it comes from, and the home page counts it.
    await page.goto(`${base}/plan/kpis`);
    const kpi = page.locator('tbody tr', { has: page.locator('a[href="/plan/measures/1-1-1"]') }).first();
    const text = (await kpi.textContent()).replace(/\s+/g, ' ');
    assert.match(text, /41手続\(令和7年度\)/);
    assert.match(text, /確定/);
    assert.match(text, /最終評価 未達成/);
    assert.match(text, /91\.1%/);
    await page.goto(`${base}/`);
    const card = page.locator('section.card', { has: page.locator('#policy-1') });
    assert.match((await card.textContent()).replace(/\s+/g, ' '), /未達成 [1-9]/);
    await page.screenshot({ path: join(OUT, 'home-after-finalize.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});
