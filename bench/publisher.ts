// `npm run bench:publisher`: 50,000 synthetic Arabic and French items (~300 words each) seeded
// through the store's harvest path, then: search latency (1-3 word queries with facets and
// snippets, as the search page does), autocannon req/s and p99 for the home, a section and a
// search page against a static string on the same Fastify instance, time to ready, and RSS.
// Targets (issue 4): search p95 ≤ 25 ms; home and section ≥ 40 % of the static rate; ready ≤ 2 s;
// RSS ≤ 300 MB.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { stringify } from 'yaml';
import { loadConfig, SECTION_DOC_TYPES, SECTIONS, type Section } from '../config/index.ts';
import { prng } from '../demo/content.ts';
import { itemId, type ChangePlan, type HarvestedItem } from '../harvester/index.ts';
import { ftsQuery, parseQuery, snippet } from '../publisher/search.ts';
import { openStore } from '../store/index.ts';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 50_000);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const random = prng(42);
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;

const FR = `intégrité transparence corruption rapport marchés publics évaluation gouvernance administration
  collectivités santé éducation justice conseil commission autorité prévention lutte déclaration patrimoine
  conflit intérêts lanceurs alerte accès information données ouvertes budget dépenses contrôle audit
  recommandations réforme stratégie nationale plan action engagement citoyens usagers services numérique
  procédures simplification éthique probité moralisation vie publique blanchiment argent fraude fiscale
  concurrence avis décision loi décret arrêté circulaire guide étude statistiques indice perception classement`.split(/\s+/);
const AR = `النزاهة الشفافية الرشوة الفساد تقرير الصفقات العمومية تقييم الحكامة الإدارة الجماعات الصحة التعليم العدالة
  المجلس اللجنة الهيئة الوقاية محاربة التصريح الممتلكات تضارب المصالح المبلغين الحصول المعلومات المعطيات المفتوحة
  الميزانية النفقات المراقبة الافتحاص التوصيات الإصلاح الاستراتيجية الوطنية خطة العمل الالتزام المواطنين المرتفقين
  الخدمات الرقمية المساطر التبسيط الأخلاقيات التخليق الحياة العامة غسل الأموال الغش الضريبي المنافسة الرأي القرار
  القانون المرسوم القرار الدورية الدليل الدراسة الإحصائيات المؤشر الإدراك الترتيب`.split(/\s+/);
// Word frequencies follow Zipf's law, as in real text: the domain words above mixed into a
// vocabulary of 6,000 synthetic words per language, the n-th most frequent word used about 1/n as
// often as the first. The 20 most frequent types of real French or Arabic text are function words
// (de, la, et, في, من, على…) that the analyzer drops, so the vocabulary starts at rank 21.
// Queries draw their words the same way.
const syllablesFr = ['ra', 'pé', 'lo', 'tion', 'mi', 'sa', 'ver', 'cu', 'té', 'no', 'di', 'ban'];
const syllablesAr = ['ما', 'لي', 'سر', 'تب', 'قو', 'نا', 'حم', 'دي', 'كا', 'ري', 'جو', 'فت'];
function vocabulary(domain: string[], syllables: string[]): { words: string[]; cumulative: number[] } {
  const synthetic = Array.from({ length: 6000 }, () => Array.from({ length: 3 }, () => pick(syllables)).join(''));
  const words = [...synthetic];
  // The domain words take ranks spread from 3 to about 3,000.
  domain.forEach((word, i) => words.splice(3 + Math.floor((i * i * 3000) / (domain.length * domain.length)), 0, word));
  const weights = words.map((_, rank) => 1 / (rank + 21));
  const cumulative: number[] = [];
  weights.reduce((sum, w) => (cumulative.push(sum + w), sum + w), 0);
  return { words, cumulative };
}
const VOCAB = { fr: vocabulary(FR, syllablesFr), ar: vocabulary(AR, syllablesAr) };
function zipf(lang: 'ar' | 'fr', rand = random): string {
  const { words, cumulative } = VOCAB[lang];
  const target = rand() * cumulative.at(-1)!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return words[lo]!;
}

function words(lang: 'ar' | 'fr', n: number): string {
  return Array.from({ length: n }, () => zipf(lang)).join(' ');
}

// ------------------------------------------------------------------ config and seed
// BENCH_DIR keeps the seeded database between runs (seeding takes a while); without it, a
// temporary directory is used and removed.
const dir = process.env.BENCH_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-publisher-'));
const reuse = Boolean(process.env.BENCH_DIR) && fs.existsSync(path.join(dir, 'portal.db'));
fs.mkdirSync(path.join(dir, 'partners'), { recursive: true });
fs.writeFileSync(path.join(dir, 'portal.yaml'), stringify({ site: { name: { ar: 'البوابة', fr: 'Portail', en: 'Portal' }, base_url: 'https://portal.example' } }));
for (let p = 0; p < 19; p++) {
  fs.writeFileSync(
    path.join(dir, 'partners', `p${p}.yaml`),
    stringify({
      id: `p${p}`,
      name: { fr: `Institution ${p}`, ar: `مؤسسة ${p}`, en: `Institution ${p}` },
      kind: 'constitutional',
      commitment: { update_every: '30d' },
      sources: SECTIONS.map((section) => ({ id: section, type: 'feed', url: `https://p${p}.example/${section}.xml`, section })),
    }),
  );
}
const settings = loadConfig(dir).config!;
const dbFile = path.join(dir, 'portal.db');
const store = openStore(dbFile);
store.syncConfig(settings, new Date().toISOString());
const sources = store.listSources();

const seedStarted = performance.now();
const now = new Date().toISOString();
const CHUNK = 500;
for (let start = reuse ? ITEMS : 0; start < ITEMS; start += CHUNK) {
  const bySource = new Map<number, HarvestedItem[]>();
  for (let i = start; i < Math.min(ITEMS, start + CHUNK); i++) {
    const source = sources[i % sources.length]!;
    const lang: 'ar' | 'fr' = random() < 0.5 ? 'ar' : 'fr';
    const section = source.config.section as Section;
    const docType = pick(SECTION_DOC_TYPES[section]);
    const url = `https://${source.partnerId}.example/${section}/${i}`;
    const title = words(lang, 8);
    const summary = `<p>${words(lang, 30)}</p>`;
    const text = words(lang, 300);
    const publishedAt = new Date(Date.UTC(2021, 0, 1) + Math.floor(random() * 5 * 365) * 86_400_000).toISOString().slice(0, 10);
    const snapshot = { title, url, summary, published_at: publishedAt, doc_type: docType, language: lang, text_hash: String(i), document_url: null };
    const item: HarvestedItem = {
      id: itemId(source.partnerId, source.sourceId, `u:${url}`),
      identity: `u:${url}`,
      guid: null,
      url,
      title,
      summary,
      summaryText: summary.slice(3, -4),
      language: lang,
      section,
      docType,
      publishedAt,
      author: null,
      text,
      document: null,
      contentHash: String(i),
      snapshot,
    };
    bySource.set(source.pk, [...(bySource.get(source.pk) ?? []), item]);
  }
  for (const [pk, inserts] of bySource) {
    const source = sources.find((s) => s.pk === pk)!;
    const plan: ChangePlan = { inserts, updates: [], seenAgain: [], missing: [], gone: [], offListing: [], documentRefresh: [] };
    const runPk = store.startRun('test', now);
    store.commitHarvest({
      runPk,
      source,
      plan,
      outcome: { status: 'ok', startedAt: now, durationMs: 0, itemsFound: inserts.length, itemsNew: inserts.length, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
      state: { attemptAt: now, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
      now,
    });
    store.finishRun(runPk, now);
  }
}
const seedMs = performance.now() - seedStarted;
const dbMb = (fs.statSync(dbFile).size / 1024 / 1024).toFixed(0);
if (reuse) console.log(`reused ${store.items.count()} items seeded earlier in ${dir}; database ${dbMb} MB`);
else console.log(`seeded ${store.items.count()} items (~300 words each, ar/fr) in ${(seedMs / 1000).toFixed(1)} s (${Math.round(ITEMS / (seedMs / 1000))} items/s with full-text indexing); database ${dbMb} MB`);

// ------------------------------------------------------------------ search latency
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;
// Queries from their own seed, so they are the same whether the database was seeded now or reused.
const queryRandom = prng(7);
const queries: string[] = [];
for (let i = 0; i < 600; i++) {
  const lang = queryRandom() < 0.5 ? 'ar' : 'fr';
  const count = 1 + Math.floor(queryRandom() * 3);
  queries.push(Array.from({ length: count }, () => zipf(lang, queryRandom)).join(' '));
}
const latencies: number[] = [];
let hits = 0;
for (const [i, q] of queries.entries()) {
  const started = performance.now();
  const parsed = parseQuery(q);
  let fts = ftsQuery(parsed, 'all')!;
  let result = store.items.search(fts, {}, 1, 20);
  if (result.total === 0 && parsed.groups.length > 1) {
    fts = ftsQuery(parsed, 'any')!;
    result = store.items.search(fts, {}, 1, 20);
  }
  store.items.facets({}, fts);
  const texts = store.items.textsOf(
    result.items.map((r) => r.pk),
    6000,
  );
  for (const row of result.items) snippet(`${row.summary} ${texts.get(row.pk) ?? ''}`, parsed.terms);
  const ms = performance.now() - started;
  if (i >= 100) latencies.push(ms); // the first 100 warm the caches
  if (process.env.BENCH_VERBOSE && ms > 50) console.log(`  slow: ${ms.toFixed(0)} ms, ${result.total} hits: ${q}`);
  hits += result.total;
}
const p50 = percentile(latencies, 50);
const p95 = percentile(latencies, 95);
console.log(`search (1-3 words, facets and snippets, ${latencies.length} queries): p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms; ${Math.round(hits / queries.length)} hits per query on average`);
store.close();

if (process.env.BENCH_SEARCH_ONLY) process.exit(0);

// ------------------------------------------------------------------ HTTP throughput
async function server(cacheEntries: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'serve.ts'), dir, dbFile, String(cacheEntries)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve) => readline.createInterface({ input: child.stdout! }).once('line', resolve));
  const { port, readyMs } = JSON.parse(line) as { port: number; readyMs: number };
  return { child, url: `http://127.0.0.1:${port}`, readyMs };
}

function cannon(url: string, paths: string[]): Promise<autocannon.Result> {
  let n = 0;
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url,
        connections: 50,
        duration: DURATION,
        headers: { 'user-agent': 'Mozilla/5.0 (bench)' },
        requests: [{ setupRequest: (request) => ({ ...request, path: paths[n++ % paths.length]! }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
}

const searchPaths = queries.slice(0, 200).map((q) => `/fr/search?q=${encodeURIComponent(q)}`);
const pages: Array<[string, string[]]> = [
  ['home', ['/fr/']],
  ['section', ['/fr/publications']],
  ['search', searchPaths],
];
for (const cache of [500, 0]) {
  const { child, url, readyMs } = await server(cache);
  console.log(`\nserver ${cache ? 'with its page cache' : 'without page cache'}: ready ${readyMs} ms after start (database open, app built, listening)`);
  const ratios: Record<string, number> = {};
  for (const [name, paths] of pages) {
    await cannon(url, paths.slice(0, 20)); // warm-up
    const page = await cannon(url, paths);
    const baseline = await cannon(url, paths.map((p) => `/bench/static${p}`));
    ratios[name] = page.requests.average / baseline.requests.average;
    const errors = page.errors + page.non2xx + page.timeouts;
    console.log(
      `  ${name.padEnd(8)} ${Math.round(page.requests.average).toString().padStart(6)} req/s, p99 ${String(page.latency.p99).padStart(4)} ms; the same bytes as a static string ${Math.round(baseline.requests.average)} req/s: ${(100 * ratios[name]!).toFixed(0)} %${errors ? `; ${errors} errors` : ''}`,
    );
  }
  const rss = (await (await fetch(`${url}/bench/rss`)).json()) as { rss: number; heap: number };
  console.log(`  RSS after warm-up ${(rss.rss / 1024 / 1024).toFixed(0)} MB (heap ${(rss.heap / 1024 / 1024).toFixed(0)} MB)`);
  if (cache) {
    const met = (ok: boolean) => (ok ? 'MET' : 'MISSED');
    console.log(
      `  targets: search p95 ${p95.toFixed(1)} ≤ 25 ms ${met(p95 <= 25)}; home ${(100 * ratios.home!).toFixed(0)} % and section ${(100 * ratios.section!).toFixed(0)} % ≥ 40 % ${met(ratios.home! >= 0.4 && ratios.section! >= 0.4)}; ready ${readyMs} ≤ 2000 ms ${met(readyMs <= 2000)}; RSS ${(rss.rss / 1024 / 1024).toFixed(0)} ≤ 300 MB ${met(rss.rss <= 300 * 1024 * 1024)}`,
    );
  }
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}
if (!process.env.BENCH_DIR) fs.rmSync(dir, { recursive: true, force: true });
