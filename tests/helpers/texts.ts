// Items with their text page by page, written through the harvest path as a harvest of their PDFs
// would (page map, file hash, OCR request), and OCR results saved as the worker saves them.
import { pageSpans, planChanges, type HarvestedItem } from '../../harvester/index.ts';
import { type Store } from '../../store/index.ts';
import { harvestedItem, type SeedItem } from './app.ts';

export interface PagedSeed {
  seed: SeedItem;
  /** The text of each page ('' for a page without text). */
  pages: string[];
  /** The PDF's sha256, for a document OCR reads. */
  fileHash?: string;
  /** Pages without a text layer, queued for OCR. */
  ocrPages?: number[];
}

let next = 1000;

export function addPaged(store: Store, items: PagedSeed[], sourceKey = 'alpha/reports'): HarvestedItem[] {
  const source = store.listSources({ sources: [sourceKey] })[0];
  if (!source) throw new Error(`no source ${sourceKey}`);
  const found = items.map(({ seed, pages, fileHash, ocrPages }) => {
    const text = pages.join('\n\n');
    const item = harvestedItem({ ...seed, text, pages: pages.length }, next++);
    item.text = text;
    item.pageSpans = pageSpans(pages, text);
    item.document = { ...item.document!, url: `${item.url}.pdf`, fileHash: fileHash ?? null };
    if (fileHash && ocrPages) item.ocr = { fileHash, pages: ocrPages, language: null, store: 'scans' };
    return item;
  });
  // Only the new items: the source's other items are left as they are.
  const planned = planChanges([], found, { goneAfter: 99 });
  const now = new Date().toISOString();
  const runPk = store.startRun('test', now);
  store.commitHarvest({
    runPk,
    source,
    plan: planned.plan,
    outcome: { status: 'ok', startedAt: now, durationMs: 1, itemsFound: found.length, itemsNew: found.length, itemsChanged: 0, itemsGone: 0, itemsDropped: 0, httpStatus: 200, error: null, warnings: [] },
    state: { attemptAt: now, success: true, changed: true, consecutiveFailures: 0, nextAttemptAt: null },
    now,
  });
  store.finishRun(runPk, now);
  return found;
}

/** Saves recognised pages for a queued file as the OCR worker does (the next queued job must be it). */
export function recognise(store: Store, fileHash: string, pages: Array<{ page: number; text: string; language?: 'ar' | 'fr' | null }>): void {
  const job = store.claimOcrJob('test:1', new Date().toISOString());
  if (job?.fileHash !== fileHash) throw new Error(`the next OCR job is ${job?.fileHash}, not ${fileHash}`);
  store.completeOcrJob(
    job,
    {
      status: 'ok',
      pages: pages.map((p) => ({ page: p.page, text: p.text, language: p.language ?? null, script: null, tesseractLanguages: 'ara+fra', dpi: 200, truncated: false })),
      failed: [],
      pageCount: pages.length,
      skipped: [],
      durationMs: 1,
    },
    new Date().toISOString(),
    200_000,
  );
}
