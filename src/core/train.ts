// The training loop of one run (spec §4): fixed dataset reshuffled per epoch, AdamW + clipping, per-batch schedule,
// evaluations, attention probes, checkpoints, early stop, cancellation. Writes everything through a RunWriter.
import * as os from 'node:os';
import type { ExperimentConfig } from './config';
import { Engine, tensorCount } from './engine';
import { scoreAll, settledLabel, type EvalSets } from './evaluate';
import { initParams, paramCount, paramLayout, type ModelShape, type ParamSpec } from './model';
import { adamWStep, clipGlobalNorm, learningRate, newAdamWState, type AdamWState } from './optim';
import { localGradients, parallelGradients, type GradientSource } from './parallel';
import { Rng, streamSeed } from './rng';
import type { RunWriter } from './runStore';
import { gatherRows, generateTaskData, sliceSet, tokenRoles, type SequenceSet, type TaskData } from './task';
import { ENGINE_VERSION, type BackendName, type MetricsLine, type ProgressFile, type Summary } from '../protocol/runFiles';

export interface Prepared {
  cfg: ExperimentConfig;
  shape: ModelShape;
  layout: ParamSpec[];
  params: Float32Array;
  data: TaskData;
  evalSets: EvalSets;
  stepsPerEpoch: number;
  totalSteps: number;
}

export function modelShape(cfg: ExperimentConfig): ModelShape {
  return { ...cfg.model, vocabSize: cfg.task.vocabSize, seqLen: cfg.task.seqLen };
}

/** Sample the dataset and the initial weights from the run seed (independent streams). */
export function prepare(cfg: ExperimentConfig): Prepared {
  const seed = cfg.train.seed;
  const data = generateTaskData(cfg.task, new Rng(streamSeed(seed, 'data')), new Rng(streamSeed(seed, 'test')));
  const shape = modelShape(cfg);
  const layout = paramLayout(shape);
  const params = initParams(layout, cfg.model.gamma, new Rng(streamSeed(seed, 'init')));
  const evalRng = new Rng(streamSeed(seed, 'eval'));
  const nTrain = Math.min(cfg.eval.trainSample, data.train.n);
  const trainSample = gatherRows(data.train, evalRng.permutation(data.train.n), 0, nTrain);
  const cap = <T extends SequenceSet>(g: T): T => (cfg.eval.sampleLimit && g.n > cfg.eval.sampleLimit ? { ...g, ...sliceSet(g, 0, cfg.eval.sampleLimit) } : g);
  const evalSets: EvalSets = { trainSample, seenTest: data.seenTest.map(cap), unseen: data.unseen.map(cap) };
  const stepsPerEpoch = Math.floor(data.train.n / cfg.train.batchSize);
  return { cfg, shape, layout, params, data, evalSets, stepsPerEpoch, totalSteps: stepsPerEpoch * cfg.train.epochs };
}

/** One optimizer step in place: loss and gradient, global-norm clip, AdamW. Returns the batch loss and the grad norm. */
export async function trainStep(grads: GradientSource, params: Float32Array, grad: Float32Array, opt: AdamWState, batch: SequenceSet, lr: number, cfg: ExperimentConfig['train']): Promise<{ loss: number; gradNorm: number }> {
  const loss = await grads.lossAndGrad(params, batch, grad);
  const gradNorm = clipGlobalNorm(grad, cfg.clipNorm);
  adamWStep(params, grad, opt, lr, cfg);
  return { loss, gradNorm };
}

export interface TrainHooks {
  onEval?(m: MetricsLine): void;
  onProgress?(p: ProgressFile): void;
  /** Polled between steps; a non-null reason stops the run as cancelled. */
  cancelRequested?(): string | null;
  log?(msg: string): void;
}

export interface TrainOptions {
  runId: string;
  writer: RunWriter;
  backend: { name: BackendName; detail: string };
  experimentFile: string | null;
  overrides: Record<string, unknown>;
  hooks?: TrainHooks;
  /** Threads for one run's gradients (data-parallel worker threads); 1 = this thread only. */
  threads?: number;
  /** Check that the tensor count stays flat (tests). */
  onStepTensors?(count: number): void;
}

const yieldToEventLoop = () => new Promise<void>((r) => setImmediate(r));

function bestOf(lines: MetricsLine[]): MetricsLine | null {
  if (!lines.length) return null;
  const last = lines[lines.length - 1];
  const max = (f: (m: MetricsLine) => number) => Math.max(...lines.map(f));
  const losses = lines.map((m) => m.loss).filter((x): x is number => x !== null);
  const perPair: Record<string, number> = {};
  for (const k of Object.keys(last.perPair)) perPair[k] = max((m) => m.perPair[k] ?? 0);
  const unseenAll = last.unseenAll.map((u, i) => ({
    ...u,
    inferential: max((m) => m.unseenAll[i]?.inferential ?? 0),
    symmetric: max((m) => m.unseenAll[i]?.symmetric ?? 0),
    other: max((m) => m.unseenAll[i]?.other ?? 0),
  }));
  return { ...last, loss: losses.length ? Math.min(...losses) : null, trainAcc: max((m) => m.trainAcc), seenTestAcc: max((m) => m.seenTestAcc), perPair, unseen: unseenAll[0], unseenAll };
}

/** Train one run to completion, cancellation or failure. Never throws: failures end in a 'failed' summary. */
export async function train(cfg: ExperimentConfig, o: TrainOptions): Promise<Summary> {
  const t0 = Date.now();
  const hooks = o.hooks ?? {};
  const log = hooks.log ?? (() => {});
  const metrics: MetricsLine[] = [];
  let step = 0, epoch = 0;
  let status: Summary['status'] = 'completed';
  let error: string | null = null;
  let stoppedEarly: Summary['stoppedEarly'] = null;
  const elapsed = () => (Date.now() - t0) / 1000;
  let grads: GradientSource | null = null;
  try {
    const prep = prepare(cfg);
    const threads = Math.max(1, o.threads ?? 1);
    const params = threads > 1 ? sharedCopy(prep.params) : prep.params;
    prep.params = params;
    const { layout, stepsPerEpoch, totalSteps } = prep;
    if (stepsPerEpoch < 1) throw new Error(`train.batchSize ${cfg.train.batchSize} exceeds the ${prep.data.train.n} training sequences`);
    o.writer.writeConfig({
      runId: o.runId, engineVersion: ENGINE_VERSION, backend: o.backend.name, backendDetail: o.backend.detail,
      createdAt: new Date().toISOString(), experimentFile: o.experimentFile, overrides: o.overrides, config: cfg,
      derived: { trainSize: prep.data.train.n, stepsPerEpoch, totalSteps, paramCount: paramCount(layout), peakLr: cfg.train.lr * cfg.train.lrMultiplier },
    });
    log(`run ${o.runId}: ${prep.data.train.n} training sequences, ${stepsPerEpoch} steps/epoch, ${paramCount(layout)} parameters, backend ${o.backend.detail}`);
    const engine = new Engine(prep.shape, layout, cfg.train.lastPositionShortcut);
    grads = threads > 1 ? await parallelGradients(engine, threads, o.backend.name, params) : localGradients(engine);
    const grad = new Float32Array(params.length);
    const opt = newAdamWState(params.length);
    const shuffleRng = new Rng(streamSeed(cfg.train.seed, 'shuffle'));
    let lastEpochLoss: number | null = null;

    const evaluate = async () => {
      // Predictions read asynchronously (the webgpu backend has no synchronous reads in Node), then scored.
      const preds = new Map<SequenceSet, Int32Array>();
      for (const s of [prep.evalSets.trainSample, ...prep.evalSets.seenTest, ...prep.evalSets.unseen]) preds.set(s, await engine.predictAsync(params, s));
      const scores = scoreAll(cfg.task, prep.evalSets, (s) => preds.get(s)!);
      const line: MetricsLine = {
        step, epoch, lr: learningRate(step, cfg.train, stepsPerEpoch), loss: lastEpochLoss,
        trainAcc: scores.trainAcc, seenTestAcc: scores.seenTestAcc, perPair: scores.perPair,
        unseen: scores.unseenAll[0], unseenAll: scores.unseenAll, solution: scores.solution, elapsedSec: Math.round(elapsed() * 10) / 10,
      };
      metrics.push(line);
      o.writer.appendMetrics(line);
      const probes = [];
      for (const [i, p] of cfg.eval.probes.entries()) probes.push({ label: p.label ?? `probe ${i + 1}`, tokens: p.tokens, roles: tokenRoles(cfg.task, p.tokens), maps: await engine.attentionAsync(params, p.tokens) });
      o.writer.writeAttention({ step, epoch, probes });
      hooks.onEval?.(line);
      return line;
    };
    const settled = () => settledLabel(metrics, cfg.train);

    await evaluate();
    let tProgress = 0, stepsAtT = 0, tRate = Date.now(), rate = 0;
    let cancelReason: string | null = null;
    outer: for (epoch = 0; epoch < cfg.train.epochs; ) {
      const perm = shuffleRng.permutation(prep.data.train.n);
      let lossSum = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        cancelReason = hooks.cancelRequested?.() ?? null;
        if (cancelReason) break outer;
        const batch = gatherRows(prep.data.train, perm, b * cfg.train.batchSize, cfg.train.batchSize);
        const lr = learningRate(step, cfg.train, stepsPerEpoch);
        const { loss } = await trainStep(grads, params, grad, opt, batch, lr, cfg.train);
        if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step} (epoch ${epoch + 1}); try a smaller train.lrMultiplier`);
        lossSum += loss;
        step++;
        o.onStepTensors?.(tensorCount());
        const now = Date.now();
        if (now - tProgress > 1000 || step === totalSteps) {
          if (now - tRate > 2000) { rate = (step - stepsAtT) / ((now - tRate) / 1000); stepsAtT = step; tRate = now; }
          else if (!rate) rate = step / Math.max(1e-3, elapsed());
          tProgress = now;
          const p: ProgressFile = {
            step, totalSteps, epoch, epochs: cfg.train.epochs, runningLoss: lossSum / (b + 1), lr, stepsPerSec: Math.round(rate * 100) / 100,
            etaSec: rate > 0 ? Math.round((totalSteps - step) / rate) : null, elapsedSec: Math.round(elapsed()), updatedAt: new Date().toISOString(),
          };
          o.writer.writeProgress(p);
          hooks.onProgress?.(p);
        }
        await yieldToEventLoop();
      }
      epoch++;
      lastEpochLoss = lossSum / stepsPerEpoch;
      if (cfg.train.checkpoints.includes(epoch)) o.writer.writeWeights(`checkpoints/epoch-${String(epoch).padStart(4, '0')}`, layout, params, { epoch, step });
      const last = epoch === cfg.train.epochs;
      if (epoch % cfg.eval.everyEpochs === 0 || last) {
        await evaluate();
        const label = settled();
        if (label && !last) { stoppedEarly = { reason: 'solution-held', epoch, detail: `solution "${label}" held for ${cfg.train.earlyStop} evaluations` + (label === 'inferential' || label === 'symmetric' ? ` at ≥ ${Math.round(cfg.train.earlyStopMinFraction * 100)}%` : '') }; break; }
      }
      if (lastEpochLoss < cfg.train.stopLoss && !last) {
        if (metrics[metrics.length - 1].epoch !== epoch) await evaluate();
        stoppedEarly = { reason: 'loss-below-threshold', epoch, detail: `epoch loss ${lastEpochLoss.toExponential(2)} < train.stopLoss ${cfg.train.stopLoss}` };
        break;
      }
    }
    if (cancelReason) { status = 'cancelled'; error = null; log(`cancelled: ${cancelReason}`); }
    o.writer.writeWeights('weights', layout, params, { epoch, step }, opt);
  } catch (e) {
    status = 'failed';
    error = (e as Error).stack ?? String(e);
    log(`failed: ${(e as Error).message}`);
  } finally {
    await grads?.close();
  }
  const final = metrics[metrics.length - 1] ?? null;
  const summary: Summary = {
    runId: o.runId, status, error, backend: o.backend.name, steps: step, epochs: epoch, durationSec: Math.round(elapsed() * 10) / 10,
    final, best: bestOf(metrics), solution: final?.solution ?? null, stoppedEarly,
  };
  o.writer.writeSummary(summary);
  return summary;
}

export function sharedCopy(a: Float32Array): Float32Array {
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

export const hostInfo = () => ({ hostname: os.hostname(), cpus: os.cpus().length });
