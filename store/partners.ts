// Partners and sources: synced from config (a source removed from config is disabled, its history
// kept), their harvest state, and the lease that keeps two processes off one source.
import { DEPOSIT_SOURCE_ID, type PartnerConfig, type PortalSettings, type SourceConfig, type Multilingual } from '../config/index.ts';
import { type SourceRecord } from '../harvester/ports.ts';
import { type Sqlite } from './db.ts';
import { DAY_MS, parseJson, sha256, stableJson } from './util.ts';

export interface PartnerRow {
  id: string;
  name: Multilingual;
  kind: string;
  website: string | null;
  description: Multilingual | null;
  commitmentDays: number | null;
  inConfig: boolean;
}

export interface SourceRow extends SourceRecord {
  type: string;
  url: string;
  section: string;
  lastStatus: string | null;
  lastHttpStatus: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  disabledReason: string | null;
  itemCount: number;
}

export interface SyncResult {
  partners: number;
  sourcesAdded: number;
  sourcesUpdated: number;
  sourcesDisabled: number;
}

interface RawSource {
  pk: number;
  partner_id: string;
  source_id: string;
  type: string;
  url: string;
  section: string;
  config: string;
  config_hash: string;
  enabled: number;
  disabled_reason: string | null;
  etag: string | null;
  last_modified: string | null;
  body_hash: string | null;
  last_attempt_at: string | null;
  last_success_at: string | null;
  last_change_at: string | null;
  consecutive_failures: number;
  next_attempt_at: string | null;
  last_status: string | null;
  last_http_status: number | null;
  last_error_code: string | null;
  last_error_message: string | null;
  active_items: number;
  item_count: number;
}

const SOURCE_COLUMNS = `s.pk, s.partner_id, s.source_id, s.type, s.url, s.section, s.config, s.config_hash, s.enabled,
  s.disabled_reason, s.etag, s.last_modified, s.body_hash, s.last_attempt_at, s.last_success_at, s.last_change_at,
  s.consecutive_failures, s.next_attempt_at, s.last_status, s.last_http_status, s.last_error_code,
  s.last_error_message,
  (SELECT count(*) FROM items i WHERE i.source_pk = s.pk AND i.gone_since IS NULL) AS active_items,
  (SELECT count(*) FROM items i WHERE i.source_pk = s.pk) AS item_count`;

function toSourceRow(r: RawSource): SourceRow {
  return {
    pk: r.pk,
    partnerId: r.partner_id,
    sourceId: r.source_id,
    type: r.type,
    url: r.url,
    section: r.section,
    config: parseJson<SourceConfig>(r.config, {} as SourceConfig),
    configHash: r.config_hash,
    enabled: r.enabled === 1,
    disabledReason: r.disabled_reason,
    etag: r.etag,
    lastModified: r.last_modified,
    bodyHash: r.body_hash,
    lastAttemptAt: r.last_attempt_at,
    lastSuccessAt: r.last_success_at,
    lastChangeAt: r.last_change_at,
    consecutiveFailures: r.consecutive_failures,
    nextAttemptAt: r.next_attempt_at,
    lastStatus: r.last_status,
    lastHttpStatus: r.last_http_status,
    lastErrorCode: r.last_error_code,
    lastErrorMessage: r.last_error_message,
    activeItems: r.active_items,
    itemCount: r.item_count,
  };
}

export function commitmentDays(partner: PartnerConfig, defaultEveryMs: number): number | null {
  if (!partner.commitment) return null;
  const ms = partner.commitment.update_every ?? defaultEveryMs;
  return Math.max(1, Math.ceil(ms / DAY_MS));
}

export class PartnersStore {
  constructor(private readonly sqlite: Sqlite) {}

  /**
   * Makes partners and sources match the config. Partners whose file is invalid
   * (`keepPartnerIds`) are left exactly as they are: a typo must not disable their sources.
   */
  sync(settings: PortalSettings, now: string, keepPartnerIds: readonly string[] = []): SyncResult {
    const result: SyncResult = { partners: 0, sourcesAdded: 0, sourcesUpdated: 0, sourcesDisabled: 0 };
    const upsertPartner = this.sqlite.prepare(
      `INSERT INTO partners (id, name, kind, website, description, commitment_days, in_config, updated_at)
       VALUES (@id, @name, @kind, @website, @description, @commitment_days, 1, @now)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, website = excluded.website,
         description = excluded.description, commitment_days = excluded.commitment_days, in_config = 1,
         updated_at = excluded.updated_at`,
    );
    const findSource = this.sqlite.prepare('SELECT pk, config_hash, enabled FROM sources WHERE partner_id = ? AND source_id = ?');
    const insertSource = this.sqlite.prepare(
      `INSERT INTO sources (partner_id, source_id, type, url, section, doc_type, language, schedule, config, config_hash,
         enabled, disabled_reason, created_at)
       VALUES (@partner_id, @source_id, @type, @url, @section, @doc_type, @language, @schedule, @config, @config_hash,
         @enabled, @disabled_reason, @now)`,
    );
    const updateSource = this.sqlite.prepare(
      `UPDATE sources SET type = @type, url = @url, section = @section, doc_type = @doc_type, language = @language,
         schedule = @schedule, config = @config, config_hash = @config_hash, enabled = @enabled,
         disabled_reason = @disabled_reason,
         etag = CASE WHEN config_hash = @config_hash THEN etag ELSE NULL END,
         last_modified = CASE WHEN config_hash = @config_hash THEN last_modified ELSE NULL END,
         body_hash = CASE WHEN config_hash = @config_hash THEN body_hash ELSE NULL END
       WHERE pk = @pk`,
    );
    // The `deposit` source is not in the config: it holds what the partner's focal point deposits.
    const disableMissingSources = this.sqlite.prepare(
      `UPDATE sources SET enabled = 0, disabled_reason = 'removed'
       WHERE partner_id = ? AND enabled = 1 AND type != 'deposit' AND source_id NOT IN (SELECT value FROM json_each(?))`,
    );
    const partnerIds = settings.partners.map((p) => p.id);
    const keep = [...new Set([...partnerIds, ...keepPartnerIds])];
    const removePartners = this.sqlite.prepare(
      `UPDATE partners SET in_config = 0, updated_at = ? WHERE in_config = 1 AND id NOT IN (SELECT value FROM json_each(?))`,
    );
    const disableRemovedPartnersSources = this.sqlite.prepare(
      `UPDATE sources SET enabled = 0, disabled_reason = 'removed'
       WHERE enabled = 1 AND partner_id NOT IN (SELECT value FROM json_each(?))`,
    );

    this.sqlite.transaction(() => {
      for (const partner of settings.partners) {
        upsertPartner.run({
          id: partner.id,
          name: JSON.stringify(partner.name),
          kind: partner.kind,
          website: partner.website ?? null,
          description: partner.description ? JSON.stringify(partner.description) : null,
          commitment_days: commitmentDays(partner, settings.portal.freshness.default_update_every),
          now,
        });
        result.partners++;
        for (const source of partner.sources) {
          const config = stableJson(source);
          const row = {
            partner_id: partner.id,
            source_id: source.id,
            type: source.type,
            url: source.url,
            section: source.section,
            doc_type: source.doc_type ?? null,
            language: source.language ?? null,
            schedule: source.schedule ?? null,
            config,
            config_hash: sha256(config),
            enabled: source.enabled ? 1 : 0,
            disabled_reason: source.enabled ? null : 'disabled',
            now,
          };
          const existing = findSource.get(partner.id, source.id) as { pk: number; config_hash: string; enabled: number } | undefined;
          if (!existing) {
            insertSource.run(row);
            result.sourcesAdded++;
          } else {
            if (existing.config_hash !== row.config_hash || existing.enabled !== row.enabled) result.sourcesUpdated++;
            const { now: _now, partner_id: _p, source_id: _s, ...update } = row;
            updateSource.run({ ...update, pk: existing.pk });
          }
        }
        result.sourcesDisabled += disableMissingSources.run(partner.id, JSON.stringify(partner.sources.map((s) => s.id))).changes;
      }
      removePartners.run(now, JSON.stringify(keep));
      result.sourcesDisabled += disableRemovedPartnersSources.run(JSON.stringify(keep)).changes;
    })();
    return result;
  }

  list(): PartnerRow[] {
    const rows = this.sqlite
      .prepare('SELECT id, name, kind, website, description, commitment_days, in_config FROM partners ORDER BY id')
      .all() as Array<{ id: string; name: string; kind: string; website: string | null; description: string | null; commitment_days: number | null; in_config: number }>;
    return rows.map((r) => ({
      id: r.id,
      name: parseJson<Multilingual>(r.name, {}),
      kind: r.kind,
      website: r.website,
      description: r.description ? parseJson<Multilingual>(r.description, {}) : null,
      commitmentDays: r.commitment_days,
      inConfig: r.in_config === 1,
    }));
  }

  get(id: string): PartnerRow | undefined {
    return this.list().find((p) => p.id === id);
  }

  /** Harvested sources with their state; by default the enabled ones (never the `deposit` sources). */
  sources(filter: { partners?: string[]; sources?: string[]; includeDisabled?: boolean } = {}): SourceRow[] {
    const rows = this.sqlite
      .prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s WHERE s.type != 'deposit' ORDER BY s.partner_id, s.pk`)
      .all() as RawSource[];
    return rows
      .map(toSourceRow)
      .filter((s) => filter.includeDisabled || s.enabled)
      .filter((s) => {
        const byPartner = filter.partners?.length ? filter.partners.includes(s.partnerId) : undefined;
        const bySource = filter.sources?.length ? filter.sources.includes(`${s.partnerId}/${s.sourceId}`) : undefined;
        if (byPartner === undefined && bySource === undefined) return true;
        return Boolean(byPartner) || Boolean(bySource);
      });
  }

  source(partnerId: string, sourceId: string): SourceRow | undefined {
    const row = this.sqlite
      .prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s WHERE s.partner_id = ? AND s.source_id = ?`)
      .get(partnerId, sourceId) as RawSource | undefined;
    return row ? toSourceRow(row) : undefined;
  }

  /**
   * The partner's `deposit` source, created the first time a deposit is published: deposited items
   * belong to it (`"source": "deposit"`). It is never harvested, and config sync leaves it alone.
   */
  depositSource(partnerId: string, now: string): SourceRow {
    const config = stableJson({ id: DEPOSIT_SOURCE_ID, type: 'deposit' });
    this.sqlite
      .prepare(
        `INSERT INTO sources (partner_id, source_id, type, url, section, config, config_hash, enabled, created_at)
         VALUES (?, ?, 'deposit', '', 'publications', ?, ?, 1, ?) ON CONFLICT(partner_id, source_id) DO NOTHING`,
      )
      .run(partnerId, DEPOSIT_SOURCE_ID, config, sha256(config), now);
    return this.source(partnerId, DEPOSIT_SOURCE_ID)!;
  }

  claim(sourcePk: number, owner: string, now: string, until: string): boolean {
    const result = this.sqlite
      .prepare(
        `UPDATE sources SET lease_owner = ?, lease_until = ?
         WHERE pk = ? AND (lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)`,
      )
      .run(owner, until, sourcePk, owner, now);
    return result.changes === 1;
  }

  release(sourcePk: number, owner: string): void {
    this.sqlite.prepare('UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE pk = ? AND lease_owner = ?').run(sourcePk, owner);
  }

  /** Sources held by `owner` (a run of a harvesting process). */
  leasedBy(owner: string): SourceRow[] {
    const rows = this.sqlite.prepare(`SELECT ${SOURCE_COLUMNS} FROM sources s WHERE s.lease_owner = ? ORDER BY s.pk`).all(owner) as RawSource[];
    return rows.map(toSourceRow);
  }

  /** Releases every lease a dead process left behind (`owner` starts with "host:pid:"). */
  releaseLeasesOf(ownerPrefix: string): void {
    this.sqlite.prepare("UPDATE sources SET lease_owner = NULL, lease_until = NULL WHERE lease_owner LIKE ? || '%'").run(ownerPrefix);
  }
}
