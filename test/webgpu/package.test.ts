// Platform-specific packaging (bin/package-vsix.mjs): `npm run package -- --target linux-x64` carries the webgpu
// package with only linux-x64's Dawn, and the runner inside the unpacked VSIX trains on WebGPU from it (the software
// adapter of test/setup.sh). The universal VSIX carries no Dawn at all.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, tinyConfig, tmpDir, writeExperiment } from '../helpers';

function zipEntries(file: string): string[] {
  const out = execFileSync('unzip', ['-Z1', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean);
}

describe('platform-specific VSIX (npm run package -- --target)', function () {
  this.timeout(240_000);
  const dir = tmpDir('vsix-');
  const vsix = path.join(dir, 'anchor-lab-linux-x64.vsix');

  before(function () {
    if (`${process.platform}-${process.arch}` !== 'linux-x64') this.skip(); // the unpacked runner must run here
    execFileSync('npm', ['run', 'package', '--', '--target', 'linux-x64', '--out', vsix], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  });

  it('carries only linux-x64 Dawn and declares the target', () => {
    const names = zipEntries(vsix);
    const dawn = names.filter((n) => n.endsWith('dawn.node'));
    assert.deepEqual(dawn, ['extension/node_modules/webgpu/dist/linux-x64/dawn.node']);
    assert.ok(!names.some((n) => /webgpu\/dist\/(darwin|win32|linux-arm64)/.test(n)), 'no other platform directory');
    assert.ok(names.includes('extension/node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js'));
    const manifest = execFileSync('unzip', ['-p', vsix, 'extension.vsixmanifest'], { encoding: 'utf8' });
    assert.match(manifest, /TargetPlatform="linux-x64"/);
  });

  it('the runner inside it trains on WebGPU', () => {
    const ext = path.join(dir, 'unpacked');
    execFileSync('unzip', ['-q', vsix, '-d', ext]);
    const file = writeExperiment(dir, 'tiny', tinyConfig((c) => { c.train.epochs = 1; c.task.trainPerPair = 40; c.task.testPerPair = 10; }));
    const runDir = path.join(dir, 'run');
    const r = spawnSync(process.execPath, [path.join(ext, 'extension', 'dist', 'cli.js'), 'run', file, '--backend', 'webgpu', '--run-dir', runDir, '--no-progress'], { encoding: 'utf8', timeout: 180_000 });
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'));
    assert.equal(summary.status, 'completed');
    assert.equal(summary.backend, 'webgpu');
    const config = JSON.parse(fs.readFileSync(path.join(runDir, 'config.json'), 'utf8'));
    assert.match(JSON.stringify(config), /adapter/);
  });

  it('the universal VSIX carries no Dawn', () => {
    const universal = path.join(dir, 'anchor-lab.vsix');
    execFileSync('npm', ['run', 'package', '--', '--out', universal], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    const names = zipEntries(universal);
    assert.ok(!names.some((n) => n.includes('node_modules/webgpu/')), 'no webgpu package');
    assert.ok(names.some((n) => n.endsWith('tfjs-backend-wasm-simd.wasm')), 'the wasm backend is there');
  });
});
