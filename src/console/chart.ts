/**
 * A horizontal bar chart as inline SVG: no library, scales with its container (viewBox), and
 * carries a text summary for screen readers (the bars themselves are decoration to them).
 */
import { h, svg } from './dom.ts';
import { formatInteger } from './format.ts';

export interface Bar {
  label: string;
  value: number;
}

let chartCounter = 0;

export function barChart(options: { title: string; bars: Bar[]; unit: string }): HTMLElement {
  const id = `chart-${++chartCounter}`;
  const rowHeight = 34;
  const labelWidth = 56;
  const valueWidth = 64;
  const width = 480;
  const barSpace = width - labelWidth - valueWidth;
  const height = options.bars.length * rowHeight + 8;
  const max = Math.max(1, ...options.bars.map((bar) => bar.value));
  const summary = options.bars.map((bar) => `${bar.label}: ${formatInteger(bar.value)} ${options.unit}`).join(', ');

  const rows = options.bars.map((bar, index) => {
    const y = index * rowHeight + 4;
    const barWidth = bar.value === 0 ? 0 : Math.max(3, (bar.value / max) * barSpace);
    return svg(
      'g',
      { class: 'chart-row' },
      svg('text', { x: labelWidth - 10, y: y + rowHeight / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle', class: 'chart-label' }, bar.label),
      svg('rect', { x: labelWidth, y: y + 5, width: barSpace, height: rowHeight - 10, rx: 4, class: 'chart-track' }),
      svg('rect', { x: labelWidth, y: y + 5, width: barWidth, height: rowHeight - 10, rx: 4, class: 'chart-bar' }),
      svg('text', { x: labelWidth + barSpace + 10, y: y + rowHeight / 2, 'dominant-baseline': 'middle', class: 'chart-value' }, formatInteger(bar.value)),
    );
  });

  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': `${id}-title ${id}-desc`, class: 'chart' }, svg('title', { id: `${id}-title` }, options.title), svg('desc', { id: `${id}-desc` }, summary), ...rows);
  return h('figure', { class: 'chart-figure' }, h('figcaption', { text: options.title }), chart);
}
