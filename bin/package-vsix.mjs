#!/usr/bin/env node
// `npm run package [-- --target <platform>]`: build the extension for production and package a VSIX.
//
//   npm run package                        anchor-lab.vsix: universal (wasm backend everywhere; WebGPU is used only
//                                          where the optional `webgpu` package is installed next to the runner)
//   npm run package -- --target linux-x64  anchor-lab-linux-x64.vsix: the same plus WebGPU (Dawn) for that platform:
//                                          the `webgpu` package with only that platform's dawn.node (20–40 MB each
//                                          instead of ~130 MB for all five)
//
// Targets (VS Code's platform names → the Dawn build inside the `webgpu` package):
//   linux-x64, linux-arm64, darwin-x64 and darwin-arm64 (both carry darwin-universal), win32-x64, win32-arm64.
// vsce has no per-target ignore list, so a target gets a generated ignore file (.vscodeignore plus the Dawn rules),
// passed with --ignoreFile.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DAWN_DIRS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

const args = process.argv.slice(2);
const ti = args.findIndex((a) => a === '--target' || a === '-t');
const target = ti >= 0 ? args[ti + 1] : null;
const outArg = args.indexOf('--out') >= 0 ? args[args.indexOf('--out') + 1] : null;
if (ti >= 0 && !target) fail('--target needs a platform');
if (target && !(target in DAWN_DIRS)) fail(`unknown --target "${target}"; one of: ${Object.keys(DAWN_DIRS).join(', ')}`);

function fail(msg) {
  console.error(`package-vsix: ${msg}`);
  process.exit(2);
}

const run = (cmd, argv) => execFileSync(cmd, argv, { cwd: root, stdio: 'inherit' });
run(process.execPath, [path.join(root, 'esbuild.mjs'), '--production']);

const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const out = path.resolve(root, outArg ?? (target ? `anchor-lab-${target}.vsix` : 'anchor-lab.vsix'));
const vsceArgs = ['package', '--no-rewrite-relative-links', '--out', out];
let tmp = null;
if (target) {
  const dawnDir = DAWN_DIRS[target];
  if (!fs.existsSync(path.join(root, 'node_modules', 'webgpu', 'dist', dawnDir, 'dawn.node'))) {
    fail(`node_modules/webgpu/dist/${dawnDir}/dawn.node is missing: the optional package "webgpu" did not install (npm install --include=optional)`);
  }
  // The universal ignore list drops node_modules/webgpu entirely; a platform build keeps the package and one Dawn.
  const base = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.trim() !== 'node_modules/webgpu/**');
  const rules = [
    ...base,
    `# --target ${target}: the webgpu package with only dist/${dawnDir}`,
    'node_modules/webgpu/build/**',
    'node_modules/webgpu/node_modules/@webgpu/**',
    'node_modules/webgpu/dist/**',
    `!node_modules/webgpu/dist/${dawnDir}/**`,
  ];
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-lab-vsix-'));
  const ignoreFile = path.join(tmp, '.vscodeignore');
  fs.writeFileSync(ignoreFile, rules.join('\n') + '\n');
  vsceArgs.push('--target', target, '--ignoreFile', ignoreFile);
}
try {
  run(process.execPath, [vsce, ...vsceArgs]);
} finally {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`package-vsix: ${path.relative(root, out)} (${target ?? 'universal'}, ${(fs.statSync(out).size / 1e6).toFixed(1)} MB)`);
