// Tensor work of a run: gradients of a batch, predictions, attention maps. Everything else is plain TypeScript.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, forward, paramTensors, type ModelShape, type ParamSpec } from './model';
import type { SequenceSet } from './task';

export interface GradResult { loss: number; grad: Float32Array }

export class Engine {
  constructor(readonly shape: ModelShape, readonly layout: ParamSpec[], readonly lastPositionShortcut = true) {}

  /** Mean loss of a batch and its gradient w.r.t. the flat parameters (written into `out`). */
  lossAndGrad(params: Float32Array, batch: SequenceSet, out: Float32Array): number {
    const { seqLen: T, n } = batch;
    const names = this.layout.map((p) => p.name);
    const lossT = tf.tidy(() => {
      const P = paramTensors(this.layout, params);
      const tokens = tf.tensor2d(batch.tokens, [n, T], 'int32');
      const targets = tf.tensor1d(batch.targets, 'int32');
      const f = (...ts: tf.Tensor[]) => {
        const PP: Record<string, tf.Tensor> = {};
        names.forEach((nm, i) => (PP[nm] = ts[i]));
        const { logits } = forward(this.shape, PP, tokens, { lastOnly: this.lastPositionShortcut });
        return crossEntropy(logits, targets, this.shape.vocabSize);
      };
      const { value, grads } = tf.valueAndGrads(f)(names.map((nm) => P[nm]));
      const flatGrad = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
      return [value, flatGrad] as const;
    });
    const [value, flatGrad] = lossT;
    out.set(flatGrad.dataSync() as Float32Array);
    const loss = value.dataSync()[0];
    value.dispose();
    flatGrad.dispose();
    return loss;
  }

  /** Argmax predictions of the last position, in chunks. */
  predict(params: Float32Array, set: SequenceSet, chunk = 1024): Int32Array {
    const out = new Int32Array(set.n);
    const P = paramTensors(this.layout, params);
    try {
      for (let s = 0; s < set.n; s += chunk) {
        const n = Math.min(chunk, set.n - s);
        const pred = tf.tidy(() => {
          const tokens = tf.tensor2d(set.tokens.subarray(s * set.seqLen, (s + n) * set.seqLen), [n, set.seqLen], 'int32');
          return tf.argMax(forward(this.shape, P, tokens, { lastOnly: true }).logits, -1);
        });
        out.set(pred.dataSync() as Int32Array, s);
        pred.dispose();
      }
    } finally {
      tf.dispose(Object.values(P));
    }
    return out;
  }

  /** Attention probabilities of one sequence: [layer][head] → row-major T×T. */
  attention(params: Float32Array, tokens: number[]): number[][][] {
    const T = tokens.length, H = this.shape.heads;
    const arrays = tf.tidy(() => {
      const P = paramTensors(this.layout, params);
      const t = tf.tensor2d([tokens], [1, T], 'int32');
      return forward(this.shape, P, t, { lastOnly: false, collectAttention: true }).attention;
    });
    const maps = arrays.map((a) => {
      const d = a.dataSync();
      return Array.from({ length: H }, (_, h) => Array.from(d.subarray(h * T * T, (h + 1) * T * T), (x) => Math.round(x * 1e4) / 1e4));
    });
    tf.dispose(arrays);
    return maps;
  }
}

export const tensorCount = () => tf.memory().numTensors;
