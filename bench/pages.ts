// `npm run bench:pages`: Largest Contentful Paint of the home and search pages in Debian's
// chromium (the visitor's browser, not the tests' headless shell), over a real server on loopback with a 10,000-item catalogue (the page tests' seeded
// catalogue, scaled up). Each page is loaded BENCH_RUNS times (default 5) in a fresh context; the
// median and the worst are printed. Target (issue 6): LCP under 1 s. A speed figure, so a
// benchmark and not a test: on a machine busy with other work it would fail for reasons that are
// not the portal's (tests/README.md).
import { type Browser } from 'playwright-core';
import { catalogue, chromiumAvailable, launch, serve, VISITOR_CHROMIUM } from '../tests/helpers/browser.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAGES = ['/fr/', '/ar/', '/fr/search?q=transparence+publics', `/ar/search?q=${encodeURIComponent('الشفافية')}`];

async function lcp(browser: Browser, url: string): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(url, { waitUntil: 'load' });
  const value = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        new PerformanceObserver((list) => {
          const entries = list.getEntries();
          resolve(entries[entries.length - 1]!.startTime);
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
  await context.close();
  return value;
}

if (!chromiumAvailable('visitor')) {
  console.error(`no browser at ${VISITOR_CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  process.exit(1);
}
const started = performance.now();
const server = await serve(catalogue(ITEMS));
console.log(`bench:pages: ${server.store.items.count()} items seeded in ${((performance.now() - started) / 1000).toFixed(1)} s; ${RUNS} loads per page`);
const browser = await launch('visitor');
let worst = 0;
try {
  await lcp(browser, `${server.url}/fr/`); // warm-up: templates compiled, caches filled
  for (const path of PAGES) {
    const values: number[] = [];
    for (let i = 0; i < RUNS; i++) values.push(await lcp(browser, `${server.url}${path}`));
    values.sort((a, b) => a - b);
    const median = values[Math.floor(values.length / 2)]!;
    worst = Math.max(worst, values.at(-1)!);
    console.log(`  ${path.padEnd(28)} LCP median ${median.toFixed(0).padStart(4)} ms, worst ${values.at(-1)!.toFixed(0).padStart(4)} ms`);
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`  target: LCP under 1000 ms on every load ${worst < 1000 ? 'MET' : 'MISSED'} (worst ${worst.toFixed(0)} ms)`);
