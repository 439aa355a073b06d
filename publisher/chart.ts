// Small bar charts as inline SVG, rendered on the server: no JavaScript, no inline style, with a
// title and a text alternative that says every value.
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface Bar {
  label: string;
  value: number;
}

export function barChart(bars: Bar[], options: { title: string; description: string; rtl?: boolean; id: string; formatValue?: (n: number) => string }): string {
  const width = 640;
  const height = 220;
  const top = 24;
  const bottom = 40;
  const chartHeight = height - top - bottom;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const slot = width / Math.max(1, bars.length);
  const barWidth = Math.max(4, slot * 0.6);
  const format = options.formatValue ?? String;
  const ordered = options.rtl ? [...bars].reverse() : bars;
  const shapes = ordered
    .map((bar, i) => {
      const h = Math.round((bar.value / max) * chartHeight);
      const x = Math.round(i * slot + (slot - barWidth) / 2);
      const y = top + chartHeight - h;
      return `<g><rect class="bar" x="${x}" y="${y}" width="${Math.round(barWidth)}" height="${h}"><title>${escape(bar.label)}: ${escape(format(bar.value))}</title></rect>` +
        `<text class="value" x="${x + barWidth / 2}" y="${y - 4}" text-anchor="middle">${escape(format(bar.value))}</text>` +
        `<text class="label" x="${x + barWidth / 2}" y="${height - bottom + 16}" text-anchor="middle">${escape(bar.label)}</text></g>`;
    })
    .join('');
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${options.id}-title ${options.id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${options.id}-title">${escape(options.title)}</title><desc id="${options.id}-desc">${escape(options.description)}</desc>` +
    `<line class="axis" x1="0" y1="${top + chartHeight}" x2="${width}" y2="${top + chartHeight}"/>${shapes}</svg>`;
}
