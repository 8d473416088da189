import { strict as assert } from 'node:assert';
import { defaultConfig } from '../../src/core/config';
import { settledLabel, solutionLabel, unseenReadout } from '../../src/core/evaluate';
import type { SequenceSet } from '../../src/core/task';

const readout = (inferential: number, symmetric: number) => ({ pair: [4, 3] as [number, number], n: 100, inferential, symmetric, other: 1 - inferential - symmetric, deviations: {} });

describe('evaluation (spec §4.2)', () => {
  it('scores the unseen pair against x−10 (inferential) and x−6 (symmetric), with a deviation histogram', () => {
    const task = defaultConfig().task;
    const keys = [30, 40, 50, 60];
    const set: SequenceSet = { seqLen: 9, n: 4, tokens: new Int32Array(36), targets: new Int32Array(4), keys: Int32Array.from(keys), keyPos: new Int32Array(4) };
    const pred = Int32Array.from([20, 34, 50, 49]); // x−10, x−6, x+0, x−11
    const r = unseenReadout(task, [4, 3], pred, set);
    assert.equal(r.inferential, 0.25);
    assert.equal(r.symmetric, 0.25);
    assert.equal(r.other, 0.5);
    assert.deepEqual(r.deviations, { '-1': 0.25, '0': 0.25, '4': 0.25, '10': 0.25 });
  });

  it('labels learning / memorizing / inferential / symmetric / other', () => {
    assert.equal(solutionLabel(0.85, 0.99, readout(1, 0)), 'learning');
    assert.equal(solutionLabel(0.95, 0.7, readout(1, 0)), 'memorizing');
    assert.equal(solutionLabel(0.95, 0.95, readout(0.5, 0.2)), 'inferential');
    assert.equal(solutionLabel(0.95, 0.95, readout(0.2, 0.6)), 'symmetric');
    assert.equal(solutionLabel(0.95, 0.95, readout(0.4, 0.4)), 'other');
  });

  it('early stop waits for the same label k times, with a clear majority for a solution', () => {
    const t = { earlyStop: 3, earlyStopLabels: ['inferential', 'symmetric'] as ('inferential' | 'symmetric')[], earlyStopMinFraction: 0.9 };
    const m = (solution: 'symmetric' | 'inferential' | 'learning', inf: number, sym: number) => ({ solution, unseen: readout(inf, sym) });
    assert.equal(settledLabel([m('symmetric', 0, 0.95), m('symmetric', 0, 0.97)], t), null, 'fewer than k evaluations');
    assert.equal(settledLabel([m('learning', 0, 0), m('symmetric', 0, 0.95), m('symmetric', 0, 0.97), m('symmetric', 0, 0.99)], t), 'symmetric');
    assert.equal(settledLabel([m('symmetric', 0.15, 0.82), m('symmetric', 0.33, 0.63), m('symmetric', 0.3, 0.65)], t), null, 'drifting at 63%');
    assert.equal(settledLabel([m('inferential', 0.95, 0), m('symmetric', 0, 0.95), m('symmetric', 0, 0.97)], t), null, 'label changed');
    assert.equal(settledLabel([m('learning', 0, 0), m('learning', 0, 0), m('learning', 0, 0)], t), null, 'learning is not a settled label here');
  });
});
