// Choosing and initialising the tfjs backend. Never falls back silently to the 30x slower pure-JS backend.
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { BackendName } from '../protocol/runFiles';

export type BackendRequest = 'auto' | 'wasm' | 'node' | 'cpu';
export const BACKEND_REQUESTS: BackendRequest[] = ['auto', 'wasm', 'node', 'cpu'];

export interface BackendInfo { name: BackendName; detail: string }

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
  return { name: 'wasm', detail: `tfjs-backend-wasm ${tf.version_core}${simd ? ' SIMD' : ''}, 1 thread` };
}

/** Initialise the requested backend (once per process) and report what is in use. */
export async function initBackend(req: BackendRequest = 'auto'): Promise<BackendInfo> {
  if (current) return current;
  let info: BackendInfo;
  if (req === 'node' || req === 'auto') {
    const loaded = tryLoadTfjsNode();
    if (loaded.ok && (await tf.setBackend('tensorflow'))) info = { name: 'tensorflow', detail: `tfjs-node ${tf.version_core} (libtensorflow)` };
    else if (req === 'node') throw new Error(`backend "node" was asked for but @tensorflow/tfjs-node does not load: ${loaded.ok ? 'setBackend failed' : loaded.error}. Install it with \`npm install @tensorflow/tfjs-node\` where libtensorflow can be downloaded, or use --backend wasm`);
    else info = await initWasm();
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
