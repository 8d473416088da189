// The sweep directory on its own (real files, no processes): creation, point states, attempts, Slurm liveness.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveConfig } from '../../src/core/config';
import { createSweep, findSweeps, pointRunDir, prepareResume, readSweep, sweepStatus } from '../../src/core/sweepStore';
import { SWEEP_FILES } from '../../src/protocol/sweepFiles';
import { TINY, tmpStore } from './helpers';

describe('sweep directory', () => {
  const text = JSON.stringify({ ...TINY, sweep: { 'model.gamma': [0.5, 0.8], 'train.seed': [1, 2, 3] } });
  let store = '', dir = '';
  before(() => {
    store = tmpStore('store');
    const { config } = resolveConfig(JSON.parse(text));
    dir = createSweep({ text, experimentFile: null, config, baseOverrides: {}, sweepsDir: path.join(store, 'sweeps'), runsDir: path.join(store, 'runs') }).dir;
  });

  it('lists every point with its resolved config and run id, next to a verbatim copy of the file', () => {
    const s = readSweep(dir)!;
    assert.equal(s.points.length, 6);
    assert.equal(s.runsDir, path.join('..', '..', 'runs'));
    assert.equal(fs.readFileSync(path.join(dir, SWEEP_FILES.experiment), 'utf8'), text);
    assert.deepEqual(s.points.map((p) => p.runId), [0, 1, 2, 3, 4, 5].map((i) => `${s.sweepId}-p00${i}`));
    assert.equal(s.points[5].config.model.gamma, 0.8);
    assert.equal(s.points[5].config.train.seed, 3);
    assert.deepEqual([...s.runOrder].sort(), [0, 1, 2, 3, 4, 5]);
    assert.equal(pointRunDir(dir, s, s.points[0].runId), path.join(store, 'runs', s.points[0].runId));
    assert.deepEqual(findSweeps(path.join(store, 'sweeps'), s.definitionHash), [dir]);
    assert.equal(sweepStatus(dir, s).counts.pending, 6);
  });

  it('gives unfinished points a fresh attempt and leaves completed and live ones alone', () => {
    const s = readSweep(dir)!;
    const mk = (i: number, files: Record<string, unknown>) => {
      const d = pointRunDir(dir, s, s.points[i].runId);
      fs.mkdirSync(d, { recursive: true });
      for (const [f, v] of Object.entries(files)) fs.writeFileSync(path.join(d, f), JSON.stringify(v));
    };
    const summary = (status: string) => ({ runId: 'x', status, error: null, backend: 'wasm', steps: 0, epochs: 0, durationSec: 1, final: null, best: null, solution: null, stoppedEarly: null });
    mk(0, { 'summary.json': summary('completed') });
    mk(1, { 'summary.json': summary('failed') });
    mk(2, { 'summary.json': summary('cancelled') });
    mk(3, { 'process.json': { pid: 2 ** 22 + 12345, hostname: os.hostname(), startedAt: '', argv: [], node: '' } }); // lost
    mk(4, { 'process.json': { pid: 1, hostname: 'another-node', startedAt: '', argv: [], node: '' } }); // running elsewhere
    assert.deepEqual(sweepStatus(dir, s).counts, { pending: 1, running: 1, completed: 1, failed: 1, cancelled: 1, lost: 1 });
    // Slurm: the task of point 4 has left the queue without a summary → lost; while squeue lists it → running.
    s.submissions.push({ jobId: '1', submittedAt: '', points: [4], runIds: [s.points[4].runId], script: '', sbatchArgs: [] });
    assert.equal(sweepStatus(dir, s, undefined, new Set()).results[4].state, 'lost');
    assert.equal(sweepStatus(dir, s, undefined, new Set([s.points[4].runId])).results[4].state, 'running');
    const { todo } = prepareResume(dir, s, (p) => p.index === 4);
    assert.deepEqual(todo.map((p) => p.index).sort(), [1, 2, 3, 5]);
    const after = readSweep(dir)!;
    assert.deepEqual(after.points.map((p) => p.previousRunIds.length), [0, 1, 1, 1, 0, 0]);
    assert.match(after.points[1].runId, /-p001-a2$/);
  });
});
