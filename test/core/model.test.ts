import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend';
import { Engine, tensorCount } from '../../src/core/engine';
import { forward, initParams, initStd, kernelChoices, paramLayout, paramTensors, type ModelShape } from '../../src/core/model';
import { Rng } from '../../src/core/rng';
import { prepare } from '../../src/core/train';
import { gatherRows } from '../../src/core/task';
import { tinyConfig } from '../helpers';
import { bestSimdVariant, simdPreference, type SimdVariant } from '../../src/core/gemm/wasmKernels';

const paperShape: ModelShape = { layers: 2, heads: 1, dModel: 400, dHead: 200, dFF: 1200, norm: 'post', gamma: 0.5, maxPos: 20, vocabSize: 201, seqLen: 9 };

function std(a: Float32Array): number {
  let s = 0, ss = 0;
  for (const x of a) { s += x; ss += x * x; }
  const m = s / a.length;
  return Math.sqrt(ss / a.length - m * m);
}

describe('model (spec §2–3)', () => {
  before(async () => { await initBackend('wasm'); });

  it('has the as-run parameter shapes and count (≈2.73 M for 2 layers)', () => {
    const layout = paramLayout(paperShape);
    const byName = Object.fromEntries(layout.map((p) => [p.name, p.shape]));
    assert.deepEqual(byName.tokEmb, [201, 400]);
    assert.deepEqual(byName.posEmb, [20, 400]);
    assert.deepEqual(byName['l0.Wq'], [400, 200]);
    assert.deepEqual(byName['l1.Wo'], [200, 400]);
    assert.deepEqual(byName['l0.W1'], [400, 1200]);
    assert.deepEqual(byName['l0.W2'], [1200, 400]);
    assert.deepEqual(byName.Wout, [400, 201]);
    assert.deepEqual(byName.bOut, [201]);
    const total = layout.reduce((s, p) => s + p.size, 0);
    assert.equal(total, 88400 + 2 * 1281600 + 80601);
  });

  for (const gamma of [0.3, 0.5, 0.8]) {
    it(`draws each matrix with std d_in^(−γ) for γ=${gamma} (embeddings use dModel, Wo heads·dHead, W2 dFF)`, () => {
      const shape = { ...paperShape, gamma };
      const layout = paramLayout(shape);
      const flat = initParams(layout, gamma, new Rng(1));
      const expect: Record<string, number> = { tokEmb: 400, posEmb: 400, 'l0.Wq': 400, 'l0.Wk': 400, 'l0.Wv': 400, 'l0.Wo': 200, 'l0.W1': 400, 'l0.W2': 1200, Wout: 400 };
      for (const [name, dIn] of Object.entries(expect)) {
        const p = layout.find((x) => x.name === name)!;
        const s = std(flat.subarray(p.offset, p.offset + p.size));
        const want = initStd(dIn, gamma);
        assert.ok(Math.abs(s / want - 1) < 0.03, `${name}: std ${s} vs ${want}`);
      }
      const ln = layout.find((x) => x.name === 'l0.ln1.g')!;
      assert.ok(flat.subarray(ln.offset, ln.offset + ln.size).every((x) => x === 1));
      const b = layout.find((x) => x.name === 'bOut')!;
      const bias = flat.subarray(b.offset, b.offset + b.size);
      assert.ok(bias.every((x) => Math.abs(x) <= 0.05) && std(bias) > 0.02, 'head bias ~ U(±1/√400)');
    });
  }
  it('std table spot values match the spec (γ=0.8: 0.00829 / 0.0144 / 0.00344)', () => {
    assert.ok(Math.abs(initStd(400, 0.8) - 0.00829) < 1e-5);
    assert.ok(Math.abs(initStd(200, 0.8) - 0.0144) < 1e-4);
    assert.ok(Math.abs(initStd(1200, 0.8) - 0.00344) < 1e-5);
  });

  it('is causal: changing a later token leaves earlier positions unchanged', () => {
    const cfg = tinyConfig();
    const prep = prepare(cfg);
    const seqA = [30, 41, 52, 1, 2, 63, 74, 85, 96];
    const seqB = [...seqA]; seqB[6] = 22;
    const out = tf.tidy(() => {
      const P = paramTensors(prep.layout, prep.params);
      const t = tf.tensor2d([seqA, seqB], [2, 9], 'int32');
      return forward(prep.shape, P, t, { lastOnly: false, allPositions: true }).logits.arraySync() as number[][];
    });
    const V = cfg.task.vocabSize;
    const rowsA = out.slice(0, 9), rowsB = out.slice(9);
    for (let pos = 0; pos < 6; pos++) for (let v = 0; v < V; v++) assert.ok(Math.abs(rowsA[pos][v] - rowsB[pos][v]) < 1e-5, `position ${pos} changed`);
    assert.ok(rowsA[8].some((x, v) => Math.abs(x - rowsB[8][v]) > 1e-5), 'the last position sees the change');
  });

  it('last-position shortcut gives the same loss and gradients as the full model', () => {
    const prep = prepare(tinyConfig((c) => { c.model.gamma = 0.3; }));
    const batch = gatherRows(prep.data.train, Array.from({ length: 16 }, (_, i) => i * 7));
    const g1 = new Float32Array(prep.params.length), g2 = new Float32Array(prep.params.length);
    const l1 = new Engine(prep.shape, prep.layout, true).lossAndGrad(prep.params, batch, g1);
    const l2 = new Engine(prep.shape, prep.layout, false).lossAndGrad(prep.params, batch, g2);
    assert.ok(Math.abs(l1 - l2) < 1e-5);
    let maxAbs = 0, maxDiff = 0;
    for (let i = 0; i < g1.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(g2[i])); maxDiff = Math.max(maxDiff, Math.abs(g1[i] - g2[i])); }
    assert.ok(maxDiff < 1e-4 * maxAbs, `max grad diff ${maxDiff} vs scale ${maxAbs}`);
  });

  for (const norm of ['post', 'pre'] as const) {
    it(`row-loop embedding, fused Q/K/V, projected first-layer tables, the fused layer norm and the wasm GEMM/attention kernels give the tensor path's loss and gradients (${norm}-LN, 3 layers)`, () => {
      const prep = prepare(tinyConfig((c) => { c.model.gamma = 0.3; c.model.layers = 3; c.model.norm = norm; }));
      const batch = gatherRows(prep.data.train, Array.from({ length: 16 }, (_, i) => i * 5));
      const run = (choices: typeof kernelChoices) => {
        const saved = { ...kernelChoices };
        Object.assign(kernelChoices, choices);
        try {
          const g = new Float32Array(prep.params.length);
          return { loss: new Engine(prep.shape, prep.layout, true).lossAndGrad(prep.params, batch, g), g };
        } finally { Object.assign(kernelChoices, saved); }
      };
      const off = { rowEmbedding: false, fusedQkv: false, projectFirstLayerTables: false, fusedLayerNorm: false, wasmGemm: false, wasmAttention: false };
      const ref = run(off);
      const variants: [string, typeof kernelChoices, SimdVariant | null][] = [
        ['all on', { ...off, rowEmbedding: true, fusedQkv: true, projectFirstLayerTables: true, fusedLayerNorm: true, wasmGemm: true, wasmAttention: true }, null],
        ['all on, plain SIMD', { ...off, rowEmbedding: true, fusedQkv: true, projectFirstLayerTables: true, fusedLayerNorm: true, wasmGemm: true, wasmAttention: true }, 'plain'],
        ['wasm kernels on unfused Q/K/V', { ...off, wasmGemm: true, wasmAttention: true }, null],
        ['only the wasm attention', { ...off, wasmAttention: true }, null],
      ];
      for (const [what, choices, simd] of variants) {
        simdPreference.variant = simd;
        let fast;
        try { fast = run(choices); } finally { simdPreference.variant = null; }
        assert.ok(Math.abs(ref.loss - fast.loss) < 1e-5 * Math.abs(ref.loss), `${what}: loss ${fast.loss} vs ${ref.loss}`);
        let maxAbs = 0, maxDiff = 0;
        for (let i = 0; i < ref.g.length; i++) { maxAbs = Math.max(maxAbs, Math.abs(ref.g[i])); maxDiff = Math.max(maxDiff, Math.abs(ref.g[i] - fast.g[i])); }
        assert.ok(maxAbs > 0 && maxDiff < 1e-4 * maxAbs, `${what}: max grad diff ${maxDiff} vs scale ${maxAbs}`);
      }
    });
  }

  for (const norm of ['post', 'pre'] as const) {
    it(`passes a finite-difference gradient check (${norm}-LN)`, () => {
      const prep = prepare(tinyConfig((c) => { c.model.dModel = 8; c.model.dHead = 4; c.model.dFF = 8; c.model.gamma = 0.3; c.model.norm = norm; c.task.vocabSize = 120; }));
      const batch = gatherRows(prep.data.train, [0, 5, 9, 13]);
      const engine = new Engine(prep.shape, prep.layout, true);
      const grad = new Float32Array(prep.params.length);
      engine.lossAndGrad(prep.params, batch, grad);
      const rng = new Rng(11);
      const names = ['tokEmb', 'posEmb', 'l0.Wq', 'l0.Wk', 'l0.Wv', 'l0.Wo', 'l0.ln1.g', 'l1.W1', 'l1.W2', 'l1.ln2.b', 'Wout', 'bOut'];
      const scratch = new Float32Array(prep.params.length);
      let checked = 0;
      for (const name of names) {
        const spec = prep.layout.find((p) => p.name === name)!;
        // Pick the coordinates with the largest gradients so the check is not dominated by float32 noise.
        const idx = Array.from({ length: spec.size }, (_, i) => spec.offset + i).sort((a, b) => Math.abs(grad[b]) - Math.abs(grad[a])).slice(0, 2);
        idx.push(spec.offset + Math.floor(rng.next() * spec.size));
        for (const i of idx) {
          if (Math.abs(grad[i]) < 1e-3) continue;
          const h = 3e-3; // small enough not to cross a ReLU kink, large enough for float32
          const p = prep.params.slice();
          p[i] += h; const lp = engine.lossAndGrad(p, batch, scratch);
          p[i] -= 2 * h; const lm = engine.lossAndGrad(p, batch, scratch);
          const fd = (lp - lm) / (2 * h);
          assert.ok(Math.abs(fd - grad[i]) <= 0.02 * Math.abs(grad[i]) + 2e-3, `${name}[${i - spec.offset}]: autodiff ${grad[i]} vs finite difference ${fd}`);
          checked++;
        }
      }
      assert.ok(checked >= 12, `checked ${checked} coordinates`);
    });
  }

  it('uses the relaxed-SIMD (fused multiply-add) kernels where V8 validates them, and records that in the backend line', async () => {
    // Node 20's V8 has relaxed SIMD behind --experimental-wasm-relaxed-simd, which wasmKernels.ts switches on.
    assert.equal(bestSimdVariant(), 'relaxed');
    const info = await initBackend('wasm');
    assert.match(info.detail, /Anchor Lab kernels \(relaxed SIMD\)/);
  });

  it('does not leak tensors across training steps and evaluations', () => {
    const prep = prepare(tinyConfig());
    const engine = new Engine(prep.shape, prep.layout, true);
    const grad = new Float32Array(prep.params.length);
    const batch = gatherRows(prep.data.train, Array.from({ length: 32 }, (_, i) => i));
    engine.lossAndGrad(prep.params, batch, grad);
    engine.predict(prep.params, prep.evalSets.seenTest[0]);
    engine.attention(prep.params, [35, 63, 99, 4, 3, 38, 42, 36, 62]);
    const before = tensorCount();
    for (let i = 0; i < 5; i++) {
      engine.lossAndGrad(prep.params, batch, grad);
      engine.predict(prep.params, prep.evalSets.seenTest[0]);
      engine.attention(prep.params, [35, 63, 99, 4, 3, 38, 42, 36, 62]);
    }
    assert.equal(tensorCount(), before);
  });

  it('records attention rows that are causal probability distributions', () => {
    const prep = prepare(tinyConfig());
    const maps = new Engine(prep.shape, prep.layout, true).attention(prep.params, [35, 63, 99, 4, 3, 38, 42, 36, 62]);
    assert.equal(maps.length, 2);
    assert.equal(maps[0].length, 1);
    const m = maps[0][0];
    for (let q = 0; q < 9; q++) {
      const row = m.slice(q * 9, q * 9 + 9);
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 2e-3);
      for (let k = q + 1; k < 9; k++) assert.equal(row[k], 0);
    }
  });
});
