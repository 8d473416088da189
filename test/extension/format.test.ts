import * as assert from 'node:assert/strict';
import { fmtDuration, lensSpecs, resultLensTitle } from '../../src/extension/format';
import { differingFields, legendLabel } from '../../src/extension/compare';
import type { TrackedRun } from '../../src/extension/runTracker';
import type { MetricsLine, Summary } from '../../src/protocol/runFiles';

function metrics(o: Partial<MetricsLine> & { inf?: number; sym?: number }): MetricsLine {
  const inf = o.inf ?? 0, sym = o.sym ?? 0;
  return {
    step: 100, epoch: 1, lr: 1e-3, loss: 0.5, trainAcc: 0.9, seenTestAcc: 0.99, perPair: {}, elapsedSec: 10, solution: 'learning',
    unseen: { pair: [4, 3], n: 100, inferential: inf, symmetric: sym, other: 1 - inf - sym, deviations: {} }, unseenAll: [], ...o,
  };
}
function run(id: string, state: TrackedRun['state'], m: MetricsLine[] = [], summary: Partial<Summary> | null = null): TrackedRun {
  return {
    id, dir: `/runs/${id}`, state, config: null, process: null, metrics: m, attentionSteps: [], experimentFile: '/w/a.experiment.json', logTail: null, error: null, version: 1, firstSeen: 0,
    progress: { step: 50, totalSteps: 200, epoch: 1, epochs: 4, runningLoss: 1, lr: 1e-3, stepsPerSec: 10, etaSec: 15, elapsedSec: 5, updatedAt: '' },
    summary: summary ? { runId: id, status: 'completed', error: null, backend: 'wasm', steps: 200, epochs: 4, durationSec: 192, final: m[m.length - 1] ?? null, best: null, solution: null, stoppedEarly: null, ...summary } as Summary : null,
  };
}

describe('lens and label text', () => {
  it('formats durations like 3m12s', () => {
    assert.equal(fmtDuration(192), '3m12s');
    assert.equal(fmtDuration(7), '7s');
    assert.equal(fmtDuration(3725), '1h02m');
    assert.equal(fmtDuration(null), '—');
  });
  it('shows the result of the last run: solution share, seen accuracy, duration, run count', () => {
    const done = run('b', 'completed', [metrics({ solution: 'symmetric', sym: 1, seenTestAcc: 0.99 })], { solution: 'symmetric', durationSec: 192 });
    assert.equal(resultLensTitle([run('a', 'completed'), run('a2', 'failed'), run('a3', 'cancelled'), done]), 'last: symmetric 100% · seen 99% · 3m12s · 4 runs');
  });
  it('describes running, lost and failed runs', () => {
    assert.equal(resultLensTitle([run('r', 'running', [metrics({ solution: 'inferential', inf: 0.42, seenTestAcc: 0.5 })])]), 'running 25% · inferential 42% · seen 50% · 5s · 1 run');
    assert.equal(resultLensTitle([run('r', 'lost')]), 'last: failed (process lost) · 5s · 1 run');
    assert.equal(resultLensTitle([run('r', 'failed', [], { status: 'failed', error: 'out of memory\nstack' })]), 'last: failed (out of memory) · 3m12s · 1 run');
    assert.equal(resultLensTitle([]), null);
  });
  it('offers Run and Dashboard always, Stop only while a run is active, and a result lens once runs exist', () => {
    assert.deepEqual(lensSpecs([]).map((l) => l.title), ['▶ Run', 'Dashboard']);
    const active = lensSpecs([run('a', 'completed'), run('b', 'running')]).map((l) => l.command);
    assert.deepEqual(active, ['anchorLab.run', 'anchorLab.openDashboard', 'anchorLab.stopFile', 'anchorLab.openDashboard']);
    const idle = lensSpecs([run('a', 'completed'), run('b', 'cancelled')]).map((l) => l.title);
    assert.equal(idle.length, 3);
    assert.ok(!idle.includes('■ Stop'));
    assert.ok(idle[2].startsWith('last: cancelled'));
  });
  it('labels comparisons by the config fields that differ', () => {
    const base = { name: 'x', model: { gamma: 0.5, layers: 2 }, train: { seed: 1 } };
    const fields = differingFields([base, { ...base, name: 'y', model: { gamma: 1.0, layers: 2 } }]);
    assert.deepEqual(fields, ['model.gamma']);
    assert.equal(legendLabel({ model: { gamma: 0.6 } }, fields, 'id'), 'γ=0.6');
    assert.deepEqual(differingFields([base, { ...base, train: { seed: 2 } }, { ...base, model: { gamma: 0.8, layers: 2 } }]), ['model.gamma', 'train.seed']);
    assert.deepEqual(differingFields([base, base]), []);
    assert.equal(legendLabel(base, [], 'run-1'), 'run-1');
  });
});
