// How the CLI prints runs: a progress line per source, and the contract's JSON run summary.
import { type ProgressEvent } from '../harvester/harvest.ts';
import { type RunSummary } from '../store/index.ts';

export function formatOutcome(event: Extract<ProgressEvent, { type: 'source-done' }>): string {
  const { outcome } = event;
  const width = String(event.total).length;
  const position = `[${String(event.index).padStart(width)}/${event.total}]`;
  const name = `${event.partner}/${event.source}`.padEnd(36);
  const seconds = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  let detail: string;
  if (outcome.status === 'failed') detail = `${outcome.error?.code}: ${outcome.error?.message}`;
  else if (outcome.status === 'skipped') detail = outcome.warnings[0] ?? '';
  else if (outcome.status === 'not_modified') detail = 'unchanged since the last harvest (HTTP 304)';
  else
    detail =
      `${outcome.itemsFound} found, ${outcome.itemsNew} new, ${outcome.itemsChanged} changed, ${outcome.itemsGone} gone` +
      (outcome.itemsDropped ? `, ${outcome.itemsDropped} dropped` : '');
  return `${position} ${name} ${outcome.status.padEnd(12)} ${detail} (${seconds})`;
}

/** The run summary of docs/contract.md (`harvest --json`), with a few extra fields. */
export function runSummaryJson(summary: RunSummary) {
  return {
    run_id: summary.run_id,
    started_at: summary.started_at,
    finished_at: summary.finished_at,
    sources: summary.sources.map((s) => ({
      partner: s.partner,
      source: s.source,
      status: s.status,
      items_found: s.items_found,
      items_new: s.items_new,
      items_changed: s.items_changed,
      items_gone: s.items_gone,
      http_status: s.http_status,
      error: s.error,
      items_dropped: s.items_dropped,
      duration_ms: s.duration_ms,
      warnings: s.warnings,
    })),
  };
}
