// The sweep-directory contract: what a sweep controller (the `anchor-lab sweep` CLI, local or Slurm executor) writes,
// and what every watcher (CLI, extension's runs view / Sweep lens / phase-diagram webview) reads.
//
// Layout (default root `.anchor-lab/sweeps`, next to the ordinary runs directory `.anchor-lab/runs`):
//
//   .anchor-lab/sweeps/<sweepId>/
//     sweep.json        SweepFile. Written atomically by the controller when the sweep is created and whenever a point
//                       gets a new attempt (resume) or a Slurm submission is made. Never holds live state.
//     experiment.json   A verbatim copy of the experiment file as it was when the sweep was created. Every point runs
//                       `anchor-lab run <this copy> --run-dir <point run dir> --no-progress --set <path>=<json> ...`,
//                       so editing the original file never changes the points of an existing sweep.
//     controller.json   ControllerFile. Rewritten by each controller when it starts (and when it ends: `endedAt`).
//                       A watcher treats the sweep as "being driven" while `endedAt` is null and the pid is alive
//                       (same host) — for Slurm the array keeps going without a controller, see `submissions`.
//     control.json      SweepControlRequest, written by anyone to cancel the whole sweep (cancel-all). A live local
//                       controller sees it within ~0.3 s, stops starting points and cancels the running ones.
//                       `cancelSweep()` (src/core/sweepStore.ts) also cancels every running point itself and runs
//                       `scancel` for Slurm submissions, so cancel-all works without a live controller.
//                       A resume removes it.
//     slurm/            Slurm executor only: submit-<k>.sh job scripts and the tasks' stdout/stderr (<jobid>_<task>.out).
//
// Points are ordinary runs: point p's current attempt lives at `<runsDir>/<runId>` (the normal runs directory, so
// the runs view, the dashboard and `readRun()` work on it unchanged). The live state of a point is NOT stored in the
// sweep directory: derive it with `pointStateOf()` from the run directory (readRun().state) — no run directory yet
// means "pending" (waiting for a local slot or queued in Slurm).
//
// Run ids: `<sweepId>-p<index, 3+ digits>` for the first attempt, `...-a<k>` for attempt k ≥ 2 (a resume restarts a
// failed / cancelled / lost point in a fresh directory; the older ones stay listed in `previousRunIds`).
//
// For the runs view: a sweep node = one sweep directory (title `name`, `done/total` from the point states);
// its children = `points` in `runOrder`, each labelled by `pointLabel(values)` and backed by the run directory.
//
// For the extension (nothing here depends on vscode):
//   start    spawn `node dist/cli.js sweep <file> --no-progress --sweep-dir <sweepsDir>/<id> [--concurrency N]
//            [--executor slurm]` detached (like single runs), choosing the id with newRunId(name); the sweep then
//            survives a window reload because the controller is its own process and all state is on disk.
//            Resume = the same command on an existing --sweep-dir (or `--resume` for the newest of that definition).
//   follow   listSweeps(sweepsDir) → readSweep(dir) → sweepStatus(dir, sweep, cache) (counts, fractional progress
//            for an ETA, and per-point results) → sweepPhaseDiagram(sweep, results) (cells with mean/std/n, shadow,
//            partial, run ids) — src/core/sweepStore.ts and src/core/sweepReduce.ts. Watch sweep.json and the points'
//            metrics.jsonl / summary.json; poll ~1 s is enough. For a sweep with `submissions` (Slurm), pass
//            liveRunIds(sweep) (src/runner/sweepSlurm.ts, runs squeue) as sweepStatus's 4th argument so that a task
//            that died on another node reads as lost instead of running.
//   cancel   cancelSweep(dir) (src/core/sweepStore.ts), or `anchor-lab sweep <file> --cancel [--sweep-dir dir]`.
//   diagnose checkSweepText(text, overrides, { speed: measureSpeed(runsDir) }) (src/core/sweepCheck.ts): located
//            issues of the sweep block, to add to parseExperiment's.
import type { ExperimentConfig } from '../core/config';

export const SWEEP_FORMAT = 'anchor-lab-sweep/1' as const;

export const SWEEP_FILES = {
  sweep: 'sweep.json',
  experiment: 'experiment.json',
  controller: 'controller.json',
  control: 'control.json',
  slurm: 'slurm',
} as const;

/** Default sweeps root, relative to the workspace (the runs live in `.anchor-lab/runs`). */
export const DEFAULT_SWEEPS_DIR = '.anchor-lab/sweeps';

export type SweepOrder = 'shuffled' | 'grid';
export type SweepExecutorName = 'local' | 'slurm';
export type OverEvals = 'max' | 'final';

export interface SlurmOptions {
  partition: string | null;
  timeLimit: string | null;
  cpusPerTask: number;
  extraArgs: string[];
}

/** `sweepOptions` of the experiment file, with the schema's defaults filled in. */
export interface SweepOptions {
  order: SweepOrder;
  /** null = os.cpus().length (local) or no %limit (slurm). */
  maxConcurrent: number | null;
  executor: SweepExecutorName;
  maxOver: string[];
  meanOver: string[];
  overEvals: OverEvals;
  slurm: SlurmOptions;
}

export interface SweepAxis {
  /** Dotted config path, e.g. "model.gamma". */
  path: string;
  values: unknown[];
}

export interface SweepPoint {
  /** Position in grid order: row-major over `axes` (the last axis varies fastest). */
  index: number;
  /** Index into each axis's values, in `axes` order. */
  coords: number[];
  /** Swept path → value, e.g. {"model.gamma": 0.8, "train.seed": 2}. */
  values: Record<string, unknown>;
  /** The point's run id (current attempt); its directory is `<runsDir>/<runId>`. */
  runId: string;
  /** Run ids of earlier attempts (failed / cancelled / lost ones that a resume replaced), oldest first. */
  previousRunIds: string[];
  /** The fully resolved config this point trains (base file + --set + swept values, defaults filled in). */
  config: ExperimentConfig;
}

export interface SlurmSubmission {
  jobId: string;
  submittedAt: string;
  /** Point indices; array task i runs points[i]. */
  points: number[];
  /** The run id each array task writes (the point's attempt at submission time). */
  runIds: string[];
  script: string;
  /** The sbatch arguments used (before the script path). */
  sbatchArgs: string[];
}

export interface SweepFile {
  format: typeof SWEEP_FORMAT;
  sweepId: string;
  name: string;
  createdAt: string;
  /** Absolute path of the experiment file the sweep was created from (the points run the copy in experiment.json). */
  experimentFile: string | null;
  /** Base overrides given with --set when the sweep was created (applied before the swept values). */
  baseOverrides: Record<string, unknown>;
  /** Hash of the resolved base config and the axes: the same definition gives the same hash (used by --resume). */
  definitionHash: string;
  axes: SweepAxis[];
  options: SweepOptions;
  /** The runs directory holding the points' run directories, relative to the sweep directory (usually "../../runs"). */
  runsDir: string;
  points: SweepPoint[];
  /** Point indices in the order they are (re)started. */
  runOrder: number[];
  /** Slurm executor: every sbatch job array submitted for this sweep, oldest first. */
  submissions: SlurmSubmission[];
}

export interface ControllerFile {
  pid: number;
  hostname: string;
  executor: SweepExecutorName;
  /** Local: the concurrency limit in force; Slurm: the array's %limit (null = none). */
  concurrency: number | null;
  startedAt: string;
  endedAt: string | null;
  /** Why the controller ended, once it has. */
  outcome: 'completed' | 'cancelled' | 'incomplete' | 'detached' | null;
}

export interface SweepControlRequest { request: 'cancel'; at: string; reason?: string }

/** A point's state, derived from its run directory (see pointStateOf in src/core/sweepStore.ts). */
export type PointState = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled' | 'lost';

/** Short label of a point's swept values, e.g. "γ=0.8 L=3 seed=2". */
export function pointLabel(values: Record<string, unknown>): string {
  return Object.entries(values).map(([k, v]) => `${axisShortName(k)}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

const SHORT: Record<string, string> = {
  'model.gamma': 'γ', 'model.layers': 'L', 'train.seed': 'seed', 'train.lrMultiplier': 'm', 'train.weightDecay': 'wd',
  'model.heads': 'H', 'train.epochs': 'epochs',
};
export function axisShortName(path: string): string {
  return SHORT[path] ?? path.split('.').pop()!;
}
