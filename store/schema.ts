// The catalogue's tables. Migrations in store/migrations are generated from this file with
// `npx drizzle-kit generate --name <what_changed>` and are never edited once committed.
// Times are ISO 8601 UTC strings ("2026-01-01T10:00:00.000Z"); publication dates are "YYYY-MM-DD".
// This file imports only drizzle-orm: drizzle-kit loads it on its own.
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Partner institutions, synced from config/partners/*.yaml. */
export const partners = sqliteTable('partners', {
  id: text('id').primaryKey(),
  /** JSON `{ar, fr, en, zgh}`. */
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  website: text('website'),
  description: text('description'),
  /** Days within which the partner committed to publish new content; null without a commitment. */
  commitmentDays: integer('commitment_days'),
  /** False once the partner's file is removed from config; its items and history stay. */
  inConfig: integer('in_config', { mode: 'boolean' }).notNull().default(true),
  /** Position in config order, for stable listings. */
  updatedAt: text('updated_at').notNull(),
});

/** Harvest sources, synced from config. A source removed from config is disabled, never deleted. */
export const sources = sqliteTable(
  'sources',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    sourceId: text('source_id').notNull(),
    type: text('type').notNull(),
    url: text('url').notNull(),
    section: text('section').notNull(),
    docType: text('doc_type'),
    language: text('language'),
    schedule: text('schedule'),
    /** The source's whole config as JSON, as the harvester needs it. */
    config: text('config').notNull(),
    /** Hash of `config`; when it changes the HTTP validators are forgotten so new selectors apply. */
    configHash: text('config_hash').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    /** Why a source is disabled: `removed` from config, or `disabled` there. */
    disabledReason: text('disabled_reason'),
    etag: text('etag'),
    lastModified: text('last_modified'),
    /** sha256 of the last body read: an identical answer is "not modified" even without validators. */
    bodyHash: text('body_hash'),
    lastAttemptAt: text('last_attempt_at'),
    lastSuccessAt: text('last_success_at'),
    lastChangeAt: text('last_change_at'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Earliest next scheduled attempt (back-off after failures, or a server's Retry-After). */
    nextAttemptAt: text('next_attempt_at'),
    lastStatus: text('last_status'),
    lastHttpStatus: integer('last_http_status'),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    /** A harvesting process holds the source until then, so two never harvest it at once. */
    leaseOwner: text('lease_owner'),
    leaseUntil: text('lease_until'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    // Sync from config and `--source PARTNER/SOURCE` look sources up by their config ids.
    uniqueIndex('sources_partner_source_uq').on(t.partnerId, t.sourceId),
  ],
);

/** Catalogue items: one per document or entry a source lists, identified per source. */
export const items = sqliteTable(
  'items',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    /** Public, stable id: a hash of partner, source and identity (the same after a rebuild). */
    id: text('id').notNull(),
    sourcePk: integer('source_pk')
      .notNull()
      .references(() => sources.pk),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    /** guid (+ link), else canonical URL, else title + date; unique per source. */
    identity: text('identity').notNull(),
    guid: text('guid'),
    url: text('url').notNull(),
    title: text('title').notNull(),
    /** Sanitised HTML (small allowlist), bounded. */
    summary: text('summary').notNull().default(''),
    language: text('language'),
    section: text('section').notNull(),
    docType: text('doc_type'),
    publishedAt: text('published_at'),
    /** publishedAt, else the day it was first seen: orders "latest" lists and gives the year. */
    sortDate: text('sort_date').notNull(),
    year: integer('year').notNull(),
    firstSeenAt: text('first_seen_at').notNull(),
    /**
     * When the item was last seen while missing from its source. While the item is listed
     * (missingCount = 0), "last seen" is the source's last successful harvest; storing it per
     * item would rewrite every item on every harvest.
     */
    lastSeenAt: text('last_seen_at'),
    lastChangedAt: text('last_changed_at').notNull(),
    /** When the item's content was last fetched (the listing, or its PDF). */
    fetchedAt: text('fetched_at').notNull(),
    contentHash: text('content_hash').notNull(),
    /** Consecutive successful harvests of the source that did not list the item. */
    missingCount: integer('missing_count').notNull().default(0),
    goneSince: text('gone_since'),
    /** Scrolled out of the source's listing window (older than everything it now lists): still valid. */
    offListingSince: text('off_listing_since'),
    /** The linked document (a PDF) whose text was extracted, its validators and facts. */
    documentUrl: text('document_url'),
    documentEtag: text('document_etag'),
    documentLastModified: text('document_last_modified'),
    documentHash: text('document_hash'),
    pages: integer('pages'),
    scanned: integer('scanned', { mode: 'boolean' }).notNull().default(false),
    textChars: integer('text_chars').notNull().default(0),
    author: text('author'),
    /** sha256 of the linked document's bytes (the PDF file): OCR results are kept by it. */
    documentFileHash: text('document_file_hash'),
    /** Pages of text the portal holds for the item (the text view's pages; 1 for text without pages). */
    textPages: integer('text_pages').notNull().default(0),
    /** Where the text came from: `layer` (the document's own text), `ocr` (some pages recognised), null without text. */
    textSource: text('text_source'),
    /**
     * When the item's text last changed without a new version (OCR read its pages, a harvest mapped
     * its pages): with `meta.text_changed`, what the pages' validators see besides versions.
     */
    textStamp: integer('text_stamp').notNull().default(0),
    textChangedAt: text('text_changed_at'),
  },
  (t) => [
    // Public item page and API: GET /{lang}/items/{id}, /api/items/{id}.
    uniqueIndex('items_id_uq').on(t.id),
    // The harvester's upsert and the per-source item map: identity unique per source.
    uniqueIndex('items_source_identity_uq').on(t.sourcePk, t.identity),
    // Section pages and the home page's latest items per section, newest first.
    index('items_section_sort_idx').on(t.section, t.sortDate),
    // Partner pages and the partner filter, newest first; freshness' newest item per partner.
    index('items_partner_sort_idx').on(t.partnerId, t.sortDate),
    // /api/items without filters and the Atom feed: newest first over the whole catalogue.
    index('items_sort_idx').on(t.sortDate),
    // The search facets' in-memory index catches up with items changed since its last refresh.
    index('items_changed_idx').on(t.lastChangedAt),
    // Freshness report and partners page: items per partner and section (covering, no row reads).
    index('items_partner_section_idx').on(t.partnerId, t.section, t.goneSince),
    // Freshness report and source lists: listed items per source.
    index('items_source_gone_idx').on(t.sourcePk, t.goneSince),
    // OCR results applied to every item whose document is the recognised file.
    index('items_document_file_idx').on(t.documentFileHash),
  ],
);

/** Extracted text of an item (PDF text or the page's), kept out of the listing table. */
export const itemTexts = sqliteTable('item_texts', {
  itemPk: integer('item_pk')
    .primaryKey()
    .references(() => items.pk),
  text: text('text').notNull(),
  /**
   * Where each page's text lies in `text`: JSON `[[page, start, end, ocr], …]` (1-based page of the
   * document, UTF-16 offsets, ocr 1 for a recognised page). Null for text without pages (feeds,
   * and documents read before issue 17: read again at their next harvest).
   */
  pageMap: text('page_map'),
});

/**
 * Scanned documents waiting for OCR, one per file (sha256 of its bytes): harvests and deposits
 * queue them, `portal ocr` (started by `portal serve`) reads them in the background.
 */
export const ocrJobs = sqliteTable(
  'ocr_jobs',
  {
    fileHash: text('file_hash').primaryKey(),
    /** `queued`, `running`, `done` or `failed`. */
    status: text('status').notNull(),
    /** Where the file is kept: `scans` (harvested, removed once read) or `deposits` (a deposit's file). */
    store: text('store').notNull(),
    /** The source's or deposit's language; null: detected per page. */
    language: text('language'),
    /** JSON list of the 1-based pages without a text layer. */
    pages: text('pages').notNull(),
    queuedAt: text('queued_at').notNull(),
    startedAt: text('started_at'),
    finishedAt: text('finished_at'),
    /** The process reading it (`host:pid`), while running. */
    owner: text('owner'),
    attempts: integer('attempts').notNull().default(0),
    /** Pages recognised, and what went wrong (failed jobs; pages that failed in a done one). */
    pagesRead: integer('pages_read').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    durationMs: integer('duration_ms'),
  },
  (t) => [
    // The worker takes the oldest queued job; the queue's length bounds new ones.
    index('ocr_jobs_status_idx').on(t.status, t.queuedAt),
  ],
);

/** Text recognised on a scanned document's pages, by file: redone only when the file changes. */
export const ocrPages = sqliteTable(
  'ocr_pages',
  {
    fileHash: text('file_hash').notNull(),
    page: integer('page').notNull(),
    text: text('text').notNull(),
    /** The page's language as the OCR read it (the source's, or Arabic when the script says so). */
    language: text('language'),
  },
  (t) => [primaryKey({ columns: [t.fileHash, t.page] })],
);

/**
 * When each item last changed, as OAI-PMH harvesters see it (its datestamp): the time the change
 * was committed, not the harvest's start time the items carry, so an incremental harvest from
 * the previous answer's time never misses a change committed later. Written by triggers on
 * `items` (every write path), then moved to the end of a harvest's transaction by the store.
 */
export const itemStamps = sqliteTable(
  'item_stamps',
  {
    itemPk: integer('item_pk')
      .primaryKey()
      .references(() => items.pk),
    datestamp: text('datestamp').notNull(),
  },
  (t) => [
    // OAI-PMH ListRecords / ListIdentifiers: records in datestamp order from a cursor, from/until.
    index('item_stamps_datestamp_idx').on(t.datestamp, t.itemPk),
  ],
);

/** Course facts of a training item (doc_type `training`), harvested with it. */
export const itemCourses = sqliteTable(
  'item_courses',
  {
    itemPk: integer('item_pk')
      .primaryKey()
      .references(() => items.pk),
    /** First and last day, "YYYY-MM-DD". */
    startsOn: text('starts_on'),
    endsOn: text('ends_on'),
    /** `online`, `in_person` or `hybrid`. */
    format: text('format'),
    audience: text('audience'),
    /** The course's language when the partner states it, else the item's. */
    language: text('language'),
    registrationUrl: text('registration_url'),
    organiser: text('organiser'),
    location: text('location'),
  },
  (t) => [
    // /{lang}/services: upcoming sessions soonest first, past ones latest first.
    index('item_courses_starts_idx').on(t.startsOn),
  ],
);

/** Each content change of an item: what an auditor reads to see silent edits. */
export const itemVersions = sqliteTable(
  'item_versions',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    itemPk: integer('item_pk')
      .notNull()
      .references(() => items.pk),
    contentHash: text('content_hash').notNull(),
    seenAt: text('seen_at').notNull(),
    /** `new`, `changed`, `gone` or `back`. */
    event: text('event').notNull(),
    /** JSON: the normalised fields at that time (title, url, published_at, doc_type, language, summary, text hash). */
    snapshot: text('snapshot').notNull(),
    /** JSON list of the fields that differ from the previous version. */
    changedFields: text('changed_fields').notNull().default('[]'),
    runPk: integer('run_pk'),
  },
  (t) => [
    // Item page and /api/items/{id}: an item's versions in order.
    index('item_versions_item_idx').on(t.itemPk, t.seenAt),
  ],
);

/** One harvest pass (a `portal harvest`, a scheduled batch, an operator's "harvest now"). */
export const runs = sqliteTable(
  'runs',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    /** `running`, `finished` or `interrupted` (the process died; marked at the next start). */
    status: text('status').notNull(),
    trigger: text('trigger').notNull(),
    pid: integer('pid').notNull(),
    host: text('host').notNull(),
  },
  (t) => [
    // Marking interrupted runs at start: the runs still `running`.
    index('runs_status_idx').on(t.status),
  ],
);

/** The outcome of one source in one run. */
export const runSources = sqliteTable(
  'run_sources',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    runPk: integer('run_pk')
      .notNull()
      .references(() => runs.pk),
    sourcePk: integer('source_pk')
      .notNull()
      .references(() => sources.pk),
    status: text('status').notNull(),
    startedAt: text('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    itemsFound: integer('items_found').notNull().default(0),
    itemsNew: integer('items_new').notNull().default(0),
    itemsChanged: integer('items_changed').notNull().default(0),
    itemsGone: integer('items_gone').notNull().default(0),
    itemsDropped: integer('items_dropped').notNull().default(0),
    httpStatus: integer('http_status'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    /** JSON list of warnings (dropped items and why, PDFs that could not be read, …). */
    warnings: text('warnings').notNull().default('[]'),
  },
  (t) => [
    // Run summary (`harvest --json`): the outcomes of one run.
    index('run_sources_run_idx').on(t.runPk),
    // Admin source page: a source's recent runs, newest first.
    index('run_sources_source_idx').on(t.sourcePk, t.startedAt),
  ],
);

/** Citizens' opinions and suggestions, and their moderation. */
export const suggestions = sqliteTable(
  'suggestions',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    createdAt: text('created_at').notNull(),
    language: text('language').notNull(),
    /** The page the suggestion is about (a path on the portal), if any. */
    pageRef: text('page_ref'),
    topic: text('topic'),
    message: text('message').notNull(),
    /** Contact details: optional, used only to answer, deleted after the retention period. */
    name: text('name'),
    email: text('email'),
    /** `new`, `examined`, `answered` or `rejected`. */
    status: text('status').notNull().default('new'),
    answer: text('answer'),
    answeredAt: text('answered_at'),
    answeredBy: text('answered_by'),
    published: integer('published', { mode: 'boolean' }).notNull().default(false),
    emailedAt: text('emailed_at'),
    contactPurgedAt: text('contact_purged_at'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    // Admin queue filtered by status, newest first.
    index('suggestions_status_idx').on(t.status, t.createdAt),
    // Public page: published answers, newest first.
    index('suggestions_published_idx').on(t.published, t.answeredAt),
  ],
);

/** Page views per day, path group and language: no cookies, no IP addresses, no user agents. */
export const visitsDaily = sqliteTable(
  'visits_daily',
  {
    day: text('day').notNull(),
    pathGroup: text('path_group').notNull(),
    language: text('language').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.pathGroup, t.language] })],
);

/** Outbound clicks through /go/{id} per day. */
export const clicksDaily = sqliteTable(
  'clicks_daily',
  {
    day: text('day').notNull(),
    targetId: text('target_id').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.day, t.targetId] })],
);

/** One row a day: how many committed institutions were up to date (the indicators' history). */
export const freshnessDaily = sqliteTable('freshness_daily', {
  day: text('day').primaryKey(),
  partners: integer('partners').notNull(),
  contributing: integer('contributing').notNull(),
  committed: integer('committed').notNull(),
  upToDate: integer('up_to_date').notNull(),
  items: integer('items').notNull(),
});

/** Operator accounts of the admin area. */
export const users = sqliteTable(
  'users',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    name: text('name').notNull(),
    /** `admin`, `editor` or `partner` (a partner's focal point). */
    role: text('role').notNull(),
    /** The partner a `partner` user acts for; null for the authority's operators. */
    partnerId: text('partner_id'),
    /** scrypt: `scrypt$N$r$p$salt$hash` (base64). */
    passwordHash: text('password_hash').notNull(),
    createdAt: text('created_at').notNull(),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: text('locked_until'),
    lastLoginAt: text('last_login_at'),
  },
  (t) => [
    // Login and `portal user …` look users up by name.
    uniqueIndex('users_name_uq').on(t.name),
  ],
);

/** Admin sessions; the cookie carries a random token, only its hash is stored. */
export const sessions = sqliteTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userPk: integer('user_pk')
      .notNull()
      .references(() => users.pk),
    csrfSecret: text('csrf_secret').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
  },
  (t) => [
    // Purging expired sessions.
    index('sessions_expires_idx').on(t.expiresAt),
  ],
);

/** Every operator action: who, what, when. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    target: text('target'),
    detail: text('detail'),
  },
  (t) => [
    // Admin audit page, newest first.
    index('audit_log_at_idx').on(t.at),
  ],
);

/** Small facts of the store itself (e.g. the config errors the admin area shows). */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: text('updated_at')
    .notNull()
    .default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`),
});

/**
 * Documents a partner's focal point deposits (issue 18): what the partner cannot get harvested. A
 * deposit is published as an item of the partner's `deposit` source through the harvester's own
 * pipeline; every submission (the first one and each edit) is a revision, kept for ever.
 */
export const deposits = sqliteTable(
  'deposits',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    /** Public, random id (not a counter: deposit ids are not to be enumerated). */
    id: text('id').notNull(),
    partnerId: text('partner_id').notNull(),
    /** The published item, once a revision was approved; kept (marked gone) after withdrawal. */
    itemPk: integer('item_pk').references(() => items.pk),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    withdrawnAt: text('withdrawn_at'),
    withdrawnBy: text('withdrawn_by'),
  },
  (t) => [
    // Deposit pages, downloads and the review form: a deposit by its public id.
    uniqueIndex('deposits_id_uq').on(t.id),
    // A focal point's list of its deposits, latest first.
    index('deposits_partner_idx').on(t.partnerId, t.updatedAt),
    // The item page's provenance: the deposit behind an item.
    index('deposits_item_idx').on(t.itemPk),
  ],
);

/** Each submission of a deposit: its fields, its file or link, its text, and its review. */
export const depositRevisions = sqliteTable(
  'deposit_revisions',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    depositPk: integer('deposit_pk')
      .notNull()
      .references(() => deposits.pk),
    /** 1 for the first submission, then 2, 3… for each edit. */
    n: integer('n').notNull(),
    submittedBy: text('submitted_by').notNull(),
    submittedAt: text('submitted_at').notNull(),
    /** JSON `{ar, fr, en}`: at least one. */
    titles: text('titles').notNull(),
    /** Plain text, optional. */
    description: text('description').notNull().default(''),
    section: text('section').notNull(),
    docType: text('doc_type').notNull(),
    language: text('language').notNull(),
    /** The document's own date, "YYYY-MM-DD". */
    documentDate: text('document_date').notNull(),
    /** `file` (an uploaded PDF) or `link`. */
    kind: text('kind').notNull(),
    /** sha256 of the file: its name under the data directory (content-addressed). */
    fileHash: text('file_hash'),
    fileName: text('file_name'),
    fileSize: integer('file_size'),
    linkUrl: text('link_url'),
    /** Text extracted from the PDF (bounded by harvest.max_text_chars). */
    text: text('text').notNull().default(''),
    pages: integer('pages'),
    scanned: integer('scanned', { mode: 'boolean' }).notNull().default(false),
    /** What the extraction wants the focal point to know (pages skipped, no text layer). */
    textNote: text('text_note'),
    /** Where each page's text lies in `text` (as item_texts.page_map); null before issue 17. */
    pageMap: text('page_map'),
    /** JSON list of the 1-based pages without a text layer (scanned): what OCR reads once it is published. */
    ocrPages: text('ocr_pages'),
    /** `pending`, `approved`, `rejected`, `superseded` (a later edit replaced it before review) or `withdrawn`. */
    status: text('status').notNull(),
    reviewedBy: text('reviewed_by'),
    reviewedAt: text('reviewed_at'),
    /** Why an administrator rejected it: shown to the focal point. */
    reason: text('reason'),
    /** When this revision became the published version of the item. */
    liveAt: text('live_at'),
  },
  (t) => [
    // A deposit's revisions in order; the next revision number.
    uniqueIndex('deposit_revisions_deposit_n_uq').on(t.depositPk, t.n),
    // The administrators' review queue: pending revisions, oldest first.
    index('deposit_revisions_status_idx').on(t.status, t.submittedAt),
    // Public downloads and backups: which revisions hold a file.
    index('deposit_revisions_file_idx').on(t.fileHash),
  ],
);

/**
 * Reminder emails to partners behind and the authority's Monday digest: what was sent, or what
 * would have been sent when no SMTP server is configured. The weekly limit is read from here.
 */
export const reminders = sqliteTable(
  'reminders',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    /** `partner` (to a partner's contacts) or `digest` (to the authority). */
    kind: text('kind').notNull(),
    partnerId: text('partner_id'),
    createdAt: text('created_at').notNull(),
    /** The digest's ISO week ("2026-W49"); null for partner reminders. */
    period: text('period'),
    /** `sent`, `partial` (some recipients failed), `failed`, or `not_sent` (no SMTP configured, or no recipient). */
    status: text('status').notNull(),
    /** JSON: what triggered it (overdue, failing sources) as the portal saw it. */
    reasons: text('reasons').notNull(),
    /** JSON list of messages: recipient, language, subject, text, html, outcome. */
    messages: text('messages').notNull(),
  },
  (t) => [
    // The weekly limit (last reminder of a partner) and the digest of a week.
    index('reminders_kind_partner_idx').on(t.kind, t.partnerId, t.createdAt),
    // The admin page, newest first.
    index('reminders_created_idx').on(t.createdAt),
  ],
);

/**
 * Statistical series read from partners' dataset files (CSV, XLSX, JSON): one row per series of a
 * `type: dataset` source. Its public id is `{partner}-{series id}`. The descriptive fields come
 * from the config as of the last successful read.
 */
export const datasetSeries = sqliteTable(
  'dataset_series',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    /** Public id: `{partner}-{series id}`. */
    id: text('id').notNull(),
    sourcePk: integer('source_pk')
      .notNull()
      .references(() => sources.pk),
    partnerId: text('partner_id')
      .notNull()
      .references(() => partners.id),
    /** The series' id in the source's config. */
    seriesKey: text('series_key').notNull(),
    /** JSON `{ar, fr, en}` texts from the config: name, unit, definition, notes, theme. */
    name: text('name').notNull(),
    unit: text('unit'),
    definition: text('definition'),
    notes: text('notes'),
    theme: text('theme'),
    /** JSON list of the dimension names, in config order. */
    dimensions: text('dimensions').notNull().default('[]'),
    /** JSON `{dimension: [values in file order]}` of the current observations. */
    dimensionValues: text('dimension_values').notNull().default('{}'),
    /** JSON: display options from the config (chart, compare, headline, decimals). */
    display: text('display').notNull().default('{}'),
    /** `year`, `quarter`, `month` or `date`. */
    periodKind: text('period_kind').notNull(),
    /** The values were written as percentages. */
    percent: integer('percent', { mode: 'boolean' }).notNull().default(false),
    /** JSON `[[period, value], …]`: the headline figure per period (the indicator card's trend). */
    headline: text('headline').notNull().default('[]'),
    /** Current observations (latest versions). */
    observationCount: integer('observation_count').notNull().default(0),
    /** Provenance of the last read: the file's final URL, when it was fetched, its sha256, its format. */
    fileUrl: text('file_url').notNull(),
    fetchedAt: text('fetched_at').notNull(),
    contentHash: text('content_hash').notNull(),
    format: text('format').notNull(),
    firstSeenAt: text('first_seen_at').notNull(),
    /** When an observation of the series was last added or revised. */
    updatedAt: text('updated_at').notNull(),
    /** False once the series is no longer in its source's config: its history stays, it is not listed. */
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [
    // /{lang}/statistics/{series} and /api/statistics/{series}.
    uniqueIndex('dataset_series_id_uq').on(t.id),
    // Writing a source's series after a read: its series by config id.
    uniqueIndex('dataset_series_source_key_uq').on(t.sourcePk, t.seriesKey),
    // Freshness report: series per partner.
    index('dataset_series_partner_idx').on(t.partnerId),
  ],
);

/**
 * Every version of every observation. A value that changes in the partner's file is a new
 * version (`revised`); the old one is kept with `superseded_at` set, never overwritten. An
 * observation that leaves the file is kept as it was (files often show only recent years).
 */
export const datasetObservations = sqliteTable(
  'dataset_observations',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    seriesPk: integer('series_pk')
      .notNull()
      .references(() => datasetSeries.pk),
    /** Normal form: 2024, 2024-Q1, 2024-03 or 2024-03-31. */
    period: text('period').notNull(),
    /** Stable JSON of the dimensions (`{}` without), keys sorted. */
    dimensions: text('dimensions').notNull(),
    /** null: the partner wrote a missing marker. */
    value: real('value'),
    version: integer('version').notNull(),
    /** `new` or `revised`. */
    event: text('event').notNull(),
    recordedAt: text('recorded_at').notNull(),
    /** When a newer version replaced this one; null for the current version. */
    supersededAt: text('superseded_at'),
    /** Provenance of this version: the file it was read from, when, and the file's sha256. */
    fileUrl: text('file_url').notNull(),
    fetchedAt: text('fetched_at').notNull(),
    contentHash: text('content_hash').notNull(),
    runPk: integer('run_pk'),
  },
  (t) => [
    // The current version of an observation: one at most; the harvest's lookups and the series' data.
    uniqueIndex('dataset_obs_current_uq').on(t.seriesPk, t.period, t.dimensions).where(sql`superseded_at IS NULL`),
    // A series' history (revisions) and the freshness report's newest change per partner.
    index('dataset_obs_series_recorded_idx').on(t.seriesPk, t.recordedAt),
  ],
);
