// The dashboard webview: curves (uPlot), unseen-pair readout, anchor-pair grid, attention heatmaps, run summary.
// It talks to the extension only through src/protocol/webview.ts messages.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import './style.css';
import type { AttentionData, AttentionProbeData, CompareSeries, DashboardCommand, HostToWebview, PanelState, RunInfo, WebviewToHost } from '../src/protocol/webview';
import type { MetricsLine } from '../src/protocol/runFiles';

interface VsCodeApi { postMessage(m: WebviewToHost): void; setState(s: PanelState): void; getState(): PanelState | undefined }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m) => window.parent.postMessage(m, '*'), setState: () => {}, getState: () => undefined };

// ---- state -------------------------------------------------------------------------------------------------
interface Model {
  run: RunInfo | null;
  metrics: MetricsLine[];
  attentionSteps: number[];
  attention: Map<number, AttentionData>;
  /** The step shown by the attention section; null = follow the latest. */
  pinnedStep: number | null;
  probe: number;
  smoothing: number;
  compare: { runs: CompareSeries[]; differing: string[] } | null;
  empty: string | null;
}
const model: Model = { run: null, metrics: [], attentionSteps: [], attention: new Map(), pinnedStep: null, probe: 0, smoothing: 0.6, compare: null, empty: null };
/** Counters the browser tests read. */
const stats = { messages: 0, renders: 0, heatmapDraws: 0, themeRedraws: 0, shownStep: -1 };
(window as unknown as { __anchorLab: unknown }).__anchorLab = { stats, model };

const initial = (() => { try { return JSON.parse(document.body.dataset.panelState ?? 'null') as PanelState | null; } catch { return null; } })();
if (initial) vscode.setState(initial);

// ---- helpers -----------------------------------------------------------------------------------------------
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | null)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) { if (k === 'class') e.className = v; else e.setAttribute(k, v); }
  for (const c of children) if (c !== null) e.append(c);
  return e;
}
const cssVar = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
function colors() {
  return {
    fg: cssVar('--vscode-foreground', '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#999999'),
    bg: cssVar('--vscode-editor-background', '#1e1e1e'),
    grid: cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.25)'),
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}
/** Parse any CSS colour to rgb via a 1×1 canvas. */
const rgbCache = new Map<string, [number, number, number]>();
function rgbOf(color: string): [number, number, number] {
  const hit = rgbCache.get(color);
  if (hit) return hit;
  const c = document.createElement('canvas'); c.width = c.height = 1;
  const g = c.getContext('2d')!; g.fillStyle = '#000'; g.fillStyle = color; g.fillRect(0, 0, 1, 1);
  const d = g.getImageData(0, 0, 1, 1).data;
  const out: [number, number, number] = [d[0], d[1], d[2]];
  rgbCache.set(color, out);
  return out;
}
const withAlpha = (color: string, a: number) => { const [r, g, b] = rgbOf(color); return `rgba(${r},${g},${b},${a})`; };
const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(x >= 0.995 || x < 0.1 ? 0 : 1)}%`);
function dur(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  s = Math.round(s);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}
/** TensorBoard-style debiased exponential moving average. */
export function ema(values: (number | null)[], s: number): (number | null)[] {
  let acc = 0, w = 0;
  return values.map((v) => { if (v === null || !Number.isFinite(v)) return null; acc = s * acc + (1 - s) * v; w = s * w + (1 - s); return w > 0 ? acc / w : v; });
}
const post = (m: WebviewToHost) => vscode.postMessage(m);

// ---- layout ------------------------------------------------------------------------------------------------
const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
const tooltip = document.body.appendChild(el('div', { class: 'tooltip' }));
const overlay = document.body.appendChild(el('div', { class: 'overlay' }));
overlay.addEventListener('click', () => overlay.classList.remove('open'));

const charts: uPlot[] = [];
let sections: {
  header: HTMLElement; summary: HTMLElement; error: HTMLElement;
  loss: HTMLElement; acc: HTMLElement; readout: HTMLCanvasElement; readoutLegend: HTMLElement; pairs: HTMLElement;
  attnControls: HTMLElement; attnGrid: HTMLElement; scrubber: HTMLInputElement; stepLabel: HTMLElement; probeSelect: HTMLSelectElement;
} | null = null;

function buildRunLayout(): void {
  app.replaceChildren();
  charts.splice(0).forEach((c) => c.destroy());
  const header = el('div', { class: 'header' });
  const summary = el('div', { class: 'summary', id: 'summary' });
  const error = el('div', { class: 'error', id: 'error' });
  const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', value: String(model.smoothing), id: 'smoothing', 'aria-label': 'EMA smoothing' });
  const smoothingValue = el('span', {}, model.smoothing.toFixed(2));
  smoothing.addEventListener('input', () => { model.smoothing = Number(smoothing.value); smoothingValue.textContent = model.smoothing.toFixed(2); updateCharts(); });
  const loss = el('div', { class: 'chart', id: 'chart-loss' });
  const acc = el('div', { class: 'chart', id: 'chart-acc' });
  const readout = el('canvas', { id: 'readout' });
  const readoutLegend = el('div', { class: 'legend' });
  const pairs = el('div', { id: 'pairs' });
  const scrubber = el('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', id: 'scrubber', 'aria-label': 'attention snapshot' });
  const stepLabel = el('span', { id: 'step-label', class: 'muted' });
  const probeSelect = el('select', { id: 'probe' });
  scrubber.addEventListener('input', () => {
    const i = Number(scrubber.value);
    const step = model.attentionSteps[i];
    model.pinnedStep = i === model.attentionSteps.length - 1 ? null : step;
    showAttention(step);
  });
  probeSelect.addEventListener('change', () => { model.probe = Number(probeSelect.value); drawAttention(); });
  const attnControls = el('div', { class: 'attn-controls' }, el('label', {}, 'probe '), probeSelect, el('label', { for: 'scrubber' }, 'snapshot'), scrubber, stepLabel);
  const attnGrid = el('div', { class: 'attn-grid', id: 'attn-grid' });
  app.append(
    header, summary, error,
    el('div', { class: 'controls' }, el('label', { for: 'smoothing' }, 'EMA smoothing'), smoothing, smoothingValue),
    el('div', { class: 'row' }, loss, acc),
    el('div', { class: 'row' },
      el('div', { class: 'chart readout' }, el('h2', {}, 'Unseen pair readout'), readout, readoutLegend),
      el('div', {}, el('h2', {}, 'Test accuracy by anchor pair'), pairs)),
    el('h2', {}, 'Attention'), attnControls, attnGrid,
  );
  sections = { header, summary, error, loss, acc, readout, readoutLegend, pairs, attnControls, attnGrid, scrubber, stepLabel, probeSelect };
  createRunCharts();
}

const CHART_H = 190;
function chartWidth(container: HTMLElement): number { return Math.max(280, Math.floor(container.clientWidth || (window.innerWidth - 60) / 2)); }

function axes(c: ReturnType<typeof colors>, yLabel: string, fmt?: (v: number) => string): uPlot.Axis[] {
  const ax = { stroke: c.muted, grid: { stroke: withAlpha(c.grid, 0.5), width: 1 }, ticks: { stroke: withAlpha(c.grid, 0.5), width: 1 }, font: `11px ${c.font}` };
  return [{ ...ax, label: 'step', labelFont: `11px ${c.font}` }, { ...ax, label: yLabel, labelFont: `11px ${c.font}`, size: 54, ...(fmt ? { values: (_u: uPlot, vals: (number | null)[]) => vals.map((v) => (v === null || v === undefined ? "" : fmt(v))) } : {}) }];
}

function createRunCharts(): void {
  if (!sections) return;
  const c = colors();
  charts.splice(0).forEach((u) => u.destroy());
  sections.loss.replaceChildren();
  sections.acc.replaceChildren();
  const lossOpts: uPlot.Options = {
    title: 'Training loss (log)', width: chartWidth(sections.loss), height: CHART_H,
    scales: { x: { time: false }, y: { distr: 3 } },
    axes: axes(c, 'loss', (v) => (v >= 0.01 ? String(+v.toPrecision(2)) : v.toExponential(0))),
    series: [{ label: 'step' }, { label: 'loss (raw)', stroke: withAlpha(c.blue, 0.25), width: 1, spanGaps: true }, { label: 'loss', stroke: c.blue, width: 2, spanGaps: true }],
    legend: { show: false }, cursor: { drag: { x: true, y: false } },
  };
  const accOpts: uPlot.Options = {
    title: 'Accuracy', width: chartWidth(sections.acc), height: CHART_H, legend: { show: false },
    scales: { x: { time: false }, y: { range: [0, 1] } },
    axes: axes(c, 'accuracy', (v) => `${Math.round(v * 100)}%`),
    series: [{ label: 'step' },
      { label: 'train (raw)', stroke: withAlpha(c.purple, 0.25), width: 1 }, { label: 'train', stroke: c.purple, width: 2 },
      { label: 'seen test (raw)', stroke: withAlpha(c.blue, 0.25), width: 1 }, { label: 'seen test', stroke: c.blue, width: 2 },
      { label: 'unseen inferential (raw)', stroke: withAlpha(c.green, 0.25), width: 1 }, { label: 'unseen inferential', stroke: c.green, width: 2 },
      { label: 'unseen symmetric (raw)', stroke: withAlpha(c.orange, 0.25), width: 1 }, { label: 'unseen symmetric', stroke: c.orange, width: 2 }],
  };
  charts.push(new uPlot(lossOpts, lossData(), sections.loss), new uPlot(accOpts, accData(), sections.acc));
  const key = (items: [string, string][]) => el('div', { class: 'legend' }, ...items.map(([name, color]) => { const s = el('span', {}, name); s.style.setProperty('--c', color); return s; }));
  sections.loss.append(key([['loss (EMA; raw faint)', c.blue]]));
  sections.acc.append(key([['train', c.purple], ['seen test', c.blue], ['unseen inferential', c.green], ['unseen symmetric', c.orange]]));
  for (const u of charts) (u.root.querySelector('.u-title') as HTMLElement | null)?.style.setProperty('color', c.fg);
}

/** Charts draw at most this many points per series (EMA is computed on every point first). */
const MAX_CHART_POINTS = 1500;
function decimate(cols: (number | null)[][]): (number | null)[][] {
  const n = cols[0]?.length ?? 0;
  if (n <= MAX_CHART_POINTS) return cols;
  const stride = n / MAX_CHART_POINTS;
  const idx: number[] = [];
  for (let i = 0; i < MAX_CHART_POINTS - 1; i++) idx.push(Math.floor(i * stride));
  idx.push(n - 1);
  return cols.map((c) => idx.map((i) => c[i]));
}
function lossData(): uPlot.AlignedData {
  const m = model.metrics.filter((x) => x.loss !== null && x.loss > 0);
  const raw = m.map((x) => x.loss);
  return decimate([m.map((x) => x.step), raw, ema(raw, model.smoothing)]) as uPlot.AlignedData;
}
function accData(): uPlot.AlignedData {
  const m = model.metrics;
  const cols = [m.map((x) => x.trainAcc), m.map((x) => x.seenTestAcc), m.map((x) => x.unseen.inferential), m.map((x) => x.unseen.symmetric)];
  return decimate([m.map((x) => x.step), ...cols.flatMap((v) => [v, ema(v, model.smoothing)])]) as uPlot.AlignedData;
}
function updateCharts(): void {
  if (model.compare) { renderCompare(); return; }
  if (charts.length < 2) return;
  charts[0].setData(lossData());
  charts[1].setData(accData());
  stats.renders++;
}

// ---- summary, readout, pair grid ----------------------------------------------------------------------------
function renderHeader(): void {
  if (!sections || !model.run) return;
  const r = model.run;
  const last = model.metrics[model.metrics.length - 1];
  const sol = r.solution ?? last?.solution ?? null;
  const buttons: HTMLElement[] = [];
  const btn = (label: string, cmd: DashboardCommand, secondary = true) => {
    const b = el('vscode-button' as 'button', secondary ? { secondary: '' } : {}, label);
    b.dataset.command = cmd;
    b.addEventListener('click', () => post({ type: 'command', command: cmd }));
    buttons.push(b);
  };
  if (r.state === 'running' || r.state === 'starting') btn('■ Stop', 'stop', false); else btn('▶ Rerun', 'rerun');
  btn('Experiment file', 'openConfig');
  btn('Run folder', 'revealFolder');
  sections.header.replaceChildren(
    el('h1', {}, r.name), el('span', { class: `state ${r.state}`, id: 'state' }, r.state === 'lost' ? 'failed: process lost' : r.state),
    el('span', { class: `solution ${sol ?? ''}`, id: 'solution' }, sol ?? ''), el('span', { class: 'spacer' }), ...buttons);
  const cfg = r.config, p = r.progress, d = r.derived;
  const lossNow = p?.runningLoss ?? last?.loss ?? null;
  const items: [string, string, string?][] = [
    ['loss', lossNow === null ? '—' : lossNow.toPrecision(4), 'loss-value'],
    ['step', p ? `${p.step} / ${p.totalSteps}` : d ? `0 / ${d.totalSteps}` : '—', 'step-value'],
    ['epoch', p ? `${p.epoch} / ${p.epochs}` : cfg ? `0 / ${cfg.train.epochs}` : '—'],
    ['steps/s', p ? p.stepsPerSec.toFixed(1) : '—'],
    ['ETA', r.state === 'running' ? dur(p?.etaSec) : '—'],
    ['elapsed', dur(r.durationSec)],
    ['γ (init rate)', cfg ? String(cfg.model.gamma) : '—'],
    ['model', cfg ? `${cfg.model.layers}L × ${cfg.model.heads}H · d=${cfg.model.dModel}` : '—'],
    ['params', d ? d.paramCount.toLocaleString() : '—'],
    ['peak lr', d ? d.peakLr.toExponential(1) : '—'],
    ['batch', cfg ? String(cfg.train.batchSize) : '—'],
    ['backend', r.backend ?? '—'],
    ['seen test', pct(last?.seenTestAcc)],
    ['(4,3) inferential', pct(last?.unseen.inferential)],
  ];
  if (Object.keys(r.overrides).length) items.push(['overrides', Object.entries(r.overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')]);
  sections.summary.replaceChildren(...items.map(([k, v, id]) => el('div', {}, el('span', { class: 'k' }, k), el('span', id ? { class: 'v', id } : { class: 'v' }, v))));
  sections.error.style.display = r.error ? 'block' : 'none';
  sections.error.textContent = r.error ?? '';
}

function renderReadout(): void {
  if (!sections) return;
  const canvas = sections.readout;
  const c = colors();
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(300, canvas.clientWidth || 400), h = 110;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const all = model.metrics;
  // At most about one point per pixel column.
  const stride = Math.max(1, Math.ceil(all.length / w));
  const m = stride === 1 ? all : all.filter((_x, i) => i % stride === 0 || i === all.length - 1);
  const series: [string, string, (x: MetricsLine) => number][] = [
    ['inferential', c.green, (x) => x.unseen.inferential], ['symmetric', c.orange, (x) => x.unseen.symmetric], ['other', withAlpha(c.muted, 0.45), (x) => x.unseen.other],
  ];
  const pair = m[m.length - 1]?.unseen.pair ?? model.run?.config?.task.unseenPairs[0] ?? [4, 3];
  if (m.length) {
    const x0 = m[0].step, x1 = Math.max(m[m.length - 1].step, x0 + 1);
    const X = (s: number) => ((s - x0) / (x1 - x0)) * (w - 2) + 1;
    const bottoms = m.map(() => 0);
    for (const [, color, f] of series) {
      g.beginPath();
      m.forEach((x, i) => { const y = h - (bottoms[i] + f(x)) * h; if (i === 0) g.moveTo(X(x.step), y); else g.lineTo(X(x.step), y); });
      if (m.length === 1) g.lineTo(w - 1, h - (bottoms[0] + f(m[0])) * h);
      for (let i = m.length - 1; i >= 0; i--) g.lineTo(X(m[i].step), h - bottoms[i] * h);
      if (m.length === 1) { g.lineTo(w - 1, h - bottoms[0] * h); }
      g.closePath(); g.fillStyle = color; g.fill();
      m.forEach((x, i) => { bottoms[i] += f(x); });
    }
  } else {
    g.fillStyle = c.muted; g.font = `12px ${c.font}`; g.fillText('waiting for the first evaluation…', 8, h / 2);
  }
  const last = m[m.length - 1];
  sections.readoutLegend.replaceChildren(
    el('span', { class: 'muted' }, `pair (${pair.join(',')})`),
    ...series.map(([name, color, f]) => { const s = el('span', {}, `${name} ${last ? pct(f(last)) : ''}`); s.style.setProperty('--c', color); return s; }),
  );
}

function renderPairs(): void {
  if (!sections) return;
  const cfg = model.run?.config;
  const last = model.metrics[model.metrics.length - 1];
  const anchors = cfg ? Object.keys(cfg.task.anchors).map(Number).sort((a, b) => a - b) : [1, 2, 3, 4];
  const unseen = new Set((cfg?.task.unseenPairs ?? [[4, 3]]).map((p) => `${p[0]},${p[1]}`));
  const overridden = new Set((cfg?.task.pairOverrides ?? [{ pair: [3, 4] }]).map((o) => `${o.pair[0]},${o.pair[1]}`));
  const c = colors();
  const table = el('table', { class: 'pairs' });
  table.append(el('tr', {}, el('th', {}, 'a1 \\ a2'), ...anchors.map((a) => el('th', {}, String(a)))));
  for (const a1 of anchors) {
    const tr = el('tr', {}, el('th', {}, String(a1)));
    for (const a2 of anchors) {
      const k = `${a1},${a2}`;
      const td = el('td', { 'data-pair': k });
      if (unseen.has(k)) {
        const u = last?.unseenAll.find((x) => x.pair[0] === a1 && x.pair[1] === a2);
        td.className = 'unseen';
        td.append(u ? `${pct(u.inferential)}` : '—', el('small', {}, 'unseen · inf'));
        td.title = u ? `unseen pair (${k}): inferential ${pct(u.inferential)}, symmetric ${pct(u.symmetric)}, other ${pct(u.other)}` : `unseen pair (${k})`;
      } else {
        const v = last?.perPair[k];
        td.append(v === undefined ? '—' : pct(v));
        if (v !== undefined) td.style.background = withAlpha(c.blue, 0.1 + 0.6 * v);
        td.title = `pair (${k}) test accuracy ${pct(v)}${overridden.has(k) ? ' · overridden mapping' : ''}`;
      }
      if (overridden.has(k)) { td.classList.add('override'); td.append(el('small', {}, 'override')); }
      tr.append(td);
    }
    table.append(tr);
  }
  sections.pairs.replaceChildren(table, el('div', { class: 'muted' }, '★ override: non-inferential mapping; hatched: held out of training'));
}

// ---- attention ---------------------------------------------------------------------------------------------
const CELL = 15, LABEL = 24;
function roleColor(role: string, c: ReturnType<typeof colors>): string {
  return role === 'key' ? c.red : role === 'anchor' ? c.green : role === 'pad' ? withAlpha(c.muted, 0.5) : c.muted;
}

function drawHeatmap(canvas: HTMLCanvasElement, p: AttentionProbeData, layer: number, head: number, cell: number): void {
  const c = colors();
  const T = p.T;
  const size = LABEL + T * cell + 2;
  const dpr = window.devicePixelRatio || 1;
  canvas.width = size * dpr; canvas.height = size * dpr;
  canvas.style.width = `${size}px`; canvas.style.height = `${size}px`;
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = c.bg; g.fillRect(0, 0, size, size);
  const [r, gg, b] = rgbOf(c.blue);
  const [br, bg, bb] = rgbOf(c.bg);
  const off = (layer * p.heads + head) * T * T;
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const w = Math.sqrt(Math.max(0, Math.min(1, p.data[off + i * T + j]))); // sqrt: small weights stay visible
      g.fillStyle = `rgb(${Math.round(br + (r - br) * w)},${Math.round(bg + (gg - bg) * w)},${Math.round(bb + (b - bb) * w)})`;
      g.fillRect(LABEL + j * cell, LABEL + i * cell, cell - 1, cell - 1);
    }
  }
  g.font = `${Math.min(10, cell - 4)}px ${c.font}`; g.textAlign = 'center'; g.textBaseline = 'middle';
  for (let t = 0; t < T; t++) {
    g.fillStyle = roleColor(p.roles[t], c);
    g.fillText(String(p.tokens[t]), LABEL + t * cell + cell / 2, LABEL / 2);
    g.fillText(String(p.tokens[t]), LABEL / 2, LABEL + t * cell + cell / 2);
  }
  stats.heatmapDraws++;
}

function currentAttention(): AttentionData | undefined {
  const step = model.pinnedStep ?? model.attentionSteps[model.attentionSteps.length - 1];
  return step === undefined ? undefined : model.attention.get(step);
}

function showAttention(step: number | undefined): void {
  if (step === undefined) return;
  if (!model.attention.has(step)) { post({ type: 'requestAttention', step }); if (sections) sections.stepLabel.textContent = `step ${step} (loading…)`; return; }
  drawAttention();
}

function drawAttention(): void {
  if (!sections) return;
  const s = sections;
  const steps = model.attentionSteps;
  s.scrubber.max = String(Math.max(0, steps.length - 1));
  const idx = model.pinnedStep === null ? steps.length - 1 : steps.indexOf(model.pinnedStep);
  s.scrubber.value = String(Math.max(0, idx));
  s.scrubber.disabled = steps.length < 2;
  const a = currentAttention();
  if (!a) { s.attnGrid.dataset.shape = ''; s.attnGrid.replaceChildren(el('div', { class: 'muted' }, steps.length ? 'loading attention…' : 'no attention snapshot yet')); return; }
  const probes = a.probes;
  if (s.probeSelect.options.length !== probes.length) s.probeSelect.replaceChildren(...probes.map((p, i) => el('option', { value: String(i) }, p.label)));
  model.probe = Math.min(model.probe, probes.length - 1);
  s.probeSelect.value = String(model.probe);
  s.stepLabel.textContent = `step ${a.step} · epoch ${a.epoch}${model.pinnedStep === null ? ' (latest)' : ''} · ${idx + 1}/${steps.length}`;
  s.attnGrid.dataset.step = String(a.step);
  stats.shownStep = a.step;
  const p = probes[model.probe];
  if (!p) return;
  shownProbe = p;
  const shape = `${model.probe}:${p.layers}x${p.heads}x${p.T}`;
  // Same shape as what is on screen: redraw the existing canvases in place (no DOM churn while streaming).
  if (s.attnGrid.dataset.shape === shape) {
    s.attnGrid.querySelectorAll<HTMLCanvasElement>('canvas.heatmap').forEach((c) => drawHeatmap(c, p, Number(c.dataset.layer), Number(c.dataset.head), CELL));
    return;
  }
  s.attnGrid.dataset.shape = shape;
  s.attnGrid.style.gridTemplateColumns = `repeat(${p.heads}, max-content)`;
  const cells: HTMLElement[] = [];
  for (let l = 0; l < p.layers; l++) {
    for (let h = 0; h < p.heads; h++) {
      const canvas = el('canvas', { class: 'heatmap', 'data-layer': String(l), 'data-head': String(h) });
      drawHeatmap(canvas, p, l, h, CELL);
      attachHover(canvas, () => shownProbe, l, h, CELL);
      canvas.addEventListener('click', () => { if (shownProbe) enlarge(shownProbe, l, h); });
      cells.push(el('div', { class: 'attn-cell' }, el('span', { class: 't' }, `layer ${l + 1} · head ${h + 1}`), canvas));
    }
  }
  s.attnGrid.replaceChildren(...cells);
}
let shownProbe: AttentionProbeData | null = null;

function attachHover(canvas: HTMLCanvasElement, probe: () => AttentionProbeData | null, layer: number, head: number, cell: number): void {
  canvas.addEventListener('mousemove', (e) => {
    const p = probe();
    if (!p) return;
    const rect = canvas.getBoundingClientRect();
    const j = Math.floor((e.clientX - rect.left - LABEL) / cell), i = Math.floor((e.clientY - rect.top - LABEL) / cell);
    if (i < 0 || j < 0 || i >= p.T || j >= p.T) { tooltip.style.display = 'none'; return; }
    const w = p.data[(layer * p.heads + head) * p.T * p.T + i * p.T + j];
    tooltip.textContent = `L${layer + 1} H${head + 1} · query ${i} (${p.tokens[i]}, ${p.roles[i]}) → key ${j} (${p.tokens[j]}, ${p.roles[j]}): ${w.toFixed(4)}`;
    tooltip.style.display = 'block';
    tooltip.style.left = `${Math.min(e.clientX + 12, window.innerWidth - tooltip.offsetWidth - 4)}px`;
    tooltip.style.top = `${e.clientY + 14}px`;
  });
  canvas.addEventListener('mouseleave', () => { tooltip.style.display = 'none'; });
}

function enlarge(p: AttentionProbeData, layer: number, head: number): void {
  const cell = Math.max(20, Math.floor((Math.min(window.innerWidth, window.innerHeight) - 80 - LABEL) / p.T));
  const big = el('canvas', { class: 'heatmap-large' });
  drawHeatmap(big, p, layer, head, cell);
  attachHover(big, () => p, layer, head, cell);
  overlay.replaceChildren(big);
  overlay.classList.add('open');
}

// ---- compare mode ------------------------------------------------------------------------------------------
function palette(c: ReturnType<typeof colors>): string[] { return [c.blue, c.orange, c.green, c.purple, c.red, c.yellow]; }
function renderCompare(): void {
  const cmp = model.compare;
  if (!cmp) return;
  const c = colors();
  charts.splice(0).forEach((u) => u.destroy());
  const pal = palette(c);
  const steps = [...new Set(cmp.runs.flatMap((r) => r.steps))].sort((a, b) => a - b);
  const align = (r: CompareSeries, vals: (number | null)[]) => { const m = new Map(r.steps.map((s, i) => [s, vals[i]])); return steps.map((s) => m.get(s) ?? null); };
  const lossBox = el('div', { class: 'chart', id: 'chart-loss' }), readBox = el('div', { class: 'chart', id: 'chart-unseen' });
  const legend = el('div', { class: 'legend' }, ...cmp.runs.map((r, i) => { const s = el('span', {}, `${r.label} — ${r.state}${r.solution ? ` · ${r.solution}` : ''}`); s.style.setProperty('--c', pal[i % pal.length]); return s; }));
  app.replaceChildren(el('div', { class: 'header' }, el('h1', {}, `Compare ${cmp.runs.length} runs`), el('span', { class: 'muted' }, cmp.differing.length ? `differ in: ${cmp.differing.join(', ')}` : 'identical configs')), legend, el('div', { class: 'row' }, lossBox, readBox));
  const lossSeries: uPlot.Series[] = cmp.runs.map((r, i) => ({ label: r.label, stroke: pal[i % pal.length], width: 2, spanGaps: true }));
  const unseenSeries: uPlot.Series[] = cmp.runs.flatMap((r, i) => [
    { label: `${r.label} inferential`, stroke: pal[i % pal.length], width: 2, spanGaps: true },
    { label: `${r.label} symmetric`, stroke: pal[i % pal.length], width: 1.5, dash: [5, 4], spanGaps: true },
  ]);
  charts.push(
    new uPlot({ title: 'Training loss', width: chartWidth(lossBox), height: 260, scales: { x: { time: false }, y: { distr: 3 } }, axes: axes(c, 'loss'), series: [{ label: 'step' }, ...lossSeries] },
      [steps, ...cmp.runs.map((r) => align(r, r.loss.map((v) => (v !== null && v > 0 ? v : null))))] as uPlot.AlignedData, lossBox),
    new uPlot({ title: 'Unseen pair: inferential (solid) · symmetric (dashed)', width: chartWidth(readBox), height: 260, scales: { x: { time: false }, y: { range: [0, 1] } }, axes: axes(c, 'fraction', (v) => `${Math.round(v * 100)}%`), series: [{ label: 'step' }, ...unseenSeries] },
      [steps, ...cmp.runs.flatMap((r) => [align(r, r.inferential), align(r, r.symmetric)])] as uPlot.AlignedData, readBox),
  );
  stats.renders++;
}

// ---- messages ----------------------------------------------------------------------------------------------
function renderRunAll(): void {
  if (!sections) buildRunLayout();
  renderHeader();
  updateCharts();
  renderReadout();
  renderPairs();
  drawAttention();
}

function addAttention(a: AttentionData | null): void {
  if (!a) return;
  model.attention.set(a.step, a);
  // Keep memory bounded: the latest 200 snapshots.
  if (model.attention.size > 200) model.attention.delete(model.attention.keys().next().value as number);
}

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as HostToWebview;
  if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
  stats.messages++;
  switch (m.type) {
    case 'snapshot': {
      const switched = model.run?.id !== m.run.id;
      model.compare = null; model.empty = null;
      model.run = m.run; model.metrics = m.metrics; model.attentionSteps = m.attentionSteps;
      if (switched) { model.attention.clear(); model.pinnedStep = null; }
      addAttention(m.attention);
      if (!sections) buildRunLayout();
      renderRunAll();
      break;
    }
    case 'delta': {
      if (!model.run || model.run.id !== m.run.id) return;
      model.run = m.run;
      model.metrics = model.metrics.slice(0, m.metricsFrom).concat(m.metrics);
      model.attentionSteps = m.attentionSteps;
      addAttention(m.attention);
      renderHeader();
      if (m.metrics.length) { updateCharts(); renderReadout(); renderPairs(); }
      if (m.attention || model.pinnedStep === null) drawAttention();
      break;
    }
    case 'attention':
      addAttention(m.attention);
      if ((model.pinnedStep ?? model.attentionSteps[model.attentionSteps.length - 1]) === m.attention.step) drawAttention();
      break;
    case 'compare':
      sections = null; model.run = null; model.empty = null;
      model.compare = { runs: m.runs, differing: m.differing };
      renderCompare();
      break;
    case 'empty':
      sections = null; model.run = null; model.compare = null; model.empty = m.message;
      charts.splice(0).forEach((u) => u.destroy());
      app.replaceChildren(el('h1', {}, 'Anchor Lab'), el('p', { class: 'muted', id: 'empty' }, m.message));
      break;
  }
});

// ---- theme and size ----------------------------------------------------------------------------------------
function redrawAll(): void {
  rgbCache.clear();
  if (model.compare) renderCompare();
  else if (sections) { createRunCharts(); renderReadout(); renderPairs(); drawAttention(); }
  stats.themeRedraws++;
}
let redrawTimer: number | undefined;
new MutationObserver(() => { clearTimeout(redrawTimer); redrawTimer = window.setTimeout(redrawAll, 30); })
  .observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind', 'data-vscode-theme-id'] });
let resizeTimer: number | undefined;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    if (!sections) { if (model.compare) renderCompare(); return; }
    charts[0]?.setSize({ width: chartWidth(sections.loss), height: CHART_H });
    charts[1]?.setSize({ width: chartWidth(sections.acc), height: CHART_H });
    renderReadout();
  }, 100);
});
window.addEventListener('error', (e) => post({ type: 'log', level: 'error', message: `webview: ${e.message}` }));

post({ type: 'ready' });
