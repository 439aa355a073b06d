// `npm run screenshots`: the README's pictures, taken from the real running demo. Starts
// `portal demo --fresh` on its own database and ports (so a demo already running is left alone),
// waits for the first harvest, creates an operator, and photographs the home page in Arabic and
// French, a search result, the statistics page, two series pages and the freshness report with
// Debian's chromium into docs/demo/. `--out DIR` writes elsewhere; `--pages` adds the pages a
// reviewer walks through (indicators, an item, the directory, a partner, paging past the end, the
// admin area, at 1366 and 360 px).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';

const ROOT = path.resolve(import.meta.dirname, '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PORTAL = path.join(ROOT, 'bin/portal.js');
const OPERATOR = { name: 'demo-operator', password: 'screenshots only, thrown away' };

type Shot = [file: string, route: string, width: number, height: number, admin?: boolean];
/** The walk's pictures are whole pages (charts and tables sit below the first screen). */
const FULL_PAGE = /^walk-/;

const README_SHOTS: Shot[] = [
  ['home-ar.png', '/ar/', 1280, 900],
  ['home-fr.png', '/fr/', 1280, 900],
  ['search-fr.png', '/fr/search?q=corruption', 1280, 900],
  ['search-ar-phone.png', `/ar/search?q=${encodeURIComponent('النزاهة')}`, 360, 740],
  // Statistics as data (issue 16): the indicator cards, a series page, and one on a phone in Arabic.
  ['statistics-fr.png', '/fr/statistics', 1280, 900],
  ['series-fr.png', '/fr/statistics/transparency-maroc-cpi-score', 1280, 1250],
  ['series-ar-phone.png', '/ar/statistics/inpplc-reports-received', 360, 900],
  ['freshness-fr.png', '/admin/freshness?lang=fr', 1280, 1100, true],
];

/** The pages of issue 14's walk, at desktop and phone widths ({item} is an item of the catalogue). */
const WALK_SHOTS: Shot[] = [
  ['walk-home-ar-phone.png', '/ar/', 360, 740],
  ['walk-publications-ar-phone.png', '/ar/publications', 360, 740],
  ['walk-search-ar-phone.png', `/ar/search?q=${encodeURIComponent('الشفافية')}`, 360, 740],
  ['walk-indicators-ar-desktop.png', '/ar/indicators', 1366, 900],
  ['walk-indicators-fr-desktop.png', '/fr/indicators', 1366, 900],
  ['walk-indicators-ar-phone.png', '/ar/indicators', 360, 740],
  ['walk-item-fr-desktop.png', '/fr/items/{item}', 1366, 900],
  ['walk-item-fr-phone.png', '/fr/items/{item}', 360, 740],
  ['walk-directory-fr-desktop.png', '/fr/directory', 1366, 900],
  ['walk-partner-fr-desktop.png', '/fr/partners/cndp', 1366, 900],
  ['walk-page-999-ar-desktop.png', '/ar/publications?page=999', 1366, 900],
  ['walk-freshness-fr-phone.png', '/admin/freshness?lang=fr', 360, 740, true],
  ['walk-freshness-ar-desktop.png', '/admin/freshness?lang=ar', 1366, 1100, true],
  ['walk-suggestions-fr-phone.png', '/admin/suggestions?lang=fr', 360, 740, true],
  // Search that forgives (issue 14, points 3-5): a typo corrected, a prefix, passages with pages.
  ['walk-search-typo-fr-desktop.png', '/fr/search?q=corupption', 1366, 900],
  ['walk-search-prefix-ar-phone.png', `/ar/search?q=${encodeURIComponent('الرشو*')}`, 360, 740],
  ['walk-search-law-fr-desktop.png', `/fr/search?q=${encodeURIComponent('loi 31-13')}`, 1366, 900],
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: 'string' }, pages: { type: 'boolean' } } });
  const out = path.resolve(ROOT, values.out ?? 'docs/demo');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-shots-'));
  const db = path.join(work, 'portal.db');
  const env = { ...process.env, DEMO_PORT_BASE: process.env.DEMO_PORT_BASE ?? '48600' };
  const child = spawn(process.execPath, [PORTAL, 'demo', '--fresh', '--db', db, '--port', '0'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        const match = /The portal:\s+(http:\/\/\S+?)\/fr\//.exec(text);
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
    // A French report with a PDF, for the item page.
    const items = (await (await fetch(`${url}/api/items?partner=cour-des-comptes&section=publications&per_page=1`)).json()) as { items: Array<{ id: string }> };
    const item = items.items[0]?.id ?? '';

    if (values.pages) {
      // A few citizens' suggestions, so the admin list has rows to show.
      const messages: Array<[string, string]> = [
        ['fr', 'Pourriez-vous ajouter les rapports régionaux de la Cour des comptes publiés avant 2020 ?'],
        ['ar', 'أقترح إضافة ملخص بالعربية لكل تقرير منشور بالفرنسية، فذلك يسهل على المواطنين فهمه.'],
        ['fr', "La recherche ne trouve pas « loi 31-13 » quand on écrit « 31.13 » : est-ce normal ?"],
      ];
      for (const [lang, message] of messages) {
        const form = await (await fetch(`${url}/${lang}/suggestions`)).text();
        const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? '';
        await fetch(`${url}/${lang}/suggestions`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, message }).toString() });
      }
    }
    fs.mkdirSync(out, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
    try {
      let signedIn: Page | undefined;
      for (const [file, route, width, height, admin] of [...README_SHOTS, ...(values.pages ? WALK_SHOTS : [])]) {
        let page: Page;
        if (admin) {
          if (!signedIn) {
            const context = await browser.newContext();
            signedIn = await context.newPage();
            await signedIn.goto(`${url}/admin/login`);
            await signedIn.fill('#login-name', OPERATOR.name);
            await signedIn.fill('#login-password', OPERATOR.password);
            await Promise.all([signedIn.waitForURL(/\/admin\/freshness/), signedIn.click('form.login-form button[type=submit]')]);
          }
          page = signedIn;
        } else {
          page = await (await browser.newContext()).newPage();
        }
        await page.setViewportSize({ width, height });
        await page.goto(`${url}${route.replace('{item}', item)}`, { waitUntil: 'load' });
        await page.screenshot({ path: path.join(out, file), fullPage: FULL_PAGE.test(file) });
        if (!admin) await page.context().close();
        console.log(path.relative(ROOT, path.join(out, file)));
      }
      await signedIn?.context().close();
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
