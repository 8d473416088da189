// `npm run screenshot:phase -- <sweepDir>`: the README's phase-diagram screenshot from a real, finished sweep (e.g. the
// one `anchor-lab sweep examples/phase-diagram.experiment.json` wrote). Copies the sweep and its points' run
// directories into a fresh workspace, opens it in the e2e code-server with the packaged VSIX, opens the phase diagram
// from the Runs view's sweep node, and saves media/screenshot-phase-diagram.png.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { EXTENSION_ID, launchBrowser, packageVsix, REPO, startCodeServer, VSIX } from './harness';

async function main(): Promise<void> {
  const sweepDir = path.resolve(process.argv[2] ?? '');
  const sweep = JSON.parse(fs.readFileSync(path.join(sweepDir, 'sweep.json'), 'utf8')) as { runsDir: string; points: { runId: string }[]; name: string };
  const runsDir = path.resolve(sweepDir, sweep.runsDir);
  packageVsix();
  const server = await startCodeServer({ install: [VSIX], settings: { 'security.workspace.trust.enabled': false } });
  const ws = path.join(server.root, 'phase-diagram');
  fs.mkdirSync(path.join(ws, '.anchor-lab', 'runs'), { recursive: true });
  const wsSweep = path.join(ws, '.anchor-lab', 'sweeps', path.basename(sweepDir));
  fs.cpSync(sweepDir, wsSweep, { recursive: true });
  // The sweep may have been run with --out / --sweep-dir elsewhere: point the copy at the workspace's runs and file.
  const copied = JSON.parse(fs.readFileSync(path.join(wsSweep, 'sweep.json'), 'utf8')) as Record<string, unknown>;
  copied.runsDir = path.relative(wsSweep, path.join(ws, '.anchor-lab', 'runs'));
  copied.experimentFile = path.join(ws, 'phase-diagram.experiment.json');
  fs.writeFileSync(path.join(wsSweep, 'sweep.json'), JSON.stringify(copied, null, 2));
  for (const p of sweep.points) {
    const d = path.join(runsDir, p.runId);
    if (fs.existsSync(d)) fs.cpSync(d, path.join(ws, '.anchor-lab', 'runs', p.runId), { recursive: true });
  }
  fs.copyFileSync(path.join(REPO, 'examples', 'phase-diagram.experiment.json'), path.join(ws, 'phase-diagram.experiment.json'));
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1150 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'phase-diagram.experiment.json' }).waitFor({ timeout: 60_000 });
    // The Runs view's focus command exists once the extension has registered its view; retry until then (the first
    // start after a fresh code-server install took over a minute here).
    for (let attempt = 0; ; attempt++) {
      await page.keyboard.press('Control+Shift+P');
      await page.locator('.quick-input-widget input').fill('>Anchor Lab: Focus on Runs View');
      const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Focus on Runs View' }).first();
      if (await row.isVisible({ timeout: 5000 }).catch(() => false)) { await page.keyboard.press('Enter'); break; }
      await page.keyboard.press('Escape');
      if (attempt > 40) throw new Error('the Anchor Lab Runs view never appeared');
    }
    const node = page.locator('[id="workbench.parts.sidebar"] .monaco-list-row', { hasText: sweep.name }).first();
    await node.waitFor({ timeout: 60_000 });
    await node.click();
    // The phase-diagram webview: the extension's webview whose page runs dist/phase.js.
    let frame: Frame | null = null;
    for (let i = 0; i < 240 && !frame; i++) {
      for (const outer of await page.locator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).elementHandles()) {
        const inner = await (await outer.contentFrame())?.$('iframe#active-frame');
        const f = await inner?.contentFrame();
        if (f && await f.evaluate(() => !!(window as unknown as { __phaseTest?: unknown }).__phaseTest).catch(() => false)) frame = f;
      }
      if (!frame) await page.waitForTimeout(250);
    }
    if (!frame) throw new Error('no phase-diagram webview appeared');
    await node.locator('.monaco-tl-twistie').click().catch(() => {});
    await page.waitForTimeout(1500);
    const out = path.join(REPO, 'media', 'screenshot-phase-diagram.png');
    await page.screenshot({ path: out });
    process.stdout.write(`wrote ${path.relative(REPO, out)}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}
main().catch((e) => { process.stderr.write(`${(e as Error).stack ?? e}\n`); process.exit(1); });
