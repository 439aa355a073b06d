// The JSON API: docs/contract.md's routes and shapes, 400 and 404 bodies, and the OpenAPI document.
import t from 'tap';
import { makeApp } from '../helpers/app.ts';

const bed = await makeApp();
t.teardown(() => bed.close());
const { app } = bed;

async function json(url: string) {
  const response = await app.inject({ url });
  return { status: response.statusCode, body: JSON.parse(response.body), headers: response.headers };
}

const ITEM_KEYS = ['id', 'title', 'url', 'partner', 'source', 'section', 'doc_type', 'language', 'published_at', 'first_seen_at', 'last_seen_at', 'last_changed_at', 'content_hash', 'summary'];

t.test('GET /api/items: the page shape and the Item shape', async (t) => {
  const { status, body, headers } = await json('/api/items');
  t.equal(status, 200);
  t.match(headers['content-type'], /application\/json/);
  t.equal(body.total, 13);
  t.equal(body.page, 1);
  t.equal(body.per_page, 20);
  t.equal(body.items.length, 13);
  for (const item of body.items) {
    for (const key of ITEM_KEYS) t.ok(key in item, `item has ${key}`);
    t.match(item.id, /^[0-9a-f]{16}$/);
    t.match(item.content_hash, /^[0-9a-f]{64}$/);
    t.match(item.first_seen_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  }
  const dates = body.items.map((i: { published_at: string | null; first_seen_at: string }) => i.published_at ?? i.first_seen_at.slice(0, 10));
  t.same(dates, [...dates].sort().reverse(), 'newest first');
});

t.test('filters, search and paging', async (t) => {
  t.equal((await json('/api/items?section=publications')).body.total, 4);
  t.equal((await json('/api/items?section=publications&doc_type=report')).body.total, 2);
  t.equal((await json('/api/items?partner=beta')).body.total, 6);
  t.equal((await json('/api/items?language=ar')).body.total, 4);
  // Dates filter on the publication date, or the first-seen day of an undated item (8 = 7 + 1).
  t.equal((await json('/api/items?from=2025-01-01')).body.total, 8);
  t.equal((await json('/api/items?from=2024-01-01&to=2024-12-31')).body.total, 3);
  const search = await json(`/api/items?q=${encodeURIComponent('الرشوة')}`);
  t.equal(search.body.total, 2);
  const paged = await json('/api/items?per_page=5&page=3');
  t.equal(paged.body.items.length, 3);
  t.equal(paged.body.per_page, 5);
  t.equal(paged.body.page, 3);
  t.equal((await json('/api/items?q=le+la')).body.total, 0, 'stop words only: an empty answer');
});

t.test('bad parameters answer 400 with the contract body; unknown ids 404', async (t) => {
  for (const url of [
    '/api/items?per_page=0',
    '/api/items?per_page=101',
    '/api/items?page=0',
    '/api/items?page=abc',
    '/api/items?section=nope',
    '/api/items?doc_type=nope',
    '/api/items?language=de',
    '/api/items?partner=nobody',
    '/api/items?from=2024-13-01',
    '/api/items?from=2024-02-30',
    '/api/items?to=yesterday',
    '/api/items?from=2025-01-01&to=2024-01-01',
    '/api/items?per_page=1&per_page=2',
  ]) {
    const { status, body } = await json(url);
    t.equal(status, 400, url);
    t.equal(body.error.code, 'bad_request', url);
    t.ok(typeof body.error.message === 'string' && body.error.message.length > 5, `${url}: ${body.error.message}`);
  }
  for (const url of ['/api/items/0000000000000000', '/api/items/nope', '/api/nothing']) {
    const { status, body } = await json(url);
    t.equal(status, 404, url);
    t.equal(body.error.code, 'not_found');
  }
});

t.test('GET /api/items/{id}: Item plus text_excerpt and versions', async (t) => {
  const list = (await json('/api/items?q=transparence+marchés')).body.items;
  const { status, body } = await json(`/api/items/${list[0].id}`);
  t.equal(status, 200);
  for (const key of ITEM_KEYS) t.ok(key in body, key);
  t.match(body.text_excerpt, /évaluation des risques/);
  t.same(Object.keys(body.versions[0]).slice(0, 2), ['content_hash', 'seen_at']);
  t.equal(body.versions[0].content_hash, body.content_hash);
});

t.test('GET /api/partners, /api/freshness, /api/directory', async (t) => {
  const partners = (await json('/api/partners')).body;
  t.same(
    partners.map((p: { id: string }) => p.id),
    ['alpha', 'beta', 'gamma'],
  );
  for (const p of partners) for (const key of ['id', 'name', 'kind', 'website', 'item_count', 'last_item_at', 'freshness']) t.ok(key in p, key);
  const alpha = partners.find((p: { id: string }) => p.id === 'alpha');
  t.equal(alpha.item_count, 7);
  t.equal(alpha.last_item_at, '2025-06-01');
  t.same(alpha.name, { fr: 'Instance Alpha', ar: 'هيئة ألفا', en: 'Alpha Authority' });
  const freshness = (await json('/api/freshness')).body;
  t.match(freshness.generated_at, /Z$/);
  const byId = Object.fromEntries(freshness.partners.map((p: { partner: string }) => [p.partner, p]));
  t.equal(byId.alpha.commitment_days, 30);
  t.equal(byId.alpha.status, 'overdue', 'alpha committed to 30 days and last published on 2025-06-01');
  t.equal(byId.beta.status, 'no_commitment');
  t.equal(byId.beta.commitment_days, null);
  t.equal(byId.gamma.status, 'never_harvested');
  t.equal(byId.gamma.commitment_days, 90, 'a commitment without cadence uses freshness.default_update_every');
  for (const s of byId.alpha.sources) {
    for (const key of ['source', 'type', 'last_attempt_at', 'last_success_at', 'last_change_at', 'consecutive_failures', 'last_error', 'status']) t.ok(key in s, key);
    t.equal(s.status, 'ok');
  }
  const directory = (await json('/api/directory')).body;
  t.same(directory.channels.map((c: { id: string }) => c.id), ['tabligh-fassad', 'hotline']);
  t.same(directory.platforms.map((p: { id: string }) => p.id), ['chafafiya']);
  t.equal(directory.channels[1].phone, '+212 5 37 71 88 88');
});

t.test('the OpenAPI document describes every route with its schemas', async (t) => {
  const { status, body } = await json('/api/openapi.json');
  t.equal(status, 200);
  t.match(body.openapi, /^3\./);
  for (const path of ['/api/items', '/api/items/{id}', '/api/partners', '/api/freshness', '/api/directory']) t.ok(body.paths[path]?.get, path);
  const params = body.paths['/api/items'].get.parameters.map((p: { name: string }) => p.name).sort();
  t.same(params, ['doc_type', 'from', 'language', 'page', 'partner', 'per_page', 'q', 'section', 'to']);
  t.ok(body.paths['/api/items'].get.responses['400']);
});
