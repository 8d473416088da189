// The shipped example files: each is a valid experiment, and the quickstart pair differs where the README says it does.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExperiment } from '../../src/core/config';
import { differingFields } from '../../src/extension/compare';

const EXAMPLES = path.join(__dirname, '..', '..', 'examples');
const load = (name: string) => {
  const { config, issues } = parseExperiment(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));
  assert.deepEqual(issues, [], `${name} has no errors or warnings`);
  return config;
};

describe('example experiment files', () => {
  it('every examples/*.experiment.json is valid', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.experiment.json'));
    assert.ok(files.length >= 4, `found ${files.join(', ')}`);
    for (const f of files) load(f);
  });

  it('the quickstart pair differs in γ and the seed only (plus name and description)', () => {
    const large = load('quickstart.experiment.json'), small = load('quickstart-small-init.experiment.json');
    // differingFields is the run-comparison legend's own diff (it leaves out name and description).
    assert.deepEqual(differingFields([large, small]), ['model.gamma', 'train.seed']);
    assert.ok(large.model.gamma < small.model.gamma, 'the large-init example has the smaller γ (larger init std)');
  });
});
