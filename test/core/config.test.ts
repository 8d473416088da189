import { strict as assert } from 'node:assert';
import { ConfigError, defaultConfig, loadExperimentText, parseExperiment } from '../../src/core/config';

describe('experiment files (schema + located errors)', () => {
  it('fills every default with the as-run paper values', () => {
    const c = defaultConfig();
    assert.deepEqual(c.task.anchors, { 1: 5, 2: 1, 3: -2, 4: -8 });
    assert.deepEqual(c.task.keyRange, [20, 99]);
    assert.equal(c.task.seqLen, 9);
    assert.deepEqual(c.task.unseenPairs, [[4, 3]]);
    assert.deepEqual(c.task.pairOverrides, [{ pair: [3, 4], shift: -6 }]);
    assert.equal(c.task.splitModulus, 9);
    assert.equal(c.task.trainPerPair, 50625);
    assert.equal(c.task.testPerPair, 5625);
    assert.deepEqual([c.model.layers, c.model.heads, c.model.dModel, c.model.dHead, c.model.dFF, c.model.norm], [2, 1, 400, 200, 1200, 'post']);
    assert.deepEqual([c.train.epochs, c.train.batchSize, c.train.lr, c.train.lrMultiplier, c.train.warmupEpochs, c.train.weightDecay, c.train.clipNorm], [210, 2048, 1e-5, 25, 10, 0.01, 1]);
    assert.equal(c.train.schedule, 'warmup-constant-min');
    assert.equal(c.eval.everyEpochs, 3);
    assert.deepEqual(c.eval.probes[0].tokens.slice(2, 5), [99, 4, 3]);
  });

  it('accepts comments and trailing commas', () => {
    const { issues, config } = parseExperiment('// a comment\n{\n  /* γ */ "model": { "gamma": 0.8, },\n}\n');
    assert.deepEqual(issues, []);
    assert.equal(config.model.gamma, 0.8);
  });

  it('reports every error at once with line, column, field and what is allowed', () => {
    const text = [
      '{',
      '  "name": "x",',
      '  "model": {',
      '    "gamma": "big",',
      '    "norm": "middle",',
      '    "layerz": 3',
      '  },',
      '  "train": { "schedule": "cosine", "epochs": -1 }',
      '}',
    ].join('\n');
    const { issues } = parseExperiment(text);
    const byPath = Object.fromEntries(issues.map((i) => [i.path.join('.'), i]));
    assert.equal(byPath['model.gamma'].line, 4);
    assert.equal(byPath['model.gamma'].column, 14);
    assert.match(byPath['model.gamma'].message, /must be number/);
    assert.equal(byPath['model.norm'].line, 5);
    assert.match(byPath['model.norm'].message, /"post", "pre"/);
    assert.equal(byPath['model.layerz'].line, 6);
    assert.equal(byPath['model.layerz'].column, 5, 'unknown fields point at the key');
    assert.match(byPath['model.layerz'].message, /unknown field "layerz".*layers/);
    assert.equal(byPath['train.schedule'].line, 8);
    assert.match(byPath['train.schedule'].message, /warmup-constant-min/);
    assert.match(byPath['train.epochs'].message, />= 1/);
    assert.equal(issues.length, 5);
  });

  it('checks what the schema cannot: undefined anchors, vocab too small, probe length', () => {
    const text = JSON.stringify({ task: { unseenPairs: [[4, 7]], vocabSize: 100 }, eval: { probes: [{ tokens: [1, 2, 3] }] } }, null, 2);
    const { issues } = parseExperiment(text);
    const msgs = issues.map((i) => `${i.path.join('.')}@${i.line}: ${i.message}`).join('\n');
    assert.match(msgs, /task\.unseenPairs\.0\.1@\d+: anchor 7 is not defined/);
    assert.match(msgs, /task\.vocabSize@\d+: targets reach 109/);
    assert.match(msgs, /eval\.probes\.0\.tokens@\d+: has 3 tokens/);
  });

  it('refuses a config that would not fit in the wasm heap', () => {
    const { issues } = parseExperiment(JSON.stringify({ train: { batchSize: 65536 }, model: { dModel: 2048, dFF: 8192 } }));
    assert.ok(issues.some((i) => /GiB of tensor memory/.test(i.message)));
  });

  it('applies --set overrides and blames them when they are invalid', () => {
    const { config } = loadExperimentText('f.json', '{"model":{"gamma":0.5}}', [{ path: 'model.gamma', value: 0.8 }]);
    assert.equal(config.model.gamma, 0.8);
    assert.throws(() => loadExperimentText('f.json', '{}', [{ path: 'model.norm', value: 'sideways' }]), (e: ConfigError) => {
      assert.match(e.message, /^--set model\.norm: error: model\.norm: must be one of/);
      return true;
    });
  });

  it('reports JSON syntax errors with their position', () => {
    const { issues } = parseExperiment('{\n  "name": "a"\n  "model": {}\n}');
    assert.equal(issues[0].line, 3);
    assert.match(issues[0].message, /JSON syntax/);
  });
});
