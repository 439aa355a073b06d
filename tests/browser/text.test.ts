// A document's text (/{lang}/items/{id}/text) in a real browser: axe-clean (WCAG 2.2 A/AA) in
// Arabic and French, with a search in it too; each page in its own direction (an Arabic page
// right to left in the French interface, a French page left to right in the Arabic one, the
// pages' headings in the interface's); recognised pages marked; no horizontal scrolling at 360 px,
// even with an address of 200 characters in the text.
import { type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { SEED_ITEMS } from '../helpers/app.ts';
import { axe, launch, needBrowser, serve, type Served } from '../helpers/browser.ts';
import { addPaged, recognise } from '../helpers/texts.ts';

needBrowser(t, 'the page tests');

let server: Served;
let browser: Browser;
let bilingual: string;
let scan: string;
t.before(async () => {
  server = await serve(SEED_ITEMS);
  const base = { partner: 'alpha', source: 'reports', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2024-05-02' } as const;
  const [a, b] = addPaged(server.store, [
    {
      seed: { ...base, title: 'Rapport bilingue sur la probité et les marchés publics des collectivités territoriales', url: 'https://alpha.example/docs/bilingue' },
      pages: [
        "Rapport sur l'évaluation des risques de corruption dans les marchés publics.\nPremière ligne de la liste.\n\nAdresse : https://alpha.example/publications/rapports/2024/evaluation-des-risques-de-corruption-dans-les-marches-publics-des-collectivites-territoriales-version-definitive-adoptee-par-le-conseil.pdf",
        'التقرير حول الرشوة في الإدارة العمومية والقانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات، الصادر سنة 2015.',
        ...Array.from({ length: 12 }, (_, i) => `Page ${i + 3} : suite du rapport sur la probité.`),
      ],
    },
    {
      seed: { ...base, title: 'وثيقة ممسوحة ضوئيا', language: 'ar', url: 'https://alpha.example/docs/scan', scanned: true },
      pages: ['', ''],
      fileHash: 'b'.repeat(64),
      ocrPages: [1, 2],
    },
  ]);
  recognise(server.store, 'b'.repeat(64), [
    { page: 1, text: 'نص تم التعرف عليه آليا حول الحكامة الترابية والرشوة.', language: 'ar' },
    { page: 2, text: 'Texte reconnu : les marchés publics.', language: 'fr' },
  ]);
  server.app.renderer.cache.clear();
  bilingual = a!.id;
  scan = b!.id;
  browser = await launch();
});
t.teardown(async () => {
  await browser?.close();
  await server?.close();
});

async function page(options: { width?: number; lang?: string; bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, bypassCSP: options.bypassCSP ?? false, locale: options.lang === 'ar' ? 'ar-MA' : 'fr-MA' });
  return context.newPage();
}

t.test('the text view is axe-clean in Arabic and French, with a search in it and recognised pages', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ lang, bypassCSP: true });
    for (const url of [`/${lang}/items/${bilingual}/text`, `/${lang}/items/${bilingual}/text?q=${encodeURIComponent('probité الرشوة')}`, `/${lang}/items/${scan}/text`, `/${lang}/items/${bilingual}/text?page=2`]) {
      await p.goto(`${server.url}${url}`);
      t.ok((await p.locator('[data-page]').count()) > 0, `${lang} ${url}: pages shown`);
      t.same(await axe(p), [], `${lang} ${url}`);
    }
    await p.context().close();
  }
});

t.test('each page in its own direction; headings in the interface\'s', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ lang });
    await p.goto(`${server.url}/${lang}/items/${bilingual}/text`);
    const layout = await p.evaluate(() => {
      const pageOf = (n: number) => document.querySelector(`[data-page="${n}"]`)!;
      const box = (e: Element) => e.getBoundingClientRect();
      const body = (n: number) => pageOf(n).querySelector('.text-page-body p')!;
      // Where the first line lies: an Arabic paragraph hugs the right edge, a French one the left.
      const firstLine = (e: Element) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        const rects = [...r.getClientRects()];
        const top = Math.min(...rects.map((x) => x.top));
        const line = rects.filter((x) => x.top < top + 4);
        return { left: Math.min(...line.map((x) => x.left)), right: Math.max(...line.map((x) => x.right)) };
      };
      const range = firstLine;
      return {
        french: getComputedStyle(pageOf(1)).direction,
        arabic: getComputedStyle(pageOf(2)).direction,
        heading: getComputedStyle(pageOf(2).querySelector('h2')!).direction,
        frenchStartsLeft: Math.abs(range(body(1)).left - box(body(1)).left) < 2,
        arabicStartsRight: Math.abs(range(body(2)).right - box(body(2)).right) < 2,
        law: body(2).textContent!.includes('31.13'),
      };
    });
    t.equal(layout.french, 'ltr', `${lang}: the French page reads left to right`);
    t.equal(layout.arabic, 'rtl', `${lang}: the Arabic page reads right to left`);
    t.equal(layout.heading, lang === 'ar' ? 'rtl' : 'ltr', `${lang}: page headings follow the interface`);
    t.ok(layout.frenchStartsLeft, `${lang}: French lines start on the left`);
    t.ok(layout.arabicStartsRight, `${lang}: Arabic lines start on the right`);
    t.ok(layout.law, 'the law number kept in the Arabic text');
    await p.context().close();
  }
  const p = await page({ lang: 'fr' });
  await p.goto(`${server.url}/fr/items/${scan}/text`);
  t.equal(await p.locator('.text-ocr-note').count(), 2, 'recognised pages are marked');
  t.ok(await p.locator('.text-ocr-note').first().isVisible());
  t.equal(await p.locator('[data-page="1"]').evaluate((e) => getComputedStyle(e).direction), 'rtl', 'a page OCR read as Arabic');
  t.equal(await p.locator('[data-page="2"]').evaluate((e) => getComputedStyle(e).direction), 'ltr', 'a page OCR read as French');
  await p.context().close();
});

t.test('phones at 360 px: no horizontal scrolling, the find box and the pages\' links usable', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ width: 360, lang });
    for (const url of [`/${lang}/items/${bilingual}/text?q=${encodeURIComponent('marchés')}`, `/${lang}/items/${scan}/text`]) {
      await p.goto(`${server.url}${url}`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      t.ok(overflow <= 0, `${lang} ${url}: ${overflow} px of horizontal scroll`);
    }
    await p.goto(`${server.url}/${lang}/items/${bilingual}/text`);
    const find = await p.locator('#text-q').boundingBox();
    t.ok(find && find.width > 150, `${lang}: the find box is wide enough to type in`);
    await p.fill('#text-q', 'probité');
    await p.press('#text-q', 'Enter');
    await p.waitForURL(/q=probit/);
    t.ok((await p.locator('mark').count()) > 0, `${lang}: found without JavaScript (a form)`);
    await p.context().close();
  }
});

t.test('search passages: axe-clean in Arabic and French, an Arabic passage right to left, p. N leads to the page', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ lang, bypassCSP: true });
    for (const url of [`/${lang}/search?q=${encodeURIComponent('الرشوة')}`, `/${lang}/items/${bilingual}?q=${encodeURIComponent('الرشوة probité')}`]) {
      await p.goto(`${server.url}${url}`);
      t.ok((await p.locator('.snippet mark').count()) > 0, `${lang} ${url}: passages shown, the words marked`);
      t.same(await axe(p), [], `${lang} ${url}`);
    }
    await p.goto(`${server.url}/${lang}/search?q=${encodeURIComponent('الرشوة')}`);
    const card = p.locator('.item-card', { hasText: 'Rapport bilingue' });
    const passage = card.locator('.snippet');
    t.equal(await passage.evaluate((e) => getComputedStyle(e).direction), 'rtl', `${lang}: the Arabic page's passage reads right to left`);
    t.equal(await passage.getAttribute('lang'), 'ar');
    // Its first line hugs the right edge of its box.
    t.ok(
      await passage.evaluate((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        const rects = [...r.getClientRects()];
        const top = Math.min(...rects.map((x) => x.top));
        return Math.abs(Math.max(...rects.filter((x) => x.top < top + 4).map((x) => x.right)) - e.getBoundingClientRect().right) < 2;
      }),
      `${lang}: its first line starts on the right`,
    );
    await card.locator('a.passage-page').click();
    await p.waitForURL(/\/text\?q=.*#page-2$/);
    t.ok(await p.locator('section[data-page="2"] mark').first().isVisible(), `${lang}: p. N leads to that page, the word marked and in view`);
    await p.context().close();
  }
  const p = await page({ width: 360, lang: 'ar' });
  for (const url of [`/ar/search?q=${encodeURIComponent('الرشوة')}`, `/ar/items/${bilingual}?q=${encodeURIComponent('probité')}`]) {
    await p.goto(`${server.url}${url}`);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    t.ok(overflow <= 0, `360 px ${url}: ${overflow} px of horizontal scroll`);
  }
  await p.context().close();
});
