import type { Status } from '../../model/status.js';
import { STATUS_LABEL, STATUS_ORDER } from '../report-context.js';
import { h } from './escape.js';

export interface ChartRow {
  /** Section id, or '' for the row of all results. */
  section: string;
  label: string;
  counts: Record<Status, number>;
}

const WIDTH = 960;
const LABEL_W = 380;
const BAR_W = 480;
const ROW_H = 26;
const BAR_H = 16;

/**
 * Inline SVG: one 100%-stacked bar per section (share of each status), with the total beside it.
 * Each row is focusable and carries data-section so the page script can filter by it.
 */
export function statusChart(rows: ChartRow[]): string {
  const height = rows.length * ROW_H + 8;
  const body = rows.map((row, i) => {
    const y = 4 + i * ROW_H;
    const total = STATUS_ORDER.reduce((a, s) => a + row.counts[s], 0);
    let x = LABEL_W;
    const parts = STATUS_ORDER.filter((s) => row.counts[s] > 0).map((s) => {
      const w = total === 0 ? 0 : (row.counts[s] / total) * BAR_W;
      const rect = `<rect class="${s}" x="${x.toFixed(2)}" y="${y + (ROW_H - BAR_H) / 2}" width="${w.toFixed(2)}" height="${BAR_H}"><title>${h(`${row.label}: ${row.counts[s]} ${STATUS_LABEL[s]}`)}</title></rect>`;
      x += w;
      return rect;
    });
    const summary = STATUS_ORDER.filter((s) => row.counts[s] > 0).map((s) => `${row.counts[s]} ${STATUS_LABEL[s]}`).join(', ');
    const label = row.label.length > 52 ? `${row.label.slice(0, 51)}…` : row.label;
    return [
      `<g class="row" tabindex="0" role="button" data-section="${h(row.section)}" aria-label="${h(`${row.label}: ${summary}. Show only this section`)}">`,
      `<rect class="hit" x="0" y="${y}" width="${WIDTH}" height="${ROW_H}"/>`,
      `<text class="label${row.section === '' ? ' total' : ''}" x="0" y="${y + ROW_H / 2 + 4}">${h(label)}</text>`,
      ...parts,
      `<text class="count" x="${LABEL_W + BAR_W + 10}" y="${y + ROW_H / 2 + 4}">${h(`${row.counts.fail} fail / ${total}`)}</text>`,
      '</g>',
    ].join('');
  });
  return `<svg viewBox="0 0 ${WIDTH} ${height}" role="group" aria-label="Results by section and status">${body.join('')}</svg>`;
}
