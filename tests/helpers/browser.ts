// A real browser for the page tests: Debian's chromium headless shell (or chromium) driven by
// playwright-core, with background networking off (the machine's network is closed), and a real
// portal server on loopback over a seeded catalogue.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { hashPassword } from '../../publisher/admin/passwords.ts';
import { makeApp, SEED_ITEMS, type SeedItem, type TestApp } from './app.ts';

/**
 * The browser: CHROMIUM_PATH, else Debian's chromium headless shell, else chromium itself.
 *
 * The headless shell (`apt-get install chromium-headless-shell`) is the same Blink, V8 and layout
 * as chromium, without the desktop browser around them; it is what playwright itself runs for
 * headless tests. On this 2-core machine, where the browser suite is CPU-bound, it halved the
 * suite's CPU: 62-64 s of CPU and 32-37 s of wall time for the four browser files, against 114-118 s
 * and 58-60 s with chromium (`npx tap tests/browser/*.test.ts`, idle, busy time from /proc/stat).
 * The real binary, not Debian's /usr/bin wrapper script, so that closing the browser ends it.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium'].find((file) => fs.existsSync(file)) ?? '/usr/bin/chromium';

/**
 * The browser a visitor runs, for what measures a visitor's experience (bench:pages' Largest
 * Contentful Paint): chromium itself, with V8 as shipped.
 */
export const VISITOR_CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Which browser: the tests' (light), or a visitor's. */
export type BrowserKind = 'test' | 'visitor';

/** What to do when there is no browser, for the files that skip (or, in CI, fail) without one. */
export const NO_BROWSER = `no browser at ${CHROMIUM}: apt-get install chromium-headless-shell (or chromium, or set CHROMIUM_PATH)`;
export const ADMIN = { name: 'amina', password: 'a long enough password' };

/** The binary of a kind of browser. */
const browserPath = (kind: BrowserKind) => (kind === 'visitor' ? VISITOR_CHROMIUM : CHROMIUM);

export function chromiumAvailable(kind: BrowserKind = 'test'): boolean {
  return fs.existsSync(browserPath(kind));
}

/**
 * The first lines of a browser test file: without a browser, the file ends here, skipped with one
 * line saying what to install, or failed when PORTAL_REQUIRE_BROWSER is set (CI).
 */
export function needBrowser(t: { fail(message: string): unknown; plan(n: number, comment: string): unknown }, purpose: string): void {
  if (chromiumAvailable()) return;
  if (process.env.PORTAL_REQUIRE_BROWSER) t.fail(NO_BROWSER);
  else t.plan(0, `${NO_BROWSER} to run ${purpose}`);
  process.exit(process.env.PORTAL_REQUIRE_BROWSER ? 1 : 0);
}

/**
 * Tests run through tsx (esbuild, with keepNames), which wraps named functions in `__name(fn, "…")`;
 * a function handed to page.evaluate() carries that call into the page, where it is not defined.
 * Every context of a launched browser gets this one-line definition first.
 */
const KEEP_NAMES_SHIM = 'globalThis.__name ??= (target) => target;';

/**
 * V8 in the browser without its optimising compilers (Maglev, TurboFan). The browser suite is
 * CPU-bound on this 2-core machine, the browser taking about 70 % of it, and a test page lives a
 * few hundred milliseconds: too short for optimised code to pay back its compilation on other
 * threads. Scripts behave the same. Measured with axe on twelve page types, two passes each, CPU
 * per page: 360 ms with V8's defaults and 300 without them in chromium; 290 and 250 in the headless
 * shell. (Compositing on the main thread, --disable-threaded-compositing, saved more but left
 * headless pages without animation frames, so playwright's clicks waited forever for an element to
 * be "stable".)
 */
const LIGHT_BROWSER = ['--js-flags=--no-opt,--no-maglev'];

export async function launch(kind: BrowserKind = 'test'): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: browserPath(kind),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage', ...(kind === 'test' ? LIGHT_BROWSER : [])],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    await context.addInitScript(KEEP_NAMES_SHIM);
    return context;
  };
  browser.newPage = async (options) => {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    // As playwright's own newPage: closing the page closes its context.
    page.once('close', () => void context.close().catch(() => undefined));
    return page;
  };
  return browser;
}

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: Array<{ target: string[]; failureSummary: string }>;
}

/** axe-core's WCAG 2.2 A and AA violations on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Injected once per document: a page checked twice (after a form error) keeps it.
  if (!(await page.evaluate("typeof axe !== 'undefined'"))) await page.evaluate(AXE_SOURCE);
  // A string: this file is type-checked without the DOM library.
  const result = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }, resultTypes: ['violations'] })",
  )) as { violations: AxeViolation[] };
  return result.violations;
}

/** The same, one line per violation with its first targets: what a failing assertion shows. */
export async function axe(page: Page): Promise<string[]> {
  return (await axeViolations(page)).map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
}

/** Synthetic items around the seed ones, for a catalogue of `count` items. */
export function catalogue(count: number): SeedItem[] {
  const sources: Array<Pick<SeedItem, 'partner' | 'source' | 'section' | 'docType'>> = [
    { partner: 'alpha', source: 'reports', section: 'publications', docType: 'report' },
    { partner: 'alpha', source: 'news', section: 'news', docType: 'news' },
    { partner: 'beta', source: 'stats', section: 'statistics', docType: 'national_statistics' },
    { partner: 'beta', source: 'media', section: 'media', docType: 'video' },
    { partner: 'beta', source: 'services', section: 'services', docType: 'training' },
  ];
  const fr = ['rapport', 'intégrité', 'transparence', 'marchés', 'publics', 'gouvernance', 'éthique', 'prévention', 'audit', 'réforme'];
  const ar = ['تقرير', 'النزاهة', 'الشفافية', 'الصفقات', 'العمومية', 'الحكامة', 'الأخلاقيات', 'الوقاية', 'الافتحاص', 'الإصلاح'];
  const items: SeedItem[] = [...SEED_ITEMS];
  for (let i = items.length; i < count; i++) {
    const source = sources[i % sources.length]!;
    const arabic = i % 2 === 0;
    const words = arabic ? ar : fr;
    const pick = (k: number) => words[(i * 7 + k * 3) % words.length];
    items.push({
      ...source,
      title: arabic ? `${pick(1)} ${pick(2)} حول ${pick(3)} رقم ${i}` : `${pick(1)} ${pick(2)} sur ${pick(3)} n° ${i}`,
      language: arabic ? 'ar' : 'fr',
      publishedAt: new Date(Date.UTC(2022, 0, 1) + (i % 1400) * 86_400_000).toISOString().slice(0, 10),
      summary: `<p>${Array.from({ length: 30 }, (_, k) => pick(k)).join(' ')}</p>`,
      text: Array.from({ length: 60 }, (_, k) => pick(k)).join(' '),
      url: `https://${source.partner}.example/${source.source}/bulk-${i}`,
    });
  }
  return items;
}

export interface Served extends TestApp {
  url: string;
}

export async function serve(items: SeedItem[]): Promise<Served> {
  const bed = await makeApp({ items });
  bed.store.users.add(ADMIN.name, 'admin', await hashPassword(ADMIN.password), new Date().toISOString());
  await bed.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = bed.app.server.address() as AddressInfo;
  return { ...bed, url: `http://127.0.0.1:${port}` };
}
