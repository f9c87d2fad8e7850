// A clerk runs an お悔やみ visit at the 書かない窓口 end to end and prints the forms; a resident
// uses the life-event guide on a phone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startMachi, launch, signIn, OUT } from './helpers.js';

test('okuyami visit: questions, common items once, forms printed, desks, 完了', async () => {
  const machi = await startMachi([['madoguchi', 'department_editor', '町民課']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const base = machi.base;
    await signIn(page, base, 'madoguchi');
    await page.getByRole('link', { name: '書かない窓口' }).click();
    await page.getByRole('button', { name: 'お悔やみの受付' }).click();
    await page.waitForURL(/\/staff\/counter\/visits\/\d+$/);
    assert.match(await page.textContent('h1'), /受付番号 001/);

    // The guide's questions: every answer いいえ except 国民健康保険 and 65歳以上.
    for (const radio of await page.locator('input[type=radio][value=no]').all()) await radio.check();
    await page.getByRole('group', { name: '国民健康保険に加入していましたか' }).getByLabel('はい').check();
    await page.getByRole('group', { name: '65歳以上でしたか' }).getByLabel('はい').check();
    await page.getByRole('button', { name: '答えを保存して手続きを絞り込む' }).click();
    await page.waitForURL(/#list-h$/);
    const main = await page.textContent('main');
    assert.match(main, /国民健康保険 葬祭費の支給申請/);
    assert.doesNotMatch(main, /後期高齢者医療 葬祭費の支給申請/);

    // The common items, once; a wrong date is refused with the reason, then corrected.
    // Each person once: the wife who reports, the husband who died.
    const wife = page.getByRole('group', { name: '1人目' });
    await wife.getByLabel('氏名').fill('香美 花子');
    await wife.getByLabel('フリガナ').fill('かみ はなこ');
    await wife.getByLabel('世帯主との続柄').fill('妻');
    await wife.getByLabel('届出人(窓口に来た方)').check();
    const husband = page.getByRole('group', { name: '2人目' });
    await husband.getByLabel('氏名').fill('香美 太郎');
    await husband.getByLabel('フリガナ').fill('カミ タロウ');
    await husband.getByLabel('生年月日').fill('昭和28年3月3日');
    await husband.getByLabel('世帯主との続柄').fill('世帯主');
    await husband.getByLabel('亡くなられた方').check();
    await page.getByLabel('届出人 郵便番号').fill('669-6592');
    await page.getByLabel('届出人 住所').fill('兵庫県美方郡香美町香住区香住870番地1');
    await page.getByLabel('届出人 電話番号').fill('0796-36-1111');
    await page.getByLabel('届出人と亡くなられた方の続柄').fill('妻');
    await page.getByLabel(/死亡日/).fill('令和6年2月30日');
    await page.getByRole('button', { name: '保存する' }).click();
    assert.match(await page.textContent('[role=alert]'), /「令和6年2月30日」は存在しない日付です/);
    await page.getByLabel(/死亡日/).fill('令和6年10月28日');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/#forms-h$/);
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: join(OUT, 'counter-visit-375.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });

    // The 葬祭費 form's own fields.
    await page.locator('a[href$="/forms/kokuho-sousaihi"]').click();
    await page.getByLabel('振込先 金融機関名・支店名').fill('但馬銀行 香住支店');
    await page.getByLabel('振込先 預金種別').selectOption('普通');
    await page.getByLabel('振込先 口座番号(7桁)').fill('1234567');
    await page.getByLabel('振込先 口座名義(カナ)').fill('カミ ハナコ');
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/#forms-h$/);

    // Print every form, pre-filled, as A4 PDF.
    await page.getByRole('link', { name: 'すべての申請書と案内を印刷する' }).click();
    const papers = page.locator('article.paper');
    assert.equal(await papers.count(), 4);
    const printed = await page.textContent('main');
    assert.match(printed, /香美町長 様/);
    assert.match(printed, /令和6年10月28日\(2024年\)/);
    assert.match(printed, /但馬銀行 香住支店/);
    assert.match(printed, /昭和28年3月3日\(1953年\)/);
    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(OUT, 'counter-forms.pdf'), pdf);
    await page.emulateMedia({ media: 'screen' });
    await page.goBack();

    // Desks done, then 完了.
    const deskButtons = page.getByRole('button', { name: /の手続きを完了にする/ });
    const desks = await deskButtons.count();
    assert.ok(desks >= 2, `desks: ${desks}`);
    for (let i = 0; i < desks; i++) {
      await deskButtons.first().click();
      await page.waitForURL(/#desks-h$/);
    }
    assert.equal(await deskButtons.count(), 0);
    await page.getByRole('button', { name: '受付を完了する' }).click();
    await page.waitForURL(/\/visits\/\d+$/);
    assert.match(await page.textContent('main'), /滞在 \d+分/);
    await page.goto(`${base}/staff/counter/stats`);
    assert.match(await page.textContent('main'), /すべて/);
    await page.screenshot({ path: join(OUT, 'counter-stats.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});

test('a resident uses the guide on a phone without JavaScript', async () => {
  const machi = await startMachi();
  const browser = await launch();
  try {
    const context = await browser.newContext({ locale: 'ja-JP', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${machi.base}/life-events`);
    await page.getByRole('link', { name: /出生/ }).click();
    await page.getByRole('group', { name: /公務員/ }).getByLabel('いいえ').check();
    await page.getByRole('group', { name: /保育所/ }).getByLabel('はい').check();
    await page.getByRole('button', { name: '必要な手続きを表示する' }).click();
    await page.waitForURL(/asked=1.*#list-h$/);
    const main = await page.textContent('main');
    assert.match(main, /必要な手続き\(\d+件\)/);
    assert.match(main, /保育施設等の利用申込/);
    assert.match(main, /児童手当等の受給資格/);
    // The answer comes first: the results heading is on the screen the page opens at, above
    // the questions; without scripts there is no print button that would do nothing.
    const results = await page.locator('#list-h').boundingBox();
    const questions = await page.locator('#q-h').boundingBox();
    assert.ok(results.y < questions.y, 'results above the questions');
    assert.ok(await page.locator('#list-h').isVisible());
    assert.equal(await page.getByRole('button', { name: /印刷する/ }).count(), 0);
    await page.screenshot({ path: join(OUT, 'guide-birth-375.png') });
    await page.screenshot({ path: join(OUT, 'guide-birth-375-full.png'), fullPage: true });
    // With scripts: a print button; the printout is headed with the town's name, not the site's.
    const js = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    await js.goto(page.url());
    await js.getByRole('button', { name: 'このチェックリストを印刷する' }).waitFor();
    await js.emulateMedia({ media: 'print' });
    assert.equal(await js.locator('header.site').isVisible(), false);
    assert.match(await js.locator('.print-head').textContent(), /^香美町/);
    await js.pdf({ path: join(OUT, 'guide-birth.pdf'), format: 'A4' });
    await page.goto(`${machi.base}/procedures?q=ひっこし`);
    assert.match(await page.textContent('main'), /転入届/);
    await page.screenshot({ path: join(OUT, 'procedures-375.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});

test('tablet entry: the QR code where the clerk looks, the town\'s own form for the resident', async () => {
  const machi = await startMachi([['madoguchi', 'department_editor', '住民課']]);
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP', viewport: { width: 1366, height: 900 } });
    const base = machi.base;
    await signIn(page, base, 'madoguchi');
    await page.goto(`${base}/staff/counter`);
    await page.getByRole('button', { name: '転入の受付' }).click();
    await page.waitForURL(/\/staff\/counter\/visits\/\d+$/);
    // A name typed, then the question's button: the name stays (one form for the page).
    const father = page.getByRole('group', { name: '1人目' });
    await father.getByLabel('氏名').fill('但馬 一郎');
    await page.getByRole('button', { name: '答えを保存して手続きを絞り込む' }).click();
    await page.waitForURL(/#list-h$/);
    assert.equal(await father.getByLabel('氏名').inputValue(), '但馬 一郎');
    await page.getByLabel('届出人 電話番号').fill('0796-36-1111');
    await page.getByRole('button', { name: /タブレットで入力/ }).click();
    await page.locator('.qr svg').waitFor();
    // The message and the code are on the first screen, without scrolling.
    const box = await page.locator('.qr svg').boundingBox();
    assert.ok(box.y + box.height <= 900, `QR code at ${box.y}px`);
    await page.screenshot({ path: join(OUT, 'counter-qr-1366.png') });
    const entryUrl = await page.locator('.qr .url').textContent();

    // The resident's tablet: the town's name, the form, nothing that leads away.
    const tablet = await browser.newPage({ locale: 'ja-JP', viewport: { width: 820, height: 1180 } });
    await tablet.goto(entryUrl);
    assert.equal((await tablet.textContent('.site-name')).trim(), '香美町');
    assert.equal(await tablet.locator('nav').count(), 0);
    assert.equal(await tablet.locator('footer').count(), 0);
    const away = await tablet.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')).filter((h) => !h.startsWith('#')));
    assert.deepEqual(away, []);
    assert.match(await tablet.title(), /\| 香美町$/);
    // What the clerk typed before handing over the tablet is there.
    assert.equal(await tablet.getByRole('group', { name: '1人目' }).getByLabel('氏名').inputValue(), '但馬 一郎');
    assert.equal(await tablet.getByLabel('届出人 電話番号').inputValue(), '0796-36-1111');
    await tablet.screenshot({ path: join(OUT, 'counter-tablet-entry.png'), fullPage: true });

    // The resident adds the family, each once, and sends.
    const rows = [
      ['1人目', '但馬 一郎', '昭和60年4月1日', '世帯主'],
      ['2人目', '但馬 花', '昭和63年6月1日', '妻'],
      ['3人目', '但馬 陽太', '平成30年8月8日', '子'],
    ];
    for (const [who, name, birth, relation] of rows) {
      const g = tablet.getByRole('group', { name: who });
      await g.getByLabel('氏名').fill(name);
      await g.getByLabel('生年月日').fill(birth);
      await g.getByLabel('世帯主との続柄').fill(relation);
      await g.getByLabel('転入する方').check();
    }
    await tablet.getByRole('group', { name: '1人目' }).getByLabel('届出人(窓口に来た方)').check();
    await tablet.getByRole('button', { name: '送信する' }).click();
    await tablet.getByText('送信しました').waitFor();
    await tablet.setViewportSize({ width: 390, height: 844 });

    // The clerk answers 子どもがいる and prints: the 児童手当 form has the child as the child.
    await page.goto(page.url().replace(/#.*$/, '').replace(/\/entry$/, ''));
    await page.getByRole('group', { name: '高校生年代までのお子さんを養育していますか' }).getByLabel('はい').check();
    await page.getByRole('button', { name: '答えを保存して手続きを絞り込む' }).click();
    await page.waitForURL(/#list-h$/);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(OUT, 'counter-people-390.png'), fullPage: true });
    await page.setViewportSize({ width: 1366, height: 900 });
    await page.locator('a[href$="/print/jidou-teate-nintei"]').click();
    const child = page.locator('table', { has: page.locator('caption', { hasText: '対象のお子さん' }) });
    assert.match(await child.textContent(), /但馬 陽太/);
    assert.doesNotMatch(await child.textContent(), /但馬 一郎|昭和60年/);
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: join(OUT, 'counter-jidou-teate.pdf'), format: 'A4', printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    await page.screenshot({ path: join(OUT, 'counter-jidou-teate.png'), fullPage: true });
  } finally {
    await browser.close();
    machi.stop();
  }
});
