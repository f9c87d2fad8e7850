// An online application end to end in Chromium: staff open 葬祭費 for online applications with a
// fee and an attachment; a resident on a phone confirms a mail address (mail goes over SMTP to a
// small server this test runs), fills the steps, attaches a photo, pays in the sandbox; the 課
// asks for a correction; the resident answers from the new link; the 課 completes it. The
// receipt is in the ledger and the public usage page counts it. Prints the measured times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startMachi, launch, signIn, OUT, audit } from './helpers.js';

// A small SMTP server: keeps each message's recipients and decoded text body.
function smtpSink() {
  const mails = [];
  const waiting = [];
  const server = createServer((sock) => {
    sock.setEncoding('utf8');
    sock.write('220 sink ESMTP\r\n');
    let buf = '';
    let data = null;
    let to = [];
    sock.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (data !== null) {
          if (line === '.') {
            const [, b64 = ''] = data.split('\r\n\r\n');
            const body = Buffer.from(b64.replace(/\s/g, ''), 'base64').toString('utf8');
            mails.push({ to, body });
            to = [];
            data = null;
            sock.write('250 queued\r\n');
            while (waiting.length) waiting.shift()();
          } else {
            data += (line.startsWith('..') ? line.slice(1) : line) + '\r\n';
          }
          continue;
        }
        const up = line.toUpperCase();
        if (up.startsWith('DATA')) { data = ''; sock.write('354 go on\r\n'); }
        else if (up.startsWith('RCPT TO:')) { to.push(line.slice(8).trim().replace(/[<>]/g, '')); sock.write('250 OK\r\n'); }
        else if (up.startsWith('QUIT')) { sock.end('221 bye\r\n'); }
        else if (up.startsWith('EHLO') || up.startsWith('HELO')) sock.write('250 sink\r\n');
        else sock.write('250 OK\r\n');
      }
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `smtp://127.0.0.1:${server.address().port}`,
    mails,
    // The n-th mail (1-based), once it has arrived.
    nth: (n) => new Promise((done) => {
      const check = () => (mails.length >= n ? done(mails[n - 1]) : waiting.push(check));
      check();
    }),
    close: () => server.close(),
  })));
}

const linkIn = (mail) => mail.body.match(/https?:\/\/\S+\/apply\/link\/[0-9a-f]+/)[0];
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f8ff3f0005fe02fea7d6a4a30000000049454e44ae426082', 'hex');

test('a resident applies with a photo and a fee, answers a correction, and the 課 completes it', async () => {
  const sink = await smtpSink();
  const machi = await startMachi([
    ['kikaku', 'dx_office', '企画課'],
    ['hoken', 'department_editor', '保険課'],
  ], {
    // Japan Post's postcode file (old layout, real rows) as the IT person loads it.
    setup: [['postcodes', 'import', 'tests/fixtures/postcodes/KEN_ALL.CSV']],
    env: { MACHI_SMTP_URL: sink.url, MACHI_PAYMENTS: 'sandbox', MACHI_PAYMENT_SECRET: 'e2e-secret' },
  });
  const browser = await launch();
  const problems = [];
  const times = {};
  try {
    const base = machi.base;
    const staffCtx = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
    const staff = await staffCtx.newPage();
    await signIn(staff, base, 'kikaku');
    // Staff switch the town's own online channel on, name the 課, and give the form a fee and
    // an attachment.
    await staff.goto(`${base}/staff/procedures/kokuho-sousaihi`);
    await staff.getByLabel('担当課').fill('保険課');
    await staff.locator('input[name="ch_town_form"]').check();
    await staff.getByRole('button', { name: '保存する' }).click();
    await staff.goto(`${base}/staff/forms/kokuho-sousaihi`);
    const body = await staff.locator('#body').inputValue();
    const withFee = body.replace('[[fields]]', 'fee = 300\n\n[[fields]]')
      + '\n[[attachments]]\nkey = "receipt"\nlabel = "葬儀の領収書の写し"\nrequired = true\nhint = "スマートフォンで撮影した写真でも構いません"\n';
    await staff.locator('#body').fill(withFee);
    await staff.getByRole('button', { name: '保存する' }).click();
    await staff.waitForLoadState();

    // The resident, on a phone.
    const phoneCtx = await browser.newContext({ locale: 'ja-JP', bypassCSP: true, viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
    const phone = await phoneCtx.newPage();
    // From the life-event guide: its answer goes along and is asked again, already answered.
    await phone.goto(`${base}/life-events/death`);
    await phone.getByRole('group', { name: '国民健康保険に加入していましたか' }).getByLabel('はい').check();
    await phone.getByRole('button', { name: '必要な手続きを表示する' }).click();
    await phone.getByRole('link', { name: '国民健康保険 葬祭費の支給申請' }).click();
    await phone.getByRole('link', { name: 'このサイトから申請する' }).click();
    assert.ok(await phone.getByRole('group', { name: '国民健康保険に加入していましたか' }).getByLabel('はい').isChecked());
    problems.push(...await audit(phone, 'apply start'));
    await phone.getByLabel(/メールアドレス/).fill('hanako@example.jp');
    await phone.getByRole('button', { name: '確認のメールを送る' }).click();
    await phone.getByText('にメールを送りました').waitFor();
    const first = await sink.nth(1);
    assert.deepEqual(first.to, ['hanako@example.jp']);
    await phone.goto(linkIn(first));
    await phone.waitForURL(/\/apply\/a\/\d+\/step\/1$/);
    const appUrl = phone.url().replace(/\/step\/1$/, '');
    problems.push(...await audit(phone, 'apply step'));
    // A mistake first: named next to the field, what was typed kept.
    await phone.getByLabel('死亡日').fill('令和6年2月30日');
    await phone.getByRole('button', { name: '次へ' }).click();
    await phone.getByRole('alert').waitFor();
    assert.match(await phone.getByRole('alert').innerText(), /氏名を入力してください/);
    assert.equal(await phone.getByLabel('死亡日').inputValue(), '令和6年2月30日');
    problems.push(...await audit(phone, 'apply step with errors'));
    await phone.getByLabel('氏名').fill('香美 一郎');
    await phone.getByLabel('生年月日').fill('昭和10年2月3日');
    await phone.getByLabel('死亡日').fill('令和6年9月20日');
    let t0 = Date.now();
    await phone.getByRole('button', { name: '次へ' }).click();
    await phone.waitForURL(/step\/2$/);
    times.step = Date.now() - t0;
    await phone.getByLabel('葬祭を行った日').fill('R6.9.23');
    await phone.getByRole('button', { name: '次へ' }).click();
    await phone.waitForURL(/step\/3$/);
    await phone.getByLabel('氏名').fill('香美 花子');
    await phone.getByLabel('フリガナ').fill('かみ はなこ');
    // Postcode → address, without JavaScript: the button sends the step back filled in.
    await phone.getByLabel('郵便番号').fill('６６９－６５４４');
    await phone.getByRole('button', { name: '住所を検索' }).click();
    await phone.getByRole('status').filter({ hasText: '番地などを続けて入力してください' }).waitFor();
    assert.equal(await phone.getByLabel('住所').inputValue(), '兵庫県美方郡香美町香住区香住');
    assert.equal(await phone.getByLabel('氏名').inputValue(), '香美 花子');
    problems.push(...await audit(phone, 'apply postcode lookup'));
    await phone.screenshot({ path: join(OUT, 'apply-postcode-phone.png'), fullPage: true });
    await phone.getByLabel('住所').fill('兵庫県美方郡香美町香住区香住870-1');
    // Enter in a field is 次へ (not the lookup button above it).
    await phone.getByLabel('電話番号').fill('0796-36-1111');
    await phone.getByLabel('電話番号').press('Enter');
    await phone.waitForURL(/step\/4$/);
    await phone.getByLabel('金融機関名・支店名').fill('但馬銀行 香住支店');
    await phone.getByLabel('預金種別').selectOption('普通');
    await phone.getByLabel('口座番号(7桁)').fill('1234567');
    await phone.getByLabel('口座名義(カナ)').fill('カミ ハナコ');
    await phone.getByRole('button', { name: '次へ' }).click();
    await phone.waitForURL(/\/files$/);
    problems.push(...await audit(phone, 'apply files'));
    await phone.getByLabel('ファイルを選ぶ').setInputFiles({ name: '領収書.png', mimeType: 'image/png', buffer: PNG });
    await phone.getByRole('button', { name: '添付する' }).click();
    await phone.getByText('領収書.png').waitFor();
    await phone.getByRole('link', { name: /次へ/ }).click();
    await phone.waitForURL(/\/confirm$/);
    problems.push(...await audit(phone, 'apply confirm'));
    await phone.screenshot({ path: join(OUT, 'apply-confirm-phone.png'), fullPage: true });
    // Submit → the sandbox provider's page → pay → back on machi, paid and sent to the 課.
    t0 = Date.now();
    await phone.getByRole('button', { name: /この内容で申請する/ }).click();
    await phone.waitForURL(/\/pay-sandbox\//);
    problems.push(...await audit(phone, 'sandbox pay'));
    await phone.getByRole('button', { name: /決定して/ }).click();
    await phone.waitForURL(new RegExp(`${appUrl.replace(/[/.]/g, '\\$&')}$`));
    times.payment = Date.now() - t0;
    assert.match(await phone.locator('main').innerText(), /新規[\s\S]*支払い済み/);
    problems.push(...await audit(phone, 'apply status'));
    const receiptNo = (await phone.locator('dd strong').first().innerText()).trim();

    // The 課 asks for a correction.
    const clerkCtx = await browser.newContext({ locale: 'ja-JP', bypassCSP: true });
    const clerk = await clerkCtx.newPage();
    await signIn(clerk, base, 'hoken');
    await clerk.goto(`${base}/staff/applications`);
    problems.push(...await audit(clerk, 'inbox'));
    await clerk.getByRole('link', { name: receiptNo }).click();
    problems.push(...await audit(clerk, 'application'));
    await clerk.getByRole('radio', { name: '受付', exact: true }).check();
    await clerk.getByRole('button', { name: '変更する' }).click();
    await clerk.getByText('申請者にメールで知らせました').waitFor();
    await clerk.getByRole('radio', { name: /補正依頼/ }).check();
    await clerk.getByRole('textbox', { name: /申請者へのメッセージ/ }).fill('口座名義は喪主の方のものをご記入ください。');
    await clerk.getByRole('button', { name: '変更する' }).click();
    await clerk.getByText('申請者にメールで知らせました').waitFor();
    const ask = await sink.nth(3);
    assert.match(ask.body, /口座名義は喪主の方のものを/);

    // The resident answers from the new link.
    await phone.goto(linkIn(ask));
    await phone.getByText('口座名義は喪主の方のものを').waitFor();
    await phone.goto(`${appUrl}/step/4`);
    await phone.getByLabel('口座番号(7桁)').fill('7654321');
    await phone.getByRole('button', { name: '次へ' }).click();
    await phone.getByRole('link', { name: /次へ/ }).click();
    await phone.getByRole('button', { name: '直した内容を送信する' }).click();
    await phone.waitForURL(new RegExp(`${appUrl.replace(/[/.]/g, '\\$&')}$`));

    // The 課 completes it; the print is the form's layout.
    await clerk.reload();
    assert.match(await clerk.locator('main').innerText(), /審査中[\s\S]*7654321/);
    await clerk.getByRole('radio', { name: '完了', exact: true }).check();
    await clerk.getByRole('button', { name: '変更する' }).click();
    await clerk.getByText('申請者にメールで知らせました').waitFor();
    assert.match((await sink.nth(4)).body, /完了しました/);
    await clerk.getByRole('link', { name: /印刷する/ }).click();
    await clerk.getByRole('heading', { name: '国民健康保険 葬祭費支給申請書' }).waitFor();

    // The receipt is in the ledger; the public page counts the application.
    await staff.goto(`${base}/staff/receipts`);
    assert.match(await staff.locator('main').innerText(), /オンライン決済[\s\S]*300円/);
    await phone.goto(`${base}/apply`);
    assert.match(await phone.locator('main').innerText(), /国民健康保険 葬祭費の支給申請\s*1件/);
    problems.push(...await audit(phone, 'apply index'));
    console.log(`application step (POST → next page): ${times.step} ms; payment round trip (submit → sandbox → back, paid): ${times.payment} ms`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    machi.stop();
    sink.close();
  }
});
