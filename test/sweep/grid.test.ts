// Sweep definitions: grid expansion, deterministic shuffled order, resolved config per point, diagnostics.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperiment, resolveConfig } from '../../src/core/config';
import { cellAxes, definitionHash, expandGrid, gridSize, MAX_SWEEP_POINTS, pointConfig, runOrder, sweepAxes, sweepOptionsOf } from '../../src/core/sweep';
import { ASSUMED_SPEED, checkSweepText, estimateSweep, sweepIssues, workUnits } from '../../src/core/sweepCheck';
import { TINY } from './helpers';

const cfg = (extra: Record<string, unknown>) => {
  const { config, issues } = resolveConfig({ ...TINY, ...extra });
  assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
  return config;
};

describe('sweep grid', () => {
  const config = cfg({ sweep: { 'model.gamma': [0.3, 0.5, 0.8], 'model.layers': [2, 3], 'train.seed': [1, 2] } });
  const axes = sweepAxes(config);
  const grid = expandGrid(axes);

  it('expands the product row-major in the order the keys are written', () => {
    assert.equal(gridSize(axes), 12);
    assert.equal(grid.length, 12);
    assert.deepEqual(grid[0].values, { 'model.gamma': 0.3, 'model.layers': 2, 'train.seed': 1 });
    assert.deepEqual(grid[1].values, { 'model.gamma': 0.3, 'model.layers': 2, 'train.seed': 2 });
    assert.deepEqual(grid[2].values, { 'model.gamma': 0.3, 'model.layers': 3, 'train.seed': 1 });
    assert.deepEqual(grid[11].values, { 'model.gamma': 0.8, 'model.layers': 3, 'train.seed': 2 });
    assert.deepEqual(grid[7].coords, [1, 1, 1]);
    const keys = new Set(grid.map((g) => JSON.stringify(g.values)));
    assert.equal(keys.size, 12, 'every combination once');
    assert.deepEqual(expandGrid([]).map((g) => g.values), [{}], 'no axes: one point');
  });

  it('resolves each point\'s config with the swept values and leaves the base untouched', () => {
    const p = pointConfig(config, grid[11].values);
    assert.equal(p.model.gamma, 0.8);
    assert.equal(p.model.layers, 3);
    assert.equal(p.train.seed, 2);
    assert.equal(p.model.dModel, 32);
    assert.equal(config.model.gamma, 0.5, 'base config unchanged');
    // The same as resolving the file with --set for those values.
    const viaSet = resolveConfig({ ...TINY, sweep: config.sweep }, Object.entries(grid[11].values).map(([path, value]) => ({ path, value }))).config;
    assert.deepEqual(p, viaSet);
  });

  it('refuses grids over the cap', () => {
    assert.throws(() => expandGrid([{ path: 'train.seed', values: Array.from({ length: MAX_SWEEP_POINTS + 1 }, (_, i) => i) }]), /at most/);
  });

  it('shuffles deterministically per definition, covering every cell before repeating one', () => {
    const opts = sweepOptionsOf(config);
    assert.equal(opts.order, 'shuffled');
    const hash = definitionHash(config, axes);
    assert.equal(hash, definitionHash(cfg({ sweep: { 'model.gamma': [0.3, 0.5, 0.8], 'model.layers': [2, 3], 'train.seed': [1, 2] } }), axes), 'same definition, same hash');
    assert.notEqual(hash, definitionHash(cfg({ model: { ...TINY.model, dFF: 65 }, sweep: config.sweep }), axes));
    assert.equal(hash, definitionHash(cfg({ sweep: config.sweep, sweepOptions: { maxConcurrent: 7, order: 'grid' } }), axes), 'sweepOptions do not change the points');
    const a = runOrder(grid, axes, opts, hash);
    const b = runOrder(grid, axes, opts, hash);
    assert.deepEqual(a, b, 'deterministic');
    assert.deepEqual([...a].sort((x, y) => x - y), grid.map((g) => g.index), 'a permutation');
    assert.notDeepEqual(a, grid.map((g) => g.index), 'not grid order');
    assert.notDeepEqual(runOrder(grid, axes, opts, 'ffff0000'), a, 'another sweep, another order');
    // Cells are γ × layers (train.seed is averaged): the first 6 points hit all 6 cells.
    assert.deepEqual(cellAxes(axes, opts), ['model.gamma', 'model.layers']);
    const cellOf = (i: number) => `${grid[i].values['model.gamma']}/${grid[i].values['model.layers']}`;
    assert.equal(new Set(a.slice(0, 6).map(cellOf)).size, 6);
    assert.deepEqual(runOrder(grid, axes, { ...opts, order: 'grid' }, hash), grid.map((g) => g.index));
  });
});

describe('sweep diagnostics', () => {
  const text = (sweep: unknown, more = '') => `{
  "name": "diag",
  "task": {"trainPerPair": 200, "testPerPair": 40},
  "model": {"dModel": 32, "dHead": 16, "dFF": 64},
  "train": {"epochs": 4, "batchSize": 64, "warmupEpochs": 1},${more}
  "sweep": ${JSON.stringify(sweep)}
}`;

  it('locates a value of the wrong type for its field', () => {
    const t = text({ 'model.layers': [2, 'three', 4.5], 'model.norm': ['post', 'mid'] });
    const issues = checkSweepText(t);
    const bad = issues.filter((i) => i.severity === 'error');
    assert.equal(bad.length, 3, JSON.stringify(issues, null, 1));
    assert.deepEqual(bad[0].path, ['sweep', 'model.layers', 1]);
    assert.match(bad[0].message, /"three" is not a valid model\.layers: must be integer/);
    assert.equal(bad[0].line, 6);
    assert.equal(t.split('\n')[5].slice(bad[0].column! - 1, bad[0].column! - 1 + bad[0].length!), '"three"');
    assert.match(bad[1].message, /4\.5 .*must be integer/);
    assert.match(bad[2].message, /"mid" .*must be one of "post", "pre"/);
  });

  it('keeps config.ts\'s checks: unknown path and empty list', () => {
    const unknown = parseExperiment(text({ 'model.gama': [0.5] })).issues;
    assert.ok(unknown.some((i) => /names no config field/.test(i.message) && i.line === 6), JSON.stringify(unknown));
    const empty = parseExperiment(text({ 'model.gamma': [] })).issues;
    assert.ok(empty.some((i) => /fewer than 1|at least one/.test(i.message) && i.line === 6), JSON.stringify(empty));
    assert.deepEqual(checkSweepText(text({ 'model.gama': [0.5] })), [], 'not reported twice');
  });

  it('reports point-specific problems with the point that has them', () => {
    const issues = checkSweepText(text({ 'train.warmupEpochs': [1, 9], 'train.seed': [1, 2] }));
    const e = issues.find((i) => i.severity === 'error');
    assert.ok(e, JSON.stringify(issues));
    assert.deepEqual(e!.path, ['sweep', 'train.warmupEpochs']);
    assert.match(e!.message, /at train\.warmupEpochs=9, train\.seed=1 \(and 1 more point\): train\.warmupEpochs is longer than train\.epochs/);
    assert.equal(e!.line, 6);
  });

  it('says how many points and how long a too-large grid would take', () => {
    const big = { 'model.gamma': Array.from({ length: 30 }, (_, i) => i / 10), 'train.seed': Array.from({ length: 400 }, (_, i) => i) };
    const issues = checkSweepText(text(big));
    const e = issues.find((i) => i.path[0] === 'sweep' && i.severity === 'error');
    assert.ok(e, JSON.stringify(issues));
    assert.match(e!.message, /30 × 400 = 12000 points, more than the 10000/);
    assert.match(e!.message, /≈ \d/);
    const large = { 'model.gamma': [0.5, 0.8], 'train.epochs': [100000] };
    const w = checkSweepText(text(large)).find((i) => i.severity === 'warning');
    assert.ok(w, 'large by time');
    assert.match(w!.message, /large sweep: 2 × 1 = 2 points, about .* each, ≈ .* with 1 at a time \(at an assumed speed/);
  });

  it('estimates from work units and the measured speed', () => {
    const c = cfg({ sweep: { 'model.layers': [2, 4] } });
    const e = estimateSweep(c, { secPerUnit: 1e-9, overheadSec: 1, basedOnRuns: 3 }, 2);
    const u2 = workUnits(pointConfig(c, { 'model.layers': 2 })), u4 = workUnits(pointConfig(c, { 'model.layers': 4 }));
    assert.ok(u4 > u2);
    assert.ok(Math.abs(e.pointSec - ((u2 + u4) * 1e-9 + 2)) < 1e-9);
    assert.ok(Math.abs(e.wallSec - e.pointSec / 2) < 1e-9);
    assert.deepEqual(sweepIssues(c, { speed: ASSUMED_SPEED }), [], 'a small sound sweep has no issues');
  });
  it('the example phase-diagram sweep is a valid γ × depth grid', () => {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', 'phase-diagram.experiment.json'), 'utf8');
    const { config, issues } = parseExperiment(text);
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    assert.deepEqual(checkSweepText(text).filter((i) => i.severity === 'error'), []);
    assert.deepEqual(sweepAxes(config).map((a) => a.path), ['model.gamma', 'model.layers']);
    assert.ok(gridSize(sweepAxes(config)) <= 12);
  });
});
