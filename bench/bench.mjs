#!/usr/bin/env node
// Speed of Anchor Lab against PyTorch on the same shapes (`npm run bench`).
//
//   node bench/bench.mjs [--steps 20] [--with-cpu] [--cpu-steps 3] [--webgpu-steps 3] [--config bench/configs/bench.experiment.json]
//                        [--python /usr/bin/python3]
//
// Shapes (bench/configs/bench.experiment.json): dModel 128, dHead 64, dFF 384, 2 layers, 1 head, batch 256, seq 9,
// vocab 201, post-LN, last-position shortcut on. One "step" = forward + backward + global-norm clip + AdamW.
// Anchor Lab: `anchor-lab bench-step <config> --backend X --steps N` (median ms/step, plus a whole epoch's time).
// PyTorch: `bench/reference.py bench --threads N` (Debian torch, OpenBLAS), median ms/step.
// Two pairings, each ending with one line:
//   ratio 1-core: X      Anchor Lab (one process, one thread) ms/step ÷ PyTorch with torch.set_num_threads(1)
//   ratio all-cores: Y   Anchor Lab using every core (bench-step --threads N) ÷ PyTorch with N = os.cpus().length threads
// Run it on an otherwise idle machine: the load average is printed, and a warning when it is high.
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const flag = (name) => process.argv.includes(name);
const steps = arg('--steps', '20');
const cpuSteps = arg('--cpu-steps', '3');
const webgpuSteps = arg('--webgpu-steps', '3');
const config = path.resolve(arg('--config', path.join(root, 'bench', 'configs', 'bench.experiment.json')));
const python = arg('--python', '/usr/bin/python3');
const cores = os.cpus().length;
const cli = path.join(root, 'bin', 'anchor-lab.js');

const load = os.loadavg()[0];
console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${load.toFixed(2)}`);
if (load > 0.5) console.log(`WARNING: load average ${load.toFixed(2)}: other processes compete for the cores; the numbers below are pessimistic`);

const lastJson = (s) => { const l = s.trim().split('\n').filter((x) => x.startsWith('{')).pop(); return l ? JSON.parse(l) : null; };

function anchorLab(backend, n, extra = []) {
  const r = spawnSync(process.execPath, [cli, 'bench-step', config, '--backend', backend, '--steps', String(n), ...extra], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) return { error: (r.stderr || r.stdout || `exit ${r.status}`).trim().split('\n')[0] };
  try { return lastJson(r.stdout) ?? { error: 'no JSON on stdout' }; } catch (e) { return { error: String(e) }; }
}

function pytorch(threads) {
  const r = spawnSync(python, [path.join(root, 'bench', 'reference.py'), 'bench', '--threads', String(threads), '--steps', steps], { cwd: root, encoding: 'utf8' });
  if (r.stderr.trim()) process.stderr.write(r.stderr);
  if (r.status !== 0) throw new Error(`reference.py bench failed: ${r.stderr}`);
  return lastJson(r.stdout);
}

const ms = (x) => `${x.toFixed(1)} ms/step`;
const showAL = (label, r) => {
  if (r.error) { console.log(`  ${label}: not available (${r.error})`); return; }
  console.log(`  ${label}: ${ms(r.msPerStep)} (min ${r.msMin.toFixed(1)}, ${r.steps} steps; ${r.backend?.detail ?? r.backend})`
    + `; epoch of ${r.stepsPerEpoch} steps ${r.epochSec.toFixed(1)} s` + (r.evalSec === null ? '' : ` + evaluation ${r.evalSec.toFixed(1)} s`));
};

// ---- Anchor Lab, every backend available ----
console.log(`\nAnchor Lab (${path.relative(root, config)}):`);
const al = {};
al.wasm = anchorLab('wasm', steps);
showAL('wasm', al.wasm);
al.node = anchorLab('node', steps);
showAL('tfjs-node', al.node);
// WebGPU wherever Dawn finds an adapter. A software one (lavapipe) is ~40x slower than wasm: a few steps, no evaluation.
al.webgpu = anchorLab('webgpu', webgpuSteps, ['--no-eval']);
showAL(`webgpu (${webgpuSteps} steps)`, al.webgpu);
if (flag('--with-cpu')) { al.cpu = anchorLab('cpu', cpuSteps); showAL(`cpu (${cpuSteps} steps)`, al.cpu); }
else console.log('  cpu: skipped (about 30x slower than wasm; add --with-cpu)');
const bestName = !al.node.error && al.node.msPerStep < al.wasm.msPerStep ? 'node' : 'wasm';
const best = al[bestName];
if (best.error) { console.error('no Anchor Lab backend ran'); process.exit(1); }

// ---- PyTorch ----
console.log('\nPyTorch (bench/reference.py bench):');
const py1 = pytorch(1);
const pyN = pytorch(cores);
const blasLine = (p) => `${p.framework}, BLAS ${p.blas} (${p.libs.map((l) => path.basename(l)).join(', ')}; build BLAS_INFO=${p.torchBuildBlasInfo}), torch.get_num_threads() = ${p.threads}`;
for (const p of [py1, pyN]) {
  console.log(`  ${p.threads} thread(s): ${ms(p.msPerStep)} (min ${p.msMin.toFixed(1)}, ${p.steps} steps); epoch of ${best.stepsPerEpoch} steps ${(p.msPerStep * best.stepsPerEpoch / 1000).toFixed(1)} s`);
  console.log(`    ${blasLine(p)}`);
  if (/REFERENCE|unknown/.test(p.blas)) console.log('    !!! NOT OpenBLAS: torch uses the reference BLAS; see update-alternatives --display libblas.so.3-x86_64-linux-gnu');
}

// ---- pairing 1: one core each ----
console.log(`\nPairing 1-core: Anchor Lab ${bestName} (one process, one thread) vs PyTorch torch.set_num_threads(1)`);
console.log(`  Anchor Lab ${ms(best.msPerStep)}  PyTorch ${ms(py1.msPerStep)}`);
console.log(`  on the fastest step instead of the median (less sensitive to other load): ${(best.msMin / py1.msMin).toFixed(2)}`);
console.log(`ratio 1-core: ${(best.msPerStep / py1.msPerStep).toFixed(2)}`);

// ---- pairing 2: every core ----
console.log(`\nPairing all-cores: Anchor Lab using ${cores} cores vs PyTorch torch.set_num_threads(${cores})`);
let alAll = anchorLab(bestName, steps, ['--threads', String(cores)]);
let note = `bench-step --threads ${cores} (data-parallel worker threads)`;
if (alAll.error) {
  note = `bench-step --threads is not accepted yet (${alAll.error}); FALLBACK: the single-process number is used for Anchor Lab`;
  alAll = best;
}
console.log(`  ${note}`);
console.log(`  Anchor Lab ${ms(alAll.msPerStep)}  PyTorch ${ms(pyN.msPerStep)} (${pyN.threads} threads)`);
if (!alAll.error && alAll !== best) console.log(`  Anchor Lab epoch ${alAll.epochSec.toFixed(1)} s + evaluation ${alAll.evalSec.toFixed(1)} s`);
console.log(`  on the fastest step instead of the median: ${(alAll.msMin / pyN.msMin).toFixed(2)}`);
console.log(`ratio all-cores: ${(alAll.msPerStep / pyN.msPerStep).toFixed(2)}`);

// ---- WebGPU against PyTorch on the same shapes ----
if (!al.webgpu.error) {
  const a = al.webgpu.backend?.adapter;
  console.log(`\nWebGPU (adapter ${a ? `${a.vendor} / ${a.architecture} / ${a.description}` : '?'}${a?.software ? ': a SOFTWARE adapter, not a GPU' : ''}) vs PyTorch CPU`);
  console.log(`  WebGPU ${ms(al.webgpu.msPerStep)}  PyTorch ${ms(py1.msPerStep)} (1 thread), ${ms(pyN.msPerStep)} (${pyN.threads} threads)`);
  console.log(`ratio webgpu: ${(al.webgpu.msPerStep / pyN.msPerStep).toFixed(2)}   (WebGPU ÷ PyTorch with every core)`);
}
