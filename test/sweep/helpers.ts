// Shared by the sweep tests: temp stores, the tiny config, and the real CLI as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { listSweeps, readSweep, sweepPhaseDiagram, sweepStatus } from '../../src/core/sweepStore';
import type { PhaseDiagram } from '../../src/core/sweepReduce';
import type { SweepFile } from '../../src/protocol/sweepFiles';

export const REPO = path.resolve(__dirname, '..', '..');
export const HARNESS = path.join(__dirname, 'harness.ts');
/** The harness bundled like dist/cli.js (starts in ~0.5 s instead of ~2.5 s under tsx); inside node_modules so the
 *  external @tensorflow packages resolve. */
const BUNDLE = path.join(REPO, 'node_modules', '.cache', 'anchor-lab-sweep-test', 'sweep-cli.js');
let bundled = false;
function ensureBundle(): void {
  if (bundled) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [HARNESS], outfile: BUNDLE, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    mainFields: ['module', 'main'], external: ['@tensorflow/*', 'vscode'], logLevel: 'warning',
    // cli.ts runs its own main() when it is the entry module; in this bundle the harness is.
    define: { 'require.main': 'undefined' },
  });
  bundled = true;
}

/** ~4 s per run on one wasm thread. */
export const TINY = {
  name: 'tiny', task: { trainPerPair: 200, testPerPair: 40 }, model: { dModel: 32, dHead: 16, dFF: 64 },
  train: { epochs: 4, batchSize: 64, lrMultiplier: 100, warmupEpochs: 1, schedule: 'warmup-cosine' }, eval: { everyEpochs: 1 },
};

/** A snapshot of dist/cli.js that the points run, so a concurrent `npm run build` in a shared tree cannot hand a
 *  runner a half-written bundle (inside node_modules, so its external packages resolve as from dist/). */
const RUNNER = path.join(REPO, 'node_modules', '.cache', 'anchor-lab-sweep-test', 'runner.js');
let runnerCopied = false;
export function ensureBuilt(): void {
  if (runnerCopied) return;
  const cli = path.join(REPO, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) {
    const r = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('node esbuild.mjs failed');
  }
  fs.mkdirSync(path.dirname(RUNNER), { recursive: true });
  // Copy until a complete bundle is read (a concurrent rebuild rewrites the file in place).
  for (let i = 0; ; i++) {
    const text = fs.readFileSync(cli, 'utf8');
    let complete = false;
    try { new vm.Script(text, { filename: cli }); complete = true; } catch { /* mid-write */ }
    if (complete) { fs.writeFileSync(RUNNER + '.tmp', text); fs.renameSync(RUNNER + '.tmp', RUNNER); break; }
    if (i > 50) throw new Error('dist/cli.js looks truncated; run `npm run build`');
    spawnSync('sleep', ['0.2']);
  }
  runnerCopied = true;
}

const stores: string[] = [];
export function tmpStore(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `anchor-lab-sweep-${tag}-`));
  stores.push(d);
  return d;
}
// Root-level hook (this module is loaded with the test files): remove the temp stores unless asked to keep them.
after(() => {
  if (process.env.ANCHOR_LAB_KEEP_TEST_DIRS) return;
  for (const d of stores) { try { fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 }); } catch (e) { process.stderr.write(`could not remove ${d}: ${(e as Error).message}\n`); } }
});

export function writeExperiment(dir: string, name: string, extra: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.experiment.json`);
  fs.writeFileSync(file, JSON.stringify({ ...TINY, ...extra }, null, 2) + '\n');
  return file;
}

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Start `anchor-lab sweep ...` (the real program with the sweep command registered) in `cwd`. */
export function startCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<CliResult> } {
  ensureBuilt();
  ensureBundle();
  const child = spawn(process.execPath, [BUNDLE, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ANCHOR_LAB_RUNNER: RUNNER } });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export function runCli(args: string[], cwd: string): Promise<CliResult> {
  return startCli(args, cwd).done;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => T | null | undefined | false, timeoutMs = 60000, everyMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function onlySweep(store: string): { dir: string; sweep: SweepFile } {
  const dirs = listSweeps(path.join(store, 'sweeps'));
  if (dirs.length !== 1) throw new Error(`expected one sweep in ${store}, found ${dirs.length}`);
  return { dir: dirs[0], sweep: readSweep(dirs[0])! };
}

export function diagramOf(dir: string): PhaseDiagram {
  const sweep = readSweep(dir)!;
  return sweepPhaseDiagram(sweep, sweepStatus(dir, sweep).results);
}

/** The diagram without run ids (they differ between two sweeps of the same grid). */
export function comparable(d: PhaseDiagram) {
  return { ...d, cells: d.cells.map(({ runIds: _r, ...c }) => c) };
}

/** The grid that both the local and the Slurm test run: 2 γ × 2 seeds of the tiny config. */
export const SHARED_GRID = { sweep: { 'model.gamma': [0.5, 0.8], 'train.seed': [1, 2] } };

let shared: Promise<{ store: string; file: string; result: CliResult; dir: string }> | null = null;
/** One local sweep of SHARED_GRID per test process (the local test asserts on it, the Slurm test compares with it). */
export function sharedLocalSweep(onSpawn?: (child: ChildProcess, store: string) => void): Promise<{ store: string; file: string; result: CliResult; dir: string }> {
  if (!shared) {
    shared = (async () => {
      const store = tmpStore('local');
      const file = writeExperiment(store, 'grid', SHARED_GRID);
      const { child, done } = startCli(['sweep', file, '--out', path.join(store, 'runs'), '--concurrency', '2'], store);
      onSpawn?.(child, store);
      const result = await done;
      return { store, file, result, dir: onlySweep(store).dir };
    })();
  }
  return shared;
}
