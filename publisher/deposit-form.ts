// The deposit form of a focal point: reading it (multipart with one PDF, or a plain form for a
// link), checking every field with a message in the focal point's language, and the view models
// of the form and of a deposit. The file itself is judged by the harvester (harvester/deposit.ts).
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type FastifyRequest } from 'fastify';
import { LANGUAGES, SECTION_DOC_TYPES, SECTIONS, textIn, type DocType, type Language, type Section } from '../config/index.ts';
import { type DepositFields, type DepositRevision, type DepositSummary, type FileStore } from '../store/index.ts';
import { type Body, field } from './admin/area.ts';
import { type I18n } from './i18n.ts';
import { dirOf } from './format.ts';

export const TITLE_LANGUAGES = ['ar', 'fr', 'en'] as const;
const MAX_TITLE = 500;
const MAX_DESCRIPTION = 5_000;
const MAX_URL = 2_000;

export interface Upload {
  temp: string;
  name: string;
  size: number;
  /** The file was larger than the limit: only its beginning was read. */
  truncated: boolean;
}

export interface ReadForm {
  body: Body;
  upload?: Upload;
  /** A file came before a valid CSRF token: it was not read at all. */
  refused: boolean;
}

/**
 * Reads the form. Multipart: the fields, then at most one file, streamed to a temporary file in
 * the file store and cut at `maxBytes`; a file part that arrives before a valid CSRF token is not
 * read (the browser sends fields in page order: the token comes first). Otherwise a plain form.
 */
export async function readDepositForm(request: FastifyRequest, files: FileStore, maxBytes: number, csrfOk: (body: Body) => boolean): Promise<ReadForm> {
  if (!request.isMultipart()) return { body: (request.body ?? {}) as Body, refused: false };
  const body: Body = {};
  let upload: Upload | undefined;
  let refused = false;
  try {
    for await (const part of request.parts({ limits: { fileSize: maxBytes, files: 1, fields: 20, fieldSize: 20_000, parts: 25, fieldNameSize: 100, headerPairs: 100 } })) {
      if (part.type === 'field') {
        if (typeof part.value === 'string' && !(part.fieldname in body)) body[part.fieldname] = part.value;
        continue;
      }
      if (!csrfOk(body) || part.fieldname !== 'file' || !part.filename) {
        refused ||= !csrfOk(body);
        part.file.resume();
        continue;
      }
      const temp = files.tempPath();
      upload = { temp, name: safeFileName(part.filename), size: 0, truncated: false };
      await pipeline(part.file, fs.createWriteStream(temp, { mode: 0o600 }));
      upload.truncated = part.file.truncated;
      upload.size = fs.statSync(temp).size;
    }
  } catch (error) {
    if (upload) fs.rmSync(upload.temp, { force: true });
    throw error;
  }
  return { body, upload, refused };
}

/** A file name fit for a Content-Disposition header and a page: no path, no control characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f"<>|*?:]/g, '').replace(/\s+/g, ' ').trim().slice(0, 150);
  return clean || 'document.pdf';
}

/** Content-Disposition for a download: an ASCII fallback and the real name (RFC 6266 / 5987). */
export function attachment(name: string): string {
  const ascii = name.normalize('NFKD').replace(/[^\x20-\x7e]/g, '').replace(/["\\;]/g, '').trim() || 'document.pdf';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

export interface FormValues {
  title_ar: string;
  title_fr: string;
  title_en: string;
  description: string;
  type: string;
  language: string;
  date: string;
  kind: string;
  link: string;
}

export function formValues(body: Body): FormValues {
  const get = (name: string, max: number) => field(body, name).slice(0, max);
  return {
    title_ar: get('title_ar', MAX_TITLE * 2),
    title_fr: get('title_fr', MAX_TITLE * 2),
    title_en: get('title_en', MAX_TITLE * 2),
    description: get('description', MAX_DESCRIPTION * 2),
    type: get('type', 60),
    language: get('language', 10),
    date: get('date', 20),
    kind: get('kind', 10) || 'file',
    link: get('link', MAX_URL * 2),
  };
}

export function valuesOf(revision: DepositRevision): FormValues {
  const titles = revision.titles as Record<string, string | undefined>;
  return {
    title_ar: titles.ar ?? '',
    title_fr: titles.fr ?? '',
    title_en: titles.en ?? '',
    description: revision.description,
    type: `${revision.section}/${revision.doc_type}`,
    language: revision.language,
    date: revision.document_date,
    kind: revision.kind,
    link: revision.link_url ?? '',
  };
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/;

/** The fields of a deposit (without its file), or the problems, each in the focal point's language. */
export function checkFields(values: FormValues, lang: string, i18n: I18n, today: string): { fields?: Omit<DepositFields, 'file'>; errors: string[] } {
  const errors: string[] = [];
  const t = (key: string, vars?: Record<string, unknown>) => i18n.t(lang, key, vars);
  const titles: Record<string, string> = {};
  for (const l of TITLE_LANGUAGES) {
    const value = values[`title_${l}`].replace(/\s+/g, ' ').trim();
    if (!value) continue;
    if (value.length > MAX_TITLE) errors.push(t('focal.error_title_long', { language: t(`languages.${l}`), max: MAX_TITLE }));
    else if (CONTROL.test(value)) errors.push(t('focal.error_invalid_chars'));
    else titles[l] = value;
  }
  if (Object.keys(titles).length === 0 && errors.length === 0) errors.push(t('focal.error_title_required'));
  const description = values.description.trim();
  if (description.length > MAX_DESCRIPTION) errors.push(t('focal.error_description_long', { max: MAX_DESCRIPTION }));
  else if (CONTROL.test(description)) errors.push(t('focal.error_invalid_chars'));
  const [section, docType] = values.type.split('/') as [Section, DocType];
  const typeOk = SECTIONS.includes(section) && (SECTION_DOC_TYPES[section] as readonly string[]).includes(docType);
  if (!typeOk) errors.push(t('focal.error_type'));
  const language = values.language as Language;
  if (!LANGUAGES.includes(language)) errors.push(t('focal.error_language'));
  const date = values.date.trim();
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(date) ? new Date(`${date}T00:00:00Z`) : undefined;
  if (!parsed || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== date || date < '1900-01-01') errors.push(t('focal.error_date'));
  else if (date > today) errors.push(t('focal.error_date_future'));
  const kind = values.kind === 'link' ? 'link' : 'file';
  let linkUrl: string | null = null;
  if (kind === 'link') {
    const link = values.link.trim();
    let url: URL | undefined;
    try {
      url = link.length <= MAX_URL ? new URL(link) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || !url.hostname) errors.push(t('focal.error_link'));
    else linkUrl = url.href;
  }
  if (errors.length > 0) return { errors };
  return {
    errors,
    fields: { titles, description, section, docType, language, documentDate: date, kind, linkUrl },
  };
}

/** The form's view model: values, the type choices grouped by section, languages. */
export function formView(lang: string, i18n: I18n, values: FormValues) {
  return {
    values,
    titleFields: TITLE_LANGUAGES.map((l) => ({ name: `title_${l}`, id: `title-${l}`, lang: l, dir: dirOf(l), label: i18n.t(lang, 'focal.title_in', { language: i18n.t(lang, `languages.${l}`) }), value: values[`title_${l}`] })),
    typeGroups: SECTIONS.map((section) => ({
      label: i18n.t(lang, `sections.${section}`),
      options: SECTION_DOC_TYPES[section].map((docType) => ({ value: `${section}/${docType}`, label: i18n.t(lang, `doc_types.${docType}`), selected: values.type === `${section}/${docType}` })),
    })),
    languageOptions: LANGUAGES.map((l) => ({ value: l, label: i18n.t(lang, `languages.${l}`), selected: values.language === l })),
    kindFile: values.kind !== 'link',
    kindLink: values.kind === 'link',
  };
}

/** Where a deposit stands, for lists and its page. */
export function depositState(d: DepositSummary): 'withdrawn' | 'pending' | 'rejected' | 'published' {
  if (d.withdrawn_at) return 'withdrawn';
  if (d.latest.status === 'pending') return 'pending';
  if (d.latest.status === 'rejected') return 'rejected';
  return 'published';
}

export function depositView(lang: string, i18n: I18n, d: DepositSummary, href: string) {
  const state = depositState(d);
  const partnerLive = d.live && !d.withdrawn_at;
  return {
    id: d.id,
    href,
    title: d.latest.title,
    dir: dirOf(d.latest.language),
    language: d.latest.language,
    date: d.latest.document_date,
    state,
    stateLabel: i18n.t(lang, `focal.state_${state}`),
    /** An edit waits or was refused while an earlier version stays online. */
    liveNote: partnerLive && state !== 'published' ? i18n.t(lang, 'focal.live_meanwhile') : '',
    itemHref: d.item_id ? `/${lang}/items/${d.item_id}` : null,
    reason: d.latest.status === 'rejected' ? d.latest.reason : null,
    updated: d.updated_at,
    typeLabel: i18n.t(lang, `doc_types.${d.latest.doc_type}`),
    kindLabel: i18n.t(lang, d.latest.kind === 'file' ? 'focal.kind_file' : 'focal.kind_link'),
    partner: d.partner,
  };
}

/** A revision's rows for the history table. */
export function revisionView(lang: string, i18n: I18n, r: DepositRevision, fileHref: string | null) {
  return {
    n: r.n,
    submittedAt: r.submitted_at,
    submittedBy: r.submitted_by,
    title: textIn(r.titles, r.language),
    dir: dirOf(r.language),
    statusLabel: i18n.t(lang, `focal.status_${r.status}`),
    status: r.status,
    reviewedBy: r.reviewed_by,
    reviewedAt: r.reviewed_at,
    reason: r.reason,
    live: Boolean(r.live_at),
    fileHref: r.kind === 'file' && r.file_hash ? fileHref : null,
    fileName: r.file_name,
    link: r.link_url,
    pages: r.pages,
    note: r.text_note,
    scanned: r.scanned,
  };
}
