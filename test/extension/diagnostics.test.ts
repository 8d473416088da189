import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { experimentDiagnostics } from '../../src/extension/diagnosticsCore';
import { isInside, PathEscapeError, resolveInside } from '../../src/extension/paths';
import { tempWorkspace } from './helpers';

describe('experiment diagnostics', () => {
  it('reports nothing for a valid file', () => {
    assert.deepEqual(experimentDiagnostics('{ "name": "ok", "model": { "gamma": 0.6 } }'), []);
  });
  it('locates a JSON syntax error', () => {
    const d = experimentDiagnostics('{ "name": "x", }}');
    assert.ok(d.length >= 1);
    assert.match(d[0].message, /JSON syntax/);
  });
  it('locates schema errors at the value', () => {
    const text = '{\n  "name": "x",\n  "model": { "gamma": "big" }\n}';
    const d = experimentDiagnostics(text);
    const g = d.find((x) => x.path.join('.') === 'model.gamma');
    assert.ok(g, JSON.stringify(d));
    assert.equal(text.slice(g.offset, g.offset + g.length), '"big"');
    assert.equal(g.severity, 'error');
  });
  it('adds semantic checks JSON Schema cannot express, located at the field', () => {
    const text = '{\n  "name": "x",\n  "task": { "unseenPairs": [[4, 7]] }\n}';
    const d = experimentDiagnostics(text);
    const u = d.find((x) => /not defined in task.anchors/.test(x.message));
    assert.ok(u, JSON.stringify(d));
    assert.equal(text.slice(u.offset, u.offset + u.length), '7');
  });
  it('warns about an override on an unseen pair', () => {
    const text = '{ "name": "x", "task": { "pairOverrides": [{ "pair": [4, 3], "shift": -6 }] } }';
    const d = experimentDiagnostics(text);
    const w = d.find((x) => x.severity === 'warning');
    assert.ok(w, JSON.stringify(d));
    assert.equal(text.slice(w.offset, w.offset + w.length), '[4, 3]');
  });
  it('refuses a $schema path that leaves the workspace, located at the value', () => {
    const ws = tempWorkspace();
    try {
      const text = '{ "$schema": "../../etc/x.json", "name": "x" }';
      const file = ws.file('exp/a.experiment.json', text);
      const d = experimentDiagnostics(text, file, ws.root);
      assert.equal(d.length, 1);
      assert.equal(text.slice(d[0].offset, d[0].offset + d[0].length), '"../../etc/x.json"');
      assert.match(d[0].message, /leaves the workspace/);
      assert.deepEqual(experimentDiagnostics('{ "$schema": "../schemas/s.json", "name": "x" }', file, ws.root), []);
      assert.deepEqual(experimentDiagnostics('{ "$schema": "https://example.invalid/s.json", "name": "x" }', file, ws.root), []);
    } finally { ws.cleanup(); }
  });
});

describe('workspace paths', () => {
  it('resolves relative paths inside and refuses .., absolute paths and symlinks out', () => {
    const ws = tempWorkspace();
    const outside = fs.mkdtempSync(path.join(path.dirname(ws.root), 'anchor-lab-outside-'));
    try {
      assert.equal(resolveInside(ws.root, '.anchor-lab/runs'), path.join(ws.root, '.anchor-lab', 'runs'));
      assert.throws(() => resolveInside(ws.root, '../elsewhere'), PathEscapeError);
      assert.throws(() => resolveInside(ws.root, outside), PathEscapeError);
      fs.symlinkSync(outside, path.join(ws.root, 'link'));
      assert.throws(() => resolveInside(ws.root, 'link/runs'), PathEscapeError);
      assert.ok(!isInside(ws.root, path.join(ws.root, 'link', 'a', 'b')));
      assert.ok(isInside(ws.root, path.join(ws.root, 'not', 'yet', 'there')));
    } finally { ws.cleanup(); fs.rmSync(outside, { recursive: true, force: true }); }
  });
});
