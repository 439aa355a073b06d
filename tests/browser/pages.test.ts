// The portal in a real browser (Debian's chromium headless shell through playwright-core) against a real server
// over a seeded 2,000-item catalogue: axe-core (WCAG 2.2 A and AA) on every page type in Arabic
// and French, keyboard-only use, right-to-left mirroring with numbers kept in order, phones at
// 360×740; screenshots of the main pages when asked (PORTAL_SCREENSHOTS=DIR, or
// `npm run screenshots:tests`). Largest Contentful Paint is a speed figure: `npm run bench:pages`.
import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import t from 'tap';
import { seed, type SeedItem } from '../helpers/app.ts';
import { ADMIN, axe, axeViolations, catalogue, launch, needBrowser, serve, type Served } from '../helpers/browser.ts';

needBrowser(t, 'the page tests');

/** Where the screenshots go when asked for; the tests never rewrite tracked files otherwise. */
const SCREENSHOTS = process.env.PORTAL_SCREENSHOTS ? path.resolve(process.env.PORTAL_SCREENSHOTS) : undefined;

let server: Served;
let browser: Browser;
let itemId = '';
let arabicLawItem = '';

t.before(async () => {
  // Issue 14's search pages: a partner's same-titled documents (folded into one result) and rare
  // misspellings in titles (a "did you mean"), within the 2,000 items.
  server = await serve(catalogue(2_000 - 28));
  const extra = (title: string, language: 'ar' | 'fr', i: number): SeedItem => ({ partner: 'beta', source: 'stats', section: 'statistics', docType: 'national_statistics', title, language, publishedAt: `2026-${String((i % 12) + 1).padStart(2, '0')}-0${1 + (i % 9)}`, url: `https://beta.example/stats/issue-14-${language}-${i}-${encodeURIComponent(title)}` });
  seed(server.store, [
    ...Array.from({ length: 12 }, (_, i) => extra('Bulletin statistique 2026', 'fr', i)),
    ...Array.from({ length: 12 }, (_, i) => extra('النشرة الإحصائية 2026', 'ar', i)),
    extra('Note sur la corrupton des agents', 'fr', 1),
    extra('مؤشرات الفساد الإداري', 'ar', 2),
    extra('الفساد في الصفقات', 'ar', 3),
    extra('المال الفاسد', 'ar', 4),
  ]);
  t.equal(server.store.items.count(), 2_000, 'the 28 added');
  browser = await launch();
  itemId = server.store.items.list({ section: 'publications', language: 'fr' }, 1, 1).items[0]!.id;
  arabicLawItem = server.store.items.list({ docType: 'legal_text' }, 1, 20).items.find((i) => i.title.includes('31.13'))!.id;
  server.store.suggestions.add({ language: 'ar', pageRef: null, topic: null, message: 'متى تنشر تقارير 2010؟', name: null, email: null }, new Date().toISOString());
  const [answered] = server.store.suggestions.list().items;
  server.store.suggestions.answer(answered!.id, 'نشرت في باب المنشورات.', true, ADMIN.name, new Date().toISOString());
  // A year of visits, so the indicators chart has bars of every length.
  const visits = Array.from({ length: 120 }, (_, i) => ({ day: new Date(Date.now() - i * 3 * 86_400_000).toISOString().slice(0, 10), pathGroup: 'home', language: 'ar', count: 40 + ((i * 37) % 400) }));
  server.store.stats.addVisits(visits);
});
t.teardown(async () => {
  await browser?.close();
  await server?.close();
});

async function page(options: { width?: number; height?: number; bypassCSP?: boolean; lang?: string; javaScript?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    bypassCSP: options.bypassCSP ?? false,
    locale: options.lang === 'ar' ? 'ar-MA' : 'fr-MA',
    javaScriptEnabled: options.javaScript ?? true,
  });
  return context.newPage();
}

async function signIn(p: Page): Promise<void> {
  await p.goto(`${server.url}/admin/login`);
  await p.fill('#login-name', ADMIN.name);
  await p.fill('#login-password', ADMIN.password);
  await Promise.all([p.waitForURL(/\/admin\/freshness/), p.click('form.login-form button[type=submit]')]);
}

const PUBLIC_PAGES = (lang: string) => [
  ['home', `/${lang}/`],
  ['publications', `/${lang}/publications`],
  ['statistics', `/${lang}/statistics`],
  ['news', `/${lang}/news`],
  ['media', `/${lang}/media`],
  ['services', `/${lang}/services`],
  ['search with results', `/${lang}/search?q=${encodeURIComponent(lang === 'ar' ? 'النزاهة' : 'transparence')}`],
  ['search without results', `/${lang}/search?q=zzzqqqxxx`],
  // Issue 14: a corrected query, a "did you mean", folded results.
  ['search corrected', `/${lang}/search?q=${encodeURIComponent(lang === 'ar' ? 'النزهة' : 'corupption')}`],
  ['search with a suggestion', `/${lang}/search?q=${encodeURIComponent(lang === 'ar' ? 'الفاسد' : 'corrupton')}`],
  ['search with folded results', `/${lang}/search?q=${encodeURIComponent(lang === 'ar' ? 'النشرة الإحصائية' : 'bulletin statistique')}`],
  ['item', `/${lang}/items/${itemId}`],
  ['partners', `/${lang}/partners`],
  ['partner', `/${lang}/partners/alpha`],
  ['claims', `/${lang}/claims`],
  ['directory', `/${lang}/directory`],
  ['suggestions', `/${lang}/suggestions`],
  ['indicators', `/${lang}/indicators`],
  ['not found', `/${lang}/nowhere`],
];

t.test('axe-core finds no WCAG 2.2 A/AA violation on any page type, in Arabic and French', async (t) => {
  // The two languages side by side, each in its own context (its own session): the browser checks
  // one while the server renders the other.
  const checkLanguage = async (lang: string) => {
    const p = await page({ bypassCSP: true, lang });
    // Issue 14: the correction, the suggestion and the folded result are there, and right to left in Arabic.
    const shown: Record<string, string> = { 'search corrected': '.search-correction', 'search with a suggestion': '.search-suggestion', 'search with folded results': '.item-folded' };
    const checked: string[] = [];
    for (const [name, url] of PUBLIC_PAGES(lang)) {
      await p.goto(`${server.url}${url}`);
      t.same(await axe(p), [], `${lang} ${name}`);
      const selector = shown[name!];
      if (!selector) continue;
      const direction = await p.locator(selector).first().evaluate((e) => getComputedStyle(e).direction);
      t.equal(direction, lang === 'ar' ? 'rtl' : 'ltr', `${lang} ${name}: ${selector} shown, ${lang === 'ar' ? 'right to left' : 'left to right'}`);
      checked.push(name!);
    }
    t.same(checked.sort(), Object.keys(shown).sort(), `${lang}: the three issue-14 notices were checked`);
    // The suggestions form showing a validation error.
    await p.goto(`${server.url}/${lang}/suggestions`);
    await p.fill('#field-message', 'court');
    await p.fill('#field-email', 'pas-une-adresse');
    await Promise.all([p.waitForLoadState('load'), p.click('form.suggestion-form button[type=submit]')]);
    t.equal(await p.locator('.error-summary').count(), 1, 'the error is shown');
    t.same((await axeViolations(p)).map((v) => v.id), [], `${lang} suggestions with a validation error`);
    // The admin area: sign-in page, then the freshness report.
    await p.goto(`${server.url}/admin/login?lang=${lang}`);
    t.same((await axeViolations(p)).map((v) => v.id), [], `${lang} admin login`);
    await signIn(p);
    await p.goto(`${server.url}/admin/freshness?lang=${lang}`);
    t.same((await axeViolations(p)).map((v) => v.id), [], `${lang} admin freshness`);
    await p.goto(`${server.url}/admin/suggestions?lang=${lang}`);
    t.same((await axeViolations(p)).map((v) => v.id), [], `${lang} admin suggestions`);
    await p.context().close();
  };
  await Promise.all(['ar', 'fr'].map(checkLanguage));
});

t.test("a partner's focal point deposits a PDF through the form, an administrator approves it: axe-clean in ar and fr, and at 360 px", async (t) => {
  const { hashPassword } = await import('../../publisher/admin/passwords.ts');
  const { makePdf } = await import('../../demo/pdf.ts');
  server.store.users.add('samira', 'partner', await hashPassword(ADMIN.password), new Date().toISOString(), 'alpha');
  const file = path.join(fs.mkdtempSync(path.join((await import('node:os')).tmpdir(), 'portal-upload-')), 'rapport-2025.pdf');
  fs.writeFileSync(file, await makePdf({ title: 'Rapport 2025', pages: ['Rapport 2025 de l’Instance Alpha', 'تقرير سنة 2025'] }));
  const focal = await page({ width: 360, height: 740, lang: 'ar' });
  await focal.goto(`${server.url}/admin/login?lang=ar`);
  await focal.fill('#login-name', 'samira');
  await focal.fill('#login-password', ADMIN.password);
  await Promise.all([focal.waitForURL(/\/admin\/partner$/), focal.click('form.login-form button[type=submit]')]);
  // The form in a real browser, without any script: fields, a date, the file.
  await focal.goto(`${server.url}/admin/partner/deposits/new?lang=ar`);
  t.ok(await focal.evaluate(() => document.documentElement.scrollWidth <= 360), 'the deposit form fits a 360 px phone');
  await focal.fill('#title-ar', 'تقرير سنة 2025');
  await focal.fill('#title-fr', 'Rapport 2025');
  await focal.selectOption('#type', 'publications/report');
  await focal.selectOption('#language', 'ar');
  await focal.fill('#date', '2025-06-30');
  await focal.setInputFiles('#file', file);
  await Promise.all([focal.waitForURL(/\/admin\/partner\/deposits\/[0-9a-f]{12}\?notice=submitted/), focal.click('form.deposit-form button[type=submit]')]);
  const depositUrl = focal.url().split('?')[0]!;
  const id = depositUrl.split('/').pop()!;
  t.equal(server.store.deposits.get(id)?.latest.pages, 2, 'the PDF went through the upload and the extraction');
  // Every page in Arabic (right to left, the harder case on a phone); the forms in French too.
  const focalPages = ['/admin/partner', '/admin/partner/items', '/admin/partner/deposits', '/admin/partner/deposits/new', `/admin/partner/deposits/${id}`];
  for (const [lang, urls] of [['ar', focalPages], ['fr', focalPages.slice(3)]] as const) {
    for (const url of urls) {
      await focal.goto(`${server.url}${url}?lang=${lang}`);
      t.same(await axe(focal), [], `${lang} ${url} (360 px)`);
      t.ok(await focal.evaluate(() => document.documentElement.scrollWidth <= 360), `${lang} ${url}: no sideways scrolling at 360 px`);
    }
  }
  await focal.context().close();
  const admin = await page({ lang: 'fr' });
  await signIn(admin);
  for (const [lang, urls] of [['fr', ['/admin/deposits', `/admin/deposits/${id}`, '/admin/users', '/admin/reminders']], ['ar', [`/admin/deposits/${id}`]]] as const) {
    for (const url of urls) {
      await admin.goto(`${server.url}${url}?lang=${lang}`);
      t.same(await axe(admin), [], `${lang} ${url}`);
    }
  }
  await admin.goto(`${server.url}/admin/deposits/${id}?lang=fr`);
  await Promise.all([admin.waitForURL(/notice=approved/), admin.click('form.inline-form button[type=submit]')]);
  const itemId = server.store.deposits.get(id)!.item_id!;
  await admin.goto(`${server.url}/ar/items/${itemId}`);
  t.match(await admin.locator('.provenance').innerText(), /أُودعت من طرف/, 'the public page says who deposited it');
  t.same(await axe(admin), [], 'ar item page of a deposit');
  await admin.context().close();
  // Withdrawn again: the other tests count the seeded catalogue.
  server.store.deposits.withdraw(id, 'alpha', 'samira', new Date().toISOString());
  server.app.renderer.cache.clear();
});

t.test('the Content-Security-Policy holds in the browser: an injected inline script does not run', async (t) => {
  for (const url of ['/fr/', `/ar/items/${itemId}`, '/fr/suggestions']) {
    const p = await page();
    await p.goto(`${server.url}${url}`);
    // Settled without a timer: once the image has failed (its inline handler would have run by
    // then) and either a script-src violation was reported or something ran.
    const outcome = await p.evaluate(
      () =>
        new Promise<{ ran: boolean; violation: string }>((resolve) => {
          const flags = window as unknown as { __injected?: boolean; __handler?: boolean };
          let violation = '';
          let imageFailed = false;
          const ran = () => Boolean(flags.__injected || flags.__handler);
          const settle = () => {
            if (imageFailed && (violation || ran())) resolve({ ran: ran(), violation });
          };
          document.addEventListener('securitypolicyviolation', (event) => {
            if (/^script-src/.test(event.violatedDirective)) violation ||= event.violatedDirective;
            settle();
          });
          const script = document.createElement('script');
          script.textContent = 'window.__injected = true;';
          document.body.append(script);
          const img = document.createElement('img');
          img.setAttribute('onerror', 'window.__handler = true');
          img.addEventListener('error', () => {
            imageFailed = true;
            settle();
          });
          img.setAttribute('src', 'data:,');
          document.body.append(img);
        }),
    );
    t.notOk(outcome.ran, `${url}: neither the inline script nor the event handler ran`);
    t.match(outcome.violation, /script-src/, `${url}: the browser reported the violation (${outcome.violation})`);
    await p.context().close();
  }
});

t.test('keyboard only: skip link, visible focus, no trap, the suggestion form', async (t) => {
  const p = await page();
  await p.goto(`${server.url}/fr/`);
  await p.keyboard.press('Tab');
  t.equal(await p.evaluate(() => document.activeElement?.className), 'skip-link', 'the first stop is the skip link');
  t.ok(await p.evaluate(() => (document.activeElement as HTMLElement).getBoundingClientRect().top >= 0), 'and it shows when focused');
  await p.keyboard.press('Enter');
  t.equal(await p.evaluate(() => document.activeElement?.id), 'main', 'Enter moves to the content');
  // Tab through the whole page: focus keeps moving, every stop has a visible indicator, and it
  // comes back around to the top (no trap).
  await p.goto(`${server.url}/fr/suggestions`);
  const seen: string[] = [];
  let invisible = 0;
  for (let i = 0; i < 80; i++) {
    await p.keyboard.press('Tab');
    const info = await p.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const style = getComputedStyle(el);
      const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      return { key: `${el.tagName}#${el.id}.${el.className}:${el.textContent?.trim().slice(0, 20)}`, outlined };
    });
    if (!info) continue;
    seen.push(info.key);
    if (!info.outlined) invisible++;
  }
  t.ok(new Set(seen).size > 20, `${new Set(seen).size} different stops`);
  t.equal(invisible, 0, 'every focused element shows an outline');
  t.ok(seen.filter((k) => k.includes('skip-link')).length >= 2, 'focus went round the page and back to the start');
  // The form by its labels only.
  await p.goto(`${server.url}/fr/suggestions`);
  await p.getByLabel('Votre message').fill('Merci pour ce portail, très utile.');
  await p.getByLabel('Votre courriel').fill('mauvais');
  await p.getByLabel('Votre courriel').press('Enter');
  await p.waitForLoadState('load');
  const email = p.getByLabel('Votre courriel');
  t.equal(await email.getAttribute('aria-invalid'), 'true');
  const described = (await email.getAttribute('aria-describedby'))!.split(' ');
  const texts = await Promise.all(described.map((id) => p.locator(`#${id}`).textContent()));
  t.match(texts.join(' '), /courriel n'est pas valide/, 'the error is tied to its field');
  t.equal(await p.getByLabel('Votre message').inputValue(), 'Merci pour ce portail, très utile.', 'what was typed is kept');
  await p.context().close();
});

t.test('right-to-left: the layout mirrors; numbers and Latin words keep their order', async (t) => {
  const p = await page({ lang: 'ar' });
  await p.goto(`${server.url}/ar/news?page=2`);
  const navX = await p.locator('.main-nav a').evaluateAll((links) => links.slice(0, 4).map((a) => a.getBoundingClientRect().left));
  t.ok(navX[0]! > navX[1]! && navX[1]! > navX[2]!, 'navigation runs right to left');
  const previous = await p.locator('a.page-prev').boundingBox();
  const next = await p.locator('a.page-next').boundingBox();
  t.ok(previous!.x > next!.x, '"previous" is on the right, "next" on the left');
  const arrows = await p.locator('.pagination .arrow').evaluateAll((spans) => spans.map((s) => getComputedStyle(s).transform));
  t.ok(arrows.every((a) => a !== 'none'), 'the arrows are mirrored');
  const crumbs = await p.locator('.breadcrumbs li').evaluateAll((items) => items.map((li) => li.getBoundingClientRect().left));
  t.ok(crumbs[0]! > crumbs[1]!, 'breadcrumbs run right to left');
  // "القانون رقم 31.13 …": the law number reads 3, 1, ., 1, 3 from left to right, and sits to the
  // left of the Arabic words before it, as rendered (not only as attributes say).
  await p.goto(`${server.url}/ar/items/${arabicLawItem}`);
  const layout = await p.evaluate(() => {
    const h1 = document.querySelector('h1')!;
    const node = h1.firstChild as Text;
    const text = node.data;
    const at = text.indexOf('31.13');
    const x = (i: number) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect().left;
    };
    const word = text.indexOf('رقم');
    return { digits: [0, 1, 2, 3, 4].map((k) => x(at + k)), word: x(word), dir: getComputedStyle(h1).direction };
  });
  t.equal(layout.dir, 'rtl');
  t.same([...layout.digits].sort((a, b) => a - b), layout.digits, '31.13 is drawn left to right');
  t.ok(layout.word > layout.digits[4]!, 'the Arabic word before it is to its right');
  // A French title on an Arabic page keeps its own direction.
  await p.goto(`${server.url}/ar/search?q=transparence`);
  t.equal(await p.locator('.item-title a').first().evaluate((a) => getComputedStyle(a).direction), 'ltr');
  await p.context().close();
});

t.test('phones at 360×740: no horizontal scrolling, tap targets of 24×24 px, readable text', async (t) => {
  for (const lang of ['ar', 'fr']) {
    const p = await page({ width: 360, height: 740, lang });
    for (const [name, url] of PUBLIC_PAGES(lang)) {
      await p.goto(`${server.url}${url}`);
      const report = await p.evaluate(() => {
        const overflow = document.documentElement.scrollWidth - window.innerWidth;
        const small: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('a, button, input, select, textarea, summary')) {
          const box = el.getBoundingClientRect();
          const style = getComputedStyle(el);
          if (box.width === 0 || style.visibility === 'hidden' || el.closest('.honeypot, .visually-hidden')) continue;
          if (el.matches('.skip-link')) continue;
          // WCAG 2.5.8 exempts links inside a sentence.
          const inline = el.tagName === 'A' && el.parentElement?.tagName === 'P' && (el.parentElement.textContent?.trim().length ?? 0) > (el.textContent?.trim().length ?? 0) + 2;
          if (!inline && (box.width < 24 || box.height < 24)) small.push(`${el.tagName} "${el.textContent?.trim().slice(0, 20)}" ${Math.round(box.width)}×${Math.round(box.height)}`);
        }
        const tiny: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('body *')) {
          if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent!.trim())) continue;
          if (el.closest('svg, .honeypot, .visually-hidden')) continue;
          const size = parseFloat(getComputedStyle(el).fontSize);
          if (size < 14) tiny.push(`${el.tagName} ${size}px`);
        }
        return { overflow, small: small.slice(0, 5), tiny: tiny.slice(0, 5) };
      });
      t.ok(report.overflow <= 0, `${lang} ${name}: no horizontal scroll (${report.overflow}px)`);
      t.same(report.small, [], `${lang} ${name}: tap targets ≥ 24×24`);
      t.same(report.tiny, [], `${lang} ${name}: text ≥ 14px`);
    }
    await p.context().close();
  }
});

/** Labels and values of the SVG charts on the page: overlaps, size of the text as drawn, and whether all of it is inside the chart. */
async function chartLayout(p: Page) {
  return p.evaluate(() =>
    [...document.querySelectorAll<SVGSVGElement>('svg.chart')].map((svg) => {
      const frame = svg.getBoundingClientRect();
      const texts = [...svg.querySelectorAll<SVGTextElement>('text')].map((el) => ({ box: el.getBoundingClientRect(), text: el.textContent ?? '', cls: el.getAttribute('class') }));
      const overlaps: string[] = [];
      for (let i = 0; i < texts.length; i++) {
        for (let j = i + 1; j < texts.length; j++) {
          const a = texts[i]!.box;
          const b = texts[j]!.box;
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) overlaps.push(`${texts[i]!.text} / ${texts[j]!.text}`);
        }
      }
      const outside = texts.filter(({ box }) => box.left < frame.left - 0.5 || box.right > frame.right + 0.5 || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5).map((x) => x.text);
      const fontPx = (15 * frame.width) / svg.viewBox.baseVal.width;
      const labels = texts.filter((x) => x.cls === 'label');
      const bars = [...svg.querySelectorAll('rect.bar')].map((r) => r.getBoundingClientRect());
      // Which side of its bar the first label is on.
      const labelSide = bars.length && labels.length ? (labels[0]!.box.left >= bars[0]!.right - 0.5 ? 'right' : labels[0]!.box.right <= bars[0]!.left + 0.5 ? 'left' : 'over') : 'none';
      return { labels: labels.length, overlaps, outside, fontPx, labelSide, overflow: document.documentElement.scrollWidth - window.innerWidth };
    }),
  );
}

t.test('charts: every month labelled, no label over another, text legible at 1366 and 360 px, mirrored in Arabic (issue 14)', async (t) => {
  for (const lang of ['ar', 'fr']) {
    for (const [width, min, max] of [
      [1366, 14, 22],
      [360, 12.5, 16],
    ] as const) {
      const p = await page({ width, height: 800, lang });
      await p.goto(`${server.url}/${lang}/indicators`);
      const [chart] = await chartLayout(p);
      t.equal(chart!.labels, 12, `${lang} ${width}: twelve months labelled`);
      t.same(chart!.overlaps, [], `${lang} ${width}: no text over another`);
      t.same(chart!.outside, [], `${lang} ${width}: all text inside the chart`);
      t.ok(chart!.fontPx >= min && chart!.fontPx <= max, `${lang} ${width}: text drawn at ${chart!.fontPx.toFixed(1)} px`);
      t.equal(chart!.labelSide, lang === 'ar' ? 'right' : 'left', `${lang}: labels on the ${lang === 'ar' ? 'right' : 'left'} of the bars`);
      t.ok(chart!.overflow <= 0, `${lang} ${width}: no sideways scroll`);
      t.equal(await p.locator('.chart-pair table th[scope=col]').first().textContent(), lang === 'ar' ? 'الشهر' : 'Mois');
      await p.context().close();
    }
  }
});

t.test('phones without JavaScript: every section from the menu, filters folded so the first result shows, the search hint whole and right to left in Arabic (issue 14)', async (t) => {
  for (const lang of ['ar', 'fr', 'en']) {
    const p = await page({ width: 360, height: 740, lang, javaScript: false });
    await p.goto(`${server.url}/${lang}/publications`);
    t.notOk(await p.locator('.main-nav').isVisible(), `${lang}: no sideways-scrolling row of sections`);
    const hint = await p.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('#site-search')!;
      const style = getComputedStyle(input);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return { direction: style.direction, text: input.placeholder, needed: context.measureText(input.placeholder).width, room };
    });
    t.equal(hint.direction, lang === 'ar' ? 'rtl' : 'ltr', `${lang}: the empty search box runs ${lang === 'ar' ? 'right to left' : 'left to right'}`);
    // With a margin: another phone's font may be a little wider.
    t.ok(hint.needed + 8 <= hint.room, `${lang}: "${hint.text}" needs ${hint.needed.toFixed(0)} px of ${hint.room.toFixed(0)}`);
    if (lang === 'en') {
      await p.context().close();
      continue;
    }
    // Filters folded: the first result is on the first screen.
    t.notOk(await p.locator('#filter-doc_type').isVisible(), `${lang}: filters folded`);
    const first = await p.locator('.item-card').first().boundingBox();
    t.ok(first && first.y + 40 < 740, `${lang}: the first result starts at ${first?.y.toFixed(0)} px`);
    await p.locator('.filters-summary').click();
    t.ok(await p.locator('#filter-doc_type').isVisible(), `${lang}: and open on request`);
    // The menu: closed, then every section on screen, none off to the side.
    const links = p.locator('.phone-menu nav a');
    t.notOk(await links.first().isVisible(), `${lang}: menu closed`);
    await p.locator('.phone-menu summary').click();
    const boxes = await links.evaluateAll((as) => as.map((a) => ({ text: a.textContent, ...a.getBoundingClientRect().toJSON() })));
    t.equal(boxes.length, 11, `${lang}: eleven sections`);
    t.same(boxes.filter((b) => b.left < 0 || b.right > 360 || b.width === 0).map((b) => b.text), [], `${lang}: all of them within the screen`);
    t.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= 360, `${lang}: no sideways scroll with the menu open`);
    await Promise.all([p.waitForURL(new RegExp(`/${lang}/claims$`)), p.getByRole('link', { name: lang === 'ar' ? 'التبليغ' : 'Signaler' }).click()]);
    t.pass(`${lang}: "${lang === 'ar' ? 'التبليغ' : 'Signaler'}" reached`);
    await p.goto(`${server.url}/${lang}/search?q=${encodeURIComponent(lang === 'ar' ? 'الشفافية' : 'transparence')}`);
    const result = await p.locator('.item-card').first().boundingBox();
    t.ok(result && result.y + 40 < 740, `${lang}: the first search result starts at ${result?.y.toFixed(0)} px`);
    // Typing keeps its own direction: French typed on the Arabic page runs left to right.
    if (lang === 'ar') {
      await p.fill('#site-search', 'rapport');
      t.equal(await p.locator('#site-search').evaluate((i) => getComputedStyle(i).direction), 'ltr');
    }
    await p.context().close();
    // axe (which needs scripts) on a phone, with the menu and the filters open.
    const checked = await page({ width: 360, height: 740, lang, bypassCSP: true });
    await checked.goto(`${server.url}/${lang}/publications`);
    await checked.locator('.phone-menu summary').click();
    await checked.locator('.filters-summary').click();
    t.same((await axeViolations(checked)).map((v) => `${v.id} ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `${lang}: axe finds nothing with the menu and the filters open`);
    await checked.context().close();
  }
  // Wide screens: the row of sections, and the filters open without a click.
  const wide = await page({ width: 1280, height: 900 });
  await wide.goto(`${server.url}/fr/publications`);
  t.ok(await wide.locator('.main-nav').isVisible());
  t.notOk(await wide.locator('.phone-menu').isVisible());
  t.ok(await wide.locator('#filter-doc_type').isVisible(), 'filters shown open on a wide screen');
  await wide.context().close();
});

t.test('the admin area at 360 px: no sideways overflow, the navigation wraps, tables become cards (issue 14)', async (t) => {
  const p = await page({ width: 360, height: 740 });
  await signIn(p);
  for (const lang of ['ar', 'fr']) {
    for (const url of ['/admin/freshness', '/admin/suggestions', '/admin/partners/alpha', '/admin/indicators']) {
      await p.goto(`${server.url}${url}?lang=${lang}`);
      const layout = await p.evaluate(() => {
        const links = [...document.querySelectorAll('.admin-nav a')].map((a) => a.getBoundingClientRect());
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          outside: links.filter((r) => r.left < 0 || r.right > window.innerWidth).length,
          rows: new Set(links.map((r) => Math.round(r.top))).size,
        };
      });
      t.ok(layout.overflow <= 0, `${lang} ${url}: no sideways scroll (${layout.overflow} px)`);
      t.equal(layout.outside, 0, `${lang} ${url}: every link of the navigation on screen`);
      t.ok(layout.rows > 1, `${lang} ${url}: the navigation wraps (${layout.rows} rows)`);
    }
    await p.goto(`${server.url}/admin/freshness?lang=${lang}`);
    const [history] = await chartLayout(p);
    t.equal(history!.labels, 12, `${lang}: twelve months of freshness history`);
    t.same(history!.overlaps, [], `${lang}: no label over another`);
    t.same(history!.outside, [], `${lang}: all text inside the chart`);
    t.ok(await p.locator('.freshness-table td[data-label]').first().evaluate((td) => getComputedStyle(td, '::before').content.length > 2), `${lang}: each cell says its column`);
  }
  await p.context().close();
});

t.test('screenshots of the main pages, in Arabic and French, desktop and phone', { skip: SCREENSHOTS ? false : 'not asked for: PORTAL_SCREENSHOTS=DIR or npm run screenshots:tests' }, async (t) => {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const shots: Array<[string, string]> = [
    ['home', '/'],
    ['search', '/search?q=transparence'],
    ['publications', '/publications'],
    ['claims', '/claims'],
    ['item', `/items/${itemId}`],
  ];
  for (const [size, width, height] of [
    ['desktop', 1280, 900],
    ['phone', 360, 740],
  ] as const) {
    for (const lang of ['ar', 'fr']) {
      const p = await page({ width, height, lang });
      for (const [name, url] of shots) {
        await p.goto(`${server.url}/${lang}${url}`);
        const file = path.join(SCREENSHOTS, `${name}-${lang}-${size}.png`);
        await p.screenshot({ path: file, fullPage: false });
        t.ok(fs.statSync(file).size > 10_000, `${path.basename(file)}`);
      }
      await p.context().close();
    }
  }
  const admin = await page();
  await signIn(admin);
  await admin.goto(`${server.url}/admin/freshness?lang=fr`);
  await admin.screenshot({ path: path.join(SCREENSHOTS, 'freshness-fr-desktop.png') });
  await admin.context().close();
});
