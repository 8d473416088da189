// Starting a sweep controller (`anchor-lab sweep`) from the extension (no vscode import). The controller is a
// detached process like a single run: it survives a window reload, and the extension follows the sweep only through
// its directory (src/extension/sweeps.ts).
//
// A new sweep is created here first (createSweep, the same call the CLI makes), so that the phase-diagram panel has a
// sweep.json to show at once and the controller's output can go to <sweepDir>/controller.log; the controller is then
// the CLI on that --sweep-dir, which for an existing sweep means "run every point that is not completed" — for a
// fresh sweep, all of them. A resume is the same command on an older sweep directory.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperiment, parseOverride } from '../core/config';
import { newRunId } from '../core/runStore';
import { definitionHash, sweepAxes, sweepOptionsOf } from '../core/sweep';
import { createSweep } from '../core/sweepStore';
import type { SweepExecutorName, SweepFile } from '../protocol/sweepFiles';
import { SWEEP_FILES } from '../protocol/sweepFiles';
import { CONTROLLER_LOG } from './sweeps';

/** anchorLab.sweep.executor: "file" = the experiment file's sweepOptions.executor. */
export type ExecutorSetting = 'file' | SweepExecutorName;
/** Backends `anchor-lab sweep --backend` accepts (webgpu is for single runs only). */
const SWEEP_BACKENDS = ['auto', 'wasm', 'node', 'cpu'];

export interface ControllerOptions {
  /** dist/cli.js of the installed extension. */
  cli: string;
  /** The experiment file given to the CLI (the original, or the sweep's own copy on a resume). */
  file: string;
  sweepDir: string;
  runsDir: string;
  cwd: string;
  /** --concurrency (omitted: the file's sweepOptions.maxConcurrent, else the number of cores). */
  concurrency?: number;
  executor?: SweepExecutorName;
  backend?: string;
  /** --set path=json of the sweep's base overrides. */
  sets?: string[];
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
}

export function controllerArgs(o: ControllerOptions): string[] {
  const args = [o.cli, 'sweep', o.file, '--no-progress', '--sweep-dir', o.sweepDir, '--out', o.runsDir];
  if (o.concurrency && o.concurrency > 0) args.push('--concurrency', String(Math.floor(o.concurrency)));
  if (o.executor) args.push('--executor', o.executor);
  if (o.backend && SWEEP_BACKENDS.includes(o.backend)) args.push('--backend', o.backend);
  for (const s of o.sets ?? []) args.push('--set', s);
  return args;
}

/** Spawn the detached controller on an existing sweep directory; its stdout/stderr go to <sweepDir>/controller.log. */
export function launchController(o: ControllerOptions): { pid: number } {
  if (!fs.existsSync(path.join(o.sweepDir, SWEEP_FILES.sweep))) throw new Error(`${o.sweepDir} holds no ${SWEEP_FILES.sweep}`);
  const logFile = path.join(o.sweepDir, CONTROLLER_LOG);
  const logFd = fs.openSync(logFile, 'a');
  try {
    fs.writeSync(logFd, `--- ${new Date().toISOString()} ${controllerArgs(o).slice(1).join(' ')}\n`);
    const exe = o.nodePath && o.nodePath.trim() ? o.nodePath : process.execPath;
    const child = spawn(exe, controllerArgs(o), {
      cwd: o.cwd,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      // The runners the controller starts inherit this environment (and run with the same executable).
      env: { ...(o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    child.on('error', (e) => { try { fs.appendFileSync(logFile, `failed to start ${exe}: ${e.message}\n`); } catch { /* dir gone */ } });
    child.unref();
    return { pid: child.pid ?? -1 };
  } finally {
    fs.closeSync(logFd);
  }
}

/**
 * --concurrency for the controller: the file's sweepOptions.maxConcurrent wins when it is set; otherwise the
 * setting anchorLab.sweep.maxConcurrent when > 0; otherwise nothing (the CLI then uses the number of cores).
 */
export function concurrencyFor(fileMaxConcurrent: number | null, setting: number | undefined): number | undefined {
  if (fileMaxConcurrent !== null && fileMaxConcurrent !== undefined) return undefined;
  return setting && setting > 0 ? Math.floor(setting) : undefined;
}

export interface NewSweepPlan {
  config: ReturnType<typeof parseExperiment>['config'];
  hash: string;
  executor: SweepExecutorName;
  /** --executor to pass (only when the setting overrides the file). */
  executorFlag?: SweepExecutorName;
  concurrency?: number;
}

/** What a new sweep of this text would be (the caller has checked that the text has no errors). */
export function planSweep(text: string, executorSetting: ExecutorSetting, concurrencySetting: number | undefined): NewSweepPlan {
  const { config } = parseExperiment(text);
  const options = sweepOptionsOf(config);
  const executorFlag = executorSetting === 'file' ? undefined : executorSetting;
  return {
    config, hash: definitionHash(config, sweepAxes(config)),
    executor: executorFlag ?? options.executor, executorFlag,
    concurrency: concurrencyFor(options.maxConcurrent, concurrencySetting),
  };
}

/** Create the sweep directory of a new sweep (what `anchor-lab sweep` would create), named like a run id. */
export function createNewSweep(o: { text: string; file: string; plan: NewSweepPlan; sweepsDir: string; runsDir: string; now?: Date }): { dir: string; sweep: SweepFile } {
  const id = newRunId(o.plan.config.name, o.now);
  return createSweep({
    text: o.text, experimentFile: o.file, config: o.plan.config, baseOverrides: {},
    options: { ...sweepOptionsOf(o.plan.config), executor: o.plan.executor },
    sweepsDir: o.sweepsDir, runsDir: o.runsDir, dir: path.join(o.sweepsDir, id), now: o.now,
  });
}

/**
 * What to give the CLI to resume a sweep: the original experiment file while it still defines the same sweep (so
 * edits to its sweepOptions apply), else the sweep's own copy (experiment.json), plus the sweep's base overrides.
 */
export function resumeSource(dir: string, sweep: SweepFile): { file: string; sets: string[]; maxConcurrent: number | null } {
  const sets = Object.entries(sweep.baseOverrides ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const overrides = sets.map(parseOverride);
  const copy = path.join(dir, SWEEP_FILES.experiment);
  for (const file of [sweep.experimentFile, copy]) {
    if (!file) continue;
    try {
      const { config, issues } = parseExperiment(fs.readFileSync(file, 'utf8'), overrides);
      if (!issues.some((i) => i.severity === 'error') && definitionHash(config, sweepAxes(config)) === sweep.definitionHash) return { file, sets, maxConcurrent: sweepOptionsOf(config).maxConcurrent };
    } catch { /* gone or unreadable */ }
  }
  return { file: copy, sets, maxConcurrent: sweep.options.maxConcurrent };
}
