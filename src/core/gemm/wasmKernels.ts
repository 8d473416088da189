// Anchor Lab's own kernels for the wasm backend (gemm.c), registered as tfjs kernels so that tidy, dispose and
// tf.profile treat them like any other op. The module imports tfjs-backend-wasm's memory and works on its tensors in
// place; its scratch block comes from tfjs's own malloc.
//
// What they replace, measured with tf.profile and `npm run bench:kernels` (bench/README.md):
//   - AnchorGemm: a GEMM taking transposed operands directly, so the matMul gradients need no tf.transpose; with
//     relaxed SIMD it uses fused multiply-add (V8 lowers f32x4.relaxed_madd to vfmadd).
//   - AnchorColSums: column sums (LayerNorm's dγ, dβ), which XNNPACK ran as a badly shaped 1-row GEMM.
//   - AnchorAttention / AnchorAttentionGrad: the whole masked-softmax attention of a layer, forward and backward,
//     reading Q, K and V straight out of the fused [Q K V] projection (no split, no head transposes).
import * as v8 from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import { GEMM_WASM_PLAIN, GEMM_WASM_RELAXED } from './gemmWasm';

interface GemmExports {
  gemm(a: number, b: number, c: number, M: number, N: number, K: number, lda: number, ldb: number, ldc: number,
    transA: number, transB: number, accumulate: number, scratch: number): void;
  gemm_scratch_floats(M: number, N: number, K: number): number;
  col_sums(x: number, y: number, out: number, rows: number, cols: number): void;
  attn_fwd(q: number, ldq: number, k: number, v: number, ldkv: number, tokens: number, ctx: number, probs: number,
    B: number, Tq: number, T: number, H: number, dh: number, scale: number): void;
  attn_bwd(q: number, ldq: number, k: number, v: number, ldkv: number, probs: number, dctx: number, dq: number,
    lddq: number, dk: number, dv: number, lddkv: number, B: number, Tq: number, T: number, H: number, dh: number,
    scale: number, tmp: number): void;
}

/** The parts of tfjs-backend-wasm's BackendWasm used here (its module, its tensor table, its output allocator). */
interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(ptr: number): void };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

export type SimdVariant = 'relaxed' | 'plain';

interface Instance { ex: GemmExports }

// Compiled once per variant (V8 tiers a module up to optimised code once; a fresh module would start in the
// baseline compiler again); instantiated once per backend and variant. The scratch block is per backend.
const modules = new Map<SimdVariant, WebAssembly.Module>();
const instances = new WeakMap<object, Map<SimdVariant, Instance>>();
let variantCache: SimdVariant | null = null;
/** Force a variant (tests, A/B benchmarks); null = the best this runtime validates. */
export const simdPreference: { variant: SimdVariant | null } = { variant: null };

const bytesOf = (b64: string) => Uint8Array.from(Buffer.from(b64, 'base64'));

/** relaxed when this V8 validates relaxed SIMD (Node ≥ 22 by default; Node 20 behind a flag we switch on), else plain. */
export function bestSimdVariant(): SimdVariant {
  if (variantCache) return variantCache;
  const relaxed = bytesOf(GEMM_WASM_RELAXED);
  if (!WebAssembly.validate(relaxed)) {
    try { v8.setFlagsFromString('--experimental-wasm-relaxed-simd'); } catch { /* not a V8 that knows the flag */ }
  }
  variantCache = WebAssembly.validate(relaxed) ? 'relaxed' : 'plain';
  return variantCache;
}

const scratchOf = new WeakMap<object, { ptr: number; bytes: number }>();

function instanceFor(backend: WasmBackend): Instance {
  const variant = simdPreference.variant ?? bestSimdVariant();
  let perBackend = instances.get(backend);
  if (!perBackend) instances.set(backend, (perBackend = new Map()));
  let inst = perBackend.get(variant);
  if (inst) return inst;
  let module = modules.get(variant);
  if (!module) modules.set(variant, (module = new WebAssembly.Module(bytesOf(variant === 'relaxed' ? GEMM_WASM_RELAXED : GEMM_WASM_PLAIN))));
  const ex = new WebAssembly.Instance(module, { env: { memory: backend.wasm.asm.memory } }).exports as unknown as GemmExports;
  inst = { ex };
  perBackend.set(variant, inst);
  return inst;
}

function scratch(backend: WasmBackend, bytes: number): number {
  let s = scratchOf.get(backend);
  if (!s) scratchOf.set(backend, (s = { ptr: 0, bytes: 0 }));
  if (bytes > s.bytes) {
    if (s.ptr) backend.wasm._free(s.ptr);
    s.bytes = Math.max(bytes, s.bytes * 2);
    s.ptr = backend.wasm._malloc(s.bytes);
  }
  return s.ptr;
}

const ptr = (backend: WasmBackend, t: tf.TensorInfo) => {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('Anchor Lab wasm kernel: tensor not on the wasm backend');
  return d.memoryOffset;
};

type KernelArgs = { inputs: Record<string, tf.TensorInfo>; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap };

function gemmKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend;
  const { a, b } = inputs;
  const transA = Boolean(attrs?.transA), transB = Boolean(attrs?.transB);
  const [ar, ac] = a.shape, [br, bc] = b.shape;
  const [M, K] = transA ? [ac, ar] : [ar, ac];
  const N = transB ? br : bc;
  if ((transB ? bc : br) !== K) throw new Error(`AnchorGemm: inner dimensions ${K} and ${transB ? bc : br} differ`);
  const inst = instanceFor(be);
  const out = be.makeOutput([M, N], 'float32');
  const s = scratch(be, inst.ex.gemm_scratch_floats(M, N, K) * 4);
  inst.ex.gemm(ptr(be, a), ptr(be, b), ptr(be, out), M, N, K, ac, bc, N, transA ? 1 : 0, transB ? 1 : 0, 0, s);
  return out;
}

function colSumsKernel({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const be = backend as unknown as WasmBackend;
  const { x, y } = inputs;
  const [rows, cols] = x.shape;
  const inst = instanceFor(be);
  const out = be.makeOutput([cols], 'float32');
  inst.ex.col_sums(ptr(be, x), y ? ptr(be, y) : 0, ptr(be, out), rows, cols);
  return out;
}

interface AttnAttrs { B: number; Tq: number; T: number; H: number; dh: number; qOff: number; kOff: number; vOff: number }
const attnAttrs = (attrs?: tf.NamedAttrMap) => attrs as unknown as AttnAttrs;

function attentionKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as unknown as WasmBackend;
  const { q, kv, tokens } = inputs;
  const { B, Tq, T, H, dh, qOff, kOff, vOff } = attnAttrs(attrs);
  const inst = instanceFor(be);
  const ctx = be.makeOutput([B * Tq, H * dh], 'float32');
  const probs = be.makeOutput([B, H, Tq, T], 'float32');
  const qp = ptr(be, q), kvp = ptr(be, kv);
  inst.ex.attn_fwd(qp + 4 * qOff, q.shape[1], kvp + 4 * kOff, kvp + 4 * vOff, kv.shape[1], ptr(be, tokens), ptr(be, ctx),
    ptr(be, probs), B, Tq, T, H, dh, 1 / Math.sqrt(dh));
  return [ctx, probs];
}

// Gradients of AnchorAttention: one tensor shaped like q when q and kv are the same tensor (the fused projection),
// else [dq, dkv]. Columns of q/kv that attention does not read get zero gradient.
function attentionGradKernel({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const be = backend as unknown as WasmBackend;
  const { q, kv, probs, dctx } = inputs;
  const { B, Tq, T, H, dh, qOff, kOff, vOff } = attnAttrs(attrs);
  const fused = Boolean(attrs?.fused);
  const inst = instanceFor(be);
  const dq = be.makeOutput(q.shape, 'float32');
  const dkv = fused ? dq : be.makeOutput(kv.shape, 'float32');
  const zeroUnread = (t: tf.TensorInfo, used: number) => {
    if (used < t.shape[1]) new Float32Array(be.wasm.asm.memory.buffer, ptr(be, t), t.shape[0] * t.shape[1]).fill(0);
  };
  zeroUnread(dq, fused ? 3 * H * dh : H * dh);
  if (!fused) zeroUnread(dkv, 2 * H * dh);
  const s = scratch(be, 4 * T);
  const qp = ptr(be, q), kvp = ptr(be, kv), dqp = ptr(be, dq), dkvp = ptr(be, dkv);
  inst.ex.attn_bwd(qp + 4 * qOff, q.shape[1], kvp + 4 * kOff, kvp + 4 * vOff, kv.shape[1], ptr(be, probs), ptr(be, dctx),
    dqp + 4 * qOff, dq.shape[1], dkvp + 4 * kOff, dkvp + 4 * vOff, dkv.shape[1], B, Tq, T, H, dh, 1 / Math.sqrt(dh), s);
  return fused ? [dq] : [dq, dkv];
}

let registered = false;
/** Registers the kernels on the wasm backend (idempotent). */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: [string, tf.KernelFunc][] = [
    ['AnchorGemm', gemmKernel as unknown as tf.KernelFunc], ['AnchorColSums', colSumsKernel as unknown as tf.KernelFunc],
    ['AnchorAttention', attentionKernel as unknown as tf.KernelFunc],
    ['AnchorAttentionGrad', attentionGradKernel as unknown as tf.KernelFunc],
  ];
  for (const [kernelName, kernelFunc] of kernels)
    if (!tf.getKernel(kernelName, 'wasm')) tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
}

const run = (name: string, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}) =>
  tf.engine().runKernel(name, inputs, attrs);

/** op(a) · op(b) with Anchor Lab's GEMM (wasm backend only). */
export const gemm = (a: tf.Tensor, b: tf.Tensor, transA = false, transB = false) =>
  run('AnchorGemm', { a, b }, { transA, transB }) as tf.Tensor2D;

/** Σ over rows of x [rows, cols] (or of x ⊙ y) → [cols]. */
export const colSums = (x: tf.Tensor, y?: tf.Tensor) => run('AnchorColSums', y ? { x, y } : { x }) as tf.Tensor1D;

export interface AttentionShape { B: number; Tq: number; T: number; H: number; dh: number }

/**
 * Masked softmax attention of every head: ctx [B·Tq, H·dh] and probs [B, H, Tq, T]. Q is read from q (columns qOff…),
 * K and V from kv (columns kOff…, vOff…); pass the same tensor as q and kv for the fused [Q K V] projection.
 */
export function attention(q: tf.Tensor2D, kv: tf.Tensor2D, tokens: tf.Tensor2D, shape: AttentionShape,
  offsets: { qOff: number; kOff: number; vOff: number }, keepProbs = false): { ctx: tf.Tensor2D; probs: tf.Tensor4D | null } {
  const attrs = { ...shape, ...offsets } as unknown as tf.NamedAttrMap;
  const fused = q === kv;
  let probsOut: tf.Tensor4D | null = null;
  const forward = (qt: tf.Tensor, kvt: tf.Tensor, save: tf.GradSaveFunc) => {
    const [ctx, probs] = run('AnchorAttention', { q: qt, kv: kvt, tokens }, attrs) as tf.Tensor[];
    save([qt, kvt, probs]);
    // customGrad disposes what its forward does not return: probs (attention maps for probes) must be kept, and the
    // caller then owns them, as it owns the tensors forward() returns.
    if (keepProbs) probsOut = tf.keep(probs) as tf.Tensor4D;
    return {
      value: ctx,
      gradFunc: (dctx: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, skv, sp] = saved;
        return run('AnchorAttentionGrad', { q: sq, kv: skv, probs: sp, dctx }, { ...attrs, fused }) as tf.Tensor[];
      },
    };
  };
  const ctx = fused
    ? (tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const r = forward(x, x, save);
      return { value: r.value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => r.gradFunc(dy, saved)[0] };
    }) as unknown as Parameters<typeof tf.customGrad>[0])(q) as tf.Tensor2D)
    : (tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0])(q, kv) as tf.Tensor2D);
  return { ctx, probs: probsOut };
}
