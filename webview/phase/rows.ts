// One row per sweep point with its per-run values under the chosen overEvals: the table, the parallel
// coordinates and the CSV/JSON exports all read these.
import type { SolutionLabel } from '../../src/core/config';
import { perRun } from '../../src/core/sweepReduce';
import type { PhasePoint } from '../../src/protocol/phase';
import { pointLabel, type OverEvals, type PointState } from '../../src/protocol/sweepFiles';

export interface Row {
  index: number;
  values: Record<string, unknown>;
  label: string;
  state: PointState;
  runId: string;
  inferential: number | null;
  symmetric: number | null;
  seen: number | null;
  solution: SolutionLabel | null;
  evals: number;
  progress: number;
  durationSec: number | null;
  error: string | null;
}

export function rowOf(p: PhasePoint, overEvals: OverEvals): Row {
  const r = perRun(p.evals, overEvals);
  return {
    index: p.index, values: p.values, label: pointLabel(p.values), state: p.state, runId: p.runId,
    inferential: r?.inferential ?? null, symmetric: r?.symmetric ?? null, seen: r?.seen ?? null,
    solution: p.solution, evals: p.evals.length, progress: p.progress, durationSec: p.durationSec, error: p.error,
  };
}
