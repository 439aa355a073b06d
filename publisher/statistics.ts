// View models of statistics as data (issue 16): the indicator cards of /{lang}/statistics, the
// series page with its chart, data table, comparison form and history, and the series found by a
// search. Labels in the visitor's language; numbers in Latin digits as Moroccan administrations
// write them; every figure the chart shows is also in the table.
import { type FtsQuery, type ObservationRow, type SeriesRow } from '../store/index.ts';
import { type PortalContext } from './context.ts';
import { formatDate, formatDateTime } from './format.ts';
import { barChart, lineChart, sparkline, swatch, type ChartText } from './series-chart.ts';
import { BadRequest, partnerNames, pick, repeatedParam } from './views.ts';

/** Lines a visitor may compare on one chart. */
export const MAX_COMPARED = 5;
/** Bars drawn at most (more categories: the table still lists them all). */
export const MAX_BARS = 40;
/** Points of the card's trend line. */
const SPARK_POINTS = 12;

const monthFormats = new Map<string, Intl.DateTimeFormat>();
const numberFormats = new Map<string, Intl.NumberFormat>();

/** Intl formats cost a fraction of a millisecond to build: one per locale and options. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, options);
    numberFormats.set(key, format);
  }
  return format;
}

/** A period in words: 2024, T1 2024 / Q1 2024 / الفصل 1 2024, mars 2024, 31 mars 2024. */
export function periodLabel(ctx: PortalContext, lang: string, key: string): string {
  const locale = ctx.i18n.locale(lang);
  let m: RegExpExecArray | null;
  if ((m = /^(\d{4})-Q([1-4])$/.exec(key))) return ctx.i18n.t(lang, 'statistics_data.quarter', { q: m[2], year: m[1] });
  if (/^\d{4}-\d{2}$/.test(key)) {
    let format = monthFormats.get(locale);
    if (!format) {
      format = new Intl.DateTimeFormat(`${locale}-u-nu-latn`, { month: 'short', year: 'numeric', timeZone: 'UTC' });
      monthFormats.set(locale, format);
    }
    return format.format(new Date(`${key}-15T12:00:00Z`));
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(key)) return formatDate(locale, key);
  return key;
}

/** A dimension's name for visitors: its label in their language, else the column header. */
export function dimensionLabel(row: SeriesRow, lang: string, dimension: string): string {
  return pick(row.display.labels?.[dimension], lang) || dimension;
}

/** A dimension's value for visitors: its label in their language (value_labels), else as the file writes it. */
export function valueLabel(row: SeriesRow, lang: string, dimension: string, value: string): string {
  return pick(row.display.values?.[dimension]?.[value], lang) || value;
}

/**
 * The page's words for a value the series does not have, naming the dimension, not the value: the
 * error page repeated up to 60 characters from the address, which a link could fill with an
 * attacker's sentence (an attacker's review).
 */
function noSuchValue(row: SeriesRow, lang: string, dimension: string) {
  return { key: 'errors.no_such_value', vars: { name: dimensionLabel(row, lang, dimension) } };
}

/** Decimal places the values use (at most 3), unless the config says. */
function decimalsOf(row: SeriesRow, values: number[]): number {
  if (row.display.decimals !== null && row.display.decimals !== undefined) return row.display.decimals;
  let most = 0;
  for (const v of values) {
    const text = String(Number(v.toPrecision(12)));
    const dot = text.indexOf('.');
    if (dot >= 0 && !text.includes('e')) most = Math.max(most, text.length - dot - 1);
  }
  return Math.min(3, most);
}

/** Formats a series' values in the visitor's language: grouping, decimals, percent sign. */
export function valueFormatter(ctx: PortalContext, lang: string, row: SeriesRow, values: number[]): (value: number) => string {
  const locale = `${ctx.i18n.locale(lang)}-u-nu-latn`;
  const digits = decimalsOf(row, values);
  if (row.percent) {
    const percent = numberFormat(locale, { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits });
    return (value) => percent.format(value / 100);
  }
  const number = numberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return (value) => number.format(value);
}

export interface ChangeView {
  text: string;
  direction: 'up' | 'down' | 'flat';
}

/** The change from the previous period to the latest one, as a card says it. */
function changeOf(ctx: PortalContext, lang: string, row: SeriesRow, points: Array<[string, number | null]>, format: (n: number) => string): ChangeView | undefined {
  if (points.length < 2) return undefined;
  const [, latest] = points.at(-1)!;
  const [previousPeriod, previous] = points.at(-2)!;
  if (latest === null || previous === null) return undefined;
  const locale = `${ctx.i18n.locale(lang)}-u-nu-latn`;
  const diff = latest - previous;
  const direction = Math.abs(diff) < 1e-12 ? 'flat' : diff > 0 ? 'up' : 'down';
  let amount: string;
  if (row.percent) {
    // A rate changes by points, not by a percentage of itself.
    amount = ctx.i18n.t(lang, 'statistics_data.points', { value: numberFormat(locale, { signDisplay: 'exceptZero', maximumFractionDigits: 1 }).format(diff) });
  } else if (previous !== 0 && Math.sign(previous) === Math.sign(latest)) {
    amount = numberFormat(locale, { style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: 1 }).format(diff / Math.abs(previous));
  } else {
    amount = `${diff > 0 ? '+' : ''}${format(diff)}`;
  }
  return { text: ctx.i18n.t(lang, 'statistics_data.change_since', { change: amount, period: periodLabel(ctx, lang, previousPeriod) }), direction };
}

export interface CardView {
  id: string;
  href: string;
  name: string;
  unit: string;
  partnerName: string;
  partnerHref: string;
  value: string;
  period: string;
  change?: ChangeView;
  trend: string;
  missing: boolean;
  /** Whose figure it is when the headline is one combination of the dimensions ("Maroc"). */
  scope?: string;
}

export function cardView(ctx: PortalContext, lang: string, row: SeriesRow, names: Map<string, string>): CardView {
  const rtl = ctx.i18n.dir(lang) === 'rtl';
  const points = row.headline.slice(-SPARK_POINTS);
  const known = points.map(([, v]) => v).filter((v): v is number => v !== null);
  const format = valueFormatter(ctx, lang, row, row.headline.map(([, v]) => v).filter((v): v is number => v !== null));
  const latest = row.headline.at(-1);
  const first = points.find(([, v]) => v !== null);
  const last = [...points].reverse().find(([, v]) => v !== null);
  const trendLabel =
    first && last && known.length >= 2
      ? ctx.i18n.t(lang, 'statistics_data.trend', {
          from: format(first[1]!),
          start: periodLabel(ctx, lang, first[0]),
          to: format(last[1]!),
          end: periodLabel(ctx, lang, last[0]),
        })
      : '';
  return {
    id: row.id,
    href: `/${lang}/statistics/${row.id}`,
    name: pick(row.name, lang),
    unit: pick(row.unit, lang),
    partnerName: names.get(row.partner) ?? row.partner,
    partnerHref: `/${lang}/partners/${row.partner}`,
    value: latest && latest[1] !== null ? format(latest[1]) : ctx.i18n.t(lang, 'statistics_data.missing'),
    period: latest ? periodLabel(ctx, lang, latest[0]) : '',
    change: changeOf(ctx, lang, row, row.headline, format),
    trend: trendLabel ? sparkline(points.map(([, v]) => v), { rtl, label: trendLabel }) : '',
    missing: !latest || latest[1] === null,
    // The CPI card said "43 score sur 100" without naming the country it is Morocco's (a citizen's walk).
    scope:
      row.display.headline && typeof row.display.headline === 'object'
        ? Object.entries(row.display.headline)
            .map(([dimension, value]) => valueLabel(row, lang, dimension, value))
            .join(' · ') || undefined
        : undefined,
  };
}

export interface ThemeGroup {
  theme: string;
  id: string;
  partners: Array<{ name: string; href: string; cards: CardView[] }>;
}

/** The statistics page's indicator cards, grouped by theme (in the order first met), then partner. */
export function statisticsCards(ctx: PortalContext, lang: string): ThemeGroup[] {
  const names = partnerNames(ctx, lang);
  const groups = new Map<string, ThemeGroup>();
  for (const row of ctx.store.datasets.list()) {
    if (row.observationCount === 0) continue;
    const theme = pick(row.theme, lang) || ctx.i18n.t(lang, 'statistics_data.other_theme');
    let group = groups.get(theme);
    if (!group) {
      group = { theme, id: `theme-${groups.size + 1}`, partners: [] };
      groups.set(theme, group);
    }
    const partnerName = names.get(row.partner) ?? row.partner;
    let partner = group.partners.find((p) => p.name === partnerName);
    if (!partner) {
      partner = { name: partnerName, href: `/${lang}/partners/${row.partner}`, cards: [] };
      group.partners.push(partner);
    }
    partner.cards.push(cardView(ctx, lang, row, names));
  }
  return [...groups.values()];
}

/** Series whose names, definitions, units or dimension values match a search. */
export function seriesMatches(ctx: PortalContext, lang: string, query: FtsQuery | undefined): CardView[] {
  if (!query) return [];
  const names = partnerNames(ctx, lang);
  return ctx.store.datasets.search(query, 6).map((row) => cardView(ctx, lang, row, names));
}

// ---------------------------------------------------------------- the series page

function list(value: unknown): string[] {
  if (value === undefined || value === '') return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map(String).filter(Boolean);
}

export interface Selection {
  kind: 'line' | 'bar';
  compareDimension: string | null;
  compared: string[];
  /** Values chosen for the other dimensions. */
  fixed: Record<string, string>;
  /** For bars over a series with several periods: the period shown. */
  period: string | null;
  /** More values were asked than can be compared. */
  truncated: boolean;
}

/** What to draw, from the query string; values that the series does not have are a 400. */
export function selectionOf(row: SeriesRow, periods: string[], query: Record<string, unknown>, lang: string): Selection {
  const compareDimension = row.dimensions.length ? (row.display.compare && row.dimensions.includes(row.display.compare) ? row.display.compare : row.dimensions[0]!) : null;
  const auto = row.display.chart === 'auto' ? (periods.length > 1 ? 'line' : 'bar') : row.display.chart;
  const kind: 'line' | 'bar' = auto === 'bar' ? 'bar' : 'line';
  const fixed: Record<string, string> = {};
  row.dimensions.forEach((dimension, index) => {
    if (dimension === compareDimension) return;
    const values = row.dimensionValues[dimension] ?? [];
    const asked = list(query[`d${index}`]);
    if (asked.length > 1) throw new BadRequest(`d${index} is given more than once`, repeatedParam(`d${index}`));
    if (asked[0] !== undefined && !values.includes(asked[0])) throw new BadRequest(`${dimension}: no value "${asked[0].slice(0, 60)}" in this series`, noSuchValue(row, lang, dimension));
    const headline = row.display.headline && typeof row.display.headline === 'object' ? row.display.headline[dimension] : undefined;
    fixed[dimension] = asked[0] ?? (headline && values.includes(headline) ? headline : values[0] ?? '');
  });
  let compared: string[] = [];
  let truncated = false;
  if (compareDimension) {
    const values = row.dimensionValues[compareDimension] ?? [];
    const asked = [...new Set(list(query.compare))];
    for (const value of asked) if (!values.includes(value)) throw new BadRequest(`${compareDimension}: no value "${value.slice(0, 60)}" in this series`, noSuchValue(row, lang, compareDimension));
    const limit = kind === 'line' ? MAX_COMPARED : MAX_BARS;
    if (asked.length) {
      truncated = asked.length > limit;
      compared = asked.slice(0, limit);
    } else {
      // Lines: the headline value first, then the file's order; bars keep the file's order (regions in their official order).
      const headline = row.display.headline && typeof row.display.headline === 'object' ? row.display.headline[compareDimension] : undefined;
      const first = kind === 'line' && headline && values.includes(headline) ? [headline] : [];
      compared = [...new Set([...first, ...values])].slice(0, limit);
    }
  }
  let period: string | null = null;
  if (kind === 'bar' && compareDimension) {
    const asked = list(query.period);
    if (asked.length > 1) throw new BadRequest('period is given more than once', repeatedParam('period'));
    if (asked[0] !== undefined && !periods.includes(asked[0])) throw new BadRequest(`no period "${asked[0].slice(0, 20)}" in this series`, { key: 'errors.no_such_period' });
    period = asked[0] ?? periods.at(-1) ?? null;
  }
  return { kind, compareDimension, compared, fixed, period, truncated };
}

export interface SeriesPageView {
  chart: string;
  legend: Array<{ label: string; swatch: string }>;
  table: { caption: string; head: string[]; rows: Array<{ label: string; cells: string[] }> };
  form?: {
    action: string;
    compare?: { dimension: string; max: number; options: Array<{ value: string; label: string; checked: boolean; id: string }> };
    fixed: Array<{ name: string; label: string; id: string; options: Array<{ value: string; label: string; selected: boolean }> }>;
    periods?: { id: string; options: Array<{ value: string; label: string; selected: boolean }> };
  };
  truncated: boolean;
  empty: boolean;
}

/** The chart, its legend, its twin table and the comparison form of a series page. */
export function seriesPage(ctx: PortalContext, lang: string, row: SeriesRow, observations: ObservationRow[], query: Record<string, unknown>): SeriesPageView {
  const i18n = ctx.i18n;
  const rtl = i18n.dir(lang) === 'rtl';
  const periods = [...new Set(observations.map((o) => o.period))];
  const selection = selectionOf(row, periods, query, lang);
  const matchesFixed = (o: ObservationRow) => Object.entries(selection.fixed).every(([d, v]) => o.dimensions[d] === v);
  const shown = observations.filter(matchesFixed);
  // Values by period and compared value (or period alone), for the chart and its table.
  const byKey = new Map<string, number | null>();
  for (const o of shown) {
    const key = `${o.period}\u0000${selection.compareDimension ? o.dimensions[selection.compareDimension] : ''}`;
    if (!byKey.has(key)) byKey.set(key, o.value);
  }
  const valueAt = (period: string, compared = '') => byKey.get(`${period}\u0000${compared}`) ?? null;
  const format = valueFormatter(ctx, lang, row, observations.map((o) => o.value).filter((v): v is number => v !== null));
  const name = pick(row.name, lang);
  const unit = pick(row.unit, lang);
  const title = unit ? `${name} (${unit})` : name;
  const missing = i18n.t(lang, 'statistics_data.missing');
  const text: Omit<ChartText, 'description'> = {
    id: `series-${row.id}`,
    title,
    rtl,
    lang,
    format,
    pointLabel: (line, period, value) => [line, period].filter(Boolean).join(', ') + `: ${value}`,
  };
  const fixedNote = Object.entries(selection.fixed).map(([d, v]) => `${dimensionLabel(row, lang, d)}: ${valueLabel(row, lang, d, v)}`).join(', ');

  let chart = '';
  let legend: SeriesPageView['legend'] = [];
  let table: SeriesPageView['table'];
  let empty = false;
  if (selection.kind === 'line') {
    const lines = selection.compareDimension
      ? selection.compared.map((value) => ({ label: valueLabel(row, lang, selection.compareDimension!, value), values: periods.map((p) => valueAt(p, value)) }))
      : [{ label: name, values: periods.map((p) => valueAt(p)) }];
    // Periods none of the drawn lines has are left out of the chart and its table.
    const keep = periods.map((_, i) => lines.some((l) => l.values[i] !== null && l.values[i] !== undefined));
    const usedPeriods = periods.filter((_, i) => keep[i]);
    const usedLines = lines.map((l) => ({ label: l.label, values: l.values.filter((_, i) => keep[i]) }));
    const labels = usedPeriods.map((p) => periodLabel(ctx, lang, p));
    empty = usedPeriods.length === 0;
    const description = i18n.t(lang, 'statistics_data.line_summary', {
      name: title,
      from: labels[0] ?? '',
      to: labels.at(-1) ?? '',
      lines: usedLines
        .map((l) => {
          const known = l.values.map((v, i) => [v, labels[i]] as const).filter(([v]) => v !== null);
          if (!known.length) return `${l.label}: ${missing}`;
          const [a, pa] = known[0]!;
          const [b, pb] = known.at(-1)!;
          return i18n.t(lang, 'statistics_data.line_from_to', { line: l.label, from: format(a!), start: pa, to: format(b!), end: pb });
        })
        .join('; '),
    });
    if (!empty) chart = lineChart(labels, usedLines, { ...text, description });
    legend = selection.compareDimension ? usedLines.map((l, i) => ({ label: l.label, swatch: swatch(i) })) : [];
    table = {
      caption: fixedNote ? `${title} · ${fixedNote}` : title,
      head: [i18n.t(lang, 'statistics_data.period'), ...usedLines.map((l) => l.label)],
      rows: usedPeriods.map((_, i) => ({ label: labels[i]!, cells: usedLines.map((l) => (l.values[i] === null ? missing : format(l.values[i]!))) })),
    };
  } else {
    let bars: Array<{ label: string; value: number | null }>;
    let periodText = '';
    if (selection.compareDimension) {
      periodText = selection.period ? periodLabel(ctx, lang, selection.period) : '';
      bars = selection.compared.map((value) => ({
        label: valueLabel(row, lang, selection.compareDimension!, value),
        value: selection.period ? valueAt(selection.period, value) : null,
      }));
    } else {
      bars = periods.slice(-MAX_BARS).map((p) => ({ label: periodLabel(ctx, lang, p), value: valueAt(p) }));
    }
    empty = bars.length === 0;
    const description = i18n.t(lang, 'statistics_data.bar_summary', {
      name: title,
      period: periodText,
      bars: bars.map((b) => `${b.label}: ${b.value === null ? missing : format(b.value)}`).join('; '),
    });
    if (!empty) chart = barChart(bars, { ...text, title: periodText ? `${title}, ${periodText}` : title, description, missing });
    table = {
      caption: [title, periodText, fixedNote].filter(Boolean).join(' · '),
      head: [selection.compareDimension ? dimensionLabel(row, lang, selection.compareDimension) : i18n.t(lang, 'statistics_data.period'), i18n.t(lang, 'statistics_data.value')],
      rows: bars.map((b) => ({ label: b.label, cells: [b.value === null ? missing : format(b.value)] })),
    };
  }

  let form: SeriesPageView['form'];
  if (row.dimensions.length || (selection.kind === 'bar' && periods.length > 1 && selection.compareDimension)) {
    form = {
      action: `/${lang}/statistics/${row.id}`,
      compare: selection.compareDimension
        ? {
            dimension: dimensionLabel(row, lang, selection.compareDimension),
            // What the chart shows at most: lines or bars (the hint said 5 on bar charts of 40).
            max: selection.kind === 'line' ? MAX_COMPARED : MAX_BARS,
            options: (row.dimensionValues[selection.compareDimension] ?? []).map((value, i) => ({ value, label: valueLabel(row, lang, selection.compareDimension!, value), checked: selection.compared.includes(value), id: `compare-${i}` })),
          }
        : undefined,
      fixed: row.dimensions
        .map((dimension, index) => ({ dimension, index }))
        .filter(({ dimension }) => dimension !== selection.compareDimension)
        .map(({ dimension, index }) => ({
          name: `d${index}`,
          label: dimensionLabel(row, lang, dimension),
          id: `dimension-${index}`,
          options: (row.dimensionValues[dimension] ?? []).map((value) => ({ value, label: valueLabel(row, lang, dimension, value), selected: selection.fixed[dimension] === value })),
        })),
      periods:
        selection.kind === 'bar' && selection.compareDimension && periods.length > 1
          ? { id: 'period', options: [...periods].reverse().map((p) => ({ value: p, label: periodLabel(ctx, lang, p), selected: p === selection.period })) }
          : undefined,
    };
  }
  return { chart, legend, table, form, truncated: selection.truncated, empty };
}

/** The history of a series: each revised value with the one it replaced. */
export function revisionViews(ctx: PortalContext, lang: string, row: SeriesRow) {
  const revisions = ctx.store.datasets.revisions(row.pk, 100);
  const format = valueFormatter(ctx, lang, row, revisions.flatMap((r) => [r.value, r.previous_value]).filter((v): v is number => v !== null));
  const missing = ctx.i18n.t(lang, 'statistics_data.missing');
  const locale = ctx.i18n.locale(lang);
  return revisions.map((r) => ({
    period: periodLabel(ctx, lang, r.period),
    dimensions: Object.entries(r.dimensions).map(([k, v]) => `${dimensionLabel(row, lang, k)}: ${valueLabel(row, lang, k, v)}`).join(', '),
    previous: r.previous_value === null ? missing : format(r.previous_value),
    value: r.value === null ? missing : format(r.value),
    at: formatDateTime(locale, r.recorded_at),
    hash: r.content_hash,
  }));
}
