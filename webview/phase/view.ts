// The page's view state (persisted with setState) and how it resolves against a sweep: which reductions apply,
// which remaining axes go on x / y, and which value each further remaining axis is sliced at.
import type { ReduceOptions } from '../../src/core/sweepReduce';
import type { PhaseSweepInfo } from '../../src/protocol/phase';
import type { OverEvals, PointState, SweepAxis } from '../../src/protocol/sweepFiles';

/** 'pair': the paper's Fig 2, inferential | symmetric side by side. */
export type FigureMetric = 'pair' | 'inferential' | 'symmetric' | 'seen' | 'solution';
export type RunMetric = 'inferential' | 'symmetric' | 'seen';
export type AxisRole = 'keep' | 'max' | 'mean';

export interface ViewState {
  metric: FigureMetric;
  x: string | null;
  y: string | null;
  /** Remaining-axis path → value index, for axes beyond x and y. */
  slice: Record<string, number>;
  /** Local reductions; null: the sweep's configured ones. */
  reductions: ReduceOptions | null;
  pcMetric: RunMetric;
  sortKey: string;
  sortDir: 1 | -1;
  filter: string;
  stateFilter: PointState | 'all';
}

export const DEFAULT_VIEW: ViewState = {
  metric: 'pair', x: null, y: null, slice: {}, reductions: null, pcMetric: 'inferential', sortKey: 'index', sortDir: 1, filter: '', stateFilter: 'all',
};

/** Merge a persisted (possibly older or foreign) object over the defaults, keeping only well-typed fields. */
export function restoreView(saved: unknown): ViewState {
  const v = { ...DEFAULT_VIEW };
  if (!saved || typeof saved !== 'object') return v;
  const s = saved as Partial<Record<keyof ViewState, unknown>>;
  if (typeof s.metric === 'string' && ['pair', 'inferential', 'symmetric', 'seen', 'solution'].includes(s.metric)) v.metric = s.metric as FigureMetric;
  if (typeof s.x === 'string') v.x = s.x;
  if (typeof s.y === 'string') v.y = s.y;
  if (s.slice && typeof s.slice === 'object') v.slice = { ...(s.slice as Record<string, number>) };
  const r = s.reductions as ReduceOptions | null | undefined;
  if (r && Array.isArray(r.maxOver) && Array.isArray(r.meanOver) && (r.overEvals === 'max' || r.overEvals === 'final')) v.reductions = { maxOver: [...r.maxOver], meanOver: [...r.meanOver], overEvals: r.overEvals };
  if (s.pcMetric === 'inferential' || s.pcMetric === 'symmetric' || s.pcMetric === 'seen') v.pcMetric = s.pcMetric;
  if (typeof s.sortKey === 'string') v.sortKey = s.sortKey;
  if (s.sortDir === 1 || s.sortDir === -1) v.sortDir = s.sortDir;
  if (typeof s.filter === 'string') v.filter = s.filter;
  if (typeof s.stateFilter === 'string') v.stateFilter = s.stateFilter as ViewState['stateFilter'];
  return v;
}

export function reductionsOf(view: ViewState, sweep: PhaseSweepInfo): ReduceOptions {
  return view.reductions ?? { maxOver: sweep.maxOver, meanOver: sweep.meanOver, overEvals: sweep.overEvals };
}

export function roleOf(path: string, r: ReduceOptions): AxisRole {
  return r.maxOver.includes(path) ? 'max' : r.meanOver.includes(path) ? 'mean' : 'keep';
}

export function withRole(r: ReduceOptions, path: string, role: AxisRole): ReduceOptions {
  const maxOver = r.maxOver.filter((p) => p !== path), meanOver = r.meanOver.filter((p) => p !== path);
  if (role === 'max') maxOver.push(path);
  if (role === 'mean') meanOver.push(path);
  return { maxOver, meanOver, overEvals: r.overEvals };
}

export function withOverEvals(r: ReduceOptions, overEvals: OverEvals): ReduceOptions {
  return { ...r, overEvals };
}

export interface ResolvedAxes {
  x: SweepAxis | null;
  y: SweepAxis | null;
  /** Remaining axes beyond x and y, each shown at one value. */
  slices: { axis: SweepAxis; index: number }[];
}

/** Place the remaining axes (those the diagram keeps) on x, y and slices; invalid or missing choices fall back to
 *  the paper's layout (x = γ, y = depth) or the next axis. */
export function resolveAxes(remaining: SweepAxis[], view: ViewState): ResolvedAxes {
  const paths = remaining.map((a) => a.path);
  const pick = (want: string | null, fallback: string, avoid: string | undefined) => {
    const pool = paths.filter((p) => p !== avoid);
    return want && pool.includes(want) ? want : pool.includes(fallback) ? fallback : pool[0];
  };
  const x = pick(view.x, 'model.gamma', undefined);
  const y = x === undefined ? undefined : pick(view.y, 'model.layers', x);
  const find = (p: string | undefined) => remaining.find((a) => a.path === p) ?? null;
  const slices = remaining.filter((a) => a.path !== x && a.path !== y)
    .map((axis) => ({ axis, index: Math.max(0, Math.min(axis.values.length - 1, view.slice[axis.path] ?? 0)) }));
  return { x: find(x), y: find(y), slices };
}
