// Follows every run directory under a runs folder by polling the files the runner writes (no vscode import,
// so it is unit-tested with real runner processes). A run is known only through its directory: after a window
// reload a new tracker finds the same runs in the same states ("re-attach").
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive, listRuns, parseJsonLines } from '../core/runStore';
import { RUN_FILES, type MetricsLine, type ProcessFile, type ProgressFile, type RunConfigFile, type Summary } from '../protocol/runFiles';
import type { RunInfo, RunState } from '../protocol/webview';

export interface TrackedRun {
  id: string;
  dir: string;
  state: RunState;
  config: RunConfigFile | null;
  process: ProcessFile | null;
  progress: ProgressFile | null;
  summary: Summary | null;
  metrics: MetricsLine[];
  /** Steps of the attention snapshots on disk, ascending. */
  attentionSteps: number[];
  /** Absolute path of the experiment file (from config.json, else the runner's argv, else the launch record). */
  experimentFile: string | null;
  /** For failed and lost runs: the last lines of runner.log. */
  logTail: string | null;
  error: string | null;
  /** Bumped on every observed change. */
  version: number;
  /** When the tracker first saw the directory (ms). */
  firstSeen: number;
}

export interface RunTrackerOptions {
  runsDir: string;
  pollMs?: number;
  /** A directory with neither process.json nor summary this long after it appeared is lost (the runner died before starting). */
  startGraceMs?: number;
}

interface FileSig { progress: string; metrics: number; summary: string; process: string; config: string; attention: string; log: string }

const sigOf = (file: string): string => { try { const s = fs.statSync(file); return `${s.mtimeMs}:${s.size}`; } catch { return ''; } };
function readJson<T>(file: string): T | null { try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return null; } }

export function tailFile(file: string, lines = 20, maxBytes = 16384): string | null {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const n = Math.min(size, maxBytes);
      const buf = Buffer.alloc(n);
      fs.readSync(fd, buf, 0, n, size - n);
      return buf.toString('utf8').split('\n').filter((l) => l.trim()).slice(-lines).join('\n');
    } finally { fs.closeSync(fd); }
  } catch { return null; }
}

/** Run directory → experiment file, from what the directory says. */
export function experimentFileOf(config: RunConfigFile | null, proc: ProcessFile | null): string | null {
  if (config?.experimentFile) return config.experimentFile;
  // argv as written by the runner: [cli.js, 'run', <file>, ...]
  const i = proc?.argv.indexOf('run') ?? -1;
  if (proc && i >= 0 && proc.argv[i + 1]) return path.resolve(proc.argv[i + 1]);
  return null;
}

export type RunsListener = (changed: TrackedRun[], removed: string[]) => void;

export class RunTracker {
  readonly runsDir: string;
  private readonly pollMs: number;
  private readonly startGraceMs: number;
  private readonly runs = new Map<string, TrackedRun>();
  private readonly sigs = new Map<string, FileSig>();
  private readonly metricsOffset = new Map<string, number>();
  private readonly listeners = new Set<RunsListener>();
  /** Runs this session launched: dir → experiment file (until config.json says so itself). */
  private readonly launched = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(opts: RunTrackerOptions) {
    this.runsDir = opts.runsDir;
    this.pollMs = opts.pollMs ?? 500;
    this.startGraceMs = opts.startGraceMs ?? 60_000;
  }

  onChange(fn: RunsListener): () => void { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  start(): void { if (!this.timer) { this.poll(); this.timer = setInterval(() => this.poll(), this.pollMs); } }
  dispose(): void { if (this.timer) clearInterval(this.timer); this.timer = null; this.listeners.clear(); }

  noteLaunched(dir: string, experimentFile: string): void { this.launched.set(path.resolve(dir), experimentFile); this.poll(); }

  list(): TrackedRun[] { return [...this.runs.values()].sort((a, b) => a.id.localeCompare(b.id)); }
  get(id: string): TrackedRun | undefined { return this.runs.get(id); }
  active(): TrackedRun[] { return this.list().filter((r) => r.state === 'running' || r.state === 'starting'); }
  forFile(file: string): TrackedRun[] {
    const f = normalize(file);
    return this.list().filter((r) => r.experimentFile !== null && normalize(r.experimentFile) === f);
  }

  /** Wait until a predicate on the runs holds (tests and the stop command use it). */
  waitFor(pred: (t: RunTracker) => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (pred(this)) return resolve(true);
      const off = this.onChange(() => { if (pred(this)) { off(); clearTimeout(to); resolve(true); } });
      const to = setTimeout(() => { off(); resolve(pred(this)); }, timeoutMs);
    });
  }

  /** Read what changed since the last poll and notify listeners. Synchronous; cheap when nothing changed. */
  poll(): void {
    const dirs = listRuns(this.runsDir);
    const seen = new Set<string>();
    const changed: TrackedRun[] = [];
    for (const dir of dirs) {
      const id = path.basename(dir);
      seen.add(id);
      const r = this.update(id, dir);
      if (r) changed.push(r);
    }
    const removed: string[] = [];
    for (const id of [...this.runs.keys()]) {
      if (!seen.has(id)) { this.runs.delete(id); this.sigs.delete(id); this.metricsOffset.delete(id); removed.push(id); }
    }
    if (changed.length || removed.length) for (const fn of [...this.listeners]) { try { fn(changed, removed); } catch { /* a listener's bug must not stop tracking */ } }
  }

  private update(id: string, dir: string): TrackedRun | null {
    const f = (n: string) => path.join(dir, n);
    const sig: FileSig = {
      progress: sigOf(f(RUN_FILES.progress)), metrics: fileSize(f(RUN_FILES.metrics)), summary: sigOf(f(RUN_FILES.summary)),
      process: sigOf(f(RUN_FILES.process)), config: sigOf(f(RUN_FILES.config)), attention: sigOf(f(RUN_FILES.attention)), log: sigOf(f(RUN_FILES.log)),
    };
    const old = this.sigs.get(id);
    let run = this.runs.get(id);
    const fresh = !run;
    if (!run) {
      run = { id, dir, state: 'starting', config: null, process: null, progress: null, summary: null, metrics: [], attentionSteps: [], experimentFile: null, logTail: null, error: null, version: 0, firstSeen: Date.now() };
      this.runs.set(id, run);
    }
    const sigChanged = !old || Object.keys(sig).some((k) => sig[k as keyof FileSig] !== old[k as keyof FileSig]);
    const finished = run.state === 'completed' || run.state === 'failed' || run.state === 'cancelled' || run.state === 'lost';
    // Finished runs are re-read only when their files change; live ones are checked for a lost process each poll.
    if (!sigChanged && finished) return null;
    this.sigs.set(id, sig);
    if (sigChanged) {
      if (!old || sig.config !== old.config) run.config = readJson<RunConfigFile>(f(RUN_FILES.config));
      if (!old || sig.process !== old.process) run.process = readJson<ProcessFile>(f(RUN_FILES.process));
      if (!old || sig.progress !== old.progress) run.progress = readJson<ProgressFile>(f(RUN_FILES.progress)) ?? run.progress;
      if (!old || sig.summary !== old.summary) run.summary = readJson<Summary>(f(RUN_FILES.summary));
      if (!old || sig.metrics !== old.metrics) this.readMetrics(run);
      if (!old || sig.attention !== old.attention) run.attentionSteps = attentionStepsOf(dir);
    }
    run.experimentFile = experimentFileOf(run.config, run.process) ?? this.launched.get(path.resolve(dir)) ?? null;
    const prevState = run.state;
    run.state = this.stateOf(run);
    if (run.state === 'failed' || run.state === 'lost') {
      run.logTail = tailFile(f(RUN_FILES.log));
      run.error = run.state === 'lost'
        ? `process lost${run.process ? ` (pid ${run.process.pid} is gone without a summary)` : ' (the runner never started)'}`
        : run.summary?.error ?? 'failed';
    } else { run.error = null; }
    if (!sigChanged && run.state === prevState && !fresh) return null;
    run.version++;
    return run;
  }

  private stateOf(run: TrackedRun): RunState {
    if (run.summary) return run.summary.status;
    if (run.process) {
      if (run.process.hostname === os.hostname() && !isProcessAlive(run.process.pid)) return 'lost';
      return 'running';
    }
    // No process.json yet: the runner is starting, or died before it wrote one.
    const born = Math.min(run.firstSeen, dirBirth(run.dir));
    return Date.now() - born > this.startGraceMs ? 'lost' : 'starting';
  }

  private readMetrics(run: TrackedRun): void {
    const file = path.join(run.dir, RUN_FILES.metrics);
    let offset = this.metricsOffset.get(run.id) ?? 0;
    let size = 0;
    try { size = fs.statSync(file).size; } catch { run.metrics = []; this.metricsOffset.set(run.id, 0); return; }
    if (size < offset) { offset = 0; run.metrics = []; } // rewritten
    if (size === offset) return;
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      const text = buf.toString('utf8');
      const lastNl = text.lastIndexOf('\n');
      if (lastNl < 0) return; // only a partial line so far
      const { items } = parseJsonLines<MetricsLine>(text.slice(0, lastNl + 1));
      run.metrics = run.metrics.concat(items);
      this.metricsOffset.set(run.id, offset + Buffer.byteLength(text.slice(0, lastNl + 1), 'utf8'));
    } finally { fs.closeSync(fd); }
  }
}

function fileSize(file: string): number { try { return fs.statSync(file).size; } catch { return -1; } }
function dirBirth(dir: string): number { try { const s = fs.statSync(dir); return s.birthtimeMs || s.ctimeMs; } catch { return Date.now(); } }
export function normalize(p: string): string { const r = path.resolve(p); return process.platform === 'win32' ? r.toLowerCase() : r; }

export function attentionStepsOf(dir: string): number[] {
  try {
    return fs.readdirSync(path.join(dir, RUN_FILES.attention)).filter((n) => /^\d+\.json$/.test(n)).map((n) => parseInt(n, 10)).sort((a, b) => a - b);
  } catch { return []; }
}

export function attentionFile(dir: string, step: number): string {
  return path.join(dir, RUN_FILES.attention, `${String(step).padStart(8, '0')}.json`);
}

/** The webview's view of a tracked run. */
export function runInfo(r: TrackedRun): RunInfo {
  const error = r.error ? (r.logTail ? `${r.error}\n${r.logTail}` : r.error) : null;
  return {
    id: r.id,
    name: r.config?.config.name ?? r.id,
    experimentFile: r.experimentFile,
    state: r.state,
    error,
    backend: r.config?.backendDetail ?? r.config?.backend ?? null,
    config: r.config?.config ?? null,
    derived: r.config?.derived ?? null,
    overrides: r.config?.overrides ?? {},
    progress: r.progress,
    solution: r.summary?.solution ?? r.metrics[r.metrics.length - 1]?.solution ?? null,
    durationSec: r.summary?.durationSec ?? r.progress?.elapsedSec ?? null,
  };
}
