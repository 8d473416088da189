import * as assert from 'node:assert/strict';
import { packAttention, parsePanelState, parseWebviewMessage } from '../../src/protocol/webview';

describe('webview protocol', () => {
  it('accepts exactly the known messages', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseWebviewMessage({ type: 'requestAttention', step: 46 }), { type: 'requestAttention', step: 46 });
    assert.deepEqual(parseWebviewMessage({ type: 'command', command: 'stop' }), { type: 'command', command: 'stop' });
    assert.deepEqual(parseWebviewMessage({ type: 'log', level: 'warn', message: 'x' }), { type: 'log', level: 'warn', message: 'x' });
  });
  it('rejects malformed, unknown or over-specified messages', () => {
    const bad: unknown[] = [
      null, undefined, 42, 'ready', [], {}, { type: 'nope' },
      { type: 'ready', extra: 1 },
      { type: 'requestAttention' }, { type: 'requestAttention', step: -1 }, { type: 'requestAttention', step: 1.5 }, { type: 'requestAttention', step: '3' },
      { type: 'command', command: 'rm -rf' }, { type: 'command', command: 'stop', args: ['x'] },
      { type: 'log', level: 'debug', message: 'x' }, { type: 'log', level: 'info', message: 7 },
      { type: 'requestAttention', step: Number.MAX_VALUE },
    ];
    for (const b of bad) assert.equal(parseWebviewMessage(b), null, JSON.stringify(b));
  });
  it('truncates long log messages', () => {
    const m = parseWebviewMessage({ type: 'log', level: 'info', message: 'a'.repeat(10000) });
    assert.equal(m?.type === 'log' && m.message.length, 2000);
  });
  it('validates restored panel state', () => {
    assert.deepEqual(parsePanelState({ kind: 'run', runId: 'r1' }), { kind: 'run', runId: 'r1' });
    assert.deepEqual(parsePanelState({ kind: 'follow', file: '/w/a.experiment.json' }), { kind: 'follow', file: '/w/a.experiment.json' });
    assert.deepEqual(parsePanelState({ kind: 'compare', runIds: ['a', 'b'] }), { kind: 'compare', runIds: ['a', 'b'] });
    for (const b of [null, {}, { kind: 'run' }, { kind: 'run', runId: '' }, { kind: 'compare', runIds: ['a'] }, { kind: 'compare', runIds: ['a', 3] }, { kind: 'x', runId: 'a' }]) assert.equal(parsePanelState(b), null);
  });
  it('packs attention maps into one Float32Array per probe, layer-major', () => {
    const T = 2;
    const maps = [[[1, 0, 0.5, 0.5], [0.25, 0.75, 0.1, 0.9]], [[0, 1, 1, 0], [0.5, 0.5, 0.5, 0.5]]]; // 2 layers × 2 heads
    const a = packAttention({ step: 7, epoch: 1, probes: [{ label: 'p', tokens: [20, 1], roles: ['key', 'anchor'], maps }] });
    const p = a.probes[0];
    assert.equal(a.step, 7);
    assert.equal(p.layers, 2); assert.equal(p.heads, 2); assert.equal(p.T, T);
    assert.ok(p.data instanceof Float32Array);
    assert.equal(p.data.length, 2 * 2 * T * T);
    assert.equal(p.data[(1 * 2 + 0) * 4 + 1], 1); // layer 2, head 1, row 0 col 1
    assert.ok(Math.abs(p.data[(0 * 2 + 1) * 4 + 3] - 0.9) < 1e-6);
    // Survives structured cloning (what postMessage does).
    const cloned = structuredClone(a);
    assert.ok(cloned.probes[0].data instanceof Float32Array);
  });
});
