// The shipped example files: each is a valid experiment, and the quickstart pair differs where the README says it does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperiment } from '../../src/core/config';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const load = (name: string) => {
  const { config, issues } = parseExperiment(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));
  assert.deepEqual(issues, [], `${name} has no errors or warnings`);
  return config;
};

/** Leaf paths (dotted) whose values differ between two plain objects. */
function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differingPaths(a[k], b[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}

describe('example experiment files', () => {
  it('every examples/*.experiment.json is valid', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.experiment.json'));
    assert.ok(files.length >= 4, `found ${files.join(', ')}`);
    for (const f of files) load(f);
  });

  it('the quickstart pair differs in γ and the seed only (plus name and description)', () => {
    const large = load('quickstart.experiment.json'), small = load('quickstart-small-init.experiment.json');
    assert.deepEqual(differingPaths(large, small), ['description', 'model.gamma', 'name', 'train.seed']);
    assert.ok(large.model.gamma < small.model.gamma, 'the large-init example has the smaller γ (larger init std)');
  });
});
