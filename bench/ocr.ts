// `npm run bench:ocr`: OCR pages per minute and character error rates on this machine. Full A4
// pages of known French and Arabic text are rendered by chromium at 200 dpi into image-only PDFs
// (tests/helpers/scans.ts), then read back by the OCR engine (connectors/ocr.ts) with the real
// poppler and Tesseract, at concurrency 1 and 2. BENCH_OCR_PAGES sets the pages per language.
// Last, the whole chain: the two scans harvested from a loopback site into a catalogue, queued,
// and read by the OCR worker (harvester/ocr-queue.ts) at concurrency 2, text saved and indexed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OcrEngine, type OcrResult } from '../connectors/index.ts';
import { runHarvest, runOcrQueue } from '../harvester/index.ts';
import { openStore } from '../store/index.ts';
import { loadTestConfig, writeConfig } from '../tests/helpers/config.ts';
import { startServer } from '../tests/helpers/server.ts';
import { chromiumAvailable, launch } from '../tests/helpers/browser.ts';
import { ARABIC_TEXT, FRENCH_TEXT, characterErrorRate, scannedPdf } from '../tests/helpers/scans.ts';

const PAGES = Number(process.env.BENCH_OCR_PAGES ?? 4);

if (!chromiumAvailable()) {
  console.error('bench:ocr needs chromium to render the scans (apt-get install chromium, or set CHROMIUM_PATH)');
  process.exit(1);
}

// A full page: the four paragraphs three times (about 2,000 characters of French, 1,500 of Arabic).
const fullPage = (paragraphs: string[]) => [...paragraphs, ...paragraphs, ...paragraphs];
const browser = await launch();
const french = await scannedPdf(browser, Array.from({ length: PAGES }, () => fullPage(FRENCH_TEXT)), 'ltr');
const arabic = await scannedPdf(browser, Array.from({ length: PAGES }, () => fullPage(ARABIC_TEXT)), 'rtl');
await browser.close();

function cer(result: OcrResult, paragraphs: string[]): number {
  if (result.status !== 'ok') throw new Error(`OCR failed: ${JSON.stringify(result)}`);
  const reference = fullPage(paragraphs).join(' ');
  const rates = result.pages.map((p) => characterErrorRate(reference, p.text));
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

const rows: string[] = [];
for (const concurrency of [1, 2]) {
  const engine = new OcrEngine({ concurrency, maxQueue: 10, pageTimeoutMs: 120_000, memoryBytes: 1024 ** 3, maxPages: 100 });
  await engine.availability();
  // Each document is split in single pages so that concurrency 2 has two documents to run.
  const started = Date.now();
  const jobs = [
    ...Array.from({ length: PAGES }, (_, i) => engine.recognise({ pdf: french, language: 'fr', pages: [i + 1] }).then((r) => ({ r, lang: 'fr' }))),
    ...Array.from({ length: PAGES }, (_, i) => engine.recognise({ pdf: arabic, language: 'ar', pages: [i + 1] }).then((r) => ({ r, lang: 'ar' }))),
  ];
  const results = await Promise.all(jobs);
  const minutes = (Date.now() - started) / 60_000;
  const fr = results.filter((x) => x.lang === 'fr').map((x) => cer(x.r, FRENCH_TEXT));
  const ar = results.filter((x) => x.lang === 'ar').map((x) => cer(x.r, ARABIC_TEXT));
  const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
  rows.push(
    `concurrency ${concurrency}: ${(2 * PAGES) / minutes >= 10 ? ((2 * PAGES) / minutes).toFixed(0) : ((2 * PAGES) / minutes).toFixed(1)} pages/min ` +
      `(${2 * PAGES} pages in ${(minutes * 60).toFixed(1)} s); CER French ${(mean(fr) * 100).toFixed(2)} %, Arabic ${(mean(ar) * 100).toFixed(2)} %`,
  );
}
{
  const server = await startServer({
    '/publications': {
      headers: { 'content-type': 'text/html; charset=utf-8' },
      body: '<html><body><div class="row"><a href="/fr.pdf">Rapport numérisé</a></div><div class="row"><a href="/ar.pdf">تقرير ممسوح</a></div></body></html>',
    },
    '/fr.pdf': { headers: { 'content-type': 'application/pdf' }, body: french },
    '/ar.pdf': { headers: { 'content-type': 'application/pdf' }, body: arabic },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-bench-ocr-'));
  const settings = loadTestConfig(
    writeConfig({
      harvest: { ocr_concurrency: 2 },
      partners: [{ id: 'bench', sources: [{ id: 'scans', type: 'html', url: `${server.url}/publications`, section: 'publications', select: { item: '.row', title: 'a', link: 'a@href' }, follow_pdf: true }] }],
    }),
  );
  const store = openStore(path.join(dir, 'portal.db'));
  store.syncConfig(settings, new Date().toISOString());
  await runHarvest({ settings, store, trigger: 'test' });
  const summary = await runOcrQueue({ store, settings });
  const minutes = summary.durationMs / 60_000;
  rows.push(`pipeline (harvested, queued, read by the OCR worker, saved and indexed), concurrency 2: ${(summary.pages / minutes).toFixed(0)} pages/min (${summary.pages} pages in ${(minutes * 60).toFixed(1)} s)`);
  store.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
for (const row of rows) console.log(row);
