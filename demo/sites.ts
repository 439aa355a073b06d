// The 19 simulated partner sites of the demo and the tests: one HTTP server per partner on its own
// loopback port (so per-host politeness is real), all in one process, with the shapes partners'
// sites have: WordPress /feed/, Drupal /rss.xml (one in windows-1256, one with ETag/304), Atom,
// HTML listings with different markup and date formats, linked PDFs in Arabic and French (one a
// scan), a site that is down, one that times out, one whose layout changes.
import http from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import iconv from 'iconv-lite';
import { datasetBody, DEMO_DATASETS } from './datasets.ts';
import { formatDemoDate, itemsOf, type DateStyle, type DemoItem, type Institution, type SourceSpec } from './content.ts';
import { makePdf, makeScan } from './pdf.ts';

export type ListingStyle = 'drupal' | 'wordpress' | 'joomla' | 'table' | 'cards' | 'list-ar' | 'events';
export type FeedStyle = 'wordpress' | 'drupal' | 'atom';

export interface DemoSource {
  id: string;
  section: string;
  docType?: string;
  language?: 'ar' | 'fr';
  path: string;
  kind: 'feed' | 'html' | 'pdf';
  feed?: FeedStyle;
  listing?: ListingStyle;
  dates: DateStyle;
  dateOrder?: 'dmy' | 'mdy';
  encoding?: 'windows-1256';
  etag?: boolean;
  /** Serves another markup (the selectors stop matching) after this many requests. */
  layoutChangesAfter?: number;
  spec: Omit<SourceSpec, 'key' | 'institution'>;
  /** For `kind: pdf`: the document's title in the config. */
  title?: { fr?: string; ar?: string };
}

export interface DemoSite {
  partner: string;
  institution: Institution;
  /** `down`: nothing listens; `timeout`: connections are accepted and never answered. */
  state: 'up' | 'down' | 'timeout';
  sources: DemoSource[];
}

/** An institution: French name with its article, Arabic name (feminine: its verbs agree), English name. */
const I = (fr: string, ar: string, en: string, arFeminine = false): Institution => ({ fr, ar, en, arFeminine });

export const DEMO_SITES: DemoSite[] = [
  {
    partner: 'inpplc',
    institution: I("l'INPPLC", 'الهيئة الوطنية للنزاهة', 'INPPLC', true),
    state: 'up',
    sources: [
      { id: 'news-fr', section: 'news', docType: 'news', language: 'fr', path: '/fr/actualites', kind: 'html', listing: 'drupal', dates: 'fr-long', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-05', periodDays: 5, window: 30 } },
      { id: 'news-ar', section: 'news', docType: 'news', language: 'ar', path: '/ar/actualites', kind: 'html', listing: 'drupal', dates: 'ar-ma', spec: { language: 'mixed', docTypes: ['news'], start: '2023-01-07', periodDays: 6, window: 25 } },
      { id: 'reports', section: 'publications', path: '/fr/publications/rapports', kind: 'html', listing: 'table', dates: 'dmy', spec: { language: 'fr', docTypes: ['report', 'study'], start: '2023-02-01', periodDays: 45, window: 14, pdf: true } },
      { id: 'annual-report', section: 'publications', docType: 'report', language: 'fr', path: '/sites/default/files/rapport-annuel.pdf', kind: 'pdf', dates: 'iso', title: { fr: "Rapport annuel de l'INPPLC", ar: 'التقرير السنوي للهيئة' }, spec: { language: 'fr', docTypes: ['report'], start: '2023-03-01', periodDays: 365, window: 1, pdf: true } },
      { id: 'events', section: 'news', docType: 'event', path: '/agenda/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['event'], start: '2026-01-01', periodDays: 0.003, window: 10 } },
      { id: 'media', section: 'media', path: '/fr/mediatheque', kind: 'html', listing: 'cards', dates: 'fr-long', spec: { language: 'fr', docTypes: ['video', 'photo', 'press_kit'], start: '2023-01-20', periodDays: 18, window: 20 } },
    ],
  },
  {
    partner: 'pmp',
    institution: I('la Présidence du ministère public', 'رئاسة النيابة العامة', 'the Public Prosecutor', true),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', path: '/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'mixed', docTypes: ['news'], start: '2023-01-03', periodDays: 4, window: 25 } },
      { id: 'publications', section: 'publications', path: '/publications/', kind: 'html', listing: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['report', 'guide'], start: '2023-02-10', periodDays: 40, window: 12, pdf: true } },
    ],
  },
  {
    partner: 'cspj',
    institution: I('le Conseil supérieur du pouvoir judiciaire', 'المجلس الأعلى للسلطة القضائية', 'the Judicial Council'),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'ar', path: '/ar/news', kind: 'html', listing: 'list-ar', dates: 'ar-ma-indic', spec: { language: 'ar', docTypes: ['news'], start: '2023-01-11', periodDays: 8, window: 25 } },
      { id: 'reports', section: 'publications', docType: 'report', language: 'ar', path: '/ar/publications', kind: 'html', listing: 'list-ar', dates: 'ar-ma', spec: { language: 'ar', docTypes: ['report'], start: '2023-03-15', periodDays: 90, window: 8, pdf: true } },
    ],
  },
  {
    partner: 'cour-des-comptes',
    institution: I('la Cour des comptes', 'المجلس الأعلى للحسابات', 'the Court of Accounts'),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'press_release', language: 'fr', path: '/fr/rss.xml', kind: 'feed', feed: 'drupal', etag: true, dates: 'iso', spec: { language: 'fr', docTypes: ['press_release'], start: '2023-01-09', periodDays: 9, window: 25 } },
      { id: 'reports', section: 'publications', docType: 'report', path: '/fr/publications', kind: 'html', listing: 'drupal', dates: 'dmy', spec: { language: 'fr', docTypes: ['report'], start: '2023-02-20', periodDays: 35, window: 15, pdf: true } },
    ],
  },
  {
    partner: 'conseil-concurrence',
    institution: I('le Conseil de la concurrence', 'مجلس المنافسة', 'the Competition Council'),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'press_release', language: 'fr', path: '/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['press_release'], start: '2023-01-12', periodDays: 11, stop: '2025-03-15', window: 25 } },
      { id: 'opinions', section: 'publications', docType: 'memorandum', path: '/avis/', kind: 'html', listing: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['memorandum'], start: '2023-02-02', periodDays: 40, stop: '2025-03-01', window: 12, pdf: true } },
    ],
  },
  {
    partner: 'mediateur',
    institution: I("l'Institution du Médiateur du Royaume", 'مؤسسة وسيط المملكة', 'the Ombudsman', true),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'fr', path: '/index.php/fr/actualites', kind: 'html', listing: 'joomla', dates: 'fr-published', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-16', periodDays: 12, window: 25 } },
      { id: 'reports', section: 'publications', docType: 'report', language: 'fr', path: '/index.php/fr/rapports', kind: 'html', listing: 'joomla', dates: 'fr-published', spec: { language: 'fr', docTypes: ['report'], start: '2023-04-01', periodDays: 120, window: 6, pdf: true } },
    ],
  },
  {
    partner: 'cndh',
    institution: I('le CNDH', 'المجلس الوطني لحقوق الإنسان', 'the CNDH'),
    state: 'up',
    sources: [
      { id: 'news-fr', section: 'news', docType: 'news', language: 'fr', path: '/fr/rss.xml', kind: 'feed', feed: 'drupal', dates: 'iso', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-02', periodDays: 6, window: 25 } },
      { id: 'news-ar', section: 'news', docType: 'news', language: 'ar', path: '/ar/rss.xml', kind: 'feed', feed: 'drupal', encoding: 'windows-1256', dates: 'iso', spec: { language: 'ar', docTypes: ['news'], start: '2023-01-04', periodDays: 6, window: 25 } },
    ],
  },
  {
    partner: 'haca',
    institution: I('la HACA', 'الهيئة العليا للاتصال السمعي البصري', 'the HACA', true),
    state: 'up',
    sources: [
      { id: 'decisions', section: 'publications', docType: 'legal_text', language: 'fr', path: '/fr/decisions', kind: 'html', listing: 'table', dates: 'hijri-fr', spec: { language: 'fr', docTypes: ['legal_text'], start: '2023-01-25', periodDays: 30, window: 15, pdf: true } },
      { id: 'podcasts', section: 'media', docType: 'audio', path: '/fr/podcasts/rss.xml', kind: 'feed', feed: 'drupal', dates: 'iso', spec: { language: 'fr', docTypes: ['audio'], start: '2023-03-01', periodDays: 25, window: 12 } },
    ],
  },
  {
    partner: 'cdai',
    institution: I('la CDAI', 'لجنة الحق في الحصول على المعلومات', 'the CDAI', true),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'fr', path: '/fr/actualites', kind: 'html', listing: 'cards', dates: 'fr-time', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-18', periodDays: 10, window: 25 } },
      { id: 'guides', section: 'publications', docType: 'guide', path: '/fr/publications', kind: 'html', listing: 'cards', dates: 'fr-long', spec: { language: 'mixed', docTypes: ['guide'], start: '2023-02-15', periodDays: 60, window: 10, pdf: true, scannedIndex: 3 } },
    ],
  },
  {
    partner: 'cndp',
    institution: I('la CNDP', 'اللجنة الوطنية لمراقبة حماية المعطيات', 'the CNDP', true),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'fr', path: '/fr/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-06', periodDays: 8, window: 25 } },
      { id: 'deliberations', section: 'publications', docType: 'legal_text', language: 'fr', path: '/fr/deliberations/', kind: 'html', listing: 'wordpress', layoutChangesAfter: 1, dates: 'iso', spec: { language: 'fr', docTypes: ['legal_text'], start: '2023-01-30', periodDays: 21, window: 15 } },
    ],
  },
  {
    partner: 'cese',
    institution: I('le CESE', 'المجلس الاقتصادي والاجتماعي والبيئي', 'the CESE'),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', path: '/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'mixed', docTypes: ['news'], start: '2023-01-13', periodDays: 7, window: 25 } },
      { id: 'opinions', section: 'publications', docType: 'study', path: '/publications/avis/', kind: 'html', listing: 'drupal', dates: 'mdy', dateOrder: 'mdy', spec: { language: 'fr', docTypes: ['study'], start: '2023-02-08', periodDays: 35, window: 12, pdf: true } },
    ],
  },
  {
    partner: 'bam',
    institution: I('Bank Al-Maghrib', 'بنك المغرب', 'Bank Al-Maghrib'),
    state: 'up',
    sources: [
      { id: 'press', section: 'news', docType: 'press_release', language: 'fr', path: '/Communiques/Communiques-de-presse', kind: 'html', listing: 'cards', dates: 'iso', spec: { language: 'fr', docTypes: ['press_release'], start: '2023-01-10', periodDays: 10, window: 25 } },
      { id: 'statistics', section: 'statistics', docType: 'national_statistics', language: 'fr', path: '/Statistiques/Publications-statistiques', kind: 'html', listing: 'table', dates: 'iso', spec: { language: 'fr', docTypes: ['national_statistics'], start: '2023-01-31', periodDays: 30, window: 15, pdf: true } },
    ],
  },
  {
    partner: 'mtnra',
    institution: I('le ministère de la Transition numérique et de la Réforme de l\'administration', 'وزارة الانتقال الرقمي وإصلاح الإدارة', 'the Ministry of Digital Transition', true),
    state: 'down',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'fr', path: '/fr/actualites', kind: 'html', listing: 'drupal', dates: 'fr-long', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-05', periodDays: 7, window: 20 } },
      { id: 'guides', section: 'publications', docType: 'guide', language: 'fr', path: '/fr/publications', kind: 'html', listing: 'drupal', dates: 'fr-long', spec: { language: 'fr', docTypes: ['guide'], start: '2023-01-05', periodDays: 60, window: 10, pdf: true } },
    ],
  },
  {
    partner: 'justice',
    institution: I('le ministère de la Justice', 'وزارة العدل', 'the Ministry of Justice', true),
    state: 'up',
    sources: [
      { id: 'legislation', section: 'publications', docType: 'legal_text', language: 'ar', path: '/ar/legislation', kind: 'html', listing: 'list-ar', dates: 'hijri-ar', spec: { language: 'ar', docTypes: ['legal_text'], start: '2023-01-20', periodDays: 40, window: 20, pdf: true, scannedIndex: 5 } },
      { id: 'news', section: 'news', docType: 'news', language: 'ar', path: '/ar/actualites', kind: 'html', listing: 'list-ar', dates: 'ar-east', spec: { language: 'ar', docTypes: ['news'], start: '2023-01-08', periodDays: 9, window: 25 } },
    ],
  },
  {
    partner: 'mef',
    institution: I("le ministère de l'Économie et des Finances", 'وزارة الاقتصاد والمالية', 'the Ministry of Finance', true),
    state: 'timeout',
    sources: [
      { id: 'news', section: 'news', docType: 'press_release', language: 'fr', path: '/fr/Pages/actualites.aspx', kind: 'html', listing: 'cards', dates: 'dmy', spec: { language: 'fr', docTypes: ['press_release'], start: '2023-01-05', periodDays: 7, window: 20 } },
    ],
  },
  {
    partner: 'tgr',
    institution: I('la Trésorerie générale du Royaume', 'الخزينة العامة للمملكة', 'the Treasury', true),
    state: 'up',
    sources: [
      { id: 'statistics', section: 'statistics', docType: 'national_statistics', language: 'fr', path: '/wps/portal/Accueil/Publications/BMSFP', kind: 'html', listing: 'table', dates: 'month-year', spec: { language: 'fr', docTypes: ['national_statistics'], start: '2023-01-28', periodDays: 30, stop: '2025-06-30', window: 18, pdf: true } },
    ],
  },
  {
    partner: 'add',
    institution: { ...I("l'Agence de développement du digital", 'وكالة التنمية الرقمية', 'the Digital Development Agency', true), official: 'Agence de Développement du Digital' },
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', path: '/feed/', kind: 'feed', feed: 'atom', dates: 'iso', spec: { language: 'mixed', docTypes: ['news'], start: '2023-01-14', periodDays: 10, window: 25 } },
      { id: 'training', section: 'services', docType: 'training', language: 'fr', path: '/formations/', kind: 'html', listing: 'events', dates: 'iso', spec: { language: 'fr', docTypes: ['training'], start: '2023-03-01', periodDays: 14, window: 20 } },
    ],
  },
  {
    partner: 'cgem',
    institution: I('la CGEM', 'الاتحاد العام لمقاولات المغرب', 'the CGEM'),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', language: 'fr', path: '/fr/actualites', kind: 'html', listing: 'cards', dates: 'dot', spec: { language: 'fr', docTypes: ['news'], start: '2023-01-19', periodDays: 14, window: 25 } },
      { id: 'guides', section: 'publications', docType: 'guide', language: 'fr', path: '/fr/publications', kind: 'html', listing: 'cards', dates: 'dot', spec: { language: 'fr', docTypes: ['guide'], start: '2023-04-10', periodDays: 90, window: 8, pdf: true } },
    ],
  },
  {
    partner: 'transparency-maroc',
    institution: I('Transparency Maroc', 'ترانسبرانسي المغرب', 'Transparency Maroc', true),
    state: 'up',
    sources: [
      { id: 'news', section: 'news', docType: 'news', path: '/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'en-fr', docTypes: ['news'], start: '2023-01-17', periodDays: 9, window: 25 } },
      { id: 'cpi', section: 'statistics', docType: 'international_statistics', path: '/indice-de-perception-de-la-corruption/', kind: 'html', listing: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['international_statistics'], start: '2014-01-28', periodDays: 365, window: 12 } },
      { id: 'library', section: 'services', docType: 'library', path: '/publications/', kind: 'html', listing: 'wordpress', dates: 'iso', spec: { language: 'en-fr', docTypes: ['library'], start: '2023-01-22', periodDays: 50, window: 20, pdf: true } },
      { id: 'interviews', section: 'media', docType: 'interview', path: '/entretiens/feed/', kind: 'feed', feed: 'wordpress', dates: 'iso', spec: { language: 'fr', docTypes: ['interview'], start: '2023-02-22', periodDays: 35, window: 12 } },
    ],
  },
];

// ---------------------------------------------------------------- rendering

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const stripTags = (html: string) => html.replace(/<[^>]*>/g, '');

function specOf(site: DemoSite, source: DemoSource): SourceSpec {
  return { ...source.spec, key: `${site.partner}/${source.id}`, institution: site.institution };
}

function itemHref(source: DemoSource, item: DemoItem): string {
  if (source.spec.pdf) return `/docs/${source.id}-${item.index}.pdf`;
  return `/item/${source.id}/${item.index}`;
}

function listing(site: DemoSite, source: DemoSource, items: DemoItem[], style: ListingStyle, origin: string): string {
  const date = (item: DemoItem) => formatDemoDate(item.at, source.dates);
  const dir = source.language === 'ar' ? ' dir="rtl" lang="ar"' : ' lang="fr"';
  let body: string;
  switch (style) {
    case 'drupal':
      body = `<div class="view-content">${items
        .map(
          (i) => `<div class="views-row"><div class="views-field-title"><span class="field-content"><a href="${itemHref(source, i)}">${esc(i.title)}</a></span></div>
<div class="views-field-created"><span class="date-display-single">${date(i)}</span></div><div class="views-field-body">${i.summary}</div></div>`,
        )
        .join('\n')}</div>`;
      break;
    case 'wordpress':
      body = items
        .map(
          (i) => `<article class="post type-post"><header><h2 class="entry-title"><a href="${itemHref(source, i)}" rel="bookmark">${esc(i.title)}</a></h2>
<time class="entry-date published" datetime="${i.at.toISOString().replace('.000Z', '+00:00')}">${formatDemoDate(i.at, 'fr-long')}</time></header><div class="entry-summary">${i.summary}</div></article>`,
        )
        .join('\n');
      break;
    case 'joomla':
      body = `<div class="blog">${items
        .map((i) => `<div class="item"><h2 itemprop="headline"><a href="${itemHref(source, i)}">${esc(i.title)}</a></h2><dl class="article-info"><dd class="published">${date(i)}</dd></dl>${i.summary}</div>`)
        .join('\n')}</div>`;
      break;
    case 'table':
      body = `<table class="docs"><thead><tr><th>Titre</th><th>Date</th></tr></thead><tbody>${items
        .map((i) => `<tr><td class="titre"><a href="${itemHref(source, i)}">${esc(i.title)}</a></td><td class="date">${date(i)}</td></tr>`)
        .join('\n')}</tbody></table>`;
      break;
    case 'cards':
      body = `<ul class="cards">${items
        .map((i) => `<li class="card"><a class="card-link" href="${itemHref(source, i)}"><span class="card-title">${esc(i.title)}</span></a><span class="card-date">${date(i)}</span><p class="card-text">${stripTags(i.summary)}</p></li>`)
        .join('\n')}</ul>`;
      break;
    case 'events': {
      // An events plugin's list (WordPress "The Events Calendar" style): each session's dates,
      // format, audience and registration in the markup, organiser and place in a JSON-LD graph.
      const formats = { online: 'En ligne', in_person: 'En présentiel', hybrid: 'Hybride : en présentiel et en ligne' } as const;
      const graph = items
        .filter((i) => i.course)
        .map((i) => ({
          '@type': 'Event',
          name: i.title,
          url: `${origin}${itemHref(source, i)}`,
          startDate: i.course!.starts.toISOString().slice(0, 10),
          organizer: { '@type': 'Organization', name: site.institution.official ?? site.institution.fr.replace(/^(l'|la |le )/, '').replace(/^./, (c) => c.toUpperCase()) },
          location: i.course!.format === 'online' ? { '@type': 'VirtualLocation', url: `${origin}/inscription/${i.index}` } : { '@type': 'Place', name: i.course!.city },
        }));
      body = `<script type="application/ld+json">${JSON.stringify({ '@context': 'https://schema.org', '@graph': graph }).replace(/</g, '\\u003c')}</script>
<div class="tribe-events-list">${items
        .map(
          (i) => `<article class="tribe-events-calendar-list__event"><h3 class="tribe-events-calendar-list__event-title"><a href="${itemHref(source, i)}">${esc(i.title)}</a></h3>
<time class="published" datetime="${i.at.toISOString().slice(0, 10)}">${formatDemoDate(i.at, 'fr-long')}</time>${
            i.course
              ? `<p class="tribe-event-schedule">Du <time class="tribe-event-date-start" datetime="${i.course.starts.toISOString().slice(0, 10)}">${formatDemoDate(i.course.starts, 'fr-long')}</time> au <time class="tribe-event-date-end" datetime="${i.course.ends.toISOString().slice(0, 10)}">${formatDemoDate(i.course.ends, 'fr-long')}</time></p>
<p class="tribe-event-mode">${formats[i.course.format]}</p><p class="tribe-event-audience">Public : <span>${esc(i.course.audience)}</span></p><a class="tribe-event-register" href="/inscription/${i.index}">S'inscrire</a>`
              : ''
          }<div class="tribe-events-calendar-list__event-description">${i.summary}</div></article>`,
        )
        .join('\n')}</div>`;
      break;
    }
    case 'list-ar':
      body = `<ul class="akhbar">${items.map((i) => `<li><a href="${itemHref(source, i)}">${esc(i.title)}</a> <span class="tarikh">${date(i)}</span></li>`).join('\n')}</ul>`;
      break;
  }
  return `<!DOCTYPE html><html${dir}><head><meta charset="utf-8"><title>${esc(site.institution.fr)}</title></head><body><header><nav><a href="/">Accueil</a></nav></header><main>${body}</main><footer>© ${esc(site.institution.fr)}</footer></body></html>`;
}

/** The CSS selectors of each listing markup, as an operator would write them in the config. */
export const SELECTORS: Record<ListingStyle, Record<string, string>> = {
  drupal: { item: '.views-row', title: '.views-field-title a', link: '.views-field-title a@href', date: '.date-display-single', summary: '.views-field-body' },
  wordpress: { item: 'article.post', title: '.entry-title a', link: '.entry-title a@href', date: 'time.entry-date@datetime', summary: '.entry-summary' },
  joomla: { item: '.blog .item', title: "h2[itemprop='headline'] a", link: 'h2 a@href', date: '.published' },
  table: { item: 'table.docs tbody tr', title: '.titre a', link: '.titre a@href', date: '.date' },
  cards: { item: 'ul.cards li.card', title: '.card-title', link: 'a.card-link@href', date: '.card-date', summary: '.card-text' },
  'list-ar': { item: 'ul.akhbar li', title: 'a', link: 'a@href', date: '.tarikh' },
  events: {
    item: 'article.tribe-events-calendar-list__event',
    title: '.tribe-events-calendar-list__event-title a',
    link: '.tribe-events-calendar-list__event-title a@href',
    date: 'time.published@datetime',
    summary: '.tribe-events-calendar-list__event-description',
    starts: 'time.tribe-event-date-start@datetime',
    ends: 'time.tribe-event-date-end@datetime',
    format: '.tribe-event-mode',
    audience: '.tribe-event-audience span',
    registration: 'a.tribe-event-register@href',
  },
};

function rfc822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

function feed(site: DemoSite, source: DemoSource, items: DemoItem[], origin: string): string {
  const style = source.feed ?? 'wordpress';
  if (style === 'atom') {
    return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="${origin}/">
<title>${esc(site.institution.fr)}</title><id>${origin}/</id><updated>${(items[0]?.at ?? new Date(0)).toISOString()}</updated>
<link rel="self" href="${origin}${source.path}"/>
${items
  .map(
    (i) => `<entry><title>${esc(i.title)}</title><link rel="alternate" href="${itemHref(source, i).slice(1)}"/><id>tag:${site.partner}.demo,2023:${source.id}-${i.index}</id>
<published>${i.at.toISOString()}</published><updated>${i.at.toISOString()}</updated><summary type="html">${esc(i.summary)}</summary></entry>`,
  )
  .join('\n')}
</feed>`;
  }
  const encoding = source.encoding ?? 'UTF-8';
  const base = style === 'drupal' ? ` xml:base="${origin}/"` : '';
  const link = (i: DemoItem) => (style === 'drupal' ? itemHref(source, i).slice(1) : `${origin}${itemHref(source, i)}`);
  return `<?xml version="1.0" encoding="${encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"${base}>
<channel><title>${esc(site.institution.fr)}</title><link>${origin}/</link><description>${esc(site.institution.fr)}</description><language>${source.language ?? 'fr'}</language>
${items
  .map(
    (i) => `<item><title>${esc(i.title)}</title><link>${link(i)}</link><guid isPermaLink="false">${style === 'wordpress' ? `${origin}/?p=${i.index + 100}` : `${source.id} ${i.index} at ${origin}`}</guid>
<pubDate>${rfc822(i.at)}</pubDate><dc:creator>${esc(site.institution.fr)}</dc:creator><description><![CDATA[${i.summary}]]></description>${style === 'wordpress' ? `<content:encoded><![CDATA[${i.summary}<p>${esc(i.title)}</p>]]></content:encoded>` : ''}</item>`,
  )
  .join('\n')}
</channel></rss>`;
}

function itemPage(site: DemoSite, item: DemoItem): string {
  const dir = item.language === 'ar' ? ' dir="rtl"' : '';
  return `<!DOCTYPE html><html lang="${item.language}"${dir}><head><meta charset="utf-8"><title>${esc(item.title)}</title></head><body><h1>${esc(item.title)}</h1><p>${item.at.toISOString().slice(0, 10)}</p>${item.summary}<p>${esc(site.institution.fr)}</p></body></html>`;
}

// ---------------------------------------------------------------- servers

export interface RunningSites {
  /** Base URL of each partner's site ("http://127.0.0.1:48201"). */
  urls: Map<string, string>;
  /** Requests served per partner and path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export interface SiteOptions {
  /** First port; partner i listens on portBase + i. 0 picks free ports (tests). */
  portBase: number;
  host?: string;
  now?: () => Date;
}

export const DEFAULT_PORT_BASE = 48200;

export async function startDemoSites(options: SiteOptions): Promise<RunningSites> {
  const host = options.host ?? '127.0.0.1';
  const now = options.now ?? (() => new Date());
  const urls = new Map<string, string>();
  const hits = new Map<string, number>();
  const servers: http.Server[] = [];
  const sockets = new Set<Socket>();
  const pdfCache = new Map<string, Promise<Buffer>>();
  // The statistics files are built before the sites listen, not while a harvest waits; so are
  // the scans (rasterised by poppler: a second or so each, too slow to make while a harvest waits).
  await Promise.all(DEMO_DATASETS.map((d) => datasetBody(d, now())));
  await Promise.all(
    DEMO_SITES.flatMap((site) =>
      site.sources.flatMap((source) =>
        itemsOf(specOf(site, source), now())
          .filter((item) => item.scanned)
          .map((item) => pdfFor(pdfCache, `${site.partner}/${source.id}/${item.index}`, item, site)),
      ),
    ),
  );

  for (const [index, site] of DEMO_SITES.entries()) {
    const port = options.portBase === 0 ? 0 : options.portBase + index;
    if (site.state === 'down') {
      // Nothing listens: reserve a free port that is closed again, so the URL refuses connections.
      const probe = http.createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, host, resolve));
      const address = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      urls.set(site.partner, `http://${host}:${address.port}`);
      continue;
    }
    const served = new Map<string, number>();
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      const key = `${site.partner}${path}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      if (site.state === 'timeout') return; // never answers
      void respond(site, path, req, res, urls.get(site.partner)!, served, now(), pdfCache).catch(() => {
        res.statusCode = 500;
        res.end('server error');
      });
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is in use: set DEMO_PORT_BASE to another range (each of the 19 sites needs one port)`) : error),
      );
      server.listen(port, host, resolve);
    });
    servers.push(server);
    urls.set(site.partner, `http://${host}:${(server.address() as AddressInfo).port}`);
  }
  return {
    urls,
    hits,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

async function respond(
  site: DemoSite,
  path: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  origin: string,
  served: Map<string, number>,
  now: Date,
  pdfCache: Map<string, Promise<Buffer>>,
): Promise<void> {
  if (path === '/robots.txt') {
    res.setHeader('content-type', 'text/plain');
    res.end('User-agent: *\nDisallow: /admin/\nDisallow: /wp-admin/\n');
    return;
  }
  if (path.startsWith('/inscription/')) {
    // Where a training session's "register" link leads: the organiser's own form.
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Inscription</title></head><body><h1>Inscription à la formation</h1><p>${esc(site.institution.fr)} : formulaire d'inscription (démonstration).</p></body></html>`);
    return;
  }
  if (path === '/') {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>${esc(site.institution.fr)}</title></head><body><h1>${esc(site.institution.fr)}</h1><ul>${site.sources.map((s) => `<li><a href="${s.path}">${s.id}</a></li>`).join('')}</ul></body></html>`);
    return;
  }
  // Statistics files (issue 16): demo/datasets.ts.
  const dataset = DEMO_DATASETS.find((d) => d.partner === site.partner && d.path === path);
  if (dataset) {
    res.setHeader('content-type', dataset.contentType);
    res.end(await datasetBody(dataset, now));
    return;
  }
  for (const source of site.sources) {
    const spec = specOf(site, source);
    if (path === source.path) {
      const count = (served.get(source.id) ?? 0) + 1;
      served.set(source.id, count);
      const items = itemsOf(spec, now);
      if (source.kind === 'pdf') {
        const item = items[0]!;
        const body = await pdfFor(pdfCache, `${site.partner}/${source.id}/${item.index}`, item, site);
        res.setHeader('content-type', 'application/pdf');
        res.end(body);
        return;
      }
      if (source.kind === 'feed') {
        const text = feed(site, source, items, origin);
        const body = source.encoding ? iconv.encode(text, source.encoding) : Buffer.from(text);
        res.setHeader('content-type', source.feed === 'atom' ? 'application/atom+xml' : `application/rss+xml${source.encoding ? '' : '; charset=utf-8'}`);
        if (source.etag) {
          const etag = `"${items.length}-${items[0]?.index ?? 0}"`;
          res.setHeader('etag', etag);
          if (req.headers['if-none-match'] === etag) {
            res.statusCode = 304;
            res.end();
            return;
          }
        }
        res.end(body);
        return;
      }
      // A redesign: after some requests the same page comes with other markup.
      const changed = source.layoutChangesAfter !== undefined && count > source.layoutChangesAfter;
      const style = changed ? (source.listing === 'cards' ? 'table' : 'cards') : source.listing!;
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(listing(site, source, items, style, origin));
      return;
    }
    const pdf = new RegExp(`^/docs/${source.id}-(\\d+)\\.pdf$`).exec(path);
    const page = new RegExp(`^/item/${source.id}/(\\d+)$`).exec(path);
    const index = pdf?.[1] ?? page?.[1];
    if (index !== undefined) {
      const item = itemsOf({ ...spec, window: 100_000 }, now).find((i) => i.index === Number(index));
      if (!item) break;
      if (pdf) {
        res.setHeader('content-type', 'application/pdf');
        res.end(await pdfFor(pdfCache, `${site.partner}/${source.id}/${item.index}`, item, site));
      } else {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(itemPage(site, item));
      }
      return;
    }
  }
  res.statusCode = 404;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end('<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>');
}

function pdfFor(cache: Map<string, Promise<Buffer>>, key: string, item: DemoItem, site: DemoSite): Promise<Buffer> {
  let pending = cache.get(key);
  if (!pending) {
    const spec = { title: item.title, author: site.institution.fr, created: item.at, pages: item.pdfPages ?? [item.title] };
    // A scan is the pages as images alone (OCR reads them back); without poppler, grey bands.
    pending = item.scanned ? makeScan(spec).then((scan) => scan ?? makePdf({ ...spec, scanned: true })) : makePdf(spec);
    cache.set(key, pending);
    if (cache.size > 400) cache.delete(cache.keys().next().value!);
  }
  return pending;
}
