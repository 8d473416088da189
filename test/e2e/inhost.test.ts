// Runs test/e2e/suite inside the real extension host of code-server, per shared/e2e-recipe.md: the extension in
// development mode (this checkout), the suite given as extensionTestsPath, the exit code via codeAutomationExit.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as esbuild from 'esbuild';
import type { Browser } from 'playwright-core';
import { extensionLogs, killRuns, launchBrowser, makeWorkspace, REPO, startCodeServer, type Server } from './harness';

describe('mocha suite inside the real extension host (code-server)', function () {
  this.timeout(300_000);
  let server: Server;
  let browser: Browser;
  let ws: string;

  before(async () => {
    await esbuild.build({ entryPoints: [path.join(REPO, 'test/e2e/suite/index.ts')], outfile: path.join(REPO, 'out/e2e-suite/index.js'), bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], logLevel: 'warning', mainFields: ['module', 'main'] });
    assert.ok(fs.existsSync(path.join(REPO, 'dist/extension.js')), 'dist/extension.js is built');
    server = await startCodeServer();
    ws = makeWorkspace(server.root, 'inhost-workspace');
    browser = await launchBrowser();
  });
  after(async () => { if (ws) killRuns(ws); await browser?.close(); await server?.stop(); });

  it('passes', async () => { await runSuite(server, ws); });

  it('passes in an untrusted workspace (restricted mode)', async () => {
    const untrusted = await startCodeServer({ workspaceTrust: true, settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' }, env: { ANCHOR_LAB_INHOST_SUITE: 'untrusted' } });
    const uws = makeWorkspace(untrusted.root, 'untrusted-workspace');
    try { await runSuite(untrusted, uws); } finally { killRuns(uws); await untrusted.stop(); }
  });

  async function runSuite(server: Server, ws: string): Promise<void> {
    const page = await browser.newPage();
    const lines: string[] = [];
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => { lines.push(format(...(args as [unknown, ...unknown[]]))); });
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([['extensionDevelopmentPath', remote(REPO)], ['extensionTestsPath', remote(path.join(REPO, 'out/e2e-suite/index.js'))]]);
    const t0 = Date.now();
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(payload)}`);
    const code = await Promise.race([exit, new Promise<number>((r) => setTimeout(() => r(-1), 240_000))]);
    const out = lines.join('\n');
    console.log(out.split('\n').filter((l) => /^\s*(✔|✓|\d+ passing|\d+ failing|\d+\) )/.test(l)).map((l) => `      | ${l}`).join('\n'));
    console.log(`      in-host suite: ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    if (code !== 0) console.log(`${out}\n${extensionLogs(server.userData)}`);
    await page.close();
    assert.equal(code, 0, 'the in-host mocha suite passed');
  }
});
