// The store: migrations applied on open, pragmas, config sync (a removed source is disabled with
// its history kept), and the harvester's writes: insert, change with a version, gone, all in step
// with the full-text index.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { analyze, planChanges, type HarvestedItem, type ItemSnapshot, type SourceOutcome } from '../../harvester/index.ts';
import { openStore } from '../../store/index.ts';
import { openDatabase } from '../../store/db.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';

const NOW = '2026-03-01T10:00:00.000Z';

function settingsWith(sources: Array<Record<string, unknown>>) {
  return loadTestConfig(writeConfig({ partners: [{ id: 'alpha', commitment: { update_every: '30d' }, sources }] }));
}

const feed = { id: 'news', type: 'feed', url: 'https://alpha.example/feed/', section: 'news' };
const pdf = { id: 'annual', type: 'pdf', url: 'https://alpha.example/annual.pdf', section: 'publications', doc_type: 'report' };

function item(n: number, overrides: Partial<HarvestedItem> = {}): HarvestedItem {
  const title = overrides.title ?? `Rapport sur la transparence numéro ${n}`;
  const snapshot: ItemSnapshot = {
    title,
    url: `https://alpha.example/news/${n}`,
    summary: '',
    published_at: `2026-01-${String(n).padStart(2, '0')}`,
    doc_type: 'news',
    language: 'fr',
    text_hash: null,
    document_url: null,
  };
  return {
    id: `id${n}`,
    identity: `u:https://alpha.example/news/${n}`,
    guid: null,
    url: snapshot.url,
    title,
    summary: '',
    summaryText: '',
    language: 'fr',
    section: 'news',
    docType: 'news',
    publishedAt: snapshot.published_at,
    author: null,
    text: overrides.text ?? '',
    document: null,
    contentHash: `hash-${title}`,
    snapshot,
    ...overrides,
  };
}

const okOutcome = (extra: Partial<SourceOutcome> = {}): SourceOutcome => ({
  status: 'ok',
  startedAt: NOW,
  durationMs: 5,
  itemsFound: 0,
  itemsNew: 0,
  itemsChanged: 0,
  itemsGone: 0,
  itemsDropped: 0,
  httpStatus: 200,
  error: null,
  warnings: [],
  ...extra,
});

/** Commits `found` as one harvest of the only source, stamped `at`. */
function harvestInto(store: ReturnType<typeof openStore>, found: HarvestedItem[], at: string) {
  const source = store.listSources()[0]!;
  const runPk = store.startRun('test', at);
  const planned = planChanges(store.existingItems(source.pk), found, { goneAfter: 3 });
  store.commitHarvest({
    runPk,
    source,
    plan: planned.plan,
    outcome: okOutcome(),
    state: { attemptAt: at, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
    now: at,
  });
  return planned;
}

t.test('migrations run on open; a file database uses WAL, foreign keys and a busy timeout', async (t) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-db-')), 'nested/dir/portal.db');
  const { sqlite } = openDatabase(file);
  t.equal(sqlite.pragma('journal_mode', { simple: true }), 'wal');
  t.equal(sqlite.pragma('foreign_keys', { simple: true }), 1);
  t.equal(sqlite.pragma('busy_timeout', { simple: true }), 10000);
  const tables = (sqlite.prepare("SELECT name FROM sqlite_master WHERE type IN ('table') ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
  for (const name of ['partners', 'sources', 'items', 'item_texts', 'item_versions', 'runs', 'run_sources', 'suggestions', 'visits_daily', 'clicks_daily', 'item_search', 'users', 'sessions', 'audit_log']) {
    t.ok(tables.includes(name), `table ${name}`);
  }
  const applied = sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
  t.equal(applied.n, fs.readdirSync(path.join(import.meta.dirname, '../../store/migrations')).filter((f) => f.endsWith('.sql')).length);
  sqlite.close();
  // Opening again applies nothing twice.
  const again = openDatabase(file);
  t.equal((again.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }).n, applied.n);
  again.sqlite.close();
});

t.test('an in-memory store gets the same migrations', async (t) => {
  const store = openStore(':memory:');
  t.equal(store.integrityCheck(), 'ok');
  t.same(store.items.list({}, 1, 10), { total: 0, items: [] });
  store.close();
});

t.test('config sync: sources added, updated, disabled when removed, history kept', async (t) => {
  const store = openStore(':memory:');
  const first = store.syncConfig(settingsWith([feed, pdf]), NOW);
  t.same(first, { partners: 1, sourcesAdded: 2, sourcesUpdated: 0, sourcesDisabled: 0 });
  const [news] = store.listSources({ sources: ['alpha/news'] });
  t.ok(news);
  // A harvest leaves items and validators on the source.
  const runPk = store.startRun('test', NOW);
  const plan = planChanges([], [item(1), item(2)], { goneAfter: 3 }).plan;
  store.commitHarvest({
    runPk,
    source: news!,
    plan,
    outcome: okOutcome({ itemsFound: 2, itemsNew: 2 }),
    state: { attemptAt: NOW, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null, etag: '"v1"', lastModified: null, bodyHash: 'abc' },
    now: NOW,
  });
  t.equal(store.listSources({ sources: ['alpha/news'] })[0]!.etag, '"v1"');

  // The operator changes the feed's URL: validators are forgotten so the new URL is read in full.
  const changed = store.syncConfig(settingsWith([{ ...feed, url: 'https://alpha.example/rss.xml' }, pdf]), NOW);
  t.equal(changed.sourcesUpdated, 1);
  const updated = store.listSources({ sources: ['alpha/news'] })[0]!;
  t.equal(updated.etag, null);
  t.equal(updated.bodyHash, null);
  t.equal(updated.config.url, 'https://alpha.example/rss.xml');

  // The operator removes the feed: disabled, its items and runs stay.
  const removed = store.syncConfig(settingsWith([pdf]), NOW);
  t.equal(removed.sourcesDisabled, 1);
  t.same(store.listSources().map((s) => s.sourceId), ['annual']);
  const all = store.listSources({ includeDisabled: true });
  t.same(all.map((s) => [s.sourceId, s.enabled]), [['news', false], ['annual', true]]);
  t.equal(store.items.count(), 2, 'items of a disabled source are kept');
  t.equal(store.runs.summary(runPk)!.sources.length, 1, 'its run history is kept');

  // An invalid partner file keeps its sources as they were.
  store.syncConfig(settingsWith([feed, pdf]), NOW);
  const keep = store.syncConfig({ ...settingsWith([]), partners: [] }, NOW, ['alpha']);
  t.equal(keep.sourcesDisabled, 0);
  t.same(store.listSources().map((s) => s.sourceId).sort(), ['annual', 'news']);
  store.close();
});

t.test('harvest writes: new, changed with a version, missing, gone; the index follows', async (t) => {
  const store = openStore(':memory:');
  store.syncConfig(settingsWith([feed]), NOW);
  const commit = (found: HarvestedItem[], at: string) => harvestInto(store, found, at);
  const search = (word: string) => store.items.search({ match: `"${analyze(word)[0]}"` }, {}, 1, 10).items.map((i) => i.id);

  const first = commit([item(1), item(2), item(3), item(4, { text: 'Le marché public de la santé' })], '2026-03-01T10:00:00.000Z');
  t.same(first.counts, { new: 4, changed: 0, gone: 0 });
  t.same(search('santé'), ['id4'], 'extracted text is searchable');
  t.same(search('transparence').sort(), ['id1', 'id2', 'id3', 'id4']);

  // The same items again: nothing to write.
  const same = commit([item(1), item(2), item(3), item(4, { text: 'Le marché public de la santé' })], '2026-03-02T10:00:00.000Z');
  t.same(same.counts, { new: 0, changed: 0, gone: 0 });
  t.equal(same.plan.inserts.length + same.plan.updates.length + same.plan.missing.length, 0);

  // Item 2 silently edited by the partner: a new version, the index updated.
  const edited = item(2, { title: 'Rapport corrigé sur la gouvernance' });
  const changed = commit([item(1), edited, item(3), item(4, { text: 'Le marché public de la santé' })], '2026-03-03T10:00:00.000Z');
  t.same(changed.counts, { new: 0, changed: 1, gone: 0 });
  const detail = store.items.get('id2')!;
  t.same(detail.versions.map((v) => v.event), ['new', 'changed']);
  t.same(detail.versions[1]!.changed_fields, ['title']);
  t.equal(detail.last_changed_at, '2026-03-03T10:00:00.000Z');
  t.equal(detail.first_seen_at, '2026-03-01T10:00:00.000Z');
  t.same(search('gouvernance'), ['id2']);
  t.notOk(search('transparence').includes('id2'), 'the old title is no longer indexed');

  // Item 3 withdrawn (not the oldest, so not scrolled off the listing): missing twice, then gone.
  const without3 = [item(1), edited, item(4, { text: 'Le marché public de la santé' })];
  t.same(commit(without3, '2026-03-04T10:00:00.000Z').counts.gone, 0);
  t.equal(store.items.get('id3')!.gone_since, null);
  t.same(commit(without3, '2026-03-05T10:00:00.000Z').counts.gone, 0);
  const third = commit(without3, '2026-03-06T10:00:00.000Z');
  t.same(third.counts.gone, 1);
  const gone = store.items.get('id3')!;
  t.equal(gone.gone_since, '2026-03-06T10:00:00.000Z');
  t.equal(gone.last_seen_at, '2026-03-03T10:00:00.000Z', 'last seen: the last harvest that listed it');
  t.same(gone.versions.map((v) => v.event), ['new', 'gone']);
  t.equal(store.items.list({}, 1, 10).total, 3, 'gone items are hidden from default lists');
  t.equal(store.items.list({ includeGone: true }, 1, 10).total, 4, 'and still there');
  t.notOk(search('transparence').includes('id3'));

  // It comes back: listed again, a version records it.
  commit([item(1), edited, item(3), item(4, { text: 'Le marché public de la santé' })], '2026-03-07T10:00:00.000Z');
  const back = store.items.get('id3')!;
  t.equal(back.gone_since, null);
  t.same(back.versions.map((v) => v.event), ['new', 'gone', 'back']);
  t.ok(search('transparence').includes('id3'));
  store.close();
});

t.test('a listing window that moves: old items scroll off without being marked gone', async (t) => {
  const existing = [item(1), item(2), item(3)].map((i, index) => ({
    pk: index + 1,
    identity: i.identity,
    contentHash: i.contentHash,
    sortDate: i.publishedAt!,
    firstSeenAt: NOW,
    missingCount: 0,
    goneSince: null,
    offListingSince: null,
    snapshot: i.snapshot,
    document: null,
  }));
  // A new item 4 pushed item 1 (the oldest) off a 3-item feed.
  const moved = planChanges(existing, [item(2), item(3), item(4)], { goneAfter: 1 });
  t.same(moved.counts, { new: 1, changed: 0, gone: 0 });
  t.same(moved.plan.offListing.map((e) => e.pk), [1]);
  // The feed shrank instead: item 1 is missing (and, with goneAfter 1, gone).
  const shrank = planChanges(existing, [item(2), item(3)], { goneAfter: 1 });
  t.same(shrank.plan.gone.map((e) => e.pk), [1]);
  // Two of three items gone at once: refused, nothing marked.
  const mass = planChanges(existing, [item(3)], { goneAfter: 1 });
  t.match(mass.refusal, /no longer lists 2 of its 3 items/);
  t.same(mass.plan.gone, []);
  t.same(mass.plan.missing.map((e) => e.pk).sort(), [1, 2]);
});

const phrase = (word: string) => `"${analyze(word).join(' ')}"`;
const query = (...words: string[]) => ({ match: words.map(phrase).join(' '), phrases: words.map(phrase) });

t.test('search order: the most query words in the title first, then the newest, then text-only matches by bm25', async (t) => {
  const store = openStore(':memory:');
  store.syncConfig(settingsWith([feed]), NOW);
  const dated = (n: number, title: string, day: number, text = '') =>
    item(n, { title, text, publishedAt: `2026-01-${String(day).padStart(2, '0')}`, contentHash: `h${n}` });
  harvestInto(
    store,
    [
      dated(1, 'Marchés publics et santé : guide', 1), // both words in the title, oldest
      dated(2, 'Guide des marchés publics et de la santé', 20), // both words, newer
      dated(3, 'La santé publique', 25, 'Les marchés de la santé'), // one word in the title (santé), marchés in the text
      dated(4, 'Rapport annuel', 28, 'marchés marchés santé santé santé'), // text only, dense
      dated(5, 'Rapport trimestriel', 29, `marchés santé ${'autre '.repeat(200)}`), // text only, diluted
      dated(6, 'Santé et marchés', 2, 'texte'), // both words in the title, older
      dated(7, 'Autre chose', 30), // no match
    ],
    NOW,
  );
  const ids = (page: number, perPage: number, filters = {}) =>
    store.items.search(query('marchés', 'santé'), filters, page, perPage).items.map((i) => i.id);
  t.equal(store.items.search(query('marchés', 'santé'), {}, 1, 10).total, 6);
  t.same(ids(1, 10), ['id2', 'id6', 'id1', 'id3', 'id4', 'id5']);
  t.same([...ids(1, 3), ...ids(2, 3)], ids(1, 10), 'pages of 3 meet at the tiers boundary');
  t.same([...ids(1, 4), ...ids(2, 4)], ids(1, 10), 'a page that spans both tiers');
  t.same(ids(2, 5), ['id5']);
  t.same(ids(3, 5), [], 'past the end');
  // Filters keep the order; the title tier only holds items that pass them.
  t.same(ids(1, 10, { from: '2026-01-15' }), ['id2', 'id3', 'id4', 'id5']);
  t.same(ids(2, 3, { from: '2026-01-15' }), ['id5']);
  // Any-word mode: each of these has one of the words in its title, so the newest come first.
  const anyWord = { match: `${phrase('guide')} OR ${phrase('rapport')}`, phrases: [phrase('guide'), phrase('rapport')] };
  t.same(
    store.items.search(anyWord, {}, 1, 10).items.map((i) => i.id),
    ['id5', 'id4', 'id2', 'id1'],
  );
  store.close();
});

t.test('a reading process sees a harvest that committed after its last look, whatever the harvest stamped', async (t) => {
  // The portal and `portal harvest` are two processes on one file. A harvest stamps its items with
  // its start time and commits later: the portal's in-memory filters must not miss them.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-db-')), 'portal.db');
  const writer = openStore(file);
  writer.syncConfig(settingsWith([feed]), NOW);
  harvestInto(writer, [item(1), item(2)], '2026-03-01T10:00:00.000Z');
  const reader = openStore(file);
  t.equal(reader.items.list({}, 1, 10).total, 2);
  t.equal(reader.items.facets({}).language.find((l) => l.value === 'fr')?.count, 2);
  // Stamped long before the reader's look (a harvest that started earlier), committed now.
  // Item 2 changed (now in Arabic), item 3 is new.
  const arabic = { language: 'ar' as const, title: 'تقرير حول الشفافية' };
  harvestInto(writer, [item(1), item(2, { ...arabic, contentHash: 'h2-ar' }), item(3, arabic)], '2020-01-01T00:00:00.000Z');
  t.equal(reader.items.list({}, 1, 10).total, 3, 'the new item is counted');
  t.equal(reader.items.facets({}).language.find((l) => l.value === 'ar')?.count, 2, 'the changed and new items are in the facets');
  t.same(reader.items.list({ language: 'ar' }, 1, 10).items.map((i) => i.id).sort(), ['id2', 'id3']);
  t.same(reader.items.search(query('الشفافية'), { language: 'ar' }, 1, 10).items.map((i) => i.id).sort(), ['id2', 'id3']);
  reader.close();
  writer.close();
});

t.test('a catalogue from before the title index gets it written when the store opens', async (t) => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'portal-db-')), 'portal.db');
  const store = openStore(file);
  store.syncConfig(settingsWith([feed]), NOW);
  harvestInto(store, [item(1, { title: 'Guide de la transparence' }), item(2, { title: 'Rapport annuel', text: 'transparence' })], NOW);
  store.close();
  // As migration 0004 leaves an older catalogue: the title index empty, a row asking to fill it.
  const { sqlite } = openDatabase(file);
  sqlite.prepare("INSERT INTO item_titles (item_titles) VALUES ('delete-all')").run();
  sqlite.prepare("INSERT INTO meta (key, value) VALUES ('rebuild_title_index', '1')").run();
  sqlite.close();
  const reopened = openStore(file);
  t.same(reopened.items.search(query('transparence'), {}, 1, 10).items.map((i) => i.id), ['id1', 'id2'], 'the title match first again');
  const { sqlite: check } = openDatabase(file);
  t.equal(check.prepare("SELECT count(*) FROM meta WHERE key = 'rebuild_title_index'").pluck().get(), 0, 'asked once');
  t.equal(check.prepare("SELECT count(*) FROM item_titles WHERE item_titles MATCH 'transpar*'").pluck().get(), 1);
  check.close();
  reopened.close();
});
