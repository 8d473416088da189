// The local executor with real runner processes and real files: the concurrency limit, cancel-all, lost points, resume.
import * as assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, listRuns, readRun } from '../../src/core/runStore';
import { cancelSweep, pointRunDir, pointStateOf, readController, readSweep } from '../../src/core/sweepStore';
import { SWEEP_FILES } from '../../src/protocol/sweepFiles';
import { ensureBuilt, onlySweep, runCli, sharedLocalSweep, startCli, TINY, tmpStore, waitFor, writeExperiment } from './helpers';

/** Live runner processes right now: pids from the points' process.json files that are alive, and the CLI's child processes. */
function liveRunners(runsDir: string, cliPid: number | undefined): { byFiles: number; byPs: number; pids: number[] } {
  const pids: number[] = [];
  for (const dir of listRuns(runsDir)) {
    try {
      const p = JSON.parse(fs.readFileSync(path.join(dir, 'process.json'), 'utf8')) as { pid: number };
      if (isProcessAlive(p.pid)) pids.push(p.pid);
    } catch { /* not started yet */ }
  }
  let byPs = 0;
  if (cliPid) {
    // Only runner children.
    try { byPs = execFileSync('ps', ['-o', 'args=', '--ppid', String(cliPid)], { encoding: 'utf8' }).split('\n').filter((l) => / run .*--run-dir /.test(l)).length; } catch { byPs = 0; }
  }
  return { byFiles: pids.length, byPs, pids };
}

describe('local sweeps (real runner processes)', function () {
  this.timeout(180000);
  const started: ChildProcess[] = [];
  before(ensureBuilt);
  after(() => { for (const c of started) if (c.exitCode === null && c.pid) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } } });

  it('runs every point as an ordinary run, never more than N runner processes at once, and prints the phase diagram', async () => {
    let maxFiles = 0, maxPs = 0, samples = 0;
    let timer: NodeJS.Timeout | null = null;
    const { result, dir, file } = await sharedLocalSweep((child, store) => {
      started.push(child);
      timer = setInterval(() => {
        const s = liveRunners(path.join(store, 'runs'), child.pid);
        maxFiles = Math.max(maxFiles, s.byFiles); maxPs = Math.max(maxPs, s.byPs); samples++;
      }, 50);
    });
    if (timer) clearInterval(timer);
    assert.equal(result.code, 0, result.stderr);
    if (samples) {
      assert.ok(samples > 20, `sampled ${samples} times`);
      assert.ok(maxFiles <= 2, `at most 2 live runners by process.json, saw ${maxFiles}`);
      assert.ok(maxPs <= 2, `at most 2 child processes, saw ${maxPs}`);
      assert.equal(maxFiles, 2, 'the limit was reached (both slots used)');
      assert.equal(maxPs, 2);
    }
    const sweep = readSweep(dir)!;
    assert.equal(sweep.points.length, 4);
    assert.equal(sweep.experimentFile, path.resolve(file));
    assert.ok(fs.existsSync(path.join(dir, SWEEP_FILES.experiment)));
    for (const p of sweep.points) {
      const run = readRun(pointRunDir(dir, sweep, p.runId));
      assert.equal(run.state, 'completed', p.runId);
      assert.equal(path.dirname(run.dir), path.join(path.dirname(path.dirname(dir)), 'runs'), 'points live in the ordinary runs directory');
      assert.deepEqual(run.config!.config.model.gamma, p.values['model.gamma']);
      assert.deepEqual(run.config!.config.train.seed, p.values['train.seed']);
      assert.deepEqual(run.config!.config, p.config, 'the run trained exactly the resolved config listed in sweep.json');
    }
    assert.equal(readController(dir)!.outcome, 'completed');
    assert.match(result.stdout, /Phase diagram \(4,3\) · 4\/4 points done · mean ± std over train\.seed \(n\) · max over evaluations/);
    assert.match(result.stdout, /\(4,3\) inferential accuracy \(%\)\n\s*γ\s+0\.5\s+0\.8\n/);
    assert.match(result.stdout, /n2/);
    assert.match(result.stderr, /sweep completed: 4\/4 completed/);
  });

  it('cancel-all stops every runner; a killed runner reads as lost; resume restarts only the unfinished points', async () => {
    const store = tmpStore('cancel');
    const runsDir = path.join(store, 'runs');
    // Grid order: two short points (1 epoch) run first, then two long ones (6 epochs).
    const file = writeExperiment(store, 'cancel', { sweep: { 'train.epochs': [1, 6], 'train.seed': [1, 2] }, sweepOptions: { order: 'grid' } });
    const args = ['sweep', file, '--out', runsDir, '--concurrency', '2'];
    const { child, done } = startCli(args, store);
    started.push(child);
    const { dir, sweep } = await waitFor('the sweep directory', () => { try { return onlySweep(store); } catch { return null; } });
    const [p0, p1, p2, p3] = sweep.points;
    const hasEval = (runId: string) => { try { return fs.readFileSync(path.join(pointRunDir(dir, sweep, runId), 'metrics.jsonl'), 'utf8').trim().length > 0 && fs.existsSync(path.join(pointRunDir(dir, sweep, runId), 'process.json')); } catch { return false; } };
    await waitFor('both long points to be running', () => hasEval(p2.runId) && hasEval(p3.runId), 90000);
    assert.equal(pointStateOf(dir, sweep, p0).state, 'completed');
    assert.equal(pointStateOf(dir, sweep, p1).state, 'completed');
    // A runner dies hard: its point must read as lost.
    const victim = readRun(pointRunDir(dir, sweep, p2.runId)).process!.pid;
    process.kill(victim, 'SIGKILL');
    await waitFor('the killed runner to be gone', () => !isProcessAlive(victim), 10000);
    // Cancel-all from another process (what `anchor-lab sweep <file> --cancel` and the extension call).
    assert.deepEqual(cancelSweep(dir, 'test').cancelledRuns, [p3.runId]);
    const r = await done;
    assert.equal(r.code, 130, `the sweep CLI exits as cancelled\n${r.stderr}`);
    assert.deepEqual(liveRunners(runsDir, undefined).pids, [], 'no runner left alive');
    const states = sweep.points.map((p) => pointStateOf(dir, sweep, p).state);
    assert.deepEqual(states, ['completed', 'completed', 'lost', 'cancelled']);
    assert.equal(readController(dir)!.outcome, 'cancelled');
    assert.match(r.stderr, /sweep cancelled: 2\/4 completed, 1 cancelled, 1 lost/);

    const mtime = (runId: string) => fs.statSync(path.join(pointRunDir(dir, sweep, runId), 'summary.json')).mtimeMs;
    const before = [mtime(p0.runId), mtime(p1.runId)];
    const res = await runCli([...args, '--resume'], store);
    assert.equal(res.code, 0, res.stderr);
    const after = readSweep(dir)!;
    assert.equal(after.points[0].runId, p0.runId, 'completed points keep their run');
    assert.equal(after.points[1].runId, p1.runId);
    assert.deepEqual([mtime(p0.runId), mtime(p1.runId)], before, 'completed points were not re-run');
    assert.deepEqual(after.points[2].previousRunIds, [p2.runId]);
    assert.deepEqual(after.points[3].previousRunIds, [p3.runId]);
    assert.match(after.points[2].runId, /-p002-a2$/);
    assert.equal(readRun(pointRunDir(dir, after, p2.runId)).state, 'lost', 'the old attempt stays as it was');
    assert.deepEqual(after.points.map((p) => pointStateOf(dir, after, p).state), ['completed', 'completed', 'completed', 'completed']);
    assert.equal(fs.existsSync(path.join(dir, SWEEP_FILES.control)), false, 'resume clears the cancel request');
    assert.match(res.stdout, /4\/4 points done/);

    // Nothing left to do: a second resume starts no runner.
    const again = await runCli([...args, '--resume'], store);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readSweep(dir)!.points.map((p) => p.runId), after.points.map((p) => p.runId));
    assert.equal(listRuns(runsDir).length, 6, '4 points + 2 replaced attempts');
  });
  it('survives its controller: after the sweep CLI is killed, --resume follows the still-running points instead of restarting them', async () => {
    const store = tmpStore('adopt');
    const runsDir = path.join(store, 'runs');
    const file = writeExperiment(store, 'adopt', { train: { ...TINY.train, epochs: 6 }, sweep: { 'train.seed': [1, 2] } });
    const args = ['sweep', file, '--out', runsDir, '--concurrency', '2'];
    const { child, done } = startCli(args, store);
    started.push(child);
    const { dir, sweep } = await waitFor('the sweep directory', () => { try { return onlySweep(store); } catch { return null; } });
    const running = () => sweep.points.every((p) => { try { return fs.readFileSync(path.join(pointRunDir(dir, sweep, p.runId), 'metrics.jsonl'), 'utf8').trim().length > 0; } catch { return false; } });
    await waitFor('both points to be running', running, 60000);
    const pids = sweep.points.map((p) => readRun(pointRunDir(dir, sweep, p.runId)).process!.pid);
    process.kill(child.pid!, 'SIGKILL'); // the window goes away; its runners do not
    await done;
    assert.ok(pids.every(isProcessAlive), 'the runners outlive their controller');
    const res = await runCli([...args, '--resume'], store);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /2 point\(s\) still running from an earlier controller; following them/);
    const after = readSweep(dir)!;
    assert.deepEqual(after.points.map((p) => p.previousRunIds), [[], []], 'nothing restarted');
    assert.deepEqual(after.points.map((p) => readRun(pointRunDir(dir, after, p.runId)).process!.pid), pids, 'the same runner processes finished the points');
    assert.deepEqual(after.points.map((p) => pointStateOf(dir, after, p).state), ['completed', 'completed']);
    assert.match(res.stdout, /2\/2 points done/);
  });
  it('refuses a bad sweep block with file:line:column errors before anything runs; --dry-run only prints the plan', async () => {
    const store = tmpStore('cli');
    const bad = path.join(store, 'bad.experiment.json');
    fs.writeFileSync(bad, JSON.stringify({ ...TINY, sweep: { 'model.gamma': [0.5, 'large'], 'train.seed': [1, 2] } }, null, 2));
    const r = await runCli(['sweep', bad, '--out', path.join(store, 'runs')], store);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /bad\.experiment\.json:\d+:\d+: error: sweep\.model\.gamma\.1: "large" is not a valid model\.gamma: must be number/);
    assert.equal(fs.existsSync(path.join(store, 'sweeps')), false, 'no sweep directory was made');
    const file = writeExperiment(store, 'plan', { sweep: { 'model.gamma': [0.5, 0.8], 'model.layers': [2, 3], 'train.seed': [1, 2] } });
    const d = await runCli(['sweep', file, '--out', path.join(store, 'runs'), '--dry-run', '--concurrency', '2'], store);
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^8 points, about .* each, ≈ .* with 2 at a time/);
    assert.match(d.stdout, /run order \(shuffled\):\n/);
    assert.equal(d.stdout.split('\n').filter((l) => /^\s+\d+\s+γ=/.test(l)).length, 8);
    assert.equal(fs.existsSync(path.join(store, 'runs')), false, 'nothing ran');
  });
});
