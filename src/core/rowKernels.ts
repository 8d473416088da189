// Plain-loop kernels for the backends that read tensors synchronously (wasm, cpu), used by model.ts in place of the
// tensor formulation where that is slow there (measured with `tf.profile` and A/B timing, see bench/README.md):
//   - the embedding lookup and its gradient: wasm's GatherV2 and the one-hot product of the gradient took ~10% of a
//     step; a row copy and a scatter-add take well under a millisecond;
//   - the same lookup applied to projected tables (the first layer's Q/K/V, see model.ts).
// (Attention as row loops was tried too and measured slower than tfjs's batched matMuls: plain JS runs ~2.5 ns per
// multiply-add here, so it stays tensor code.) Checked against the tensor code in test/core/model.test.ts and
// against PyTorch by `npm run equivalence`.
import * as tf from '@tensorflow/tfjs-core';

type CustomGradFn = Parameters<typeof tf.customGrad>[0];

/** X = tokEmb[ids] + posEmb[position]  → [rows, D]; rows = B·T, position = row mod T. Any two tables of equal width. */
export function embedRows(tokEmb: tf.Tensor, posEmb: tf.Tensor, ids: Int32Array, T: number): tf.Tensor2D {
  const [V, D] = tokEmb.shape as [number, number];
  const rows = ids.length;
  const f = tf.customGrad(((tok: tf.Tensor, pos: tf.Tensor) => {
    const tokData = tok.dataSync() as Float32Array;
    const posData = pos.dataSync() as Float32Array;
    const out = new Float32Array(rows * D);
    for (let r = 0; r < rows; r++) {
      const t = ids[r] * D, p = (r % T) * D, o = r * D;
      for (let d = 0; d < D; d++) out[o + d] = tokData[t + d] + posData[p + d];
    }
    return {
      value: tf.tensor2d(out, [rows, D]),
      gradFunc: (dy: tf.Tensor) => {
        const g = dy.dataSync() as Float32Array;
        const dTok = new Float64Array(V * D); // float64 sums: no worse than the one-hot product's float32 ones
        const dPos = new Float64Array(pos.shape[0] * D);
        for (let r = 0; r < rows; r++) {
          const t = ids[r] * D, p = (r % T) * D, o = r * D;
          for (let d = 0; d < D; d++) { dTok[t + d] += g[o + d]; dPos[p + d] += g[o + d]; }
        }
        return [tf.tensor(Float32Array.from(dTok), tok.shape), tf.tensor(Float32Array.from(dPos), pos.shape)];
      },
    };
  }) as unknown as CustomGradFn);
  return f(tokEmb, posEmb) as tf.Tensor2D;
}
