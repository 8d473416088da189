// Tensor work of a run: gradients of a batch, predictions, attention maps. Everything else is plain TypeScript.
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, forward, paramTensors, type ModelShape, type ParamSpec } from './model';
import type { SequenceSet } from './task';

export interface GradResult { loss: number; grad: Float32Array }

export class Engine {
  constructor(readonly shape: ModelShape, readonly layout: ParamSpec[], readonly lastPositionShortcut = true) {}

  /** Mean loss of a batch and its gradient w.r.t. the flat parameters (written into `out`). Not on webgpu: use lossAndGradAsync. */
  lossAndGrad(params: Float32Array, batch: SequenceSet, out: Float32Array): number {
    const [value, flatGrad] = this.lossAndGradTensors(params, batch);
    try {
      out.set(flatGrad.dataSync() as Float32Array);
      return value.dataSync()[0];
    } finally {
      tf.dispose([value, flatGrad]);
    }
  }

  /** The same with asynchronous reads: every backend, including webgpu (which cannot read synchronously in Node). */
  async lossAndGradAsync(params: Float32Array, batch: SequenceSet, out: Float32Array): Promise<number> {
    const [value, flatGrad] = this.lossAndGradTensors(params, batch);
    try {
      out.set((await flatGrad.data()) as Float32Array);
      return (await value.data())[0];
    } finally {
      tf.dispose([value, flatGrad]);
    }
  }

  private lossAndGradTensors(params: Float32Array, batch: SequenceSet): readonly [tf.Tensor, tf.Tensor] {
    const { seqLen: T, n } = batch;
    const names = this.layout.map((p) => p.name);
    return tf.tidy(() => {
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
  }

  /** Argmax predictions of the last position, in chunks. Not on webgpu: use predictAsync. */
  predict(params: Float32Array, set: SequenceSet, chunk = 1024): Int32Array {
    const out = new Int32Array(set.n);
    const P = paramTensors(this.layout, params);
    try {
      for (let s = 0; s < set.n; s += chunk) {
        const pred = this.predictChunk(P, set, s, chunk);
        try { out.set(pred.dataSync() as Int32Array, s); } finally { pred.dispose(); }
      }
    } finally {
      tf.dispose(Object.values(P));
    }
    return out;
  }

  async predictAsync(params: Float32Array, set: SequenceSet, chunk = 1024): Promise<Int32Array> {
    const out = new Int32Array(set.n);
    const P = paramTensors(this.layout, params);
    try {
      for (let s = 0; s < set.n; s += chunk) {
        const pred = this.predictChunk(P, set, s, chunk);
        try { out.set((await pred.data()) as Int32Array, s); } finally { pred.dispose(); }
      }
    } finally {
      tf.dispose(Object.values(P));
    }
    return out;
  }

  private predictChunk(P: Record<string, tf.Tensor>, set: SequenceSet, s: number, chunk: number): tf.Tensor {
    const n = Math.min(chunk, set.n - s);
    return tf.tidy(() => {
      const tokens = tf.tensor2d(set.tokens.subarray(s * set.seqLen, (s + n) * set.seqLen), [n, set.seqLen], 'int32');
      return tf.argMax(forward(this.shape, P, tokens, { lastOnly: true }).logits, -1);
    });
  }

  /** Attention probabilities of one sequence: [layer][head] → row-major T×T. Not on webgpu: use attentionAsync. */
  attention(params: Float32Array, tokens: number[]): number[][][] {
    const arrays = this.attentionTensors(params, tokens);
    try { return arrays.map((a) => this.maps(a.dataSync() as Float32Array, tokens.length)); } finally { tf.dispose(arrays); }
  }

  async attentionAsync(params: Float32Array, tokens: number[]): Promise<number[][][]> {
    const arrays = this.attentionTensors(params, tokens);
    try {
      const out: number[][][] = [];
      for (const a of arrays) out.push(this.maps((await a.data()) as Float32Array, tokens.length));
      return out;
    } finally {
      tf.dispose(arrays);
    }
  }

  private attentionTensors(params: Float32Array, tokens: number[]): tf.Tensor[] {
    const T = tokens.length;
    return tf.tidy(() => {
      const P = paramTensors(this.layout, params);
      const t = tf.tensor2d([tokens], [1, T], 'int32');
      return forward(this.shape, P, t, { lastOnly: false, collectAttention: true }).attention;
    });
  }

  private maps(d: Float32Array, T: number): number[][] {
    return Array.from({ length: this.shape.heads }, (_, h) => Array.from(d.subarray(h * T * T, (h + 1) * T * T), (x) => Math.round(x * 1e4) / 1e4));
  }
}

export const tensorCount = () => tf.memory().numTensors;
