// Normalisation, table-driven: dates as partners write them, language, identity, and the
// sanitiser against the project's XSS vectors (tests/fixtures/xss) and, when ../shared/corpus is
// beside the clone, the shared date and XSS corpora.
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'cheerio';
import t, { type Test } from 'tap';
import { canonicalUrl, detectLanguage, hijriToGregorian, itemIdentity, itemLanguage, parseDate, sanitizeSummary, cleanLine } from '../../harvester/index.ts';
import { type Language } from '../../config/index.ts';
import { inferDocType } from '../../harvester/normalise.ts';
import { CORPUS_DIR as CORPUS, corpusTests } from '../helpers/corpus.ts';
import { unbalanced } from '../helpers/markup.ts';

const OWN_VECTORS = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../fixtures/xss/vectors.json'), 'utf8')).vectors as Array<{ class: string; vector: string }>;
const NOW = new Date('2026-11-26T12:00:00Z');

const DATES: Array<[string, string | null, ('dmy' | 'mdy' | 'ymd')?]> = [
  // RFC 822 and ISO 8601
  ['Mon, 12 Mar 2024 10:00:00 +0100', '2024-03-12'],
  ['Tue, 05 Nov 2024 08:15:00 GMT', '2024-11-05'],
  ['Wed, 5 Jun 24 10:00:00 EST', '2024-06-05'],
  ['2024-03-12', '2024-03-12'],
  ['2024-03-12T23:30:00Z', '2024-03-12'],
  ['2023-12-31T10:14:55.1234+01:00', '2023-12-31'],
  ['2024-02-30', null],
  // French
  ['15 mai 2024', '2024-05-15'],
  ['Le 27/09/2021 à 17h25', '2021-09-27'],
  ['lundi 1er janvier 2024', '2024-01-01'],
  ['mercredi 11 novembre 1987', '1987-11-11'],
  ['dimanche, 11 Mai 2014', '2014-05-11'],
  ['vendredi, décembre 5 2014.', '2014-12-05'],
  ['Le 11 Décembre 2014 à 09:00', '2014-12-11'],
  ['22 janvier 2015 à 14h40', '2015-01-22'],
  ['15 janv. 2024', '2024-01-15'],
  ['3 févr. 2022', '2022-02-03'],
  ['Publié le 3 décembre 2023 par admin', '2023-12-03'],
  ['25 Août 2020', '2020-08-25'],
  ['mai 2024', '2024-05-01'],
  ['il y a 3 jours', '2026-11-23'],
  ['hier', '2026-11-25'],
  ["aujourd'hui", '2026-11-26'],
  ['Aujourd’hui', '2026-11-26'],
  ['avant-hier', '2026-11-24'],
  ['Il y a 40 min', '2026-11-26'],
  // Arabic: Moroccan and Eastern month names, Arabic-Indic digits
  ['12 غشت 2023', '2023-08-12'],
  ['٣ شتنبر ٢٠٢٢', '2022-09-03'],
  ['الخميس 15 ماي 2025', '2025-05-15'],
  ['5 أكتوبر 2021', '2021-10-05'],
  ['7 يوليوز 2015', '2015-07-07'],
  ['20 دجنبر 2019', '2019-12-20'],
  ['2 نونبر 2018', '2018-11-02'],
  ['14 يونيو 2017', '2017-06-14'],
  ['1 إبريل 2020', '2020-04-01'],
  ['1 أبريل 2020', '2020-04-01'],
  ['9 مايو 2016', '2016-05-09'],
  ['30 نوفمبر 2016', '2016-11-30'],
  ['12 كانون الأول 2019', '2019-12-12'],
  // Weekday first, the Arabic comma; month first as Moroccan locales write it; Algerian and Tunisian names
  ['الأربعاء، 11 نوفمبر 1987', '1987-11-11'],
  ['الأربعاء, نونبر 11, 1987', '1987-11-11'],
  ['يناير 11, 1987', '1987-01-11'],
  ['١١ دجنبر ١٩٨٧', '1987-12-11'],
  ['11 جانفي 1987', '1987-01-11'],
  ['3 أفريل 2020', '2020-04-03'],
  ['5 جوان 2019', '2019-06-05'],
  ['اليوم', '2026-11-26'],
  ['يوم أمس', '2026-11-25'],
  ['منذ 21 أيام', '2026-11-05'],
  ['منذ يومين', '2026-11-24'],
  ['منذ 3 أيام', '2026-11-23'],
  // Hijri followed by Gregorian: the Gregorian wins
  ['صادر في 20 رمضان 1436 (7 يوليوز 2015)', '2015-07-07'],
  ['du 22 safar 1430 (18 février 2009)', '2009-02-18'],
  ['Dahir n° 1-15-62 du 14 chaabane 1436 (2 juin 2015)', '2015-06-02'],
  ['ظهير شريف رقم 1.18.15 صادر في 5 جمادى الآخرة 1439 (22 فبراير 2018)', '2018-02-22'],
  ['السبت 15 رجب 1442هـ 27 فبراير 2021م', '2021-02-27'],
  // Hijri alone: converted
  ['14-09-1432 هـ', '2011-08-14'],
  ['14-09-1432 هـ, 09:40 صباحاً', '2011-08-14'],
  ['1 رمضان 1445', '2024-03-11'],
  // Numeric dates in the source's order; impossible ones are not guessed
  ['27/09/2021', '2021-09-27'],
  ['09/27/2021', null],
  ['09/27/2021', '2021-09-27', 'mdy'],
  ['27/09/2021', null, 'mdy'],
  ['03/04/2022', '2022-04-03'],
  ['03/04/2022', '2022-03-04', 'mdy'],
  ['2021/09/27', '2021-09-27'],
  ['27.09.21', '2021-09-27'],
  ['27-09-2021', '2021-09-27'],
  ['31/02/2024', null],
  ['21/01/22', '2021-01-22', 'ymd'],
  // Not dates
  ['décret n° 2.17.265', null],
  ['Loi 31-13', null],
  ['n/a', null],
  ['', null],
  ['Sun, 31 Dec 9999 23:59:59 -9999', null],
  ['Sun, 99 Jun 2009 12:00:00 GMT', null],
];

t.test('dates', async (t) => {
  for (const [input, expected, order] of DATES) {
    t.equal(parseDate(input, { order, now: NOW }), expected, `${JSON.stringify(input)}${order ? ` (${order})` : ''}`);
  }
});

corpusTests(t, ['dates', 'sanitizer-xss'], {
  'dates from the shared corpus: dateparser ar/fr, date-fns fr and ar written dates': async (t) => {
    const dateparser = JSON.parse(fs.readFileSync(path.join(CORPUS, 'dates/dateparser/ar_fr_cases.json'), 'utf8')).cases as Array<{
      params: { date_string?: string; expected?: { datetime: string } };
    }>;
    // Two cases lack a year (dateparser fills in the current one); the rest must match.
    const absolute = dateparser.filter((c) => c.params.expected?.datetime && c.params.date_string && /\d{4}|\d{2}[-/]\d{2}[-/]\d{2}/.test(c.params.date_string));
    for (const c of absolute) t.equal(parseDate(c.params.date_string, { now: NOW }), c.params.expected!.datetime.slice(0, 10), `dateparser: ${c.params.date_string}`);
    for (const locale of ['fr', 'ar', 'ar-MA', 'ar-EG']) {
      const rows = JSON.parse(fs.readFileSync(path.join(CORPUS, `dates/date-fns/${locale}.json`), 'utf8')).format_and_parse as Array<{
        token: string;
        date: string;
        format: string;
      }>;
      for (const row of rows.filter((r) => ['PPP', 'PPPP'].includes(r.token) && !r.date.startsWith('0') && r.date >= '1900')) {
        t.equal(parseDate(row.format), row.date.slice(0, 10), `date-fns ${locale} ${row.token}: ${row.format}`);
      }
    }
  },
  'the sanitiser against every XSS vector of the shared corpora (DOMPurify, sanitize-html, feedparser)': async (t) => {
    const vectors: string[] = [];
    const dompurify = JSON.parse(fs.readFileSync(path.join(CORPUS, 'sanitizer-xss/dompurify/expect.json'), 'utf8')) as Array<{ payload: string }>;
    vectors.push(...dompurify.map((c) => c.payload));
    const sanitizeHtml = JSON.parse(fs.readFileSync(path.join(CORPUS, 'sanitizer-xss/sanitize-html/cases.json'), 'utf8'));
    for (const c of sanitizeHtml.cases ?? sanitizeHtml) if (typeof c.input === 'string') vectors.push(c.input);
    const feedparser = JSON.parse(fs.readFileSync(path.join(CORPUS, 'sanitizer-xss/feedparser-sanitize/cases.json'), 'utf8'));
    for (const c of feedparser.cases ?? feedparser) if (typeof c.input_html === 'string') vectors.push(c.input_html);
    t.ok(vectors.length > 1000, `${vectors.length} vectors`);
    sanitiserHolds(t, vectors);
  },
});

t.test('Hijri conversion', async (t) => {
  t.equal(hijriToGregorian(1445, 9, 1), '2024-03-11');
  t.equal(hijriToGregorian(1436, 9, 20), '2015-07-07');
  t.equal(hijriToGregorian(1200, 1, 1), null);
});

t.test('language', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['التقرير السنوي للهيئة الوطنية للنزاهة', 'ar'],
    ['Rapport annuel de la Cour des comptes sur la gestion', 'fr'],
    ['Annual report of the National Authority on the fight against corruption', 'en'],
    ['ⵜⴰⵎⴰⵣⵉⵖⵜ ⴷ ⵜⵓⵜⵍⴰⵢⵜ ⵜⴰⵏⴰⵎⵓⵔⵜ', 'zgh'],
    ['Loi 31-13 القانون المتعلق بالحق في الحصول على المعلومات', 'ar'],
    ['2024', null],
  ];
  for (const [text, lang] of cases) t.equal(detectLanguage(text), lang, text);
});

t.test("an item's language: the source's, unless its title and summary are in another script", async (t) => {
  const cases: Array<[Language | null, string, Language | null, string]> = [
    ['ar', "L'INPPLC prend part à Paris au forum de l'OCDE sur l'intégrité", 'fr', 'French news in a listing declared Arabic'],
    ['ar', 'ⵜⴰⵎⴰⵣⵉⵖⵜ ⴷ ⵜⵓⵜⵍⴰⵢⵜ ⵜⴰⵏⴰⵎⵓⵔⵜ', 'zgh', 'Tifinagh in a listing declared Arabic'],
    ['fr', 'التقرير السنوي للهيئة الوطنية للنزاهة', 'ar', 'Arabic in a listing declared French'],
    ['ar', 'Loi 31-13 القانون المتعلق بالحق في الحصول على المعلومات', 'ar', 'mostly Arabic with a French reference'],
    ['fr', 'Annual report of the National Authority on the fight against corruption', 'fr', 'French and English share a script: as declared'],
    ['ar', 'INPPLC 2026', 'ar', 'too few letters to overrule'],
    ['zgh', 'Tamazight s tira n tlatinit d tutlayt tunṣibt', 'zgh', 'Tamazight in Latin letters stays as declared'],
    [null, 'Rapport annuel de la Cour des comptes', 'fr', 'nothing declared: detected'],
  ];
  for (const [declared, text, want, why] of cases) t.equal(itemLanguage(declared, text, text), want, why);
});

t.test('identity: guid with link, else canonical URL, else title and date', async (t) => {
  t.equal(canonicalUrl('HTTPS://Partner.MA:443/fr/a?utm_source=x&id=3&fbclid=y#top'), 'https://partner.ma/fr/a?id=3');
  t.equal(itemIdentity({ guid: 'g1', url: 'https://p.ma/a', title: 'x' }), 'g:g1\nhttps://p.ma/a');
  t.not(itemIdentity({ guid: 'g1', url: 'https://p.ma/a', title: 'x' }), itemIdentity({ guid: 'g1', url: 'https://p.ma/b', title: 'x' }));
  t.equal(itemIdentity({ url: 'https://p.ma/a?utm_medium=rss', title: 'x' }), 'u:https://p.ma/a');
  t.equal(itemIdentity({ title: ' Rapport ', publishedAt: '2024-01-01' }), 't:rapport\n2024-01-01');
});

t.test('document type inferred from the title within the section', async (t) => {
  t.equal(inferDocType('publications', 'Loi n° 46-19 relative à l\'INPPLC'), 'legal_text');
  t.equal(inferDocType('publications', 'التقرير السنوي 2023'), 'report');
  t.equal(inferDocType('publications', 'دليل المرتفق'), 'guide');
  t.equal(inferDocType('news', 'Communiqué de presse'), 'press_release');
  t.equal(inferDocType('news', 'Colloque international'), 'event');
  t.equal(inferDocType('news', 'Rapport'), 'news', 'a report in the news section stays news');
  t.equal(inferDocType('publications', 'Divers', 'memorandum'), 'memorandum', 'the configured type wins');
});

/** No element or attribute that could run script survives (checked with a parser, not a regex). */
function executable(html: string): string[] {
  const $ = load(html, null, false);
  const found: string[] = [];
  $('*').each((_, el) => {
    const name = (el as { tagName: string }).tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'style', 'link', 'meta', 'base', 'form', 'svg', 'math', 'img', 'video', 'audio', 'frame', 'frameset', 'applet'].includes(name)) found.push(`<${name}>`);
    for (const [attr, value] of Object.entries((el as { attribs: Record<string, string> }).attribs)) {
      if (/^on/i.test(attr) || attr === 'style' || attr === 'srcdoc' || attr === 'formaction') found.push(`${name}[${attr}]`);
      if (/^\s*(javascript|data|vbscript):/i.test(value.replace(/[\u0000-\u0020]/g, ''))) found.push(`${name}[${attr}=${value.slice(0, 20)}]`);
    }
  });
  return found;
}

/** No vector leaves executable markup in a summary, every summary is bounded, titles stay text. */
function sanitiserHolds(t: Test, vectors: string[]): void {
  let failures = 0;
  for (const vector of vectors) {
    const { html, text } = sanitizeSummary(vector, 'https://partner.example/news/1');
    const bad = executable(html);
    if (bad.length > 0) {
      failures++;
      t.fail(`${JSON.stringify(vector).slice(0, 120)} left ${bad.join(', ')}`);
    }
    const leak = unbalanced(html);
    if (leak) {
      failures++;
      t.fail(`${JSON.stringify(vector).slice(0, 120)} gave unbalanced markup (${leak}): ${html.slice(0, 200)}`);
    }
    t.ok(html.length <= 8_100 && text.length <= 1_500, 'bounded');
    // Titles are plain text (the pages escape them): no tag survives as markup.
    t.equal(load(`<p>${cleanLine(vector).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`, null, false)('p *').length, 0);
  }
  t.equal(failures, 0, 'no vector survives');
}

t.test('the sanitiser against every XSS vector of the project\'s fixtures, class by class', async (t) => {
  const classes = new Set(OWN_VECTORS.map((v) => v.class));
  t.ok(classes.size >= 10 && OWN_VECTORS.length >= 100, `${OWN_VECTORS.length} vectors in ${classes.size} classes`);
  sanitiserHolds(t, OWN_VECTORS.map((v) => v.vector));
  // What a summary may keep:
  t.equal(
    sanitizeSummary('<p dir="rtl" onclick="x()">نص <a href="/doc.pdf" onmouseover="y()">وثيقة</a> <img src=x onerror=alert(1)></p>', 'https://p.ma/a/').html,
    '<p dir="rtl">نص <a rel="nofollow noopener noreferrer" href="https://p.ma/doc.pdf">وثيقة</a> </p>',
  );
  t.equal(sanitizeSummary('<a href="javascript:alert(1)">clic</a><a href="data:text/html,x">d</a>').html, '<span>clic</span><span>d</span>', 'refused links keep their text');
  // A refused link followed by allowed tags: they closed with </span>, leaving the next link or bold
  // open over the rest of the item page (an attacker's review).
  t.equal(
    sanitizeSummary('<a href="javascript:void(0)">menu</a><p><a href="http://evil.example/phish">Cliquez ici</a></p><p>fin du résumé</p>').html,
    '<span>menu</span><p><a rel="nofollow noopener noreferrer" href="http://evil.example/phish">Cliquez ici</a></p><p>fin du résumé</p>',
  );
  t.equal(sanitizeSummary('<a href="tel:+212500">appeler</a><b>gras</b> suite').html, '<span>appeler</span><b>gras</b> suite');
  // Bidi overrides and isolates spoof what a title says (an attacker's review); the marks stay.
  t.equal(cleanLine('EVILSIX \u202egnp.exe'), 'EVILSIX gnp.exe');
  t.equal(cleanLine('\u2067تقرير\u2069 2024 \u202bx\u202c'), 'تقرير 2024 x');
  t.equal(cleanLine('Loi 31-13\u200f القانون'), 'Loi 31-13\u200f القانون', 'a right-to-left mark is kept');
  t.equal(sanitizeSummary('<p>a \u202eb</p>').html, '<p>a b</p>');
  t.equal(sanitizeSummary(`<p>${'mot '.repeat(2000)}</p>`).text.length, 1500, 'long summaries become bounded excerpts');
});
