// End to end in a real VS Code: code-server 4.100.3 with the VSIX from `npm run package`, driven by Chromium.
// Open an experiment, click ▶ Run, watch the dashboard (loss value changes, attention heatmaps), see the run in the
// Runs view, click ■ Stop, and the run ends as cancelled. With ANCHOR_LAB_SCREENSHOTS=1 it also refreshes the README
// screenshots in media/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Frame, Page } from 'playwright-core';
import { EXTENSION_ID, extensionLogs, killRuns, launchBrowser, makeWorkspace, packageVsix, REPO, startCodeServer, VSIX, type Server } from './harness';

const SCREENSHOTS = process.env.ANCHOR_LAB_SCREENSHOTS === '1';
const ARTIFACTS = process.env.ANCHOR_LAB_E2E_ARTIFACTS; // folder for failure screenshots and logs

describe('end to end in code-server (packaged VSIX)', function () {
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
    ws = makeWorkspace(server.root);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: SCREENSHOTS ? { width: 1600, height: 1250 } : { width: 1600, height: 1000 } });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) {
      const dir = ARTIFACTS ?? path.join(REPO, 'out', 'e2e-artifacts');
      fs.mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: path.join(dir, `failed-${this.currentTest.title.replace(/\W+/g, '_')}.png`) }).catch(() => {});
      fs.writeFileSync(path.join(dir, 'logs.txt'), `${extensionLogs(server.userData)}\n--- code-server\n${server.logs().slice(-5000)}`);
    }
  });

  after(async () => {
    if (ws) killRuns(ws);
    await browser?.close();
    await server?.stop();
    console.log(`      e2e timings (s since start): ${JSON.stringify(timings)}`);
  });

  const dashboardFrame = async (): Promise<Frame> => {
    const outer = page.locator(`iframe.webview.ready[src*="extensionId=${EXTENSION_ID}"]`).first();
    await outer.waitFor({ timeout: 60_000 });
    const f1 = await (await outer.elementHandle())!.contentFrame();
    const inner = f1!.locator('iframe#active-frame');
    await inner.waitFor({ timeout: 30_000 });
    return (await (await inner.elementHandle())!.contentFrame())!;
  };
  const command = async (title: string) => {
    await page.keyboard.press('Control+Shift+P');
    await page.locator('.quick-input-widget input').fill(`>${title}`);
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
  };
  const lens = (text: string) => page.locator('.codelens-decoration a', { hasText: text }).first();

  it('opens an experiment, runs it from the lens, and the dashboard comes alive', async () => {
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'tiny.experiment.json' }).waitFor({ timeout: 60_000 });
    mark('workbench');
    await page.keyboard.press('Control+P');
    await page.locator('.quick-input-widget input').fill('tiny.experiment.json');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'tiny.experiment.json' }).first().waitFor();
    await page.keyboard.press('Enter');
    await lens('▶ Run').waitFor({ timeout: 60_000 });
    mark('lens');
    await lens('▶ Run').click();
    const frame = await dashboardFrame();
    mark('dashboard');
    const lossValue = frame.locator('#loss-value');
    await frame.waitForFunction(() => /\d/.test(document.querySelector('#loss-value')?.textContent ?? ''), undefined, { timeout: 90_000 });
    const first = await lossValue.innerText();
    await frame.waitForFunction((v) => { const t = document.querySelector('#loss-value')?.textContent ?? ''; return /\d/.test(t) && t !== v; }, first, { timeout: 60_000 });
    mark('loss changed');
    await frame.locator('canvas.heatmap').first().waitFor({ timeout: 60_000 });
    const heat = await frame.locator('canvas.heatmap').first().evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) n++;
      return n;
    });
    assert.ok(heat > 100, `heatmap has content (${heat} px)`);
    assert.equal((await frame.locator('#state').innerText()).trim(), 'running');
    await frame.locator('#chart-loss canvas').first().waitFor();
    // Wait for a few evaluations so the screenshot shows curves.
    await frame.waitForFunction(() => ((window as unknown as { __anchorLab: { model: { metrics: unknown[] } } }).__anchorLab.model.metrics.length ?? 0) >= 6, undefined, { timeout: 60_000 });
    if (SCREENSHOTS) {
      await command('View: Toggle Primary Side Bar Visibility');
      // Escape in the workbench hides notification toasts (the progress notification stays in the bell).
      await page.locator('.monaco-editor .view-lines').first().click();
      await page.keyboard.press('Escape');
      await frame.waitForFunction(() => ((window as unknown as { __anchorLab: { model: { metrics: unknown[] } } }).__anchorLab.model.metrics.length ?? 0) >= 12, undefined, { timeout: 60_000 });
      await page.waitForTimeout(500);
      await page.screenshot({ path: path.join(REPO, 'media', 'screenshot-dashboard.png') });
    }
  });

  it('lists the run in the Runs view', async () => {
    await command('Anchor Lab: Focus on Runs View');
    const row = page.locator('.monaco-list-row', { hasText: /tiny · \d\d-\d\d/ }).first();
    await row.waitFor({ timeout: 30_000 });
    assert.match(await row.innerText(), /running/);
    mark('runs view');
    if (SCREENSHOTS) await page.screenshot({ path: path.join(REPO, 'media', 'screenshot-runs-view.png') });
  });

  it('■ Stop ends the run as cancelled', async () => {
    await lens('■ Stop').waitFor({ timeout: 30_000 });
    await lens('■ Stop').click();
    const runs = path.join(ws, '.anchor-lab', 'runs');
    const until = Date.now() + 60_000;
    let status: string | undefined;
    while (Date.now() < until && !status) {
      for (const d of fs.readdirSync(runs)) {
        try { status = (JSON.parse(fs.readFileSync(path.join(runs, d, 'summary.json'), 'utf8')) as { status: string }).status; } catch { /* running */ }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(status, 'cancelled');
    const frame = await dashboardFrame();
    await frame.waitForFunction(() => document.querySelector('#state')?.textContent === 'cancelled', undefined, { timeout: 30_000 });
    await page.locator('.monaco-list-row', { hasText: /tiny · .*cancelled/ }).first().waitFor({ timeout: 30_000 });
    await lens('last: cancelled').waitFor({ timeout: 30_000 });
    mark('cancelled');
  });
});
