// The online library's pages in a real browser: a course page and /{lang}/services with upcoming
// and past sessions are axe-clean (WCAG 2.2 A/AA) in Arabic and French, right to left in Arabic,
// without horizontal scrolling at 360 px; the item page's JSON-LD block raises no CSP report and
// the references are selectable in one click.
import { type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { SEED_ITEMS, type SeedItem } from '../helpers/app.ts';
import { axe, launch, needBrowser, serve, type Served } from '../helpers/browser.ts';

needBrowser(t, 'the page tests');

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

const TRAININGS: SeedItem[] = [
  {
    partner: 'beta',
    source: 'services',
    title: 'Formation : la commande publique responsable et les marchés des collectivités territoriales',
    section: 'services',
    docType: 'training',
    language: 'fr',
    publishedAt: day(-5),
    url: 'https://beta.example/formations/commande-publique-responsable-et-marches-des-collectivites-territoriales-2025',
    course: { startsOn: day(10), endsOn: day(12), format: 'hybrid', audience: 'Acheteurs publics des collectivités territoriales', language: 'fr', registrationUrl: 'https://beta.example/inscription/commande-publique-responsable', organiser: null, location: 'Rabat' },
  },
  {
    partner: 'beta',
    source: 'services',
    title: 'دورة تكوينية حول أخلاقيات المرفق العام والقانون رقم 31.13',
    section: 'services',
    docType: 'training',
    language: 'ar',
    publishedAt: day(-2),
    url: 'https://beta.example/formations/akhlaqiyat',
    course: { startsOn: day(20), endsOn: null, format: 'online', audience: 'موظفو الإدارات العمومية', language: 'ar', registrationUrl: 'https://beta.example/inscription/ethique', organiser: 'المعهد العالي للإدارة', location: null },
  },
  {
    partner: 'beta',
    source: 'services',
    title: 'Formation : les déclarations de patrimoine',
    section: 'services',
    docType: 'training',
    language: 'fr',
    publishedAt: day(-60),
    url: 'https://beta.example/formations/patrimoine',
    course: { startsOn: day(-30), endsOn: day(-29), format: 'in_person', audience: null, language: null, registrationUrl: null, organiser: null, location: 'Fès' },
  },
];

let server: Served;
let browser: Browser;
t.before(async () => {
  server = await serve([...SEED_ITEMS, ...TRAININGS]);
  browser = await launch();
});
t.teardown(async () => {
  await browser?.close();
  await server?.close();
});

const idOf = (start: string) => server.store.items.list({}, 1, 100).items.find((i) => i.title.startsWith(start))!.id;

async function page(options: { width?: number; lang?: string; bypassCSP?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, bypassCSP: options.bypassCSP ?? false, locale: options.lang === 'ar' ? 'ar-MA' : 'fr-MA' });
  return context.newPage();
}

t.test('course pages and the services page are axe-clean in Arabic and French, past sessions opened too', async (t) => {
  // Both languages side by side, each in its own context.
  const checkLanguage = async (lang: string) => {
    const p = await page({ lang, bypassCSP: true });
    for (const url of [`/${lang}/items/${idOf('Formation : la commande')}`, `/${lang}/items/${idOf('دورة تكوينية')}`, `/${lang}/items/${idOf('Rapport annuel')}`, `/${lang}/services`]) {
      await p.goto(`${server.url}${url}`);
      if (url.endsWith('/services')) {
        t.equal(await p.locator('.sessions > ol > li').count(), 2, `${lang}: two upcoming sessions`);
        await p.click('.past-sessions summary');
        t.ok(await p.locator('.past-sessions li').first().isVisible(), `${lang}: past sessions open without script`);
      }
      t.same(await axe(p), [], `${lang} ${url}`);
    }
    await p.context().close();
  };
  await Promise.all(['ar', 'fr'].map(checkLanguage));
});

t.test('right to left in Arabic: the course block mirrors, French names and numbers stay in order', async (t) => {
  const p = await page({ lang: 'ar' });
  await p.goto(`${server.url}/ar/items/${idOf('Formation : la commande')}`);
  const layout = await p.evaluate(() => {
    const course = document.querySelector('.course')!;
    const dt = course.querySelector('dt')!.getBoundingClientRect();
    const dd = course.querySelector('dd')!.getBoundingClientRect();
    return { direction: getComputedStyle(course).direction, termRightOfValue: dt.left > dd.left, isolated: [...course.querySelectorAll('dd bdi')].map((b) => b.textContent) };
  });
  t.equal(layout.direction, 'rtl');
  t.ok(layout.termRightOfValue, 'the label is to the right of its value');
  t.same(layout.isolated, ['وزارة بيتا', 'Rabat', 'Acheteurs publics des collectivités territoriales'], 'organiser, place and audience isolated in <bdi> (French text in an Arabic page)');
  t.match(await p.locator('.course').innerText(), /من \d{1,2} \S+ \d{4} إلى \d{1,2} \S+ \d{4}/, 'dates in Latin digits, in reading order');
  await p.context().close();
});

t.test('phones at 360 px: no horizontal scrolling, even with long titles and addresses', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ width: 360, lang });
    for (const url of [`/${lang}/items/${idOf('Formation : la commande')}`, `/${lang}/items/${idOf('Rapport annuel')}/text`, `/${lang}/services`]) {
      await p.goto(`${server.url}${url}`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      t.ok(overflow <= 0, `${lang} ${url}: ${overflow} px of horizontal scroll`);
      // The trail takes one line, its links wide enough to tap: an item's whole title wrapped over
      // several lines there, above the same title as h1 (a citizen's walk).
      const trail = await p.evaluate(() => {
        const nav = document.querySelector('.breadcrumbs')!;
        const links = [...nav.querySelectorAll('a, span[aria-current]')].map((e) => e.getBoundingClientRect());
        // The section's crumb (second of three or more) is read whole; only the titles are cut.
        const crumbs = [...nav.querySelectorAll('li > a, li > span')];
        const section = crumbs.length >= 3 ? crumbs[1]! : undefined;
        return {
          lines: new Set(links.map((r) => Math.round(r.top))).size,
          narrowest: Math.min(...links.map((r) => r.width)),
          right: Math.max(...links.map((r) => r.right)),
          left: Math.min(...links.map((r) => r.left)),
          sectionCut: section ? section.scrollWidth > section.clientWidth : false,
        };
      });
      t.equal(trail.sectionCut, false, `${lang} ${url}: the section's crumb whole`);
      t.equal(trail.lines, 1, `${lang} ${url}: the trail on one line`);
      t.ok(trail.narrowest >= 24 && trail.left >= 0 && trail.right <= 360, `${lang} ${url}: every crumb on screen and at least 24 px wide (${JSON.stringify(trail)})`);
    }
    await p.context().close();
  }
});

t.test('the JSON-LD block trips no CSP report; a reference is selected in one click', async (t) => {
  const p = await page({ lang: 'fr' });
  const reports: string[] = [];
  p.on('console', (message) => {
    if (message.type() === 'error') reports.push(message.text());
  });
  await p.goto(`${server.url}/fr/items/${idOf('Formation : la commande')}`);
  t.equal(await p.locator('script[type="application/ld+json"]').count(), 1);
  t.same(reports, [], 'no Content-Security-Policy complaint, no error');
  t.equal(await p.evaluate(() => getComputedStyle(document.querySelector('.citation-text')!).userSelect), 'all');
  await p.click('.citation-text >> nth=0');
  const selected = await p.evaluate(() => String(window.getSelection()));
  t.match(selected, /^Ministère Beta\. \(\d{4}\)\. Formation : la commande publique/, 'one click selects the whole APA reference');
  await p.context().close();
});
