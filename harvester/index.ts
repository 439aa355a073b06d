// The harvester's public face: one pass (`runHarvest`), the scheduler, and the pieces the store
// and the publisher reuse (ports, the search text pipeline).
export * from './ports.ts';
export { runHarvest, backoffMs, makeClient, processAlive, DEFAULT_USER_AGENT, type HarvestOptions, type HarvestResult, type ProgressEvent } from './harvest.ts';
export { planChanges, changedFields, type PlanResult } from './plan.ts';
export { pageSpans, composeText, textFacts, parsePageMap, type PageSpan } from './pages.ts';
export { runOcrQueue, ocrAvailable, OcrIntake, type OcrRunOptions, type OcrRunSummary } from './ocr-queue.ts';
export { parseDate, hijriToGregorian, type DateOptions } from './dates.ts';
export { detectLanguage, itemLanguage } from './language.ts';
export { sanitizeSummary, htmlToText, cleanLine } from './sanitize.ts';
export { canonicalUrl, itemIdentity, itemId } from './identity.ts';
export { normaliseItem, inferDocType } from './normalise.ts';
export { analyze, analyzeForIndex, fold, termOf, tokenize } from './analyzer.ts';
export { Scheduler, type ScheduledSource, type SchedulerOptions } from './scheduler.ts';
export { testSource, type SourceTest, type SourceTestItem } from './test-source.ts';
