// Faults at the partners, through a whole harvest pass each: a fault-injecting loopback server
// plays a partner ("victim") whose feed, listing page or PDF misbehaves in every way the issue
// lists, while another partner ("steady") keeps publishing. After every pass: every item harvested
// before is there and unchanged, the error sits on the right source with the right code, the
// steady partner was harvested, memory stayed bounded, and the portal (a real server over the same
// database file) answered every request made during the pass.
import fs from 'node:fs';
import https from 'node:https';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import t, { type Test } from 'tap';
import { HttpClient } from '../../connectors/index.ts';
import { makePdf } from '../../demo/pdf.ts';
import { openStore, type RunSourceSummary, type Store } from '../../store/index.ts';
import { appOver, type TestApp } from '../helpers/app.ts';
import { body, gzipBomb, MB, mb, oversize, peakRss, probe, record, redirect, resetMidBody, status, trickle } from '../helpers/faults.ts';
import { makeBed, type Bed } from '../helpers/harvest.ts';
import { damagedPdfs, encryptedPdf } from '../helpers/pdfs.ts';
import { rss, startServer, type FixtureServer, type Handler } from '../helpers/server.ts';

const TLS = path.join(import.meta.dirname, '../fixtures/tls');

let steady: FixtureServer;
let victim: FixtureServer;
let selfSigned: https.Server;
let expired: https.Server;
let bed: Bed;
let portal: TestApp;
let portalUrl = '';
let dir = '';
let resolvable = true;
let steadyCount = 0;

// The victim's healthy content.
const FEED_ITEMS = [
  { title: 'Communiqué sur la transparence', link: 'https://victim.example/news/1', guid: 'n1', date: 'Tue, 01 Oct 2024 10:00:00 GMT', description: 'Premier communiqué.' },
  { title: 'بلاغ حول النزاهة', link: 'https://victim.example/news/2', guid: 'n2', date: 'Wed, 02 Oct 2024 10:00:00 GMT', description: 'بلاغ صحفي.' },
  { title: 'Atelier régional', link: 'https://victim.example/news/3', guid: 'n3', date: 'Thu, 03 Oct 2024 10:00:00 GMT', description: 'Un atelier.' },
];
const FEED = rss(FEED_ITEMS);
const LISTING_ROWS = [
  { title: 'Rapport annuel 2023', href: '/docs/r1.pdf', date: '27/09/2024' },
  { title: 'Guide de prévention', href: '/docs/r2.pdf', date: '3 mars 2024' },
];
function listing(rows: Array<{ title: string; href: string; date: string }>): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body>${rows
    .map((r) => `<div class="views-row"><h3><a href="${r.href}">${r.title}</a></h3><span class="date">${r.date}</span></div>`)
    .join('')}</body></html>`;
}
const pdfHandler =
  (content: Buffer): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-length': String(content.length) });
    res.end(content);
  };

let r1: Buffer;
let r2: Buffer;
let report: Buffer;
let encrypted: Buffer;
let corrupt: Buffer;

function healthy(): void {
  victim.set('/feed', body(FEED, 'application/rss+xml; charset=utf-8'));
  victim.set('/publications', body(listing(LISTING_ROWS), 'text/html; charset=utf-8'));
  victim.set('/docs/r1.pdf', pdfHandler(r1));
  victim.set('/docs/r2.pdf', pdfHandler(r2));
  victim.set('/report.pdf', pdfHandler(report));
}

/** Everything a visitor or an auditor can see of the catalogue, item by item. */
function snapshot(store: Store): Map<string, unknown> {
  const all = new Map<string, unknown>();
  for (const { id } of store.items.allIds(100_000)) {
    const item = store.items.get(id, 1_000_000)!;
    all.set(id, {
      title: item.title,
      url: item.url,
      summary: item.summary,
      published_at: item.published_at,
      language: item.language,
      doc_type: item.doc_type,
      section: item.section,
      pages: item.pages,
      scanned: item.scanned,
      text: item.text,
      document_url: item.document_url,
      document_hash: item.document_hash,
      versions: item.versions.length,
      gone: (item as { gone_since?: string | null }).gone_since ?? null,
    });
  }
  return all;
}

t.before(async () => {
  [r1, r2, report, encrypted, corrupt] = await Promise.all([
    makePdf({ pages: ['Rapport annuel 2023 sur la gouvernance', 'Deuxième page'] }),
    makePdf({ pages: ['Guide pratique de prévention de la corruption'] }),
    makePdf({ pages: ['Rapport de synthèse sur la probité'], created: new Date('2024-05-01T00:00:00Z') }),
    encryptedPdf('aes-256'),
    damagedPdfs().then((damaged) => damaged['a header and junk']!),
  ]);
  steady = await startServer({}, '127.0.0.2');
  steady.set('/feed', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/rss+xml' });
    res.end(rss(Array.from({ length: steadyCount }, (_, i) => ({ title: `Actualité stable ${i + 1}`, link: `https://steady.example/${i + 1}`, guid: `s${i + 1}` }))));
  });
  victim = await startServer({}, '127.0.0.3');
  healthy();
  const tlsServer = async (name: string) => {
    const server = https.createServer({ key: fs.readFileSync(path.join(TLS, `${name}.key`)), cert: fs.readFileSync(path.join(TLS, `${name}.crt`)) }, (_req, res) => res.end(FEED));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.4', resolve));
    return server;
  };
  selfSigned = await tlsServer('self-signed');
  expired = await tlsServer('expired');

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-faults-'));
  const victimPort = new URL(victim.url).port;
  bed = makeBed(
    {
      harvest: { timeout: '2s', max_bytes: '1MB', max_pdf_bytes: '20MB', allow_private_networks: ['127.0.0.0/8'] },
      partners: [
        { id: 'steady', sources: [{ id: 'news', type: 'feed', url: `${steady.url}/feed`, section: 'news' }] },
        {
          id: 'victim',
          sources: [
            { id: 'feed', type: 'feed', url: `http://victim.test:${victimPort}/feed`, section: 'news' },
            {
              id: 'listing',
              type: 'html',
              url: `${victim.url}/publications`,
              section: 'publications',
              select: { item: '.views-row', title: 'h3', link: 'h3 a@href', date: '.date' },
              follow_pdf: true,
            },
            { id: 'report', type: 'pdf', url: `${victim.url}/report.pdf`, section: 'publications', doc_type: 'report', title: { fr: 'Rapport de synthèse' } },
          ],
        },
      ],
    },
    path.join(dir, 'portal.db'),
  );
  // The portal reads the same file through its own connection, as `portal serve` does.
  portal = await appOver(openStore(path.join(dir, 'portal.db')), bed.settings);
  await portal.app.listen({ host: '127.0.0.1', port: 0 });
  portalUrl = `http://127.0.0.1:${(portal.app.server.address() as AddressInfo).port}`;
});

t.teardown(async () => {
  await portal?.close();
  bed?.close();
  await steady?.close();
  await victim?.close();
  selfSigned?.close();
  expired?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A client like the harvester's own, resolving names without DNS: victim.test is the victim. */
function client(): HttpClient {
  const harvest = bed.settings.portal.harvest;
  return new HttpClient({
    timeoutMs: harvest.timeout,
    userAgent: 'IntegrityPortalBot/1.0 (fault tests)',
    allowPrivateNetworks: harvest.allow_private_networks,
    perHostDelayMs: 0,
    resolver: (hostname, callback) => {
      if (hostname === 'victim.test' && resolvable) return callback(null, [{ address: '127.0.0.3', family: 4 }]);
      if (hostname === 'intranet.victim.test') return callback(null, [{ address: '10.9.8.7', family: 4 }]);
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), []);
    },
  });
}

interface Pass {
  outcomes: RunSourceSummary[];
  before: Map<string, unknown>;
  after: Map<string, unknown>;
  peak: number;
  peakDelta: number;
  portal: { statuses: number[]; errors: string[]; slowestMs: number };
}

async function pass(): Promise<Pass> {
  steadyCount++;
  const before = snapshot(bed.store);
  const visitor = probe([`${portalUrl}/fr/`, `${portalUrl}/api/items?per_page=5`, `${portalUrl}/ar/search?q=${encodeURIComponent('النزاهة')}`], 5);
  const http = client();
  const { result: outcomes, baseline, peak } = await peakRss(() => bed.harvest({ client: http }));
  await http.close();
  return { outcomes, before, after: snapshot(bed.store), peak, peakDelta: peak - baseline, portal: await visitor.stop() };
}

interface Expect {
  source: 'feed' | 'listing' | 'report';
  code?: string;
  httpStatus?: number;
  /** Items the case legitimately adds (a new document on the listing). */
  added?: number;
  maxRssDelta?: number;
}

/** The invariants of every pass. */
function invariants(t: Test, name: string, run: Pass, expect: Expect): void {
  for (const [id, item] of run.before) t.same(run.after.get(id), item, `${name}: item ${id} still there and unchanged`);
  t.equal(run.after.size, run.before.size + 1 + (expect.added ?? 0), `${name}: ${expect.added ?? 0} items added to the victim, 1 to the steady partner`);
  const target = bed.outcome(run.outcomes, `victim/${expect.source}`);
  if (expect.code) {
    t.equal(target.status, 'failed', `${name}: victim/${expect.source} failed`);
    t.equal(target.error?.code, expect.code, `${name}: error code ${expect.code} (${target.error?.message})`);
    if (expect.httpStatus) t.equal(target.http_status, expect.httpStatus, `${name}: HTTP status recorded`);
    t.ok((target.error?.message.length ?? 0) > 15, `${name}: a message an operator can act on`);
  } else {
    t.not(target.status, 'failed', `${name}: victim/${expect.source} harvested (${target.error?.message ?? target.status})`);
  }
  for (const other of run.outcomes.filter((o) => o.partner === 'victim' && o.source !== expect.source)) {
    t.not(other.status, 'failed', `${name}: victim/${other.source} unaffected (${other.error?.message ?? other.status})`);
  }
  t.match(bed.outcome(run.outcomes, 'steady/news'), { status: 'ok', items_new: 1 }, `${name}: the steady partner was harvested`);
  t.ok(run.portal.statuses.length > 0, `${name}: the portal was asked during the pass`);
  t.same(run.portal.errors, [], `${name}: no request to the portal failed`);
  t.ok(
    run.portal.statuses.every((s) => s === 200),
    `${name}: the portal answered 200 to all ${run.portal.statuses.length} requests (slowest ${run.portal.slowestMs.toFixed(0)} ms)`,
  );
  if (expect.maxRssDelta) t.ok(run.peakDelta < expect.maxRssDelta, `${name}: peak RSS +${mb(run.peakDelta)} < ${mb(expect.maxRssDelta)}`);
}

interface Case {
  name: string;
  how: string;
  apply(): Promise<void> | void;
  expect: Expect;
}

const CASES: Case[] = [
  { name: 'HTTP 500', how: 'the feed answers 500', apply: () => victim.set('/feed', status(500)), expect: { source: 'feed', code: 'http_status', httpStatus: 500 } },
  { name: 'HTTP 502', how: 'the listing page answers 502', apply: () => victim.set('/publications', status(502)), expect: { source: 'listing', code: 'http_status', httpStatus: 502 } },
  { name: 'HTTP 503', how: 'the PDF answers 503', apply: () => victim.set('/report.pdf', status(503)), expect: { source: 'report', code: 'http_status', httpStatus: 503 } },
  {
    name: '429 with Retry-After',
    how: 'the feed answers 429 with Retry-After: 3600; the next attempt is put off at least that long',
    apply: () => victim.set('/feed', status(429, { 'retry-after': '3600' })),
    expect: { source: 'feed', code: 'http_status', httpStatus: 429 },
  },
  { name: '404 of a page that existed', how: 'the listing page, harvested before, answers 404; its items are not marked gone', apply: () => victim.set('/publications', status(404)), expect: { source: 'listing', code: 'http_status', httpStatus: 404 } },
  { name: 'connection reset mid-body', how: 'the feed sends its headers and half its body, then resets the connection', apply: () => victim.set('/feed', resetMidBody(rss([...FEED_ITEMS, { title: 'Nouveau', link: 'https://victim.example/news/4' }]))), expect: { source: 'feed', code: 'network' } },
  { name: 'a body trickling one byte per second', how: 'the feed sends one byte a second; the 2 s timeout covers the whole answer', apply: () => victim.set('/feed', trickle()), expect: { source: 'feed', code: 'timeout' } },
  { name: 'a body far over the size cap', how: '100 MB streamed against max_bytes 1MB', apply: () => victim.set('/feed', oversize(100 * MB)), expect: { source: 'feed', code: 'too_large', maxRssDelta: 48 * MB } },
  {
    name: 'a gzip bomb',
    how: 'a gzip body that inflates to 512 MB, against max_bytes 1MB',
    apply: async () => victim.set('/feed', await gzipBomb(512 * MB)),
    expect: { source: 'feed', code: 'too_large', maxRssDelta: 48 * MB },
  },
  { name: 'wrong content type', how: 'the feed answers image/png with PNG bytes', apply: () => victim.set('/feed', body(Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'image/png')), expect: { source: 'feed', code: 'wrong_type' } },
  { name: 'malformed XML', how: 'the feed has crossed tags and an undefined entity', apply: () => victim.set('/feed', body('<?xml version="1.0"?><rss version="2.0"><channel><item><title>a &nope; <b></title></b></item></channel></rss>', 'application/rss+xml')), expect: { source: 'feed', code: 'parse' } },
  { name: 'truncated XML', how: 'the feed stops in the middle of an item', apply: () => victim.set('/feed', body(FEED.slice(0, Math.floor(FEED.length * 0.6)), 'application/rss+xml')), expect: { source: 'feed', code: 'parse' } },
  { name: 'an HTML page in place of the feed', how: 'the feed URL answers a login page, text/html', apply: () => victim.set('/feed', body('<!doctype html><html><head><title>Connexion</title></head><body><form>…</form></body></html>', 'text/html')), expect: { source: 'feed', code: 'wrong_type' } },
  {
    name: 'invalid UTF-8',
    how: 'the feed says UTF-8 and carries bytes that are not; a new item is read with replacement characters',
    apply: () => victim.set('/feed', body(invalidUtf8Feed(), 'application/rss+xml; charset=utf-8')),
    expect: { source: 'feed', added: 1 },
  },
  {
    name: 'mixed charsets',
    how: 'the feed declares windows-1256 in its prolog but one item is in UTF-8: read as windows-1256, stored as valid text',
    apply: () => victim.set('/feed', body(mixedCharsetFeed(), 'application/rss+xml')),
    expect: { source: 'feed', added: 1 },
  },
  { name: 'a redirect loop', how: '/feed → /feed-a → /feed', apply: () => (victim.set('/feed', redirect('/feed-a')), victim.set('/feed-a', redirect('/feed'))), expect: { source: 'feed', code: 'http_status' } },
  { name: 'a redirect to a private address', how: 'the feed redirects to http://169.254.169.254/latest/meta-data/ (cloud metadata); refused before connecting', apply: () => victim.set('/feed', redirect('http://169.254.169.254/latest/meta-data/')), expect: { source: 'feed', code: 'network' } },
  { name: 'a redirect to a name inside the network', how: 'the feed redirects to intranet.victim.test, which resolves to 10.9.8.7; refused at resolution', apply: () => victim.set('/feed', redirect('http://intranet.victim.test/feed')), expect: { source: 'feed', code: 'network' } },
  { name: 'a self-signed certificate', how: 'the feed moved to https with a self-signed certificate', apply: () => victim.set('/feed', redirect(`https://127.0.0.4:${(selfSigned.address() as AddressInfo).port}/feed`)), expect: { source: 'feed', code: 'tls' } },
  { name: 'an expired certificate', how: 'the feed moved to https with a certificate that expired in 2020', apply: () => victim.set('/feed', redirect(`https://127.0.0.4:${(expired.address() as AddressInfo).port}/feed`)), expect: { source: 'feed', code: 'tls' } },
  { name: 'an unresolvable host', how: "the feed's host name no longer resolves (ENOTFOUND)", apply: () => void (resolvable = false), expect: { source: 'feed', code: 'network' } },
  {
    name: 'an encrypted PDF',
    how: 'the PDF is replaced by a password-protected one (AES-256)',
    apply: () => victim.set('/report.pdf', pdfHandler(encrypted)),
    expect: { source: 'report', code: 'parse' },
  },
  {
    name: 'a corrupt PDF',
    how: 'the PDF is replaced by a corrupt one (a PDF header, then nothing readable)',
    apply: () => victim.set('/report.pdf', pdfHandler(corrupt)),
    expect: { source: 'report', code: 'parse' },
  },
  {
    name: 'a 1,000-page PDF',
    how: 'a new listing row links a 1,000-page PDF; its text is read up to max_pdf_pages (300)',
    apply: async () => {
      const huge = await makePdf({ pages: Array.from({ length: 1000 }, (_, i) => `Page ${i + 1} du recueil des textes relatifs à la probité et à la transparence.`) });
      victim.set('/docs/huge.pdf', pdfHandler(huge));
      victim.set('/publications', body(listing([{ title: 'Recueil des textes', href: '/docs/huge.pdf', date: '01/11/2024' }, ...LISTING_ROWS]), 'text/html; charset=utf-8'));
    },
    expect: { source: 'listing', added: 1, maxRssDelta: 400 * MB },
  },
];

function invalidUtf8Feed(): Buffer {
  const [head, tail] = rss([...FEED_ITEMS, { title: 'Titre SPLIT suite', link: 'https://victim.example/news/5', guid: 'n5' }]).split('SPLIT');
  // A lone continuation byte, a truncated 3-byte sequence and an overlong encoding of "/".
  return Buffer.concat([Buffer.from(head!), Buffer.from([0x80, 0xe2, 0x82, 0x20, 0xc0, 0xaf]), Buffer.from(tail!)]);
}

function mixedCharsetFeed(): Buffer {
  const xml = rss([...FEED_ITEMS.map((i) => ({ ...i, title: 'PLACEHOLDER' + i.guid })), { title: 'بلاغ UTF8', link: 'https://victim.example/news/6', guid: 'n6' }]);
  // The three known items keep their own titles (in windows-1256 they are the same characters).
  let text = xml.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="windows-1256"?>');
  for (const item of FEED_ITEMS) text = text.replace(`PLACEHOLDER${item.guid}`, item.title);
  const [before, after] = text.split('بلاغ UTF8');
  return Buffer.concat([encode1256(before!), Buffer.from('بلاغ UTF8', 'utf8'), encode1256(after!)]);
}

function encode1256(text: string): Buffer {
  return iconv.encode(text, 'windows-1256');
}

t.test('a baseline harvest: every source of both partners', async (t) => {
  const run = await pass();
  for (const o of run.outcomes) t.equal(o.status, 'ok', `${o.partner}/${o.source} ${o.error?.message ?? ''}`);
  t.equal(run.after.size, 1 + FEED_ITEMS.length + LISTING_ROWS.length + 1);
});

for (const fault of CASES) {
  t.test(fault.name, async (t) => {
    healthy();
    resolvable = true;
    await fault.apply();
    const run = await pass();
    invariants(t, fault.name, run, fault.expect);
    const target = bed.outcome(run.outcomes, `victim/${fault.expect.source}`);
    record({
      area: 'Faults at the partners',
      case: fault.name,
      how: fault.how,
      result: target.status === 'failed' ? `${target.error!.code}: ${target.error!.message}` : `${target.status}, ${target.items_new} new`,
      figures: { 'peak RSS': mb(run.peak), 'above the start of the pass': mb(Math.max(0, run.peakDelta)), 'portal requests during the pass': run.portal.statuses.length, 'slowest portal answer': `${run.portal.slowestMs.toFixed(0)} ms` },
    });
    if (fault.name === '429 with Retry-After') {
      const source = bed.store.listSources({ sources: ['victim/feed'] })[0]!;
      const wait = Date.parse(source.nextAttemptAt!) - Date.parse(source.lastAttemptAt!);
      t.ok(wait >= 3_590_000, `next attempt ${Math.round(wait / 60_000)} min later, not before Retry-After`);
    }
    if (fault.name === 'invalid UTF-8' || fault.name === 'mixed charsets') {
      const added = [...run.after.keys()].filter((id) => !run.before.has(id)).map((id) => bed.store.items.get(id)!).filter((i) => i.partner !== 'steady');
      for (const item of added) {
        t.notMatch(item.title, /[\ud800-\udfff]/, `${item.title}: no lone surrogates`);
        t.equal(Buffer.from(item.title, 'utf8').toString('utf8'), item.title, 'valid Unicode text');
      }
      if (fault.name === 'invalid UTF-8') t.match(added[0]?.title, /^Titre \ufffd+.*suite$/, 'bad bytes become U+FFFD, the rest is kept');
    }
    if (fault.name === 'a 1,000-page PDF') {
      const added = [...run.after.keys()].filter((id) => !run.before.has(id)).map((id) => bed.store.items.get(id, 10_000_000)!).filter((i) => i.partner !== 'steady');
      t.equal(added[0]?.pages, 1000, 'the page count is the document\'s');
      t.match(added[0]?.text, /Page 300 du recueil/, 'text up to page 300');
      t.notMatch(added[0]?.text, /Page 301 du recueil/, 'not beyond max_pdf_pages');
    }
  });
}

t.test('all of them at once, in one pass', async (t) => {
  healthy();
  victim.set('/feed', trickle());
  victim.set('/publications', status(503, { 'retry-after': '120' }));
  victim.set('/report.pdf', pdfHandler(corrupt));
  const run = await pass();
  for (const [id, item] of run.before) t.same(run.after.get(id), item, `item ${id} unchanged`);
  t.equal(bed.outcome(run.outcomes, 'victim/feed').error?.code, 'timeout');
  t.equal(bed.outcome(run.outcomes, 'victim/listing').error?.code, 'http_status');
  t.equal(bed.outcome(run.outcomes, 'victim/report').error?.code, 'parse');
  t.match(bed.outcome(run.outcomes, 'steady/news'), { status: 'ok', items_new: 1 });
  t.ok(run.portal.statuses.every((s) => s === 200) && run.portal.errors.length === 0, 'the portal answered throughout');
  record({
    area: 'Faults at the partners',
    case: 'several faults in one pass',
    how: 'trickling feed, 503 listing and corrupt PDF at once, beside a healthy partner',
    result: 'each error on its source; the healthy partner harvested',
    figures: { 'portal requests during the pass': run.portal.statuses.length },
  });

  // Healthy again: the victim recovers and nothing was duplicated on the way.
  healthy();
  resolvable = true;
  const back = await pass();
  for (const o of back.outcomes) t.not(o.status, 'failed', `${o.partner}/${o.source} recovered`);
  const urls = [...back.after.values()].map((i) => (i as { url: string }).url);
  t.equal(new Set(urls).size, urls.length, 'no item twice');
});
