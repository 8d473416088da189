// The extension's sweep tracker and its pure helpers: lens specs, ETA, phase-panel messages, and a real sweep
// controller started the way the ⇶ Sweep lens starts it (create the sweep, then `anchor-lab sweep --sweep-dir`).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseExperiment } from '../../src/core/config';
import { cancelSweep, createSweep, readController, readSweep } from '../../src/core/sweepStore';
import { controllerArgs, concurrencyFor, createNewSweep, launchController, planSweep, resumeSource } from '../../src/extension/sweepLauncher';
import { canResume, sweepsDirOf, SweepTracker, type TrackedSweep } from '../../src/extension/sweeps';
import { changedPoints, decodePngDataUrl, estimateEta, exportFileName, fileSweepInfo, parsePhaseMessage, phaseInfo, sweepDescription, sweepLensSpecs, sweepStatusText } from '../../src/extension/sweepView';
import type { MetricsLine } from '../../src/protocol/runFiles';
import { CLI, sleep, tempWorkspace, tinyConfig } from './helpers';

const sweepText = (extra: Record<string, unknown> = {}, epochs = 2) => tinyConfig(epochs, { sweep: { 'model.gamma': [0.5, 1.0], 'model.layers': [1, 2] }, ...extra });

function metricsLine(step: number, inf: number): MetricsLine {
  return {
    step, epoch: step / 10, lr: 1e-3, loss: 1, trainAcc: 0.5, seenTestAcc: 0.5, perPair: {}, elapsedSec: 1, solution: 'learning',
    unseen: { pair: [4, 3], n: 10, inferential: inf, symmetric: 0.1, other: 0.9 - inf, deviations: {} }, unseenAll: [],
  };
}

/** Fake a point's run directory in a given state (no runner process: pid = this test process for "running"). */
function fakeRun(dir: string, state: 'running' | 'completed' | 'cancelled', evals: number, pid = process.pid): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'process.json'), JSON.stringify({ pid, hostname: os.hostname(), startedAt: new Date().toISOString(), argv: [], node: process.version }));
  fs.writeFileSync(path.join(dir, 'progress.json'), JSON.stringify({ step: state === 'completed' ? 40 : 20, totalSteps: 40, epoch: 1, epochs: 2, runningLoss: 1, lr: 1e-3, stepsPerSec: 10, etaSec: 2, elapsedSec: 4, updatedAt: '' }));
  fs.writeFileSync(path.join(dir, 'metrics.jsonl'), Array.from({ length: evals }, (_, i) => JSON.stringify(metricsLine(i * 10, 0.1 * i)) + '\n').join(''));
  if (state !== 'running') fs.writeFileSync(path.join(dir, 'summary.json'), JSON.stringify({ runId: path.basename(dir), status: state, error: null, backend: 'wasm', steps: 40, epochs: 2, durationSec: 8, final: null, best: null, solution: null, stoppedEarly: null }));
}

describe('sweeps in the extension: pure helpers', () => {
  it('finds the grid of a file, or why it cannot be swept', () => {
    assert.deepEqual(fileSweepInfo(tinyConfig(2)), { hasSweep: false, points: null, error: null });
    assert.deepEqual(fileSweepInfo(sweepText()), { hasSweep: true, points: 4, error: null });
    const bad = fileSweepInfo(tinyConfig(2, { sweep: { 'model.gamma': [0.5, 'x'] } }));
    assert.equal(bad.hasSweep, true);
    assert.equal(bad.points, null);
    assert.match(bad.error!, /not a valid model\.gamma/);
    const broken = fileSweepInfo(sweepText().replace('"epochs": 2', '"epochs": "two"'));
    assert.equal(broken.points, null);
    assert.ok(broken.error);
    assert.equal(fileSweepInfo('{ "name": "x", "sweep": {} }').hasSweep, false);
  });

  it('puts ⇶ Sweep (N runs) above a sweep file, a disabled one when it has errors, and phase / cancel / progress for its sweeps', () => {
    assert.deepEqual(sweepLensSpecs({ hasSweep: false, points: null, error: null }, []), []);
    assert.deepEqual(sweepLensSpecs({ hasSweep: true, points: 4, error: null }, []).map((l) => [l.title, l.command]), [['⇶ Sweep (4 runs)', 'anchorLab.sweep']]);
    const dis = sweepLensSpecs({ hasSweep: true, points: null, error: 'line 3: bad' }, []);
    assert.equal(dis[0].command, '');
    const counts = { pending: 7, running: 2, completed: 3, failed: 0, cancelled: 0, lost: 0 };
    const active = { id: 's1', active: true, phase: 'running', etaSec: 840, status: { counts, total: 12, finished: 3, progress: 4, results: [] } } as unknown as TrackedSweep;
    assert.deepEqual(sweepLensSpecs({ hasSweep: true, points: 12, error: null }, [active]).map((l) => `${l.title}|${l.command}|${l.arg}`),
      ['⇶ Sweep (12 runs)|anchorLab.sweep|file', 'Phase diagram|anchorLab.openPhaseDiagram|s1', '■ Cancel sweep|anchorLab.cancelSweep|s1', '3/12 · ETA 14m|anchorLab.openPhaseDiagram|s1']);
    assert.equal(sweepDescription(active), '3/12 · ETA 14m');
    assert.equal(sweepStatusText([active]), '$(beaker) ⇶ 3/12 · 14m');
    const done = { ...active, active: false, phase: 'completed', etaSec: null, status: { ...active.status, counts: { ...counts, pending: 0, running: 0, completed: 12 } } } as unknown as TrackedSweep;
    assert.equal(sweepDescription(done), '12/12 · completed');
    assert.equal(sweepStatusText([]), null);
    assert.deepEqual(sweepLensSpecs({ hasSweep: true, points: 12, error: null }, [done]).map((l) => l.title), ['⇶ Sweep (12 runs)', 'Phase diagram']);
  });

  it('estimates the ETA from the progress rate, else from finished points, else not at all', () => {
    assert.equal(estimateEta({ total: 4, finished: 0, completed: 0, progress: 0, p0: 0, elapsedSec: 10, durations: [], concurrency: 2 }), null);
    // 1 of 4 points' work done in 10 s → 3 left at 0.1/s = 30 s.
    assert.equal(Math.round(estimateEta({ total: 4, finished: 0, completed: 0, progress: 1, p0: 0, elapsedSec: 10, durations: [], concurrency: 2 })!), 30);
    // No rate yet (just re-attached): 2 remaining points of 8 s, 2 at a time.
    assert.equal(estimateEta({ total: 4, finished: 2, completed: 2, progress: 2, p0: 2, elapsedSec: 1, durations: [8, 8], concurrency: 2 }), 8);
    assert.equal(estimateEta({ total: 4, finished: 4, completed: 4, progress: 4, p0: 0, elapsedSec: 10, durations: [], concurrency: 2 }), 0);
  });

  it('validates the phase webview\'s messages and its exports', () => {
    assert.deepEqual(parsePhaseMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parsePhaseMessage({ type: 'openRun', runId: 'r1' }), { type: 'openRun', runId: 'r1' });
    assert.equal(parsePhaseMessage({ type: 'openRun' }), null);
    assert.deepEqual(parsePhaseMessage({ type: 'openRuns', runIds: ['a', 'b'], title: 'γ=1' }), { type: 'openRuns', runIds: ['a', 'b'], title: 'γ=1' });
    assert.equal(parsePhaseMessage({ type: 'openRuns', runIds: [1] }), null);
    assert.equal(parsePhaseMessage({ type: 'export', format: 'exe', data: '' }), null);
    assert.equal(parsePhaseMessage({ type: 'nope' }), null);
    assert.equal(exportFileName('../../etc/passwd', 'csv'), 'passwd.csv');
    assert.equal(exportFileName('sweep-phase.svg', 'svg'), 'sweep-phase.svg');
    assert.equal(exportFileName('', 'png', 'x'), 'x.png');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    assert.deepEqual(decodePngDataUrl(`data:image/png;base64,${png.toString('base64')}`), png);
    assert.throws(() => decodePngDataUrl('data:text/html;base64,AAAA'));
    assert.throws(() => decodePngDataUrl(`data:image/png;base64,${Buffer.from('not a png').toString('base64')}`));
  });

  it('plans the controller command: the file\'s maxConcurrent wins over the setting, the executor setting overrides the file', () => {
    assert.equal(concurrencyFor(2, 8), undefined);
    assert.equal(concurrencyFor(null, 8), 8);
    assert.equal(concurrencyFor(null, 0), undefined);
    const p = planSweep(sweepText({ sweepOptions: { maxConcurrent: 3 } }), 'file', 8);
    assert.equal(p.concurrency, undefined);
    assert.equal(p.executor, 'local');
    assert.equal(p.executorFlag, undefined);
    const q = planSweep(sweepText(), 'slurm', 8);
    assert.equal(q.concurrency, 8);
    assert.equal(q.executorFlag, 'slurm');
    assert.deepEqual(controllerArgs({ cli: 'cli.js', file: 'f', sweepDir: 'd', runsDir: 'r', cwd: '.', concurrency: 8, executor: 'slurm', backend: 'webgpu', sets: ['a=1'] }),
      ['cli.js', 'sweep', 'f', '--no-progress', '--sweep-dir', 'd', '--out', 'r', '--concurrency', '8', '--executor', 'slurm', '--set', 'a=1']);
    assert.equal(sweepsDirOf('/w/.anchor-lab/runs'), path.join('/w/.anchor-lab', 'sweeps'));
  });
});

describe('sweep tracker (sweep directories on disk)', function () {
  this.timeout(120_000);
  const ws = tempWorkspace('anchor-lab-sweeps-');
  const sweepsDir = path.join(ws.root, '.anchor-lab', 'sweeps');
  const trackers: SweepTracker[] = [];
  const track = (squeue = false) => { const t = new SweepTracker({ sweepsDir, fastMs: 100, slowMs: 200, squeue: () => squeue }); trackers.push(t); t.start(); return t; };
  afterEach(() => { for (const t of trackers.splice(0)) t.dispose(); });
  after(() => ws.cleanup());

  function makeSweep(name: string, extra: Record<string, unknown> = {}) {
    const text = sweepText({ name, ...extra });
    const file = ws.file(`${name}.experiment.json`, text);
    const { config } = parseExperiment(text);
    return { file, ...createSweep({ text, experimentFile: file, config, baseOverrides: {}, sweepsDir, runsDir: ws.runs }) };
  }

  it('follows points from pending to running to finished, with counts, phase-panel points, ETA and the controller', async () => {
    const { file, dir, sweep } = makeSweep('follow');
    const run = (i: number) => path.join(ws.runs, sweep.points[i].runId);
    const t = track();
    const s0 = t.get(sweep.sweepId)!;
    assert.ok(s0, 'found at once');
    assert.equal(s0.phase, 'incomplete');
    assert.equal(s0.active, false);
    assert.deepEqual(s0.status.counts, { pending: 4, running: 0, completed: 0, failed: 0, cancelled: 0, lost: 0 });
    assert.equal(t.forFile(file)[0].id, sweep.sweepId);
    assert.equal(t.ownerOf(sweep.points[2].runId)?.id, sweep.sweepId);
    assert.equal(t.ownerOf('something-else'), undefined);

    fs.writeFileSync(path.join(dir, 'controller.json'), JSON.stringify({ pid: process.pid, hostname: os.hostname(), executor: 'local', concurrency: 2, startedAt: new Date().toISOString(), endedAt: null, outcome: null }));
    fakeRun(run(0), 'completed', 3);
    fakeRun(run(1), 'running', 2);
    const seenVersions: number[] = [];
    t.onChange((ch) => { for (const x of ch) seenVersions.push(x.version); });
    assert.ok(await t.waitFor((x) => x.get(sweep.sweepId)?.status.counts.running === 1, 5000));
    const s1 = t.get(sweep.sweepId)!;
    assert.equal(s1.phase, 'running');
    assert.equal(s1.active, true);
    assert.equal(s1.points.length, 4);
    assert.deepEqual(s1.points.map((p) => p.state), sweep.points.map((_, i) => (i === 0 ? 'completed' : i === 1 ? 'running' : 'pending')));
    assert.equal(s1.points[0].progress, 1);
    assert.equal(s1.points[0].durationSec, 8);
    assert.equal(s1.points[1].progress, 0.5);
    assert.equal(s1.points[1].evals.length, 2);
    assert.equal(s1.points[1].solution, 'learning');
    const info = phaseInfo(s1);
    assert.equal(info.total, 4);
    assert.equal(info.active, true);
    assert.equal(info.pairLabel, '(4,3)');
    // Deltas carry only the points that changed.
    const sent = new Map<number, string>();
    assert.equal(changedPoints(s1.points, sent).length, 4);
    assert.equal(changedPoints(s1.points, sent).length, 0);
    fakeRun(run(1), 'running', 3);
    assert.ok(await t.waitFor((x) => x.get(sweep.sweepId)?.points[1].evals.length === 3, 5000));
    assert.deepEqual(changedPoints(t.get(sweep.sweepId)!.points, sent).map((p) => p.index), [1]);
    assert.ok(seenVersions.length > 0);

    // Cancelled: the controller ended, the running point was cancelled.
    fakeRun(run(1), 'cancelled', 3);
    fs.writeFileSync(path.join(dir, 'controller.json'), JSON.stringify({ pid: process.pid, hostname: os.hostname(), executor: 'local', concurrency: 2, startedAt: new Date().toISOString(), endedAt: new Date().toISOString(), outcome: 'cancelled' }));
    assert.ok(await t.waitFor((x) => x.get(sweep.sweepId)?.phase === 'cancelled', 5000), t.get(sweep.sweepId)?.phase);
    const s2 = t.get(sweep.sweepId)!;
    assert.equal(s2.active, false);
    assert.equal(s2.etaSec, null);
    assert.equal(sweepDescription(s2), '1/4 · cancelled');

    // A "reload": a new tracker finds the same sweep in the same state.
    const again = track();
    assert.equal(again.get(sweep.sweepId)?.phase, 'cancelled');
    assert.deepEqual(again.get(sweep.sweepId)?.status.counts, s2.status.counts);

    // Deleted: gone from the list.
    fs.rmSync(dir, { recursive: true, force: true });
    assert.ok(await t.waitFor((x) => !x.get(sweep.sweepId), 5000));
  });

  it('does not call a submitted Slurm point lost when squeue is not available', async () => {
    const { dir, sweep } = makeSweep('slurmish');
    sweep.submissions.push({ jobId: '123', submittedAt: new Date().toISOString(), points: [0], runIds: [sweep.points[0].runId], script: 'x.sh', sbatchArgs: [] });
    fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(sweep));
    fakeRun(path.join(ws.runs, sweep.points[0].runId), 'running', 1);
    const t = track(false);
    assert.equal(t.get(sweep.sweepId)?.points[0].state, 'running');
    assert.equal(t.get(sweep.sweepId)?.active, true);
  });

  it('resumes from the sweep\'s own copy once the original file no longer defines the same sweep', () => {
    const { file, dir, sweep } = makeSweep('edited');
    assert.equal(resumeSource(dir, sweep).file, file);
    fs.writeFileSync(file, sweepText({ name: 'edited', model: { dModel: 48, dHead: 24, dFF: 96 } }));
    assert.equal(resumeSource(dir, sweep).file, path.join(dir, 'experiment.json'));
  });

  it('starts a real controller on a sweep it created (the ⇶ Sweep lens path) and follows it to completed', async () => {
    assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)');
    const text = tinyConfig(1, { name: 'real', sweep: { 'model.gamma': [0.5, 1.0] }, sweepOptions: { maxConcurrent: 2 } });
    const file = ws.file('real.experiment.json', text);
    const plan = planSweep(text, 'file', 0);
    const { dir, sweep } = createNewSweep({ text, file, plan, sweepsDir, runsDir: ws.runs });
    const t = track();
    const { pid } = launchController({ cli: CLI, file, sweepDir: dir, runsDir: ws.runs, cwd: ws.root, backend: 'wasm' });
    t.noteLaunched(dir, pid);
    const phases: string[] = [];
    t.onChange((ch) => { for (const x of ch) if (phases[phases.length - 1] !== x.phase) phases.push(x.phase); });
    assert.ok(t.get(sweep.sweepId)?.active, 'active (starting) right after the launch');
    const ok = await t.waitFor((x) => x.get(sweep.sweepId)?.phase === 'completed', 100_000);
    assert.ok(ok, `phases ${phases.join(' → ')}; log:\n${fs.readFileSync(path.join(dir, 'controller.log'), 'utf8')}`);
    assert.ok(phases.includes('running'), phases.join(' → '));
    assert.equal(readController(dir)?.outcome, 'completed');
    const s = t.get(sweep.sweepId)!;
    assert.deepEqual(s.points.map((p) => p.state), ['completed', 'completed']);
    assert.ok(s.points.every((p) => p.evals.length === 2), 'step 0 and epoch 1');
    assert.match(fs.readFileSync(path.join(dir, 'controller.log'), 'utf8'), /sweep .* --sweep-dir/);
    await sleep(100);
  });

  it('cancel-all stops a running sweep (cancelled, resumable); resume on the same directory finishes it with a new attempt', async () => {
    const text = tinyConfig(3, { name: 'cancel', sweep: { 'model.gamma': [0.5, 1.0] }, sweepOptions: { maxConcurrent: 1, order: 'grid' } });
    const file = ws.file('cancel.experiment.json', text);
    const { dir, sweep } = createNewSweep({ text, file, plan: planSweep(text, 'file', 0), sweepsDir, runsDir: ws.runs });
    const t = track();
    const launch = () => { const src = resumeSource(dir, readSweep(dir)!); const { pid } = launchController({ cli: CLI, file: src.file, sets: src.sets, sweepDir: dir, runsDir: ws.runs, cwd: ws.root, backend: 'wasm' }); t.noteLaunched(dir, pid); };
    launch();
    assert.ok(await t.waitFor((x) => (x.get(sweep.sweepId)?.points[0].evals.length ?? 0) > 0, 60_000), 'point 0 trains');
    cancelSweep(dir, 'test');
    assert.ok(await t.waitFor((x) => x.get(sweep.sweepId)?.phase === 'cancelled', 60_000), t.get(sweep.sweepId)?.phase);
    const c = t.get(sweep.sweepId)!;
    assert.equal(readController(dir)?.outcome, 'cancelled');
    assert.deepEqual(c.points.map((p) => p.state), ['cancelled', 'pending']);
    assert.ok(canResume(c));
    launch();
    assert.ok(await t.waitFor((x) => x.get(sweep.sweepId)?.phase === 'completed', 100_000), `${t.get(sweep.sweepId)?.phase}: ${fs.readFileSync(path.join(dir, 'controller.log'), 'utf8')}`);
    const after = readSweep(dir)!;
    assert.deepEqual(after.points[0].previousRunIds, [sweep.points[0].runId], 'the cancelled point ran again in a fresh directory');
    assert.equal(t.get(sweep.sweepId)!.points[0].runId, after.points[0].runId);
    assert.equal(t.ownerOf(sweep.points[0].runId)?.id, sweep.sweepId, 'earlier attempts still belong to the sweep');
  });
});
