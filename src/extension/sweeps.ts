// Follows the sweep directories of a workspace folder (format: src/protocol/sweepFiles.ts) for the Runs view, the
// Sweep lenses, the status bar and the phase-diagram panels. No vscode import (unit-tested): everything a sweep is
// comes from its directory and its points' run directories, so after a window reload a new tracker finds the same
// sweeps in the same states. How sweeps are shown (text, lens specs, phase messages) is in sweepView.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive } from '../core/runStore';
import type { PointResult } from '../core/sweepReduce';
import { controllerAlive, listSweeps, pointRunDir, readController, readSweep, readSweepControl, sweepStatus, type SweepStatus } from '../core/sweepStore';
import { liveRunIds } from '../runner/sweepSlurm';
import type { PhasePoint } from '../protocol/phase';
import { RUN_FILES, type ProgressFile, type Summary } from '../protocol/runFiles';
import { SWEEP_FILES, type ControllerFile, type SweepFile } from '../protocol/sweepFiles';
import { normalize, tailFile } from './runTracker';
import { estimateEta, pointSig } from './sweepView';

/** What the Runs view, lenses and status bar say about a sweep as a whole. */
export type SweepPhase = 'starting' | 'running' | 'completed' | 'cancelled' | 'failed' | 'incomplete';

export interface TrackedSweep {
  id: string;
  dir: string;
  sweep: SweepFile;
  controller: ControllerFile | null;
  status: SweepStatus;
  /** One per grid point, in index order (what the phase-diagram webview gets). */
  points: PhasePoint[];
  /** A controller (or Slurm array, or a runner left by a dead controller) is still working on it. */
  active: boolean;
  phase: SweepPhase;
  etaSec: number | null;
  /** Why a controller this window started ended before it began (the tail of controller.log). */
  error: string | null;
  /** Bumped on every observed change. */
  version: number;
}

/** File name of the controller's stdout/stderr inside the sweep directory (written by sweepLauncher.ts). */
export const CONTROLLER_LOG = 'controller.log';

/** The sweeps directory of a runs directory: `sweeps` next to it (.anchor-lab/runs → .anchor-lab/sweeps), as the CLI. */
export function sweepsDirOf(runsDir: string): string {
  return path.join(path.dirname(path.resolve(runsDir)), 'sweeps');
}

/** Every run id a sweep owns: the points' current attempts and their earlier ones. */
export function sweepRunIds(sweep: SweepFile): string[] {
  return sweep.points.flatMap((p) => [p.runId, ...p.previousRunIds]);
}

export const isUnfinished = (t: TrackedSweep) => t.status.counts.completed < t.status.total;
export const canResume = (t: TrackedSweep) => !t.active && isUnfinished(t);

function readJson<T>(file: string): T | null { try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return null; } }
const sigOf = (file: string): string => { try { const s = fs.statSync(file); return `${s.mtimeMs}:${s.size}`; } catch { return ''; } };

let squeueOk: boolean | null = null;
/** squeue is on PATH (checked once; a machine without Slurm must not read every submitted point as lost). */
export function squeueAvailable(): boolean {
  if (squeueOk === null) {
    try { squeueOk = spawnSync('squeue', ['--version'], { stdio: 'ignore', timeout: 10_000 }).status === 0; } catch { squeueOk = false; }
  }
  return squeueOk;
}

interface PointExtra { progress: number; durationSec: number | null; error: string | null }

interface Entry {
  t: TrackedSweep | null;
  sigs: string;
  cache: Map<string, PointResult>;
  /** Finished points' extra facts, by `${runId}:${state}` (their files do not change any more). */
  extras: Map<string, PointExtra>;
  /** ETA anchor: progress seen when this controller was first observed. */
  anchor: { key: string; t0: number; p0: number } | null;
  slurm: { at: number; live: Set<string> | undefined };
  pointSigs: string[];
  sweepSig: string;
  /** When the point run directories were last read (a finished sweep is re-read now and then: a point run deleted). */
  readAt: number;
}

/** A sweep that is not running is still re-read this often (its files may change behind its back). */
const FULL_REREAD_MS = 30_000;

export type SweepsListener = (changed: TrackedSweep[], removed: string[]) => void;

export interface SweepTrackerOptions {
  sweepsDir: string;
  /** Poll interval while any sweep is active (default 1 s). */
  fastMs?: number;
  /** Poll interval otherwise (default 5 s). */
  slowMs?: number;
  /** How often squeue is asked about a Slurm sweep (default 15 s). */
  slurmMs?: number;
  /** Override for tests: whether squeue can be asked. */
  squeue?: () => boolean;
  now?: () => number;
}

export class SweepTracker {
  readonly sweepsDir: string;
  private readonly fastMs: number;
  private readonly slowMs: number;
  private readonly slurmMs: number;
  private readonly squeue: () => boolean;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<SweepsListener>();
  /** Controllers this window started: sweep dir → pid and time (the sweep is "starting" until controller.json says otherwise). */
  private readonly launched = new Map<string, { pid: number; at: number }>();
  private timer: NodeJS.Timeout | null = null;
  private watcher: fs.FSWatcher | null = null;
  private disposed = false;
  private runIdIndex: Map<string, string> | null = null;

  constructor(opts: SweepTrackerOptions) {
    this.sweepsDir = opts.sweepsDir;
    this.fastMs = opts.fastMs ?? 1000;
    this.slowMs = opts.slowMs ?? 5000;
    this.slurmMs = opts.slurmMs ?? 15_000;
    this.squeue = opts.squeue ?? squeueAvailable;
    this.now = opts.now ?? Date.now;
  }

  onChange(fn: SweepsListener): () => void { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  start(): void {
    if (this.disposed || this.timer) return;
    this.poll();
    this.watch();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.watcher?.close();
    this.watcher = null;
    this.listeners.clear();
  }

  /** New sweep directories show up at once (a missing sweeps dir is retried on the next slow poll). */
  private watch(): void {
    if (this.watcher || this.disposed) return;
    try {
      this.watcher = fs.watch(this.sweepsDir, { persistent: false }, () => this.pokeSoon());
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = null; });
    } catch { /* not there yet */ }
  }

  private pokeTimer: NodeJS.Timeout | null = null;
  private pokeSoon(): void {
    if (this.pokeTimer || this.disposed) return;
    this.pokeTimer = setTimeout(() => { this.pokeTimer = null; this.poll(); }, 100);
  }

  noteLaunched(dir: string, pid: number): void {
    this.launched.set(path.resolve(dir), { pid, at: this.now() });
    this.poll();
  }

  list(): TrackedSweep[] { return [...this.entries.values()].map((e) => e.t).filter((t): t is TrackedSweep => !!t).sort((a, b) => b.sweep.createdAt.localeCompare(a.sweep.createdAt) || b.id.localeCompare(a.id)); }
  get(id: string): TrackedSweep | undefined { return this.entries.get(id)?.t ?? undefined; }
  active(): TrackedSweep[] { return this.list().filter((t) => t.active); }
  /** Sweeps made from this experiment file, newest first. */
  forFile(file: string): TrackedSweep[] {
    const f = normalize(file);
    return this.list().filter((t) => t.sweep.experimentFile !== null && normalize(t.sweep.experimentFile) === f);
  }
  /** The sweep owning a run id (current or earlier attempt of a point). */
  ownerOf(runId: string): TrackedSweep | undefined {
    if (!this.runIdIndex) {
      this.runIdIndex = new Map();
      for (const t of this.list()) for (const id of sweepRunIds(t.sweep)) this.runIdIndex.set(id, t.id);
    }
    const s = this.runIdIndex.get(runId);
    return s ? this.get(s) : undefined;
  }

  waitFor(pred: (t: SweepTracker) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (pred(this)) return resolve(true);
      const off = this.onChange(() => { if (pred(this)) { off(); clearTimeout(to); resolve(true); } });
      const to = setTimeout(() => { off(); resolve(pred(this)); }, timeoutMs);
    });
  }

  /** Read what changed and notify listeners; reschedules itself (fast while a sweep is active). Synchronous. */
  poll(): void {
    if (this.disposed) return;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const changed: TrackedSweep[] = [];
    const removed: string[] = [];
    try {
      const dirs = listSweeps(this.sweepsDir);
      const seen = new Set<string>();
      for (const dir of dirs) {
        const id = path.basename(dir);
        seen.add(id);
        try { if (this.update(id, dir)) changed.push(this.entries.get(id)!.t!); } catch { /* a half-written sweep: next poll */ }
      }
      for (const id of [...this.entries.keys()]) if (!seen.has(id)) { this.entries.delete(id); removed.push(id); }
      for (const [dir, l] of this.launched) if (!seen.has(path.basename(dir)) && this.now() - l.at > 120_000) this.launched.delete(dir);
      if (changed.length || removed.length) this.runIdIndex = null;
      if (!this.watcher) this.watch();
    } finally {
      const hot = [...this.entries.values()].some((e) => e.t && (e.t.active || e.t.status.counts.running > 0));
      this.timer = setTimeout(() => this.poll(), hot || this.launched.size ? this.fastMs : this.slowMs);
      this.timer.unref?.();
    }
    if (changed.length || removed.length) for (const fn of [...this.listeners]) { try { fn(changed, removed); } catch { /* a listener's bug must not stop tracking */ } }
  }

  private update(id: string, dir: string): boolean {
    const sigs = [SWEEP_FILES.sweep, SWEEP_FILES.controller, SWEEP_FILES.control].map((n) => sigOf(path.join(dir, n))).join('|');
    let e = this.entries.get(id);
    const launch = this.launched.get(path.resolve(dir));
    const hot = !!e?.t && (e.t.active || e.t.status.counts.running > 0 || e.t.phase === 'starting');
    if (e && e.sigs === sigs && !hot && !launch && this.now() - e.readAt < FULL_REREAD_MS) return false;
    if (!e) {
      e = { t: null, sigs: '', cache: new Map(), extras: new Map(), anchor: null, slurm: { at: 0, live: undefined }, pointSigs: [], sweepSig: '', readAt: 0 };
      this.entries.set(id, e);
    }
    const sweepChanged = e.sigs.split('|')[0] !== sigs.split('|')[0] || !e.t;
    const sweep = sweepChanged ? readSweep(dir) : e.t!.sweep;
    if (!sweep) return false;
    if (sweepChanged && e.t) {
      // A resume gave points new attempts: forget cached results of run ids that are no longer current.
      const current = new Set(sweep.points.map((p) => p.runId));
      for (const k of [...e.cache.keys()]) if (!current.has(k)) e.cache.delete(k);
    }
    e.sigs = sigs;
    const controller = readController(dir);
    const now = this.now();
    e.readAt = now;

    // Slurm: which submitted tasks squeue still lists (only when squeue is here; never every poll).
    let slurmLive: Set<string> | undefined;
    if (sweep.submissions.length && this.squeue()) {
      if (now - e.slurm.at >= this.slurmMs) e.slurm = { at: now, live: liveRunIds(sweep) };
      slurmLive = e.slurm.live;
    }
    const status = sweepStatus(dir, sweep, e.cache, slurmLive);

    // Starting: this window spawned a controller that has not written its controller.json yet.
    let launching = false;
    let error: string | null = e.t?.error ?? null;
    if (launch) {
      const started = controller && Date.parse(controller.startedAt) >= launch.at - 10_000;
      if (started) this.launched.delete(path.resolve(dir));
      else if (isProcessAlive(launch.pid) && now - launch.at < 120_000) launching = true;
      else {
        this.launched.delete(path.resolve(dir));
        error = `the sweep controller (pid ${launch.pid}) ended before it started${tailText(path.join(dir, CONTROLLER_LOG))}`;
      }
    }
    const ctlAlive = controllerAlive(controller);
    if (ctlAlive) error = null;
    const active = ctlAlive || launching || (slurmLive?.size ?? 0) > 0 || status.counts.running > 0;
    const c = status.counts;
    const phase: SweepPhase = launching && !ctlAlive ? 'starting'
      : active ? 'running'
      : c.completed === status.total ? 'completed'
      : controller?.outcome === 'cancelled' || readSweepControl(dir)?.request === 'cancel' || c.cancelled > 0 ? 'cancelled'
      : c.failed + c.lost > 0 ? 'failed'
      : 'incomplete';

    const points = status.results.map((r) => this.phasePoint(e!, dir, sweep, r));
    points.sort((a, b) => a.index - b.index);
    const etaSec = active ? this.eta(e, controller, status, points) : null;

    const pointSigs = points.map(pointSig);
    const sweepSig = `${phase}|${active}|${JSON.stringify(c)}|${controller?.startedAt}|${controller?.outcome}|${error}|${sweep.points.length}`;
    const changed = !e.t || sweepSig !== e.sweepSig || pointSigs.length !== e.pointSigs.length || pointSigs.some((s, i) => s !== e!.pointSigs[i]);
    e.pointSigs = pointSigs;
    e.sweepSig = sweepSig;
    e.t = { id, dir, sweep, controller, status, points, active, phase, etaSec, error, version: (e.t?.version ?? 0) + (changed ? 1 : 0) };
    return changed;
  }

  private phasePoint(e: Entry, dir: string, sweep: SweepFile, r: PointResult): PhasePoint {
    const p = sweep.points[r.index];
    const runDir = pointRunDir(dir, sweep, p.runId);
    const key = `${p.runId}:${r.state}`;
    let x: PointExtra | undefined = e.extras.get(key);
    if (!x) {
      const prog = r.state === 'pending' ? null : readJson<ProgressFile>(path.join(runDir, RUN_FILES.progress));
      const frac = prog && prog.totalSteps > 0 ? Math.min(1, prog.step / prog.totalSteps) : 0;
      if (r.state === 'pending') x = { progress: 0, durationSec: null, error: null };
      else if (r.state === 'running') x = { progress: frac, durationSec: prog?.elapsedSec ?? null, error: null };
      else {
        const sum = readJson<Summary>(path.join(runDir, RUN_FILES.summary));
        x = {
          progress: r.state === 'completed' ? 1 : frac,
          durationSec: sum?.durationSec ?? prog?.elapsedSec ?? null,
          error: r.state === 'lost' ? 'process lost (the runner is gone without a summary)' : r.state === 'failed' ? sum?.error ?? 'failed' : null,
        };
        e.extras.set(key, x);
      }
    }
    const last = r.evals[r.evals.length - 1];
    return { index: r.index, values: r.values, state: r.state, runId: p.runId, evals: r.evals, solution: last?.solution ?? null, progress: x.progress, durationSec: x.durationSec, error: x.error };
  }

  /**
   * Seconds left: the remaining work (pending points + the running points' remaining fractions) over the rate of
   * progress since this tracker first saw the current controller; until that rate is measurable, the mean duration
   * of the finished points times the remaining points over the concurrency. Null until a point has progressed.
   */
  private eta(e: Entry, controller: ControllerFile | null, st: SweepStatus, points: PhasePoint[]): number | null {
    const now = this.now();
    const key = controller?.startedAt ?? 'none';
    if (!e.anchor || e.anchor.key !== key || st.progress < e.anchor.p0) e.anchor = { key, t0: now, p0: st.progress };
    return estimateEta({
      total: st.total, finished: st.finished, completed: st.counts.completed, progress: st.progress,
      p0: e.anchor.p0, elapsedSec: (now - e.anchor.t0) / 1000,
      durations: points.filter((p) => p.state === 'completed' && p.durationSec !== null).map((p) => p.durationSec!),
      concurrency: controller?.concurrency ?? null,
    });
  }
}

function tailText(file: string): string {
  const t = tailFile(file, 8);
  return t ? `:\n${t}` : '';
}
