// The WebGPU backend (src/core/webgpu.ts, src/core/backend.ts) on real Dawn with a real adapter, no mocks.
// Here that adapter is a software one (Mesa ≥ 24 lavapipe, installed by test/setup.sh), about 10x slower than wasm,
// so every config is tiny. Each backend runs in its own child process: one process holds one tfjs backend.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, ROOT, tinyConfig, tmpDir, writeExperiment } from '../helpers';
import { adapterLabel, summarize } from '../../src/core/webgpu';

/** Vulkan pointed at no driver: Dawn finds no adapter at all (a real "no GPU" machine, not a mock). */
const NO_ADAPTER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };

function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 110_000) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, ...env } });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Relative paths of every file under dir, sorted. */
function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(dir, path.join(rel, e.name)) : [path.join(rel, e.name)]))
    .sort();
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);

describe('webgpu backend (Dawn, software adapter)', function () {
  this.timeout(120_000);
  let dir: string;
  let tinyFile: string;

  before(function () {
    // The adapter this suite needs: fail loudly (not skip) when the machine lacks it.
    const probe = spawnSync(process.execPath, ['--input-type=module', '-e', `
      import { create, globals } from 'webgpu';
      Object.assign(globalThis, globals);
      const a = await create([]).requestAdapter();
      console.log(JSON.stringify(a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null));
      process.exit(0);`], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    const adapter = JSON.parse(probe.stdout.trim().split('\n').pop() || 'null');
    assert.ok(adapter, `Dawn finds no WebGPU adapter on this machine; run \`bash test/setup.sh\` as root (Mesa 25 lavapipe from bookworm-backports). stderr: ${probe.stderr}`);
    dir = tmpDir('anchor-lab-webgpu-');
    tinyFile = writeExperiment(dir, 'tiny.experiment.json', tinyConfig());
  });

  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('trains 20 steps with the same per-step losses as wasm (same initial weights and batches, 1e-4 relative)', function () {
    const traces: Record<string, { losses: number[]; gradNorms: number[] }> = {};
    for (const backend of ['wasm', 'webgpu']) {
      const out = path.join(dir, `trace-${backend}`);
      const r = cli(['trace', tinyFile, '--out', out, '--steps', '20', '--backend', backend]);
      assert.equal(r.code, 0, `trace on ${backend} failed:\n${r.stderr}`);
      traces[backend] = JSON.parse(fs.readFileSync(path.join(out, 'trace.json'), 'utf8'));
      if (backend === 'webgpu') assert.match(r.stderr, /software adapter/, 'a forced software adapter warns');
    }
    // Same inputs on both sides: the traces record the initial weights and batches.
    for (const f of ['init.bin', 'tokens.bin', 'targets.bin']) assert.ok(fs.readFileSync(path.join(dir, 'trace-wasm', f)).equals(fs.readFileSync(path.join(dir, 'trace-webgpu', f))), f);
    const { wasm, webgpu } = traces;
    assert.equal(webgpu.losses.length, 20);
    let worst = 0;
    wasm.losses.forEach((l, i) => {
      const d = relDiff(l, webgpu.losses[i]);
      worst = Math.max(worst, d);
      assert.ok(d < 1e-4, `step ${i}: wasm loss ${l}, webgpu ${webgpu.losses[i]} (relative difference ${d.toExponential(2)})`);
    });
    assert.ok(wasm.losses[19] < wasm.losses[0], 'the loss went down over the 20 steps');
    process.stderr.write(`      largest relative loss difference webgpu/wasm over 20 steps: ${worst.toExponential(2)}\n`);
  });

  it('a complete tiny CLI run on webgpu writes the same run directory as on wasm, with the backend and adapter recorded', function () {
    const small = writeExperiment(dir, 'small.experiment.json', tinyConfig((c) => { c.name = 'small'; c.task.trainPerPair = 60; c.task.testPerPair = 20; c.train.epochs = 2; c.train.warmupEpochs = 1; }));
    const runs: Record<string, { dir: string; stderr: string }> = {};
    for (const backend of ['wasm', 'webgpu']) {
      const runDir = path.join(dir, 'runs', backend);
      const r = cli(['run', small, '--backend', backend, '--run-dir', runDir, '--no-progress']);
      assert.equal(r.code, 0, `run on ${backend} failed:\n${r.stderr}`);
      runs[backend] = { dir: runDir, stderr: r.stderr };
    }
    const files = (b: string) => listFiles(runs[b].dir).filter((f) => f !== 'runner.log');
    assert.deepEqual(files('webgpu'), files('wasm'));
    assert.ok(files('webgpu').includes('metrics.jsonl') && files('webgpu').includes(path.join('weights', 'weights.bin')), files('webgpu').join(' '));

    const cfg = JSON.parse(fs.readFileSync(path.join(runs.webgpu.dir, 'config.json'), 'utf8'));
    assert.equal(cfg.backend, 'webgpu');
    // vendor / architecture / description of the adapter, as lavapipe reports them
    assert.match(cfg.backendDetail, /adapter mesa \/ software \/ llvmpipe/, cfg.backendDetail);
    assert.match(cfg.backendDetail, /software adapter/);
    const summary = JSON.parse(fs.readFileSync(path.join(runs.webgpu.dir, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'completed');
    assert.equal(summary.backend, 'webgpu');
    // The CLI prints the backend with its adapter at the start, and warns that a software adapter is slow.
    const firstLines = runs.webgpu.stderr.split('\n').filter((l) => l.startsWith('anchor-lab'));
    assert.ok(firstLines.some((l) => /backend tfjs-backend-webgpu .*adapter mesa \/ software/.test(l)), runs.webgpu.stderr);
    assert.match(runs.webgpu.stderr, /WARNING: WebGPU runs on a software adapter/);
    // Same training on both: the metrics agree.
    const metrics = (b: string) => fs.readFileSync(path.join(runs[b].dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const [mw, mg] = [metrics('wasm'), metrics('webgpu')];
    assert.equal(mg.length, mw.length);
    mw.forEach((m, i) => { if (m.loss != null) assert.ok(relDiff(m.loss, mg[i].loss) < 1e-4, `eval ${i}: loss ${m.loss} vs ${mg[i].loss}`); });
  });

  it('auto never picks a software adapter: it trains on wasm (or tfjs-node) and says why in one line', () => {
    const r = cli(['bench-step', tinyFile, '--backend', 'auto', '--steps', '1']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.notEqual(out.backend.name, 'webgpu', JSON.stringify(out.backend));
    assert.ok(out.msPerStep > 0, 'the backend auto left in place trains');
    if (out.backend.name === 'wasm') {
      const notes = r.stderr.split('\n').filter((l) => l.startsWith('anchor-lab: backend auto:'));
      assert.equal(notes.length, 1, r.stderr);
      assert.match(notes[0], /software.*using wasm/);
    }
  });

  it('forced webgpu with no adapter fails with a clear message before training starts', () => {
    const out = path.join(dir, 'runs-no-adapter');
    const r = cli(['run', tinyFile, '--backend', 'webgpu', '--out', out, '--no-progress'], NO_ADAPTER);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /backend "webgpu" was asked for but Dawn found no usable WebGPU adapter\b.*Use --backend wasm/);
    assert.ok(!fs.existsSync(out), 'no run directory is created');
    // A directory named by a watcher (--run-dir, as the editor does) gets a failed summary with the same message.
    const runDir = path.join(dir, 'runs', 'no-adapter');
    const r2 = cli(['run', tinyFile, '--backend', 'webgpu', '--run-dir', runDir, '--no-progress'], NO_ADAPTER);
    assert.equal(r2.code, 1, r2.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'failed');
    assert.equal(summary.steps, 0);
    assert.match(summary.error, /Dawn found no usable WebGPU adapter/);
  });

  it('auto with no adapter falls back to wasm with one log line and leaves a working backend', () => {
    const r = cli(['bench-step', tinyFile, '--backend', 'auto', '--steps', '2'], NO_ADAPTER);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.notEqual(out.backend.name, 'webgpu');
    assert.ok(out.msPerStep > 0 && Number.isFinite(out.evalSec), JSON.stringify(out));
    if (out.backend.name === 'wasm') {
      const notes = r.stderr.split('\n').filter((l) => l.startsWith('anchor-lab: backend auto:'));
      assert.equal(notes.length, 1, r.stderr);
      assert.match(notes[0], /no usable WebGPU adapter.*using wasm/);
    }
  });
});

describe('webgpu adapter summary', () => {
  const adapter = (info: object, isFallbackAdapter?: boolean) => ({ info, isFallbackAdapter, features: new Set<string>(), limits: {}, requestDevice: async () => { throw new Error('unused'); } });
  it('calls fallback and CPU adapters software, and real GPUs hardware', () => {
    assert.equal(summarize(adapter({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true })).software, true);
    assert.equal(summarize(adapter({ vendor: 'google', architecture: '', device: 'SwiftShader Device (Subzero)' })).software, true);
    assert.equal(summarize(adapter({ vendor: 'microsoft', architecture: '', description: 'Microsoft Basic Render Driver' })).software, true);
    assert.equal(summarize(adapter({ vendor: 'intel' }, true)).software, true, 'the older isFallbackAdapter attribute');
    const nv = summarize(adapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H200', isFallbackAdapter: false }));
    assert.equal(nv.software, false);
    assert.equal(adapterLabel(nv), 'nvidia / hopper / NVIDIA H200');
    assert.equal(summarize(adapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' })).software, false);
  });
});
