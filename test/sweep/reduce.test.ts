// The phase-diagram reductions on synthetic results, against values computed by hand.
import * as assert from 'node:assert/strict';
import { reducePhaseDiagram, renderPhaseDiagram, stat, type EvalPoint, type PointResult } from '../../src/core/sweepReduce';
import type { PointState, SweepAxis } from '../../src/protocol/sweepFiles';

const axes: SweepAxis[] = [
  { path: 'model.gamma', values: [0.5, 0.8] },
  { path: 'train.lrMultiplier', values: [10, 20] },
  { path: 'train.seed', values: [1, 2, 3] },
];
const ev = (inf: number[], sym: number[], seen: number[], solution: EvalPoint['solution'] = 'learning'): EvalPoint[] =>
  inf.map((x, i) => ({ inferential: x, symmetric: sym[i], seen: seen[i], solution: i === inf.length - 1 ? solution : 'learning' }));

let idx = 0;
const pt = (gamma: number, lr: number, seed: number, state: PointState, evals: EvalPoint[]): PointResult =>
  ({ index: idx++, values: { 'model.gamma': gamma, 'train.lrMultiplier': lr, 'train.seed': seed }, state, runId: `r-${gamma}-${lr}-${seed}`, evals });

const points: PointResult[] = [
  // γ = 0.5: every seed has data except one failed-before-evaluating point.
  pt(0.5, 10, 1, 'completed', ev([0.1, 0.4, 0.3], [0.5, 0.9, 0.8], [0.8, 0.95, 0.97], 'symmetric')),
  pt(0.5, 20, 1, 'completed', ev([0.2, 0.6, 0.5], [0.7, 0.6, 0.6], [0.9, 0.92, 0.93], 'symmetric')),
  pt(0.5, 10, 2, 'completed', ev([0.2], [0.3], [0.8], 'other')),
  pt(0.5, 20, 2, 'completed', ev([0.0, 0.4], [0.5, 0.1], [0.85, 0.86], 'symmetric')),
  pt(0.5, 10, 3, 'failed', []),
  pt(0.5, 20, 3, 'completed', ev([0.8], [0.0], [1.0], 'inferential')),
  // γ = 0.8: one running, two pending, one lost with evaluations.
  pt(0.8, 10, 1, 'completed', ev([0.9], [0.05], [0.85], 'inferential')),
  pt(0.8, 20, 1, 'running', ev([0.7], [0.1], [0.88])),
  pt(0.8, 10, 2, 'pending', []),
  pt(0.8, 20, 2, 'pending', []),
  pt(0.8, 10, 3, 'completed', ev([0.95], [0.0], [0.8], 'inferential')),
  pt(0.8, 20, 3, 'lost', ev([0.5], [0.2], [0.7])),
];

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} ≠ ${b}`);

describe('phase-diagram reductions', () => {
  const opts = { maxOver: ['train.lrMultiplier'], meanOver: ['train.seed'], overEvals: 'max' as const };

  it('population std (ddof 0), n', () => {
    const s = stat([0.6, 0.4, 0.8])!;
    close(s.mean, 0.6, 'mean'); close(s.std, Math.sqrt(0.08 / 3), 'std'); assert.equal(s.n, 3);
    assert.equal(stat([]), null);
  });

  it('max over evaluations, max over LR per metric, mean ± std over seeds, shadow below 90%', () => {
    const d = reducePhaseDiagram(axes, points, opts);
    assert.deepEqual(d.axes.map((a) => a.path), ['model.gamma']);
    assert.equal(d.cells.length, 2);
    assert.equal(d.total, 12);
    assert.equal(d.done, 9);
    const [a, b] = d.cells;
    // γ=0.5 — seed 1: inf max(0.4, 0.6) = 0.6, sym max(0.9, 0.7) = 0.9 (another LR wins), seen max(0.97, 0.93) = 0.97;
    // seed 2: (0.4, 0.5, 0.86); seed 3: (0.8, 0.0, 1.0).
    assert.deepEqual(a.values, { 'model.gamma': 0.5 });
    assert.equal(a.inferential!.n, 3);
    close(a.inferential!.mean, 0.6, 'inf mean'); close(a.inferential!.std, 0.163299316, 'inf std');
    close(a.symmetric!.mean, 1.4 / 3, 'sym mean'); close(a.symmetric!.std, 0.368178701, 'sym std');
    close(a.seen!.mean, 2.83 / 3, 'seen mean');
    assert.equal(a.shadow, false);
    assert.equal(a.partial, false);
    assert.equal(a.nPoints, 6);
    assert.equal(a.nWithData, 5);
    assert.deepEqual(a.solutions, { symmetric: 3, other: 1, inferential: 1 });
    assert.equal(a.solution, 'symmetric');
    assert.equal(a.runIds.length, 6);
    // γ=0.8 — seed 1: (max(0.9, 0.7), max(0.05, 0.1), max(0.85, 0.88)) = (0.9, 0.1, 0.88); seed 2: no data;
    // seed 3: (0.95, 0.2, 0.8). n = 2; seen mean 0.84 < 0.9 → shadow; running/pending → partial.
    assert.equal(b.inferential!.n, 2);
    close(b.inferential!.mean, 0.925, 'inf mean'); close(b.inferential!.std, 0.025, 'inf std');
    close(b.symmetric!.mean, 0.15, 'sym mean'); close(b.symmetric!.std, 0.05, 'sym std');
    close(b.seen!.mean, 0.84, 'seen mean'); close(b.seen!.std, 0.04, 'seen std');
    assert.equal(b.shadow, true);
    assert.equal(b.partial, true);
    assert.equal(b.solution, 'inferential');
  });

  it('final evaluation instead of the max', () => {
    const d = reducePhaseDiagram(axes, points, { ...opts, overEvals: 'final' });
    const a = d.cells[0];
    // seed 1: inf max(0.3, 0.5) = 0.5, sym max(0.8, 0.6) = 0.8; seed 2: inf max(0.2, 0.4) = 0.4, sym max(0.3, 0.1) = 0.3; seed 3: (0.8, 0).
    close(a.inferential!.mean, 1.7 / 3, 'inf mean');
    close(a.symmetric!.mean, 1.1 / 3, 'sym mean');
    close(a.seen!.mean, 2.83 / 3, 'seen');
  });

  it('without maxOver the LR stays an axis; without meanOver n = 1 and std = 0', () => {
    const d = reducePhaseDiagram(axes, points, { maxOver: [], meanOver: [], overEvals: 'max' });
    assert.deepEqual(d.axes.map((a) => a.path), ['model.gamma', 'train.lrMultiplier', 'train.seed']);
    assert.equal(d.cells.length, 12);
    const c = d.cells.find((x) => x.values['model.gamma'] === 0.5 && x.values['train.lrMultiplier'] === 20 && x.values['train.seed'] === 1)!;
    assert.deepEqual([c.inferential!.mean, c.symmetric!.mean, c.seen!.mean, c.inferential!.n, c.inferential!.std], [0.6, 0.7, 0.93, 1, 0]);
    // Axes named in the options but not swept are ignored.
    const d2 = reducePhaseDiagram(axes, points, { maxOver: ['model.layers', 'train.lrMultiplier'], meanOver: ['train.seed', 'train.weightDecay'], overEvals: 'max' });
    assert.deepEqual(d2.maxOver, ['train.lrMultiplier']);
    assert.deepEqual(d2.meanOver, ['train.seed']);
  });

  it('renders a text table with mean ± std and n, shadow and partial marks', () => {
    const d = reducePhaseDiagram(axes, points, opts);
    const t = renderPhaseDiagram(d);
    assert.match(t, /9\/12 points done · max over train\.lrMultiplier · mean ± std over train\.seed \(n\) · max over evaluations/);
    assert.match(t, /\(4,3\) inferential accuracy \(%\)\n\s*γ\s+0\.5\s+0\.8\n[- ]+\n%\s+60\.0±16\.3 n3\s+92\.5±2\.5 n2░…/);
    assert.match(t, /\(4,3\) symmetric accuracy \(%\)\n\s*γ\s+0\.5\s+0\.8\n[- ]+\n%\s+46\.7±36\.8 n3\s+15\.0±5\.0 n2░…/);
    // γ × depth: rows are layers, columns γ; a cell with no data shows ·
    const ax2: SweepAxis[] = [{ path: 'model.gamma', values: [0.5, 0.8] }, { path: 'model.layers', values: [2, 3] }];
    const pts: PointResult[] = [
      { index: 0, values: { 'model.gamma': 0.5, 'model.layers': 2 }, state: 'completed', evals: ev([0.1], [0.95], [0.99]) },
      { index: 1, values: { 'model.gamma': 0.5, 'model.layers': 3 }, state: 'completed', evals: ev([0.2], [0.9], [0.99]) },
      { index: 2, values: { 'model.gamma': 0.8, 'model.layers': 2 }, state: 'completed', evals: ev([0.97], [0.01], [0.98]) },
      { index: 3, values: { 'model.gamma': 0.8, 'model.layers': 3 }, state: 'pending', evals: [] },
    ];
    const t2 = renderPhaseDiagram(reducePhaseDiagram(ax2, pts, opts));
    assert.match(t2, /L \\ γ\s+0\.5\s+0\.8\n[- ]+\n2\s+10\.0\s+97\.0\n3\s+20\.0\s+…/);
    const t3 = renderPhaseDiagram(d, { metrics: ['seen', 'solution'] });
    assert.match(t3, /seen-pair test accuracy \(%\)\n\s*γ\s+0\.5\s+0\.8\n[- ]+\n%\s+94\.3±6\.0 n3\s+84\.0±4\.0 n2░…/);
    assert.match(t3, /solution label \(most frequent, count\/n\)\n\s*γ\s+0\.5\s+0\.8\n[- ]+\n%\s+symmetric 3\/5\s+inferential 2\/4░…/);
    assert.doesNotMatch(t3, /inferential accuracy/);
  });
});
