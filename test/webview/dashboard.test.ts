// The dashboard webview in real Chromium: the built bundle, the extension's real page and CSP, and a scripted
// host that posts protocol messages made from a real run directory (trained by the real runner in before()).
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { readAttention, readRun } from '../../src/core/runStore';
import { packAttention, parseWebviewMessage, type AttentionData, type HostToWebview, type RunInfo } from '../../src/protocol/webview';
import { LIGHT, openWebviewPage, REPO } from './pageHarness';



/** What a host message looks like after structured cloning, with typed arrays as plain arrays for transport into the page. */
function wire(m: HostToWebview): unknown {
  return JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Float32Array ? { __f32: Array.from(v) } : v)));
}

describe('dashboard webview in Chromium (scripted host)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let page: Page;
  let run: RunInfo;
  let metrics: ReturnType<typeof readRun>['metrics'];
  let attention: AttentionData[];
  let consoleErrors: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-lab-webview-'));

  before(async () => {
    for (const f of ['dist/webview.js', 'dist/webview.css', 'dist/cli.js']) assert.ok(fs.existsSync(path.join(REPO, f)), `${f} is built`);
    // A real run: 6 epochs of the tiny task.
    const file = path.join(tmp, 'tiny.experiment.json');
    fs.writeFileSync(file, JSON.stringify({ name: 'tiny', task: { trainPerPair: 200, testPerPair: 40 }, model: { dModel: 32, dHead: 16, dFF: 64 }, train: { epochs: 6, batchSize: 64, lrMultiplier: 100, warmupEpochs: 1, schedule: 'warmup-cosine' }, eval: { everyEpochs: 1 } }));
    const dir = path.join(tmp, 'run');
    execFileSync(process.execPath, [path.join(REPO, 'dist/cli.js'), 'run', file, '--run-dir', dir, '--no-progress', '--backend', 'wasm'], { stdio: 'ignore' });
    const snap = readRun(dir);
    metrics = snap.metrics;
    attention = readAttention(dir).map(packAttention);
    assert.ok(metrics.length >= 5 && attention.length >= 5);
    run = {
      id: snap.id, name: snap.config!.config.name, experimentFile: file, state: 'running', error: null, backend: snap.config!.backendDetail,
      config: snap.config!.config, derived: snap.config!.derived, overrides: {}, progress: snap.progress, solution: null, durationSec: 3,
    };
    // The real page and CSP, the host side of acquireVsCodeApi recording what the webview posts, the dark theme.
    const wp = await openWebviewPage({ script: 'dist/webview.js', style: 'dist/webview.css', state: { kind: 'run', runId: run.id } });
    browser = wp.browser;
    page = wp.page;
    consoleErrors = wp.errors;
  });

  after(async () => { await browser?.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

  const posted = () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
  const send = (m: HostToWebview) => page.evaluate((raw) => {
    const revive = (x: unknown): unknown => {
      if (Array.isArray(x)) return x.map(revive);
      if (x && typeof x === 'object') {
        if ('__f32' in (x as object)) return new Float32Array((x as { __f32: number[] }).__f32);
        return Object.fromEntries(Object.entries(x as object).map(([k, v]) => [k, revive(v)]));
      }
      return x;
    };
    window.postMessage(revive(raw), '*');
  }, wire(m));
  const stats = () => page.evaluate(() => (window as unknown as { __anchorLab: { stats: Record<string, number> } }).__anchorLab.stats);
  /** Count of pixels that differ from the canvas's top-left pixel, and a hash of the pixels. */
  const canvasInfo = (selector: string) => page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement | null;
    if (!c) return null;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let differ = 0, h = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2] || d[i + 3] !== d[3]) differ++;
      h = (h * 31 + d[i] * 7 + d[i + 1] * 3 + d[i + 2]) >>> 0;
    }
    return { differ, hash: h, w: c.width, h: c.height };
  }, selector);
  const waitStat = async (key: string, above: number) => { await page.waitForFunction(([k, v]) => ((window as unknown as { __anchorLab: { stats: Record<string, number> } }).__anchorLab.stats[k as string] as number) > (v as number), [key, above], { timeout: 10_000 }); };

  it('says ready first, with a valid message, and keeps its panel state', async () => {
    await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    const msgs = await posted();
    assert.deepEqual(msgs[0], { type: 'ready' });
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __state: unknown }).__state), { kind: 'run', runId: run.id });
  });

  it('renders the snapshot: loss and accuracy curves, readout, pair grid and heatmaps', async () => {
    await send({ type: 'snapshot', mode: 'run', follow: null, run, metrics: metrics.slice(0, 3), attentionSteps: attention.slice(0, 1).map((a) => a.step), attention: attention[0] });
    await page.waitForSelector('#chart-loss canvas');
    const loss = await canvasInfo('#chart-loss canvas');
    assert.ok(loss && loss.differ > 200, `loss curve drawn (${JSON.stringify(loss)})`);
    const acc = await canvasInfo('#chart-acc canvas');
    assert.ok(acc && acc.differ > 200, 'accuracy curves drawn');
    const readout = await canvasInfo('#readout');
    assert.ok(readout && readout.differ > 100, 'readout drawn');
    assert.equal(await page.locator('table.pairs td').count(), 16);
    assert.equal(await page.locator('table.pairs td.unseen').count(), 1);
    assert.equal(await page.locator('td[data-pair="4,3"].unseen').count(), 1);
    assert.equal(await page.locator('td[data-pair="3,4"].override').count(), 1);
    const cells = run.config!.model.layers * run.config!.model.heads;
    assert.equal(await page.locator('canvas.heatmap').count(), cells, 'layers × heads heatmaps');
    const hm = await canvasInfo('canvas.heatmap');
    assert.ok(hm && hm.differ > 50, 'heatmap drawn');
    assert.match(await page.locator('#loss-value').innerText(), /\d/);
    assert.equal((await page.locator('#state').innerText()).trim(), 'running');
  });

  it('streams deltas: the loss value and curves change', async () => {
    const before = await page.locator('#loss-value').innerText();
    const hashBefore = (await canvasInfo('#chart-loss canvas'))!.hash;
    const s0 = (await stats()).renders;
    const r2 = { ...run, progress: { ...run.progress!, runningLoss: (run.progress!.runningLoss ?? 1) * 0.5, step: 99 } };
    await send({ type: 'delta', run: r2, metricsFrom: 3, metrics: metrics.slice(3), attentionSteps: attention.slice(0, 1).map((a) => a.step), attention: null });
    await waitStat('renders', s0);
    assert.notEqual(await page.locator('#loss-value').innerText(), before);
    assert.notEqual((await canvasInfo('#chart-loss canvas'))!.hash, hashBefore, 'loss chart redrawn with more points');
  });

  it('heatmap pixels change when new attention arrives', async () => {
    const before = (await canvasInfo('canvas.heatmap'))!.hash;
    const last = attention[attention.length - 1];
    await send({ type: 'delta', run, metricsFrom: metrics.length, metrics: [], attentionSteps: attention.map((a) => a.step), attention: last });
    await page.waitForFunction((s) => document.querySelector('#attn-grid')?.getAttribute('data-step') === String(s), last.step);
    const after = (await canvasInfo('canvas.heatmap'))!.hash;
    assert.notEqual(after, before);
  });

  it('the scrubber switches snapshots, asking the host for ones it does not have', async () => {
    const latest = (await canvasInfo('canvas.heatmap'))!.hash;
    const n0 = (await posted()).length;
    await page.locator('#scrubber').evaluate((e: HTMLInputElement) => { e.value = '1'; e.dispatchEvent(new Event('input')); });
    await page.waitForFunction((n) => (window as unknown as { __posted: unknown[] }).__posted.length > n, n0);
    const req = (await posted()).slice(n0);
    assert.deepEqual(req, [{ type: 'requestAttention', step: attention[1].step }]);
    await send({ type: 'attention', attention: attention[1] });
    await page.waitForFunction((s) => document.querySelector('#attn-grid')?.getAttribute('data-step') === String(s), attention[1].step);
    assert.notEqual((await canvasInfo('canvas.heatmap'))!.hash, latest);
    assert.match(await page.locator('#step-label').innerText(), new RegExp(`step ${attention[1].step}`));
    // Back to a cached snapshot: no request.
    const n1 = (await posted()).length;
    await page.locator('#scrubber').evaluate((e: HTMLInputElement) => { e.value = '0'; e.dispatchEvent(new Event('input')); });
    await page.waitForFunction((s) => document.querySelector('#attn-grid')?.getAttribute('data-step') === String(s), attention[0].step);
    assert.equal((await posted()).length, n1);
  });

  it('hover shows the weight; click enlarges', async () => {
    const box = (await page.locator('canvas.heatmap').first().boundingBox())!;
    await page.mouse.move(box.x + 24 + 15 * 4 + 5, box.y + 24 + 15 * 5 + 5);
    const tip = page.locator('.tooltip');
    await tip.waitFor({ state: 'visible' });
    assert.match(await tip.innerText(), /query 5 .* → key 4 .*: \d\.\d{4}/);
    await page.locator('canvas.heatmap').first().click();
    await page.locator('.overlay.open canvas').waitFor();
    const big = await canvasInfo('.overlay canvas');
    assert.ok(big && big.w > (await canvasInfo('canvas.heatmap'))!.w);
    await page.locator('.overlay').click({ position: { x: 5, y: 5 } });
  });

  it('redraws canvases and charts when the theme changes', async () => {
    const hm = (await canvasInfo('canvas.heatmap'))!.hash;
    const ch = (await canvasInfo('#chart-loss canvas'))!.hash;
    const t0 = (await stats()).themeRedraws;
    await page.evaluate((light) => { document.body.className = 'vscode-light'; for (const d of light.split(';')) { const i = d.indexOf(':'); document.body.style.setProperty(d.slice(0, i), d.slice(i + 1)); } }, LIGHT);
    await waitStat('themeRedraws', t0);
    assert.notEqual((await canvasInfo('canvas.heatmap'))!.hash, hm, 'heatmap redrawn in the new colours');
    assert.notEqual((await canvasInfo('#chart-loss canvas'))!.hash, ch, 'chart redrawn in the new colours');
  });

  it('posts only messages the extension accepts (buttons)', async () => {
    const n0 = (await posted()).length;
    await page.locator('vscode-button[data-command="stop"]').click();
    const msgs = (await posted()).slice(n0);
    assert.deepEqual(msgs, [{ type: 'command', command: 'stop' }]);
    for (const m of await posted()) assert.ok(parseWebviewMessage(m), JSON.stringify(m));
  });

  it('shows a lost run as failed with the log tail', async () => {
    await send({ type: 'delta', run: { ...run, state: 'lost', error: 'process lost (pid 1 is gone without a summary)\nlast log line' }, metricsFrom: metrics.length, metrics: [], attentionSteps: attention.map((a) => a.step), attention: null });
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'failed: process lost');
    assert.match(await page.locator('#error').innerText(), /last log line/);
  });

  it('compares runs with a legend by differing fields', async () => {
    const series = (label: string, f: number) => ({ id: label, label, state: 'completed' as const, solution: null, steps: metrics.map((m) => m.step), loss: metrics.map((m) => (m.loss === null ? null : m.loss * f)), seenTestAcc: metrics.map((m) => m.seenTestAcc), inferential: metrics.map((m) => m.unseen.inferential), symmetric: metrics.map((m) => m.unseen.symmetric) });
    await send({ type: 'compare', runs: [series('γ=0.5', 1), series('γ=1', 0.5)], differing: ['model.gamma'] });
    await page.waitForSelector('#chart-unseen canvas');
    assert.match(await page.locator('.legend').first().innerText(), /γ=0\.5[\s\S]*γ=1/);
    const c = await canvasInfo('#chart-loss canvas');
    assert.ok(c && c.differ > 200);
  });

  it('had no console errors and no CSP violations', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
