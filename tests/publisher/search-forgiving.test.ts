// Issue 14: search that forgives, and the interface language first. Over a real SQLite seeded
// through the harvester's write path, with app.inject(): typo corrections and suggestions from
// the catalogue's own title words (French and Arabic), phrases and prefixes, a partner's
// same-titled documents folded into one result, the page's language first on the home page, the
// sections and title ties, and an item's versions in the partner's other languages.
import { load } from 'cheerio';
import t from 'tap';
import { analyze } from '../../harvester/index.ts';
import { editDistance, Vocabulary } from '../../store/index.ts';
import { BROWSER, makeApp, SEED_ITEMS, type SeedItem } from '../helpers/app.ts';

const report = (title: string, language: 'ar' | 'fr', publishedAt: string, extra: Partial<SeedItem> = {}): SeedItem => ({
  partner: 'alpha',
  source: 'reports',
  title,
  section: 'publications',
  docType: 'report',
  language,
  publishedAt,
  ...extra,
});

const BULLETINS: SeedItem[] = Array.from({ length: 12 }, (_, i) => ({
  partner: 'beta',
  source: 'stats',
  title: 'Bulletin statistique 2026',
  section: 'statistics',
  docType: 'national_statistics',
  language: 'fr',
  publishedAt: `2026-${String(i + 1).padStart(2, '0')}-01`,
}));

const ITEMS: SeedItem[] = [
  ...SEED_ITEMS,
  report('La corruption dans les marchés publics', 'fr', '2025-09-01'),
  report('Prévenir la corruption dans les collectivités', 'fr', '2025-08-01'),
  report('Mesurer la corruption : une méthode', 'fr', '2025-07-01'),
  report('Note sur la corrupton des agents', 'fr', '2025-06-02'),
  report("La protection des lanceurs d'alerte", 'fr', '2025-05-01'),
  report("Alerte sur les délais : les lanceurs de projets attendent", 'fr', '2025-04-01'),
  report('تقرير حول الفساد في الصفقات العمومية', 'ar', '2024-02-01'),
  report('مكافحة الفساد في الجماعات الترابية', 'ar', '2024-01-15'),
  report('النزاهة في قطاع الصحة', 'ar', '2023-05-01'),
  report('النزاهة في القطاع الخاص', 'ar', '2023-04-01'),
  // A pair published the same day: the same document in two languages.
  report("Rapport annuel 2025 de l'Instance Alpha", 'fr', '2025-03-20'),
  report('التقرير السنوي 2025 لهيئة ألفا', 'ar', '2025-03-20'),
  // Guides of one day: the French one shares its file with one of the two Arabic ones.
  report('Guide pratique du signalement', 'fr', '2022-01-05', { docType: 'guide', text: 'Le même guide, en deux langues.', pages: 10 }),
  report('الدليل العملي للتبليغ', 'ar', '2022-01-05', { docType: 'guide', text: 'Le même guide, en deux langues.', pages: 10 }),
  report('دليل المرتفق', 'ar', '2022-01-05', { docType: 'guide', text: 'دليل آخر.', pages: 4 }),
  ...BULLETINS,
  { partner: 'alpha', source: 'reports', title: 'Bulletin statistique 2026', section: 'publications', docType: 'report', language: 'fr', publishedAt: '2026-02-15' },
];

const bed = await makeApp({ items: ITEMS });
t.teardown(() => bed.close());
const { app, store } = bed;

async function get(url: string) {
  const response = await app.inject({ url, headers: BROWSER });
  return { status: response.statusCode, $: load(response.body) };
}
const titles = ($: ReturnType<typeof load>) => $('.item-list .item-title').map((_, e) => $(e).text().trim()).get();
const itemId = (title: string) => store.items.list({}, 1, 200).items.find((i) => i.title === title)!.id;

t.test('the vocabulary: edit distance with swaps, corrections by the most titles, prefixes through stems', async (t) => {
  t.equal(editDistance('corruptoin', 'corruption', 2), 1, 'a swap is one edit');
  t.equal(editDistance('corupption', 'corruption', 2), 2);
  t.equal(editDistance('abc', 'xyz', 1), 2, 'stops past the maximum');
  const vocabulary = Vocabulary.fromTitles(['La corruption', 'Contre la corruption', 'Corrosion des métaux', 'الوقاية من الرشوة', 'مكافحة الفساد', 'الفساد الإداري']);
  t.equal(vocabulary.correct('corupption')?.display, 'corruption');
  t.equal(vocabulary.correct('corruptoin')?.display, 'corruption');
  t.equal(vocabulary.correct('الفسد')?.display, 'الفساد', 'a missing letter in Arabic');
  t.equal(vocabulary.correct('الفاسد')?.display, 'الفساد', 'swapped letters in Arabic');
  t.equal(vocabulary.correct('corruption'), undefined, 'a known word is left alone');
  t.equal(vocabulary.correct('zzzzzz'), undefined, 'nothing close: no suggestion');
  t.same(vocabulary.prefixStems('الرشو', 5), analyze('الرشوة'), 'an Arabic prefix reaches the stem, which does not start like the word');
  t.same(vocabulary.prefixStems('corru', 5), analyze('corruption'));
});

t.test('a typo with no result shows the corrected query\'s results, saying so, with a link to the words as typed', async (t) => {
  for (const [lang, typo, word] of [
    ['fr', 'corupption', 'corruption'],
    ['fr', 'corruptoin', 'corruption'],
    ['ar', 'الفسد', 'الفساد'],
    ['ar', 'النزهة', 'النزاهة'],
  ] as const) {
    const url = `/${lang}/search?q=${encodeURIComponent(typo)}`;
    const { status, $ } = await get(url);
    t.equal(status, 200, url);
    const notice = $('.search-correction');
    t.equal(notice.length, 1, `${url}: says the query was corrected`);
    t.match(notice.text(), typo);
    t.match(notice.text(), word);
    t.match($('h1').text(), word, 'the heading counts the corrected query\'s results');
    t.ok(titles($).length > 0 && titles($).every((title) => analyze(title).includes(analyze(word)[0]!)), `${url}: results of “${word}”`, { titles: titles($) });
    const exact = new URL(notice.find('a').attr('href')!, 'http://x');
    t.equal(exact.searchParams.get('q'), typo);
    t.equal(exact.searchParams.get('exact'), '1');
    const asTyped = await get(`${exact.pathname}${exact.search}`);
    t.equal(asTyped.$('.search-correction').length, 0, 'exact: no correction');
    t.equal(titles(asTyped.$).length, 0, 'exact: the words as typed find nothing');
  }
  const { $ } = await get('/en/search?q=corupption');
  t.match($('.search-correction').text(), /No results for “corupption”: showing results for “corruption”/);
});

t.test('few results: "did you mean" the better-attested word, results left as they are', async (t) => {
  const { $ } = await get('/fr/search?q=corrupton');
  t.same(titles($), ['Note sur la corrupton des agents'], 'the one title with the misspelling');
  t.equal($('.search-correction').length, 0);
  const link = $('.search-suggestion a');
  t.equal(link.text(), 'corruption');
  t.equal(new URL(link.attr('href')!, 'http://x').searchParams.get('q'), 'corruption');
  const plenty = await get('/fr/search?q=corruption');
  t.equal(plenty.$('.search-suggestion').length + plenty.$('.search-correction').length, 0, 'a word with results gets no suggestion');
});

t.test('quotes search the phrase only; word* searches a prefix, at least three letters', async (t) => {
  const phrase = titles((await get(`/fr/search?q=${encodeURIComponent('"lanceurs d\'alerte"')}`)).$);
  t.same(phrase, ["La protection des lanceurs d'alerte"]);
  const words = titles((await get(`/fr/search?q=${encodeURIComponent("lanceurs d'alerte")}`)).$);
  t.equal(words.length, 2, 'without quotes, both titles with the words');
  const prefix = titles((await get('/fr/search?q=corrup*')).$);
  t.ok(prefix.length >= 4, `corrup*: ${prefix.length} results`);
  t.ok(prefix.some((title) => title.includes('corrupton')) && prefix.some((title) => title.includes('corruption')), 'every word starting with corrup');
  const arabic = titles((await get(`/ar/search?q=${encodeURIComponent('الرشو*')}`)).$);
  t.ok(arabic.some((title) => title.includes('الرَّشْوَة')), 'an Arabic prefix with its article');
  const short = await get('/fr/search?q=a*');
  t.match(short.$('.notice').text(), /au moins 3 lettres/, 'a* is refused as a prefix, saying why');
  t.equal(titles(short.$).length, 0, 'and does not list the catalogue');
  for (const lang of ['ar', 'fr', 'en']) {
    const help = (await get(`/${lang}/search`)).$('.search-help');
    t.equal(help.length, 1, `${lang}: one line of help`);
    t.match(help.text(), /\*/);
  }
});

t.test('a word and a prefix together: the items with both, on the page and through the API (they answered 500)', async (t) => {
  for (const q of ['marchés corrup*', 'corrup* marchés']) {
    const page = await get(`/fr/search?q=${encodeURIComponent(q)}`);
    t.equal(page.status, 200, q);
    t.same(titles(page.$), ['La corruption dans les marchés publics'], `${q}: the one title with both`);
    const api = await app.inject({ url: `/api/items?q=${encodeURIComponent(q)}` });
    t.equal(api.statusCode, 200, `${q} through the API`);
    t.same(
      (api.json() as { items: Array<{ title: string }> }).items.map((i) => i.title),
      ['La corruption dans les marchés publics'],
    );
  }
  // Two prefixes, and a prefix whose stems come from the titles' vocabulary (an OR group).
  t.same(titles((await get(`/fr/search?q=${encodeURIComponent('corrup* collectiv*')}`)).$), ['Prévenir la corruption dans les collectivités']);
  const arabic = await get(`/ar/search?q=${encodeURIComponent('الفساد الصفق*')}`);
  t.equal(arabic.status, 200);
  t.same(titles(arabic.$), ['تقرير حول الفساد في الصفقات العمومية']);
});

t.test('a search for reporting or complaining, or one that finds nothing, points to the claim channels', async (t) => {
  const hint = ($: ReturnType<typeof load>) => $('.claims-hint a').attr('href');
  t.equal(hint((await get(`/fr/search?q=${encodeURIComponent('pot-de-vin')}`)).$), '/fr/claims', 'pot-de-vin, though no document has it');
  t.equal(hint((await get(`/ar/search?q=${encodeURIComponent('شكاية')}`)).$), '/ar/claims', 'شكاية');
  t.equal(hint((await get(`/ar/search?q=${encodeURIComponent('الرشاوى')}`)).$), '/ar/claims', 'الرشاوى (a plural)');
  t.equal(hint((await get(`/en/search?q=${encodeURIComponent('report a bribe')}`)).$), '/en/claims', 'English words on the English page');
  const corruption = await get('/fr/search?q=corruption');
  t.ok(titles(corruption.$).length > 0, 'with results too');
  t.equal(hint(corruption.$), '/fr/claims');
  t.equal(corruption.$('.claims-hint').text(), 'Signaler un fait de corruption : les canaux officiels', 'above results, one short line (a phone shows the results)');
  t.match((await get(`/fr/search?q=${encodeURIComponent('pot-de-vin')}`)).$('.claims-hint').text(), /ne reçoit pas les signalements/, 'with nothing found, the whole explanation');
  t.equal(hint((await get('/fr/search?q=zzzqqqxxx')).$), '/fr/claims', 'nothing found');
  const unrelated = await get('/fr/search?q=bulletin');
  t.ok(titles(unrelated.$).length > 0);
  t.equal(unrelated.$('.claims-hint').length, 0, 'an unrelated search with results: no pointer');
  t.equal((await get('/fr/search')).$('.claims-hint').length, 0, 'browsing without words: none');
});

t.test("one partner's same-titled documents fold into one result, with a link to them all", async (t) => {
  const { $ } = await get('/fr/search?q=bulletin');
  const results = titles($);
  t.same(results.filter((title) => title === 'Bulletin statistique 2026').length, 2, "beta's twelve as one, alpha's apart");
  const folded = $('.item-folded a');
  t.equal(folded.length, 1);
  t.match(folded.text(), /12 documents de même titre publiés par Ministère Beta/);
  const all = await get(folded.attr('href')!);
  t.match(all.$('h1').text(), /^12 résultats/, 'the link lists all twelve');
  t.equal(all.$('.item-folded').length, 1, 'under their own filter they still fold into one, counted the same');
  const arabic = await get('/ar/search?q=bulletin');
  t.match(arabic.$('.item-folded a').text(), /12 وثيقة بالعنوان نفسه نشرتها وزارة بيتا/);
});

t.test('the page language first: home, sections and title ties', async (t) => {
  const home = await get('/ar/');
  const languagesOf = ($: ReturnType<typeof load>, selector: string) => $(selector).map((_, e) => $(e).attr('lang')).get();
  const first = languagesOf(home.$, '.item-title a');
  t.ok(first.length > 0);
  const publications = await get('/ar/publications');
  const langs = languagesOf(publications.$, '.item-title a');
  t.equal(langs[0], 'ar', 'Arabic first on /ar/publications although the French items are newer');
  t.same(langs, [...langs].sort((a, b) => Number(b === 'ar') - Number(a === 'ar')), 'all Arabic items, then the others');
  const french = languagesOf((await get('/fr/publications')).$, '.item-title a');
  t.equal(french[0], 'fr');
  t.ok(home.$('.item-title a[lang=ar]').length >= 2, 'the Arabic home page shows Arabic items');
  const partner = languagesOf((await get('/ar/partners/alpha')).$, '.item-title a');
  t.equal(partner[0], 'ar', "a partner's page too");
  t.equal(languagesOf((await get('/fr/partners/alpha')).$, '.item-title a')[0], 'fr');
  // 2025 is in the titles of the Arabic and the French annual report: a tie broken by the page's language.
  const ar = languagesOf((await get('/ar/search?q=2025')).$, '.item-title a');
  const fr = languagesOf((await get('/fr/search?q=2025')).$, '.item-title a');
  t.equal(ar[0], 'ar');
  t.equal(fr[0], 'fr');
});

t.test("an item page links to the same document in the partner's other language", async (t) => {
  const fr = await get(`/fr/items/${itemId("Rapport annuel 2025 de l'Instance Alpha")}`);
  const links = fr.$('.item-translations a');
  t.equal(links.length, 1);
  t.equal(links.attr('href'), `/fr/items/${itemId('التقرير السنوي 2025 لهيئة ألفا')}`);
  t.equal(links.attr('hreflang'), 'ar');
  const back = await get(`/ar/items/${itemId('التقرير السنوي 2025 لهيئة ألفا')}`);
  t.equal(back.$('.item-translations a').attr('href'), `/ar/items/${itemId("Rapport annuel 2025 de l'Instance Alpha")}`);
  const guide = await get(`/fr/items/${itemId('Guide pratique du signalement')}`);
  t.same(
    guide.$('.item-translations a').map((_, e) => guide.$(e).attr('href')).get(),
    [`/fr/items/${itemId('الدليل العملي للتبليغ')}`],
    'two Arabic guides that day: the one with the same file',
  );
  const alone = await get(`/fr/items/${itemId('Mesurer la corruption : une méthode')}`);
  t.equal(alone.$('.item-translations').length, 0, 'no other language: no block');
});

t.test('a vocabulary is built in steps: the read worker answers other requests between batches of titles', async (t) => {
  const many: SeedItem[] = Array.from({ length: 2_500 }, (_, i) => ({
    partner: 'beta',
    source: 'stats',
    title: `Rapport ${i} sur la transparence budgétaire`,
    section: 'publications',
    docType: 'report',
    language: 'fr',
    publishedAt: `2020-01-${String((i % 28) + 1).padStart(2, '0')}`,
    url: `https://beta.example/many/${i}`,
  }));
  const big = await makeApp({ items: [...SEED_ITEMS, ...many] });
  t.teardown(() => big.close());
  const steps = big.store.items.vocabularySteps();
  let yielded = 0;
  let step = steps.next();
  while (!step.done) {
    yielded++;
    // Between two batches the connection is free for another request's read.
    t.equal(big.store.items.list({}, 1, 5).items.length, 5);
    step = steps.next();
  }
  t.ok(yielded >= 2, `2,500 titles read in ${yielded + 1} steps of at most 1,000`);
  t.equal(step.value.correct('transparance')?.display, 'transparence', 'the vocabulary holds every batch');
  t.equal(big.store.items.vocabulary(), step.value, 'built once, then kept');
});
