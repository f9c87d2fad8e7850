// スマホ教室 and staff trainings in Chromium. A resident books a one-place session on a phone; a
// second is put on the waiting list; the first cancels from the booking page; the second is
// offered the place and takes it; staff take a booking on the phone and print the slip; on the
// day (the server restarted on that date) staff take attendance at the door and KPI 1-①-5
// moves. Then trainings: the personnel section's directory, an e-learning import and the
// training's 受講率, the 課長's reminder and list, and KPI 2-③-1. axe on every page; phone
// screenshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startMachi, launch, signIn, OUT, audit, reflows } from './helpers.js';

test('a resident books, another waits and is offered the freed place, staff book by phone, attendance moves the KPI', async () => {
  let machi = await startMachi([['kikaku', 'dx_office', '企画課']]);
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
    // The month's flyer, as it will be printed.
    await staff.goto(`${base}/staff/courses/flyer?month=${year}-01`);
    assert.match(await staff.locator('main').innerText(), /はじめてのスマホ[\s\S]*中央公民館/);
    problems.push(...await audit(staff, 'flyer'));
    await staff.screenshot({ path: join(OUT, 'courses-flyer.png'), fullPage: true });

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

    // The day of the class: the server runs on that date; attendance at the door.
    await machi.stop();
    machi = await startMachi([], { dataDir: machi.dataDir, env: { MACHI_TODAY: `${year}-01-20` } });
    const door = await (await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 800, height: 1100 } })).newPage();
    await signIn(door, machi.base, 'kikaku');
    await door.goto(`${machi.base}/staff/courses`);
    await door.getByRole('link', { name: /10:00〜11:30/ }).click();
    await door.getByRole('button', { name: /^出席.*香美 次郎/ }).click();
    await door.getByText('出欠をつけました').waitFor();
    await door.getByLabel('当日参加の方のお名前').fill('飛入 三郎');
    await door.getByRole('button', { name: '当日参加として出席にする' }).click();
    await door.getByText('当日参加の方を出席にしました').waitFor();
    assert.match(await door.locator('main').innerText(), /出席 2人/);
    await door.getByLabel('だいたい分かった').check();
    await door.getByLabel('LINEでやりとりする').check();
    await door.getByRole('button', { name: 'アンケートを入力する' }).click();
    await door.getByText('アンケートを1件入力しました').waitFor();
    problems.push(...await audit(door, 'session on the day'));
    await door.screenshot({ path: join(OUT, 'courses-door-tablet.png'), fullPage: true });
    // KPI 1-①-5 counts the two who came (not the one still waiting), with the class's figures.
    await door.goto(`${machi.base}/plan/measures/1-1-5`);
    const kpi = await door.locator('main').innerText();
    assert.match(kpi, /教室の開催と参加の様子/);
    assert.match(kpi, /2\(うち当日参加 1\)/);
    assert.match(kpi, /100%\(回答1人中1人\)/);
    problems.push(...await audit(door, 'KPI 1-1-5'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
  }
});

// A UTF-8 CSV in a temporary file, for the file inputs.
function csvFile(name, text) {
  const path = join(mkdtempSync(join(tmpdir(), 'machi-csv-')), name);
  writeFileSync(path, text);
  return path;
}

test("a training's 受講率 after an e-learning import, the 課長's reminder, KPI 2-③-1", async () => {
  const machi = await startMachi([['kikaku', 'dx_office', '企画課'], ['kacho', 'department_editor', '税務課']]);
  const browser = await launch();
  const problems = [];
  try {
    const base = machi.base;
    const dx = await (await browser.newContext({ locale: 'ja-JP', bypassCSP: true })).newPage();
    await signIn(dx, base, 'kikaku');
    await dx.goto(`${base}/staff/trainings/directory`);
    problems.push(...await audit(dx, 'directory (empty)'));
    await dx.getByLabel(/CSVファイル/).setInputFiles(csvFile('職員名簿.csv',
      '職員番号,氏名,所属,職種,雇用区分,採用日,ログインID\n' +
      '20001,山田 太郎,企画課,一般事務,正規職員,2010-04-01,kikaku\n' +
      '20002,鈴木 花子,企画課,一般事務,会計年度任用職員,2024-04-01,\n' +
      '20003,佐藤 次郎,税務課,一般事務,正規職員,2015-04-01,\n' +
      '20004,髙橋 三郎,税務課,保健師,正規職員,2012-04-01,kacho\n'));
    await dx.getByRole('button', { name: '取り込む' }).click();
    await dx.getByText('新しく4人').waitFor();
    problems.push(...await audit(dx, 'directory'));

    await dx.goto(`${base}/staff/trainings`);
    await dx.getByLabel('研修名').fill('情報セキュリティ研修(e-ラーニング)');
    await dx.getByLabel('分野').selectOption('security');
    await dx.getByLabel('形式').selectOption('elearning');
    await dx.getByRole('button', { name: '研修を登録する' }).click();
    await dx.getByText('研修を登録しました').waitFor();
    assert.match(await dx.locator('main').innerText(), /0\.0%\(対象4人中0人\)/);

    // The e-learning system's export: three finished, one not yet.
    const now = new Date();
    const fy = now.getMonth() + 1 >= 4 ? now.getFullYear() : now.getFullYear() - 1;
    await dx.getByLabel('CSVファイル').setInputFiles(csvFile('elearning.csv',
      'ユーザーID,氏名,受講状況,修了日時\n' +
      `20001,山田 太郎,修了,${fy}/06/10 10:00\n` +
      `20002,鈴木 花子,修了,${fy}/06/11 12:30\n` +
      `20004,髙橋 三郎,完了,${fy}/07/01 09:00\n` +
      '20003,佐藤 次郎,未受講,\n'));
    await dx.getByRole('button', { name: '取り込む' }).click();
    await dx.getByText('修了を3人記録しました').waitFor();
    const page = await dx.locator('main').innerText();
    assert.match(page, /75\.0%\(対象4人中3人\)/);
    assert.match(page, /税務課\s+2\s+1\s+0\s+1\s+50\.0%/);
    problems.push(...await audit(dx, 'training after import'));
    await dx.screenshot({ path: join(OUT, 'trainings-training.png'), fullPage: true });

    // The 課長 of 税務課: a reminder on the task list, then the list of who still has to take it.
    const kacho = await (await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true })).newPage();
    await signIn(kacho, base, 'kacho');
    await kacho.goto(`${base}/staff`);
    assert.match(await kacho.locator('main').innerText(), /税務課で、必須の研修をまだ受けていない職員がいます: 「情報セキュリティ研修\(e-ラーニング\)」1人/);
    await kacho.getByRole('link', { name: '未受講の職員を見る' }).click();
    const pending = await kacho.locator('main').innerText();
    assert.match(pending, /佐藤 次郎/);
    assert.doesNotMatch(pending, /髙橋 三郎/);
    problems.push(...await audit(kacho, 'pending (phone)'));
    assert.ok(await reflows(kacho));
    await kacho.screenshot({ path: join(OUT, 'trainings-pending-phone.png'), fullPage: true });

    // KPI 2-③-1: one training held this 年度, with its 受講率 beside it.
    await dx.goto(`${base}/plan/measures/2-3-1`);
    const kpi = await dx.locator('main').innerText();
    assert.match(kpi, /情報セキュリティ研修の実施と受講率/);
    assert.match(kpi, /75\.0%\(対象4人中3人\)/);
    problems.push(...await audit(dx, 'KPI 2-3-1'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
  }
});
