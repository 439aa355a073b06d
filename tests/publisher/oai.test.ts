// OAI-PMH 2.0 at /oai over a real SQLite catalogue: every verb, oai_dc records, sets, from/until
// on commit datestamps, resumption tokens (walked to the end, tampered with, expired, used with
// another verb, and a harvest committed in the middle of a list), deleted records, GET and POST,
// every error code; and every answer validated with xmllint against the OAI-PMH, oai_dc and
// oai-identifier schemas, which reject a deliberately wrong answer.
import { load, type CheerioAPI } from 'cheerio';
import fc from 'fast-check';
import t from 'tap';
import { planChanges } from '../../harvester/index.ts';
import { openStore } from '../../store/index.ts';
import { appOver, harvestedItem, seed, SEED_CONFIG, SEED_ITEMS, type SeedItem } from '../helpers/app.ts';
import { loadTestConfig, writeConfig } from '../helpers/config.ts';
import { validateXml, xmllintAvailable } from '../helpers/xmllint.ts';

const A = '2025-01-10T10:00:00.000Z';
const B = '2025-02-20T08:30:00.500Z';
let now = new Date('2025-03-01T12:00:00Z');

const settings = loadTestConfig(writeConfig(SEED_CONFIG));
const store = openStore(':memory:');
store.syncConfig(settings, new Date().toISOString());
// Two harvests on the OAI-PMH time line: the first 8 seed items at A, the other 5 at B.
store.library.clock = () => A;
seed(store, SEED_ITEMS.slice(0, 8));
store.library.clock = () => B;
seed(store, SEED_ITEMS.slice(8));
const bed = await appOver(store, settings, { now: () => now });
t.teardown(() => bed.close());
// A second app over the same store with a page of 3 records, to walk resumption tokens.
const { buildApp } = await import('../../publisher/index.ts');
const paged = await buildApp(bed.ctx, { flushEveryMs: 0, oaiPageSize: 3 });
t.teardown(() => paged.close());

/** Every answer, for the schema validation at the end. */
const answers = new Map<string, string>();

async function oai(query: string, app = bed.app, method: 'GET' | 'POST' = 'GET'): Promise<CheerioAPI> {
  const response =
    method === 'GET'
      ? await app.inject({ url: `/oai?${query}`, headers: { host: 'evil.example' } })
      : await app.inject({ method: 'POST', url: '/oai', payload: query, headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'evil.example' } });
  if (response.statusCode !== 200 || !/^text\/xml; charset=utf-8/.test(String(response.headers['content-type']))) {
    throw new Error(`${query}: ${response.statusCode} ${response.headers['content-type']} ${response.body}`);
  }
  answers.set(`${method} ${query.slice(0, 120)} #${answers.size}`, response.body);
  return load(response.body, { xml: true });
}

const error = ($: CheerioAPI) => $('error').attr('code');
const ids = ($: CheerioAPI) => $('header > identifier').map((_, e) => $(e).text()).get();
const itemByTitle = (start: string) => store.items.list({ includeGone: true }, 1, 100).items.find((i) => i.title.startsWith(start))!;
const oaiId = (id: string) => `oai:portal.example:${id}`;

t.test('Identify: the repository, from base_url (never the Host header)', async (t) => {
  const $ = await oai('verb=Identify');
  t.equal($('Identify > baseURL').text(), 'https://portal.example/oai');
  t.equal($('request').text(), 'https://portal.example/oai');
  t.equal($('request').attr('verb'), 'Identify');
  t.equal($('protocolVersion').text(), '2.0');
  t.equal($('earliestDatestamp').text(), '2025-01-10T10:00:00Z');
  t.equal($('deletedRecord').text(), 'persistent', 'items marked gone stay as deleted records');
  t.equal($('granularity').text(), 'YYYY-MM-DDThh:mm:ssZ');
  t.equal($('adminEmail').text(), 'webmaster@portal.example');
  t.equal($('repositoryIdentifier').text(), 'portal.example');
  t.equal($('responseDate').text(), '2025-03-01T12:00:00Z');
  t.notMatch($.xml(), /evil\.example/);
});

t.test('ListMetadataFormats and ListSets', async (t) => {
  let $ = await oai('verb=ListMetadataFormats');
  t.same($('metadataPrefix').map((_, e) => $(e).text()).get(), ['oai_dc']);
  t.equal($('metadataNamespace').text(), 'http://www.openarchives.org/OAI/2.0/oai_dc/');
  $ = await oai(`verb=ListMetadataFormats&identifier=${oaiId(itemByTitle('Statistiques').id)}`);
  t.equal($('metadataPrefix').text(), 'oai_dc');
  $ = await oai(`verb=ListMetadataFormats&identifier=${oaiId('0000000000000000')}`);
  t.equal(error($), 'idDoesNotExist');
  $ = await oai('verb=ListSets');
  t.same($('set > setSpec').map((_, e) => $(e).text()).get(), [
    'partner',
    'partner:alpha',
    'partner:beta',
    'partner:gamma',
    'section',
    'section:publications',
    'section:statistics',
    'section:news',
    'section:media',
    'section:services',
  ]);
  t.equal($('set').eq(1).find('setName').text(), 'هيئة ألفا', 'named in the first language');
  t.same($('set').eq(1).find('dc\\:title').map((_, e) => `${$(e).attr('xml:lang')} ${$(e).text()}`).get(), ['ar هيئة ألفا', 'fr Instance Alpha', 'en Alpha Authority']);
  t.equal(error(await oai('verb=ListSets&resumptionToken=abc')), 'badResumptionToken');
});

t.test('GetRecord: Dublin Core with the partner as publisher and both identifiers', async (t) => {
  const item = itemByTitle('Rapport annuel sur la transparence');
  const $ = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${oaiId(item.id)}`);
  t.equal($('header > identifier').text(), oaiId(item.id));
  t.equal($('header > datestamp').text(), '2025-01-10T10:00:00Z');
  t.same($('header > setSpec').map((_, e) => $(e).text()).get(), ['partner:alpha', 'section:publications']);
  const dc = (name: string) => $(`dc\\:${name}`).map((_, e) => ($(e).attr('xml:lang') ? `${$(e).attr('xml:lang')}: ` : '') + $(e).text()).get();
  t.same(dc('title'), ['fr: Rapport annuel sur la transparence des marchés publics']);
  t.same(dc('publisher'), ['ar: هيئة ألفا', 'fr: Instance Alpha', 'en: Alpha Authority'], 'in the portal languages\' order');
  t.same(dc('identifier'), [`https://portal.example/fr/items/${item.id}`, 'https://alpha.example/reports/4']);
  t.same(dc('date'), ['2024-06-30']);
  t.same(dc('type'), ['Text', 'report']);
  t.same(dc('language'), ['fr']);
  t.same(dc('format'), ['text/html']);
  t.same(dc('subject'), ['ar: المنشورات', 'fr: Publications', 'en: Publications']);
  const arabic = itemByTitle('التقرير السنوي');
  const $ar = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${oaiId(arabic.id)}`);
  t.equal($ar('dc\\:identifier').first().text(), `https://portal.example/ar/items/${arabic.id}`, 'the portal page in the item language');
  t.equal($ar('dc\\:format').text(), 'application/pdf');
  t.equal(error(await oai(`verb=GetRecord&metadataPrefix=marc21&identifier=${oaiId(arabic.id)}`)), 'cannotDisseminateFormat');
  t.equal(error(await oai('verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:other.example:0123456789abcdef')), 'idDoesNotExist');
  t.equal(error(await oai('verb=GetRecord&metadataPrefix=oai_dc')), 'badArgument');
  // The same by POST, as a form.
  const $post = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${encodeURIComponent(oaiId(item.id))}`, bed.app, 'POST');
  t.equal($post('header > identifier').text(), oaiId(item.id), 'POST answers like GET');
});

t.test('ListRecords and ListIdentifiers walked to the end through resumption tokens', async (t) => {
  const all = store.items.list({ includeGone: true }, 1, 100).items.map((i) => oaiId(i.id)).sort();
  for (const [verb, size] of [['ListRecords', 3], ['ListIdentifiers', 6]] as const) {
    const seen: string[] = [];
    let $ = await oai(`verb=${verb}&metadataPrefix=oai_dc`, paged);
    const cursors: string[] = [];
    for (let guard = 0; guard < 20; guard++) {
      seen.push(...ids($));
      const token = $('resumptionToken');
      t.equal(token.attr('completeListSize'), String(all.length), 'completeListSize');
      cursors.push(token.attr('cursor')!);
      if (!token.text()) break;
      t.ok(token.attr('expirationDate'), 'tokens say when they expire');
      t.equal(ids($).length, size, `${size} per part`);
      $ = await oai(`verb=${verb}&resumptionToken=${encodeURIComponent(token.text())}`, paged);
      t.equal($('request').attr('resumptionToken'), token.text(), 'the request echoes the token');
    }
    t.same([...seen].sort(), all, `${verb}: every record once`);
    t.same(cursors, Array.from({ length: Math.ceil(all.length / size) }, (_, i) => String(i * size)), 'cursor counts what was sent before');
    if (verb === 'ListRecords') t.equal($('record > metadata').length, $('record').length, 'records carry metadata');
    else t.equal($('metadata').length, 0, 'identifiers only');
  }
  const $ = await oai('verb=ListRecords&metadataPrefix=oai_dc');
  t.equal($('record').length, all.length, 'one answer when it fits');
  t.equal($('resumptionToken').length, 0, 'and then no token');
});

t.test('from and until select by commit datestamp, to the second; sets select partners and sections', async (t) => {
  const early = SEED_ITEMS.slice(0, 8).length;
  const late = SEED_ITEMS.length - early;
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-02-01')).length, late);
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&until=2025-01-31')).length, early);
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-01-10&until=2025-01-10')).length, early, 'a day bound covers the whole day');
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-02-20T08:30:00Z&until=2025-02-20T08:30:00Z')).length, late, 'until is inclusive to the second');
  t.equal(error(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&from=2025-02-20T08:30:01Z')), 'noRecordsMatch');
  t.equal(error(await oai('verb=ListRecords&metadataPrefix=oai_dc&until=2024-12-31')), 'noRecordsMatch');
  const beta = ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner:beta'));
  t.equal(beta.length, SEED_ITEMS.filter((i) => i.partner === 'beta').length);
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=section:services')).length, 2);
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner')).length, SEED_ITEMS.length, 'the parent set holds every partner');
  t.equal(ids(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner:beta&from=2025-02-01')).length, SEED_ITEMS.slice(8).filter((i) => i.partner === 'beta').length);
  t.equal(error(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner:nobody')), 'noRecordsMatch');
  t.equal(error(await oai('verb=ListIdentifiers&metadataPrefix=oai_dc&set=partner:gamma')), 'noRecordsMatch', 'a partner without items');
});

t.test('every error code, and the arguments of a bad request are not echoed', async (t) => {
  const cases: Array<[string, string]> = [
    ['', 'badVerb'],
    ['verb=Nope', 'badVerb'],
    ['verb=Identify&verb=ListSets', 'badVerb'],
    ['verb=Identify&extra=1', 'badArgument'],
    ['verb=ListRecords', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&from=2025-13-01', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&from=yesterday', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&from=2025-01-01&until=2025-02-01T00:00:00Z', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&from=2025-02-01&until=2025-01-01', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&set=not%20a%20set', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai%20dc', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x', 'badArgument'],
    ['verb=GetRecord&metadataPrefix=oai_dc&identifier=%3Cscript%3E%20x', 'badArgument'],
    ['verb=ListRecords&metadataPrefix=mods', 'cannotDisseminateFormat'],
    ['verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:portal.example:ffffffffffffffff', 'idDoesNotExist'],
    ['verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01', 'noRecordsMatch'],
    ['verb=ListRecords&resumptionToken=garbage', 'badResumptionToken'],
  ];
  for (const [query, code] of cases) {
    const $ = await oai(query);
    t.equal(error($), code, query || '(no arguments)');
    if (code === 'badVerb' || code === 'badArgument') t.same(Object.keys($('request').attr() ?? {}), [], `${query}: no attributes echoed`);
  }
  const $ = await oai('verb=ListRecords&metadataPrefix=mods');
  t.same($('request').attr(), { verb: 'ListRecords', metadataPrefix: 'mods' }, 'other errors echo the request');
});

t.test('resumption tokens are signed, bound to their verb and expire after 24 hours', async (t) => {
  const $ = await oai('verb=ListRecords&metadataPrefix=oai_dc', paged);
  const token = $('resumptionToken').text();
  const [payload, signature] = token.split('.');
  const state = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...state, set: 'partner:beta' })).toString('base64url');
  for (const [bad, why] of [
    [`${forged}.${signature}`, /altered/],
    [`${payload}.${signature!.slice(0, -2)}AA`, /altered/],
    [`${payload}`, /malformed/],
    ['a.b.c', /malformed/],
  ] as const) {
    const answer = await oai(`verb=ListRecords&resumptionToken=${encodeURIComponent(bad)}`, paged);
    t.equal(error(answer), 'badResumptionToken');
    t.match(answer('error').text(), why);
  }
  const other = await oai(`verb=ListIdentifiers&resumptionToken=${encodeURIComponent(token)}`, paged);
  t.match(other('error').text(), /continues ListRecords, not ListIdentifiers/);
  t.equal(error(await oai(`verb=ListRecords&resumptionToken=${encodeURIComponent(token)}`, paged)), undefined, 'still good 23 hours on');
  now = new Date(now.getTime() + 25 * 3_600_000);
  const expired = await oai(`verb=ListRecords&resumptionToken=${encodeURIComponent(token)}`, paged);
  t.equal(error(expired), 'badResumptionToken');
  t.match(expired('error').text(), /expired at 2025-03-02T12:00:00Z: start the list again/);
  now = new Date('2025-03-01T12:00:00Z');
});

t.test('a harvest committed in the middle of a list: nothing is skipped, changes come again', async (t) => {
  const before = store.items.list({ includeGone: true }, 1, 100).items.map((i) => oaiId(i.id));
  let $ = await oai('verb=ListIdentifiers&metadataPrefix=oai_dc', paged);
  const seen = ids($);
  // A harvest between two parts: an item already sent changes, and two items are new.
  const changedSeed = SEED_ITEMS.find((s) => oaiId(harvestedItem(s, SEED_ITEMS.indexOf(s)).id) === seen[0])!;
  const index = SEED_ITEMS.indexOf(changedSeed);
  const fresh: SeedItem[] = [0, 1].map((n) => ({ partner: 'alpha', source: 'news', title: `Nouvelle actualité ${n}`, section: 'news', docType: 'news', language: 'fr', publishedAt: '2025-02-25', url: `https://alpha.example/new/${n}` }));
  store.library.clock = () => '2025-02-25T09:00:00.000Z';
  const source = store.listSources({ sources: [`${changedSeed.partner}/${changedSeed.source}`] })[0]!;
  const changed = { ...harvestedItem(changedSeed, index), title: `${changedSeed.title} (révisé)`, contentHash: 'f'.repeat(64) };
  const plan = planChanges(store.existingItems(source.pk), [changed], { goneAfter: 99 }).plan;
  plan.missing = [];
  const run = store.startRun('test', A);
  store.commitHarvest({ runPk: run, source, plan, outcome: { status: 'ok', startedAt: A, durationMs: 1, itemsFound: 1, itemsNew: 0, itemsChanged: 1, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] }, state: { attemptAt: A, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null }, now: A });
  seed(store, fresh);
  for (let guard = 0; guard < 20 && $('resumptionToken').text(); guard++) {
    $ = await oai(`verb=ListIdentifiers&resumptionToken=${encodeURIComponent($('resumptionToken').text())}`, paged);
    seen.push(...ids($));
  }
  for (const id of before) t.ok(seen.includes(id), `${id} was sent`);
  t.equal(seen.filter((id) => id === seen[0]).length, 2, 'the item changed after it was sent comes again, with its new datestamp');
  for (const item of fresh) t.ok(seen.some((id) => store.library.oaiRecord(id.split(':')[2]!)?.title === item.title), `"${item.title}" added during the list is sent`);
});

t.test('an item marked gone is a deleted record, stamped when it was marked', async (t) => {
  const item = itemByTitle('Vidéo');
  const source = store.listSources({ sources: ['beta/media'] })[0]!;
  const existing = store.existingItems(source.pk).find((e) => e.pk === item.pk)!;
  store.library.clock = () => '2025-02-28T16:00:00.000Z';
  const run = store.startRun('test', A);
  store.commitHarvest({
    runPk: run,
    source,
    plan: { inserts: [], updates: [], seenAgain: [], missing: [], gone: [existing], offListing: [], documentRefresh: [] },
    outcome: { status: 'ok', startedAt: A, durationMs: 1, itemsFound: 0, itemsNew: 0, itemsChanged: 0, itemsGone: 1, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
    state: { attemptAt: A, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
    now: A,
  });
  const $ = await oai(`verb=GetRecord&metadataPrefix=oai_dc&identifier=${oaiId(item.id)}`);
  t.equal($('header').attr('status'), 'deleted');
  t.equal($('metadata').length, 0, 'a deleted record has no metadata');
  t.equal($('header > datestamp').text(), '2025-02-28T16:00:00Z');
  const since = await oai('verb=ListRecords&metadataPrefix=oai_dc&from=2025-02-28');
  t.same(ids(since), [oaiId(item.id)], 'an incremental harvest learns of the deletion');
  t.equal(since('header[status=deleted]').length, 1);
});

t.test('fuzzed requests, GET and POST: always an OAI-PMH answer, never an HTTP error', async (t) => {
  const token = load((await paged.inject({ url: '/oai?verb=ListRecords&metadataPrefix=oai_dc' })).body, { xml: true })('resumptionToken').text();
  const id = oaiId(itemByTitle('Statistiques').id);
  const value = fc.oneof(
    fc.constantFrom('Identify', 'ListRecords', 'ListIdentifiers', 'GetRecord', 'ListSets', 'ListMetadataFormats', 'oai_dc', id, token, `${token}x`, '2025-01-10', '2025-02-20T08:30:00Z', '2025-02-30', 'partner:alpha', 'section:news', 'partner:', ''),
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 20 }).map((v) => v.replace(/[\ud800-\udfff]/g, '\ufffd')),
  );
  const key = fc.oneof(fc.constantFrom('verb', 'identifier', 'metadataPrefix', 'from', 'until', 'set', 'resumptionToken'), fc.string({ maxLength: 8 }));
  let runs = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 5 }), fc.boolean(), async (pairs, post) => {
      runs++;
      const query = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
      await oai(query, paged, post ? 'POST' : 'GET');
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 150), seed: 20261130 },
  );
  t.pass(`${runs} fuzzed requests answered 200 with XML (validated below)`);
});

t.test('every answer is valid against the OAI-PMH schema; a wrong one is not', { skip: xmllintAvailable() ? false : 'xmllint missing: apt-get install libxml2-utils to validate the answers' }, async (t) => {
  t.ok(answers.size > 60, `${answers.size} answers collected`);
  const result = validateXml(answers);
  t.ok(result.ok, 'xmllint validates them all');
  if (!result.ok) t.comment(result.errors.slice(0, 20).join('\n'));
  const sample = [...answers.values()].find((xml) => xml.includes('<GetRecord>'))!;
  const wrong = new Map([
    ['no datestamp', sample.replace(/<datestamp>[^<]*<\/datestamp>/, '')],
    ['a made-up error code', sample.replace(/<GetRecord>[\s\S]*<\/GetRecord>/, '<error code="tooBad">x</error>')],
    ['an unknown Dublin Core element', sample.replace('<dc:title', '<dc:headline').replace('</dc:title>', '</dc:headline>')],
    ['a local time without Z', sample.replace(/<responseDate>([^<]*)Z</, '<responseDate>$1<').replace(/<datestamp>([^<]*)Z</, '<datestamp>$1+01:00<')],
  ]);
  for (const [label, xml] of wrong) t.notOk(validateXml(new Map([[label, xml]])).ok, `rejected: ${label}`);
});
