// Write a few training steps of a config for an outside check: initial weights, the exact batches, per-step LR and
// loss, the first gradient and the final weights. bench/reference.py replays them in PyTorch.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../core/config';
import { Engine } from '../core/engine';
import { learningRate, newAdamWState } from '../core/optim';
import { Rng, streamSeed } from '../core/rng';
import { gatherRows } from '../core/task';
import { localGradients } from '../core/parallel';
import { prepare, trainStep } from '../core/train';

const bytes = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export async function dumpTrace(cfg: ExperimentConfig, outDir: string, steps: number): Promise<void> {
  fs.mkdirSync(outDir, { recursive: true });
  const prep = prepare(cfg);
  const { layout, params, stepsPerEpoch } = prep;
  fs.writeFileSync(path.join(outDir, 'init.bin'), bytes(params.slice()));
  const engine = new Engine(prep.shape, layout, cfg.train.lastPositionShortcut);
  const grad = new Float32Array(params.length);
  const opt = newAdamWState(params.length);
  const B = cfg.train.batchSize, T = cfg.task.seqLen;
  const tokens = new Int32Array(steps * B * T), targets = new Int32Array(steps * B);
  const losses: number[] = [], lrs: number[] = [], gradNorms: number[] = [];
  const shuffle = new Rng(streamSeed(cfg.train.seed, 'shuffle'));
  let perm = shuffle.permutation(prep.data.train.n);
  for (let s = 0; s < steps; s++) {
    const b = s % stepsPerEpoch;
    if (s > 0 && b === 0) perm = shuffle.permutation(prep.data.train.n);
    const batch = gatherRows(prep.data.train, perm, b * B, B);
    tokens.set(batch.tokens, s * B * T);
    targets.set(batch.targets, s * B);
    const lr = learningRate(s, cfg.train, stepsPerEpoch);
    if (s === 0) {
      const g0 = new Float32Array(params.length);
      await engine.lossAndGradAsync(params, batch, g0);
      fs.writeFileSync(path.join(outDir, 'grad0.bin'), bytes(g0));
    }
    const r = await trainStep(localGradients(engine), params, grad, opt, batch, lr, cfg.train);
    losses.push(r.loss); lrs.push(lr); gradNorms.push(r.gradNorm);
  }
  fs.writeFileSync(path.join(outDir, 'tokens.bin'), bytes(tokens));
  fs.writeFileSync(path.join(outDir, 'targets.bin'), bytes(targets));
  fs.writeFileSync(path.join(outDir, 'final.bin'), bytes(params));
  fs.writeFileSync(path.join(outDir, 'trace.json'), JSON.stringify({
    format: 'anchor-lab-trace/1', steps, batchSize: B, seqLen: T, stepsPerEpoch,
    model: prep.shape, train: cfg.train, layout: layout.map((p) => ({ name: p.name, shape: p.shape, offset: p.offset, size: p.size })),
    losses, lrs, gradNorms,
  }, null, 1));
}
