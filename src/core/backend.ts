// Choosing and initialising the tfjs backend. Never falls back silently to the 30x slower pure-JS backend.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/runFiles';
import { bestSimdVariant } from './gemm/wasmKernels';
import { adapterLabel, probeWebGPU, useWebGPU, type AdapterSummary } from './webgpu';

export type BackendRequest = 'auto' | 'wasm' | 'node' | 'webgpu' | 'cpu';
export const BACKEND_REQUESTS: BackendRequest[] = ['auto', 'wasm', 'node', 'webgpu', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** One line for people and for the run's backendDetail; for WebGPU it names the adapter (vendor / architecture / description). */
  detail: string;
  /** WebGPU only: the adapter in use. */
  adapter?: AdapterSummary;
}

/** One line on stderr (the runner's log): a forced software adapter, auto's fallback from WebGPU. */
const note = (s: string) => process.stderr.write(`anchor-lab: ${s}\n`);

let current: BackendInfo | null = null;

function tryLoadTfjsNode(): { ok: true } | { ok: false; error: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

/** Directory holding the .wasm binaries: next to the bundle when packaged, else in node_modules. */
export function wasmDir(): string {
  const override = process.env.ANCHOR_LAB_WASM_DIR;
  if (override) return override.endsWith(path.sep) ? override : override + path.sep;
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

async function initWasm(): Promise<BackendInfo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
  const dir = wasmDir();
  wasm.setWasmPaths(dir);
  const ok = await tf.setBackend('wasm');
  if (!ok || tf.getBackend() !== 'wasm') throw new Error(`the wasm backend did not load (looked for tfjs-backend-wasm*.wasm in ${dir}); refusing to fall back to the slow cpu backend`);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  // The kernels' SIMD build changes float rounding (fused multiply-add), so a run records which one it trained with.
  return { name: 'wasm', detail: `tfjs-backend-wasm ${tf.version_core}${simd ? ' SIMD' : ''} + Anchor Lab kernels (${bestSimdVariant()} SIMD), 1 thread` };
}

function webgpuInfo(a: AdapterSummary, dawn: string): BackendInfo {
  return { name: 'webgpu', adapter: a, detail: `tfjs-backend-webgpu ${tf.version_core} on Dawn (${dawn}), adapter ${adapterLabel(a)}${a.software ? ' [software adapter]' : ''}` };
}

/**
 * WebGPU forced: any adapter Dawn offers, a software one with a warning; none is an error that says what is missing.
 * In auto mode (`auto` true) only a hardware adapter is taken; otherwise null (one log line), tfjs untouched.
 */
async function initWebGPU(auto: boolean): Promise<BackendInfo | null> {
  const probe = await probeWebGPU();
  if (!probe.ok) {
    if (auto) { note(`backend auto: WebGPU not used: ${probe.error}; using wasm`); return null; }
    throw new Error(`backend "webgpu" was asked for but ${probe.error}. Use --backend wasm (or auto) to train on the CPU`);
  }
  const info = webgpuInfo(probe.summary, probe.dawn);
  if (probe.summary.software) {
    if (auto) { note(`backend auto: the only WebGPU adapter is a software one (${adapterLabel(probe.summary)}); using wasm, which is faster`); return null; }
    note(`WARNING: WebGPU runs on a software adapter (${adapterLabel(probe.summary)}): correct but about 10x slower than --backend wasm`);
  }
  try {
    await useWebGPU(probe.adapter);
  } catch (e) {
    if (auto) { note(`backend auto: WebGPU adapter ${adapterLabel(probe.summary)} did not initialise (${(e as Error).message}); using wasm`); return null; }
    throw new Error(`backend "webgpu": the adapter ${adapterLabel(probe.summary)} did not initialise: ${(e as Error).message}`);
  }
  return info;
}

/** Initialise the requested backend (once per process) and report what is in use. */
export async function initBackend(req: BackendRequest = 'auto'): Promise<BackendInfo> {
  if (current) return current;
  let info: BackendInfo;
  if (req === 'node' || req === 'auto') {
    const loaded = tryLoadTfjsNode();
    if (loaded.ok && (await tf.setBackend('tensorflow'))) info = { name: 'tensorflow', detail: `tfjs-node ${tf.version_core} (libtensorflow)` };
    else if (req === 'node') throw new Error(`backend "node" was asked for but @tensorflow/tfjs-node does not load: ${loaded.ok ? 'setBackend failed' : loaded.error}. Install it with \`npm install @tensorflow/tfjs-node\` where libtensorflow can be downloaded, or use --backend wasm`);
    else info = (await initWebGPU(true)) ?? (await initWasm());
  } else if (req === 'webgpu') {
    info = (await initWebGPU(false))!;
  } else if (req === 'wasm') {
    info = await initWasm();
  } else if (req === 'cpu') {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not load');
    info = { name: 'cpu', detail: `tfjs-backend-cpu ${tf.version_core} (pure JavaScript, about 30x slower than wasm)` };
  } else {
    throw new Error(`unknown backend "${req as string}"; allowed: ${BACKEND_REQUESTS.join(', ')}`);
  }
  await tf.ready();
  current = info;
  return info;
}

export const currentBackend = () => current;
