// One schema per config file (portal.yaml, partners/<id>.yaml, directory.yaml). The TypeScript
// types every other folder uses are derived from these schemas and never written by hand.
import { parse as parseCss } from 'css-what';
import { validateDetailed as validateCron } from 'node-cron';
import { z } from 'zod';
import {
  CHANNEL_KINDS,
  DATE_ORDERS,
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
  message: 'expected an address range such as 10.20.0.0/16 or fd00::/8',
});

const languageSchema = z.enum(LANGUAGES);
const sectionSchema = z.enum(SECTIONS as [Section, ...Section[]]);
const docTypeSchema = z.enum(Object.values(SECTION_DOC_TYPES).flat() as [DocType, ...DocType[]]);

// ---------------------------------------------------------------- portal.yaml

export const portalSchema = z.strictObject({
  site: z.strictObject({
    name: multilingualSchema,
    base_url: urlSchema.optional(),
    /** Shown in the User-Agent and the privacy notice; defaults to base_url. */
    contact_url: urlSchema.optional(),
  }),
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
  }),
  follow_pdf: z.boolean().default(false),
});

export const pdfSourceSchema = z.strictObject({
  ...sourceCommon,
  type: z.literal('pdf'),
  title: multilingualSchema.optional(),
});

export const sourceSchema = z.discriminatedUnion('type', [feedSourceSchema, htmlSourceSchema, pdfSourceSchema]);
export type SourceConfig = z.output<typeof sourceSchema>;
export type FeedSourceConfig = z.output<typeof feedSourceSchema>;
export type HtmlSourceConfig = z.output<typeof htmlSourceSchema>;
export type PdfSourceConfig = z.output<typeof pdfSourceSchema>;

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
  asList(asRecord(raw)?.sources).forEach((entry, index) => {
    const source = asRecord(entry);
    if (!source) return;
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
