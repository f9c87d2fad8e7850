// アナログ規制 review in Chromium, start to end: 例規 imported by the command (text) and through
// the upload (e-Gov 法令標準XML), candidates marked in the text, three decided (two at once for
// the same wording), the 例規 marked 点検済, the 一覧 downloaded as xlsx, the public summary
// and KPI 1-⑤-1 moving, the A4 print and the rules page. axe on every page; phone and desktop
// screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startMachi, launch, signIn, OUT, audit, reflows } from './helpers.js';

test('the review runs from import to the public summary and the KPI', async () => {
  const fixtures = join(process.cwd(), '..', 'tests', 'fixtures', 'ordinances');
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']], {
    setup: [['ordinances', 'import', join(fixtures, 'mugi-kokokushiki.txt'), join(fixtures, 'sakae-kokokushiki.txt')]],
    // Inside the plan's last 年度 (the KPI is due at its end).
    env: { MACHI_TODAY: '2025-11-01' },
  });
  const browser = await launch();
  const problems = [];
  try {
    const phone = await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    await signIn(page, machi.base, 'kikaku');
    await page.goto(`${machi.base}/staff/ordinances`);
    assert.match(await page.locator('main').innerText(), /点検が済んだ例規\s*0件/);

    // The upload: 浄化槽法 as e-Gov publishes it (XML).
    await page.getByLabel(/ファイル/).setInputFiles(join(fixtures, 'jokaso-ho-excerpt.xml'));
    await page.getByRole('button', { name: '取り込む' }).click();
    await page.getByText(/jokaso-ho-excerpt\.xml: 浄化槽法\(新規\)/).waitFor();
    assert.match(await page.locator('main').innerText(), /例規\s*3件/);
    problems.push(...await audit(page, 'ordinances'));
    assert.ok(await reflows(page));

    // The KPI before: 0 of 3.
    await page.goto(`${machi.base}/plan/measures/1-5-1`);
    const before = await page.locator('main').innerText();
    assert.match(before, /アナログ規制の点検の進み具合/);

    // 牟岐: the phrase marked; 該当 for it and the same wording in 栄町 at once.
    await page.goto(`${machi.base}/staff/ordinances`);
    await page.getByRole('link', { name: '牟岐町公告式条例' }).click();
    assert.equal(await page.locator('mark').first().innerText(), '掲示場に掲示');
    problems.push(...await audit(page, 'ordinance'));
    await page.locator('summary', { hasText: '判断する' }).first().click();
    await page.getByLabel('該当', { exact: true }).first().check();
    await page.getByLabel('見直しの方向').first().selectOption('digitise');
    await page.getByLabel('担当課').first().fill('総務課');
    await page.getByLabel(/同じ文言の候補/).first().check();
    await page.getByRole('button', { name: '記録する' }).first().click();
    await page.getByText('判断を記録しました(2件)').waitFor();
    await page.locator('summary', { hasText: 'コメントする' }).first().click();
    await page.getByLabel(/コメント/).first().fill('町のホームページへの掲載で代える案を総務課と相談');
    await page.getByRole('button', { name: 'コメントを残す' }).first().click();
    await page.getByText('町のホームページへの掲載で代える案').waitFor();
    problems.push(...await audit(page, 'ordinance decided'));
    await page.screenshot({ path: join(OUT, 'ordinances-phone.png'), fullPage: true });

    // 栄町's 第3条 applies 第2条 (準用): the third decision, on its own.
    await page.goto(`${machi.base}/staff/ordinances`);
    await page.getByRole('link', { name: '栄町公告式条例' }).click();
    const undecided = page.locator('.finding', { hasText: '候補 ・' }).first();
    await undecided.locator('summary', { hasText: '判断する' }).click();
    await undecided.getByLabel('該当', { exact: true }).check();
    await undecided.getByLabel('見直しの方向').selectOption('digitise');
    await undecided.getByRole('button', { name: '記録する' }).click();
    await page.getByText('判断を記録しました(1件)').waitFor();

    // Both marked 点検済 from the list.
    await page.goto(`${machi.base}/staff/ordinances`);
    await page.getByLabel('牟岐町公告式条例を点検済にする').check();
    await page.getByLabel('栄町公告式条例を点検済にする').check();
    await page.getByRole('button', { name: '選んだ例規を点検済にする' }).click();
    await page.getByText('2件の例規を点検済にしました').waitFor();
    assert.match(await page.locator('main').innerText(), /点検が済んだ例規\s*2件\(66\.7%\)/);

    // The 一覧 as xlsx.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '点検・見直し結果一覧(Excel)' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.xlsx$/);
    const bytes = readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 2).toString(), 'PK');

    // The KPI moved.
    await page.goto(`${machi.base}/plan/measures/1-5-1`);
    const after = await page.locator('main').innerText();
    assert.match(after, /66\.7/);
    assert.notEqual(after, before);

    // The print of 浄化槽法 on A4, desktop.
    const desk = await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 1280, height: 900 } });
    const d = await desk.newPage();
    await signIn(d, machi.base, 'kikaku');
    await d.goto(`${machi.base}/staff/ordinances`);
    await d.getByRole('link', { name: '浄化槽法' }).click();
    await d.getByRole('link', { name: /A4で印刷する/ }).click();
    assert.ok(await d.locator('mark').count() > 0);
    problems.push(...await audit(d, 'ordinance print'));
    await d.emulateMedia({ media: 'print' });
    await d.screenshot({ path: join(OUT, 'ordinance-print.png'), fullPage: true });
    await d.emulateMedia({ media: 'screen' });
    await d.goto(`${machi.base}/staff/ordinances/rules`);
    problems.push(...await audit(d, 'ordinance rules'));
    await d.screenshot({ path: join(OUT, 'ordinance-rules.png') });
    // A preview of a changed rule, then the re-scan with the rules in force and its page.
    const rules = await d.locator('#rules-text').inputValue();
    await d.locator('#rules-text').fill(rules.replace('pattern = "目視|視認"', 'pattern = "目視|視認|立ち入り"'));
    await d.getByRole('button', { name: '変わることを見る(保存しない)' }).click();
    await d.getByText(/まだ保存していません/).waitFor();
    problems.push(...await audit(d, 'ordinance rules preview'));
    await d.screenshot({ path: join(OUT, 'ordinance-rules-preview.png'), fullPage: true });
    await d.getByRole('button', { name: 'いまの規則で読み直す' }).click();
    await d.getByRole('heading', { name: /再スキャンの結果/ }).waitFor();
    problems.push(...await audit(d, 'ordinance rescan'));
    await d.goto(`${machi.base}/staff/ordinances`);
    await d.screenshot({ path: join(OUT, 'ordinances-desktop.png'), fullPage: true });

    // The public summary, as a resident on a phone.
    const resident = await (await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })).newPage();
    await resident.goto(`${machi.base}/plan/measures/1-5-1`);
    await resident.locator('a[href$="/analog-regulation"]').first().click();
    const summary = await resident.locator('main').innerText();
    assert.match(summary, /2 \/ 3 件\(66\.7%\)/);
    assert.match(summary, /書面掲示/);
    problems.push(...await audit(resident, 'analog-regulation public'));
    assert.ok(await reflows(resident));
    await resident.screenshot({ path: join(OUT, 'analog-regulation-phone.png'), fullPage: true });
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
  }
});
