import { strict as assert } from 'node:assert';
import { defaultConfig } from '../../src/core/config';
import { adamWStep, clipGlobalNorm, learningRate, newAdamWState } from '../../src/core/optim';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

describe('optimizer and schedule (spec §4.1)', () => {
  it('AdamW matches a hand-computed PyTorch update over two steps', () => {
    const h = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
    const p = new Float32Array([1.0, -2.0]);
    const s = newAdamWState(2);
    adamWStep(p, new Float32Array([0.5, -1.0]), s, 0.01, h);
    // step 1: p*(1-lr*wd) = [0.999, -1.998]; m̂ = g, v̂ = g²; update = lr*g/(|g|+eps) ≈ ±0.01
    close(p[0], 0.999 - 0.01 * 0.5 / (0.5 + 1e-8));
    close(p[1], -1.998 + 0.01 * 1.0 / (1.0 + 1e-8));
    const p1 = Array.from(p);
    adamWStep(p, new Float32Array([0.1, 0.2]), s, 0.02, h);
    const m = [0.9 * 0.05 + 0.1 * 0.1, 0.9 * -0.1 + 0.1 * 0.2];
    const v = [0.999 * 0.00025 + 0.001 * 0.01, 0.999 * 0.001 + 0.001 * 0.04];
    const bc1 = 1 - 0.81, bc2 = 1 - 0.999 ** 2;
    for (let i = 0; i < 2; i++) close(p[i], p1[i] * (1 - 0.02 * 0.1) - (0.02 / bc1) * m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + 1e-8), 1e-6);
  });

  it('clips the global gradient norm like clip_grad_norm_', () => {
    const g = new Float32Array([3, 4]);
    assert.equal(clipGlobalNorm(g, 1), 5);
    close(g[0], 3 / (5 + 1e-6)); close(g[1], 4 / (5 + 1e-6));
    const small = new Float32Array([0.3, 0.4]);
    clipGlobalNorm(small, 1);
    assert.deepEqual(Array.from(small), [Math.fround(0.3), Math.fround(0.4)]);
  });

  it('warms up linearly ×m over warmupEpochs, stepped per batch, then follows the chosen schedule', () => {
    const t = { ...defaultConfig().train, lr: 1e-5, lrMultiplier: 25, warmupEpochs: 10, epochs: 210 };
    const B = 370;
    close(learningRate(0, t, B), 1e-5);
    close(learningRate(1850, t, B), 1e-5 * (1 + 24 * 0.5));
    close(learningRate(3700, t, B), 2.5e-4);
    // as-run (default): constant at the base LR after warm-up
    assert.equal(t.schedule, 'warmup-constant-min');
    close(learningRate(3701, t, B), 1e-5);
    close(learningRate(50000, t, B), 1e-5);
    // as described: cosine from m·lr down to lr over the remaining 200 epochs
    const c = { ...t, schedule: 'warmup-cosine' as const };
    close(learningRate(3700, c, B), 2.5e-4);
    close(learningRate(3700 + 100 * B, c, B), 1e-5 + (2.4e-4) / 2);
    close(learningRate(3700 + 200 * B, c, B), 1e-5);
  });
});
