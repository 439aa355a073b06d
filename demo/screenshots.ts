// `npm run screenshots`: the README's pictures, taken from the real running demo. Starts
// `portal demo --fresh` on its own database and ports (so a demo already running is left alone),
// waits for the first harvest, creates an operator, and photographs the home page in Arabic and
// French, a search result, the statistics page, two series pages and the freshness report with
// Debian's chromium into docs/demo/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'docs/demo');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORTAL = path.join(ROOT, 'bin/portal.js');
const OPERATOR = { name: 'demo-operator', password: 'screenshots only, thrown away' };

async function main(): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-shots-'));
  const db = path.join(work, 'portal.db');
  const env = { ...process.env, DEMO_PORT_BASE: process.env.DEMO_PORT_BASE ?? '48600' };
  const child = spawn(process.execPath, [PORTAL, 'demo', '--fresh', '--db', db, '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        out += chunk;
        const match = /The portal:\s+(http:\/\/\S+?)\/fr\//.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`the demo stopped (exit ${code}) before serving`)));
    });
    const added = spawnSync(process.execPath, [PORTAL, 'user', 'add', OPERATOR.name, '--role', 'admin', '--db', db], {
      cwd: ROOT,
      input: `${OPERATOR.password}\n${OPERATOR.password}\n`,
      encoding: 'utf8',
    });
    if (added.status !== 0) throw new Error(`user add failed: ${added.stderr}`);

    fs.mkdirSync(OUT, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    try {
      const shots: Array<[string, string, number, number]> = [
        ['home-ar.png', '/ar/', 1280, 900],
        ['home-fr.png', '/fr/', 1280, 900],
        ['search-fr.png', '/fr/search?q=corruption', 1280, 900],
        ['search-ar-phone.png', `/ar/search?q=${encodeURIComponent('النزاهة')}`, 360, 740],
        // Statistics as data (issue 16): the indicator cards, a series page, and one on a phone in Arabic.
        ['statistics-fr.png', '/fr/statistics', 1280, 900],
        ['series-fr.png', '/fr/statistics/transparency-maroc-cpi-score', 1280, 1250],
        ['series-ar-phone.png', '/ar/statistics/inpplc-reports-received', 360, 900],
      ];
      for (const [file, route, width, height] of shots) {
        const context = await browser.newContext({ viewport: { width, height } });
        const page = await context.newPage();
        await page.goto(`${url}${route}`, { waitUntil: 'load' });
        await page.screenshot({ path: path.join(OUT, file) });
        await context.close();
        console.log(`docs/demo/${file}`);
      }
      const context = await browser.newContext({ viewport: { width: 1280, height: 1100 } });
      const page = await context.newPage();
      await page.goto(`${url}/admin/login`);
      await page.fill('#login-name', OPERATOR.name);
      await page.fill('#login-password', OPERATOR.password);
      await Promise.all([page.waitForURL(/\/admin\/freshness/), page.click('form.login-form button[type=submit]')]);
      await page.goto(`${url}/admin/freshness?lang=fr`);
      await page.screenshot({ path: path.join(OUT, 'freshness-fr.png') });
      console.log('docs/demo/freshness-fr.png');
      await context.close();
    } finally {
      await browser.close();
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`screenshots: ${(error as Error).message}`);
  process.exit(1);
});
