// `npm run bench:webview`: the dashboard in headless Chromium fed a run streaming at the protocol's full rate
// (10 messages/s): 10,000 metric points and 100 attention snapshots of a 4-layer, 4-head model. Prints frames per
// second and the longest frame while streaming. A benchmark, not a test. Target: ≥ 60 fps, no frame over 50 ms.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium } from 'playwright-core';
import { dashboardHtml } from '../../src/extension/webviewHtml';
import { defaultConfig } from '../../src/core/config';
import type { MetricsLine } from '../../src/protocol/runFiles';
import type { RunInfo } from '../../src/protocol/webview';

const REPO = path.resolve(__dirname, '..', '..');
const ORIGIN = 'https://webview.test';
const POINTS = 10_000, SNAPSHOTS = 100, MESSAGES = 100, L = 4, H = 4, T = 9;

function metric(i: number): MetricsLine {
  const t = i / POINTS;
  const inf = Math.min(1, Math.max(0, (t - 0.3) * 2)), sym = Math.max(0, 0.3 - Math.abs(t - 0.3)) ;
  const perPair: Record<string, number> = {};
  for (let a = 1; a <= 4; a++) for (let b = 1; b <= 4; b++) if (!(a === 4 && b === 3)) perPair[`${a},${b}`] = Math.min(1, t * 1.5 + 0.01 * a);
  return {
    step: i * 10, epoch: Math.floor(i / 50), lr: 1e-3, loss: 5 * Math.exp(-4 * t) + 0.05 * Math.random(), trainAcc: Math.min(1, t * 1.6), seenTestAcc: Math.min(1, t * 1.4), perPair,
    unseen: { pair: [4, 3], n: 200, inferential: inf, symmetric: sym, other: Math.max(0, 1 - inf - sym), deviations: {} }, unseenAll: [], solution: inf > 0.5 ? 'inferential' : 'learning', elapsedSec: i / 100,
  };
}

async function main(): Promise<void> {
  const config = defaultConfig();
  config.model.layers = L; config.model.heads = H;
  const run: RunInfo = { id: 'bench', name: 'bench 4L×4H', experimentFile: null, state: 'running', error: null, backend: 'wasm', config, derived: { trainSize: 0, stepsPerEpoch: 50, totalSteps: POINTS * 10, paramCount: 1, peakLr: 1e-3 }, overrides: {}, progress: null, solution: null, durationSec: 0 };
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1400 } });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const u = new URL(route.request().url());
    if (u.pathname === '/index.html') return route.fulfill({ contentType: 'text/html', body: dashboardHtml({ cspSource: ORIGIN, nonce: 'YmVuY2g=', scriptUri: `${ORIGIN}/dist/webview.js`, styleUri: `${ORIGIN}/dist/webview.css`, state: { kind: 'run', runId: 'bench' } }) });
    return route.fulfill({ contentType: u.pathname.endsWith('.css') ? 'text/css' : 'application/javascript', body: fs.readFileSync(path.join(REPO, u.pathname)) });
  });
  await page.addInitScript('globalThis.__name = (f) => f; window.acquireVsCodeApi = () => ({ postMessage() {}, setState() {}, getState() {} });');
  await page.goto(`${ORIGIN}/index.html`);
  // Generate the stream inside the page (posting from node would measure the transport, not the dashboard).
  const metrics = Array.from({ length: POINTS }, (_, i) => metric(i));
  await page.evaluate(({ run, metrics, L, H, T, SNAPSHOTS, MESSAGES }) => {
    const w = window as unknown as { __bench: unknown };
    const frames: number[] = [];
    let last = performance.now(), running = true;
    const tick = (now: number) => { frames.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
    const attention = (k: number) => ({ step: k * 1000, epoch: k, probes: [{ label: 'probe', tokens: [35, 63, 99, 4, 3, 38, 42, 36, 62], roles: ['noise', 'noise', 'key', 'anchor', 'anchor', 'noise', 'noise', 'noise', 'noise'], layers: L, heads: H, T,
      data: Float32Array.from({ length: L * H * T * T }, (_, i) => { const q = Math.floor((i % (T * T)) / T), c = i % T; return c <= q ? Math.random() / (q + 1) : 0; }) }] });
    const per = metrics.length / MESSAGES;
    window.postMessage({ type: 'snapshot', mode: 'run', follow: null, run, metrics: [], attentionSteps: [], attention: null }, '*');
    w.__bench = new Promise((resolve) => setTimeout(() => {
      let k = 0;
      const t0 = performance.now();
      requestAnimationFrame((n) => { last = n; requestAnimationFrame(tick); });
      const iv = setInterval(() => {
        const steps = Array.from({ length: Math.floor(((k + 1) * SNAPSHOTS) / MESSAGES) }, (_, i) => i * 1000);
        window.postMessage({ type: 'delta', run: { ...run, progress: { step: (k + 1) * per * 10, totalSteps: metrics.length * 10, epoch: k, epochs: MESSAGES, runningLoss: metrics[(k + 1) * per - 1].loss, lr: 1e-3, stepsPerSec: 100, etaSec: MESSAGES - k, elapsedSec: k, updatedAt: '' } },
          metricsFrom: k * per, metrics: metrics.slice(k * per, (k + 1) * per), attentionSteps: steps, attention: attention(steps.length - 1) }, '*');
        if (++k >= MESSAGES) {
          clearInterval(iv);
          setTimeout(() => { running = false; const s = (performance.now() - t0) / 1000; resolve({ seconds: s, frames: frames.length, fps: frames.length / s, longest: Math.max(...frames), over50: frames.filter((f) => f > 50).length, p99: frames.sort((a, b) => a - b)[Math.floor(frames.length * 0.99)] }); }, 300);
        }
      }, 100);
    }, 1000)); // warm-up: the first snapshot's layout and font loading are not streaming
  }, { run, metrics, L, H, T, SNAPSHOTS, MESSAGES });
  const r = await page.evaluate(() => (window as unknown as { __bench: Promise<Record<string, number>> }).__bench);
  const shown = await page.evaluate(() => ({ heatmaps: document.querySelectorAll('canvas.heatmap').length, points: (window as unknown as { __anchorLab: { model: { metrics: unknown[] } } }).__anchorLab.model.metrics.length }));
  await browser.close();
  process.stdout.write(`bench:webview  ${shown.points} metric points, ${SNAPSHOTS} attention snapshots (${L}×${H} heatmaps: ${shown.heatmaps}), ${MESSAGES} messages at 10/s\n`);
  process.stdout.write(`  ${r.fps.toFixed(1)} fps over ${r.seconds.toFixed(1)} s · longest frame ${r.longest.toFixed(1)} ms · p99 ${r.p99.toFixed(1)} ms · frames over 50 ms: ${r.over50}\n`);
  process.stdout.write(`  target ≥ 60 fps and no frame over 50 ms: ${r.fps >= 59 && r.longest <= 50 ? 'met' : 'NOT met'} (headless Chromium, software rendering, 2 cores)\n`);
}
main().catch((e) => { process.stderr.write(String(e?.stack ?? e) + '\n'); process.exit(1); });
