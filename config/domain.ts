// The portal's fixed vocabularies (docs/contract.md, "Sections and document types" and the
// config format). Everything downstream imports them from here so a value is named once.

export const LANGUAGES = ['ar', 'fr', 'en', 'zgh'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Languages written right-to-left. Tifinagh (zgh) is left-to-right. */
export const RTL_LANGUAGES: readonly Language[] = ['ar'];

export const SECTION_DOC_TYPES = {
  publications: ['legal_text', 'report', 'study', 'guide', 'memorandum'],
  statistics: ['national_statistics', 'international_statistics'],
  news: ['news', 'press_release', 'event'],
  media: ['video', 'audio', 'photo', 'press_kit', 'interview'],
  services: ['library', 'training'],
} as const;

export type Section = keyof typeof SECTION_DOC_TYPES;
export type DocType = (typeof SECTION_DOC_TYPES)[Section][number];

export const SECTIONS = Object.keys(SECTION_DOC_TYPES) as Section[];
export const DOC_TYPES = SECTIONS.flatMap((s) => [...SECTION_DOC_TYPES[s]]) as DocType[];

/** The section a document type belongs to. */
export function sectionOfDocType(docType: DocType): Section {
  for (const section of SECTIONS) {
    if ((SECTION_DOC_TYPES[section] as readonly string[]).includes(docType)) return section;
  }
  throw new Error(`unknown doc_type ${docType}`);
}

/** How a training session is given (course pages, `select.format` of html sources). */
export const COURSE_FORMATS = ['online', 'in_person', 'hybrid'] as const;
export type CourseFormat = (typeof COURSE_FORMATS)[number];

export const PARTNER_KINDS = ['judiciary', 'constitutional', 'government', 'private_sector', 'civil_society'] as const;
export type PartnerKind = (typeof PARTNER_KINDS)[number];

export const SOURCE_TYPES = ['feed', 'html', 'pdf', 'dataset'] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];

/** File formats of a `dataset` source (docs/contract.md, "Datasets"). */
export const DATASET_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** Layouts of a JSON dataset: plain records, SDMX-JSON, or the World Bank's `[meta, rows]`. */
export const JSON_LAYOUTS = ['records', 'sdmx', 'worldbank'] as const;
export type JsonLayout = (typeof JSON_LAYOUTS)[number];

/** How a series is drawn: `auto` is a line over time, or bars when it has a single period. */
export const CHART_KINDS = ['auto', 'line', 'bar'] as const;
export type ChartKind = (typeof CHART_KINDS)[number];

/** Granularities of a period, normalised as 2024, 2024-Q1, 2024-03 and 2024-03-31. */
export const PERIOD_KINDS = ['year', 'quarter', 'month', 'date'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** Text encodings a CSV may be declared in (else detected: BOM, UTF-8, windows-1252 or -1256). */
export const CSV_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'windows-1256', 'iso-8859-1', 'iso-8859-6', 'iso-8859-15'] as const;

export const DATE_ORDERS = ['dmy', 'mdy', 'ymd'] as const;
export type DateOrder = (typeof DATE_ORDERS)[number];

export const CHANNEL_KINDS = ['online_form', 'hotline', 'in_person', 'email', 'postal'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const TOPICS = ['corruption', 'maladministration', 'access_to_information', 'procurement', 'other'] as const;
export type Topic = (typeof TOPICS)[number];

/** Error codes of a failed source (docs/contract.md, run summary). */
export const ERROR_CODES = [
  'timeout',
  'http_status',
  'too_large',
  'wrong_type',
  'parse',
  'empty',
  'robots',
  'network',
  'tls',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const RUN_STATUSES = ['ok', 'not_modified', 'failed', 'skipped'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
