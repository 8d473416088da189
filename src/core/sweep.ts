// Sweep definitions: the grid of an experiment file's `sweep` block, its run order, and the resolved config per point.
// Pure (no file system): the sweep directory lives in sweepStore.ts, the executors in src/runner/.
import { createHash } from 'node:crypto';
import { setPath, type ExperimentConfig } from './config';
import { Rng } from './rng';
import type { SweepAxis, SweepOptions } from '../protocol/sweepFiles';
import { expandGrid, gridSize, MAX_SWEEP_POINTS, type GridPoint } from './grid';

export { expandGrid, gridSize, MAX_SWEEP_POINTS, type GridPoint };

export const DEFAULT_SWEEP_OPTIONS: SweepOptions = {
  order: 'shuffled', maxConcurrent: null, executor: 'local',
  maxOver: ['train.lrMultiplier'], meanOver: ['train.seed'], overEvals: 'max',
  slurm: { partition: null, timeLimit: null, cpusPerTask: 1, extraArgs: [] },
};

/** The sweep options of a resolved config (the schema fills defaults; this also copes with configs built by hand). */
export function sweepOptionsOf(config: ExperimentConfig): SweepOptions {
  const o = ((config as unknown as { sweepOptions?: Partial<SweepOptions> }).sweepOptions ?? {}) as Partial<SweepOptions>;
  return {
    ...DEFAULT_SWEEP_OPTIONS, ...o,
    maxOver: o.maxOver ?? DEFAULT_SWEEP_OPTIONS.maxOver,
    meanOver: o.meanOver ?? DEFAULT_SWEEP_OPTIONS.meanOver,
    slurm: { ...DEFAULT_SWEEP_OPTIONS.slurm, ...(o.slurm ?? {}) },
  };
}

/** Axes in the order the sweep keys are written. */
export function sweepAxes(config: ExperimentConfig): SweepAxis[] {
  return Object.entries(config.sweep ?? {}).map(([path, values]) => ({ path, values: [...values] }));
}

/** Stable JSON (object keys sorted), for hashing. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** What determines the sweep's points: the resolved base config (without sweepOptions, which only say how to run and
 *  reduce) and the axes. Same definition → same hash → same shuffled order, and `--resume` finds the sweep again. */
export function definitionHash(config: ExperimentConfig, axes: SweepAxis[]): string {
  const base = { ...(config as unknown as Record<string, unknown>) };
  delete base.sweep; delete base.sweepOptions; delete base.$schema; delete base.description;
  return createHash('sha256').update(stableJson({ base, axes })).digest('hex').slice(0, 16);
}

/** The resolved config of one point: the base config with the swept values set (a deep copy). */
export function pointConfig(base: ExperimentConfig, values: Record<string, unknown>): ExperimentConfig {
  const c = structuredClone(base) as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(values)) setPath(c, k, structuredClone(v));
  return c as unknown as ExperimentConfig;
}

/** The axes that stay in the phase diagram (not reduced by maxOver / meanOver). */
export function cellAxes(axes: SweepAxis[], opts: Pick<SweepOptions, 'maxOver' | 'meanOver'>): string[] {
  return axes.map((a) => a.path).filter((p) => !opts.maxOver.includes(p) && !opts.meanOver.includes(p));
}

/**
 * Run order of the grid points (indices into expandGrid's output).
 * grid: 0..n−1. shuffled: deterministic from `seedHex` (the definition hash); the points are grouped by phase-diagram
 * cell (the axes not in maxOver/meanOver), cells and the points inside each cell are shuffled, then the cells are
 * visited round-robin — so every cell gets its first point before any cell gets its second, and the early results
 * cover the whole diagram.
 */
export function runOrder(points: GridPoint[], axes: SweepAxis[], opts: Pick<SweepOptions, 'order' | 'maxOver' | 'meanOver'>, seedHex: string): number[] {
  if (opts.order === 'grid') return points.map((p) => p.index);
  const rng = new Rng(parseInt(seedHex.slice(0, 8) || '0', 16) >>> 0);
  const keep = cellAxes(axes, opts).map((p) => axes.findIndex((a) => a.path === p));
  const cells = new Map<string, number[]>();
  for (const p of points) {
    const key = keep.map((a) => p.coords[a]).join(',');
    let list = cells.get(key);
    if (!list) cells.set(key, (list = []));
    list.push(p.index);
  }
  const cellList = [...cells.values()];
  const cellPerm = rng.permutation(cellList.length);
  const queues = Array.from(cellPerm, (ci) => { const l = cellList[ci]; const perm = rng.permutation(l.length); return Array.from(perm, (j) => l[j]); });
  const order: number[] = [];
  for (let round = 0; order.length < points.length; round++) for (const q of queues) if (round < q.length) order.push(q[round]);
  return order;
}
