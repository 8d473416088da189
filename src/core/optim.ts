// AdamW (decoupled, PyTorch semantics), global-norm clipping and the warm-up schedules, on flat Float32Arrays.
import type { TrainConfig } from './config';

/** Learning rate for optimizer step t (0-based: the number of scheduler steps taken before it). Stepped per batch. */
export function learningRate(t: number, cfg: Pick<TrainConfig, 'lr' | 'lrMultiplier' | 'warmupEpochs' | 'epochs' | 'schedule'>, stepsPerEpoch: number): number {
  const base = cfg.lr, peak = cfg.lr * cfg.lrMultiplier;
  const Tw = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  if (Tw > 0 && t <= Tw) return base * (1 + ((cfg.lrMultiplier - 1) * t) / Tw);
  if (cfg.schedule === 'warmup-constant-min') return Tw > 0 ? base : peak;
  const Tc = Math.max(1, (cfg.epochs - cfg.warmupEpochs) * stepsPerEpoch);
  return base + ((peak - base) * (1 + Math.cos((Math.PI * (t - Tw)) / Tc))) / 2;
}

/** Global L2 norm of the gradient; scales it in place to maxNorm when above (torch clip_grad_norm_). Returns the norm before clipping. */
export function clipGlobalNorm(grad: Float32Array, maxNorm: number): number {
  let ss = 0;
  for (let i = 0; i < grad.length; i++) ss += grad[i] * grad[i];
  const norm = Math.sqrt(ss);
  if (maxNorm > 0) {
    const coef = maxNorm / (norm + 1e-6);
    if (coef < 1) for (let i = 0; i < grad.length; i++) grad[i] *= coef;
  }
  return norm;
}

export interface AdamWState { step: number; m: Float32Array; v: Float32Array }

export const newAdamWState = (n: number): AdamWState => ({ step: 0, m: new Float32Array(n), v: new Float32Array(n) });

/** One AdamW step in place: p ← p(1 − lr·wd); m, v updated; p ← p − lr·m̂/(√v̂ + eps), as torch.optim.AdamW. */
export function adamWStep(p: Float32Array, g: Float32Array, s: AdamWState, lr: number, h: Pick<TrainConfig, 'beta1' | 'beta2' | 'eps' | 'weightDecay'>): void {
  s.step += 1;
  const { beta1: b1, beta2: b2, eps, weightDecay: wd } = h;
  const bc1 = 1 - Math.pow(b1, s.step);
  const bc2 = 1 - Math.pow(b2, s.step);
  const stepSize = lr / bc1;
  const sqrtBc2 = Math.sqrt(bc2);
  const decay = 1 - lr * wd;
  const { m, v } = s;
  for (let i = 0; i < p.length; i++) {
    const gi = g[i];
    const mi = (m[i] = b1 * m[i] + (1 - b1) * gi);
    const vi = (v[i] = b2 * v[i] + (1 - b2) * gi * gi);
    p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtBc2 + eps);
  }
}
