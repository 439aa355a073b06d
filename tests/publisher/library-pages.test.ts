// The online library's pages: course pages of training items (facts, upcoming / under way / over
// as the days pass, registration), /{lang}/services listing upcoming sessions first, and every
// item page's schema.org JSON-LD, citation_* meta tags and APA / ISO 690 references, in Arabic,
// French and English; harvested text that tries to break out of them stays text.
import { load, type CheerioAPI } from 'cheerio';
import t from 'tap';
import { type CourseFacts } from '../../harvester/index.ts';
import { BROWSER, makeApp, SEED_ITEMS, type SeedItem } from '../helpers/app.ts';

const course = (facts: Partial<CourseFacts>): CourseFacts => ({
  startsOn: null,
  endsOn: null,
  format: null,
  audience: null,
  language: null,
  registrationUrl: null,
  organiser: null,
  location: null,
  ...facts,
});

const TRAININGS: SeedItem[] = [
  {
    partner: 'beta',
    source: 'services',
    title: 'Formation : la commande publique responsable',
    section: 'services',
    docType: 'training',
    language: 'fr',
    publishedAt: '2025-05-01',
    url: 'https://beta.example/formations/commande-publique',
    course: course({ startsOn: '2025-06-16', endsOn: '2025-06-18', format: 'hybrid', audience: 'Acheteurs publics', registrationUrl: 'https://beta.example/inscription/cp', location: 'Rabat' }),
  },
  {
    partner: 'beta',
    source: 'services',
    title: 'دورة تكوينية حول أخلاقيات المرفق العام',
    section: 'services',
    docType: 'training',
    language: 'ar',
    publishedAt: '2025-05-20',
    url: 'https://beta.example/formations/akhlaqiyat',
    course: course({ startsOn: '2025-06-03', format: 'online', organiser: 'المعهد العالي للإدارة', language: 'ar', registrationUrl: 'https://beta.example/inscription/ethique' }),
  },
  {
    partner: 'beta',
    source: 'services',
    title: 'Formation : les déclarations de patrimoine',
    section: 'services',
    docType: 'training',
    language: 'fr',
    publishedAt: '2025-01-10',
    url: 'https://beta.example/formations/patrimoine',
    course: course({ startsOn: '2025-02-10', endsOn: '2025-02-12', format: 'in_person', registrationUrl: 'https://beta.example/inscription/old' }),
  },
  {
    partner: 'alpha',
    source: 'news',
    title: '</script><script>alert(1)</script> "Communiqué" & <b>x</b>',
    section: 'news',
    docType: 'press_release',
    language: 'fr',
    publishedAt: '2025-03-12',
    summary: '<p>Un résumé </script> avec <i>balises</i></p>',
    url: 'https://alpha.example/news/hostile',
  },
];

let now = new Date('2025-06-03T09:00:00Z');
const bed = await makeApp({ items: [...SEED_ITEMS, ...TRAININGS], now: () => now });
t.teardown(() => bed.close());
const { app, store } = bed;
const idOf = (start: string) => store.items.list({}, 1, 100).items.find((i) => i.title.startsWith(start))!.id;

async function get(url: string): Promise<{ status: number; $: CheerioAPI; body: string }> {
  const response = await app.inject({ url, headers: { ...BROWSER, host: 'evil.example' } });
  return { status: response.statusCode, $: load(response.body), body: response.body };
}

const jsonLd = ($: CheerioAPI) => JSON.parse($('script[type="application/ld+json"]').text()) as Record<string, unknown>;
const meta = ($: CheerioAPI, name: string) => $(`meta[name="${name}"]`).map((_, e) => $(e).attr('content')).get();

t.test('a course page: organiser, dates, format, audience, language, place, registration', async (t) => {
  const { status, $ } = await get(`/fr/items/${idOf('Formation : la commande')}`);
  t.equal(status, 200);
  const facts = Object.fromEntries($('.course dt').map((_, e) => [[$(e).text(), $(e).next('dd').text()]]).get() as Array<[string, string]>);
  t.same(facts, {
    Organisateur: 'Ministère Beta',
    Dates: 'Du 16 juin 2025 au 18 juin 2025',
    Modalité: 'Hybride (en présentiel et à distance)',
    Lieu: 'Rabat',
    Public: 'Acheteurs publics',
    Langue: 'Français',
  });
  t.equal($('.course h2 .tag').text(), 'À venir');
  t.equal($('.course a.button').attr('href'), 'https://beta.example/inscription/cp');
  t.match(jsonLd($), {
    '@type': 'Course',
    name: 'Formation : la commande publique responsable',
    provider: { '@type': 'Organization', name: 'Ministère Beta' },
    hasCourseInstance: { '@type': 'CourseInstance', courseMode: 'blended', startDate: '2025-06-16', endDate: '2025-06-18', location: { '@type': 'Place', name: 'Rabat' } },
    offers: { url: 'https://beta.example/inscription/cp' },
  });

  const ar = await get(`/ar/items/${idOf('دورة تكوينية')}`);
  t.equal(ar.$('html').attr('dir'), 'rtl');
  t.equal(ar.$('.course h2 .tag').text(), 'جارية', 'a one-day session today is under way');
  t.match(ar.$('.course').text(), /المعهد العالي للإدارة/);
  t.match(ar.$('.course').text(), /عن بعد/);
  const en = await get(`/en/items/${idOf('Formation : les déclarations')}`);
  t.equal(en.$('.course h2 .tag').text(), 'Over');
  t.equal(en.$('.course a.button').length, 0, 'no registration link for a session that is over');
  t.match(en.$('.course').text(), /In person/);

  // Days pass: the same page says the session is under way, then over (course pages are not cached).
  now = new Date('2025-06-17T10:00:00Z');
  t.equal((await get(`/fr/items/${idOf('Formation : la commande')}`)).$('.course h2 .tag').text(), 'En cours');
  now = new Date('2025-06-18T23:30:00Z');
  t.equal((await get(`/fr/items/${idOf('Formation : la commande')}`)).$('.course h2 .tag').text(), 'Terminée', 'past midnight in Morocco (UTC+1)');
  now = new Date('2025-06-03T09:00:00Z');

  const bare = await get(`/fr/items/${idOf('Formation à distance')}`);
  t.match(bare.$('.course').text(), /n'a pas encore publié les dates/, 'a training item without facts says so');
});

t.test('/{lang}/services: upcoming sessions first, soonest first; past ones below', async (t) => {
  for (const [lang, heading] of [['fr', 'Prochaines sessions de formation'], ['ar', 'الدورات التكوينية القادمة'], ['en', 'Upcoming training sessions']] as const) {
    const { $ } = await get(`/${lang}/services`);
    t.equal($('.sessions h2').text(), heading);
    const order = $('main section, main .listing').map((_, e) => $(e).attr('class')).get();
    t.equal(order[0], 'sessions', `${lang}: the sessions come first`);
    t.same($('.sessions > ol .item-title').map((_, e) => $(e).text()).get(), ['دورة تكوينية حول أخلاقيات المرفق العام', 'Formation : la commande publique responsable']);
    t.same($('.past-sessions .item-title').map((_, e) => $(e).text()).get(), ['Formation : les déclarations de patrimoine']);
  }
  const { $ } = await get('/fr/services');
  t.match($('.sessions > ol li').first().text(), /En cours.*3 juin 2025.*En ligne/s);
  now = new Date('2025-07-01T09:00:00Z');
  const later = await get('/fr/services');
  t.match(later.$('.sessions > p.empty').text(), /Aucune session/, 'a month later nothing is upcoming (the page is not cached)');
  t.equal(later.$('.past-sessions li').length, 3);
  now = new Date('2025-06-03T09:00:00Z');
});

t.test('schema.org types and citation_* tags by document type', async (t) => {
  const cases: Array<[string, string]> = [
    ['التقرير السنوي', 'Report'],
    ['القانون رقم 31.13', 'Legislation'],
    ['Communiqué : la transparence', 'NewsArticle'],
    ['Vidéo : la probité', 'VideoObject'],
    ['Bibliothèque : recueil', 'Book'],
    ['Statistiques de la corruption', 'Report'],
  ];
  for (const [title, type] of cases) {
    const { $ } = await get(`/fr/items/${idOf(title)}`);
    t.equal(jsonLd($)['@type'], type, `${title}: ${type}`);
    t.same(meta($, 'citation_title'), [store.items.get(idOf(title))!.title]);
  }
  const report = await get(`/fr/items/${idOf('التقرير السنوي')}`);
  t.same(meta(report.$, 'citation_author'), ['هيئة ألفا'], 'the institution named in the document language');
  t.same(meta(report.$, 'citation_publication_date'), ['2024/03/12']);
  t.same(meta(report.$, 'citation_language'), ['ar']);
  t.same(meta(report.$, 'citation_technical_report_institution'), ['هيئة ألفا']);
  t.same(meta(report.$, 'citation_pdf_url'), ['https://alpha.example/reports/0.pdf']);
  t.same(meta(report.$, 'citation_abstract_html_url'), [`https://portal.example/fr/items/${idOf('التقرير السنوي')}`], 'from base_url, not the Host header');
  t.match(jsonLd(report.$), { inLanguage: 'ar', datePublished: '2024-03-12', encoding: { contentUrl: 'https://alpha.example/reports/0.pdf', encodingFormat: 'application/pdf' }, sameAs: 'https://alpha.example/reports/0' });
  const law = await get(`/fr/items/${idOf('القانون رقم 31.13')}`);
  t.match(jsonLd(law.$), { legislationJurisdiction: 'MA', legislationDate: '2015-07-07' });
});

t.test('references to copy: APA and ISO 690 in the visitor language, as text (no script)', async (t) => {
  const id = idOf('Rapport annuel sur la transparence');
  const text = ($: CheerioAPI, index: number) => $('.citation-text').eq(index).text();
  const fr = await get(`/fr/items/${id}`);
  t.equal(text(fr.$, 0), 'Instance Alpha. (2024). Rapport annuel sur la transparence des marchés publics. https://alpha.example/reports/4');
  t.match(text(fr.$, 1), /^INSTANCE ALPHA\. Rapport annuel sur la transparence des marchés publics \[en ligne\]\. 2024 \[consulté le \d+ \S+ \d{4}\]\. Disponible à l'adresse : https:\/\/alpha\.example\/reports\/4$/);
  t.equal(fr.$('.citation-text i').first().text(), 'Rapport annuel sur la transparence des marchés publics', 'the title in italics');
  const en = await get(`/en/items/${idOf('Communiqué : la transparence')}`);
  t.equal(text(en.$, 0), 'Instance Alpha. (2025, February 1). Communiqué : la transparence au cœur de la réforme [Press release]. https://alpha.example/news/6', 'news-like items with their full date');
  const undated = await get(`/ar/items/${idOf('Bibliothèque')}`);
  t.match(text(undated.$, 0), /\(د\.ت\.\)/, 'no date in Arabic');
  t.match(text(undated.$, 1), /\[على الخط\]\. د\.ت\. \[تاريخ الاطلاع: /);
  t.equal(undated.$('.citation-text bdi').first().text(), 'Ministère Beta', 'a French name stays isolated in Arabic text');
  t.equal((await get(`/en/items/${idOf('Bibliothèque')}`)).$('.citation-text').first().text().includes('(n.d.)'), true);
});

t.test('harvested text cannot break out of the JSON-LD, the meta tags or the references', async (t) => {
  const { $, body } = await get(`/fr/items/${idOf('</script>')}`);
  t.equal($('script').length, 1, 'one script element: the JSON-LD data block');
  t.equal($('script').attr('type'), 'application/ld+json');
  t.notMatch($('script').html()!, /<\/script|<script/i, 'no closing tag inside it');
  t.equal(jsonLd($).name, '</script><script>alert(1)</script> "Communiqué" & <b>x</b>', 'the title reads back intact');
  t.equal(jsonLd($).description, 'Un résumé avec balises');
  t.same(meta($, 'citation_title'), ['</script><script>alert(1)</script> "Communiqué" & <b>x</b>']);
  t.equal($('.citation-text b').length, 0, 'no markup from the title in the references');
  t.match($('.citation-text').first().text(), /<\/script><script>alert\(1\)<\/script> "Communiqué" & <b>x<\/b>/);
  t.notMatch(body, /evil\.example/);
});
