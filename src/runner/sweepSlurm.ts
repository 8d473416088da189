// The Slurm sweep executor: the points go to a real cluster scheduler as ONE job array
// (`sbatch --array=0-(N-1)%maxConcurrent`); array task i runs the ordinary runner on its point, writing the point's
// run directory in the same run store (which must be on a filesystem the compute nodes share). The controller then
// follows the run directories exactly as for local runs, and asks `squeue` only which array tasks are still alive.
// Cancel-all = `scancel` of the sweep's arrays; resume submits a new array of the unfinished points only.
// Only sbatch / squeue / scancel options that Slurm 21.08 … 23.11 all have are used (no sacct: it needs slurmdbd).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requestCancel } from '../core/runStore';
import { pointRunDir, pointStateOf, prepareResume, readSweepControl, scancelSubmissions, writeSweep } from '../core/sweepStore';
import { SWEEP_FILES, type SlurmSubmission, type SweepFile, type SweepPoint } from '../protocol/sweepFiles';
import { defaultRunnerArgv, endController, pointArgs, startController, type ExecutorOptions, type SweepOutcome } from './sweepLocal';

export interface SlurmRunOptions extends ExecutorOptions {
  /** The array's %limit; null = none. */
  maxConcurrent: number | null;
  /** Submit and return without following the array (it keeps running on the cluster). */
  detach?: boolean;
}

export function slurmAvailable(): boolean {
  const r = spawnSync('sbatch', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

const shq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The batch script of one submission: a case over SLURM_ARRAY_TASK_ID that execs the runner of that point. */
export function jobScript(sweepDir: string, sweep: SweepFile, points: SweepPoint[], runner: string[], backend?: string): string {
  const lines = [
    '#!/bin/bash',
    `# anchor-lab sweep ${sweep.sweepId}: array task i runs point i of this list with the ordinary runner.`,
    '# exec: scancel\'s SIGTERM reaches the runner, which then ends its run as "cancelled".',
    'set -u',
    'case "${SLURM_ARRAY_TASK_ID:?not an array task}" in',
    ...points.map((p, i) => `  ${i}) exec ${[...runner, ...pointArgs(sweepDir, sweep, p, backend)].map(shq).join(' ')} ;;`),
    '  *) echo "anchor-lab: no point for array task $SLURM_ARRAY_TASK_ID" >&2; exit 2 ;;',
    'esac',
    '',
  ];
  return lines.join('\n');
}

/** Submit points as one job array; records the submission in sweep.json and returns it. */
export function submitArray(sweepDir: string, sweep: SweepFile, points: SweepPoint[], o: { maxConcurrent: number | null; runnerArgv?: string[]; backend?: string }): SlurmSubmission {
  const runner = o.runnerArgv ?? defaultRunnerArgv();
  const sdir = path.join(sweepDir, SWEEP_FILES.slurm);
  fs.mkdirSync(sdir, { recursive: true });
  const k = sweep.submissions.length;
  const script = path.join(sdir, `submit-${k}.sh`);
  fs.writeFileSync(script, jobScript(sweepDir, sweep, points, runner, o.backend), { mode: 0o755 });
  const s = sweep.options.slurm;
  const limit = o.maxConcurrent ? `%${o.maxConcurrent}` : '';
  const args = [
    '--parsable', `--array=0-${points.length - 1}${limit}`, `--job-name=anchor-lab-${sweep.name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 40)}`,
    `--chdir=${process.cwd()}`, `--output=${path.join(sdir, '%A_%a.out')}`, '--ntasks=1', `--cpus-per-task=${s.cpusPerTask}`,
    ...(s.partition ? [`--partition=${s.partition}`] : []), ...(s.timeLimit ? [`--time=${s.timeLimit}`] : []),
    ...s.extraArgs,
  ];
  let out: string;
  try {
    out = execFileSync('sbatch', [...args, script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60000 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`sbatch failed: ${(err.stderr || err.message).trim()}\n  sbatch ${args.join(' ')} ${script}`);
  }
  const jobId = out.trim().split(';')[0];
  if (!/^\d+$/.test(jobId)) throw new Error(`sbatch printed no job id: ${out.trim()}`);
  const sub: SlurmSubmission = { jobId, submittedAt: new Date().toISOString(), points: points.map((p) => p.index), runIds: points.map((p) => p.runId), script, sbatchArgs: args };
  sweep.submissions.push(sub);
  writeSweep(sweepDir, sweep);
  return sub;
}

/** Array tasks still known to squeue (pending, running, completing …): "jobId_task" → state. */
export function squeueTasks(jobIds: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const id of jobIds) {
    const r = spawnSync('squeue', ['-h', '-r', '-j', id, '-o', '%i|%T'], { encoding: 'utf8', timeout: 30000 });
    if (r.status !== 0) continue; // purged or unknown id
    for (const line of r.stdout.split('\n')) {
      const [task, state] = line.trim().split('|');
      if (task) out.set(task, state);
    }
  }
  return out;
}

/** Run ids whose array task is still queued or running. */
export function liveRunIds(sweep: SweepFile): Set<string> {
  const tasks = squeueTasks(sweep.submissions.map((s) => s.jobId));
  const live = new Set<string>();
  for (const s of sweep.submissions) {
    s.runIds.forEach((runId, i) => {
      if (tasks.has(`${s.jobId}_${i}`)) live.add(runId);
    });
    // A single-task array can be listed under its plain job id.
    if (s.runIds.length === 1 && tasks.has(s.jobId)) live.add(s.runIds[0]);
  }
  return live;
}

export async function runSlurmSweep(dir: string, sweep: SweepFile, opts: SlurmRunOptions): Promise<SweepOutcome> {
  if (!slurmAvailable()) throw new Error('executor "slurm" needs Slurm\'s sbatch on PATH (not found); use --executor local');
  const ctl = startController(dir, 'slurm', opts.maxConcurrent);
  const log = opts.log ?? (() => {});
  const liveBefore = liveRunIds(sweep);
  const { todo } = prepareResume(dir, sweep, (p) => liveBefore.has(p.runId));
  if (liveBefore.size) log(`${liveBefore.size} point(s) are still queued or running in earlier arrays; left as they are`);
  if (todo.length) {
    const sub = submitArray(dir, sweep, todo, { maxConcurrent: opts.maxConcurrent, runnerArgv: opts.runnerArgv, backend: opts.backend });
    log(`submitted job array ${sub.jobId} (${todo.length} task${todo.length === 1 ? '' : 's'}${opts.maxConcurrent ? `, at most ${opts.maxConcurrent} at a time` : ''})`);
  }
  if (opts.detach) { endController(dir, ctl, 'detached'); return 'detached'; }

  let cancelled: string | null = null;
  for (;;) {
    if (!cancelled) {
      const req = readSweepControl(dir);
      cancelled = req?.request === 'cancel' ? req.reason ?? 'cancel requested' : opts.cancelSignal?.reason ?? null;
      if (cancelled) {
        log(`cancel-all: ${cancelled}; scancel ${sweep.submissions.map((s) => s.jobId).join(' ')}`);
        scancelSubmissions(sweep);
        for (const p of sweep.points) if (pointStateOf(dir, sweep, p).state === 'running') requestCancel(pointRunDir(dir, sweep, p.runId), cancelled);
      }
    }
    // squeue first, then the run directories: a task that leaves the queue has already written its summary.
    const live = liveRunIds(sweep);
    opts.onTick?.(live);
    if (!live.size) break;
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  opts.onTick?.(new Set());
  // A cancel-all that cancelled the last runners directly (cancelSweep) may land after the loop's last look.
  if (!cancelled && readSweepControl(dir)?.request === 'cancel') cancelled = readSweepControl(dir)?.reason ?? 'cancel requested';
  const allDone = sweep.points.every((p) => pointStateOf(dir, sweep, p).state === 'completed');
  const outcome: SweepOutcome = allDone ? 'completed' : cancelled ? 'cancelled' : 'incomplete';
  endController(dir, ctl, outcome);
  return outcome;
}
