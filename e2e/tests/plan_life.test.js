// Another body's plan in a browser, and a plan's whole life. みずほ市 (a city's test plan: other
// level names, bodies, head, residents, no 行程表) is added next to the bundled town and read as a
// resident and as its staff would, on a phone and a desktop: no page may speak 香美町's words.
// Then 香美町's successor plan is loaded: it becomes current, the ended plan stays readable with
// its 総括.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startMachi, launch, signIn, signOut, OUT } from './helpers.js';

// Words of 香美町's plan; a page under another body's plan must not contain them.
const KAMI_WORDS = ['香美', '町民', '町長', '町役場', '町独自', '企画課', '情報化推進委員会',
  '業務主管課', '基本方針', '取組内容', '施策'];

async function visibleText(page) {
  return page.evaluate(() => `${document.title}\n${document.body.innerText}`);
}

// Follows the same-site links of the pages reached from `start` (GET only, no downloads), at most
// `limit` pages; returns the paths tried.
async function crawl(page, origin, prefix, start, limit, found) {
  const seen = new Set();
  const queue = [start];
  while (queue.length && seen.size < limit) {
    const path = queue.shift();
    if (seen.has(path)) continue;
    seen.add(path);
    // Downloads (CSV, xlsx, templates) are read by the Rust sweep; here only what a browser shows.
    const head = await page.request.get(`${origin}${path}`);
    assert.ok(head.status() < 500, `${path}: ${head.status()}`);
    if (!(head.headers()['content-type'] || '').startsWith('text/html')) continue;
    await page.goto(`${origin}${path}`);
    const text = await visibleText(page);
    for (const w of KAMI_WORDS) if (text.includes(w)) found.push(`${path}: ${w}`);
    const links = await page.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const href of links) {
      if (!href.startsWith(prefix) || /\.(xlsx|csv|json|png|zip)(\?|$)/.test(href)) continue;
      const clean = href.split('#')[0];
      if (!seen.has(clean)) queue.push(clean);
    }
  }
  return [...seen];
}

test('a city\'s plan: every page a resident and its staff read is in the city\'s words', async () => {
  const machi = await startMachi([['seisaku', 'dx_office', '企画政策課']], {
    setup: [['town', 'add', '189995', '--plan', 'tests/fixtures/mizuho-city-2022.toml']],
    town: '189995',
  });
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const origin = machi.base;
    const base = `${origin}/t/189995`;
    const found = [];

    await page.goto(`${base}/`);
    assert.match(await page.textContent('h1'), /みずほ市DX推進計画/);
    const home = await visibleText(page);
    assert.match(home, /3 の基本目標/);
    for (const [w, name] of [[375, 'phone'], [1280, 'desktop']]) {
      await page.setViewportSize({ width: w, height: 900 });
      for (const [path, file] of [['/', 'home'], ['/plan', 'plan'], ['/plan/kpis', 'kpis'],
        ['/plan/summary', 'summary']]) {
        await page.goto(`${base}${path}`);
        await page.screenshot({ path: join(OUT, `mizuho-${file}-${name}.png`), fullPage: true });
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    // No 行程表 in this plan: no link to one.
    await page.goto(`${base}/plan`);
    assert.equal(await page.getByRole('link', { name: '行程表' }).count(), 0);

    const publicRead = await crawl(page, origin, '/t/189995/', '/t/189995/', 120, found);
    assert.ok(publicRead.length >= 20, `only ${publicRead.length} public pages reached`);

    await signIn(page, base, 'seisaku');
    await page.screenshot({ path: join(OUT, 'mizuho-staff.png'), fullPage: true });
    const staffRead = await crawl(page, origin, '/t/189995/staff', '/t/189995/staff', 120, found);
    assert.ok(staffRead.length > 20, `only ${staffRead.length} staff pages reached`);
    await page.goto(`${base}/staff/kpis`);
    await page.screenshot({ path: join(OUT, 'mizuho-staff-kpis.png'), fullPage: true });
    await signOut(page);

    assert.deepEqual(found, [], `香美町's words under みずほ市's plan:\n${found.join('\n')}`);
  } finally {
    await browser.close();
    machi.stop();
  }
});

test('the next plan: it becomes current and the ended plan stays readable with its 総括', async () => {
  const machi = await startMachi([['kikaku', 'dx_office', '企画課']], {
    setup: [['plan', 'import', 'tests/fixtures/kami-2026-next.toml']],
  });
  const browser = await launch();
  try {
    const page = await browser.newPage({ locale: 'ja-JP' });
    const base = machi.base;

    await page.goto(`${base}/`);
    assert.match(await page.textContent('h1'), /第2次DX推進計画/);
    // The home page points to the plan it follows.
    const earlier = page.getByRole('link', { name: /デジタル・トランスフォーメーション\(DX\) 推進計画/ }).first();
    assert.equal(await earlier.getAttribute('href'), '/plans/kami-2023/plan');
    await page.screenshot({ path: join(OUT, 'next-plan-home.png'), fullPage: true });

    // The ended plan: its pages under /plans/kami-2023/, marked as an earlier plan.
    await page.goto(`${base}/plans/kami-2023/plan`);
    const ended = await visibleText(page);
    assert.match(ended, /デジタル・トランスフォーメーション\(DX\) 推進計画/);
    assert.match(ended, /これは前の計画/);
    await page.goto(`${base}/plans/kami-2023/plan/summary`);
    assert.match(await page.textContent('h1'), /総括/);
    const summary = await visibleText(page);
    assert.match(summary, /最終評価/);
    await page.screenshot({ path: join(OUT, 'ended-plan-summary.png'), fullPage: true });
    // A KPI the new plan continues shows the earlier plan's series as well.
    await signIn(page, base, 'kikaku');
    await page.goto(`${base}/staff/plan`);
    assert.match(await visibleText(page), /第2次DX推進計画/);
    await signOut(page);
  } finally {
    await browser.close();
    machi.stop();
  }
});
