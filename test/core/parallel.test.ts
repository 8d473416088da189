import { strict as assert } from 'node:assert';
import { initBackend } from '../../src/core/backend';
import { Engine } from '../../src/core/engine';
import { parallelGradients } from '../../src/core/parallel';
import { prepare, sharedCopy } from '../../src/core/train';
import { gatherRows } from '../../src/core/task';
import { tinyConfig } from '../helpers';

describe('data-parallel gradients (worker threads, real workers)', function () {
  this.timeout(60_000);
  before(async () => { await initBackend('wasm'); });

  for (const threads of [2, 3]) {
    it(`${threads} threads give the full batch's loss and gradient (uneven slices too)`, async () => {
      const prep = prepare(tinyConfig((c) => { c.model.gamma = 0.3; }));
      const params = sharedCopy(prep.params);
      const engine = new Engine(prep.shape, prep.layout, true);
      const batch = gatherRows(prep.data.train, Array.from({ length: 50 }, (_, i) => i * 3));
      const g1 = new Float32Array(params.length), g2 = new Float32Array(params.length);
      const l1 = engine.lossAndGrad(params, batch, g1);
      const par = await parallelGradients(engine, threads, 'wasm', params);
      try {
        const l2 = await par.lossAndGrad(params, batch, g2);
        assert.ok(Math.abs(l1 - l2) < 1e-5, `loss ${l1} vs ${l2}`);
        let scale = 0, diff = 0;
        for (let i = 0; i < g1.length; i++) { scale = Math.max(scale, Math.abs(g1[i])); diff = Math.max(diff, Math.abs(g1[i] - g2[i])); }
        assert.ok(diff < 1e-5 * scale, `max diff ${diff} (scale ${scale})`);
        params[0] += 0.5; // workers see parameter updates through shared memory
        const l3 = await par.lossAndGrad(params, batch, g2);
        assert.ok(Math.abs(l3 - engine.lossAndGrad(params, batch, g1)) < 1e-5);
      } finally {
        await par.close();
      }
    });
  }
});
