// What an item page tells machines and readers about the document: schema.org JSON-LD (Report,
// Legislation, NewsArticle, Course… by document type), the Highwire `citation_*` meta tags that
// scholarly indexes read, and a reference to copy in APA (7th edition) and ISO 690, in the
// visitor's language. Harvested text is only ever escaped into them.
import { type DocType } from '../config/index.ts';
import { type CourseRow, type ItemDetail } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { formatDate } from './format.ts';
import { itemPageUrl } from './links.ts';
import { pick } from './views.ts';

/** schema.org types by document type. */
export const SCHEMA_TYPES: Record<DocType, string> = {
  legal_text: 'Legislation',
  report: 'Report',
  study: 'Report',
  guide: 'CreativeWork',
  memorandum: 'Report',
  national_statistics: 'Report',
  international_statistics: 'Report',
  news: 'NewsArticle',
  press_release: 'NewsArticle',
  event: 'NewsArticle',
  video: 'VideoObject',
  audio: 'AudioObject',
  photo: 'ImageObject',
  press_kit: 'CreativeWork',
  interview: 'NewsArticle',
  library: 'Book',
  training: 'Course',
};

/** Types cited with their full date (news-like); the others with their year (APA 7). */
const DATED: readonly DocType[] = ['news', 'press_release', 'event', 'video', 'audio', 'photo', 'interview'];
/** Types that are an institution's report (citation_technical_report_institution). */
const REPORTS: readonly DocType[] = ['report', 'study', 'memorandum', 'national_statistics', 'international_statistics'];

const COURSE_MODE = { online: 'online', in_person: 'onsite', hybrid: 'blended' } as const;

export interface ItemMetadata {
  /** The JSON-LD, safe to place inside <script type="application/ld+json">. */
  jsonLd: string;
  meta: Array<{ name: string; content: string }>;
  /** References as HTML (every harvested part escaped). */
  apa: string;
  iso690: string;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON inside a script element: nothing in it can close the element or start markup. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

export function itemMetadata(ctx: PortalContext, lang: string, item: ItemDetail, course: CourseRow | undefined): ItemMetadata {
  const { i18n } = ctx;
  const partner = ctx.store.partners.get(item.partner);
  // The institution named in the item's own language when it has a name in it.
  const nameLang = item.language && partner?.name[item.language] ? item.language : lang;
  const institution = partner ? pick(partner.name, nameLang) : item.partner;
  const pageUrl = itemPageUrl(ctx, item.id, lang);
  const docType = item.doc_type;
  const description = plainText(item.summary).slice(0, 500);
  const organisation = { '@type': 'Organization', name: institution, ...(partner?.website ? { url: partner.website } : {}) };

  const ld: Record<string, unknown> = {
    '@context': 'https://schema.org',
    '@type': docType ? SCHEMA_TYPES[docType] : 'CreativeWork',
    '@id': pageUrl,
    url: pageUrl,
    name: item.title,
    ...(docType && SCHEMA_TYPES[docType] === 'NewsArticle' ? { headline: item.title.slice(0, 110) } : {}),
    ...(item.language ? { inLanguage: item.language } : {}),
    ...(item.published_at ? { datePublished: item.published_at } : {}),
    dateModified: item.last_changed_at,
    ...(description ? { description } : {}),
    author: organisation,
    publisher: organisation,
    sameAs: item.url,
    ...(item.document_url ? { encoding: { '@type': 'MediaObject', contentUrl: item.document_url, encodingFormat: 'application/pdf' } } : {}),
  };
  if (docType === 'legal_text') {
    ld.legislationJurisdiction = 'MA';
    if (item.published_at) ld.legislationDate = item.published_at;
  }
  if (docType === 'training') {
    delete ld.author;
    ld.provider = organisation;
    if (course) {
      ld.hasCourseInstance = {
        '@type': 'CourseInstance',
        ...(course.format ? { courseMode: COURSE_MODE[course.format] } : {}),
        ...(course.startsOn ? { startDate: course.startsOn } : {}),
        ...(course.endsOn ? { endDate: course.endsOn } : {}),
        ...(course.location ? { location: { '@type': 'Place', name: course.location } } : course.format === 'online' && course.registrationUrl ? { location: { '@type': 'VirtualLocation', url: course.registrationUrl } } : {}),
        ...(course.organiser ? { organizer: { '@type': 'Organization', name: course.organiser } } : {}),
        ...(course.audience ? { audience: { '@type': 'Audience', audienceType: course.audience } } : {}),
        ...(course.language ? { inLanguage: course.language } : {}),
      };
      if (course.registrationUrl) ld.offers = { '@type': 'Offer', url: course.registrationUrl, category: 'registration' };
    }
  }

  const meta: Array<{ name: string; content: string }> = [
    { name: 'citation_title', content: item.title },
    { name: 'citation_author', content: institution },
    { name: 'citation_publisher', content: institution },
  ];
  if (item.published_at) meta.push({ name: 'citation_publication_date', content: item.published_at.replace(/-/g, '/') });
  if (item.language) meta.push({ name: 'citation_language', content: item.language });
  if (docType && REPORTS.includes(docType)) meta.push({ name: 'citation_technical_report_institution', content: institution });
  meta.push({ name: 'citation_abstract_html_url', content: pageUrl });
  if (item.document_url) meta.push({ name: 'citation_pdf_url', content: item.document_url });

  // References: the institution is the author (and the publisher, left out when the same, APA 7).
  const locale = i18n.locale(lang);
  const year = item.published_at?.slice(0, 4);
  const dated = docType !== null && DATED.includes(docType) && item.published_at;
  const month = dated ? new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { month: 'long', timeZone: 'UTC' }).format(new Date(`${item.published_at}T12:00:00Z`)) : '';
  const noDate = i18n.t(lang, 'library.no_date');
  const apaDate = !year ? noDate : dated ? i18n.t(lang, 'library.apa_date', { year, month, day: Number(item.published_at!.slice(8, 10)) }) : year;
  const titleLang = item.language ? ` lang="${item.language}"` : '';
  const author = `<bdi${item.language && nameLang === item.language ? titleLang : ''}>${escapeHtml(institution)}</bdi>`;
  const title = `<i dir="auto"${titleLang}>${escapeHtml(item.title)}</i>`;
  const kind = docType === 'press_release' ? ` [${escapeHtml(i18n.t(lang, 'library.apa_press_release'))}]` : '';
  const link = `<span dir="ltr">${escapeHtml(item.url)}</span>`;
  const apa = `${author}. (${escapeHtml(apaDate)}). ${title}${kind}. ${link}`;

  // ISO 690: creator in capitals (Latin script), title, [online], date, [date viewed], address.
  const upper = /[A-Za-zÀ-ÿ]/.test(institution) ? institution.toLocaleUpperCase(locale) : institution;
  const isoAuthor = `<bdi${item.language && nameLang === item.language ? titleLang : ''}>${escapeHtml(upper)}</bdi>`;
  const isoDate = !item.published_at ? noDate : dated ? formatDate(locale, item.published_at) : year!;
  const viewed = i18n.t(lang, 'library.iso_viewed', { date: formatDate(locale, item.last_seen_at) });
  const iso690 = `${isoAuthor}. ${title} [${escapeHtml(i18n.t(lang, 'library.iso_online'))}]. ${escapeHtml(isoDate)} [${escapeHtml(viewed)}]. ${escapeHtml(i18n.t(lang, 'library.iso_available'))} ${link}`;

  return { jsonLd: scriptJson(ld), meta, apa, iso690 };
}

