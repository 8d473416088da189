// A/B timing of the model's per-backend implementation choices (`kernelChoices` in src/core/model.ts):
//   npm run bench:kernels [-- --backend wasm] [--rounds 8]
// Interleaves the variants in one process (same batch, same weights) so that machine load hits them alike, and prints
// the median ms per training step's loss-and-gradient for: every choice off (the plain tensor formulation), each
// choice alone, and every choice on (the default).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend, type BackendRequest } from '../src/core/backend';
import { parseExperiment } from '../src/core/config';
import { Engine } from '../src/core/engine';
import { kernelChoices } from '../src/core/model';
import { simdPreference } from '../src/core/gemm/wasmKernels';
import { gatherRows } from '../src/core/task';
import { prepare } from '../src/core/train';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : dflt; };

(async () => {
  const backend = await initBackend(arg('--backend', 'wasm') as BackendRequest);
  const rounds = Number(arg('--rounds', '8'));
  const file = path.resolve(__dirname, 'configs', 'bench.experiment.json');
  const cfg = parseExperiment(fs.readFileSync(file, 'utf8'), []).config;
  const prep = prepare(cfg);
  const engine = new Engine(prep.shape, prep.layout, true);
  const batch = gatherRows(prep.data.train, Array.from({ length: cfg.train.batchSize }, (_, j) => j));
  const grad = new Float32Array(prep.params.length);
  const names = Object.keys(kernelChoices) as (keyof typeof kernelChoices)[];
  const defaults = { ...kernelChoices };
  const off = Object.fromEntries(names.map((n) => [n, false])) as typeof kernelChoices;
  const variants: [string, typeof kernelChoices, 'plain' | null][] = [
    ['all off (tensor formulation)', off, null],
    ...names.map((n): [string, typeof kernelChoices, null] => [`only ${n}`, { ...off, [n]: true }, null]),
    ['all on but the wasm kernels', { ...defaults, wasmGemm: false, wasmAttention: false }, null],
    ['all on, plain SIMD (no FMA)', defaults, 'plain'],
    ['all on (default)', defaults, null],
  ];
  const times = new Map<string, number[]>(variants.map(([v]) => [v, []]));
  const step = () => engine.lossAndGrad(prep.params, batch, grad);
  for (const [, c, simd] of variants) { Object.assign(kernelChoices, c); simdPreference.variant = simd; step(); step(); }
  for (let r = 0; r < rounds; r++) {
    for (const [v, c, simd] of variants) {
      Object.assign(kernelChoices, c);
      simdPreference.variant = simd;
      const t0 = performance.now();
      for (let i = 0; i < 3; i++) step();
      times.get(v)!.push((performance.now() - t0) / 3);
    }
  }
  Object.assign(kernelChoices, defaults);
  simdPreference.variant = null;
  console.log(`backend ${backend.detail}; ${path.relative(process.cwd(), file)}; median of ${rounds} rounds × 3 steps (loss + gradient only)`);
  const base = median(times.get(variants[0][0])!);
  for (const [v] of variants) {
    const m = median(times.get(v)!);
    console.log(`  ${v.padEnd(34)} ${m.toFixed(1).padStart(7)} ms   ${(((m - base) / base) * 100).toFixed(1).padStart(6)}%`);
  }
})();

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
