// CSV / JSON exports of the table (every point, with the per-run values under the current overEvals) and of the
// phase-diagram cells (JSON).
import type { ReduceOptions, PhaseDiagram, Stat } from '../../src/core/sweepReduce';
import type { PhaseSweepInfo } from '../../src/protocol/phase';
import type { SweepAxis } from '../../src/protocol/sweepFiles';
import { fmtVal } from './format';
import type { Row } from './rows';

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const num = (v: number | null) => (v === null ? '' : String(v));

/** Accuracies as fractions in [0, 1] (the table shows them in %). */
export function toCsv(rows: Row[], axes: SweepAxis[]): string {
  const header = ['index', ...axes.map((a) => a.path), 'state', 'runId', 'inferential', 'symmetric', 'seen', 'solution', 'evaluations', 'progress', 'durationSec', 'error'];
  const lines = [...rows].sort((a, b) => a.index - b.index).map((r) => [
    String(r.index), ...axes.map((a) => (r.values[a.path] === undefined ? '' : fmtVal(r.values[a.path]))), r.state, r.runId,
    num(r.inferential), num(r.symmetric), num(r.seen), r.solution ?? '', String(r.evals), String(r.progress), num(r.durationSec), r.error ?? '',
  ].map(csvField).join(','));
  return [header.join(','), ...lines].join('\n') + '\n';
}

const statOut = (s: Stat | null) => (s ? { mean: s.mean, std: s.std, n: s.n, values: s.values } : null);

export function toJson(sweep: PhaseSweepInfo, rows: Row[], d: PhaseDiagram, r: ReduceOptions): string {
  return JSON.stringify({
    sweep: { sweepId: sweep.sweepId, name: sweep.name, experimentFile: sweep.experimentFile, pairLabel: sweep.pairLabel, axes: sweep.axes, total: sweep.total, counts: sweep.counts },
    reductions: r,
    points: [...rows].sort((a, b) => a.index - b.index).map((x) => ({
      index: x.index, values: x.values, state: x.state, runId: x.runId, inferential: x.inferential, symmetric: x.symmetric, seen: x.seen,
      solution: x.solution, evaluations: x.evals, progress: x.progress, durationSec: x.durationSec, error: x.error,
    })),
    phaseDiagram: {
      axes: d.axes.map((a) => a.path), maxOver: d.maxOver, meanOver: d.meanOver, overEvals: d.overEvals, done: d.done, total: d.total,
      cells: d.cells.map((c) => ({
        values: c.values, inferential: statOut(c.inferential), symmetric: statOut(c.symmetric), seen: statOut(c.seen),
        shadow: c.shadow, partial: c.partial, nPoints: c.nPoints, nWithData: c.nWithData, solution: c.solution, solutions: c.solutions, runIds: c.runIds,
      })),
    },
  }, null, 2);
}
