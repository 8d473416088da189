// Anchor Lab's own wasm kernels (src/core/gemm) against tfjs's ops, on shapes that exercise every edge of the
// blocking: sizes below, at and across the register tile (6×8), the packed block depth (256) and row block (96),
// transposed operands, and both SIMD builds. The model-level comparison is in model.test.ts.
import { strict as assert } from 'node:assert';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/core/backend';
import { colSums, gemm, simdPreference, type SimdVariant } from '../../src/core/gemm/wasmKernels';
import '../../src/core/model'; // registers the kernels

const relErr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-30));

describe('wasm kernels (gemm.c)', () => {
  before(async () => { await initBackend('wasm'); });
  afterEach(() => { simdPreference.variant = null; });

  const shapes: [number, number, number][] = [[1, 1, 1], [6, 8, 6], [7, 13, 5], [97, 300, 17], [300, 97, 8], [5, 520, 9], [193, 64, 130]];
  for (const variant of ['relaxed', 'plain'] as SimdVariant[]) {
    it(`gemm equals tf.matMul for every transpose combination and awkward sizes (${variant} SIMD)`, () => {
      simdPreference.variant = variant;
      let checked = 0;
      for (const [M, K, N] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            tf.tidy(() => {
              const a = tf.randomNormal(transA ? [K, M] : [M, K], 0, 1, 'float32', M * 7 + K);
              const b = tf.randomNormal(transB ? [N, K] : [K, N], 0, 1, 'float32', N * 3 + K);
              const ref = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, transA, transB);
              const out = gemm(a, b, transA, transB);
              assert.deepEqual(out.shape, [M, N]);
              const e = relErr(out, ref);
              assert.ok(e < 1e-5, `${M}×${K}×${N} transA=${transA} transB=${transB}: relative error ${e}`);
              checked++;
            });
          }
        }
      }
      assert.equal(checked, shapes.length * 4);
    });
  }

  it('gemm rejects operands whose inner dimensions differ', () => {
    assert.throws(() => tf.tidy(() => gemm(tf.zeros([3, 4]), tf.zeros([5, 2]))), /inner dimensions 4 and 5 differ/);
  });

  it('column sums equal tf.sum over rows, with and without an elementwise factor', () => {
    for (const [rows, cols] of [[1, 1], [288, 32], [2304, 128], [17, 13]]) {
      tf.tidy(() => {
        const x = tf.randomNormal([rows, cols], 0, 1, 'float32', rows + cols);
        const y = tf.randomNormal([rows, cols], 0, 1, 'float32', rows * cols);
        assert.ok(relErr(colSums(x), tf.sum(x, 0)) < 1e-5, `${rows}×${cols}`);
        assert.ok(relErr(colSums(x, y), tf.sum(tf.mul(x, y), 0)) < 1e-5, `${rows}×${cols} with y`);
      });
    }
  });

  it('leaves no tensors behind across calls', () => {
    const a = tf.randomNormal([300, 97]), b = tf.randomNormal([97, 40]);
    tf.dispose(gemm(a, b));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(gemm(a, b, false, false));
    assert.equal(tf.memory().numTensors, before);
    tf.dispose([a, b]);
  });
});
