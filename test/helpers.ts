// Shared helpers for tests: tiny configs and the real CLI as a child process.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, type ExperimentConfig } from '../src/core/config';

export const ROOT = path.resolve(__dirname, '..');
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/** A model small enough to train a few epochs in seconds. */
export function tinyConfig(patch: (c: ExperimentConfig) => void = () => {}): ExperimentConfig {
  const c = defaultConfig();
  c.name = 'tiny';
  c.task.trainPerPair = 200; c.task.testPerPair = 40;
  c.model.dModel = 32; c.model.dHead = 16; c.model.dFF = 64;
  c.train.epochs = 4; c.train.batchSize = 64; c.train.lrMultiplier = 100; c.train.warmupEpochs = 1; c.train.schedule = 'warmup-cosine';
  c.eval.everyEpochs = 1;
  patch(c);
  return c;
}

export function tmpDir(prefix = 'anchor-lab-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeExperiment(dir: string, name: string, content: object | string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

export function runCliSync(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function startCli(args: string[], cwd = ROOT): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return Object.assign(child, { output: () => out });
}

export async function waitFor<T>(fn: () => T | undefined | null | false, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const exited = (child: ChildProcess) => new Promise<number | null>((r) => (child.exitCode !== null ? r(child.exitCode) : child.on('exit', (code) => r(code))));
