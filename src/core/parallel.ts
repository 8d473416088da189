// Data-parallel gradients for one run: worker threads each take a slice of the batch and compute the gradient of
// their slice's mean loss; the slices are combined weighted by size, so the result is the full batch's gradient
// (the wasm backend is single-threaded in Node, so this is how one run uses every core).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Engine } from './engine';
import type { ModelShape, ParamSpec } from './model';
import { sliceSet, type SequenceSet } from './task';

/** What a training step needs from the tensor side. */
export interface GradientSource {
  /** Mean loss of the batch; its gradient is written into `out`. */
  lossAndGrad(params: Float32Array, batch: SequenceSet, out: Float32Array): Promise<number>;
  close(): Promise<void>;
}

export const localGradients = (engine: Engine): GradientSource => ({
  lossAndGrad: (p, b, out) => engine.lossAndGradAsync(p, b, out),
  close: async () => {},
});

export interface WorkerInit { shape: ModelShape; layout: ParamSpec[]; lastPositionShortcut: boolean; backend: string; params: SharedArrayBuffer; grad: SharedArrayBuffer }
export interface WorkerJob { tokens: Int32Array; targets: Int32Array; seqLen: number }
export type WorkerReply = { ok: true; loss: number } | { ok: false; error: string };

export function workerScript(): string {
  const candidates = [path.join(__dirname, 'gradWorker.js'), path.join(__dirname, '..', '..', 'dist', 'gradWorker.js')];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) throw new Error(`gradWorker.js not found (looked in ${candidates.join(', ')}); run \`npm run build\``);
  return found;
}

/**
 * `threads` − 1 workers plus the calling thread. Parameters live in shared memory (no copies per step);
 * each worker writes its slice's gradient into its own shared buffer.
 */
export async function parallelGradients(engine: Engine, threads: number, backend: string, paramsShared: Float32Array): Promise<GradientSource> {
  if (!(paramsShared.buffer instanceof SharedArrayBuffer)) throw new Error('parallel gradients need the parameters in a SharedArrayBuffer');
  const n = paramsShared.length;
  const workers = await Promise.all(Array.from({ length: threads - 1 }, async () => {
    const grad = new Float32Array(new SharedArrayBuffer(n * 4));
    const init: WorkerInit = { shape: engine.shape, layout: engine.layout, lastPositionShortcut: engine.lastPositionShortcut, backend, params: paramsShared.buffer as SharedArrayBuffer, grad: grad.buffer as SharedArrayBuffer };
    const w = new Worker(workerScript(), { workerData: init });
    await new Promise<void>((resolve, reject) => {
      w.once('message', (m: WorkerReply) => (m.ok ? resolve() : reject(new Error(`gradient worker failed to start: ${m.error}`))));
      w.once('error', reject);
    });
    return { w, grad };
  }));
  const mine = new Float32Array(n);
  return {
    async lossAndGrad(params, batch, out) {
      if (params !== paramsShared) throw new Error('parallel gradients: pass the shared parameter vector');
      const parts = threads;
      const per = Math.ceil(batch.n / parts);
      const slices = Array.from({ length: parts }, (_, i) => sliceSet(batch, i * per, per)).filter((s) => s.n > 0);
      const pending = slices.slice(1).map((s, i) => new Promise<number>((resolve, reject) => {
        const { w } = workers[i];
        const onMsg = (m: WorkerReply) => { w.off('error', onErr); m.ok ? resolve(m.loss) : reject(new Error(m.error)); };
        const onErr = (e: Error) => { w.off('message', onMsg); reject(e); };
        w.once('message', onMsg);
        w.once('error', onErr);
        const job: WorkerJob = { tokens: s.tokens.slice(), targets: s.targets.slice(), seqLen: s.seqLen };
        w.postMessage(job, [job.tokens.buffer as ArrayBuffer, job.targets.buffer as ArrayBuffer]);
      }));
      const myLoss = await engine.lossAndGradAsync(params, slices[0], mine);
      const losses = [myLoss, ...(await Promise.all(pending))];
      const weights = slices.map((s) => s.n / batch.n);
      let loss = 0;
      for (let k = 0; k < slices.length; k++) loss += weights[k] * losses[k];
      out.set(mine);
      for (let i = 0; i < n; i++) out[i] *= weights[0];
      for (let k = 1; k < slices.length; k++) {
        const g = workers[k - 1].grad, wk = weights[k];
        for (let i = 0; i < n; i++) out[i] += wk * g[i];
      }
      return loss;
    },
    async close() { await Promise.all(workers.map(({ w }) => w.terminate())); },
  };
}
