// Deposits by partners' focal points (issue 18): each submission is a revision kept for ever; an
// approved revision is published as an item of the partner's `deposit` source through the same
// write path as a harvest (items.apply: version, search index, facets), so an edit is a new
// version of the same item and a withdrawal marks it gone, its history kept.
import { randomBytes } from 'node:crypto';
import { textIn, type DocType, type Language, type Multilingual, type Section } from '../config/index.ts';
import { type DepositItemBuilder } from '../harvester/deposit-item.ts';
import { changedFields } from '../harvester/plan.ts';
import { parsePageMap, type PageSpan } from '../harvester/pages.ts';
import { type ChangePlan } from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';
import { type ItemsStore } from './items.ts';
import { type PartnersStore } from './partners.ts';
import { parseJson } from './util.ts';

export const DEPOSIT_STATUSES = ['pending', 'approved', 'rejected', 'superseded', 'withdrawn'] as const;
export type DepositStatus = (typeof DEPOSIT_STATUSES)[number];

/** The file of a file deposit, as stored (content-addressed) and read. */
export interface DepositFile {
  hash: string;
  name: string;
  size: number;
  text: string;
  pages: number | null;
  scanned: boolean;
  note: string | null;
  /** Where each page lies in `text` (harvester/pages.ts); absent: not known. */
  pageMap?: PageSpan[] | null;
  /** 1-based pages without a text layer: read by OCR once the deposit is published. */
  ocrPages?: number[];
}

/** What a focal point submits. On an edit, `file: null` with kind `file` keeps the previous file. */
export interface DepositFields {
  titles: Multilingual;
  description: string;
  section: Section;
  docType: DocType;
  language: Language;
  /** "YYYY-MM-DD". */
  documentDate: string;
  kind: 'file' | 'link';
  file: DepositFile | null;
  linkUrl: string | null;
}

export interface DepositRevision {
  n: number;
  submitted_by: string;
  submitted_at: string;
  titles: Multilingual;
  title: string;
  description: string;
  section: Section;
  doc_type: DocType;
  language: Language;
  document_date: string;
  kind: 'file' | 'link';
  file_hash: string | null;
  file_name: string | null;
  file_size: number | null;
  link_url: string | null;
  text_chars: number;
  pages: number | null;
  scanned: boolean;
  text_note: string | null;
  status: DepositStatus;
  reviewed_by: string | null;
  reviewed_at: string | null;
  reason: string | null;
  live_at: string | null;
}

export interface DepositSummary {
  id: string;
  partner: string;
  created_by: string;
  created_at: string;
  updated_at: string;
  withdrawn_at: string | null;
  withdrawn_by: string | null;
  /** The published item's public id (also after withdrawal: the item page keeps the history). */
  item_id: string | null;
  /** The latest submission, whatever its review. */
  latest: DepositRevision;
  /** The revision the public sees (null before a first approval). */
  live: DepositRevision | null;
}

export interface DepositDetail extends DepositSummary {
  revisions: DepositRevision[];
}

/** What publishing needs: the live config, and the harvester's item pipeline (deposit-item.ts). */
export interface PublishContext {
  /** The portal's address (site.base_url), for the file's public link. */
  baseUrl: string;
  maxTextChars: number;
  /**
   * harvester/deposit-item.ts's `depositItem`, passed in by the caller: it loads the HTML
   * sanitiser, which the store does not load when it opens (start-up time of `portal serve`).
   */
  makeItem: DepositItemBuilder;
}

/** Why an action on a deposit was refused (the route turns it into a 404 or a message). */
export class DepositRefused extends Error {
  constructor(readonly reason: 'not_found' | 'withdrawn' | 'not_pending' | 'no_file') {
    super(reason);
  }
}

interface RawRevision {
  pk: number;
  deposit_pk: number;
  n: number;
  submitted_by: string;
  submitted_at: string;
  titles: string;
  description: string;
  section: Section;
  doc_type: DocType;
  language: Language;
  document_date: string;
  kind: 'file' | 'link';
  file_hash: string | null;
  file_name: string | null;
  file_size: number | null;
  link_url: string | null;
  text_chars: number;
  pages: number | null;
  scanned: number;
  text_note: string | null;
  status: DepositStatus;
  reviewed_by: string | null;
  reviewed_at: string | null;
  reason: string | null;
  live_at: string | null;
}

type PublishedRevision = RawRevision & { text: string; page_map: string | null; ocr_pages: string | null };

interface RawDeposit {
  pk: number;
  id: string;
  partner_id: string;
  item_pk: number | null;
  item_id: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  withdrawn_at: string | null;
  withdrawn_by: string | null;
}

const REVISION_COLUMNS = `pk, deposit_pk, n, submitted_by, submitted_at, titles, description, section, doc_type, language,
  document_date, kind, file_hash, file_name, file_size, link_url, length(text) AS text_chars, pages, scanned, text_note,
  status, reviewed_by, reviewed_at, reason, live_at`;
const DEPOSIT_COLUMNS = `d.pk, d.id, d.partner_id, d.item_pk, i.id AS item_id, d.created_by, d.created_at, d.updated_at,
  d.withdrawn_at, d.withdrawn_by`;

function toRevision(r: RawRevision): DepositRevision {
  const titles = parseJson<Multilingual>(r.titles, {});
  return {
    n: r.n,
    submitted_by: r.submitted_by,
    submitted_at: r.submitted_at,
    titles,
    title: textIn(titles, r.language),
    description: r.description,
    section: r.section,
    doc_type: r.doc_type,
    language: r.language,
    document_date: r.document_date,
    kind: r.kind,
    file_hash: r.file_hash,
    file_name: r.file_name,
    file_size: r.file_size,
    link_url: r.link_url,
    text_chars: r.text_chars,
    pages: r.pages,
    scanned: r.scanned === 1,
    text_note: r.text_note,
    status: r.status,
    reviewed_by: r.reviewed_by,
    reviewed_at: r.reviewed_at,
    reason: r.reason,
    live_at: r.live_at,
  };
}

export class DepositsStore {
  constructor(
    private readonly sqlite: Sqlite,
    private readonly items: ItemsStore,
    private readonly partners: PartnersStore,
    /** Called after a write that changes the catalogue (the freshness report is recomputed). */
    private readonly changed: () => void,
  ) {}

  private raw(id: string): RawDeposit | undefined {
    return this.sqlite.prepare(`SELECT ${DEPOSIT_COLUMNS} FROM deposits d LEFT JOIN items i ON i.pk = d.item_pk WHERE d.id = ?`).get(id) as RawDeposit | undefined;
  }

  private revisions(depositPk: number): RawRevision[] {
    return this.sqlite.prepare(`SELECT ${REVISION_COLUMNS} FROM deposit_revisions WHERE deposit_pk = ? ORDER BY n`).all(depositPk) as RawRevision[];
  }

  private summary(d: RawDeposit, revisions: RawRevision[]): DepositDetail {
    const all = revisions.map(toRevision);
    const live = [...all].reverse().find((r) => r.live_at !== null) ?? null;
    return {
      id: d.id,
      partner: d.partner_id,
      created_by: d.created_by,
      created_at: d.created_at,
      updated_at: d.updated_at,
      withdrawn_at: d.withdrawn_at,
      withdrawn_by: d.withdrawn_by,
      item_id: d.item_id,
      latest: all.at(-1)!,
      live,
      revisions: all,
    };
  }

  /** A deposit with all its revisions; `partnerId` narrows it to that partner's (else undefined). */
  get(id: string, partnerId?: string): DepositDetail | undefined {
    if (!/^[0-9a-f]{12}$/.test(id)) return undefined;
    const d = this.raw(id);
    if (!d || (partnerId !== undefined && d.partner_id !== partnerId)) return undefined;
    return this.summary(d, this.revisions(d.pk));
  }

  private many(where: string, ...params: unknown[]): DepositSummary[] {
    const rows = this.sqlite
      .prepare(`SELECT ${DEPOSIT_COLUMNS} FROM deposits d LEFT JOIN items i ON i.pk = d.item_pk WHERE ${where} ORDER BY d.updated_at DESC, d.pk DESC LIMIT 500`)
      .all(...params) as RawDeposit[];
    if (rows.length === 0) return [];
    const revisions = this.sqlite
      .prepare(`SELECT ${REVISION_COLUMNS} FROM deposit_revisions WHERE deposit_pk IN (SELECT value FROM json_each(?)) ORDER BY deposit_pk, n`)
      .all(JSON.stringify(rows.map((r) => r.pk))) as RawRevision[];
    const byDeposit = new Map<number, RawRevision[]>();
    for (const r of revisions) byDeposit.set(r.deposit_pk, [...(byDeposit.get(r.deposit_pk) ?? []), r]);
    return rows.map((d) => {
      const { revisions: _all, ...summary } = this.summary(d, byDeposit.get(d.pk) ?? []);
      return summary;
    });
  }

  /** A partner's deposits, latest change first. */
  listByPartner(partnerId: string): DepositSummary[] {
    return this.many('d.partner_id = ?', partnerId);
  }

  /** Deposits whose latest revision waits for review, oldest submission first. */
  pending(): DepositSummary[] {
    return this.many("d.pk IN (SELECT deposit_pk FROM deposit_revisions WHERE status = 'pending')").sort((a, b) => (a.latest.submitted_at < b.latest.submitted_at ? -1 : 1));
  }

  /** Every deposit (the administrators' list), latest change first. */
  list(): DepositSummary[] {
    return this.many('1');
  }

  pendingCount(): number {
    return (this.sqlite.prepare("SELECT count(*) AS n FROM deposit_revisions WHERE status = 'pending'").get() as { n: number }).n;
  }

  /** The deposit an item was published from, for the item page's provenance. */
  ofItem(itemId: string): { id: string; partner: string; created_at: string; withdrawn_at: string | null } | undefined {
    return this.sqlite
      .prepare('SELECT d.id, d.partner_id AS partner, d.created_at, d.withdrawn_at FROM deposits d JOIN items i ON i.pk = d.item_pk WHERE i.id = ?')
      .get(itemId) as { id: string; partner: string; created_at: string; withdrawn_at: string | null } | undefined;
  }

  /** The file the public may download: the live revision's, while the deposit is not withdrawn. */
  publicFile(id: string): { hash: string; name: string } | undefined {
    const deposit = this.get(id);
    if (!deposit || deposit.withdrawn_at || !deposit.live || deposit.live.kind !== 'file' || !deposit.live.file_hash) return undefined;
    return { hash: deposit.live.file_hash, name: deposit.live.file_name ?? 'document.pdf' };
  }

  /** Every file any revision refers to (what a backup must hold). */
  fileHashes(): string[] {
    return (this.sqlite.prepare('SELECT DISTINCT file_hash FROM deposit_revisions WHERE file_hash IS NOT NULL ORDER BY file_hash').pluck().all() as string[]);
  }

  /** Extracted text of a revision (the review page shows its beginning). */
  revisionText(id: string, n: number, maxChars: number): string {
    return (
      (this.sqlite
        .prepare('SELECT substr(r.text, 1, ?) FROM deposit_revisions r JOIN deposits d ON d.pk = r.deposit_pk WHERE d.id = ? AND r.n = ?')
        .pluck()
        .get(maxChars, id, n) as string | undefined) ?? ''
    );
  }

  private insertRevision(depositPk: number, n: number, actor: string, fields: DepositFields, file: DepositFile | null, now: string): void {
    this.sqlite
      .prepare(
        `INSERT INTO deposit_revisions (deposit_pk, n, submitted_by, submitted_at, titles, description, section, doc_type, language,
           document_date, kind, file_hash, file_name, file_size, link_url, text, pages, scanned, text_note, page_map, ocr_pages, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending')`,
      )
      .run(
        depositPk,
        n,
        actor,
        now,
        JSON.stringify(fields.titles),
        fields.description,
        fields.section,
        fields.docType,
        fields.language,
        fields.documentDate,
        fields.kind,
        file?.hash ?? null,
        file?.name ?? null,
        file?.size ?? null,
        fields.kind === 'link' ? fields.linkUrl : null,
        file?.text ?? '',
        file?.pages ?? null,
        file?.scanned ? 1 : 0,
        file?.note ?? null,
        file?.pageMap ? JSON.stringify(file.pageMap) : null,
        file?.ocrPages?.length ? JSON.stringify(file.ocrPages) : null,
      );
  }

  /**
   * A new deposit. Without review it is approved and published at once (reviewer "(no review)").
   * Returns its public id.
   */
  create(partnerId: string, actor: string, fields: DepositFields, now: string, options: { review: boolean } & PublishContext): string {
    if (fields.kind === 'file' && !fields.file) throw new DepositRefused('no_file');
    const id = randomBytes(6).toString('hex');
    this.sqlite.transaction(() => {
      const info = this.sqlite
        .prepare('INSERT INTO deposits (id, partner_id, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
        .run(id, partnerId, actor, now, now);
      this.insertRevision(Number(info.lastInsertRowid), 1, actor, fields, fields.kind === 'file' ? fields.file : null, now);
      if (!options.review) this.approveLatest(id, 1, '(no review)', now, options);
    })();
    return id;
  }

  /**
   * An edit: a new revision. A pending one it replaces is marked superseded; the published
   * version stays online until the new one is approved. A file deposit edited without a new file
   * keeps its file (and text). Returns the new revision's number.
   */
  revise(id: string, partnerId: string, actor: string, fields: DepositFields, now: string, options: { review: boolean } & PublishContext): number {
    return this.sqlite.transaction(() => {
      const deposit = this.get(id, partnerId);
      if (!deposit) throw new DepositRefused('not_found');
      if (deposit.withdrawn_at) throw new DepositRefused('withdrawn');
      const previous = deposit.latest;
      let file = fields.file;
      if (fields.kind === 'file' && !file) {
        if (previous.kind !== 'file' || !previous.file_hash) throw new DepositRefused('no_file');
        const old = this.sqlite
          .prepare('SELECT text, page_map, ocr_pages FROM deposit_revisions r JOIN deposits d ON d.pk = r.deposit_pk WHERE d.id = ? AND r.n = ?')
          .get(id, previous.n) as { text: string; page_map: string | null; ocr_pages: string | null };
        file = {
          hash: previous.file_hash,
          name: previous.file_name ?? 'document.pdf',
          size: previous.file_size ?? 0,
          text: old.text,
          pages: previous.pages,
          scanned: previous.scanned,
          note: previous.text_note,
          pageMap: parsePageMap(old.page_map, old.text.length),
          ocrPages: parseJson<number[]>(old.ocr_pages, []),
        };
      }
      const pk = this.raw(id)!.pk;
      this.sqlite.prepare("UPDATE deposit_revisions SET status = 'superseded' WHERE deposit_pk = ? AND status = 'pending'").run(pk);
      const n = previous.n + 1;
      this.insertRevision(pk, n, actor, fields, fields.kind === 'file' ? file : null, now);
      this.sqlite.prepare('UPDATE deposits SET updated_at = ? WHERE pk = ?').run(now, pk);
      if (!options.review) this.approveLatest(id, n, '(no review)', now, options);
      return n;
    })();
  }

  /** An administrator approves the pending revision `n`: it is published. */
  approve(id: string, n: number, actor: string, now: string, context: PublishContext): void {
    this.sqlite.transaction(() => this.approveLatest(id, n, actor, now, context))();
  }

  private approveLatest(id: string, n: number, actor: string, now: string, context: PublishContext): void {
    const deposit = this.raw(id);
    if (!deposit) throw new DepositRefused('not_found');
    if (deposit.withdrawn_at) throw new DepositRefused('withdrawn');
    const revision = this.sqlite.prepare(`SELECT ${REVISION_COLUMNS}, text, page_map, ocr_pages FROM deposit_revisions WHERE deposit_pk = ? AND n = ?`).get(deposit.pk, n) as
      | PublishedRevision
      | undefined;
    if (!revision || revision.status !== 'pending') throw new DepositRefused('not_pending');
    this.sqlite.prepare("UPDATE deposit_revisions SET status = 'approved', reviewed_by = ?, reviewed_at = ?, live_at = ? WHERE pk = ?").run(actor, now, now, revision.pk);
    this.publish(deposit, revision, now, context);
  }

  /** An administrator rejects the pending revision `n`, with the reason the focal point reads. */
  reject(id: string, n: number, actor: string, reason: string, now: string): void {
    this.sqlite.transaction(() => {
      const deposit = this.raw(id);
      if (!deposit) throw new DepositRefused('not_found');
      const result = this.sqlite
        .prepare("UPDATE deposit_revisions SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, reason = ? WHERE deposit_pk = ? AND n = ? AND status = 'pending'")
        .run(actor, now, reason, deposit.pk, n);
      if (result.changes !== 1) throw new DepositRefused('not_pending');
      this.sqlite.prepare('UPDATE deposits SET updated_at = ? WHERE pk = ?').run(now, deposit.pk);
    })();
  }

  /**
   * The focal point withdraws its deposit: the published item is marked gone (a `gone` version,
   * out of search; its page and history stay), pending revisions end, every revision is kept.
   */
  withdraw(id: string, partnerId: string, actor: string, now: string): void {
    this.sqlite.transaction(() => {
      const deposit = this.raw(id);
      if (!deposit || deposit.partner_id !== partnerId) throw new DepositRefused('not_found');
      if (deposit.withdrawn_at) throw new DepositRefused('withdrawn');
      this.sqlite.prepare("UPDATE deposit_revisions SET status = 'withdrawn' WHERE deposit_pk = ? AND status = 'pending'").run(deposit.pk);
      this.sqlite.prepare('UPDATE deposits SET withdrawn_at = ?, withdrawn_by = ?, updated_at = ? WHERE pk = ?').run(now, actor, now, deposit.pk);
      if (deposit.item_pk !== null) {
        const source = this.partners.depositSource(deposit.partner_id, now);
        const existing = this.items.existing(source.pk).find((e) => e.pk === deposit.item_pk);
        if (existing && !existing.goneSince) {
          this.items.apply(source, { ...emptyPlan(), gone: [existing] }, null, now);
          this.changed();
        }
      }
    })();
  }

  /** Writes the revision as the deposit's item, through the harvest write path. */
  private publish(deposit: RawDeposit, revision: PublishedRevision, now: string, context: PublishContext): void {
    const source = this.partners.depositSource(deposit.partner_id, now);
    const item = context.makeItem(
      {
        depositId: deposit.id,
        partnerId: deposit.partner_id,
        titles: parseJson<Multilingual>(revision.titles, {}),
        description: revision.description,
        section: revision.section,
        docType: revision.doc_type,
        language: revision.language,
        documentDate: revision.document_date,
        kind: revision.kind,
        linkUrl: revision.link_url,
        fileUrl: `${context.baseUrl.replace(/\/$/, '')}/deposits/${deposit.id}/document.pdf`,
        text: revision.text,
        pages: revision.pages,
        scanned: revision.scanned === 1,
        submittedAt: revision.submitted_at,
        fileHash: revision.file_hash,
        pageMap: parsePageMap(revision.page_map, revision.text.length),
        ocrPages: parseJson<number[]>(revision.ocr_pages, []),
      },
      { maxTextChars: context.maxTextChars },
    );
    const existing = this.items.existing(source.pk).find((e) => e.identity === item.identity);
    const plan = emptyPlan();
    if (!existing) plan.inserts.push(item);
    else if (existing.goneSince) plan.updates.push({ existing, item, event: 'back', changedFields: changedFields(existing.snapshot, item.snapshot) });
    else if (existing.contentHash !== item.contentHash) plan.updates.push({ existing, item, event: 'changed', changedFields: changedFields(existing.snapshot, item.snapshot) });
    this.items.apply(source, plan, null, now);
    const itemPk = this.sqlite.prepare('SELECT pk FROM items WHERE id = ?').pluck().get(item.id) as number;
    this.sqlite.prepare('UPDATE deposits SET item_pk = ?, updated_at = ? WHERE pk = ?').run(itemPk, now, deposit.pk);
    this.changed();
  }
}

function emptyPlan(): ChangePlan {
  return { inserts: [], updates: [], seenAgain: [], missing: [], gone: [], offListing: [], documentRefresh: [] };
}
