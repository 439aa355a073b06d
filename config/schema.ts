// One schema per config file (portal.yaml, partners/<id>.yaml, directory.yaml). The TypeScript
// types every other folder uses are derived from these schemas and never written by hand.
import { parse as parseCss } from 'css-what';
import { validateDetailed as validateCron } from 'node-cron';
import { z } from 'zod';
import {
  CHANNEL_KINDS,
  CHART_KINDS,
  CSV_ENCODINGS,
  DATASET_FORMATS,
  DATE_ORDERS,
  JSON_LAYOUTS,
  PERIOD_KINDS,
  LANGUAGES,
  PARTNER_KINDS,
  SECTION_DOC_TYPES,
  SECTIONS,
  TOPICS,
  type DocType,
  type Section,
} from './domain.ts';
import { parseDuration, parseIpRange, parseSize } from './units.ts';

/** Describes a YAML value for error messages: `the number 20`, `a list`, `nothing`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `"${value.length > 60 ? value.slice(0, 57) + '...' : value}"`;
  return `the ${typeof value} ${String(value)}`;
}

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

export const idSchema = z.string().regex(ID_PATTERN, {
  message: 'must be lower-case letters, digits and single hyphens, e.g. "cour-des-comptes"',
});

const text = z.string().trim().min(1, { message: 'must not be empty' });

/** `{ar: "…", fr: "…", en: "…"}`: at least one language. */
export const multilingualSchema = z
  .strictObject({ ar: text.optional(), fr: text.optional(), en: text.optional(), zgh: text.optional() })
  .refine((v) => Object.values(v).some(Boolean), { message: 'give the text in at least one language (ar, fr, en or zgh)' });
export type Multilingual = z.output<typeof multilingualSchema>;

/** A multilingual text in `language` if it has it, else the first of ar, fr, en, zgh it has. */
export function textIn(text: Multilingual, language: string): string {
  const map = text as Record<string, string | undefined>;
  return map[language] || map.ar || map.fr || map.en || map.zgh || '';
}

const makeDurationSchema = (allowZero: boolean) =>
  z.unknown().transform((value, ctx) => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || (ms === 0 && !allowZero)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a duration such as 30s, 15m, 6h or 30d${allowZero ? '' : ' (more than zero)'}, got ${describeValue(value)}`,
      });
      return z.NEVER;
    }
    return ms;
  });

/** A positive duration in milliseconds. */
export const durationSchema = makeDurationSchema(false);
/** A duration in milliseconds that may be zero ("0s"). */
export const delaySchema = makeDurationSchema(true);

const makeSizeSchema = (min?: { bytes: number; text: string }) =>
  z.unknown().transform((value, ctx) => {
    const bytes = typeof value === 'string' ? parseSize(value) : undefined;
    if (bytes === undefined || bytes <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected a size such as 500KB or 15MB, got ${describeValue(value)}` });
      return z.NEVER;
    }
    if (min && bytes < min.bytes) {
      ctx.addIssue({ code: 'custom', message: `${describeValue(value)} is too small: at least ${min.text}` });
      return z.NEVER;
    }
    return bytes;
  });

export const sizeSchema = makeSizeSchema();

/** A cron expression of 5 fields (minute hour day-of-month month day-of-week). */
export const cronSchema = z.unknown().transform((value, ctx) => {
  if (typeof value !== 'string') {
    ctx.addIssue({ code: 'custom', message: `expected a cron expression such as "0 */6 * * *", got ${describeValue(value)}` });
    return z.NEVER;
  }
  const expression = value.trim().replace(/\s+/g, ' ');
  const fields = expression.split(' ');
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid cron expression "${value}": expected 5 fields (minute hour day month weekday), got ${fields.length}`,
    });
    return z.NEVER;
  }
  const result = validateCron(expression);
  if (!result.valid) {
    const detail = result.errors.map((e) => `${e.field} "${e.value}" is out of range or malformed`).join('; ');
    ctx.addIssue({ code: 'custom', message: `invalid cron expression "${value}": ${detail}` });
    return z.NEVER;
  }
  return expression;
});

export const urlSchema = z.unknown().transform((value, ctx) => {
  if (typeof value === 'string') {
    try {
      const url = new URL(value.trim());
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname) return url.href;
    } catch {
      // reported below
    }
  }
  ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// address, got ${describeValue(value)}` });
  return z.NEVER;
});

/**
 * `site.base_url`: where the portal is published. Required, because every absolute link the portal
 * writes (feeds, sitemap, robots.txt, canonical and hreflang links, emails) is built from it and
 * never from the request's Host header, which a visitor chooses (Host header poisoning). Only the
 * site's root: the portal's own links start at "/", so a path here would not be served.
 */
export const baseUrlSchema = z.unknown().transform((value, ctx) => {
  if (value === undefined || value === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'required: the address where the portal is published, such as https://integrite.inpplc.ma (links in feeds, the sitemap and emails are built from it)',
    });
    return z.NEVER;
  }
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value.trim()) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    ctx.addIssue({ code: 'custom', message: `expected an http:// or https:// address such as https://integrite.inpplc.ma, got ${describeValue(value)}` });
    return z.NEVER;
  }
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
    ctx.addIssue({
      code: 'custom',
      message: `must be the site's address alone (${url.origin}), without a path, query, fragment or password: the portal is served from the root of its address`,
    });
    return z.NEVER;
  }
  return url.href;
});

/** A CSS selector, optionally followed by `@attr` to read an attribute ("h3 a@href", "@href"). */
export interface Selector {
  /** CSS selector relative to the item; empty for the item element itself. */
  css: string;
  /** Attribute to read; undefined to read the element's text (or inner HTML for summaries). */
  attr?: string;
  /** What the operator wrote. */
  source: string;
}

export function parseSelector(textValue: string): Selector | string {
  const trimmed = textValue.trim();
  const at = /@([A-Za-z_:][-A-Za-z0-9_:.]*)$/.exec(trimmed);
  const css = (at ? trimmed.slice(0, at.index) : trimmed).trim();
  const attr = at?.[1];
  if (!css && !attr) return 'must not be empty';
  if (css) {
    try {
      // css-what is the parser under cheerio's selector engine (and much lighter to load).
      parseCss(css);
    } catch (error) {
      return `invalid CSS selector "${css}": ${(error as Error).message}`;
    }
  }
  return { css, attr, source: trimmed };
}

export const selectorSchema = z.unknown().transform((value, ctx): Selector => {
  if (value === undefined || value === null) {
    ctx.addIssue({ code: 'custom', message: 'required: a CSS selector, e.g. ".views-row" or "h3 a@href"' });
    return z.NEVER;
  }
  if (typeof value !== 'string') {
    ctx.addIssue({ code: 'custom', message: `expected a CSS selector such as "h3 a@href", got ${describeValue(value)}` });
    return z.NEVER;
  }
  const parsed = parseSelector(value);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

/** An address range "ADDRESS/PREFIX" (IPv4 or IPv6) or a single address. */
const ipRangeSchema = z.string().refine((value) => parseIpRange(value) !== undefined, {
  error: (issue) => `expected an address or range such as 127.0.0.1, 10.20.0.0/16 or fd00::/8, got ${describeValue(issue.input)}`,
});

const languageSchema = z.enum(LANGUAGES);
const sectionSchema = z.enum(SECTIONS as [Section, ...Section[]]);
const docTypeSchema = z.enum(Object.values(SECTION_DOC_TYPES).flat() as [DocType, ...DocType[]]);

// ---------------------------------------------------------------- portal.yaml

export const portalSchema = z.strictObject({
  site: z.strictObject({
    name: multilingualSchema,
    base_url: baseUrlSchema,
    /** Shown in the User-Agent and the privacy notice; defaults to base_url. */
    contact_url: urlSchema.optional(),
    /** Extension: who answers for the machine interfaces (OAI-PMH adminEmail, DCAT-AP contact point). */
    admin_email: z.email({ message: 'expected an email address' }).optional(),
  }),
  /**
   * Addresses (or ranges) of the reverse proxies in front of the portal: only from them is
   * X-Forwarded-For believed, for the login throttle and the suggestions limit (docs/contract.md).
   */
  trust_proxy: z.array(ipRangeSchema).default([]),
  languages: z
    .array(languageSchema)
    .min(1, { message: 'list at least one language' })
    .refine((list) => new Set(list).size === list.length, { message: 'a language is listed twice' })
    .default(['ar', 'fr', 'en']),
  harvest: z
    .strictObject({
      schedule: cronSchema.prefault('0 */6 * * *'),
      timeout: durationSchema.prefault('20s'),
      max_bytes: sizeSchema.prefault('15MB'),
      max_pdf_bytes: sizeSchema.prefault('50MB'),
      /** Wall clock for extracting one PDF's text (in a separate process, killed past it: `timeout`). */
      pdf_time_limit: durationSchema.prefault('30s'),
      /** Memory of the process extracting one PDF's text (killed past it: `too_large`); pdf.js alone takes about 100 MB. */
      pdf_memory_limit: makeSizeSchema({ bytes: 128 * 1024 ** 2, text: '128MB (the PDF reader alone needs about 100 MB)' }).prefault('512MB'),
      per_host_delay: delaySchema.prefault('1s'),
      user_agent: text.optional(),
      /** true/false, or (extension) the private ranges allowed, e.g. [10.20.0.0/16] for an intranet partner. */
      allow_private_networks: z.union([z.boolean(), z.array(ipRangeSchema).min(1, { message: 'list at least one range, or write false' })]).default(false),
      /**
       * Extension: a harvest that `portal serve` starts (schedule, "harvest now") is stopped after
       * this long; the sources it was reading fail with `timeout` and are taken by the next pass.
       */
      run_time_limit: durationSchema.prefault('2h'),
      /** Extension: how many hosts are harvested at the same time. */
      concurrency: z.number().int().min(1).max(64).default(8),
      /** Extension: PDF pages read per document (text of later pages is not extracted). */
      max_pdf_pages: z.number().int().min(1).max(5000).default(300),
      /** Extension: characters of extracted text kept per item. */
      max_text_chars: z.number().int().min(1000).max(5_000_000).default(200_000),
      /** Extension: successful harvests an item may be missing from before it is marked gone. */
      gone_after: z.number().int().min(1).max(100).default(3),
      /** Extension: scanned PDFs recognised at the same time (connectors/ocr.ts); 0 turns OCR off. */
      ocr_concurrency: z.number().int().min(0).max(16).default(1),
      /** Extension: documents waiting for OCR; more are refused (and tried again later) until it drains. */
      ocr_queue: z.number().int().min(1).max(10_000).default(50),
      /** Extension: time one page may take to be rasterised or recognised; past it the page fails. */
      ocr_timeout: durationSchema.prefault('2m'),
      /** Extension: memory one OCR process may use; past it the page fails. */
      ocr_memory: sizeSchema.prefault('1GB'),
      /** Extension: pages of one scanned document that are recognised. */
      ocr_max_pages: z.number().int().min(1).max(5000).default(100),
      /** Extension: largest dataset file read (CSV, XLSX, JSON). */
      max_dataset_bytes: sizeSchema.prefault('20MB'),
      /** Extension: an XLSX (a zip) may unpack to at most this much; checked before and while inflating. */
      max_dataset_unzipped: sizeSchema.prefault('100MB'),
      /** Extension: rows (records) of a dataset file read at most. */
      max_dataset_rows: z.number().int().min(10).max(5_000_000).default(200_000),
      /** Extension: cells (rows × columns) of a dataset file read at most. */
      max_dataset_cells: z.number().int().min(100).max(50_000_000).default(1_000_000),
      /** Extension: wall clock for reading one dataset file; past it the source fails (timeout). */
      dataset_time_limit: durationSchema.prefault('30s'),
    })
    .prefault({}),
  freshness: z
    .strictObject({ default_update_every: durationSchema.prefault('90d') })
    .prefault({}),
  /** Extension: the information notice of the suggestions form (law 09-08). */
  privacy: z
    .strictObject({
      controller: multilingualSchema.optional(),
      contact_email: z.email({ message: 'expected an email address' }).optional(),
      /** Contact details of a suggestion are deleted this long after it was answered. */
      contact_retention: durationSchema.prefault('30d'),
    })
    .prefault({}),
  /** Extension: SMTP settings to email answers to suggestions; credentials come from the environment. */
  mail: z
    .strictObject({
      host: text,
      port: z.number().int().min(1).max(65535).default(587),
      secure: z.boolean().default(false),
      user_env: text.optional(),
      password_env: text.optional(),
      from: text,
    })
    .optional(),
  /** Extension: the operators' area. */
  admin: z
    .strictObject({ session_ttl: durationSchema.prefault('8h') })
    .prefault({}),
  /** Extension (issue 18): documents deposited by partners' focal points. */
  deposits: z
    .strictObject({
      /** Largest PDF a focal point may upload. */
      max_bytes: sizeSchema.prefault('30MB'),
    })
    .prefault({}),
  /** Extension (issue 18): reminders to partners behind, and the authority's Monday digest. */
  reminders: z
    .strictObject({
      /** Who receives the Monday digest of the partners behind (the authority's team). */
      digest_to: z.array(z.email({ message: 'expected an email address' })).default([]),
      /** Language of the digest; default: the first of `languages`. */
      digest_language: languageSchema.optional(),
    })
    .prefault({}),
});
export type PortalConfig = z.output<typeof portalSchema>;
export type HarvestSettings = PortalConfig['harvest'];

// ---------------------------------------------------------------- partners/<id>.yaml

const sourceCommon = {
  id: idSchema,
  url: urlSchema,
  section: sectionSchema,
  schedule: cronSchema.optional(),
  language: languageSchema.optional(),
  doc_type: docTypeSchema.optional(),
  /** Extension: `enabled: false` stops harvesting a source and keeps its items and history. */
  enabled: z.boolean().default(true),
  /** Extension: numeric date order of this source (dmy, mdy, ymd). */
  date_order: z.enum(DATE_ORDERS).default('dmy'),
};

export const feedSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('feed'),
  follow_pdf: z.boolean().default(false),
});

export const htmlSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('html'),
  select: z.strictObject({
    item: selectorSchema,
    title: selectorSchema.optional(),
    link: selectorSchema.optional(),
    date: selectorSchema.optional(),
    summary: selectorSchema.optional(),
    /** Extension: course facts of training items (else read from schema.org Event/Course markup). */
    starts: selectorSchema.optional(),
    ends: selectorSchema.optional(),
    format: selectorSchema.optional(),
    audience: selectorSchema.optional(),
    registration: selectorSchema.optional(),
    organiser: selectorSchema.optional(),
    location: selectorSchema.optional(),
  }),
  follow_pdf: z.boolean().default(false),
});

export const pdfSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('pdf'),
  title: multilingualSchema.optional(),
});

/** A column header (CSV, XLSX) or a field of a JSON record (a dot path such as "country.value"). */
const columnSchema = z
  .string({ message: 'expected a column header or field name (text)' })
  .trim()
  .min(1, { message: 'must not be empty' })
  .max(200, { message: 'a column header of more than 200 characters is not plausible' });

const filterValueSchema = z.union([z.string(), z.number()], { message: 'expected a value (text or number), or a list of values' }).transform(String);

/** One series read from a dataset file (docs/contract.md, "Datasets"; extensions marked). */
export const seriesSchema = z.strictObject({
  id: idSchema,
  name: multilingualSchema,
  unit: multilingualSchema.optional(),
  /** Column holding the period: 2024, 2024-Q1, T1 2024, 2024-03, mars 2024, or a date. */
  period: columnSchema,
  /** Column holding the number. */
  value: columnSchema,
  /** Columns that split the series (region, sex, channel, country). */
  dimensions: z.array(columnSchema).max(4, { message: 'at most 4 dimensions per series' }).default([]),
  /** Keep only rows whose column equals this value (or one of these values). */
  filter: z
    .record(columnSchema, z.union([filterValueSchema, z.array(filterValueSchema).min(1)], { message: 'expected a value (text or number), or a list of values' }))
    .optional(),
  /** Extension: what the figure measures, shown on the series page and searched. */
  definition: multilingualSchema.optional(),
  /** Extension: notes shown under the chart (method, breaks in the series, "simulated figures"). */
  notes: multilingualSchema.optional(),
  /** Extension: the theme the statistics page groups indicator cards under. */
  theme: multilingualSchema.optional(),
  /** Extension: line (over time), bar (categories of one period), or auto. */
  chart: z.enum(CHART_KINDS).default('auto'),
  /** Extension: the dimension whose values a visitor may compare (default: the first one). */
  compare: columnSchema.optional(),
  /** Extension: the figure of the indicator card: `sum` of the dimensions' values, or one combination. */
  headline: z.union([z.literal('sum'), z.record(columnSchema, filterValueSchema)]).optional(),
  /** Extension: read periods as this granularity (dates into months, quarters or years). */
  period_type: z.enum(PERIOD_KINDS).optional(),
  /** Extension: decimal places shown (the stored value is kept as read). */
  decimals: z.number().int().min(0).max(6).optional(),
  /** Extension: the dimensions' names as visitors read them ({country: {fr: Pays, ar: البلد}}). */
  dimension_labels: z.record(columnSchema, multilingualSchema).optional(),
  /**
   * Extension: the dimensions' values as visitors read them, as the file writes them
   * ({Canal: {"Ligne téléphonique": {ar: الخط الهاتفي, en: Telephone line}}}); values without one are
   * shown as written.
   */
  value_labels: z.record(columnSchema, z.record(text, multilingualSchema)).optional(),
});
export type SeriesConfig = z.output<typeof seriesSchema>;

export const datasetSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('dataset'),
  /** csv | xlsx | json; detected from Content-Type or the address's extension when absent. */
  format: z.enum(DATASET_FORMATS).optional(),
  /** xlsx only: the sheet's name, or its 1-based position. */
  sheet: z.union([text, z.number().int().min(1).max(1000)]).optional(),
  /** csv and xlsx: the 1-based row of the column headers; extension: a list of rows ([3, 4]) for a header over two rows. */
  header_row: z
    .union([z.number().int().min(1).max(1000), z.array(z.number().int().min(1).max(1000)).min(1).max(4)], {
      message: 'expected a row number such as 1, or a list of consecutive rows such as [3, 4]',
    })
    .default(1),
  /** json only: dot path to the array of records (plain layout). */
  records: text.optional(),
  /** json only: records (default) | sdmx | worldbank. */
  layout: z.enum(JSON_LAYOUTS).optional(),
  /** Extension, csv only: the field separator, `tab` for tabs (else detected from the header line). */
  delimiter: z.enum([',', ';', '|', 'tab', '\t']).optional(),
  /** Extension, csv only: the text encoding (else detected). */
  encoding: z.enum(CSV_ENCODINGS).optional(),
  /** Extension: the decimal separator of numbers written as text (default "," in CSV and XLSX, as French and Moroccan tables write them; "." in JSON). */
  decimal_separator: z.enum([',', '.']).optional(),
  /** Extension: more texts that mean "no value" besides "", "-", "n.d." and "...". */
  missing: z.array(z.string().max(40)).max(20).optional(),
  series: z.array(seriesSchema).min(1, { message: 'list at least one series' }).max(50, { message: 'at most 50 series per dataset source' }),
});
export type DatasetSourceConfig = z.output<typeof datasetSourceSchema>;

export const sourceSchema = z.discriminatedUnion('type', [feedSourceSchema, htmlSourceSchema, pdfSourceSchema, datasetSourceSchema]);
export type SourceConfig = z.output<typeof sourceSchema>;
export type FeedSourceConfig = z.output<typeof feedSourceSchema>;
export type HtmlSourceConfig = z.output<typeof htmlSourceSchema>;
export type PdfSourceConfig = z.output<typeof pdfSourceSchema>;

/** Who receives a partner's reminders (docs/contract.md, "Focal points and deposits"). */
export const contactSchema = z.strictObject({
  name: text,
  email: z.email({ message: 'expected an email address, e.g. focal@partner.example' }),
  /** The languages the contact reads, preferred first; the reminder is written in the first the portal has. */
  languages: z.array(languageSchema).min(1, { message: 'list at least one language, e.g. [fr, ar]' }).optional(),
});
export type ContactConfig = z.output<typeof contactSchema>;

/** Source id kept for the documents a partner's focal point deposits (`"source": "deposit"` in the API). */
export const DEPOSIT_SOURCE_ID = 'deposit';

export const partnerSchema = z.strictObject({
  id: idSchema,
  name: multilingualSchema,
  kind: z.enum(PARTNER_KINDS),
  website: urlSchema.optional(),
  /** Extension: a short description of the institution. */
  description: multilingualSchema.optional(),
  commitment: z
    .strictObject({
      /** New or changed content expected at least this often; defaults to freshness.default_update_every. */
      update_every: durationSchema.optional(),
    })
    .optional(),
  sources: z.array(sourceSchema).default([]),
  /** Who receives reminders when the partner falls behind. */
  contacts: z.array(contactSchema).default([]),
  /** A deposited document waits for an administrator's approval (default), or is published at once. */
  review_deposits: z.boolean().default(true),
});
export type PartnerConfig = z.output<typeof partnerSchema>;

// ---------------------------------------------------------------- directory.yaml

const channelSchema = z.strictObject({
    id: idSchema,
    name: multilingualSchema,
    description: multilingualSchema,
    kind: z.enum(CHANNEL_KINDS),
    url: urlSchema.optional(),
    phone: z.string().trim().regex(/^\+?[0-9 ().-]{4,30}$/, { message: 'expected a phone number such as "+212 5 37 71 88 88"' }).optional(),
    /** Extension: email, hours and postal address, shown with the channel. */
    email: z.email({ message: 'expected an email address' }).optional(),
    hours: multilingualSchema.optional(),
    address: multilingualSchema.optional(),
    operator: text,
    topics: z.array(z.enum(TOPICS)).min(1, { message: 'list at least one topic' }),
});
export type ChannelConfig = z.output<typeof channelSchema>;

const platformSchema = z.strictObject({
  id: idSchema,
  name: multilingualSchema,
  description: multilingualSchema,
  url: urlSchema,
  operator: text.optional(),
  topics: z.array(z.enum(TOPICS)).optional(),
});
export type PlatformConfig = z.output<typeof platformSchema>;

/** Extension: the guided choice on the claims page ("what happened?" → which channels). */
const guidanceSchema = z.strictObject({
  topic: z.enum(TOPICS),
  question: multilingualSchema,
  answer: multilingualSchema.optional(),
  channels: z.array(idSchema).min(1, { message: 'list at least one channel or platform id' }),
});
export type GuidanceConfig = z.output<typeof guidanceSchema>;

export const directorySchema = z.strictObject({
  /** Extension: names of the operators that are not partners (`operator: sgg` is shown by its name). */
  operators: z.record(idSchema, multilingualSchema).default({}),
  channels: z.array(channelSchema).default([]),
  platforms: z.array(platformSchema).default([]),
  guidance: z.array(guidanceSchema).default([]),
});
export type DirectoryConfig = z.output<typeof directorySchema>;

// ---------------------------------------------------------------- checks across fields

/** A problem found by a check across fields; `path` is relative to the file. */
export interface CrossCheckIssue {
  path: Array<string | number>;
  message: string;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Checks across fields of a partner file. They run on the raw YAML data, whatever else is wrong
 * in the file, so one `npx portal check` reports every problem at once.
 */
export function checkPartner(raw: unknown): CrossCheckIssue[] {
  const issues: CrossCheckIssue[] = [];
  const seen = new Map<string, number>();
  const seriesSeen = new Map<string, string>();
  asList(asRecord(raw)?.sources).forEach((entry, index) => {
    const source = asRecord(entry);
    if (!source) return;
    if (source.id === DEPOSIT_SOURCE_ID) {
      issues.push({
        path: ['sources', index, 'id'],
        message: `the source id "${DEPOSIT_SOURCE_ID}" is reserved for the documents the partner's focal point deposits; choose another id`,
      });
    }
    if (typeof source.id === 'string') {
      const first = seen.get(source.id);
      if (first !== undefined) {
        issues.push({ path: ['sources', index, 'id'], message: `duplicate source id "${source.id}" (already used by sources[${first}])` });
      } else {
        seen.set(source.id, index);
      }
    }
    const section = source.section as Section;
    if (typeof source.doc_type === 'string' && Object.hasOwn(SECTION_DOC_TYPES, section)) {
      const allowed = SECTION_DOC_TYPES[section] as readonly string[];
      const all = Object.values(SECTION_DOC_TYPES).flat() as string[];
      if (all.includes(source.doc_type) && !allowed.includes(source.doc_type)) {
        issues.push({
          path: ['sources', index, 'doc_type'],
          message: `"${source.doc_type}" is not a document type of section "${section}" (expected one of: ${allowed.join(', ')})`,
        });
      }
    }
    if (source.type === 'dataset') issues.push(...checkDataset(source, index, seriesSeen));
  });
  return issues;
}

/** The format a dataset source declares, or the one its address's extension names. */
export function declaredDatasetFormat(source: { format?: unknown; url?: unknown }): string | undefined {
  if (typeof source.format === 'string') return source.format;
  if (typeof source.url !== 'string') return undefined;
  const match = /\.(csv|xlsx|json)$/i.exec(source.url.split(/[?#]/)[0] ?? '');
  return match?.[1]?.toLowerCase();
}

/** Mapping mistakes of a dataset source that no single key can see (docs/contract.md, "Datasets"). */
function checkDataset(source: Record<string, unknown>, index: number, seriesSeen: Map<string, string>): CrossCheckIssue[] {
  const issues: CrossCheckIssue[] = [];
  const at = (...keys: Array<string | number>) => ['sources', index, ...keys];
  if (typeof source.section === 'string' && source.section !== 'statistics') {
    issues.push({ path: at('section'), message: `a dataset source belongs to section "statistics", not "${source.section}"` });
  }
  const format = declaredDatasetFormat(source);
  if (source.sheet !== undefined && format && format !== 'xlsx') {
    issues.push({ path: at('sheet'), message: `"sheet" applies to xlsx files only; this source is ${format}` });
  }
  for (const key of ['records', 'layout'] as const) {
    if (source[key] !== undefined && format && format !== 'json') {
      issues.push({ path: at(key), message: `"${key}" applies to json files only; this source is ${format}` });
    }
  }
  for (const key of ['delimiter', 'encoding'] as const) {
    if (source[key] !== undefined && format && format !== 'csv') {
      issues.push({ path: at(key), message: `"${key}" applies to csv files only; this source is ${format}` });
    }
  }
  if (source.header_row !== undefined && format === 'json') {
    issues.push({ path: at('header_row'), message: '"header_row" applies to csv and xlsx files; a JSON file has no header row' });
  }
  if (source.records !== undefined && (source.layout === 'sdmx' || source.layout === 'worldbank')) {
    issues.push({ path: at('records'), message: `"records" is for the plain layout; the ${source.layout} layout says where its records are` });
  }
  const rows = source.header_row;
  if (Array.isArray(rows) && rows.every((r) => typeof r === 'number') && rows.some((r, i) => i > 0 && r !== (rows[i - 1] as number) + 1)) {
    issues.push({ path: at('header_row'), message: `the header rows must follow each other, such as [3, 4]; got [${rows.join(', ')}]` });
  }
  asList(source.series).forEach((entry, s) => {
    const series = asRecord(entry);
    if (!series) return;
    if (typeof series.id === 'string') {
      const first = seriesSeen.get(series.id);
      if (first) issues.push({ path: at('series', s, 'id'), message: `duplicate series id "${series.id}" (already used by ${first}); a series id is unique within the partner` });
      else seriesSeen.set(series.id, `sources[${index}].series[${s}]`);
    }
    const period = typeof series.period === 'string' ? series.period.trim() : undefined;
    const value = typeof series.value === 'string' ? series.value.trim() : undefined;
    if (period && value && period === value) {
      issues.push({ path: at('series', s, 'value'), message: `the value column must differ from the period column (both are "${value}")` });
    }
    const dimensions = asList(series.dimensions).map((d) => (typeof d === 'string' ? d.trim() : d));
    dimensions.forEach((dimension, d) => {
      if (dimension === period || dimension === value) {
        issues.push({ path: at('series', s, 'dimensions', d), message: `"${String(dimension)}" is already the ${dimension === period ? 'period' : 'value'} column; a dimension is another column` });
      } else if (dimensions.indexOf(dimension) !== d) {
        issues.push({ path: at('series', s, 'dimensions', d), message: `"${String(dimension)}" is listed twice` });
      }
    });
    if (typeof series.compare === 'string' && !dimensions.includes(series.compare.trim())) {
      issues.push({
        path: at('series', s, 'compare'),
        message: dimensions.length
          ? `"${series.compare}" is not one of this series' dimensions (${dimensions.join(', ')})`
          : `"${series.compare}" cannot be compared: the series has no dimensions`,
      });
    }
    for (const field of ['dimension_labels', 'value_labels'] as const) {
      for (const key of Object.keys(asRecord(series[field]) ?? {})) {
        if (!dimensions.includes(key)) {
          issues.push({ path: at('series', s, field, key), message: `"${key}" is not one of this series' dimensions${dimensions.length ? ` (${dimensions.join(', ')})` : ''}` });
        }
      }
    }
    const headline = asRecord(series.headline);
    for (const key of Object.keys(headline ?? {})) {
      if (!dimensions.includes(key)) {
        issues.push({ path: at('series', s, 'headline', key), message: `"${key}" is not one of this series' dimensions${dimensions.length ? ` (${dimensions.join(', ')})` : ''}` });
      }
    }
    if (headline && dimensions.some((d) => typeof d === 'string' && !(d in headline))) {
      issues.push({ path: at('series', s, 'headline'), message: `give a value for every dimension (${dimensions.join(', ')}), or write "sum"` });
    }
    if (series.headline !== undefined && dimensions.length === 0) {
      issues.push({ path: at('series', s, 'headline'), message: 'a series without dimensions has one figure per period: remove "headline"' });
    }
  });
  return issues;
}

/** Checks across entries of directory.yaml (see checkPartner). */
export function checkDirectory(raw: unknown): CrossCheckIssue[] {
  const issues: CrossCheckIssue[] = [];
  const directory = asRecord(raw);
  // Channels and platforms share one namespace: both are reached through /go/{id}.
  const seen = new Map<string, string>();
  for (const key of ['channels', 'platforms'] as const) {
    asList(directory?.[key]).forEach((entry, index) => {
      const item = asRecord(entry);
      if (!item) return;
      if (key === 'channels' && !item.url && !item.phone) {
        issues.push({ path: [key, index], message: 'a channel needs a url or a phone so citizens can reach it' });
      }
      if (typeof item.id !== 'string') return;
      const first = seen.get(item.id);
      if (first) {
        issues.push({
          path: [key, index, 'id'],
          message: `duplicate id "${item.id}" (already used by ${first}); /go/{id} links need ids unique across channels and platforms`,
        });
      } else {
        seen.set(item.id, `${key}[${index}]`);
      }
    });
  }
  asList(directory?.guidance).forEach((entry, index) =>
    asList(asRecord(entry)?.channels).forEach((id, j) => {
      if (typeof id === 'string' && !seen.has(id)) {
        issues.push({ path: ['guidance', index, 'channels', j], message: `unknown channel or platform "${id}"` });
      }
    }),
  );
  return issues;
}
