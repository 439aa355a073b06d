// Passages with page numbers (issue 17): a search result shows where its words are in the
// document (the passage, cut from the page texts by the search's own pipeline) with "p. N" linking
// to that page of the text view; result links carry the words, and the item page then shows the
// first matching passages. Real SQLite (the harvest path writes the page maps), app.inject for the
// pages; the bounds (what is read per result and per page of results) are checked directly.
import { load } from 'cheerio';
import t from 'tap';
import { type PageSpan } from '../../harvester/index.ts';
import { findPassages, PASSAGE_PAGE_BUDGET, PASSAGE_SCAN_CHARS, screenNumbers } from '../../publisher/passages.ts';
import { parseQuery, passageOf } from '../../publisher/search.ts';
import { screens, textPages } from '../../publisher/text-view.ts';
import { BROWSER, makeApp, type SeedItem } from '../helpers/app.ts';
import { addPaged, recognise } from '../helpers/texts.ts';

const bed = await makeApp();
t.teardown(() => bed.close());
const { app, store } = bed;

async function get(url: string) {
  const response = await app.inject({ url, headers: BROWSER });
  return { status: response.statusCode, headers: response.headers, body: response.body, $: load(response.body) };
}

const base: Omit<SeedItem, 'title'> = { partner: 'alpha', source: 'reports', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2024-05-02' };
/** A page of filler (about 2,000 characters) with no word of the queries below. */
const filler = (n: number) => `Page ${n}. ${'Le présent chapitre décrit la méthode retenue et le calendrier des travaux. '.repeat(26)}`;

const [deep, bilingual, , , titled] = addPaged(store, [
  {
    // The words on page 8, past 14,000 characters: further than the old snippets looked.
    seed: { ...base, title: 'Rapport annuel volumineux', url: 'https://alpha.example/docs/annuel' },
    pages: Array.from({ length: 14 }, (_, i) =>
      i === 7
        ? `${filler(8)} Les marchés publics de travaux restent exposés aux conflits d'intérêts.`
        : i === 11
          ? `${filler(12)} Les sanctions disciplinaires prononcées sont publiées.`
          : filler(i + 1),
    ),
  },
  {
    seed: { ...base, title: 'Rapport bilingue', url: 'https://alpha.example/docs/bilingue' },
    pages: ['Introduction en français sur la transparence administrative.', 'التقرير حول الرَّشْوَة في الإدارة العمومية وسبل الوقاية منها.'],
  },
  {
    seed: { ...base, title: 'Document numérisé', url: 'https://alpha.example/docs/scan', scanned: true },
    pages: ['', ''],
    fileHash: 'c'.repeat(64),
    ocrPages: [1, 2],
  },
  {
    seed: { ...base, title: 'Texte piégé', url: 'https://alpha.example/docs/piege' },
    pages: ['Sans objet.', 'Clause <script>alert(1)</script> sur la gouvernance <img src=x onerror=alert(2)> des entreprises.'],
  },
  {
    seed: { ...base, title: 'Gouvernance des établissements', url: 'https://alpha.example/docs/titre' },
    pages: ['Un document dont le texte ne reprend pas le titre.'],
  },
]);

t.test('the passage is found on its page, in the pipeline of search, within its bounds', async (t) => {
  const text = ['Premier paragraphe sans rapport.', 'Les MARCHÉS publics ici.', 'Encore des marchés.'].join('\n\n');
  const spans: PageSpan[] = [
    [1, 0, 32, 0],
    [3, 34, 58, 0],
    [4, 60, 79, 0],
  ];
  const terms = parseQuery('marches').terms;
  t.match(findPassages(text, spans, terms, 1000).spots, [{ page: 3, screen: 1, start: 34, end: 58 }], 'accents and case folded as search folds them; the page number is the document\'s');
  t.same(
    findPassages(text, spans, terms, 1000, 3).spots.map((s) => s.page),
    [3, 4],
    'one passage per page',
  );
  t.same(findPassages(text, spans, terms, 40).spots, [], 'nothing past the characters it may read');
  t.equal(findPassages(text, spans, terms, 40).scanned, 40, 'and it says how much it read');
  t.match(findPassages('Un texte de flux sur les marchés.', null, terms, 1000).spots, [{ page: null, screen: 1 }], 'a text without pages has no page number');

  // The page of results shares one budget: once spent, the others show the text's beginning.
  const long = { text: `${'sans rapport '.repeat(4000)}marchés`, spans: null };
  const budget = { chars: PASSAGE_PAGE_BUDGET };
  const first = passageOf('', long, terms, budget);
  t.equal(first.passage, undefined, 'the word past PASSAGE_SCAN_CHARS is not looked for');
  t.equal(budget.chars, PASSAGE_PAGE_BUDGET - PASSAGE_SCAN_CHARS, 'that result cost its scan');
  budget.chars = 0;
  const near = { text: 'Les marchés, tout de suite.', spans: null };
  t.equal(passageOf('', near, terms, budget).passage, undefined, 'with the budget spent, no passage is looked for');
  t.match(passageOf('', near, terms, budget).snippet, /<mark>marchés<\/mark>/, 'the beginning still shows, marked as before');
});

t.test('search results link to a page of the text view on the screen that holds it', async (t) => {
  // Screens as the text view cuts them, from page lengths alone.
  const lengths = [100, 39_000, 2_000, 50_000, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 3];
  const text = lengths.map((n) => 'x'.repeat(n)).join('\n\n');
  let at = 0;
  const spans: PageSpan[] = lengths.map((n, i) => {
    const span: PageSpan = [i + 2, at, at + n, 0];
    at += n + 2;
    return span;
  });
  const viewed = screens(textPages(text, spans, new Map(), 'fr'));
  const numbers = screenNumbers(spans.map(([number, start, end]) => ({ number, length: end - start })));
  viewed.forEach((screen, index) => {
    for (const page of screen) t.equal(numbers.get(page.number), index + 1, `page ${page.number} on screen ${index + 1}`);
  });
});

t.test('a result shows its passage with p. N, in its own direction, and carries the words to the item', async (t) => {
  const { $ } = await get('/fr/search?q=march%C3%A9s+publics');
  const card = $('.item-card').filter((_, el) => $(el).find('.item-title').text().includes('Rapport annuel volumineux'));
  t.equal(card.length, 1);
  t.match(card.find('.snippet').html(), /<mark>marchés<\/mark> <mark>publics<\/mark>/, 'the passage from page 8, marked');
  t.match(card.find('.snippet').text(), /conflits d'intérêts/);
  const page = card.find('a.passage-page');
  t.equal(page.text(), 'p. 8');
  t.equal(page.attr('href'), `/fr/items/${deep!.id}/text?q=march%C3%A9s+publics#page-8`, 'page 8 of the text view (its first screen), the words marked');
  t.equal(card.find('.item-title a').attr('href'), `/fr/items/${deep!.id}?q=march%C3%A9s+publics`, 'the result link carries the words');
  const later = await get('/fr/search?q=sanctions+disciplinaires');
  t.equal(later.$('a.passage-page').first().attr('href'), `/fr/items/${deep!.id}/text?q=sanctions+disciplinaires&page=2#page-12`, 'page 12 is on the text view\'s second screen');
  t.equal((await get(later.$('a.passage-page').first().attr('href')!.replace(/#.*/, ''))).$('section[data-page="12"] mark').first().text(), 'sanctions', 'where the link leads, the page is there with the word marked');

  for (const lang of ['ar', 'fr', 'en']) {
    const { $ } = await get(`/${lang}/search?q=${encodeURIComponent('الرشوة')}`);
    const card = $('.item-card').filter((_, el) => $(el).find('.item-title').text().includes('Rapport bilingue'));
    const snippet = card.find('.snippet');
    t.equal(snippet.attr('dir'), 'rtl', `${lang}: the Arabic page's passage reads right to left in a French document`);
    t.equal(snippet.attr('lang'), 'ar');
    t.match(snippet.html(), /<mark>الرَّشْوَة<\/mark>/, `${lang}: found through the folding of search (tashkeel)`);
    t.match(card.find('a.passage-page').attr('href'), /#page-2$/);
  }
  const ar = await get(`/ar/search?q=${encodeURIComponent('الرشوة')}`);
  t.match(ar.$('a.passage-page').first().text(), /^ص\. /, 'p. N in Arabic');

  const feed = await get('/fr/search?q=gouvernance+etablissements');
  const titled = feed.$('.item-card').filter((_, el) => feed.$(el).find('.item-title').text().includes('Gouvernance des établissements'));
  t.equal(titled.find('a.passage-page').length, 0, 'words only in the title: no page to point to');
});

t.test('deep pages: the old snippet read 3,500 characters, the passage is found past them', async (t) => {
  const { $ } = await get("/fr/search?q=conflits+d'int%C3%A9r%C3%AAts");
  t.match($('.item-card .snippet').first().html(), /<mark>conflits<\/mark>/);
  t.equal($('.item-card a.passage-page').first().text(), 'p. 8');
});

t.test('recognised pages (OCR) give passages like any text', async (t) => {
  recognise(store, 'c'.repeat(64), [
    { page: 1, text: 'Sommaire du document.', language: 'fr' },
    { page: 2, text: 'La déclaration obligatoire du patrimoine des élus est contrôlée.', language: 'fr' },
  ]);
  const { $ } = await get('/fr/search?q=patrimoine');
  const card = $('.item-card').filter((_, el) => $(el).find('.item-title').text().includes('Document numérisé'));
  t.equal(card.find('a.passage-page').text(), 'p. 2');
  t.match(card.find('.snippet').html(), /<mark>patrimoine<\/mark>/);
});

t.test('harvested text stays text in a passage', async (t) => {
  const { $, body } = await get('/fr/search?q=gouvernance+entreprises');
  t.notMatch(body, /<script>alert|<img src=x/);
  const card = $('.item-card').filter((_, el) => $(el).find('.item-title').text().includes('Texte piégé'));
  t.match(card.find('.snippet').text(), /<script>alert\(1\)<\/script>/, 'shown as text');
  t.equal(card.find('a.passage-page').text(), 'p. 2');
});

t.test('the item page reached from a search shows the first passages, with their pages', async (t) => {
  const q = 'marchés publics';
  const { status, headers, $ } = await get(`/fr/items/${deep!.id}?q=${encodeURIComponent(q)}`);
  t.equal(status, 200);
  const section = $('section.passages');
  t.equal(section.length, 1);
  t.match(section.find('h2').text(), /« marchés publics »/);
  const items = section.find('.passage-list li');
  t.equal(items.length, 1, 'one page has the words');
  t.equal(items.find('.passage-where a').first().text(), 'Page 8');
  t.equal(items.find('.passage-where a').first().attr('href'), `/fr/items/${deep!.id}/text?q=march%C3%A9s+publics#page-8`);
  t.equal(items.find('.passage-where a').eq(1).attr('href'), 'https://alpha.example/docs/annuel.pdf#page=8', 'the original PDF at that page');
  t.match(items.find('.snippet').html(), /<mark>marchés<\/mark> <mark>publics<\/mark>/);
  t.equal(section.find('.passage-links a').first().attr('href'), `/fr/items/${deep!.id}/text?q=march%C3%A9s+publics`, 'find every place in the text');
  t.equal(headers.etag, undefined, 'not cached: any words may be asked');
  t.equal($('meta[name="robots"]').attr('content')?.includes('noindex'), true, 'and not indexed');

  const plain = await get(`/fr/items/${deep!.id}`);
  t.equal(plain.$('section.passages').length, 0, 'without words, the page as before');
  t.ok(plain.headers.etag, 'and cached');

  const several = await get(`/fr/items/${deep!.id}?q=chapitre`);
  t.same(
    several.$('.passage-list li .passage-where a:first-child').map((_, a) => several.$(a).text()).get(),
    ['Page 1', 'Page 2', 'Page 3'],
    'the first three pages with the words, one passage each',
  );

  const ar = await get(`/ar/items/${bilingual!.id}?q=${encodeURIComponent('الرشوة')}`);
  const passage = ar.$('.passage-list .snippet');
  t.equal(passage.attr('dir'), 'rtl');
  t.equal(passage.attr('lang'), 'ar');

  const none = await get(`/en/items/${titled!.id}?q=gouvernance`);
  t.equal(none.$('.passage-list').length, 0);
  t.match(none.$('section.passages').text(), /not in the text the portal holds/, 'words only in its title: it says so');

  // An item whose text the portal does not hold: no "find in the text" toward an empty text view.
  const bare = store.items.list({}, 1, 500).items.find((i) => i.text_chars === 0 && /\p{L}{4,}/u.test(i.title))!;
  t.ok(bare, 'the catalogue has an item without text');
  const word = bare.title.match(/\p{L}{4,}/u)![0];
  const noText = await get(`/fr/items/${bare.id}?q=${encodeURIComponent(word)}`);
  t.match(noText.$('section.passages').text(), /ne détient pas le texte de ce document/);
  t.same(noText.$('section.passages .passage-links a').map((_, a) => noText.$(a).attr('href')).get(), [`/fr/search?q=${encodeURIComponent(word).replace(/%20/g, '+')}`], 'only the way back to the results');
});

t.test('a corrected search (issue 14) carries the corrected words to the item and its passages', async (t) => {
  const { $ } = await get('/fr/search?q=volumineus');
  t.ok($('.item-card').length > 0, 'the typo is corrected');
  const link = $('.item-card .item-title a').filter((_, a) => $(a).text().includes('volumineux')).attr('href');
  t.equal(link, `/fr/items/${deep!.id}?q=volumineux`, 'the words the results were found with');
});
