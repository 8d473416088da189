import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { listRuns, readAttention, readRun, readWeights, requestCancel } from '../../src/core/runStore';
import { paramLayout } from '../../src/core/model';
import { modelShape } from '../../src/core/train';
import type { RunConfigFile } from '../../src/protocol/runFiles';
import { exited, runCliSync, startCli, tinyConfig, tmpDir, waitFor, writeExperiment } from '../helpers';

describe('anchor-lab CLI and runner (real child processes)', function () {
  this.timeout(180_000);

  it('runs a tiny experiment to a complete run directory and prints the result table', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'tiny.experiment.json', tinyConfig());
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs'), '--set', 'train.checkpoints=[2]']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| solution +\| (learning|memorizing|inferential|symmetric|other)/);
    assert.match(r.stdout, /\(4,3\) inferential/);
    const [runDir] = listRuns(path.join(dir, 'runs'));
    const run = readRun(runDir);
    assert.equal(run.state, 'completed');
    const cfg = run.config as RunConfigFile;
    assert.equal(cfg.backend, 'wasm');
    assert.equal(cfg.config.train.checkpoints[0], 2, '--set applied');
    assert.equal(cfg.derived.stepsPerEpoch, Math.floor((15 * 200) / 64));
    assert.equal(run.metrics.length, 5, 'epoch 0 (before training) and after each of 4 epochs');
    assert.deepEqual(run.metrics.map((m) => m.epoch), [0, 1, 2, 3, 4]);
    assert.equal(run.metrics[0].loss, null);
    for (const m of run.metrics.slice(1)) {
      assert.ok(m.loss! > 0 && Number.isFinite(m.loss!));
      assert.equal(Object.keys(m.perPair).length, 15);
      assert.deepEqual(m.unseen.pair, [4, 3]);
      assert.ok(Math.abs(m.unseen.inferential + m.unseen.symmetric + m.unseen.other - 1) < 1e-5);
      assert.ok(Math.abs(Object.values(m.unseen.deviations).reduce((a, b) => a + b, 0) - 1) < 1e-3);
    }
    const s = run.summary!;
    assert.equal(s.status, 'completed');
    assert.equal(s.steps, 4 * cfg.derived.stepsPerEpoch);
    assert.deepEqual(s.final, run.metrics[4]);
    assert.ok(s.best!.trainAcc >= Math.max(...run.metrics.map((m) => m.trainAcc)));
    const att = readAttention(runDir);
    assert.equal(att.length, 5);
    assert.equal(att[0].probes[0].maps.length, 2, 'two layers');
    assert.equal(att[0].probes[0].maps[0][0].length, 81);
    assert.deepEqual(att[0].probes[0].roles.slice(2, 5), ['key', 'anchor', 'anchor']);
    const w = readWeights(path.join(runDir, 'weights'));
    const layout = paramLayout(modelShape(cfg.config));
    assert.equal(w.flat.length, layout.reduce((a, p) => a + p.size, 0));
    assert.deepEqual(w.tensors['l0.Wq'].shape, [32, 16]);
    assert.ok(fs.existsSync(path.join(runDir, 'checkpoints', 'epoch-0002', 'weights.bin')));
  });

  it('learns the seen pairs of a tiny task', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'learn.experiment.json', tinyConfig((c) => {
      c.task.trainPerPair = 300; c.model.dModel = 48; c.model.dHead = 24; c.model.dFF = 96;
      c.train.epochs = 20; c.train.lrMultiplier = 300; c.train.warmupEpochs = 2; c.train.weightDecay = 0.1; c.eval.everyEpochs = 10;
    }));
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs'), '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const run = readRun(listRuns(path.join(dir, 'runs'))[0]);
    const first = run.metrics[1], last = run.metrics[run.metrics.length - 1];
    assert.ok(last.loss! < 0.5 * Math.log(201), `loss ${last.loss}`);
    assert.ok(last.trainAcc > 0.5 && last.trainAcc > first.trainAcc, `train acc ${first.trainAcc} → ${last.trainAcc}`);
    assert.ok(last.seenTestAcc > 0.2, `seen-pair test acc ${last.seenTestAcc}`);
  });

  it('refuses an invalid file before anything runs, with file:line:column errors', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'bad.experiment.json', '{\n  "model": { "gamma": -1 },\n  "train": { "schedule": "linear" }\n}\n');
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:23: error: model.gamma: must be >= 0`));
    assert.match(r.stderr, /:3:26: error: train.schedule: must be one of "warmup-constant-min", "warmup-cosine"/);
    assert.equal(listRuns(path.join(dir, 'runs')).length, 0, 'no run directory');
    const v = runCliSync(['validate', file]);
    assert.equal(v.code, 2);
    assert.match(v.stdout, /bad\.experiment\.json:2:23/);
  });

  it('stops promptly as cancelled when the control file asks, keeping metrics and weights', async () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'long.experiment.json', tinyConfig((c) => { c.train.epochs = 500; }));
    const runDir = path.join(dir, 'runs', 'cancel-me');
    const child = startCli(['run', file, '--run-dir', runDir, '--no-progress']);
    await waitFor(() => readRun(runDir).metrics.length >= 2);
    const t = Date.now();
    requestCancel(runDir, 'test');
    const code = await exited(child);
    assert.ok(Date.now() - t < 5000, `stopped after ${Date.now() - t} ms`);
    assert.equal(code, 130);
    const run = readRun(runDir);
    assert.equal(run.state, 'cancelled');
    assert.equal(run.summary!.status, 'cancelled');
    assert.ok(run.summary!.final, 'the last evaluation is kept');
    assert.ok(fs.existsSync(path.join(runDir, 'weights', 'weights.bin')));
  });

  it('Ctrl-C (SIGINT) cancels cleanly', async () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'long.experiment.json', tinyConfig((c) => { c.train.epochs = 500; }));
    const runDir = path.join(dir, 'runs', 'sigint');
    const child = startCli(['run', file, '--run-dir', runDir, '--no-progress']);
    await waitFor(() => readRun(runDir).metrics.length >= 1);
    child.kill('SIGINT');
    assert.equal(await exited(child), 130);
    assert.equal(readRun(runDir).summary!.status, 'cancelled');
  });

  it('a run killed with SIGKILL leaves a readable metrics.jsonl and reads as lost', async () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'long.experiment.json', tinyConfig((c) => { c.train.epochs = 500; }));
    const runDir = path.join(dir, 'runs', 'killed');
    const child = startCli(['run', file, '--run-dir', runDir, '--no-progress']);
    await waitFor(() => readRun(runDir).metrics.length >= 3);
    child.kill('SIGKILL');
    await exited(child);
    fs.appendFileSync(path.join(runDir, 'metrics.jsonl'), '{"step": 12, "epo'); // a torn last line
    const run = readRun(runDir);
    assert.equal(run.state, 'lost');
    assert.ok(run.metrics.length >= 3);
    assert.equal(run.summary, null);
  });

  it('a crashing run is marked failed with its error and keeps its metrics', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'nan.experiment.json', tinyConfig((c) => { c.train.lr = 1; c.train.lrMultiplier = 100000; c.train.warmupEpochs = 0; c.train.clipNorm = 0; c.model.gamma = 0; }));
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs'), '--no-progress']);
    assert.equal(r.code, 1);
    const run = readRun(listRuns(path.join(dir, 'runs'))[0]);
    assert.equal(run.summary!.status, 'failed');
    assert.match(run.summary!.error!, /loss became/);
    assert.ok(run.metrics.length >= 1);
  });

  it('stops early once the solution label has held (train.earlyStop), and records why', () => {
    const dir = tmpDir();
    // 'learning' is settled here on purpose, so the tiny model stops after 2 evaluations.
    const file = writeExperiment(dir, 'early.experiment.json', tinyConfig((c) => { c.train.epochs = 50; c.train.earlyStop = 2; c.train.earlyStopLabels = ['learning']; }));
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs'), '--no-progress']);
    assert.equal(r.code, 0, r.stderr);
    const s = readRun(listRuns(path.join(dir, 'runs'))[0]).summary!;
    assert.equal(s.status, 'completed');
    assert.equal(s.epochs, 1);
    assert.equal(s.stoppedEarly!.reason, 'solution-held');
  });

  it('never falls back silently: an explicit unavailable backend is a clear error', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 't.experiment.json', tinyConfig());
    const r = runCliSync(['run', file, '--out', path.join(dir, 'runs'), '--backend', 'node']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /backend "node" was asked for but @tensorflow\/tfjs-node does not load/);
  });
});

describe('runner started by a watcher (--run-dir)', function () {
  this.timeout(60_000);
  it('an invalid file still leaves a failed summary with the located error in the named directory', () => {
    const dir = tmpDir();
    const file = writeExperiment(dir, 'bad.experiment.json', '{ "model": { "norm": "sideways" } }');
    const runDir = path.join(dir, 'runs', 'from-editor');
    const r = runCliSync(['run', file, '--run-dir', runDir, '--no-progress']);
    assert.equal(r.code, 2);
    const run = readRun(runDir);
    assert.equal(run.state, 'failed');
    assert.equal(run.summary!.backend, null);
    assert.match(run.summary!.error!, /bad\.experiment\.json:1:22: error: model\.norm: must be one of "post", "pre"/);
    assert.ok(run.process, 'process.json written first');
  });
});
