// Real-world feed classes the first tests never saw (the parser suites of feedparser and others
// have them), one fixture of our own each (tests/fixtures/feeds/), harvested in one pass through
// a loopback server: what each item becomes in the catalogue, and the warnings an operator reads.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { makeBed, type Bed } from '../helpers/harvest.ts';
import { startServer, type FixtureServer } from '../helpers/server.ts';
import { type RunSourceSummary } from '../../store/index.ts';

const FIXTURES = path.join(import.meta.dirname, '../fixtures/feeds');
const CLASSES = [
  'rss-title-markup',
  'atom-title-types',
  'atom03-base64',
  'rss-link-no-title',
  'rss-atom-elements',
  'podcast-shared-link',
  'rss-empty',
  'atom-empty',
  'rss-bare-ampersand',
  'utf8-one-bad-byte',
  'comment-only',
];

let server: FixtureServer;
let bed: Bed;
let outcomes: RunSourceSummary[];

/** "Le Conseil" in Arabic, cut in the middle of its last letter the way PHP's substr() cuts. */
function utf8WithOneBadByte(base: string): Buffer {
  const title = Buffer.from('المجلس الأعلى للحسابات', 'utf8');
  const cut = title.subarray(0, title.length - 1);
  const head = Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>الأخبار</title><link>${base}/</link>\n<item><title>`,
  );
  const rest = Buffer.from(`</title><link>${base}/ar/1</link><description>تقرير المجلس حول النزاهة والشفافية في التدبير العمومي</description></item>\n</channel></rss>\n`);
  return Buffer.concat([head, cut, rest]);
}

t.before(async () => {
  server = await startServer();
  for (const name of CLASSES) {
    const file = path.join(FIXTURES, `${name}.xml`);
    // No charset in the Content-Type: the document's own declaration decides.
    server.set(`/${name}`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(name === 'utf8-one-bad-byte' ? utf8WithOneBadByte(server.url) : fs.readFileSync(file, 'utf8').replaceAll('{{BASE}}', server.url));
    });
  }
  bed = makeBed({
    partners: [{ id: 'feeds', sources: CLASSES.map((name) => ({ id: name, type: 'feed', url: `${server.url}/${name}`, section: 'news' })) }],
  });
  outcomes = await bed.harvest();
});
t.teardown(async () => {
  bed.close();
  await server.close();
});

function itemsOf(source: string) {
  return bed.store.items
    .list({ partner: 'feeds' }, 1, 100)
    .items.filter((i) => i.source === source)
    .sort((a, b) => a.url.localeCompare(b.url) || a.title.localeCompare(b.title));
}

t.test('titles with child elements are read, not emptied', async (t) => {
  t.match(bed.outcome(outcomes, 'rss-title-markup'), { status: 'ok', items_new: 2, items_dropped: 0 });
  t.same(
    itemsOf('rss-title-markup').map((i) => i.title),
    ["12/03 Journée nationale de l'intégrité", "Le rapport annuel 2024 de l'Instance"],
  );
  t.match(bed.outcome(outcomes, 'atom-title-types'), { status: 'ok', items_new: 2 });
  const atom = itemsOf('atom-title-types');
  t.same(
    atom.map((i) => i.title),
    ["Étude sur la transparence & l'accès à l'information", 'Guide de prévention de la corruption'],
    'type="html" is escaped markup (its &amp;amp; is an HTML &amp;), type="xhtml" a <div>',
  );
  t.equal(atom[0]!.url, `${server.url}/publications/etude`, 'the alternate link, not rel="self"');
  t.equal(atom[0]!.published_at, '2025-04-02');
});

t.test('Atom 0.3: base64 titles decoded, issued / created dates read', async (t) => {
  t.match(bed.outcome(outcomes, 'atom03-base64'), { status: 'ok', items_new: 2 });
  const items = itemsOf('atom03-base64');
  t.same(items.map((i) => i.title), ['Communiqué sur la déclaration de patrimoine', 'Avis n° 7 sur les marchés publics']);
  t.same(items.map((i) => i.published_at), ['2025-05-05', '2025-04-20'], 'issued, else created (not modified)');
});

t.test('an item with a link and no title is titled from its file name, and the operator is told', async (t) => {
  const outcome = bed.outcome(outcomes, 'rss-link-no-title');
  t.match(outcome, { status: 'ok', items_new: 3, items_dropped: 0 });
  const items = itemsOf('rss-link-no-title');
  t.same(items.map((i) => i.title), ['Avec un titre', `${new URL(server.url).host}/node/4521`, 'rapport annuel 2024']);
  t.equal(outcome.warnings.filter((w) => /has no title of its own: titled/.test(w)).length, 2, outcome.warnings.join('\n'));
  t.match(outcome.warnings.join('\n'), /item 1 \("….*\/files\/rapport-annuel_2024\.pdf"\) has no title of its own: titled "rapport annuel 2024" from its address/);
});

t.test('Atom dates and .NET\'s a10:link inside RSS items', async (t) => {
  t.match(bed.outcome(outcomes, 'rss-atom-elements'), { status: 'ok', items_new: 3 });
  const items = itemsOf('rss-atom-elements');
  t.same(
    items.map((i) => [i.url.replace(server.url, ''), i.published_at]),
    [
      ['/decisions/2025-11', '2025-06-10'],
      ['/decisions/2025-12', '2025-06-12'],
      ['/decisions/2025-13', '2025-06-25'],
    ],
    'a10:link gives the link, a10:updated and atom:published / atom:updated the date (published first)',
  );
});

t.test('podcast episodes sharing one link stay distinct, and stay the same items next time', async (t) => {
  t.match(bed.outcome(outcomes, 'podcast-shared-link'), { status: 'ok', items_new: 17, items_dropped: 0 });
  const first = itemsOf('podcast-shared-link');
  t.equal(new Set(first.map((i) => i.id)).size, 17, '17 distinct items');
  t.ok(first.every((i) => i.url === `${server.url}/podcast`));
  const again = await bed.harvest({ sources: ['feeds/podcast-shared-link'] });
  // The body is identical: not parsed again. Change one byte that says nothing about the items.
  t.match(again[0], { status: 'not_modified' });
  server.set('/podcast-shared-link', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(fs.readFileSync(path.join(FIXTURES, 'podcast-shared-link.xml'), 'utf8').replaceAll('{{BASE}}', server.url).replace('<itunes:author>Instance', '<itunes:author>L\'Instance'));
  });
  const [third] = await bed.harvest({ sources: ['feeds/podcast-shared-link'] });
  t.match(third, { status: 'ok', items_found: 17, items_new: 0, items_changed: 0, items_gone: 0 });
  t.same(itemsOf('podcast-shared-link').map((i) => i.id), first.map((i) => i.id), 'the same ids');
});

t.test('a well-formed empty feed fails as empty, with a message and no JavaScript error', async (t) => {
  for (const [name, root] of [
    ['rss-empty', 'rss'],
    ['atom-empty', 'feed'],
  ] as const) {
    const outcome = bed.outcome(outcomes, name);
    t.equal(outcome.status, 'failed', name);
    t.equal(outcome.error?.code, 'empty', name);
    t.equal(outcome.error?.message, `the feed at ${server.url}/${name} is empty: its <${root}> element has no channel and no entries`);
  }
});

t.test('a document holding nothing but a comment fails as parse (xml2js never called back on it: the pass hung)', async (t) => {
  t.match(bed.outcome(outcomes, 'comment-only'), { status: 'failed', error: { code: 'parse', message: `the feed at ${server.url}/comment-only holds no XML element` } });
});

t.test('bare ampersands and entities without semicolons are read as a browser reads them, with a warning', async (t) => {
  const outcome = bed.outcome(outcomes, 'rss-bare-ampersand');
  t.match(outcome, { status: 'ok', items_new: 2 });
  const items = itemsOf('rss-bare-ampersand');
  t.same(items.map((i) => i.title), ['Transparence & redevabilité © 2025', 'Rapport R&D']);
  t.same(items.map((i) => i.url), [`${server.url}/etudes?id=7&lang=fr`, `${server.url}/etudes?id=8&copy=1`], '"&copy=" in a link stays as written');
  t.equal(items[0]!.summary, 'Coopération\u00a0régionale : l\'étude &amp; ses annexes');
  t.ok(
    outcome.warnings.includes('the feed has 7 stray "&" or undefined entities ("&", "&section", "&"), which is not valid XML: read as a browser reads them'),
    outcome.warnings.join('\n'),
  );
});

t.test('one bad byte in a UTF-8 feed served without a charset costs one character, not the whole text', async (t) => {
  t.match(bed.outcome(outcomes, 'utf8-one-bad-byte'), { status: 'ok', items_new: 1 });
  const [item] = itemsOf('utf8-one-bad-byte');
  t.equal(item!.title, 'المجلس الأعلى للحسابا\ufffd');
  t.equal(item!.language, 'ar');
  t.notMatch(item!.summary, /Ø|Ù/, 'no mojibake');
});
