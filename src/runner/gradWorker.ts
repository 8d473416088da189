// A gradient worker thread (see src/core/parallel.ts): its own tfjs backend, the shared parameters, one slice per job.
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend, type BackendRequest } from '../core/backend';
import { Engine } from '../core/engine';
import type { WorkerInit, WorkerJob, WorkerReply } from '../core/parallel';

const init = workerData as WorkerInit;
const params = new Float32Array(init.params);
const grad = new Float32Array(init.grad);
const reply = (m: WorkerReply) => parentPort!.postMessage(m);

(async () => {
  const req: BackendRequest = init.backend === 'tensorflow' ? 'node' : (init.backend as BackendRequest);
  await initBackend(req);
  const engine = new Engine(init.shape, init.layout, init.lastPositionShortcut);
  parentPort!.on('message', async (job: WorkerJob) => {
    try {
      const loss = await engine.lossAndGradAsync(params, { seqLen: job.seqLen, n: job.targets.length, tokens: job.tokens, targets: job.targets, keys: new Int32Array(0), keyPos: new Int32Array(0) }, grad);
      reply({ ok: true, loss });
    } catch (e) {
      reply({ ok: false, error: (e as Error).message });
    }
  });
  reply({ ok: true, loss: 0 });
})().catch((e) => reply({ ok: false, error: (e as Error).message }));
