// The freshness report as the authority exports it: the same rows for the admin page, the CSV and
// JSON downloads and `npx portal report freshness`, so every figure agrees.
import { SECTIONS } from '../config/index.ts';
import { type FreshnessReport, type PartnerFreshnessRow } from '../store/index.ts';

export const CSV_COLUMNS = [
  'partner',
  'name_fr',
  'name_ar',
  'kind',
  'commitment_days',
  'last_new_content_at',
  'status',
  'overdue_days',
  'failing_sources',
  'item_count',
  ...SECTIONS.map((s) => `items_${s}`),
  'sources',
  'last_success_at',
  'series_count',
] as const;

function lastSuccess(row: PartnerFreshnessRow): string {
  return row.sources.reduce((max, s) => (s.last_success_at && s.last_success_at > max ? s.last_success_at : max), '');
}

export function freshnessRows(report: FreshnessReport): Array<Record<(typeof CSV_COLUMNS)[number], string | number>> {
  return report.partners.map((p) => ({
    partner: p.partner,
    name_fr: p.name.fr ?? '',
    name_ar: p.name.ar ?? '',
    kind: p.kind,
    commitment_days: p.commitment_days ?? '',
    last_new_content_at: p.last_new_content_at ?? '',
    status: p.status,
    overdue_days: p.overdue_days ?? '',
    failing_sources: p.sources.filter((s) => s.status === 'failing').length,
    item_count: p.item_count,
    ...(Object.fromEntries(SECTIONS.map((s) => [`items_${s}`, p.items_by_section[s]])) as Record<`items_${(typeof SECTIONS)[number]}`, number>),
    sources: p.sources.length,
    last_success_at: lastSuccess(p),
    series_count: p.series_count,
  }));
}

/**
 * A cell a spreadsheet could run as a formula: it starts with = + - @ (or their full-width forms),
 * possibly after spaces or control characters that some spreadsheets skip, or with a tab or a
 * carriage return (OWASP, "CSV Injection").
 */
const FORMULA_START = /^[\s\u0000-\u001f]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]/;

/** One CSV cell: always quoted (so a `;` or `,` inside never splits it, whatever separator the
 * spreadsheet assumes: French Excel splits on `;`), quotes doubled, and text that would start a
 * formula prefixed with an apostrophe, which spreadsheets show as text. Numbers we computed are left
 * as they are. */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** RFC 4180 CSV, every field quoted and neutralised (csvCell); CRLF line ends. */
export function toCsv<T extends string>(columns: readonly T[], rows: Array<Record<T, string | number | null | undefined>>): string {
  return [columns.map(csvCell).join(','), ...rows.map((row) => columns.map((c) => csvCell(row[c])).join(','))].join('\r\n') + '\r\n';
}

export function freshnessCsv(report: FreshnessReport): string {
  return toCsv(CSV_COLUMNS, freshnessRows(report));
}

/** A plain-text table for the terminal. */
export function freshnessTable(report: FreshnessReport): string {
  const header = ['partner', 'status', 'commitment', 'last content', 'items', 'series', 'failing'];
  const rows = report.partners.map((p) => [
    p.partner,
    p.status === 'overdue' && p.overdue_days !== null ? `overdue ${p.overdue_days}d` : p.status,
    p.commitment_days ? `${p.commitment_days}d` : '-',
    p.last_new_content_at ?? 'never',
    String(p.item_count),
    String(p.series_count),
    String(p.sources.filter((s) => s.status === 'failing').length),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`freshness report, ${report.generated_at}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
