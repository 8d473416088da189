// The paper's decoder-only transformer (spec §2–3), written against tfjs-core so every backend runs it.
//
//   X(1)   = Emb[token] + Pos[position]                                    [B, T, D]
//   layer l (post-LN, as-run):
//     Q, K, V = X Wq, X Wk, X Wv        (no bias)                           [B, H, T, dHead]
//     Xao     = LN(X + softmax(Q Kᵀ/√dHead + mask) V Wo)                      [B, T, D]
//     X(l+1)  = LN(Xao + ReLU(Xao W1) W2)  (no bias)                          [B, T, D]
//   logits = X(L)[:, last] Wout + b                                            [B, V]
// Pre-LN (option): X += Attn(LN(X)); X += FFN(LN(X)); a final LN before the head.
// Init (γ): every matrix ~ N(0, d_in^(−2γ)) with the as-run d_in; the head bias ~ U(±1/√D); LN weight 1, bias 0.
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the @tensorflow/tfjs umbrella registers them (and the cpu backend).
import '@tensorflow/tfjs';
import type { ModelConfig } from './config';
import { Rng } from './rng';
import { embedRows } from './rowKernels';
import { attention as wasmAttention, colSums, gemm, registerWasmKernels } from './gemm/wasmKernels';

registerWasmKernels();

export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
  init: { kind: 'normal'; dIn: number } | { kind: 'uniform'; bound: number } | { kind: 'const'; value: number };
}

export interface ModelShape extends ModelConfig { vocabSize: number; seqLen: number }

/** Every parameter with its shape, its place in the flat vector, and its as-run init rule. */
export function paramLayout(m: ModelShape): ParamSpec[] {
  const { dModel: D, dHead: dh, heads: H, dFF: F, vocabSize: V, layers: L } = m;
  const specs: Omit<ParamSpec, 'offset' | 'size'>[] = [];
  const normal = (name: string, shape: number[], dIn: number) => specs.push({ name, shape, init: { kind: 'normal', dIn } });
  const constant = (name: string, shape: number[], value: number) => specs.push({ name, shape, init: { kind: 'const', value } });
  normal('tokEmb', [V, D], D); // as-run: d = d_model, not the vocabulary size
  normal('posEmb', [m.maxPos, D], D);
  for (let l = 0; l < L; l++) {
    normal(`l${l}.Wq`, [D, H * dh], D);
    normal(`l${l}.Wk`, [D, H * dh], D);
    normal(`l${l}.Wv`, [D, H * dh], D);
    normal(`l${l}.Wo`, [H * dh, D], H * dh);
    constant(`l${l}.ln1.g`, [D], 1);
    constant(`l${l}.ln1.b`, [D], 0);
    normal(`l${l}.W1`, [D, F], D);
    normal(`l${l}.W2`, [F, D], F);
    constant(`l${l}.ln2.g`, [D], 1);
    constant(`l${l}.ln2.b`, [D], 0);
  }
  if (m.norm === 'pre') { constant('lnF.g', [D], 1); constant('lnF.b', [D], 0); }
  normal('Wout', [D, V], D);
  specs.push({ name: 'bOut', shape: [V], init: { kind: 'uniform', bound: 1 / Math.sqrt(D) } }); // PyTorch Linear default
  let offset = 0;
  return specs.map((s) => {
    const size = s.shape.reduce((a, b) => a * b, 1);
    const spec = { ...s, offset, size };
    offset += size;
    return spec;
  });
}

export const paramCount = (layout: ParamSpec[]) => layout.reduce((s, p) => s + p.size, 0);

/** Init std of a matrix with input dimension dIn at rate γ: d_in^(−γ). */
export const initStd = (dIn: number, gamma: number) => Math.pow(dIn, -gamma);

export function initParams(layout: ParamSpec[], gamma: number, rng: Rng): Float32Array {
  const flat = new Float32Array(paramCount(layout));
  for (const p of layout) {
    const view = flat.subarray(p.offset, p.offset + p.size);
    const init = p.init;
    if (init.kind === 'normal') { const std = initStd(init.dIn, gamma); for (let i = 0; i < view.length; i++) view[i] = rng.normal() * std; }
    else if (init.kind === 'uniform') for (let i = 0; i < view.length; i++) view[i] = (rng.next() * 2 - 1) * init.bound;
    else view.fill(init.value);
  }
  return flat;
}

export type Params = Record<string, tf.Tensor>;

/** Tensors over the flat parameter vector (copies into the backend). */
export function paramTensors(layout: ParamSpec[], flat: Float32Array): Params {
  const out: Params = {};
  for (const p of layout) out[p.name] = tf.tensor(flat.subarray(p.offset, p.offset + p.size), p.shape, 'float32');
  return out;
}

// A 2-D matMul whose gradient uses explicitly transposed, untransposed-flag matMuls: the wasm backend sends
// only those to XNNPACK (tfjs's own gradient passes transpose flags and runs ~7x slower there).
const matMul2d = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);
// On wasm, Anchor Lab's own GEMM (gemm/gemm.c) reads transposed operands itself: no transposes in the gradient.
const gemm2d = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: gemm(a, b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [gemm(dy, saved[1], false, true), gemm(saved[0], dy, true, false)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);
const useWasmKernels = () => tf.getBackend() === 'wasm';
export const mm = (a: tf.Tensor, b: tf.Tensor) =>
  (kernelChoices.wasmGemm && useWasmKernels() ? gemm2d(a, b) : matMul2d(a, b)) as tf.Tensor2D;

// tfjs-backend-wasm 4.22's OneHot ignores a float32 dtype and writes int32 bits: one-hot as int32, then cast.
const oneHotF32 = (ids: tf.Tensor1D, depth: number) => tf.cast(tf.oneHot(ids, depth), 'float32');

// Embedding lookup: gather forward; its gradient as a one-hot product (wasm has no UnsortedSegmentSum).
function embed(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const V = table.shape[0];
  const f = tf.customGrad(((t: tf.Tensor) => {
    return {
      value: tf.gather(t, ids),
      gradFunc: (dy: tf.Tensor) => tf.matMul(tf.transpose(oneHotF32(ids, V)) as tf.Tensor2D, dy as tf.Tensor2D),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(table) as tf.Tensor2D;
}

/** Backends that read tensors synchronously, where embedding and attention run as row loops (rowKernels.ts). */
const ROW_KERNEL_BACKENDS = new Set(['wasm', 'cpu']);

/** Implementation choices on those backends, switchable for A/B measurements and tests; defaults = measured best. */
export const kernelChoices = {
  rowEmbedding: true, fusedQkv: true, projectFirstLayerTables: true, fusedLayerNorm: true,
  /** wasm only: Anchor Lab's GEMM and column sums (gemm/gemm.c) instead of XNNPACK's matMul and a 1-row matMul. */
  wasmGemm: true,
  /** wasm only: the whole attention of a layer (scores, mask, softmax, context and their gradients) as one kernel. */
  wasmAttention: true,
};

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps = 1e-5): tf.Tensor {
  if (kernelChoices.fusedLayerNorm && x.rank === 2) return layerNorm2d(x, g, b, eps);
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), g), b);
}

// The same layer norm over the rows of x [N, D] with its gradient written out: about half the kernels of the
// autodiff version, and the column sums for dg and db as a ones-row matMul (XNNPACK) instead of an axis-0 Sum
// (which wasm runs as a transpose plus a reduction).
//   x̂ = (x − μ)·r, r = 1/√(σ² + ε);  dx = r·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = dy·g;  dg = Σ_rows dy·x̂;  db = Σ_rows dy
function layerNorm2d(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const f = tf.customGrad(((xt: tf.Tensor, gt: tf.Tensor, bt: tf.Tensor, save: tf.GradSaveFunc) => {
    const xc = tf.sub(xt, tf.mean(xt, -1, true));
    const r = tf.rsqrt(tf.add(tf.mean(tf.square(xc), -1, true), eps));
    const xhat = tf.mul(xc, r);
    save([xhat, r, gt]);
    return {
      value: tf.add(tf.mul(xhat, gt), bt),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sr, sg] = saved;
        const dxhat = tf.mul(dy, sg);
        const inner = tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(sx, tf.mean(tf.mul(dxhat, sx), -1, true)));
        if (kernelChoices.wasmGemm && useWasmKernels()) return [tf.mul(inner, sr), colSums(dy, sx), colSums(dy)];
        const ones = tf.ones([1, dy.shape[0]]);
        const dg = tf.reshape(tf.matMul(ones as tf.Tensor2D, tf.mul(dy, sx) as tf.Tensor2D), sg.shape);
        const db = tf.reshape(tf.matMul(ones as tf.Tensor2D, dy as tf.Tensor2D), sg.shape);
        return [tf.mul(inner, sr), dg, db];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x, g, b) as tf.Tensor;
}

export interface ForwardOptions {
  /** Compute the last layer for the last position only (training and scoring need nothing else). */
  lastOnly: boolean;
  /** Return each layer's attention probabilities [B, H, Tq, T]. */
  collectAttention?: boolean;
  /** Return the hidden states (for mechanism analyses): Xao and Xdo of each layer, last position. */
  collectHidden?: boolean;
  /** Logits of every position [B*T, V] instead of the last (tests of causality, analyses). Needs lastOnly false. */
  allPositions?: boolean;
}

interface QkvSources { qSrc: tf.Tensor; kvSrc: tf.Tensor; qOff: number; kOff: number; vOff: number }

export interface ForwardResult { logits: tf.Tensor2D; attention: tf.Tensor[]; hidden: Record<string, tf.Tensor> }

/** tokens: int32 [B, T] → logits of the last position [B, V]. */
export function forward(m: ModelShape, P: Params, tokens: tf.Tensor2D, opts: ForwardOptions): ForwardResult {
  const [B, T] = tokens.shape;
  const { dModel: D, heads: H, dHead: dh, layers: L } = m;
  const attention: tf.Tensor[] = [];
  const hidden: Record<string, tf.Tensor> = {};
  const ids = tf.reshape(tokens, [B * T]) as tf.Tensor1D;
  const rowBackend = ROW_KERNEL_BACKENDS.has(tf.getBackend());
  const tokenIds = rowBackend ? (ids.dataSync() as Int32Array) : null;
  // X: [B*T, D]
  let x: tf.Tensor;
  if (kernelChoices.rowEmbedding && rowBackend) x = embedRows(P.tokEmb, P.posEmb, tokenIds!, T);
  else x = tf.reshape(tf.add(tf.reshape(embed(P.tokEmb, ids), [B, T, D]), tf.slice(P.posEmb, [0, 0], [T, D])), [B * T, D]);

  // Additive mask [B, 1, T, T]: causal, plus PAD (token 0) keys. −1e9 as in the as-run masked_fill.
  const padKeys = tf.reshape(tf.mul(tf.cast(tf.equal(tokens, 0), 'float32'), -1e9), [B, 1, 1, T]);
  const causal = tf.tensor(Float32Array.from({ length: T * T }, (_, i) => ((i % T) > Math.floor(i / T) ? -1e9 : 0)), [1, 1, T, T]);
  const scale = 1 / Math.sqrt(dh);

  const heads = (t: tf.Tensor, rows: number) => tf.transpose(tf.reshape(t, [B, rows, H, dh]), [0, 2, 1, 3]); // [B, H, rows, dh]

  // Q, K, V of layer l: [B*Tq, H*dh], [B*T, H*dh], [B*T, H*dh]. Same values three ways, chosen per backend (measured):
  //  - one matMul against [Wq Wk Wv] instead of three (fewer, larger XNNPACK calls; one transposed input in the gradient);
  //  - post-LN layer 1 reads the embeddings themselves, so X(1)·W = tokEmb[ids]·W + posEmb[pos]·W: project the
  //    201 + 9 table rows and look the results up, instead of projecting all B·T rows (and the same for the gradient).
  // Returned as sources: q from columns qOff… of qSrc, k and v from columns kOff…, vOff… of kvSrc (qSrc = kvSrc for
  // the fused projection), so the wasm attention kernel can read them in place; split() gives the three tensors.
  const projectQkv = (l: number, last: boolean, xIn: tf.Tensor): QkvSources => {
    const p = (n: string) => P[`l${l}.${n}`];
    const Hd = H * dh;
    if (!kernelChoices.fusedQkv) {
      const xq = last ? lastRows(xIn, B, T, D) : xIn;
      return { qSrc: mm(xq, p('Wq')), kvSrc: mm(xIn, tf.concat([p('Wk'), p('Wv')], 1)), qOff: 0, kOff: 0, vOff: Hd };
    }
    if (last) return { qSrc: mm(lastRows(xIn, B, T, D), p('Wq')), kvSrc: mm(xIn, tf.concat([p('Wk'), p('Wv')], 1)), qOff: 0, kOff: 0, vOff: Hd };
    const W = tf.concat([p('Wq'), p('Wk'), p('Wv')], 1); // [D, 3·H·dh]
    const qkv = l === 0 && m.norm === 'post' && kernelChoices.projectFirstLayerTables && tokenIds
      ? embedRows(mm(P.tokEmb, W), mm(tf.slice(P.posEmb, [0, 0], [T, D]), W), tokenIds, T)
      : mm(xIn, W);
    return { qSrc: qkv, kvSrc: qkv, qOff: 0, kOff: Hd, vOff: 2 * Hd };
  };
  const split = (src: QkvSources) => {
    const Hd = H * dh;
    const cols = (t: tf.Tensor, off: number) => (off === 0 && t.shape[1] === Hd ? t : tf.slice(t, [0, off], [-1, Hd]));
    if (src.qSrc === src.kvSrc) { const [q, k, v] = tf.split(src.qSrc, 3, 1); return { q, k, v }; }
    const [k, v] = src.kvSrc.shape[1] === 2 * Hd ? tf.split(src.kvSrc, 2, 1) : [cols(src.kvSrc, src.kOff), cols(src.kvSrc, src.vOff)];
    return { q: cols(src.qSrc, src.qOff), k, v };
  };

  for (let l = 0; l < L; l++) {
    const p = (n: string) => P[`l${l}.${n}`];
    const last = opts.lastOnly && l === L - 1;
    const Tq = last ? 1 : T;
    const xIn = m.norm === 'pre' ? layerNorm(x, p('ln1.g'), p('ln1.b')) : x;
    const src = projectQkv(l, last, xIn);
    let ctx: tf.Tensor;
    if (kernelChoices.wasmAttention && useWasmKernels()) {
      // One kernel for scores, mask, softmax and context, forward and backward (gemm/gemm.c).
      const r = wasmAttention(src.qSrc as tf.Tensor2D, src.kvSrc as tf.Tensor2D, tokens, { B, Tq, T, H, dh }, src, opts.collectAttention);
      ctx = r.ctx;
      if (r.probs) attention.push(r.probs);
    } else {
      const { q: qRows, k: kRows, v: vRows } = split(src);
      const q = heads(qRows, Tq);
      const k = heads(kRows, T);
      const v = heads(vRows, T);
      let scores = tf.mul(tf.matMul(q, k, false, true), scale); // [B, H, Tq, T]
      scores = tf.add(scores, last ? padKeys : tf.add(padKeys, causal));
      const probs = tf.softmax(scores);
      if (opts.collectAttention) attention.push(probs);
      ctx = tf.reshape(tf.transpose(tf.matMul(probs, v), [0, 2, 1, 3]), [B * Tq, H * dh]);
    }
    const attnOut = mm(ctx, p('Wo'));
    const xRes = last ? lastRows(x, B, T, D) : x;
    let xao: tf.Tensor;
    if (m.norm === 'post') {
      xao = layerNorm(tf.add(xRes, attnOut), p('ln1.g'), p('ln1.b'));
      const ff = mm(tf.relu(mm(xao, p('W1'))), p('W2'));
      x = layerNorm(tf.add(xao, ff), p('ln2.g'), p('ln2.b'));
    } else {
      xao = tf.add(xRes, attnOut);
      const ff = mm(tf.relu(mm(layerNorm(xao, p('ln2.g'), p('ln2.b')), p('W1'))), p('W2'));
      x = tf.add(xao, ff);
    }
    if (opts.collectHidden) {
      hidden[`Xao${l + 1}`] = last ? xao : lastRows(xao, B, T, D);
      hidden[`Xdo${l + 1}`] = last ? x : lastRows(x, B, T, D);
    }
  }
  let xLast = opts.lastOnly || opts.allPositions ? x : lastRows(x, B, T, D);
  if (m.norm === 'pre') xLast = layerNorm(xLast, P['lnF.g'], P['lnF.b']);
  const logits = tf.add(mm(xLast, P.Wout), P.bOut) as tf.Tensor2D;
  return { logits, attention, hidden };
}

function lastRows(x: tf.Tensor, B: number, T: number, D: number): tf.Tensor2D {
  return tf.reshape(tf.slice(tf.reshape(x, [B, T, D]), [0, T - 1, 0], [B, 1, D]), [B, D]);
}

/** Mean cross-entropy of the last position over rows whose target is not PAD (ignore_index=0). */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, vocab: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const onehot = oneHotF32(targets, vocab);
  const valid = tf.cast(tf.notEqual(targets, 0), 'float32');
  const nll = tf.neg(tf.sum(tf.mul(logp, onehot), -1));
  return tf.div(tf.sum(tf.mul(nll, valid)), tf.maximum(tf.sum(valid), 1)) as tf.Scalar;
}
