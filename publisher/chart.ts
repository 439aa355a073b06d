// Small bar charts as inline SVG, rendered on the server: no JavaScript, no inline style, with a
// title and a text alternative that says every value.
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar {
  label: string;
  value: number;
}

/**
 * Horizontal bars, one row per bar (a month), the label beside it and the value printed at its end:
 * no label can overlap another whatever the number of bars, nothing depends on hovering, and the
 * 360-unit-wide drawing stays legible from a 360 px phone (about 14 px text) to a desktop, where the
 * stylesheet caps its width. In right-to-left pages the labels sit on the right and bars grow
 * leftwards. The page shows the same figures in a table, the accessible twin.
 */
export function barChart(
  bars: Bar[],
  options: { title: string; description: string; rtl?: boolean; id: string; formatValue?: (n: number) => string; max?: number },
): string {
  const width = 360;
  const font = 15;
  const row = 30;
  const barHeight = 18;
  const top = 6;
  const format = options.formatValue ?? String;
  // Text is measured by estimate (no fonts on the server): 0.62 em per character is wide enough
  // for Latin and Arabic in the portal's sans-serif fonts.
  const em = 0.62 * font;
  const labelWidth = Math.min(150, Math.max(40, ...bars.map((b) => b.label.length * em)) + 10);
  const valueWidth = Math.max(...bars.map((b) => format(b.value).length * em), 2 * em) + 8;
  const barSpace = width - labelWidth - valueWidth;
  const max = Math.max(1, options.max ?? 0, ...bars.map((b) => b.value));
  const height = top * 2 + bars.length * row;
  const rtl = Boolean(options.rtl);
  const shapes = bars
    .map((bar, i) => {
      const y = top + i * row;
      const middle = y + row / 2 + font * 0.35;
      const length = bar.value > 0 ? Math.max(2, Math.round((bar.value / max) * barSpace)) : 0;
      const origin = rtl ? width - labelWidth : labelWidth;
      const x = rtl ? origin - length : origin;
      const end = rtl ? x : origin + length;
      const value = format(bar.value);
      // Both texts are anchored at their edge nearest the bar; `direction` makes "end" the visual
      // left of an Arabic label, and values are numbers, laid out left to right.
      const label = `<text class="label" x="${rtl ? origin + 8 : origin - 8}" y="${middle}" text-anchor="end" direction="${rtl ? 'rtl' : 'ltr'}">${escape(bar.label)}</text>`;
      const mark = length ? `<rect class="bar" x="${x}" y="${y + (row - barHeight) / 2}" width="${length}" height="${barHeight}"/>` : '';
      const text = `<text class="value" x="${rtl ? end - 6 : end + 6}" y="${middle}" text-anchor="${rtl ? 'end' : 'start'}" direction="ltr">${escape(value)}</text>`;
      return `<g>${label}${mark}${text}</g>`;
    })
    .join('');
  const axis = rtl ? width - labelWidth : labelWidth;
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="${options.id}-title ${options.id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${options.id}-title">${escape(options.title)}</title><desc id="${options.id}-desc">${escape(options.description)}</desc>` +
    `<line class="axis" x1="${axis}" y1="${top}" x2="${axis}" y2="${height - top}"/>${shapes}</svg>`
  );
}
