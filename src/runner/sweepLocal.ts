// The local sweep executor: at most N runner processes alive at once (each `anchor-lab run` is single-threaded),
// starting the next point as one ends. All state is in the sweep directory and the points' run directories, so a
// later `--resume` (or another watcher) picks up exactly where this one stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive, readRun, requestCancel } from '../core/runStore';
import { clearSweepControl, controllerAlive, pointRunDir, pointStateOf, prepareResume, readController, readSweepControl, writeController } from '../core/sweepStore';
import { RUN_FILES } from '../protocol/runFiles';
import { SWEEP_FILES, type ControllerFile, type SweepFile, type SweepPoint } from '../protocol/sweepFiles';

export type SweepOutcome = 'completed' | 'cancelled' | 'incomplete' | 'detached';

/** How to start the ordinary runner: [node, <dist/cli.js>]. Found next to this bundle, or in the repo's dist/. */
export function defaultRunnerArgv(): string[] {
  const env = process.env.ANCHOR_LAB_RUNNER;
  if (env) return [process.execPath, path.resolve(env)];
  const candidates = [path.join(__dirname, 'cli.js'), path.resolve(__dirname, '..', '..', 'dist', 'cli.js'), path.resolve(__dirname, '..', 'dist', 'cli.js')];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`cannot find the runner (dist/cli.js); run \`npm run build\` first (looked in ${candidates.join(', ')})`);
  return [process.execPath, found];
}

export interface ExecutorOptions {
  /** Runner command prefix, e.g. [process.execPath, '/abs/dist/cli.js']. */
  runnerArgv?: string[];
  /** --backend passed to every runner (default: the runner's own default). */
  backend?: string;
  /** Called after every start / end of a point and on every poll; the Slurm executor passes the run ids squeue still lists. */
  onTick?: (slurmLive?: Set<string>) => void;
  log?: (msg: string) => void;
  /** Set by the CLI on SIGINT/SIGTERM: cancel-all. */
  cancelSignal?: { reason: string | null };
  pollMs?: number;
}

export interface LocalOptions extends ExecutorOptions { concurrency: number }

/** The runner's arguments for a point (shared by the local and the Slurm executor). */
export function pointArgs(sweepDir: string, sweep: SweepFile, p: SweepPoint, backend?: string): string[] {
  const sets = { ...sweep.baseOverrides, ...p.values };
  return [
    'run', path.join(sweepDir, SWEEP_FILES.experiment), '--run-dir', pointRunDir(sweepDir, sweep, p.runId), '--no-progress',
    ...Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]),
    ...(backend ? ['--backend', backend] : []),
  ];
}

/** Alive and not a zombie (an orphaned runner whose new parent does not reap it must not hold a slot forever). */
function pidRunning(pid: number): boolean {
  if (!isProcessAlive(pid)) return false;
  try { return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return true; }
}

function runnerAlive(dir: string): boolean {
  const r = readRun(dir);
  return r.state === 'running' && !!r.process && r.process.hostname === os.hostname() && pidRunning(r.process.pid);
}

export function startController(dir: string, executor: ControllerFile['executor'], concurrency: number | null): ControllerFile {
  const prev = readController(dir);
  if (controllerAlive(prev)) throw new Error(`this sweep is already being run by process ${prev!.pid} on ${prev!.hostname} (started ${prev!.startedAt}); cancel it first or wait`);
  clearSweepControl(dir);
  const c: ControllerFile = { pid: process.pid, hostname: os.hostname(), executor, concurrency, startedAt: new Date().toISOString(), endedAt: null, outcome: null };
  writeController(dir, c);
  return c;
}

export function endController(dir: string, c: ControllerFile, outcome: SweepOutcome): void {
  writeController(dir, { ...c, endedAt: new Date().toISOString(), outcome });
}

/** Run (or resume) a sweep on this machine. Resolves when every point has ended or cancel-all has finished. */
export async function runLocalSweep(dir: string, sweep: SweepFile, opts: LocalOptions): Promise<SweepOutcome> {
  const n = Math.max(1, Math.floor(opts.concurrency));
  const ctl = startController(dir, 'local', n);
  const runner = opts.runnerArgv ?? defaultRunnerArgv();
  const log = opts.log ?? (() => {});
  // Runners left alive by an earlier controller (e.g. one killed with the window) are adopted: they keep running,
  // hold a slot, and are cancelled by cancel-all like our own.
  const adopted = new Map<string, number>();
  const { todo } = prepareResume(dir, sweep, (p, state) => {
    const runDir = pointRunDir(dir, sweep, p.runId);
    if (state !== 'running' || !runnerAlive(runDir)) return false;
    adopted.set(runDir, readRun(runDir).process!.pid);
    return true;
  });
  if (adopted.size) log(`${adopted.size} point(s) still running from an earlier controller; following them`);
  const live = new Map<string, { child: ChildProcess; point: SweepPoint }>();
  let wake: (() => void) | null = null;
  let cancelled: string | null = null;

  const start = (p: SweepPoint) => {
    const runDir = pointRunDir(dir, sweep, p.runId);
    fs.mkdirSync(runDir, { recursive: true });
    const fd = fs.openSync(path.join(runDir, RUN_FILES.log), 'a');
    const child = spawn(runner[0], [...runner.slice(1), ...pointArgs(dir, sweep, p, opts.backend)], { stdio: ['ignore', fd, fd], cwd: process.cwd() });
    fs.closeSync(fd);
    live.set(p.runId, { child, point: p });
    child.on('error', (e) => { log(`point ${p.index}: could not start the runner: ${e.message}`); live.delete(p.runId); wake?.(); });
    child.on('exit', (code, sig) => {
      live.delete(p.runId);
      const { state } = pointStateOf(dir, sweep, p);
      log(`point ${p.index} (${p.runId}) ended: ${state}${code ? ` (exit ${code})` : sig ? ` (${sig})` : ''}`);
      wake?.();
    });
  };

  try {
    while (todo.length || live.size || adopted.size) {
      for (const [runDir, pid] of adopted) if (!pidRunning(pid) || fs.existsSync(path.join(runDir, RUN_FILES.summary))) adopted.delete(runDir);
      if (!cancelled) {
        const req = readSweepControl(dir);
        if (req?.request === 'cancel') cancelled = req.reason ?? 'cancel requested';
        else if (opts.cancelSignal?.reason) cancelled = opts.cancelSignal.reason;
        if (cancelled) {
          log(`cancel-all: ${cancelled}; stopping ${live.size} running point${live.size === 1 ? '' : 's'}`);
          todo.length = 0;
          for (const { child, point } of live.values()) {
            requestCancel(pointRunDir(dir, sweep, point.runId), cancelled);
            child.kill('SIGTERM');
          }
          for (const [runDir, pid] of adopted) { requestCancel(runDir, cancelled); try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ } }
          const killTimer = setTimeout(() => { for (const { child } of live.values()) child.kill('SIGKILL'); }, 30000);
          killTimer.unref();
        }
      }
      while (!cancelled && live.size + adopted.size < n && todo.length) start(todo.shift()!);
      opts.onTick?.();
      if (!todo.length && !live.size && !adopted.size) break;
      await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, opts.pollMs ?? 300); });
      wake = null;
    }
  } finally {
    for (const { child } of live.values()) child.kill('SIGTERM');
  }
  opts.onTick?.();
  // A cancel-all that cancelled the last runners directly (cancelSweep) may land after the loop's last look.
  if (!cancelled && readSweepControl(dir)?.request === 'cancel') cancelled = readSweepControl(dir)?.reason ?? 'cancel requested';
  const allDone = sweep.points.every((p) => pointStateOf(dir, sweep, p).state === 'completed');
  const outcome: SweepOutcome = allDone ? 'completed' : cancelled ? 'cancelled' : 'incomplete';
  endController(dir, ctl, outcome);
  return outcome;
}
