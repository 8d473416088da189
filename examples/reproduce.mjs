#!/usr/bin/env node
// The laptop-scale reproduction: both quickstart examples on seeds 1–3, then a table of outcomes.
//   node examples/reproduce.mjs [--seeds 1,2,3] [--parallel 1] [--out .anchor-lab/reproduce] [--only small|large] [--set path=value ...]
// Each run is an ordinary `anchor-lab run`; results are read back from the run directories' summary.json.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const sets = args.flatMap((a, i) => (a === '--set' ? ['--set', args[i + 1]] : []));
const seeds = opt('seeds', '1,2,3').split(',').map(Number);
const parallel = Number(opt('parallel', '1'));
const out = path.resolve(opt('out', path.join(root, '.anchor-lab', 'reproduce')));
const only = opt('only', '');
const examples = [
  { side: 'large', file: 'examples/quickstart.experiment.json', expect: 'symmetric' },
  { side: 'small', file: 'examples/quickstart-small-init.experiment.json', expect: 'inferential' },
].filter((e) => !only || e.side === only);

const jobs = seeds.flatMap((seed) => examples.map((e) => ({ ...e, seed, dir: path.join(out, `${e.side}-seed${seed}`) })));
fs.mkdirSync(out, { recursive: true });

function runJob(j) {
  if (fs.existsSync(path.join(j.dir, 'summary.json'))) {
    const s = JSON.parse(fs.readFileSync(path.join(j.dir, 'summary.json'), 'utf8'));
    if (s.status === 'completed') return Promise.resolve();
    fs.rmSync(j.dir, { recursive: true, force: true });
  }
  return new Promise((resolve) => {
    const log = fs.openSync(`${j.dir}.log`, 'w');
    const child = spawn(process.execPath, [path.join(root, 'bin', 'anchor-lab.js'), 'run', path.join(root, j.file), '--run-dir', j.dir, '--set', `train.seed=${j.seed}`, ...sets], { stdio: ['ignore', log, log] });
    process.stderr.write(`started ${j.side} seed ${j.seed} → ${path.relative(root, j.dir)}\n`);
    child.on('exit', () => { process.stderr.write(`finished ${j.side} seed ${j.seed}\n`); resolve(); });
  });
}

const queue = [...jobs];
await Promise.all(Array.from({ length: parallel }, async () => { while (queue.length) await runJob(queue.shift()); }));

const pct = (x) => (x == null ? '—' : `${(x * 100).toFixed(0)}%`);
const rows = jobs.map((j) => {
  let s = null;
  try { s = JSON.parse(fs.readFileSync(path.join(j.dir, 'summary.json'), 'utf8')); } catch { /* missing */ }
  const f = s?.final;
  return [j.side === 'large' ? 'quickstart (γ large init)' : 'quickstart-small-init', String(j.seed), s?.solution ?? s?.status ?? 'missing',
    pct(f?.unseen.inferential), pct(f?.unseen.symmetric), pct(f?.seenTestAcc), f ? String(f.epoch) : '—', s ? `${(s.durationSec / 60).toFixed(1)} min` : '—',
    s?.solution === j.expect ? 'yes' : 'no'];
});
const head = ['example', 'seed', 'final solution', '(4,3) inferential', '(4,3) symmetric', 'seen test', 'epochs', 'wall time', `expected`];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => `| ${r.map((c, i) => c.padEnd(w[i])).join(' | ')} |`;
console.log([line(head), `|${w.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...rows.map(line)].join('\n'));
