// Shared by the extension unit tests: tiny experiment files and a temporary workspace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');

export function tinyConfig(epochs = 4, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    name: 'tiny',
    task: { trainPerPair: 200, testPerPair: 40 },
    model: { dModel: 32, dHead: 16, dFF: 64 },
    train: { epochs, batchSize: 64, lrMultiplier: 100, warmupEpochs: 1, schedule: 'warmup-cosine' },
    eval: { everyEpochs: 1 },
    ...extra,
  }, null, 2);
}

export function tempWorkspace(prefix = 'anchor-lab-ws-'): { root: string; runs: string; file: (name: string, text: string) => string; cleanup: () => void } {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  const runs = path.join(root, '.anchor-lab', 'runs');
  return {
    root, runs,
    file: (name, text) => { const f = path.join(root, name); fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, text); return f; },
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
