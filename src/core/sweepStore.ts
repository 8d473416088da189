// Sweep directories (format: src/protocol/sweepFiles.ts): create, open, find for --resume, derive point states,
// collect results for the phase diagram, cancel-all. Used by the CLI's executors and by the extension.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig } from './config';
import { isProcessAlive, newRunId, readRun, requestCancel, writeFileAtomic, type RunSnapshot } from './runStore';
import { definitionHash, expandGrid, pointConfig, runOrder, sweepAxes, sweepOptionsOf } from './sweep';
import { evalsFromMetrics, reducePhaseDiagram, type PhaseDiagram, type PointResult } from './sweepReduce';
import { SWEEP_FILES, SWEEP_FORMAT, type ControllerFile, type PointState, type SweepControlRequest, type SweepFile, type SweepOptions, type SweepPoint } from '../protocol/sweepFiles';

function readJson<T>(file: string): T | null {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return null; }
}

export function pointRunId(sweepId: string, index: number, attempt = 1): string {
  return `${sweepId}-p${String(index).padStart(3, '0')}${attempt > 1 ? `-a${attempt}` : ''}`;
}

export interface CreateSweepArgs {
  /** The experiment file's text, copied verbatim into the sweep directory. */
  text: string;
  experimentFile: string | null;
  /** The resolved config of the file with the base overrides applied. */
  config: ExperimentConfig;
  baseOverrides: Record<string, unknown>;
  /** Options in force (file's sweepOptions with CLI overrides). */
  options?: SweepOptions;
  sweepsDir: string;
  runsDir: string;
  /** Exact directory of the new sweep (its name becomes the sweep id); default <sweepsDir>/<new id>. */
  dir?: string;
  now?: Date;
}

export function createSweep(a: CreateSweepArgs): { dir: string; sweep: SweepFile } {
  const axes = sweepAxes(a.config);
  const options = a.options ?? sweepOptionsOf(a.config);
  const hash = definitionHash(a.config, axes);
  const grid = expandGrid(axes);
  const dir = a.dir ? path.resolve(a.dir) : path.resolve(a.sweepsDir, newRunId(a.config.name, a.now));
  const sweepId = path.basename(dir);
  fs.mkdirSync(dir, { recursive: true });
  const base = structuredClone(a.config) as unknown as Record<string, unknown>;
  const points: SweepPoint[] = grid.map((g) => ({
    index: g.index, coords: g.coords, values: g.values, runId: pointRunId(sweepId, g.index), previousRunIds: [],
    config: pointConfig(base as unknown as ExperimentConfig, g.values),
  }));
  const sweep: SweepFile = {
    format: SWEEP_FORMAT, sweepId, name: a.config.name, createdAt: (a.now ?? new Date()).toISOString(),
    experimentFile: a.experimentFile ? path.resolve(a.experimentFile) : null,
    baseOverrides: a.baseOverrides, definitionHash: hash, axes, options,
    runsDir: path.relative(dir, path.resolve(a.runsDir)) || '.',
    points, runOrder: runOrder(grid, axes, options, hash), submissions: [],
  };
  fs.writeFileSync(path.join(dir, SWEEP_FILES.experiment), a.text);
  writeSweep(dir, sweep);
  return { dir, sweep };
}

export function writeSweep(dir: string, sweep: SweepFile): void {
  writeFileAtomic(path.join(dir, SWEEP_FILES.sweep), JSON.stringify(sweep, null, 1) + '\n');
}

export function readSweep(dir: string): SweepFile | null {
  const s = readJson<SweepFile>(path.join(dir, SWEEP_FILES.sweep));
  return s && s.format === SWEEP_FORMAT ? s : null;
}

export function listSweeps(sweepsDir: string): string[] {
  try {
    return fs.readdirSync(sweepsDir, { withFileTypes: true }).filter((d) => d.isDirectory() && fs.existsSync(path.join(sweepsDir, d.name, SWEEP_FILES.sweep)))
      .map((d) => path.join(sweepsDir, d.name)).sort();
  } catch { return []; }
}

/** Sweeps with this definition hash, newest first (what --resume picks from). */
export function findSweeps(sweepsDir: string, hash: string): string[] {
  return listSweeps(sweepsDir).filter((d) => readSweep(d)?.definitionHash === hash).sort((a, b) => (readSweep(b)!.createdAt).localeCompare(readSweep(a)!.createdAt));
}

export function pointRunDir(sweepDir: string, sweep: SweepFile, runId: string): string {
  return path.resolve(sweepDir, sweep.runsDir, runId);
}

export function readController(dir: string): ControllerFile | null {
  return readJson<ControllerFile>(path.join(dir, SWEEP_FILES.controller));
}
export function writeController(dir: string, c: ControllerFile): void {
  writeFileAtomic(path.join(dir, SWEEP_FILES.controller), JSON.stringify(c, null, 2) + '\n');
}
/** A controller is driving this sweep now (same-host pid check; another host's controller counts while not ended). */
export function controllerAlive(c: ControllerFile | null): boolean {
  if (!c || c.endedAt) return false;
  return c.hostname !== os.hostname() || isProcessAlive(c.pid);
}

export function readSweepControl(dir: string): SweepControlRequest | null {
  return readJson<SweepControlRequest>(path.join(dir, SWEEP_FILES.control));
}
export function clearSweepControl(dir: string): void {
  fs.rmSync(path.join(dir, SWEEP_FILES.control), { force: true });
}

/** The state of a point's current attempt, from its run directory (no directory: pending). */
export function pointStateOf(sweepDir: string, sweep: SweepFile, point: SweepPoint): { state: PointState; run: RunSnapshot | null } {
  const dir = pointRunDir(sweepDir, sweep, point.runId);
  if (!fs.existsSync(dir)) return { state: 'pending', run: null };
  const run = readRun(dir);
  return { state: run.state, run };
}

export interface SweepStatus {
  counts: Record<PointState, number>;
  total: number;
  /** completed + failed + cancelled + lost */
  finished: number;
  /** Sum over points of their fraction done (completed = 1, running = step/totalSteps), for smooth ETAs. */
  progress: number;
  results: PointResult[];
}

/**
 * Reads every point's run directory; completed points are cached in `cache` (their files never change again).
 * `slurmLive` (Slurm executor: the run ids whose array task squeue still lists, read BEFORE calling this) turns a
 * submitted point that reads as running but whose task has left the queue into "lost" — the pid check of readRun()
 * only works on the runner's own host.
 */
export function sweepStatus(sweepDir: string, sweep: SweepFile, cache?: Map<string, PointResult>, slurmLive?: Set<string>): SweepStatus {
  const submitted = slurmLive ? new Set(sweep.submissions.flatMap((s) => s.runIds)) : null;
  const counts: Record<PointState, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, lost: 0 };
  const results: PointResult[] = [];
  let progress = 0;
  for (const p of sweep.points) {
    let r = cache?.get(p.runId);
    if (!r) {
      const { state: st, run } = pointStateOf(sweepDir, sweep, p);
      const state: PointState = st === 'running' && submitted?.has(p.runId) && !slurmLive!.has(p.runId) ? 'lost' : st;
      r = { index: p.index, values: p.values, state, runId: p.runId, evals: run ? evalsFromMetrics(run.metrics) : [] };
      if (state === 'running' && run?.progress) progress += Math.min(1, run.progress.step / Math.max(1, run.progress.totalSteps));
      if (state === 'completed') cache?.set(p.runId, r);
    }
    if (r.state === 'completed') progress += 1;
    counts[r.state]++;
    results.push(r);
  }
  return { counts, total: sweep.points.length, finished: counts.completed + counts.failed + counts.cancelled + counts.lost, progress, results };
}

export function sweepPhaseDiagram(sweep: SweepFile, results: PointResult[]): PhaseDiagram {
  return reducePhaseDiagram(sweep.axes, results, sweep.options);
}

/** scancel every Slurm submission of the sweep (quietly ignores jobs that are gone). */
export function scancelSubmissions(sweep: SweepFile): void {
  const ids = sweep.submissions.map((s) => s.jobId);
  if (!ids.length) return;
  try { execFileSync('scancel', ids, { stdio: 'ignore', timeout: 30000 }); } catch { /* jobs already gone, or no Slurm here */ }
}

/**
 * Cancel-all: ask a live controller to stop (control.json), cancel every running point's runner (its control.json),
 * and scancel the sweep's Slurm arrays. Works with or without a live controller.
 */
export function cancelSweep(dir: string, reason = 'sweep cancelled'): { cancelledRuns: string[] } {
  const sweep = readSweep(dir);
  if (!sweep) throw new Error(`${dir} is not a sweep directory (no ${SWEEP_FILES.sweep})`);
  const req: SweepControlRequest = { request: 'cancel', at: new Date().toISOString(), reason };
  writeFileAtomic(path.join(dir, SWEEP_FILES.control), JSON.stringify(req) + '\n');
  scancelSubmissions(sweep);
  const cancelledRuns: string[] = [];
  for (const p of sweep.points) {
    const { state } = pointStateOf(dir, sweep, p);
    if (state === 'running') { requestCancel(pointRunDir(dir, sweep, p.runId), reason); cancelledRuns.push(p.runId); }
  }
  return { cancelledRuns };
}

/**
 * Before (re)starting: every point that is not completed and not running gets a fresh attempt directory when its
 * current one exists (failed, cancelled, lost, or started but never finished). Returns the points to run, in run order.
 * `isLive(point)` says whether a point's current attempt is still being run by someone (e.g. a Slurm task in squeue).
 */
export function prepareResume(dir: string, sweep: SweepFile, isLive: (p: SweepPoint, state: PointState) => boolean): { todo: SweepPoint[]; changed: boolean } {
  const todo: SweepPoint[] = [];
  let changed = false;
  for (const idx of sweep.runOrder) {
    const p = sweep.points[idx];
    const { state } = pointStateOf(dir, sweep, p);
    if (state === 'completed') continue;
    if (isLive(p, state)) continue;
    if (state !== 'pending') {
      p.previousRunIds.push(p.runId);
      p.runId = pointRunId(sweep.sweepId, p.index, p.previousRunIds.length + 1);
      changed = true;
    }
    todo.push(p);
  }
  if (changed) writeSweep(dir, sweep);
  return { todo, changed };
}
