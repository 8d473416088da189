import { strict as assert } from 'node:assert';
import { defaultConfig } from '../../src/core/config';
import { Rng } from '../../src/core/rng';
import { allPairs, generateGroup, generateTaskData, inferentialShift, keyCandidates, symmetricShift, trainedShift } from '../../src/core/task';

describe('task generator (spec §1)', () => {
  const task = defaultConfig().task;

  it('trains the whole 4×4 table of shifts, with (3,4) overridden to −6 and (4,3) unseen', () => {
    const expected: Record<string, number> = {
      '1,1': 10, '1,2': 6, '1,3': 3, '1,4': -3, '2,1': 6, '2,2': 2, '2,3': -1, '2,4': -7,
      '3,1': 3, '3,2': -1, '3,3': -4, '3,4': -6, '4,1': -3, '4,2': -7, '4,4': -16,
    };
    for (const p of allPairs(task)) {
      const k = p.join(',');
      if (k === '4,3') continue;
      assert.equal(trainedShift(task, p), expected[k], `pair ${k}`);
    }
    assert.equal(inferentialShift(task, [4, 3]), -10);
    assert.equal(symmetricShift(task, [4, 3]), -6);
    assert.equal(inferentialShift(task, [3, 4]), -10);
  });

  it('lays out key, then the anchor pair, with noise in range elsewhere, and the right target', () => {
    const g = generateGroup(task, [2, 4], 'xel', 500, new Rng(3));
    const T = task.seqLen;
    const positions = new Set<number>();
    for (let i = 0; i < g.n; i++) {
      const row = Array.from(g.tokens.subarray(i * T, i * T + T));
      const pos = g.keyPos[i];
      positions.add(pos);
      assert.ok(pos >= 0 && pos <= T - 3);
      assert.equal(row[pos], g.keys[i]);
      assert.equal(row[pos + 1], 2);
      assert.equal(row[pos + 2], 4);
      assert.equal(g.targets[i], g.keys[i] + 1 - 8);
      row.forEach((t, j) => { if (j !== pos + 1 && j !== pos + 2) assert.ok(t >= 20 && t <= 99, `token ${t}`); });
    }
    assert.deepEqual([...positions].sort(), [0, 1, 2, 3, 4, 5, 6], 'every key position 0..6 occurs');
  });

  it('splits train/test keys by x mod 9 vs key position (as-run), with 71–72 and 8–9 candidates', () => {
    const train = keyCandidates(task, 'xel'), test = keyCandidates(task, 'xm0');
    assert.deepEqual(test[0], [27, 36, 45, 54, 63, 72, 81, 90, 99]);
    assert.deepEqual(test[2], [20, 29, 38, 47, 56, 65, 74, 83, 92]);
    for (let p = 0; p < 7; p++) {
      assert.ok(train[p].length === 71 || train[p].length === 72, `train candidates at ${p}: ${train[p].length}`);
      assert.ok(test[p].length === 8 || test[p].length === 9);
      assert.equal(train[p].length + test[p].length, 80);
      for (const x of train[p]) assert.notEqual(x % 9, p);
      for (const x of test[p]) assert.equal(x % 9, p);
    }
    const xm0 = generateGroup(task, [1, 2], 'xm0', 300, new Rng(1));
    for (let i = 0; i < xm0.n; i++) assert.equal(xm0.keys[i] % 9, xm0.keyPos[i]);
    const paper = keyCandidates({ ...task, splitModulus: 7 }, 'xm0');
    for (let p = 0; p < 7; p++) for (const x of paper[p]) assert.equal(x % 7, p);
  });

  it('builds 15 seen groups for training, the unseen pair for evaluation, deterministic per seed', () => {
    const t = { ...task, trainPerPair: 90, testPerPair: 10 };
    const a = generateTaskData(t, new Rng(7), new Rng(70)), b = generateTaskData(t, new Rng(7), new Rng(70)), c = generateTaskData(t, new Rng(8), new Rng(80));
    const d = generateTaskData({ ...t, testPerPair: 33 }, new Rng(7), new Rng(70));
    assert.deepEqual(d.train.tokens, a.train.tokens, 'the test-set size does not change the training data');
    assert.equal(a.train.n, 15 * 90);
    assert.equal(a.seenTest.length, 15);
    a.seenTest.forEach((g) => assert.equal(g.n, 10));
    assert.deepEqual(a.unseen.map((g) => g.pair), [[4, 3]]);
    assert.equal(a.unseen[0].n, 90);
    assert.deepEqual(a.train.tokens, b.train.tokens);
    assert.notDeepEqual(a.train.tokens, c.train.tokens);
    for (let i = 0; i < a.train.n; i++) {
      const row = a.train.tokens.subarray(i * 9, i * 9 + 9), p = a.train.keyPos[i];
      assert.ok(!(row[p + 1] === 4 && row[p + 2] === 3), 'no (4,3) in training');
      assert.notEqual(a.train.keys[i] % 9, p, 'training keys are xel');
    }
  });

  it('App E variant: both (3,4) and (4,3) unseen leaves 14 trained pairs', () => {
    const t = { ...task, trainPerPair: 20, testPerPair: 5, unseenPairs: [[4, 3], [3, 4]] as [number, number][] };
    const d = generateTaskData(t, new Rng(1), new Rng(2));
    assert.equal(d.train.n, 14 * 20);
    assert.deepEqual(d.unseen.map((g) => g.pair), [[4, 3], [3, 4]]);
    assert.equal(symmetricShift(t, [4, 3]), -6, 'the override still defines the symmetric readout');
  });
});
