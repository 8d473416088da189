// The paper's reductions of a sweep into a phase diagram (paper §4, Fig 2; spec §4.1–4.2), and its text rendering.
// Pure: give it the points' evaluations, get cells back. Used by the CLI (text table) and the phase-diagram webview.
//
//   1. per run:   each accuracy's maximum over the run's evaluations (overEvals "max", as the authors' plotting code)
//                 or the last evaluation's value ("final");
//   2. maxOver:   per metric separately, the maximum over the points that differ only in the maxOver axes
//                 (the paper: the max over 9 learning rates, "separately for each mapping");
//   3. meanOver:  mean ± std (population std, ddof = 0, as numpy's np.std) over the points that differ only in the
//                 meanOver axes, with n = how many of them have data (the paper: the mean over 3 seeds);
//   4. shadow:    the cell's reduced seen-pair test accuracy (same reductions) is below 90% (Fig 2's shadow zone).
// Running points contribute their evaluations so far; a cell with a point still pending or running is `partial`.
import type { SolutionLabel } from './config';
import { expandGrid } from './grid';
import type { MetricsLine } from '../protocol/runFiles';
import { axisShortName, type OverEvals, type PointState, type SweepAxis } from '../protocol/sweepFiles';

export const SHADOW_THRESHOLD = 0.9;
export const PHASE_METRICS = ['inferential', 'symmetric', 'seen'] as const;
export type PhaseMetric = (typeof PHASE_METRICS)[number];

/** One evaluation, reduced to what the phase diagram needs. */
export interface EvalPoint { inferential: number; symmetric: number; seen: number; solution?: SolutionLabel }

export function evalsFromMetrics(lines: Pick<MetricsLine, 'unseen' | 'seenTestAcc' | 'solution'>[]): EvalPoint[] {
  return lines.map((m) => ({ inferential: m.unseen.inferential, symmetric: m.unseen.symmetric, seen: m.seenTestAcc, solution: m.solution }));
}

export interface PointResult {
  index: number;
  values: Record<string, unknown>;
  state: PointState;
  runId?: string;
  /** Evaluations in order (a running point: those so far). */
  evals: EvalPoint[];
}

export interface ReduceOptions { maxOver: string[]; meanOver: string[]; overEvals: OverEvals }

export interface Stat { mean: number; std: number; n: number; values: number[] }

export interface PhaseCell {
  /** Value of each cell axis (PhaseDiagram.axes). */
  values: Record<string, unknown>;
  coords: number[];
  inferential: Stat | null;
  symmetric: Stat | null;
  seen: Stat | null;
  /** Seen-pair test accuracy (reduced) below SHADOW_THRESHOLD. False while there is no data. */
  shadow: boolean;
  /** Some point of the cell is pending or running: the values may still change. */
  partial: boolean;
  nPoints: number;
  nWithData: number;
  /** Most frequent latest solution label among the cell's points with data (ties: inferential, symmetric, other, memorizing, learning). */
  solution: SolutionLabel | null;
  solutions: Partial<Record<SolutionLabel, number>>;
  /** Run ids of the points behind the cell. */
  runIds: string[];
}

export interface PhaseDiagram {
  /** The axes that remain (neither maximised nor averaged over), in sweep order. */
  axes: SweepAxis[];
  maxOver: string[];
  meanOver: string[];
  overEvals: OverEvals;
  /** Row-major over `axes`. */
  cells: PhaseCell[];
  done: number;
  total: number;
}

const LABEL_ORDER: SolutionLabel[] = ['inferential', 'symmetric', 'other', 'memorizing', 'learning'];

export function stat(values: number[]): Stat | null {
  if (!values.length) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return { mean, std, n: values.length, values };
}

/** Step 1: one run's value of each metric. */
export function perRun(evals: EvalPoint[], overEvals: OverEvals): Record<PhaseMetric, number> | null {
  if (!evals.length) return null;
  if (overEvals === 'final') { const e = evals[evals.length - 1]; return { inferential: e.inferential, symmetric: e.symmetric, seen: e.seen }; }
  return {
    inferential: Math.max(...evals.map((e) => e.inferential)),
    symmetric: Math.max(...evals.map((e) => e.symmetric)),
    seen: Math.max(...evals.map((e) => e.seen)),
  };
}

const keyOf = (values: Record<string, unknown>, paths: string[]) => JSON.stringify(paths.map((p) => values[p]));

export function reducePhaseDiagram(axes: SweepAxis[], points: PointResult[], opts: ReduceOptions): PhaseDiagram {
  const swept = axes.map((a) => a.path);
  const maxOver = opts.maxOver.filter((p) => swept.includes(p));
  const meanOver = opts.meanOver.filter((p) => swept.includes(p) && !maxOver.includes(p));
  const keep = axes.filter((a) => !maxOver.includes(a.path) && !meanOver.includes(a.path));
  const keepPaths = keep.map((a) => a.path);
  const groupPaths = [...keepPaths, ...meanOver];

  // Cells in row-major order over the kept axes.
  const cells: PhaseCell[] = [];
  const cellIndex = new Map<string, number>();
  for (const { index: i, coords, values } of expandGrid(keep)) {
    cellIndex.set(keyOf(values, keepPaths), i);
    cells.push({ values, coords, inferential: null, symmetric: null, seen: null, shadow: false, partial: false, nPoints: 0, nWithData: 0, solution: null, solutions: {}, runIds: [] });
  }

  // Step 2: max over maxOver axes within each (cell, meanOver) group.
  const groups = new Map<string, { cell: number; best: Record<PhaseMetric, number> | null }>();
  let done = 0;
  for (const p of points) {
    const ci = cellIndex.get(keyOf(p.values, keepPaths));
    if (ci === undefined) continue;
    const cell = cells[ci];
    cell.nPoints++;
    if (p.runId) cell.runIds.push(p.runId);
    if (p.state === 'pending' || p.state === 'running') cell.partial = true;
    else done++;
    const r = perRun(p.evals, opts.overEvals);
    if (!r) continue;
    cell.nWithData++;
    const label = p.evals[p.evals.length - 1].solution;
    if (label) cell.solutions[label] = (cell.solutions[label] ?? 0) + 1;
    const gk = keyOf(p.values, groupPaths);
    const g = groups.get(gk) ?? { cell: ci, best: null };
    g.best = g.best ? { inferential: Math.max(g.best.inferential, r.inferential), symmetric: Math.max(g.best.symmetric, r.symmetric), seen: Math.max(g.best.seen, r.seen) } : r;
    groups.set(gk, g);
  }

  // Step 3: mean ± std over meanOver groups; step 4: shadow.
  const perCell = new Map<number, Record<PhaseMetric, number>[]>();
  for (const g of groups.values()) if (g.best) { const l = perCell.get(g.cell) ?? []; l.push(g.best); perCell.set(g.cell, l); }
  for (const [ci, list] of perCell) {
    const c = cells[ci];
    c.inferential = stat(list.map((x) => x.inferential));
    c.symmetric = stat(list.map((x) => x.symmetric));
    c.seen = stat(list.map((x) => x.seen));
    c.shadow = c.seen !== null && c.seen.mean < SHADOW_THRESHOLD;
  }
  for (const c of cells) {
    let best: SolutionLabel | null = null;
    for (const l of LABEL_ORDER) if ((c.solutions[l] ?? 0) > 0 && (best === null || c.solutions[l]! > c.solutions[best]!)) best = l;
    c.solution = best;
  }
  return { axes: keep, maxOver, meanOver, overEvals: opts.overEvals, cells, done, total: points.length };
}

// ---------------------------------------------------------------------------------------------------------------
// Text rendering for the CLI.

export type TableMetric = PhaseMetric | 'solution';

export interface RenderOptions {
  /** Axis on the columns (default model.gamma when it remains, else the first remaining axis). */
  x?: string;
  /** Axis on the rows (default model.layers when it remains, else the next remaining axis). */
  y?: string;
  /** Panels, in order (default inferential, symmetric). */
  metrics?: TableMetric[];
}

const fmtVal = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function fmtCell(c: PhaseCell | undefined, metric: TableMetric, showN: boolean): string {
  if (metric === 'solution') {
    if (!c || !c.solution) return c && c.partial ? '…' : '·';
    const n = Object.values(c.solutions).reduce((a, b) => a + (b ?? 0), 0);
    return `${c.solution}${n > 1 ? ` ${c.solutions[c.solution]}/${n}` : ''}${c.shadow ? '░' : ''}${c.partial ? '…' : ''}`;
  }
  if (!c || !c[metric]) return c && c.partial ? '…' : '·';
  const s = c[metric]!;
  let t = (s.mean * 100).toFixed(1);
  if (showN) t += `±${(s.std * 100).toFixed(1)} n${s.n}`;
  if (c.shadow) t += '░';
  if (c.partial) t += '…';
  return t;
}

const TITLES: Record<TableMetric, string> = {
  inferential: 'inferential accuracy (%)',
  symmetric: 'symmetric accuracy (%)',
  seen: 'seen-pair test accuracy (%)',
  solution: 'solution label (most frequent, count/n)',
};

/** The phase diagram as text tables: one per metric (and per combination of any further remaining axes). */
export function renderPhaseDiagram(d: PhaseDiagram, opts: RenderOptions = {}, pairLabel = '(4,3)'): string {
  const paths = d.axes.map((a) => a.path);
  const x = opts.x && paths.includes(opts.x) ? opts.x : paths.includes('model.gamma') ? 'model.gamma' : paths[0];
  const rest = paths.filter((p) => p !== x);
  const y = opts.y && rest.includes(opts.y) ? opts.y : rest.includes('model.layers') ? 'model.layers' : rest[0];
  const sliceAxes = d.axes.filter((a) => a.path !== x && a.path !== y);
  const xAxis = d.axes.find((a) => a.path === x);
  const yAxis = d.axes.find((a) => a.path === y);
  const metrics: TableMetric[] = opts.metrics ?? ['inferential', 'symmetric'];
  const showN = d.meanOver.length > 0;
  const find = (vals: Record<string, unknown>) => d.cells.find((c) => Object.entries(vals).every(([k, v]) => JSON.stringify(c.values[k]) === JSON.stringify(v)));

  const reductions = [
    d.maxOver.length ? `max over ${d.maxOver.join(', ')}` : null,
    d.meanOver.length ? `mean ± std over ${d.meanOver.join(', ')} (n)` : null,
    `${d.overEvals} over evaluations`,
  ].filter(Boolean).join(' · ');
  const out: string[] = [`Phase diagram ${pairLabel} · ${d.done}/${d.total} points done · ${reductions}`];

  const nSlices = sliceAxes.reduce((n, a) => n * a.values.length, 1);
  for (let s = 0; s < nSlices; s++) {
    const sliceVals: Record<string, unknown> = {};
    let r = s;
    for (let a = sliceAxes.length - 1; a >= 0; a--) { sliceVals[sliceAxes[a].path] = sliceAxes[a].values[r % sliceAxes[a].values.length]; r = Math.floor(r / sliceAxes[a].values.length); }
    const sliceTitle = sliceAxes.length ? ` · ${sliceAxes.map((a) => `${a.path}=${fmtVal(sliceVals[a.path])}`).join(', ')}` : '';
    for (const metric of metrics) {
      const corner = `${y ? axisShortName(y) : ''}${y && x ? ' \\ ' : ''}${x ? axisShortName(x) : ''}` || 'all';
      const header = [corner, ...(xAxis ? xAxis.values.map(fmtVal) : ['value'])];
      const rows: string[][] = [];
      for (const yv of yAxis ? yAxis.values : [undefined]) {
        const row = [yAxis ? fmtVal(yv) : '%'];
        for (const xv of xAxis ? xAxis.values : [undefined]) {
          const vals = { ...sliceVals, ...(x ? { [x]: xv } : {}), ...(y ? { [y]: yv } : {}) };
          row.push(fmtCell(find(vals), metric, showN));
        }
        rows.push(row);
      }
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      out.push('', `${pairLabel} ${TITLES[metric]}${sliceTitle}`, line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
    }
  }
  out.push('', `░ shadow: seen-pair test accuracy < ${SHADOW_THRESHOLD * 100}%   … still running   · no data yet`);
  return out.join('\n');
}
