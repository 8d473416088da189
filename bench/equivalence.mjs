#!/usr/bin/env node
// PyTorch equivalence check of the Anchor Lab engine (`npm run equivalence`).
//
// For each tiny config in bench/configs/ it writes a 50-step trace with `anchor-lab trace` (initial weights, the exact
// batches, per-step losses and LRs, the first gradient, the final weights) into bench/out/equiv/<name>/, replays it
// with bench/reference.py (PyTorch: same model, torch.optim.AdamW, clip_grad_norm_, ported LR schedule) and prints
// the largest relative differences. Exits 1 when a loss or the final weights differ by more than --tol (1e-3).
//
//   node bench/equivalence.mjs [--backend auto|wasm|cpu|node] [--steps 50] [--tol 1e-3] [--no-cpu] [--python /usr/bin/python3]
//
// Differences are relative: losses, LRs and grad norms per step |py − ts| / |ts| (max over steps); the first gradient
// and the final weights max_i |py_i − ts_i| / max_i |ts_i| over the whole flat parameter vector.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const flag = (name) => process.argv.includes(name);
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const backend = arg('--backend', 'auto');
const steps = arg('--steps', '50');
const tol = Number(arg('--tol', '1e-3'));
const python = arg('--python', '/usr/bin/python3');

// [config, backend, what]. The extra cpu row separates the engine's math from the wasm kernels' float32 rounding:
// tfjs-backend-wasm sums in float32 sequentially (tf.sum of 288 nearly cancelling rows: ~5e-6 absolute error, the cpu
// backend ~1e-12), and AdamW amplifies that on LayerNorm-bias gradients, so pre-LN at a high LR drifts to ~3e-4 on
// wasm after 50 steps while the cpu backend stays at ~1e-6 of PyTorch.
const configs = [
  ['tiny', backend, 'post-LN, 2 layers, 2 heads, dModel 32, batch 32, warm-up then constant-min'],
  ['tiny-preln', backend, 'pre-LN (final LN), 1 head, γ 0.4, warm-up crossing into cosine at step 19'],
  ['tiny-cosine', backend, 'post-LN, γ 0.8, warm-up → cosine at step 19, wd 1.0, clipNorm 0.5, shortcut off'],
  ...(flag('--no-cpu') ? [] : [['tiny-preln', 'cpu', 'the pre-LN trace again on the pure-JS cpu backend (float64 reductions)']]),
];

const fmt = (x) => (x === 0 ? '0' : x.toExponential(2));
let failed = 0;
const rows = [];
for (const [cfgName, be, what] of configs) {
  const name = be === backend ? cfgName : `${cfgName}@${be}`;
  const out = path.join(root, 'bench', 'out', 'equiv', name);
  fs.rmSync(out, { recursive: true, force: true });
  const tr = spawnSync(process.execPath, [path.join(root, 'bin', 'anchor-lab.js'), 'trace', path.join(root, 'bench', 'configs', `${cfgName}.experiment.json`), '--out', out, '--steps', steps, '--backend', be], { cwd: root, encoding: 'utf8' });
  if (tr.status !== 0) { console.error(`${name}: anchor-lab trace failed (${tr.status})\n${tr.stderr}`); failed++; continue; }
  const py = spawnSync(python, [path.join(root, 'bench', 'reference.py'), 'replay', out, '--tol', String(tol)], { cwd: root, encoding: 'utf8' });
  const line = py.stdout.trim().split('\n').pop();
  let res;
  try { res = JSON.parse(line); } catch { console.error(`${name}: reference.py replay failed (${py.status})\n${py.stdout}\n${py.stderr}`); failed++; continue; }
  const d = res.maxRelDiff;
  const ok = py.status === 0 && d.loss <= tol && d.final <= tol;
  if (!ok) failed++;
  rows.push({ name, what, ok, d, res });
}

console.log(`PyTorch equivalence: ${steps} steps per config, tolerance ${tol} (loss and final weights), backend ${backend}`);
console.log(['config'.padEnd(16), 'loss', 'lr', 'gradNorm', 'grad0', 'final', 'moved', 'status'].map((s, i) => (i ? s.padStart(9) : s)).join(' '));
for (const { name, ok, d, res } of rows) {
  console.log([name.padEnd(16), fmt(d.loss), fmt(d.lr), fmt(d.gradNorm), fmt(d.grad0), fmt(d.final), fmt(res.finalMovedFromInit), ok ? 'ok' : 'FAIL'].map((s, i) => (i ? s.padStart(9) : s)).join(' '));
}
for (const { name, what, res } of rows) {
  console.log(`  ${name}: ${what}; loss ${res.loss.first_ts.toFixed(4)} → ${res.loss.last_ts.toFixed(4)}; worst final tensors ${res.worstTensors.final.map(([v, n]) => `${n} ${fmt(v)}`).join(', ')}`);
}
console.log('  loss/lr/gradNorm: max over steps of |py − ts| / |ts|; grad0/final: max|py − ts| / max|ts| over all weights; moved: max|final − init| / max|final|');
if (failed) { console.error(`equivalence: ${failed} config(s) FAILED`); process.exit(1); }
console.log('equivalence: ok');
