// Charts of statistical series as inline SVG, rendered on the server (no JavaScript, no inline
// style): a line chart over time, horizontal bars for the categories of one period, and the
// indicator cards' sparkline. Each chart is drawn twice, for a phone (340 units wide) and for a
// wide screen (860), and CSS shows the one that fits, so text keeps a legible size at 360 px and
// at 1366 px instead of shrinking with a single viewBox. Labels are thinned and placed from
// measured estimates so they never overlap (tests/browser/statistics.test.ts checks the rendered
// boxes). In right-to-left pages time runs from right to left and the value axis is on the right,
// as the data table beside it reads. Every label is escaped: dimension values come from partners.

export const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Line colours, distinct for the common colour-vision deficiencies (Okabe-Ito), and a marker shape each. */
export const PALETTE = ['#0b5d3b', '#0072b2', '#d55e00', '#6a3d9a', '#996600'] as const;
export const MARKERS = ['circle', 'square', 'triangle', 'diamond', 'cross'] as const;
export type Marker = (typeof MARKERS)[number];

export interface Layout {
  name: 'narrow' | 'wide';
  width: number;
  height: number;
  /** Font size in user units. */
  font: number;
}

export const LAYOUTS: Layout[] = [
  { name: 'narrow', width: 340, height: 260, font: 14 },
  { name: 'wide', width: 860, height: 360, font: 13 },
];

/** Estimated width of a text at a font size: Latin and Arabic letters average about 0.58 em, digits 0.56. */
export function textWidth(text: string, font: number): number {
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) units += 0.56;
    else if (c === 0x20 || c === 0x2e || c === 0x2c || c === 0xa0 || c === 0x202f) units += 0.3;
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0xc0 && c <= 0xdd)) units += 0.68;
    else if (c >= 0xdc00 && c <= 0xdfff) continue; // the second half of a surrogate pair
    else units += 0.58;
  }
  return units * font;
}

/** Round steps for an axis from `min` to `max`: about `count` of them, 1, 2 or 5 times a power of ten. */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) {
    const pad = Math.abs(max) || 1;
    return niceTicks(min - (min < 0 ? pad : 0), max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const start = Math.floor(min / step) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1)! < max) ticks.push(Number((ticks.at(-1)! + step).toPrecision(12)));
  return ticks;
}

function markerPath(marker: Marker, x: number, y: number, r: number): string {
  const f = (n: number) => n.toFixed(1);
  switch (marker) {
    case 'square':
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${f(2 * r)}" height="${f(2 * r)}"/>`;
    case 'triangle':
      return `<path d="M${f(x)} ${f(y - r * 1.2)}L${f(x + r * 1.1)} ${f(y + r * 0.8)}L${f(x - r * 1.1)} ${f(y + r * 0.8)}Z"/>`;
    case 'diamond':
      return `<path d="M${f(x)} ${f(y - r * 1.3)}L${f(x + r * 1.3)} ${f(y)}L${f(x)} ${f(y + r * 1.3)}L${f(x - r * 1.3)} ${f(y)}Z"/>`;
    case 'cross':
      return `<path d="M${f(x - r)} ${f(y - r)}L${f(x + r)} ${f(y + r)}M${f(x + r)} ${f(y - r)}L${f(x - r)} ${f(y + r)}" class="cross"/>`;
    default:
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${f(r)}"/>`;
  }
}

/** A legend swatch: the line's colour and marker, for the HTML legend beside the chart. */
export function swatch(index: number): string {
  const marker = MARKERS[index % MARKERS.length]!;
  return `<svg class="swatch series-${index % PALETTE.length}" viewBox="0 0 28 14" aria-hidden="true" focusable="false"><line x1="1" y1="7" x2="27" y2="7"/>${markerPath(marker, 14, 7, 4)}</svg>`;
}

export interface ChartText {
  /** Used for the ids of title and description. */
  id: string;
  title: string;
  /** The text alternative: what the chart shows, in words. */
  description: string;
  rtl: boolean;
  /** "ar" for Arabic labels (their direction inside the SVG). */
  lang: string;
  format: (value: number) => string;
  /** The accessible name of one point: "Web, 2023: 1 450". */
  pointLabel: (line: string, period: string, value: string) => string;
}

export interface LineSeries {
  label: string;
  values: Array<number | null>;
}

function svgOpen(layout: Layout, text: ChartText, height: number, kind: string): string {
  const id = `${text.id}-${layout.name}`;
  return (
    `<svg class="series-chart series-chart-${layout.name} series-chart-${kind}" viewBox="0 0 ${layout.width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg" font-size="${layout.font}">` +
    `<title id="${id}-title">${escapeXml(text.title)}</title><desc id="${id}-desc">${escapeXml(text.description)}</desc>`
  );
}

/** A line chart of one to five lines over the same periods; both layouts, concatenated. */
export function lineChart(periods: string[], lines: LineSeries[], text: ChartText): string {
  return LAYOUTS.map((layout) => lineLayout(layout, periods, lines, text)).join('');
}

function lineLayout(layout: Layout, periods: string[], lines: LineSeries[], text: ChartText): string {
  const { width, height, font } = layout;
  const values = lines.flatMap((l) => l.values).filter((v): v is number => v !== null);
  const dataMin = Math.min(...values);
  const dataMax = Math.max(...values);
  // Counts start from zero; indices that are all negative or far from zero keep their own range.
  const lower = dataMin >= 0 && dataMin <= dataMax * 0.6 ? 0 : dataMin;
  const ticks = niceTicks(lower, dataMax, layout.name === 'narrow' ? 4 : 5);
  const yMin = ticks[0]!;
  const yMax = ticks.at(-1)!;
  const tickLabels = ticks.map(text.format);
  const axisWidth = Math.max(...tickLabels.map((l) => textWidth(l, font))) + 8;
  const top = font;
  const bottom = height - font * 2.4;
  const left = text.rtl ? 8 : axisWidth + 4;
  const right = text.rtl ? width - axisWidth - 4 : width - 8;
  const plot = right - left;
  const n = periods.length;
  // Points sit in the middle of their slot, so the first and last period labels fit inside.
  const slot = plot / Math.max(1, n);
  const xOf = (i: number) => (text.rtl ? right - slot * (i + 0.5) : left + slot * (i + 0.5));
  const yOf = (v: number) => bottom - ((v - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const f = (v: number) => v.toFixed(1);
  const dir = text.lang === 'ar' ? ' direction="rtl"' : '';

  let out = svgOpen(layout, text, height, 'line');
  // Grid and value axis.
  ticks.forEach((tick, i) => {
    const y = yOf(tick);
    out += `<line class="grid" x1="${f(left)}" y1="${f(y)}" x2="${f(right)}" y2="${f(y)}"/>`;
    const x = text.rtl ? right + 6 : left - 6;
    out += `<text class="tick" x="${f(x)}" y="${f(y + font * 0.35)}" text-anchor="${text.rtl ? 'start' : 'end'}" direction="ltr">${escapeXml(tickLabels[i]!)}</text>`;
  });
  out += `<line class="axis" x1="${f(left)}" y1="${f(bottom)}" x2="${f(right)}" y2="${f(bottom)}"/>`;
  // Period labels: every k-th one from the latest, k chosen so that they do not touch.
  const widest = Math.max(...periods.map((p) => textWidth(p, font))) + font;
  const every = Math.max(1, Math.ceil(widest / slot));
  for (let i = n - 1; i >= 0; i -= every) {
    out += `<text class="period" x="${f(xOf(i))}" y="${f(bottom + font * 1.5)}" text-anchor="middle"${dir}>${escapeXml(periods[i]!)}</text>`;
  }
  // Lines, broken where a value is missing, with a marker per point and its value as a tooltip
  // (up to 60 points a line: past that markers would merge into the line; the table has the values).
  const r = layout.name === 'narrow' ? 3 : 3.5;
  const markers = n <= 60;
  lines.forEach((line, index) => {
    const colour = index % PALETTE.length;
    let d = '';
    let pen = false;
    line.values.forEach((v, i) => {
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f(xOf(i))} ${f(yOf(v))}`;
      pen = true;
    });
    out += `<g class="series series-${colour}">`;
    if (d) out += `<path class="line" d="${d}"/>`;
    line.values.forEach((v, i) => {
      if (v === null || !markers) return;
      const label = text.pointLabel(line.label, periods[i]!, text.format(v));
      out += `<g class="point">${markerPath(MARKERS[index % MARKERS.length]!, xOf(i), yOf(v), r)}<title>${escapeXml(label)}</title></g>`;
    });
    out += '</g>';
  });
  return `${out}</svg>`;
}

export interface Bar {
  label: string;
  value: number | null;
}

/** Horizontal bars, one per category, each with its label above it and its value at its end. */
export function barChart(bars: Bar[], text: ChartText & { missing: string }): string {
  return LAYOUTS.map((layout) => barLayout(layout, bars, text)).join('');
}

function fit(label: string, room: number, font: number): string {
  if (textWidth(label, font) <= room) return label;
  let cut = label;
  while (cut.length > 1 && textWidth(`${cut}…`, font) > room) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}…`;
}

function barLayout(layout: Layout, bars: Bar[], text: ChartText & { missing: string }): string {
  const { width, font } = layout;
  const row = font * 3.2;
  const height = Math.round(bars.length * row + font);
  const values = bars.map((b) => b.value).filter((v): v is number => v !== null);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  const labels = bars.map((b) => (b.value === null ? text.missing : text.format(b.value)));
  const valueRoom = Math.max(...labels.map((l) => textWidth(l, font))) + 10;
  const start = 6;
  const end = width - 6;
  // The bars' scale leaves room for the value label after the longest bar.
  const span = end - start - valueRoom;
  const zero = ((0 - min) / (max - min || 1)) * span;
  const x = (offset: number) => (text.rtl ? end - offset : start + offset);
  const f = (v: number) => v.toFixed(1);
  const dir = text.lang === 'ar' ? 'rtl' : 'ltr';
  let out = svgOpen(layout, text, height, 'bar');
  bars.forEach((bar, i) => {
    const top = i * row + font * 0.5;
    const shown = fit(bar.label, end - start, font);
    // The category's name on its own line, from the start edge of its direction.
    out += `<text class="category" x="${f(text.rtl ? end : start)}" y="${f(top + font)}" direction="${dir}" text-anchor="start">${escapeXml(shown)}${shown === bar.label ? '' : `<title>${escapeXml(bar.label)}</title>`}</text>`;
    const barTop = top + font * 1.4;
    const barHeight = font * 1.1;
    if (bar.value === null) {
      out += `<text class="value missing" x="${f(x(zero))}" y="${f(barTop + barHeight * 0.8)}" direction="ltr" text-anchor="${text.rtl ? 'end' : 'start'}">${escapeXml(labels[i]!)}</text>`;
      return;
    }
    const length = (Math.abs(bar.value) / (max - min || 1)) * span;
    const from = bar.value >= 0 ? zero : zero - length;
    const x1 = x(from);
    const x2 = x(from + length);
    out += `<g class="bar-row"><rect class="bar series-0" x="${f(Math.min(x1, x2))}" y="${f(barTop)}" width="${f(Math.max(1, Math.abs(x2 - x1)))}" height="${f(barHeight)}"/><title>${escapeXml(text.pointLabel(bar.label, '', labels[i]!))}</title></g>`;
    // The value just past the bar's far end (for a negative value, past its near end).
    const tip = bar.value >= 0 ? from + length : zero;
    const forward = text.rtl ? 'end' : 'start';
    out += `<text class="value" x="${f(x(tip) + (text.rtl ? -4 : 4))}" y="${f(barTop + barHeight * 0.85)}" direction="ltr" text-anchor="${forward}">${escapeXml(labels[i]!)}</text>`;
  });
  if (min < 0) out += `<line class="axis" x1="${f(x(zero))}" y1="0" x2="${f(x(zero))}" y2="${height}"/>`;
  return `${out}</svg>`;
}

/** The indicator card's trend: a small line of the headline figure, with its text alternative. */
export function sparkline(values: Array<number | null>, options: { rtl: boolean; label: string }): string {
  const width = 120;
  const height = 32;
  const known = values.filter((v): v is number => v !== null);
  if (known.length < 2) return '';
  const min = Math.min(...known);
  const max = Math.max(...known);
  const n = values.length;
  const xOf = (i: number) => {
    const t = n === 1 ? 0.5 : i / (n - 1);
    return 4 + (options.rtl ? 1 - t : t) * (width - 8);
  };
  const yOf = (v: number) => height - 4 - ((v - min) / (max - min || 1)) * (height - 8);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${xOf(i).toFixed(1)} ${yOf(v).toFixed(1)}`;
    pen = true;
  });
  const lastIndex = values.findLastIndex((v) => v !== null);
  const last = values[lastIndex]!;
  return (
    `<svg class="sparkline" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(options.label)}" xmlns="http://www.w3.org/2000/svg">` +
    `<path d="${d}"/><circle cx="${xOf(lastIndex).toFixed(1)}" cy="${yOf(last).toFixed(1)}" r="3"/></svg>`
  );
}
