// Bundles the runner/CLI (Node), the extension (Node, `vscode` external) and the webview (browser) as separate entries.
//   node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = { bundle: true, mainFields: ['module', 'main'], sourcemap: !production, minify: production, logLevel: 'info', legalComments: 'none' };
// mainFields: jsonc-parser's UMD build hides its requires from bundlers; its ESM build bundles cleanly.
// tfjs stays external: tfjs-node (optional) must share the one tfjs-core engine instance, and the wasm
// backend finds its .wasm binaries next to its own package.
const nodeExternal = ['@tensorflow/*', 'vscode', 'webgpu']; // webgpu: ESM-only with a native addon, loaded by import() at run time

const entries = [
  { name: 'cli', entryPoints: ['src/runner/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { name: 'gradWorker', entryPoints: ['src/runner/gradWorker.ts'], outfile: 'dist/gradWorker.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { name: 'extension', entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: nodeExternal },
  { name: 'webview', entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
  // The phase-diagram webview (sweeps): its own bundle, dist/phase.js + dist/phase.css.
  { name: 'phase', entryPoints: ['webview/phase/main.ts'], outfile: 'dist/phase.js', platform: 'browser', format: 'iife', target: 'es2022' },
].filter((e) => fs.existsSync(e.entryPoints[0]));

const contexts = await Promise.all(entries.map(({ name, ...opts }) => esbuild.context({ ...common, ...opts })));
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}
