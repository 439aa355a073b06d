// Repairs of what an older harvester stored, run once each at the start of a harvest pass (the
// stored version says which have run).
import { sanitizeSummary } from './sanitize.ts';
import { type HarvestStore } from './ports.ts';

/**
 * The summary sanitiser's version. 2: a link whose address was refused became a <span> the
 * sanitiser then discarded, and its frame closed the next allowed tag with </span> ("<b>gras</span>"),
 * leaving an attacker's link or bold open over the rest of the item page. Only such summaries hold
 * "</span>" (span was not allowed before): they are sanitised again, balanced.
 */
export const SUMMARY_SANITIZER = 2;
const BATCH = 500;

/** Sanitises again the summaries an older sanitiser left unbalanced; how many it rewrote. */
export function repairSummaries(store: HarvestStore): number {
  if (store.summariesSanitizedWith() >= SUMMARY_SANITIZER) return 0;
  let rewritten = 0;
  for (let after = 0; ; ) {
    const rows = store.summariesWith('</span>', after, BATCH);
    if (rows.length === 0) break;
    after = rows.at(-1)!.pk;
    const fixed = rows.map((r) => ({ pk: r.pk, summary: sanitizeSummary(r.summary).html })).filter((r, i) => r.summary !== rows[i]!.summary);
    store.rewriteSummaries(fixed);
    rewritten += fixed.length;
  }
  store.setSummariesSanitizedWith(SUMMARY_SANITIZER);
  return rewritten;
}
