// End to end in a real VS Code (code-server 4.100.3 with the VSIX from `npm run package`, driven by Chromium): open
// an experiment file with a 2×2 sweep block, click ⇶ Sweep (4 runs), watch the phase-diagram panel fill its cells as
// the points train (two at a time), see the sweep in the Runs view with 4/4, the controller end as completed, and
// after a window reload the panel and the sweep come back from disk.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { EXTENSION_ID, extensionLogs, killSweeps, launchBrowser, makeWorkspace, packageVsix, REPO, startCodeServer, VSIX, type Server } from './harness';

const ARTIFACTS = process.env.ANCHOR_LAB_E2E_ARTIFACTS; // folder for failure screenshots and logs

const SWEEP_FILE = 'grid.experiment.json';
const SWEEP_EXPERIMENT = {
  name: 'grid',
  task: { trainPerPair: 200, testPerPair: 40 },
  model: { dModel: 32, dHead: 16, dFF: 64 },
  // Long enough per point that the panel is up before the first pair of points ends (two at a time on 2 cores).
  train: { epochs: 10, batchSize: 64, lrMultiplier: 100, warmupEpochs: 1, schedule: 'warmup-cosine' },
  eval: { everyEpochs: 1 },
  sweep: { 'model.gamma': [0.5, 1.0], 'model.layers': [1, 2] },
  sweepOptions: { maxConcurrent: 2 },
};

interface CellCount { filled: number; done: number; total: number }

describe('sweep end to end in code-server (packaged VSIX)', function () {
  this.timeout(240_000);
  let server: Server;
  let browser: Browser;
  let page: Page;
  let ws: string;
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (k: string) => { timings[k] = Math.round((Date.now() - t0) / 100) / 10; };

  before(async function () {
    this.timeout(300_000);
    packageVsix();
    mark('packaged');
    server = await startCodeServer({ install: [VSIX] });
    mark('server up');
    assert.ok(fs.readdirSync(path.join(server.root, 'extensions')).some((d) => d.startsWith(EXTENSION_ID)), 'the VSIX is installed');
    ws = makeWorkspace(server.root, 'sweep-workspace');
    fs.writeFileSync(path.join(ws, SWEEP_FILE), JSON.stringify(SWEEP_EXPERIMENT, null, 2) + '\n');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const dir = ARTIFACTS ?? path.join(REPO, 'out', 'e2e-artifacts');
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, `failed-sweep-${this.currentTest.title.replace(/\W+/g, '_')}.png`) }).catch(() => {});
      const sweeps = path.join(ws, '.anchor-lab', 'sweeps');
      const ctl = fs.existsSync(sweeps) ? fs.readdirSync(sweeps).map((d) => { try { return `--- ${d}/controller.log\n${fs.readFileSync(path.join(sweeps, d, 'controller.log'), 'utf8')}`; } catch { return ''; } }).join('\n') : '';
      fs.writeFileSync(path.join(dir, 'sweep-logs.txt'), `${extensionLogs(server.userData)}\n${ctl}\n--- code-server\n${server.logs().slice(-5000)}`);
    }
  });

  after(async () => {
    if (ws) killSweeps(ws);
    await browser?.close();
    await server?.stop();
    console.log(`      e2e timings (s since start): ${JSON.stringify(timings)}`);
  });

  const SIDEBAR = '[id="workbench.parts.sidebar"]';
  const sideBarRow = (text: RegExp) => page.locator(`${SIDEBAR} .monaco-list-row`, { hasText: text }).first();
  const lens = (text: string | RegExp) => page.locator('.codelens-decoration a', { hasText: text }).first();
  const command = async (title: string) => {
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  };

  /** The phase-diagram webview's page: among the extension's webviews, the one that runs dist/phase.js. */
  const phaseFrame = async (timeout = 60_000): Promise<Frame> => {
    const until = Date.now() + timeout;
    for (;;) {
      for (const outer of await page.locator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).elementHandles()) {
        const f1 = await outer.contentFrame();
        const inner = await f1?.$('iframe#active-frame');
        const f2 = await inner?.contentFrame();
        if (f2 && await f2.evaluate(() => !!(window as unknown as { __phaseTest?: unknown }).__phaseTest).catch(() => false)) return f2;
      }
      if (Date.now() > until) throw new Error('no phase-diagram webview appeared');
      await page.waitForTimeout(250);
    }
  };

  /** Cells of the first figure panel: with data (filled), and with data and no point still pending or running (done). */
  const cellCount = (frame: Frame): Promise<CellCount> => frame.evaluate(() => {
    type Cell = { panel: number; value: unknown; partial: boolean };
    const t = (window as unknown as { __phaseTest?: { cells(): Cell[] } }).__phaseTest;
    const cells = t ? t.cells() : [];
    const first = cells.filter((c) => c.panel === (cells[0]?.panel ?? 0));
    return { filled: first.filter((c) => c.value !== null).length, done: first.filter((c) => c.value !== null && !c.partial).length, total: first.length };
  });

  it('⇶ Sweep (4 runs) starts the sweep and the phase diagram fills in as the points train', async () => {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: SWEEP_FILE }).waitFor({ timeout: 60_000 });
    mark('workbench');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill(SWEEP_FILE);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: SWEEP_FILE }).first().waitFor();
    await page.keyboard.press('Enter');
    await lens('⇶ Sweep (4 runs)').waitFor({ timeout: 60_000 });
    mark('sweep lens');
    await lens('⇶ Sweep (4 runs)').click();
    // A fresh workspace has no unfinished sweep of this definition; if one were offered for resuming, start anew.
    const newButton = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'New Sweep' });
    if (await newButton.isVisible({ timeout: 1500 }).catch(() => false)) await newButton.click();

    const frame = await phaseFrame();
    mark('phase panel');
    const seen: CellCount[] = [];
    let statusBar = '';
    let progressLens = '';
    const until = Date.now() + 150_000;
    for (;;) {
      const c = await cellCount(frame);
      if (!seen.length || seen[seen.length - 1].filled !== c.filled || seen[seen.length - 1].done !== c.done) seen.push(c);
      if (!statusBar) statusBar = (await page.locator('.statusbar-item', { hasText: '⇶' }).first().textContent({ timeout: 200 }).catch(() => null)) ?? '';
      if (!progressLens) progressLens = (await lens(/^\d+\/4/).textContent({ timeout: 200 }).catch(() => null)) ?? '';
      if (c.done === 4) break;
      if (Date.now() > until) throw new Error(`the phase diagram did not fill: ${JSON.stringify(seen)}`);
      await page.waitForTimeout(300);
    }
    mark('all cells');
    console.log(`      phase-diagram cells (filled/done of 4) over time: ${seen.map((c) => `${c.filled}/${c.done}`).join(' → ')}; status bar "${statusBar.trim()}", lens "${progressLens.trim()}"`);
    assert.equal(seen[seen.length - 1].total, 4, 'a 2×2 figure');
    assert.equal(seen[seen.length - 1].filled, 4);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].filled >= seen[i - 1].filled && seen[i].done >= seen[i - 1].done, `cells never empty again: ${JSON.stringify(seen)}`);
    assert.ok(seen[0].done < 4 && seen.length >= 3, `the cells filled in over time, not all at once: ${JSON.stringify(seen)}`);
    assert.match(statusBar, /⇶ \d\/4/, 'the status bar showed the sweep while it ran');
    assert.match(progressLens, /^\d\/4/, 'the progress lens showed done/total');
  });

  it('lists the sweep in the Runs view with 4/4 and its points beneath', async () => {
    await command('Anchor Lab: Focus on Runs View');
    const row = sideBarRow(/grid.*4\/4/);
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /4\/4 · completed/);
    await row.locator('.monaco-tl-twistie').click();
    // Expanded: the four points labelled by their swept values, not listed again as ordinary runs.
    await sideBarRow(/γ=0\.5 L=1/).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator(`${SIDEBAR} .monaco-list-row`, { hasText: /γ=(0\.5|1) L=[12]/ }).count(), 4);
    assert.equal(await page.locator(`${SIDEBAR} .monaco-list-row`, { hasText: /grid · \d\d-\d\d/ }).count(), 0, 'points are not duplicated as ordinary runs');
    mark('runs view');
  });

  it('the controller ended as completed', async () => {
    const sweeps = path.join(ws, '.anchor-lab', 'sweeps');
    const dirs = fs.readdirSync(sweeps);
    assert.equal(dirs.length, 1);
    const until = Date.now() + 30_000;
    let ctl: { outcome: string | null; endedAt: string | null } | null = null;
    while (Date.now() < until) {
      try { ctl = JSON.parse(fs.readFileSync(path.join(sweeps, dirs[0], 'controller.json'), 'utf8')); } catch { /* being written */ }
      if (ctl?.endedAt) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(ctl?.outcome, 'completed');
    assert.ok(fs.existsSync(path.join(sweeps, dirs[0], 'controller.log')));
    // The lenses follow: Phase diagram stays, ■ Cancel sweep and the progress lens go (the editor re-asks after a debounce).
    await lens('Phase diagram').waitFor({ timeout: 10_000 });
    await lens('■ Cancel sweep').waitFor({ state: 'detached', timeout: 20_000 });
    assert.equal(await lens(/^\d\/4/).count(), 0, 'no progress lens once the sweep has ended');
    mark('completed');
  });

  it('survives a window reload: the phase-diagram panel is restored and the Runs view rebuilds the sweep from disk', async () => {
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const frame = await phaseFrame();
    await frame.waitForFunction(() => {
      const t = (window as unknown as { __phaseTest?: { cells(): { value: unknown; partial: boolean }[] } }).__phaseTest;
      return !!t && t.cells().filter((c) => c.value !== null && !c.partial).length >= 4;
    }, undefined, { timeout: 60_000 });
    await command('Anchor Lab: Focus on Runs View');
    await sideBarRow(/grid.*4\/4 · completed/).waitFor({ timeout: 30_000 });
    mark('reloaded');
  });
});
