// A resident on a phone asks the help chat three questions in their own words, opens an answer,
// says 「いいえ」 once and writes to the town; the answer page asks whether it helped. Staff then
// see the いいえ, the message and the page's vote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { startMachi, launch, signIn, OUT } from './helpers.js';

const FAQ = resolve(import.meta.dirname, '..', '..', 'eval', 'faq', 'faq.jsonl');

test('help chat on a phone: three questions, an answer opened, one いいえ, and staff see it', async () => {
  const machi = await startMachi([['suishin', 'dx_office', 'DX推進室']], {
    setup: [['faq', 'import', FAQ]],
  });
  const browser = await launch();
  try {
    const phone = await browser.newContext({
      locale: 'ja-JP', viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true,
    });
    const page = await phone.newPage();
    const base = machi.base;
    await page.goto(`${base}/`);
    await page.getByRole('link', { name: 'ヘルプ' }).click();
    await page.waitForURL(`${base}/help`);

    const ask = async (q, expected) => {
      await page.getByLabel(/知りたいこと|ほかに知りたいこと/).fill(q);
      await page.getByRole('button', { name: '送る' }).click();
      await page.waitForURL(/\/help#x\d+$/);
      const turn = page.locator('.chat-turn').last();
      assert.match(await turn.locator('.chat-you').textContent(), new RegExp(q.replace(/[?]/g, '\\?')));
      assert.match(await turn.locator('.cards').textContent(), expected, q);
      return turn;
    };
    await ask('ひっこしの手続き何がいる?', /引っ越/);
    await ask('ゴミの日いつ', /ごみの収集日/);
    const last = await ask('マイナカードなくした', /マイナンバーカード/);
    await page.screenshot({ path: join(OUT, 'help-375.png'), fullPage: true });

    // 「いいえ」 on the last answer: the contact, and a message to the town.
    await last.getByRole('button', { name: 'いいえ' }).click();
    await page.waitForURL(/\/help#x\d+$/);
    const reply = page.locator('.chat-turn').last();
    assert.match(await reply.textContent(), /お問い合わせください/);
    await reply.locator('summary').click();
    await reply.getByLabel(/知りたかったこと/).fill('夜間に再発行の手続きをしたい');
    await reply.getByRole('button', { name: '送る' }).click();
    await page.waitForURL(/\/help\?sent=1#sent$/);
    assert.match(await page.textContent('[role=status]'), /送りました/);

    // Opening an answer, which asks whether it helped.
    await page.locator('.chat-turn').nth(1).locator('.cards a').first().click();
    await page.waitForURL(/\/faq\/env-01$/);
    assert.match(await page.textContent('h1'), /ごみの収集日/);
    await page.screenshot({ path: join(OUT, 'faq-answer-375.png'), fullPage: true });
    await page.locator('.page-vote').getByRole('button', { name: 'はい' }).click();
    await page.getByRole('button', { name: '送信する' }).click();
    assert.match(await page.textContent('[role=status]'), /ご回答ありがとうございました/);

    // The FAQ search page without JavaScript's help, on a phone.
    await page.goto(`${base}/faq?q=${encodeURIComponent('じゅうみんひょう')}`);
    assert.match(await page.textContent('.answers'), /住民票の写し/);
    await page.screenshot({ path: join(OUT, 'faq-search-375.png'), fullPage: true });
    const noScrollX = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    assert.ok(noScrollX, 'the search page fits a phone');

    // Staff see the いいえ, the message and the vote.
    const staff = await browser.newPage({ locale: 'ja-JP' });
    await signIn(staff, base, 'suishin');
    await staff.getByRole('link', { name: 'FAQ' }).click();
    await staff.getByRole('link', { name: /見つからなかった・解決しなかった質問/ }).click();
    const text = await staff.textContent('main');
    assert.match(text, /「マイナカードなくした」/);
    assert.match(text, /夜間に再発行の手続きをしたい/);
    await staff.screenshot({ path: join(OUT, 'staff-faq-queries-1280.png'), fullPage: true });
    await staff.goto(`${base}/staff/feedback`);
    assert.match(await staff.textContent('main'), /\/faq\/env-01/);
    assert.match(await staff.textContent('main'), /「役に立った」1件 \/ 回答2件/);
  } finally {
    await browser.close();
    machi.stop();
  }
});
