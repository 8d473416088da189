// The Slurm executor against a real single-node Slurm cluster (test/slurm/cluster.sh; test/setup.sh installs and
// starts it). Skipped, loudly, only when Slurm is not installed at all.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../src/core/runStore';
import { pointRunDir, pointStateOf, readController, readSweep } from '../../src/core/sweepStore';
import { comparable, diagramOf, ensureBuilt, onlySweep, REPO, runCli, sharedLocalSweep, SHARED_GRID, startCli, tmpStore, waitFor, writeExperiment } from './helpers';

const CLUSTER = path.join(REPO, 'test', 'slurm', 'cluster.sh');
const haveSlurm = spawnSync('sh', ['-c', 'command -v sinfo'], { stdio: 'ignore' }).status === 0;

function squeue(jobId: string): string[] {
  const r = spawnSync('squeue', ['-h', '-r', '-j', jobId, '-o', '%i %T'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter((l) => l.trim()) : [];
}
/** Per array task: JobState from `scontrol -o show job` (works without accounting, for MinJobAge). */
function taskStates(jobId: string): Record<string, string> {
  const out: Record<string, string> = {};
  const r = spawnSync('scontrol', ['-o', 'show', 'job', jobId], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const t = /ArrayTaskId=(\d+)/.exec(line), s = /JobState=(\S+)/.exec(line);
    if (t && s) out[t[1]] = s[1];
  }
  return out;
}

describe('Slurm sweeps (real single-node cluster)', function () {
  this.timeout(240000);
  let startedCluster = false;
  const started: ChildProcess[] = [];

  before(function () {
    if (!haveSlurm) {
      const msg = '\n\n  !!!!! SLURM IS NOT INSTALLED (no `sinfo` on PATH): the Slurm executor tests are SKIPPED.\n  !!!!! Run `bash test/setup.sh` as root (it installs slurmctld/slurmd/munge and starts a single-node cluster).\n\n';
      process.stderr.write(msg);
      this.skip();
    }
    ensureBuilt();
    const r = spawnSync('bash', [CLUSTER, 'start'], { encoding: 'utf8', timeout: 180000 });
    if (r.status !== 0) throw new Error(`could not start the test Slurm cluster:\n${r.stdout}${r.stderr}`);
    startedCluster = r.stdout.includes('started');
  });
  after(function () {
    for (const c of started) if (c.exitCode === null && c.pid) { try { process.kill(c.pid, 'SIGKILL'); } catch { /* gone */ } }
    if (startedCluster) spawnSync('bash', [CLUSTER, 'stop'], { stdio: 'ignore', timeout: 120000 });
  });

  it('a sweep submitted from the CLI completes on Slurm with the same phase diagram as the local executor', async () => {
    const local = await sharedLocalSweep();
    assert.equal(local.result.code, 0, local.result.stderr);
    const store = tmpStore('slurm');
    const file = writeExperiment(store, 'grid', SHARED_GRID);
    const res = await runCli(['sweep', file, '--out', path.join(store, 'runs'), '--executor', 'slurm', '--concurrency', '2'], store);
    assert.equal(res.code, 0, res.stderr);
    const { dir, sweep } = onlySweep(store);
    assert.equal(sweep.submissions.length, 1);
    const sub = sweep.submissions[0];
    assert.ok(sub.sbatchArgs.includes('--array=0-3%2'), sub.sbatchArgs.join(' '));
    assert.equal(sub.points.length, 4);
    assert.deepEqual(squeue(sub.jobId), [], 'the array has left the queue');
    assert.deepEqual(Object.values(taskStates(sub.jobId)).sort(), ['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    assert.equal(readController(dir)!.executor, 'slurm');
    for (const p of sweep.points) {
      const run = readRun(pointRunDir(dir, sweep, p.runId));
      assert.equal(run.state, 'completed');
      assert.ok(run.process!.argv.includes('--run-dir'), 'each array task ran the ordinary runner');
    }
    // The same grid and seeds: the same diagram, cell by cell, and the same printed table.
    assert.deepEqual(comparable(diagramOf(dir)), comparable(diagramOf(local.dir)));
    assert.equal(res.stdout, local.result.stdout);
    assert.match(res.stdout, /4\/4 points done/);
  });

  it('cancel-all scancels the array (nothing left in squeue); resume resubmits only the unfinished points', async () => {
    const store = tmpStore('slurm-cancel');
    const runs = path.join(store, 'runs');
    const file = writeExperiment(store, 'long', { sweep: { 'train.epochs': [2, 400] }, sweepOptions: { order: 'grid', executor: 'slurm', slurm: { timeLimit: '00:10:00', extraArgs: ['--comment=anchor-lab-test'] } } });
    const args = ['sweep', file, '--out', runs, '--concurrency', '1'];
    const { child, done } = startCli(args, store);
    started.push(child);
    const { dir, sweep } = await waitFor('the sweep directory', () => { try { const s = onlySweep(store); return s.sweep.submissions.length ? s : null; } catch { return null; } });
    const jobId = sweep.submissions[0].jobId;
    assert.ok(sweep.submissions[0].sbatchArgs.includes('--time=00:10:00') && sweep.submissions[0].sbatchArgs.includes('--comment=anchor-lab-test'), 'sweepOptions.slurm reaches sbatch');
    const shown = spawnSync('scontrol', ['-o', 'show', 'job', jobId], { encoding: 'utf8' }).stdout;
    assert.match(shown, /TimeLimit=00:10:00/);
    assert.match(shown, /Comment=anchor-lab-test/);
    const long = sweep.points[1];
    await waitFor('the long point to be running on Slurm', () => {
      try { return fs.readFileSync(path.join(pointRunDir(dir, sweep, long.runId), 'metrics.jsonl'), 'utf8').trim().length > 0; } catch { return false; }
    }, 90000);
    assert.equal(pointStateOf(dir, sweep, sweep.points[0]).state, 'completed');
    assert.ok(squeue(jobId).some((l) => / RUNNING$/.test(l)), squeue(jobId).join('\n'));

    const c = await runCli([...args, '--cancel'], store);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, new RegExp(`scancel ${jobId}`));
    await waitFor('the array to leave squeue', () => squeue(jobId).length === 0, 20000, 200);
    const r = await done;
    assert.equal(r.code, 130, r.stderr);
    assert.equal(taskStates(jobId)['1'], 'CANCELLED');
    await waitFor('the runner to record the cancel', () => pointStateOf(dir, sweep, long).state === 'cancelled', 20000);
    assert.deepEqual(squeue(jobId), []);

    // Resume on Slurm: one new array with only the unfinished point, then cancel it again.
    const res = await runCli([...args, '--resume', '--detach'], store);
    assert.equal(res.code, 0, res.stderr);
    const after = readSweep(dir)!;
    assert.equal(after.submissions.length, 2);
    assert.deepEqual(after.submissions[1].points, [1]);
    assert.ok(after.submissions[1].sbatchArgs.includes('--array=0-0%1'));
    assert.equal(after.points[0].runId, sweep.points[0].runId, 'the completed point is not resubmitted');
    assert.deepEqual(after.points[1].previousRunIds, [long.runId]);
    const job2 = after.submissions[1].jobId;
    await waitFor('the resubmitted task to start', () => squeue(job2).some((l) => / RUNNING$/.test(l)) || fs.existsSync(pointRunDir(dir, after, after.points[1].runId)), 30000, 200);
    const c2 = await runCli([...args, '--cancel'], store);
    assert.equal(c2.code, 0, c2.stderr);
    await waitFor('nothing of the sweep in squeue', () => squeue(jobId).length === 0 && squeue(job2).length === 0, 20000, 200);
    const mine = execFileSync('squeue', ['-h', '-o', '%i %j'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('anchor-lab-long'));
    assert.deepEqual(mine, []);
  });
});
