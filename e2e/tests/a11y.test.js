// Accessibility (JIS X 8341-3:2016 AA = WCAG 2.1 AA): axe-core on every public and staff page of
// the suite, the page language, heading order, reflow at 375 px and at 200% zoom, status text
// beside colour, and a keyboard-only journey with visible focus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startMachi, launch, signIn, signOut, OUT, PASSWORD, audit, reflows } from './helpers.js';

test('every page of the suite passes axe at WCAG 2.1 A/AA and reflows', async () => {
  const machi = await startMachi([
    ['admin', 'system_admin'],
    ['kikaku', 'dx_office', '企画課'],
    ['tanto', 'department_editor', '企画課'],
    ['pref', 'platform_admin'],
  ]);
  const browser = await launch();
  const problems = [];
  try {
    // bypassCSP lets the test inject axe; machi's own pages never need it.
    const context = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
    const page = await context.newPage();
    const base = machi.base;

    // Data so that the staff pages have content: a period with reports, a dataset, a visit.
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff/periods/new`);
    await page.getByLabel('年度').fill('R6');
    await page.getByLabel(/年次報告/).check();
    await page.getByLabel('提出期限').fill('2025-05-31');
    await page.getByRole('button', { name: '作成する' }).click();
    await page.waitForURL(/\/staff\/periods\/\d+$/);
    const periodUrl = page.url();
    const reportUrl = await page.locator('a[href^="/staff/reports/"]').first().getAttribute('href');
    await page.goto(`${base}/staff/snapshots`);
    await page.getByRole('button', { name: 'この時点の内容で発行する' }).click();
    await page.waitForURL(/\/staff\/snapshots\/\d+/);
    const snapshotUrl = page.url().split('?')[0];
    await page.goto(`${base}/staff/opendata/new`);
    await page.getByLabel('タイトル').fill('公衆トイレ一覧');
    await page.getByLabel('URL名').fill('kami-toilets');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/opendata\/[0-9a-f-]+\?done=created/);
    const datasetUrl = page.url().split('?')[0];
    await page.getByLabel('名前').fill('一覧(外部)');
    await page.getByLabel('または外部のURL').fill('https://example.jp/toilets.csv');
    await page.getByLabel(/形式/).fill('CSV');
    await page.getByRole('button', { name: '追加する' }).click();
    await page.getByRole('button', { name: '公開する' }).click();
    // A dataset following a standard with a faulty upload: the validation report's tables.
    await page.goto(`${base}/staff/opendata/new`);
    await page.getByLabel('タイトル').fill('公衆トイレ一覧');
    await page.getByLabel('URL名').fill('toilets-report');
    await page.getByLabel('準拠する自治体標準オープンデータセット').selectOption('public_toilet');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/staff\/opendata\/[0-9a-f-]+\?done=created/);
    const reportUrl2 = page.url().split('?')[0];
    await page.getByLabel('名前').fill('一覧');
    await page.getByLabel(/^ファイル/).setInputFiles({
      name: 'toilets.csv', mimeType: 'text/csv',
      buffer: Buffer.from('都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,住所,緯度,経度\r\n285854,1,兵庫県,香美町,香住駅,香住区,35.6,134.6\r\n'),
    });
    await page.getByRole('button', { name: '追加する' }).click();
    await page.locator('details.report').waitFor();
    await page.goto(`${base}/staff/counter`);
    await page.getByRole('button', { name: 'お悔やみの受付' }).click();
    await page.waitForURL(/\/staff\/counter\/visits\/\d+$/);
    const visitUrl = page.url();
    // A fee paid and a certificate handed over: the ledger, the 日計 and the issues have rows.
    await page.getByLabel('発行した証明書').selectOption({ label: '住民票の写し' });
    await page.getByLabel('通数').fill('1');
    await page.getByLabel('金額(円)').fill('300');
    await page.getByRole('button', { name: '納付と発行を記録する' }).click();
    await page.waitForURL(/\/staff\/counter\/visits\/\d+#fees-h$/);
    await page.getByRole('button', { name: '受付を完了する' }).click();
    await page.goto(`${base}/staff/counter`);
    await page.getByRole('button', { name: '出生の受付' }).click();
    await page.waitForURL(/\/staff\/counter\/visits\/\d+$/);
    const openVisitUrl = page.url();
    await page.getByRole('button', { name: /タブレットで入力/ }).click();
    const entryUrl = await page.locator('.qr .url').textContent();
    problems.push(...await audit(page, 'QRコード付きの受付'));
    // An import preview, with one row in error.
    await page.goto(`${base}/staff/import`);
    await page.getByLabel(/ファイル/).setInputFiles({
      name: 'jisseki.csv', mimeType: 'text/csv',
      buffer: Buffer.from('施策コード,年度,実績\r\n1-1-3,R6,15\r\n9-9-9,R6,abc\r\n'),
    });
    await page.getByRole('button', { name: '読み込んで確認する' }).click();
    await page.waitForLoadState();
    problems.push(...await audit(page, '取り込みの確認(エラーあり)'));
    await signOut(page);

    const publicPages = [
      '/', '/plan', '/plan/kpis', '/plan/kpis?status=behind', '/plan/roadmap', '/plan/measures/1-1-1',
      '/plan/measures/2-2-3', '/plan/measures/1-1-1/action-plan', '/plan/action-plans', '/plan/summary',
      '/opendata', '/opendata/datasets/kami-toilets', '/procedures', '/procedures?q=ひっこし',
      '/procedures/tenshutsu', '/life-events', '/life-events/death', '/life-events/move_in?asked=1&q_kokuho=yes',
      '/registers', '/registers/ai_rpa', '/standardization', '/mynumber-card', '/faq', '/faq?q=ごみ',
      '/help', '/feedback?page=%2Fplan&helpful=no', '/payments', '/certificates', '/login', '/no-such-page', entryUrl.replace(/^https?:\/\/[^/]+/, ''),
      '/towns', '/t/285854/plan/kpis', '/t/999999/', '/platform/login',
    ];
    const staffPages = [
      '/staff', periodUrl.replace(base, ''), reportUrl, '/staff/periods/new', '/staff/plan',
      '/staff/plan/draft/measures/1-1-1', '/staff/snapshots', '/staff/import', '/staff/opendata',
      '/staff/opendata/new', datasetUrl.replace(base, ''), reportUrl2.replace(base, ''), '/staff/opendata/schemas/public_toilet',
      '/staff/procedures', '/staff/procedures/new', '/staff/procedures/kokuho-kanyu',
      '/staff/life-events/death', '/staff/forms/kokuho-sousaihi', '/staff/counter',
      visitUrl.replace(base, ''), openVisitUrl.replace(base, ''), `${openVisitUrl.replace(base, '')}/forms/kokuho-kanyu`,
      `${visitUrl.replace(base, '')}/print`, `${openVisitUrl.replace(base, '')}/print`, '/staff/forms/juumin-idou',
      '/staff/counter/stats', '/staff/password', '/staff/registers', '/staff/registers/ai_rpa',
      '/staff/registers/telework/rows/new', '/staff/registers/new', '/staff/registers/paper/definition',
      '/staff/standardization', '/staff/standardization/business/1', '/staff/standardization/steps', '/staff/mynumber-card',
      snapshotUrl.replace(base, ''), '/staff/kpis', '/staff/kpis/1-1-1', '/staff/identity',
      '/staff/identity/departments?name=企画課', '/staff/plan/departments', '/staff/plan/roadmap-progress?year=R5',
      '/staff/faq', '/staff/faq/new', '/staff/faq/queries', '/staff/faq/synonyms', '/staff/feedback',
      '/staff/receipts', '/staff/receipts/day', '/staff/certificates',
    ];
    const adminPages = ['/staff/users', '/staff/users/new', '/staff/users/2', '/staff/audit'];
    let pages = 0;
    const check = async (path) => {
      const res = await page.goto(`${base}${path}`);
      assert.ok(res.status() < 500, `${path}: ${res.status()}`);
      pages += 1;
      problems.push(...await audit(page, path));
      for (const [w, label] of [[375, '375px'], [640, '200%ズーム(1280px幅)']]) {
        await page.setViewportSize({ width: w, height: 800 });
        if (!await reflows(page)) problems.push(`${path}: horizontal scrolling at ${label}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    };
    for (const p of publicPages) await check(p);
    await signIn(page, base, 'kikaku');
    for (const p of staffPages) await check(p);
    await signOut(page);
    await signIn(page, base, 'admin');
    for (const p of adminPages) await check(p);
    await signOut(page);
    // The platform administrator's pages, and a town's staff pages read with that account.
    await page.goto(`${base}/platform/login`);
    await page.getByLabel('ユーザー名').fill('pref');
    await page.getByLabel('パスワード').fill(PASSWORD);
    await page.getByRole('button', { name: 'サインイン' }).click();
    await page.waitForURL(`${base}/platform/staff`);
    for (const p of ['/platform/staff', '/t/285854/staff', '/t/285854/staff/procedures']) await check(p);
    writeFileSync(join(OUT, 'a11y.txt'), `${pages} pages\n${problems.join('\n')}\n`);
    assert.deepEqual(problems, [], `${problems.length} problems on ${pages} pages:\n${problems.join('\n')}`);
  } finally {
    await browser.close();
    machi.stop();
  }
});

test('keyboard only: sign in, open a counter visit, answer a question; focus is visible', async () => {
  const machi = await startMachi([['madoguchi', 'department_editor', '町民課']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const base = machi.base;
    // Tabs until the focused element matches; fails after 60 presses.
    const tabTo = async (match) => {
      for (let i = 0; i < 60; i++) {
        await page.keyboard.press('Tab');
        const f = await page.evaluate(() => {
          const e = document.activeElement;
          const s = getComputedStyle(e);
          return { text: (e.labels?.[0]?.textContent || e.textContent || e.value || '').trim(), tag: e.tagName, outline: s.outlineStyle, width: s.outlineWidth, shadow: s.boxShadow };
        });
        if (match(f)) {
          assert.ok(f.outline !== 'none' || f.shadow !== 'none', `focus not visible on ${f.tag} ${f.text}`);
          return f;
        }
      }
      throw new Error('not reached by Tab');
    };
    await page.goto(`${base}/login`);
    const skip = await tabTo((f) => f.text === '本文へ移動');
    assert.equal(skip.tag, 'A');
    await tabTo((f) => f.text.startsWith('ユーザー名'));
    await page.keyboard.type('madoguchi');
    await tabTo((f) => f.text.startsWith('パスワード'));
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/staff`);
    await tabTo((f) => f.text === '書かない窓口');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/staff/counter`);
    await tabTo((f) => f.text === 'お悔やみの受付');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/visits\/\d+$/);
    // The first question's radio group (わからない is chosen): the arrow key moves to いいえ.
    await tabTo((f) => f.tag === 'INPUT' && f.text.includes('わからない'));
    await page.keyboard.press('ArrowLeft');
    await tabTo((f) => f.text === '答えを保存して手続きを絞り込む');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#list-h$/);
    const checked = await page.locator('input[name=q_setainushi][value=no]').isChecked();
    assert.ok(checked, 'いいえ chosen with the arrow key and saved');
  } finally {
    await browser.close();
    machi.stop();
  }
});
