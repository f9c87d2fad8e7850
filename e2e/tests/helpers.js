// Starts machi on a free port with a fresh data folder, and Chromium from Debian's package.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';

const root = resolve(import.meta.dirname, '..', '..');
export const BIN = process.env.MACHI_BIN || join(root, 'target', 'debug', 'machi');
export const OUT = join(root, 'e2e', 'out');
export const PASSWORD = 'correct horse battery';

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

// `setup`: machi commands run before the server starts (e.g. ['town', 'add', …]); `town`: the
// 団体コード the users are added to, when not the bundled one; `dataDir`: an earlier server's
// data, to start again on it (e.g. with another MACHI_TODAY).
export async function startMachi(users = [], { setup = [], town, env: extraEnv = {}, dataDir: reuse } = {}) {
  const dataDir = reuse || mkdtempSync(join(tmpdir(), 'machi-e2e-'));
  const port = await freePort();
  const env = { ...process.env, ...extraEnv, MACHI_DATA_DIR: dataDir, MACHI_PORT: String(port) };
  const run = (args, input) => {
    const r = spawnSync(BIN, args, { env, input, encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`machi ${args.join(' ')}: ${r.stderr}`);
  };
  for (const args of setup) run(args);
  for (const [name, role, department = ''] of users) {
    const townArgs = town ? ['--town', town] : [];
    run([...townArgs, 'user', 'add', name, '--role', role, '--department', department], PASSWORD + '\n');
  }
  const proc = spawn(BIN, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${base}/plan`);
      if (res.ok) break;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((ok) => proc.on('exit', ok));
  // Resolves once the server has exited (its files are closed).
  const stop = () => { proc.kill('SIGTERM'); return exited; };
  return { base, dataDir, env, stop, log: () => log };
}

export async function launch() {
  mkdirSync(OUT, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function signIn(page, base, username) {
  await page.goto(`${base}/login`);
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'サインイン' }).click();
  await page.waitForURL(`${base}/staff`);
}

export async function signOut(page) {
  await page.getByRole('button', { name: /サインアウト/ }).click();
  await page.waitForURL(/\/login\?signed_out=1/);
}

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

// Runs axe and the checks axe leaves to people; returns problems as text.
export async function audit(page, label) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    const order = await axe.run(document, { runOnly: ['heading-order', 'page-has-heading-one', 'landmark-one-main', 'region'] });
    return [...res.violations, ...order.violations].map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
  }, TAGS);
  const lang = await page.getAttribute('html', 'lang');
  if (lang !== 'ja') r.push(`html lang is ${lang}`);
  // Status shown by colour always carries its text too.
  const emptyBadges = await page.locator('.badge').evaluateAll((els) => els.filter((e) => !e.textContent.trim()).length);
  if (emptyBadges) r.push(`${emptyBadges} status badges without text`);
  return r.map((x) => `${label}: ${x}`);
}

// No horizontal scrolling of the page itself (wide tables scroll inside their own box).
export async function reflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

