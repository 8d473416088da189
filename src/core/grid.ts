// The sweep grid: the row-major product of the swept axes. Pure and free of node imports, so the phase-diagram
// webview can reduce a sweep with the same code as the CLI (src/core/sweepReduce.ts).
import type { SweepAxis } from '../protocol/sweepFiles';

/** Hard cap on grid size: above it a sweep is refused (and the editor says so). */
export const MAX_SWEEP_POINTS = 10000;

export function gridSize(axes: SweepAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

export interface GridPoint { index: number; coords: number[]; values: Record<string, unknown> }

/** Row-major product of the axes (the last axis varies fastest). No axes → one point with no values. */
export function expandGrid(axes: SweepAxis[]): GridPoint[] {
  const n = gridSize(axes);
  if (n > MAX_SWEEP_POINTS) throw new Error(`the sweep grid has ${n} points; at most ${MAX_SWEEP_POINTS} are allowed`);
  const out: GridPoint[] = [];
  for (let index = 0; index < n; index++) {
    const coords: number[] = new Array(axes.length);
    let rest = index;
    for (let a = axes.length - 1; a >= 0; a--) { coords[a] = rest % axes[a].values.length; rest = Math.floor(rest / axes[a].values.length); }
    const values: Record<string, unknown> = {};
    axes.forEach((ax, a) => { values[ax.path] = ax.values[coords[a]]; });
    out.push({ index, coords, values });
  }
  return out;
}

