// Statistics as data in a real browser (issue 16): the statistics page and series pages (a line
// chart, a comparison, bars) in Arabic and French at 360 px and 1366 px wide: axe-core finds no
// WCAG 2.2 A/AA violation; one chart drawing shows, its labels are legible (at least 11 px) and
// none overlaps another or leaves the chart (rendered boxes); nothing scrolls sideways; time runs
// right to left in Arabic; and the comparison form works with JavaScript turned off.
import fs from 'node:fs';
import { type AddressInfo } from 'node:net';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { axe, launch, needBrowser } from '../helpers/browser.ts';
import { statsApp } from '../helpers/datasets.ts';
import { type TestApp } from '../helpers/app.ts';

needBrowser(t, 'the statistics page tests');

/** Where the screenshot goes when asked for (PORTAL_SCREENSHOTS=DIR, or `npm run screenshots:tests`). */
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS ? path.resolve(process.env.PORTAL_SCREENSHOTS) : undefined;

let bed: TestApp;
let url = '';
let browser: Browser;
t.before(async () => {
  bed = await statsApp();
  await bed.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(bed.app.server.address() as AddressInfo).port}`;
  browser = await launch();
});
t.teardown(async () => {
  await browser?.close();
  await bed?.close();
});

const PAGES = [
  ['statistics', '/statistics'],
  ['line', '/statistics/inpplc-reports-received'],
  ['compare', '/statistics/transparency-maroc-cpi-score?compare=Morocco&compare=Tunisia&compare=Spain&compare=France&compare=Jordan'],
  ['bars', '/statistics/pmp-corruption-cases-registered'],
] as const;

interface Layout {
  visible: string[];
  overlaps: string[];
  outside: string[];
  small: string[];
  overflow: number;
  labels: number;
}

/** The visible chart's text boxes as rendered: overlaps, boxes outside the chart, sizes. */
async function chartLayout(p: Page): Promise<Layout> {
  return p.evaluate(() => {
    const visible = [...document.querySelectorAll<SVGSVGElement>('svg.series-chart')].filter((s) => s.getBoundingClientRect().width > 0);
    const overlaps: string[] = [];
    const outside: string[] = [];
    const small: string[] = [];
    let labels = 0;
    for (const svg of visible) {
      const frame = svg.getBoundingClientRect();
      const boxes = [...svg.querySelectorAll('text')].map((text) => ({ text: text.textContent ?? '', box: text.getBoundingClientRect() }));
      labels += boxes.length;
      boxes.forEach((a, i) => {
        if (a.box.height < 11) small.push(`"${a.text}" ${a.box.height.toFixed(1)}px`);
        if (a.box.left < frame.left - 1 || a.box.right > frame.right + 1 || a.box.top < frame.top - 1 || a.box.bottom > frame.bottom + 1) outside.push(a.text);
        for (const b of boxes.slice(i + 1)) {
          const x = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
          const y = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
          if (x > 0.5 && y > 0.5) overlaps.push(`"${a.text}" × "${b.text}"`);
        }
      });
    }
    return { visible: visible.map((s) => s.getAttribute('class') ?? ''), overlaps, outside, small, overflow: document.documentElement.scrollWidth - window.innerWidth, labels };
  });
}

t.test('axe-clean and legible charts in Arabic and French, at 360 px and 1366 px', async (t) => {
  // Arabic and French side by side (one context each at a time): the browser checks one while the
  // server renders the other.
  const checkLanguage = async (lang: string) => {
    for (const [width, height] of [
      [360, 740],
      [1366, 900],
    ] as const) {
      const context = await browser.newContext({ viewport: { width, height }, bypassCSP: true, locale: lang === 'ar' ? 'ar-MA' : 'fr-MA' });
      const p = await context.newPage();
      for (const [name, route] of PAGES) {
        await p.goto(`${url}/${lang}${route}`);
        const where = `${lang} ${name} at ${width} px`;
        // The comparison is the line chart's page with other values: its layout is checked, axe once is enough.
        if (name !== 'compare') t.same(await axe(p), [], `${where}: no axe violation`);
        const layout = await chartLayout(p);
        t.ok(layout.overflow <= 0, `${where}: no horizontal scroll (${layout.overflow}px)`);
        if (name === 'statistics') continue;
        // The table's caption is read whole: it sat in the scrolling box, centred over the whole
        // table's width, and a phone showed its first words only (a citizen's walk).
        const caption = await p.evaluate(() => {
          // Where the caption is shown: above the table, or (as before) the table's own caption.
          const box = (document.querySelector('.table-caption') ?? document.querySelector('.series-table caption'))?.getBoundingClientRect();
          return box ? { left: box.left, right: box.right, visible: box.width > 0 } : undefined;
        });
        t.ok(caption?.visible && caption.left >= 0 && caption.right <= width, `${where}: the table's caption within the screen (${JSON.stringify(caption)})`);
        t.equal(layout.visible.length, 1, `${where}: one drawing shows`);
        t.match(layout.visible[0], width < 500 ? /series-chart-narrow/ : /series-chart-wide/, `${where}: the ${width < 500 ? 'phone' : 'wide'} drawing`);
        t.ok(layout.labels >= 5, `${where}: ${layout.labels} labels`);
        t.same(layout.overlaps, [], `${where}: no label overlaps another`);
        t.same(layout.outside, [], `${where}: every label inside the chart`);
        t.same(layout.small, [], `${where}: labels at least 11 px high`);
      }
      await context.close();
    }
  };
  await Promise.all(['ar', 'fr'].map(checkLanguage));
});

t.test('right to left as drawn: the oldest period on the right in Arabic, on the left in French', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const p = await context.newPage();
    await p.goto(`${url}/${lang}/statistics/inpplc-reports-received`);
    const periods = await p.locator('svg.series-chart-wide text.period').evaluateAll((texts) => texts.map((e) => ({ text: e.textContent!, x: e.getBoundingClientRect().left })));
    const sorted = [...periods].sort((a, b) => Number(a.text) - Number(b.text));
    const xs = sorted.map((s) => s.x);
    if (lang === 'ar') t.same([...xs].sort((a, b) => b - a), xs, 'ar: years run from right to left');
    else t.same([...xs].sort((a, b) => a - b), xs, 'fr: years run from left to right');
    const axis = await p.locator('svg.series-chart-wide text.tick').first().boundingBox();
    const plot = await p.locator('svg.series-chart-wide').boundingBox();
    t.ok(lang === 'ar' ? axis!.x > plot!.x + plot!.width / 2 : axis!.x < plot!.x + plot!.width / 2, `${lang}: the value axis on the ${lang === 'ar' ? 'right' : 'left'}`);
    await context.close();
  }
});

t.test('without JavaScript: the chart shows and the comparison form works', async (t) => {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, javaScriptEnabled: false });
  const p = await context.newPage();
  await p.goto(`${url}/fr/statistics/transparency-maroc-cpi-score`);
  t.equal(await p.locator('svg.series-chart-narrow').isVisible(), true);
  for (const box of await p.locator('input[name=compare]').all()) await box.uncheck();
  // Labelled in French (value_labels); the address carries the file's values.
  await p.getByLabel('Sénégal').check();
  await p.getByLabel('France').check();
  await Promise.all([p.waitForURL(/compare=Senegal/), p.getByRole('button', { name: 'Afficher' }).click()]);
  t.same((await p.locator('.series-legend li').allTextContents()).map((c) => c.trim()), ['Sénégal', 'France'], 'the chosen countries');
  t.same(await p.locator('.series-table thead th').allTextContents(), ['Période', 'Sénégal', 'France']);
  if (SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await p.screenshot({ path: path.join(SCREENSHOTS, 'series-fr-phone.png'), fullPage: false });
  }
  await context.close();
});
