// WebGPU through Dawn's Node bindings (the optional `webgpu` package) for the tfjs WebGPU backend.
// Nothing here touches tfjs until an adapter has been found and accepted: probing is free of side effects on tfjs,
// so a failed or refused probe leaves the caller free to pick another backend.
import * as tf from '@tensorflow/tfjs-core';

/** What a run records about the adapter it trains on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A fallback / CPU adapter (lavapipe, llvmpipe, SwiftShader, WARP): correct, but much slower than wasm. */
  software: boolean;
}

// The few members of Dawn's objects used here (the full types come with the `webgpu` package, an optional dependency).
interface AdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean }
interface AdapterLike {
  info?: AdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: { has(name: string): boolean };
  limits: Record<string, number>;
  requestDevice(desc?: object): Promise<DeviceLike>;
}
interface DeviceLike { lost: Promise<{ reason?: string; message?: string }>; destroy(): void }
interface GpuLike { requestAdapter(opts?: object): Promise<AdapterLike | null> }
interface WebGPUModule { create(flags: string[]): GpuLike; globals: Record<string, unknown> }

export type Probe =
  | { ok: true; adapter: AdapterLike; summary: AdapterSummary; dawn: string }
  | { ok: false; reason: 'no-package' | 'no-adapter'; error: string };

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|basic render|software/i;

export function summarize(adapter: AdapterLike): AdapterSummary {
  const info = adapter.info ?? {};
  const s = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const summary = { vendor: s(info.vendor), architecture: s(info.architecture), device: s(info.device), description: s(info.description) };
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true ||
    /^(software|cpu)$/i.test(summary.architecture) || SOFTWARE_NAMES.test(`${summary.device} ${summary.description}`);
  return { ...summary, software };
}

/** "mesa / software / llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)": vendor, architecture, description (or device). */
export function adapterLabel(a: AdapterSummary): string {
  return [a.vendor || 'unknown vendor', a.architecture || 'unknown architecture', a.description || a.device || 'no description'].join(' / ');
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return '?';
  }
}

let gpu: GpuLike | null = null;

/** Dawn's flags: ANCHOR_LAB_DAWN_FLAGS="backend=opengl,…" (comma-separated; e.g. Dawn's OpenGL backend on an old Mesa). */
function dawnFlags(): string[] {
  return (process.env.ANCHOR_LAB_DAWN_FLAGS ?? '').split(',').map((f) => f.trim()).filter(Boolean);
}

/** Load Dawn and ask for the high-performance adapter (Dawn lists discrete, then integrated, then CPU adapters). */
export async function probeWebGPU(): Promise<Probe> {
  if (!gpu) {
    let mod: WebGPUModule;
    try {
      mod = (await import('webgpu')) as unknown as WebGPUModule;
    } catch (e) {
      return { ok: false, reason: 'no-package', error: `the optional package "webgpu" (Dawn) does not load here: ${(e as Error).message.split('\n')[0]}` };
    }
    // The WebGPU constants (GPUBufferUsage, GPUMapMode, …) that tfjs-backend-webgpu reads as globals.
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    try {
      gpu = mod.create(dawnFlags());
    } catch (e) {
      return { ok: false, reason: 'no-adapter', error: `Dawn did not start: ${(e as Error).message}` };
    }
  }
  const opengl = dawnFlags().some((f) => /backend=(opengl|gles)/i.test(f));
  let adapter: AdapterLike | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', ...(opengl ? { featureLevel: 'compatibility' } : {}) });
  } catch (e) {
    return { ok: false, reason: 'no-adapter', error: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) {
    return {
      ok: false, reason: 'no-adapter',
      error: 'Dawn found no usable WebGPU adapter: it needs Vulkan on Linux (libvulkan1 with a GPU driver, or Mesa ≥ 24 lavapipe), Metal on macOS, D3D12 on Windows',
    };
  }
  return { ok: true, adapter, summary: summarize(adapter), dawn: `webgpu ${packageVersion('webgpu')}` };
}

/** tfjs-backend-webgpu's WebGPUBackend refuses to construct unless navigator.gpu exists (Node 20 has no navigator; 21+ has one without gpu). */
function exposeNavigatorGpu(): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, enumerable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true, enumerable: false });
}

/**
 * Register and select tfjs's WebGPU backend on this adapter. On failure the backend is unregistered again, so tfjs
 * is not left with a half-initialised highest-priority backend and another backend can be set.
 */
export async function useWebGPU(adapter: AdapterLike): Promise<void> {
  let device: DeviceLike | null = null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wg = require('@tensorflow/tfjs-backend-webgpu') as { WebGPUBackend: new (device: DeviceLike, info?: AdapterInfoLike) => tf.KernelBackend };
    // Same device request as tfjs-backend-webgpu's own factory (which registers itself only where navigator.gpu exists).
    const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f));
    const L = adapter.limits;
    device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: L.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: L.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: L.maxStorageBufferBindingSize,
        maxBufferSize: L.maxBufferSize,
        maxComputeWorkgroupSizeX: L.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: L.maxComputeInvocationsPerWorkgroup,
      },
    });
    const dev = device;
    void dev.lost.then((info) => {
      if (info?.reason !== 'destroyed') process.stderr.write(`anchor-lab: the WebGPU device was lost: ${info?.message ?? info?.reason ?? 'unknown reason'}\n`);
    });
    exposeNavigatorGpu();
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new wg.WebGPUBackend(dev, adapter.info), 3);
    if (!(await tf.setBackend('webgpu')) || tf.getBackend() !== 'webgpu') throw new Error('tf.setBackend("webgpu") failed');
  } catch (e) {
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    try { device?.destroy(); } catch { /* already gone */ }
    throw e;
  }
}
