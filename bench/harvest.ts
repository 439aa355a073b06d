// `npm run bench:harvest`: 19 simulated partners × 5 sources × 100 items (three feeds, a listing
// page, a listing whose items link small PDFs) on loopback. Prints the first harvest's rates, then
// an unchanged re-harvest (identical answers) and a "touched" one (pages change, items do not):
// their time and item writes. Targets (issue 3): first harvest ≥ 1,000 feed items/s excluding
// network waits; the unchanged re-harvest writes no item and takes under 10 % of the first.
import fs from 'node:fs';
import http from 'node:http';
import { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConfig } from '../config/index.ts';
import { makePdf } from '../demo/pdf.ts';
import { warmPdfExtractor } from '../connectors/index.ts';
import { runHarvest } from '../harvester/index.ts';
import { openStore } from '../store/index.ts';

const PARTNERS = 19;
const ITEMS = 100;
const WORDS = ['intégrité', 'transparence', 'corruption', 'rapport', 'marchés', 'publics', 'الرشوة', 'النزاهة', 'الشفافية', 'تقرير', 'évaluation', 'gouvernance'];

let touch = 0;
const pdfs = await Promise.all(Array.from({ length: 10 }, (_, i) => makePdf({ title: `Document ${i}`, pages: [`Document ${i}: ${WORDS.join(' ')} ${'texte '.repeat(50)}`] })));

function words(seed: number, n: number): string {
  return Array.from({ length: n }, (_, i) => WORDS[(seed * 7 + i * 3) % WORDS.length]).join(' ');
}

function feed(partner: number, source: number): string {
  const items = Array.from({ length: ITEMS }, (_, i) => {
    const day = String((i % 28) + 1).padStart(2, '0');
    return `<item><title>Actualité ${partner}-${source}-${i} : ${words(i, 6)}</title><link>https://p${partner}.example/s${source}/${i}</link><guid>p${partner}-s${source}-${i}</guid><pubDate>Mon, ${day} Jan 2024 10:00:00 GMT</pubDate><description><![CDATA[<p>${words(i + 1, 40)}</p>]]></description></item>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>P${partner}</title><link>https://p${partner}.example/</link><!-- ${touch} -->\n${items.join('\n')}</channel></rss>`;
}

function listing(partner: number, source: number, withPdf: boolean): string {
  const rows = Array.from({ length: ITEMS }, (_, i) => {
    const href = withPdf ? `/docs/${source}-${i}.pdf` : `/page/${source}/${i}`;
    return `<div class="row"><h3><a href="${href}">Publication ${partner}-${source}-${i} ${words(i, 5)}</a></h3><span class="date">${(i % 28) + 1}/03/2024</span><p class="summary">${words(i + 2, 30)}</p></div>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"></head><body><!-- ${touch} -->${rows.join('\n')}</body></html>`;
}

const servers: http.Server[] = [];
const urls: string[] = [];
for (let p = 0; p < PARTNERS; p++) {
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/robots.txt') return res.end('User-agent: *\nAllow: /\n');
    const feedMatch = /^\/feed(\d)\.xml$/.exec(url);
    if (feedMatch) {
      res.setHeader('content-type', 'application/rss+xml; charset=utf-8');
      return res.end(feed(p, Number(feedMatch[1])));
    }
    if (url === '/listing') return res.end(listing(p, 4, false));
    if (url === '/documents') return res.end(listing(p, 5, true));
    const pdf = /^\/docs\/\d+-(\d+)\.pdf$/.exec(url);
    if (pdf) {
      res.setHeader('content-type', 'application/pdf');
      return res.end(pdfs[Number(pdf[1]) % pdfs.length]);
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-harvest-'));
fs.mkdirSync(path.join(dir, 'partners'));
fs.writeFileSync(path.join(dir, 'portal.yaml'), stringify({ site: { name: { fr: 'Bench' }, base_url: 'https://portal.example' }, harvest: { timeout: '20s', per_host_delay: '0s', allow_private_networks: true, concurrency: 8 } }));
const select = { item: '.row', title: 'h3 a', link: 'h3 a@href', date: '.date', summary: '.summary' };
urls.forEach((url, p) => {
  fs.writeFileSync(
    path.join(dir, 'partners', `p${p}.yaml`),
    stringify({
      id: `p${p}`,
      name: { fr: `Partenaire ${p}` },
      kind: 'government',
      sources: [
        ...[1, 2, 3].map((s) => ({ id: `feed${s}`, type: 'feed', url: `${url}/feed${s}.xml`, section: 'news', language: 'fr' })),
        { id: 'listing', type: 'html', url: `${url}/listing`, section: 'publications', language: 'fr', select },
        { id: 'documents', type: 'html', url: `${url}/documents`, section: 'publications', language: 'fr', select, follow_pdf: true },
      ],
    }),
  );
});
const settings = loadConfig(dir).config!;
let store = openStore(path.join(dir, 'feeds.db'));
store.syncConfig(settings, new Date().toISOString());
let itemWrites = store.countItemWrites();

interface Pass {
  ms: number;
  writes: number;
  byType: Record<string, { items: number; ms: number }>;
  statuses: Record<string, number>;
}

// PDFs are read by a warm sandbox process that loads pdf.js once (0.7 s): started here, before any timing.
await warmPdfExtractor(settings.portal.harvest.pdf_memory_limit);

async function pass(sources?: string[]): Promise<Pass> {
  const before = itemWrites();
  const started = performance.now();
  const { outcomes } = await runHarvest({ settings, store, trigger: 'cli', sources });
  const ms = performance.now() - started;
  const byType: Pass['byType'] = {};
  const statuses: Record<string, number> = {};
  for (const { source, outcome } of outcomes) {
    const type = source.startsWith('feed') ? 'feed' : source === 'listing' ? 'html' : 'html+pdf';
    byType[type] ??= { items: 0, ms: 0 };
    byType[type].items += outcome.itemsFound;
    byType[type].ms += outcome.durationMs;
    statuses[outcome.status] = (statuses[outcome.status] ?? 0) + 1;
  }
  return { ms, writes: itemWrites() - before, byType, statuses };
}

const rate = (items: number, ms: number) => Math.round((items / ms) * 1000);
// Feeds alone first (into the same catalogue): their wall-clock rate on loopback is the
// harvester's processing rate, network waits being a few milliseconds.
const feedKeys = settings.partners.flatMap((p) => p.sources.filter((s) => s.type === 'feed').map((s) => `${p.id}/${s.id}`));
const feedsOnly = await pass(feedKeys);
const feedItems = feedsOnly.byType.feed!.items;
console.log(`feeds alone: ${feedItems} items from ${feedKeys.length} feeds in ${(feedsOnly.ms / 1000).toFixed(2)} s: ${rate(feedItems, feedsOnly.ms)} items/s, ${feedsOnly.writes} item writes`);
store.close();
// Then everything, into a new catalogue.
store = openStore(path.join(dir, 'portal.db'));
store.syncConfig(settings, new Date().toISOString());
itemWrites = store.countItemWrites();
const first = await pass();
const total = Object.values(first.byType).reduce((n, t) => n + t.items, 0);
console.log(`first harvest: ${total} items from ${PARTNERS * 5} sources in ${(first.ms / 1000).toFixed(2)} s (${rate(total, first.ms)} items/s wall clock), ${first.writes} item writes`);
for (const [type, t] of Object.entries(first.byType)) {
  // Per-source time includes the loopback transfers (no politeness delay is configured).
  console.log(`  ${type.padEnd(9)} ${String(t.items).padStart(5)} items, ${rate(t.items, t.ms)} items/s of source time`);
}
const second = await pass();
console.log(`unchanged re-harvest: ${(second.ms / 1000).toFixed(3)} s (${((100 * second.ms) / first.ms).toFixed(1)} % of the first), ${second.writes} item writes, statuses ${JSON.stringify(second.statuses)}`);
touch++;
const third = await pass();
console.log(`touched re-harvest (every page changed, no item): ${(third.ms / 1000).toFixed(3)} s (${((100 * third.ms) / first.ms).toFixed(1)} % of the first), ${third.writes} item writes, statuses ${JSON.stringify(third.statuses)}`);
const feedRate = rate(feedItems, feedsOnly.ms);
console.log(`targets: feed items/s ${feedRate} ≥ 1000 ${feedRate >= 1000 ? 'MET' : 'MISSED'}; unchanged writes ${second.writes} = 0 ${second.writes === 0 ? 'MET' : 'MISSED'}; unchanged time ${((100 * second.ms) / first.ms).toFixed(1)} % < 10 % ${second.ms < first.ms / 10 ? 'MET' : 'MISSED'}`);
store.close();
for (const server of servers) server.close();
