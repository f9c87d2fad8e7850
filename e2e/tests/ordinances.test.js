// アナログ規制 review in Chromium: 例規 imported by the command, the list and one 例規 with its
// candidates marked, one decision for the same wording in two 例規, the count moving. axe on
// every page; a phone screenshot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, OUT, audit, reflows } from './helpers.js';

test('candidates are marked in the text and decided once for the same wording', async () => {
  const fixtures = join(process.cwd(), '..', 'tests', 'fixtures', 'ordinances');
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']], {
    setup: [['ordinances', 'import', join(fixtures, 'mugi-kokokushiki.txt'), join(fixtures, 'sakae-kokokushiki.txt'), join(fixtures, 'jokaso-ho.txt')]],
  });
  const browser = await launch();
  const problems = [];
  try {
    const page = await (await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })).newPage();
    await signIn(page, machi.base, 'kikaku');
    await page.goto(`${machi.base}/staff/ordinances`);
    assert.match(await page.locator('main').innerText(), /点検が済んだ例規\s*0件/);
    problems.push(...await audit(page, 'ordinances'));
    assert.ok(await reflows(page));
    await page.getByRole('link', { name: '牟岐町公告式条例' }).click();
    assert.equal(await page.locator('mark').first().innerText(), '掲示場に掲示');
    problems.push(...await audit(page, 'ordinance'));
    await page.getByText('判断する').first().click();
    await page.getByLabel('該当', { exact: true }).first().check();
    await page.getByLabel('見直しの方向').first().selectOption('digitise');
    await page.getByLabel('担当課').first().fill('総務課');
    await page.getByLabel(/同じ文言の候補/).first().check();
    await page.getByRole('button', { name: '記録する' }).first().click();
    await page.getByText('判断を記録しました(2件)').waitFor();
    problems.push(...await audit(page, 'ordinance decided'));
    await page.screenshot({ path: join(OUT, 'ordinances-phone.png'), fullPage: true });
    await page.goto(`${machi.base}/staff/ordinances`);
    assert.match(await page.locator('main').innerText(), /点検が済んだ例規\s*1件\(33\.3%\)/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
  }
});
