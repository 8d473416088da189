// The sweep table: every point, sortable by any column (click a header; again to reverse), filtered by text and
// state. Rebuilt on each render (a few hundred rows at most is well under a millisecond per row).
import { axisShortName, type PointState, type SweepAxis } from '../../src/protocol/sweepFiles';
import { el } from './dom';
import { dur, fmtVal, pct } from './format';
import type { Row } from './rows';

interface Column { key: string; label: string; title: string; num: boolean; text: (r: Row) => string; sortVal: (r: Row) => number | string | null }

export function columnsOf(axes: SweepAxis[]): Column[] {
  const metric = (k: 'inferential' | 'symmetric' | 'seen', label: string): Column =>
    ({ key: k, label, title: `${label} (per run, %)`, num: true, text: (r) => pct(r[k]), sortVal: (r) => r[k] });
  return [
    ...axes.map((a): Column => ({
      key: `axis:${a.path}`, label: axisShortName(a.path), title: a.path, num: a.values.every((v) => typeof v === 'number'),
      text: (r) => fmtVal(r.values[a.path]),
      sortVal: (r) => { const v = r.values[a.path]; return typeof v === 'number' ? v : v === undefined ? null : fmtVal(v); },
    })),
    { key: 'state', label: 'state', title: 'point state', num: false, text: (r) => r.state, sortVal: (r) => r.state },
    metric('inferential', 'inferential'), metric('symmetric', 'symmetric'), metric('seen', 'seen'),
    { key: 'solution', label: 'solution', title: 'latest solution label', num: false, text: (r) => r.solution ?? '—', sortVal: (r) => r.solution },
    { key: 'durationSec', label: 'duration', title: 'run duration', num: true, text: (r) => dur(r.durationSec), sortVal: (r) => r.durationSec },
    { key: 'runId', label: 'run id', title: 'run id', num: false, text: (r) => r.runId, sortVal: (r) => r.runId },
  ];
}

function compare(a: number | string | null, b: number | string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

export interface TableView { sortKey: string; sortDir: 1 | -1; filter: string; stateFilter: PointState | 'all' }

/** The rows shown, in order: filter by state and by every word of the text filter, then a stable sort. */
export function visibleRows(rows: Row[], cols: Column[], v: TableView): Row[] {
  const words = v.filter.toLowerCase().split(/\s+/).filter(Boolean);
  const out = rows.filter((r) => {
    if (v.stateFilter !== 'all' && r.state !== v.stateFilter) return false;
    if (!words.length) return true;
    const hay = `${r.label} ${cols.map((c) => c.text(r)).join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  const col = cols.find((c) => c.key === v.sortKey);
  const key = col ? col.sortVal : (r: Row) => r.index;
  // Missing values stay last in both directions.
  return out.sort((a, b) => {
    const ka = key(a), kb = key(b);
    if (ka === null || kb === null) return ka === kb ? a.index - b.index : ka === null ? 1 : -1;
    return v.sortDir * compare(ka, kb) || a.index - b.index;
  });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Header cells are built as elements (few, with listeners); the body as one HTML string (markup only, no styles or
 *  scripts, so the CSP is unaffected) with delegated listeners: creating ~1000 cells one by one costs several ms. */
export function renderTable(table: HTMLTableElement, rows: Row[], axes: SweepAxis[], v: TableView, onSort: (key: string) => void, onOpen: (runId: string) => void): number {
  const cols = columnsOf(axes);
  const shown = visibleRows(rows, cols, v);
  const head = el('tr', {}, ...cols.map((c) => {
    const th = el('th', { 'data-key': c.key, title: c.title, tabindex: '0', class: c.num ? 'num' : '' }, c.label);
    if (c.key === v.sortKey) { th.setAttribute('aria-sort', v.sortDir === 1 ? 'ascending' : 'descending'); th.append(v.sortDir === 1 ? ' ▲' : ' ▼'); }
    th.addEventListener('click', () => onSort(c.key));
    th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); onSort(c.key); } });
    return th;
  }));
  const body = el('tbody');
  body.innerHTML = shown.map((r) => `<tr data-run-id="${esc(r.runId)}" data-index="${r.index}" tabindex="0" class="st-${r.state}"${r.error ? ` title="${esc(r.error)}"` : ''}>${
    cols.map((c) => `<td${c.num ? ' class="num"' : ''}>${esc(c.text(r))}</td>`).join('')}</tr>`).join('');
  const rowOf = (e: Event) => (e.target as HTMLElement).closest('tr')?.dataset.runId;
  body.addEventListener('click', (e) => { const id = rowOf(e); if (id) onOpen(id); });
  body.addEventListener('keydown', (e) => { const id = rowOf(e); if (id && e.key === 'Enter') onOpen(id); });
  table.replaceChildren(el('thead', {}, head), body);
  return shown.length;
}
