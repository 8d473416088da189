// The contract between a runner process and everyone who watches it (CLI, extension, sweeps, analyses).
// A run directory is written only by its runner; readers never write into it except control.json.
import type { ExperimentConfig, Pair, SolutionLabel } from '../core/config';

export const ENGINE_VERSION = '0.1.0';

/** File names inside a run directory. */
export const RUN_FILES = {
  config: 'config.json', // RunConfigFile, written once before training starts
  process: 'process.json', // ProcessFile, written at start (pid, host) so watchers can detect a lost process
  progress: 'progress.json', // ProgressFile, rewritten atomically about once a second
  metrics: 'metrics.jsonl', // MetricsLine per evaluation, appended and flushed
  attention: 'attention', // folder: AttentionSnapshot per evaluation, <step padded to 8>.json
  summary: 'summary.json', // Summary, written atomically when the run ends
  weights: 'weights', // folder: final weights (WeightsManifest + weights.bin)
  checkpoints: 'checkpoints', // folder: epoch-<NNNN>/ with the same weights format
  control: 'control.json', // ControlRequest, written by a watcher to ask the runner to stop
  log: 'runner.log', // the runner's stderr/stdout when started detached
} as const;

export type BackendName = 'tensorflow' | 'wasm' | 'cpu' | 'webgpu';
export type RunStatus = 'running' | 'completed' | 'failed' | 'cancelled';

export interface RunConfigFile {
  runId: string;
  engineVersion: string;
  backend: BackendName;
  backendDetail: string;
  createdAt: string;
  experimentFile: string | null;
  overrides: Record<string, unknown>;
  config: ExperimentConfig;
  derived: { trainSize: number; stepsPerEpoch: number; totalSteps: number; paramCount: number; peakLr: number };
}

export interface ProcessFile { pid: number; hostname: string; startedAt: string; argv: string[]; node: string }

export interface ProgressFile {
  step: number; totalSteps: number; epoch: number; epochs: number;
  /** Mean loss over the steps of the epoch in progress. */
  runningLoss: number | null;
  lr: number; stepsPerSec: number; etaSec: number | null; elapsedSec: number; updatedAt: string;
}

/** Accuracy on one unseen pair, scored on training-style keys, under each designated mapping. */
export interface UnseenReadout {
  pair: Pair;
  n: number;
  /** Fraction predicted as the composite x + shift(a1) + shift(a2). */
  inferential: number;
  /** Fraction predicted as the mirror pair's trained mapping (for (4,3): x − 6, copied from (3,4)). */
  symmetric: number;
  other: number;
  /** Histogram of (prediction − inferential target): deviation → fraction. */
  deviations: Record<string, number>;
}

export interface MetricsLine {
  step: number;
  /** Completed epochs. */
  epoch: number;
  lr: number;
  /** Mean training loss over the last completed epoch (null before the first). */
  loss: number | null;
  trainAcc: number;
  seenTestAcc: number;
  /** Test accuracy of each seen pair, keyed "a1,a2". */
  perPair: Record<string, number>;
  /** The headline unseen pair (the first of task.unseenPairs). */
  unseen: UnseenReadout;
  /** Every unseen pair (App E has two). */
  unseenAll: UnseenReadout[];
  solution: SolutionLabel;
  elapsedSec: number;
}

export interface Summary {
  runId: string;
  status: Exclude<RunStatus, 'running'>;
  error: string | null;
  /** null when the run failed before a backend was chosen (e.g. an invalid experiment file). */
  backend: BackendName | null;
  steps: number;
  epochs: number;
  durationSec: number;
  /** The last evaluation. */
  final: MetricsLine | null;
  /** Each field's maximum over evaluations (loss: its minimum). */
  best: MetricsLine | null;
  solution: SolutionLabel | null;
  /** Why training ended before train.epochs, if it did. */
  stoppedEarly: { reason: 'solution-held' | 'loss-below-threshold'; epoch: number; detail: string } | null;
}

export type TokenRole = 'key' | 'anchor' | 'noise' | 'pad';

export interface AttentionProbe {
  label: string;
  tokens: number[];
  roles: TokenRole[];
  /** [layer][head] → row-major T×T attention probabilities (query row, key column), 4 decimals. */
  maps: number[][][];
}
export interface AttentionSnapshot { step: number; epoch: number; probes: AttentionProbe[] }

export interface ControlRequest { request: 'cancel'; at: string; reason?: string }

/** weights/weights.json: the parameters, concatenated little-endian float32 in weights.bin. */
export interface WeightsManifest {
  format: 'anchor-lab-weights/1';
  epoch: number;
  step: number;
  dtype: 'float32';
  tensors: { name: string; shape: number[]; offset: number; size: number }[];
  /** Optimizer state (AdamW first and second moments) in the same layout, when saved. */
  optimizer?: { step: number; m: string; v: string };
}
