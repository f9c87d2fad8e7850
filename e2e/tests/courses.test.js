// スマホ教室 in Chromium: staff add a course and a one-place session; a resident books it on a
// phone; a second is put on the waiting list; the first cancels from the booking page; the
// second is offered the place and takes it; staff take a booking on the phone and print the
// slip. axe on every page; phone screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, OUT, audit, reflows } from './helpers.js';

test('a resident books, another waits and is offered the freed place, staff book by phone', async () => {
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']]);
  const browser = await launch();
  const problems = [];
  try {
    const base = machi.base;
    const staffCtx = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
    const staff = await staffCtx.newPage();
    await signIn(staff, base, 'kikaku');
    await staff.goto(`${base}/staff/courses`);
    problems.push(...await audit(staff, 'courses (empty)'));
    await staff.getByLabel('講座名').fill('はじめてのスマホ');
    await staff.getByLabel('内容').fill('電話・LINE');
    await staff.getByRole('button', { name: '講座を登録する' }).click();
    await staff.getByText('講座を登録しました').waitFor();
    // A day well ahead of the calendar, so the session is open for booking.
    const year = new Date().getFullYear() + 1;
    await staff.getByLabel('日付').fill(`${year}-01-20`);
    await staff.getByLabel('始まり').fill('10:00');
    await staff.getByLabel('終わり').fill('11:30');
    await staff.getByLabel('場所').fill('中央公民館');
    await staff.getByLabel('定員(人)').fill('1');
    await staff.getByRole('button', { name: '回を追加する' }).click();
    await staff.getByText('回を追加しました').or(staff.getByText('回を登録しました')).waitFor();
    problems.push(...await audit(staff, 'courses'));

    const phone = async () => (await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })).newPage();
    const first = await phone();
    await first.goto(`${base}/courses`);
    problems.push(...await audit(first, 'schedule'));
    assert.ok(await reflows(first));
    await first.getByRole('link', { name: 'はじめてのスマホ' }).click();
    problems.push(...await audit(first, 'session'));
    await first.getByLabel(/お名前/).fill('𠮷田 はな');
    await first.getByLabel('フリガナ').fill('よしだ はな');
    await first.getByLabel(/電話番号/).fill('090-1111-2222');
    await first.getByRole('button', { name: '予約する' }).click();
    await first.getByRole('heading', { name: /予約番号/ }).waitFor();
    assert.match(await first.locator('main').innerText(), /予約済み[\s\S]*/);
    problems.push(...await audit(first, 'booking'));
    await first.screenshot({ path: join(OUT, 'courses-booking-phone.png'), fullPage: true });

    const second = await phone();
    await second.goto(`${base}/courses`);
    assert.match(await second.locator('main').innerText(), /満員です/);
    await second.getByRole('link', { name: 'はじめてのスマホ' }).click();
    await second.getByLabel(/お名前/).fill('香美 次郎');
    await second.getByLabel(/電話番号/).fill('0796-36-0001');
    await second.getByRole('button', { name: 'キャンセル待ちで申し込む' }).click();
    await second.getByText('順番 1番目').waitFor();
    const secondUrl = second.url();

    await first.getByRole('button', { name: '予約を取り消す' }).click();
    await first.getByText('取り消しました').waitFor();
    await second.goto(secondUrl);
    await second.getByRole('button', { name: '参加する' }).click();
    await second.getByText('参加のお申し込みを受け付けました').waitFor();
    assert.match(await second.locator('main').innerText(), /予約済み/);
    problems.push(...await audit(second, 'booking accepted'));

    // Someone phones: staff enter it from the same form and print the slip.
    await staff.goto(`${base}/staff/courses`);
    await staff.getByRole('link', { name: /10:00〜11:30/ }).click();
    await staff.getByLabel('お名前(必須)').fill('山田 花子');
    await staff.getByLabel(/電話番号/).fill('0796-36-0002');
    await staff.getByRole('button', { name: '予約を入力する' }).click();
    await staff.getByRole('heading', { name: '予約票' }).waitFor();
    assert.match(await staff.locator('main').innerText(), /キャンセル待ち[\s\S]*順番 1番目/);
    problems.push(...await audit(staff, 'slip'));
    await staff.goBack();
    await staff.reload();
    problems.push(...await audit(staff, 'session list'));
    await staff.screenshot({ path: join(OUT, 'courses-staff-session.png'), fullPage: true });
    assert.match(await staff.locator('main').innerText(), /香美 次郎[\s\S]*予約済み[\s\S]*山田 花子[\s\S]*キャンセル待ち/);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
  }
});
