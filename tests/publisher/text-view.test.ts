// The text view (/{lang}/items/{id}/text) and the API's text fields through app.inject against a
// seeded SQLite: pages with their numbers and their own direction (an Arabic page and a French
// one in one document), recognised pages marked, links to the original at each page, screens of
// pages for long documents, "find in this document" with the search's normalisation (Arabic
// tashkeel and letter forms, French accents), and harvested text that stays text.
import { load } from 'cheerio';
import t from 'tap';
import { BROWSER, makeApp, type SeedItem } from '../helpers/app.ts';
import { addPaged, recognise, type PagedSeed } from '../helpers/texts.ts';

const bed = await makeApp();
t.teardown(() => bed.close());
const { app, store } = bed;

async function get(url: string) {
  const response = await app.inject({ url, headers: BROWSER });
  return { status: response.statusCode, body: response.body, $: load(response.body) };
}

const add = (items: PagedSeed[]) => addPaged(store, items);

const base: Omit<SeedItem, 'title'> = { partner: 'alpha', source: 'reports', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2024-05-02' };

const [bilingual, long, scan, hostile] = add([
  {
    seed: { ...base, title: 'Rapport bilingue sur la probité', url: 'https://alpha.example/docs/bilingue' },
    pages: [
      "Rapport sur l'évaluation des risques de corruption.\nPremière ligne.\n\nDeuxième paragraphe : la probité.",
      '',
      'التقرير حول الرَّشْوَة في الإدارة العمومية والقانون رقم 31.13 المتعلق بالحق في الحصول على المعلومات.',
    ],
  },
  {
    seed: { ...base, title: 'Recueil de 25 pages', url: 'https://alpha.example/docs/recueil' },
    pages: Array.from({ length: 25 }, (_, i) => `Page ${i + 1} du recueil.${i === 21 ? ' Les marchés publics sont évalués ici.' : ''}`),
  },
  {
    seed: { ...base, title: 'Document numérisé à reconnaître', url: 'https://alpha.example/docs/scan', scanned: true },
    pages: ['', ''],
    fileHash: 'a'.repeat(64),
    ocrPages: [1, 2],
  },
  {
    seed: { ...base, title: 'Texte piégé', url: 'https://alpha.example/docs/piege' },
    pages: ['<script>alert(1)</script> <img src=x onerror=alert(2)> texte'],
  },
]);

t.test('the API says where the text came from and how many pages it has', async (t) => {
  const api = async (id: string) => JSON.parse((await app.inject({ url: `/api/items/${id}` })).body);
  t.match(await api(bilingual!.id), { text_source: 'layer', pages: 2, pdf_pages: 3 }, 'pages with text: 2 of 3 (page 2 is empty)');
  t.match(await api(scan!.id), { text_source: null, pages: 0, scanned: true }, 'a scan before OCR: no text');
  const list = JSON.parse((await app.inject({ url: '/api/items?q=recueil' })).body);
  t.match(list.items.find((i: { id: string }) => i.id === long!.id), { text_source: 'layer', pages: 25 }, 'listings carry them too');
  t.match(store.ocr.jobs().find((j) => j.file_hash === 'a'.repeat(64)), { status: 'queued', pages: [1, 2] }, 'the scan is queued for OCR');
});

t.test('pages with their numbers, their own direction and a link to the original at that page', async (t) => {
  for (const lang of ['fr', 'ar', 'en']) {
    const { status, $ } = await get(`/${lang}/items/${bilingual!.id}/text`);
    t.equal(status, 200, lang);
    t.equal($('html').attr('dir'), lang === 'ar' ? 'rtl' : 'ltr');
    const pages = $('[data-page]');
    t.same(pages.map((_, e) => $(e).attr('data-page')).get(), ['1', '3'], 'pages 1 and 3 (page 2 has no text)');
    t.equal(pages.eq(0).attr('dir'), 'ltr', 'the French page reads left to right');
    t.equal(pages.eq(0).attr('lang'), 'fr');
    t.equal(pages.eq(1).attr('dir'), 'rtl', 'the Arabic page reads right to left, whatever the interface');
    t.equal(pages.eq(1).attr('lang'), 'ar');
    t.equal(pages.eq(0).find('header').attr('dir'), lang === 'ar' ? 'rtl' : 'ltr', 'page headings follow the interface');
    t.equal(pages.eq(1).find('header a').attr('href'), 'https://alpha.example/docs/bilingue.pdf#page=3', 'the original, at that page');
    t.equal(pages.eq(0).find('.text-page-body p').length, 2, 'paragraphs kept');
    t.match(pages.eq(0).find('.text-page-body').text(), /évaluation des risques de corruption\.\nPremière ligne\./, 'line breaks kept');
    t.equal($('.text-ocr-note').length, 0, 'nothing is marked as recognised');
  }
  const item = await get(`/fr/items/${bilingual!.id}`);
  t.equal(item.$(`a[href="/fr/items/${bilingual!.id}/text"]`).text(), 'Lire le texte du document, page par page (2 pages)', 'the item page links to its text');
});

t.test('a long document comes in screens of ten pages', async (t) => {
  const first = await get(`/fr/items/${long!.id}/text`);
  t.same(first.$('[data-page]').map((_, e) => $n(first.$, e)).get(), range(1, 10));
  t.same(first.$('.text-screens').first().find('a').map((_, e) => first.$(e).text().trim()).get(), ['p. 1 à 10', 'p. 11 à 20', 'p. 21 à 25', 'Suivant ›']);
  const third = await get(`/fr/items/${long!.id}/text?page=3`);
  t.same(third.$('[data-page]').map((_, e) => $n(third.$, e)).get(), range(21, 25));
  t.equal(third.$('.text-screens a[aria-current=page]').first().text(), 'p. 21 à 25');
  const past = await get(`/fr/items/${long!.id}/text?page=4`);
  t.equal(past.status, 404, 'past the last screen');
  t.match(past.$('main').text(), /compte 25 pages/);
  t.equal((await get(`/fr/items/${long!.id}/text?page=0`)).status, 400);
  t.equal((await get(`/fr/items/${long!.id}/text?page=abc`)).status, 400);
  t.equal((await get(`/fr/items/0123456789abcdef/text`)).status, 404, 'an unknown item');
});

t.test('find in this document: the search normalisation, hits highlighted and listed by page', async (t) => {
  // "الرشوة" finds "الرَّشْوَة" (tashkeel) and "evaluation" finds "évaluation" (accents).
  const arabic = await get(`/ar/items/${bilingual!.id}/text?q=${encodeURIComponent('الرشوة')}`);
  t.equal(arabic.$('[data-page=3] mark').text(), 'الرَّشْوَة', 'the word as written, marked');
  t.same(arabic.$('.text-hit-list a').map((_, e) => arabic.$(e).attr('href')).get(), [`/ar/items/${bilingual!.id}/text?q=${encodeURIComponent('الرشوة')}#page-3`]);
  t.match(arabic.$('.text-hits h2').text(), /مرة واحدة/);
  const french = await get(`/fr/items/${bilingual!.id}/text?q=evaluation`);
  t.equal(french.$('[data-page=1] mark').text(), 'évaluation');
  t.match(french.$('.text-hits h2').text(), /apparaît une fois/);
  // A hit on a later screen links there.
  const far = await get(`/fr/items/${long!.id}/text?q=${encodeURIComponent('marchés évalués')}`);
  t.same(far.$('.text-hit-list a').map((_, e) => far.$(e).attr('href')).get(), [`/fr/items/${long!.id}/text?q=march%C3%A9s+%C3%A9valu%C3%A9s&page=3#page-22`]);
  t.equal(far.$('.text-hit-list .muted').text(), '(2 fois)');
  t.match(far.$('.text-hit-list .snippet').html(), /<mark>marchés<\/mark>/);
  t.equal(far.$('[data-page]').length, 10, 'the first screen is shown');
  const screen = await get(`/fr/items/${long!.id}/text?q=${encodeURIComponent('marchés évalués')}&page=3`);
  t.equal(screen.$('[data-page=22] mark').length, 2);
  t.same(screen.$('.text-screens a').filter((_, e) => screen.$(e).text() === 'p. 1 à 10').first().attr('href'), `/fr/items/${long!.id}/text?q=march%C3%A9s+%C3%A9valu%C3%A9s`, 'the screens keep the query');
  const none = await get(`/fr/items/${long!.id}/text?q=xylophone`);
  t.match(none.$('.text-hits h2').text(), /n'apparaît pas/);
  t.equal(none.$('mark').length, 0);
  t.equal((await get(`/fr/items/${long!.id}/text?q=${'a'.repeat(5000)}`)).status, 200, 'a huge query is cut, not an error');
});

t.test('harvested text and the query stay text', async (t) => {
  const { body, $ } = await get(`/fr/items/${hostile!.id}/text?q=${encodeURIComponent('<img src=y onerror=alert(3)> texte')}`);
  t.notMatch(body, /<script>alert|<img src=x|<img src=y/);
  t.match($('[data-page=1] .text-page-body').text(), /<script>alert\(1\)<\/script>/, 'shown as text');
  t.equal($('script').length, 0);
  t.equal($('#text-q').attr('value'), '<img src=y onerror=alert(3)> texte');
});

t.test('a scan: waiting for OCR, then its recognised pages, marked as such', async (t) => {
  const before = await get(`/fr/items/${scan!.id}/text`);
  t.equal(before.status, 200);
  t.equal(before.$('[data-page]').length, 0);
  t.match(before.$('.notice').text(), /pas encore été reconnu/);
  t.equal((await get(`/fr/items/${scan!.id}`)).$(`a[href$="/text"]`).length, 0, 'no text to link to yet');

  recognise(store, 'a'.repeat(64), [
    { page: 1, text: 'Texte reconnu : la gouvernance des collectivités.' },
    { page: 2, text: 'نص تم التعرف عليه حول الحكامة.', language: 'ar' },
  ]);
  // The OCR worker is another process (its commit moves data_version, which empties the page
  // cache); here it wrote through the app's own connection.
  app.renderer.cache.clear();
  const after = await get(`/fr/items/${scan!.id}/text`);
  t.same(after.$('[data-page]').map((_, e) => $n(after.$, e)).get(), [1, 2]);
  t.equal(after.$('[data-page=2]').attr('dir'), 'rtl', 'the page OCR read as Arabic');
  t.equal(after.$('.text-ocr-note').length, 2, 'each recognised page is marked');
  t.match(after.$('.text-ocr-note').first().text(), /reconnu automatiquement ; il peut contenir des erreurs/);
  t.match(after.$('.notice-warn').text(), /reconnu automatiquement \(OCR\)/);
  for (const lang of ['ar', 'en']) {
    const other = await get(`/${lang}/items/${scan!.id}/text`);
    t.match(other.$('.text-ocr-note').first().text(), lang === 'ar' ? /تم التعرف عليه آليا، وقد يتضمن أخطاء/ : /recognised automatically; it may contain errors/);
  }
  t.match(JSON.parse((await app.inject({ url: `/api/items/${scan!.id}` })).body), { text_source: 'ocr', pages: 2, scanned: true });
  const found = JSON.parse((await app.inject({ url: '/api/items?q=gouvernance%20collectivit%C3%A9s' })).body);
  t.same(
    found.items.map((i: { id: string }) => i.id),
    [scan!.id],
    'the recognised words are searchable',
  );
  const page = await get(`/fr/items/${scan!.id}`);
  t.match(page.$('.notice-warn').text(), /reconnu automatiquement/);
  t.match(page.$('.excerpt').text(), /gouvernance des collectivités/);
  t.equal(page.$(`a[href="/fr/items/${scan!.id}/text"]`).length, 1);
});

function $n($: ReturnType<typeof load>, e: Parameters<ReturnType<typeof load>>[0]): number {
  return Number($(e as never).attr('data-page'));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
