#!/usr/bin/env node
// Sweep throughput (`npm run bench:sweep`): the same small grid through Anchor Lab's local executor (one runner
// process per core, as `anchor-lab sweep` runs it) and, one point after another, through the PyTorch reference
// (`bench/reference.py train`, using every core), in one run. Prints points/hour for each and their ratio.
//
//   node bench/sweep.mjs [--config bench/configs/sweep.experiment.json] [--python /usr/bin/python3] [--concurrency N]
//
// The last line is `ratio sweep: X` = Anchor Lab points/hour ÷ PyTorch sequential points/hour (target ≥ 1).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };
const config = path.resolve(arg('--config', path.join(root, 'bench', 'configs', 'sweep.experiment.json')));
const python = arg('--python', '/usr/bin/python3');
const cores = os.cpus().length;
const concurrency = Number(arg('--concurrency', String(cores)));
const load = os.loadavg()[0];
console.log(`machine: ${cores} cores (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, load average ${load.toFixed(2)}`);
if (load > 0.5) console.log(`WARNING: load average ${load.toFixed(2)}: other processes compete for the cores; the numbers below are pessimistic`);

// The grid, read from the file's sweep block (strip // comments: the file is JSONC).
const text = fs.readFileSync(config, 'utf8').replace(/^\s*\/\/.*$/gm, '');
const sweep = JSON.parse(text).sweep;
const axes = Object.entries(sweep);
const points = axes.reduce((acc, [p, vals]) => acc.flatMap((pt) => vals.map((v) => ({ ...pt, [p]: v }))), [{}]);
console.log(`grid: ${axes.map(([p, v]) => `${p} ${JSON.stringify(v)}`).join(' × ')} = ${points.length} points (${path.relative(root, config)})\n`);

// ---- Anchor Lab: anchor-lab sweep, local executor ----
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-lab-bench-sweep-'));
let t0 = Date.now();
const al = spawnSync(process.execPath, [path.join(root, 'bin', 'anchor-lab.js'), 'sweep', config, '--no-progress', '--backend', 'wasm',
  '--concurrency', String(concurrency), '--out', path.join(tmp, 'runs'), '--sweeps-dir', path.join(tmp, 'sweeps')], { cwd: root, encoding: 'utf8' });
const alSec = (Date.now() - t0) / 1000;
if (al.status !== 0) { console.error(al.stdout, al.stderr); throw new Error(`anchor-lab sweep exited ${al.status}`); }
const runs = fs.readdirSync(path.join(tmp, 'runs'));
const summaries = runs.map((r) => JSON.parse(fs.readFileSync(path.join(tmp, 'runs', r, 'summary.json'), 'utf8')));
const done = summaries.filter((s) => s.status === 'completed').length;
console.log(`Anchor Lab (anchor-lab sweep, local executor, ${concurrency} runner processes, wasm):`);
console.log(`  ${done}/${points.length} points completed in ${alSec.toFixed(1)} s; per point ${summaries.map((s) => `${s.durationSec.toFixed(0)} s`).join(', ')}`);
const alRate = (done / alSec) * 3600;
console.log(`  ${alRate.toFixed(1)} points/hour`);

// ---- PyTorch: one point after another, every core ----
console.log(`\nPyTorch (bench/reference.py train, sequential, ${cores} threads):`);
t0 = Date.now();
const per = [];
for (const pt of points) {
  const sets = Object.entries(pt).flatMap(([p, v]) => ['--set', `${p}=${JSON.stringify(v)}`]);
  const s = Date.now();
  const r = spawnSync(python, [path.join(root, 'bench', 'reference.py'), 'train', '--config', config, ...sets, '--threads', String(cores)], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) { console.error(r.stderr); throw new Error(`reference.py train exited ${r.status}`); }
  per.push((Date.now() - s) / 1000);
}
const pySec = (Date.now() - t0) / 1000;
const pyRate = (points.length / pySec) * 3600;
console.log(`  ${points.length}/${points.length} points in ${pySec.toFixed(1)} s; per point ${per.map((x) => `${x.toFixed(0)} s`).join(', ')}`);
console.log(`  ${pyRate.toFixed(1)} points/hour`);

fs.rmSync(tmp, { recursive: true, force: true });
console.log(`\nratio sweep: ${(alRate / pyRate).toFixed(2)}   (Anchor Lab points/hour ÷ PyTorch sequential points/hour; target ≥ 1)`);
