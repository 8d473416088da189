// Time training steps of a config on the current backend (used by bench/bench.mjs).
import type { ExperimentConfig } from '../core/config';
import { Engine } from '../core/engine';
import { newAdamWState } from '../core/optim';
import { parallelGradients, localGradients } from '../core/parallel';
import { prepare, sharedCopy, trainStep } from '../core/train';
import { gatherRows } from '../core/task';

export async function benchSteps(cfg: ExperimentConfig, steps: number, threads = 1, backend = 'wasm', warmup = 2, withEval = true) {
  const prep = prepare(cfg);
  if (threads > 1) prep.params = sharedCopy(prep.params);
  const engine = new Engine(prep.shape, prep.layout, cfg.train.lastPositionShortcut);
  const grads = threads > 1 ? await parallelGradients(engine, threads, backend, prep.params) : localGradients(engine);
  const grad = new Float32Array(prep.params.length);
  const opt = newAdamWState(prep.params.length);
  const B = cfg.train.batchSize;
  const batches = Array.from({ length: 4 }, (_, i) => gatherRows(prep.data.train, Array.from({ length: B }, (_, j) => (i * B + j) % prep.data.train.n)));
  const times: number[] = [];
  for (let s = 0; s < warmup + steps; s++) {
    const t = process.hrtime.bigint();
    await trainStep(grads, prep.params, grad, opt, batches[s % batches.length], 1e-4, cfg.train);
    if (s >= warmup) times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await grads.close();
  times.sort((a, b) => a - b);
  const msPerStep = times[Math.floor(times.length / 2)];
  // An epoch also scores the evaluation sets; time one evaluation pass.
  const t0 = process.hrtime.bigint();
  if (withEval) for (const g of [prep.evalSets.trainSample, ...prep.evalSets.seenTest, ...prep.evalSets.unseen]) await engine.predictAsync(prep.params, g);
  const evalMs = withEval ? Number(process.hrtime.bigint() - t0) / 1e6 : NaN;
  return { threads, msPerStep, msMin: times[0], steps, stepsPerEpoch: prep.stepsPerEpoch, epochSec: (prep.stepsPerEpoch * msPerStep) / 1000, evalSec: evalMs / 1000, paramCount: prep.params.length };
}
