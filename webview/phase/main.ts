// The phase-diagram webview of a sweep: header, Fig-2 style heatmaps, the points table, parallel coordinates and
// exports. It talks to the extension only through src/protocol/phase.ts messages and reduces the points itself
// (reducePhaseDiagram), so axis choice, metric and reductions are local view state.
import './style.css';
import { reducePhaseDiagram, type PhaseDiagram } from '../../src/core/sweepReduce';
import type { HostToPhase, PhasePoint, PhaseSweepInfo, PhaseToHost } from '../../src/protocol/phase';
import { axisShortName, type PointState } from '../../src/protocol/sweepFiles';
import { readTheme, type Theme } from './colors';
import { cellPosition, describeCell } from './describe';
import { button, el, select } from './dom';
import { drawScene, sizeCanvas } from './draw';
import { toCsv, toJson } from './exporters';
import { fileStem, fmtVal } from './format';
import { renderHeader } from './header';
import { layoutFigure, type HitCell, type Scene } from './layout';
import { drawParcoords } from './parcoords';
import { rowOf, type Row } from './rows';
import { sceneToSvg } from './svg';
import { renderTable } from './table';
import { DEFAULT_VIEW, reductionsOf, resolveAxes, restoreView, roleOf, withOverEvals, withRole, type AxisRole, type FigureMetric, type ResolvedAxes, type RunMetric, type ViewState } from './view';

interface VsCodeApi { postMessage(m: PhaseToHost): void; setState(s: unknown): void; getState(): unknown }
declare function acquireVsCodeApi(): VsCodeApi;
const vscode: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m) => window.parent.postMessage(m, '*'), setState: () => {}, getState: () => undefined };
const post = (m: PhaseToHost) => vscode.postMessage(m);

// ---- state -------------------------------------------------------------------------------------------------
// The host may seed the panel state (e.g. the sweep id for its serializer) in data-panel-state; keep its keys and
// store our view beside them.
const asObject = (x: unknown) => (x && typeof x === 'object' ? x as Record<string, unknown> : {});
const seeded = asObject((() => { try { return JSON.parse(document.body.dataset.panelState ?? 'null') as unknown; } catch { return null; } })());
const stored = asObject(vscode.getState());
const saved: Record<string, unknown> = { ...stored, ...seeded };
if (stored.sweepId && seeded.sweepId && stored.sweepId !== seeded.sweepId) delete saved.view;
// Stored at once, so that the host's serializer can restore the panel even before the first snapshot.
vscode.setState(saved);
let view: ViewState = restoreView(saved.view);

interface Model { sweep: PhaseSweepInfo | null; points: PhasePoint[]; byIndex: Map<number, number>; byRun: Map<string, PhasePoint>; empty: string | null }
const model: Model = { sweep: null, points: [], byIndex: new Map(), byRun: new Map(), empty: null };
interface Derived { diagram: PhaseDiagram; axes: ResolvedAxes; scene: Scene; rows: Row[] }
let cur: Derived | null = null;
let theme: Theme = readTheme();

/** Counters and timings the browser tests read. */
const stats = { messages: 0, renders: 0, figureDraws: 0, themeRedraws: 0, lastRenderMs: 0, parts: {} as Record<string, number>, tableRows: 0, parcoords: { lines: 0, faint: 0 } };

function persist(): void {
  vscode.setState({ ...saved, ...(model.sweep ? { sweepId: model.sweep.sweepId } : {}), view });
}
function setView(patch: Partial<ViewState>, controls = true): void {
  view = { ...view, ...patch };
  persist();
  if (controls) renderControls();
  renderAll();
}

// ---- layout ------------------------------------------------------------------------------------------------
const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
const tooltip = document.body.appendChild(el('div', { class: 'tooltip', id: 'tooltip', role: 'tooltip' }));

interface Sections {
  header: HTMLElement; controls: HTMLElement; figure: HTMLElement; canvas: HTMLCanvasElement; cells: HTMLElement; titles: HTMLElement; caption: HTMLElement;
  exportStatus: HTMLElement; table: HTMLTableElement; tableCount: HTMLElement; parcoords: HTMLCanvasElement; pcBox: HTMLElement;
}
let ui: Sections | null = null;

function buildLayout(): Sections {
  const header = el('div', { class: 'header', id: 'header' });
  const controls = el('div', { class: 'controls', id: 'controls' });
  const canvas = el('canvas', { id: 'phase', 'aria-hidden': 'true' });
  const cells = el('div', { class: 'cells', id: 'cells', role: 'group', 'aria-label': 'phase-diagram cells' });
  const titles = el('div', { class: 'titles', id: 'axis-titles' });
  const figure = el('div', { class: 'figure', id: 'figure' }, canvas, titles, cells);
  // The canvas draws the caption (so exports carry it); this copy is for screen readers.
  const caption = el('p', { class: 'sr-only', id: 'caption' });
  const exportStatus = el('span', { class: 'muted', id: 'export-status' });
  const exportBar = el('div', { class: 'exports' }, el('span', { class: 'muted' }, 'Export'),
    button('export-csv', 'CSV', () => exportText('csv')), button('export-json', 'JSON', () => exportText('json')),
    button('export-png', 'PNG', exportPng), button('export-svg', 'SVG', () => exportText('svg')), exportStatus);
  const filter = el('input', { id: 'filter', type: 'search', placeholder: 'filter rows (e.g. γ=0.8 completed)', 'aria-label': 'filter rows' });
  filter.value = view.filter;
  filter.addEventListener('input', () => setView({ filter: filter.value }, false));
  const states: (PointState | 'all')[] = ['all', 'pending', 'running', 'completed', 'failed', 'cancelled', 'lost'];
  const stateSel = select('state-filter', 'state', states.map((s) => [s, s]), view.stateFilter, (v) => setView({ stateFilter: v as ViewState['stateFilter'] }, false));
  const tableCount = el('span', { class: 'muted', id: 'table-count' });
  const table = el('table', { class: 'points', id: 'points' });
  const parcoords = el('canvas', { id: 'parcoords', role: 'img', 'aria-label': 'parallel coordinates of the sweep points' });
  const pcSel = select('pc-metric', 'colour by', [['inferential', 'inferential'], ['symmetric', 'symmetric'], ['seen', 'seen-pair test']], view.pcMetric, (v) => setView({ pcMetric: v as RunMetric }, false));
  const pcBox = el('div', { class: 'pc' }, parcoords);
  app.replaceChildren(
    header, controls, figure, caption, exportBar,
    el('h2', {}, 'Points'), el('div', { class: 'controls' }, filter, stateSel, tableCount), el('div', { class: 'table-wrap' }, table),
    el('h2', {}, 'Parallel coordinates'), el('div', { class: 'controls' }, pcSel), pcBox,
  );
  return { header, controls, figure, canvas, cells, titles, caption, exportStatus, table, tableCount, parcoords, pcBox };
}

// ---- controls ----------------------------------------------------------------------------------------------
function renderControls(): void {
  if (!ui || !model.sweep) return;
  const s = model.sweep;
  const r = reductionsOf(view, s);
  const metric = select('metric', 'metric', [['pair', 'inferential | symmetric'], ['inferential', 'inferential'], ['symmetric', 'symmetric'], ['seen', 'seen-pair test accuracy'], ['solution', 'solution label']],
    view.metric, (v) => setView({ metric: v as FigureMetric }));
  const over = select('over-evals', 'per run', [['max', 'max over evaluations'], ['final', 'final evaluation']], r.overEvals, (v) => setView({ reductions: withOverEvals(r, v as 'max' | 'final') }));
  const roles = s.axes.map((a) => select(`role-${a.path}`, axisShortName(a.path), [['keep', 'axis'], ['max', 'max over'], ['mean', 'mean over']], roleOf(a.path, r),
    (v) => setView({ reductions: withRole(r, a.path, v as AxisRole) }), a.path));
  const remaining = s.axes.filter((a) => roleOf(a.path, r) === 'keep');
  const axes = resolveAxes(remaining, view);
  const axisOpt = (p: string): [string, string] => [p, `${axisShortName(p)} (${p})`];
  const placement: HTMLElement[] = [];
  if (axes.x) placement.push(select('x-axis', 'x', remaining.map((a) => axisOpt(a.path)), axes.x.path, (v) => setView({ x: v, y: v === axes.y?.path ? axes.x!.path : (axes.y?.path ?? null) })));
  if (axes.y) placement.push(select('y-axis', 'y', remaining.filter((a) => a.path !== axes.x?.path).map((a) => axisOpt(a.path)), axes.y.path, (v) => setView({ y: v })));
  for (const sl of axes.slices) {
    placement.push(select(`slice-${sl.axis.path}`, axisShortName(sl.axis.path), sl.axis.values.map((v, i) => [String(i), fmtVal(v)]), String(sl.index),
      (v) => setView({ slice: { ...view.slice, [sl.axis.path]: Number(v) } }), sl.axis.path));
  }
  const reset = view.reductions ? [button('reset-reductions', 'Sweep defaults', () => setView({ reductions: null }))] : [];
  ui.controls.replaceChildren(
    el('div', { class: 'group' }, metric, over),
    el('div', { class: 'group', id: 'reductions' }, ...roles, ...reset),
    el('div', { class: 'group', id: 'placement' }, ...placement),
  );
}

// ---- rendering ---------------------------------------------------------------------------------------------
function derive(): Derived | null {
  const s = model.sweep;
  if (!s || !ui) return null;
  const r = reductionsOf(view, s);
  const diagram = reducePhaseDiagram(s.axes, model.points, r);
  const axes = resolveAxes(diagram.axes, view);
  const width = Math.max(320, widths.figure || window.innerWidth - 40);
  const scene = layoutFigure({ diagram, axes, metric: view.metric, pairLabel: s.pairLabel, width });
  return { diagram, axes, scene, rows: model.points.map((p) => rowOf(p, r.overEvals)) };
}

function drawFigure(): void {
  if (!ui || !cur) return;
  const { scene } = cur;
  const dpr = window.devicePixelRatio || 1;
  const c = ui.canvas;
  sizeCanvas(c, scene.width, scene.height, dpr);
  drawScene(c.getContext('2d')!, scene, theme, dpr, false);
  stats.figureDraws++;
}

/** One focusable button per drawn cell over the canvas: hover, click, keyboard and the tests all go through it. */
function renderCellButtons(): void {
  if (!ui || !cur) return;
  const box = ui.cells;
  const hits = cur.scene.cells;
  while (box.children.length > hits.length) box.lastElementChild!.remove();
  while (box.children.length < hits.length) {
    const b = el('button', { type: 'button', class: 'cell' });
    b.addEventListener('mouseenter', (e) => showTip(b, e.clientX, e.clientY));
    b.addEventListener('mousemove', (e) => placeTip(e.clientX, e.clientY));
    b.addEventListener('mouseleave', hideTip);
    b.addEventListener('focus', () => { const r = b.getBoundingClientRect(); showTip(b, r.right, r.bottom); });
    b.addEventListener('blur', hideTip);
    b.addEventListener('click', () => openCell(Number(b.dataset.hit)));
    box.append(b);
  }
  hits.forEach((h, i) => {
    const b = box.children[i] as HTMLButtonElement;
    b.style.left = `${h.x}px`; b.style.top = `${h.y}px`; b.style.width = `${h.w}px`; b.style.height = `${h.h}px`;
    b.dataset.hit = String(i);
    b.dataset.panel = String(h.panel);
    b.dataset.metric = h.metric;
    b.dataset.xi = String(h.xi);
    b.dataset.yi = String(h.yi);
    b.dataset.value = h.value === null ? '' : String(h.value);
    b.dataset.shadow = String(h.cell.shadow);
    b.dataset.partial = String(h.cell.partial);
    b.dataset.runs = String(h.cell.runIds.length);
    b.classList.toggle('partial', h.cell.partial);
    b.classList.toggle('shadow', h.cell.shadow);
    b.classList.toggle('nodata', h.value === null);
    const value = h.value === null ? 'no data' : typeof h.value === 'number' ? `${(h.value * 100).toFixed(1)}%` : h.value;
    b.setAttribute('aria-label', `${h.metric} ${cellPosition(h)}: ${value}${h.cell.partial ? ', partial' : ''}${h.cell.shadow ? ', shadow' : ''}, ${h.cell.runIds.length} run(s)`);
    if (tipFor === b) tooltip.textContent = tipText(h);
  });
}

/** Axis names are drawn short (γ, L); their full paths show as hover titles over the canvas. */
function renderTitles(): void {
  if (!ui || !cur) return;
  ui.titles.replaceChildren(...cur.scene.titled.map((t) => {
    const s = el('span', { class: 'axis-title', title: t.title, 'aria-label': `${t.text}: ${t.title}` });
    s.style.left = `${t.x}px`; s.style.top = `${t.y}px`; s.style.width = `${t.w}px`; s.style.height = `${t.h}px`;
    return s;
  }));
}

let tipFor: HTMLElement | null = null;
const tipText = (h: HitCell) => describeCell(h, model.sweep?.pairLabel ?? '', model.byRun).join('\n');
function showTip(b: HTMLButtonElement, x: number, y: number): void {
  const h = cur?.scene.cells[Number(b.dataset.hit)];
  if (!h) return;
  tipFor = b;
  tooltip.textContent = tipText(h);
  tooltip.classList.add('open');
  placeTip(x, y);
}
function placeTip(x: number, y: number): void {
  tooltip.style.left = `${Math.max(4, Math.min(x + 12, window.innerWidth - tooltip.offsetWidth - 4))}px`;
  tooltip.style.top = `${Math.max(4, y + 14 + tooltip.offsetHeight > window.innerHeight ? y - tooltip.offsetHeight - 8 : y + 14)}px`;
}
function hideTip(): void { tipFor = null; tooltip.classList.remove('open'); }

function openCell(i: number): void {
  const h = cur?.scene.cells[i];
  if (!h) return;
  const ids = h.cell.runIds;
  if (ids.length === 1) post({ type: 'openRun', runId: ids[0] });
  else if (ids.length > 1) post({ type: 'openRuns', runIds: [...ids], title: `${model.sweep?.name ?? 'sweep'}: ${cellPosition(h)}` });
}

function renderTablePart(): void {
  if (!ui || !cur || !model.sweep) return;
  const n = renderTable(ui.table, cur.rows, model.sweep.axes, view, (key) => setView({ sortKey: key, sortDir: view.sortKey === key ? (view.sortDir === 1 ? -1 : 1) : 1 }, false), (runId) => post({ type: 'openRun', runId }));
  stats.tableRows = n;
  ui.tableCount.textContent = `${n} of ${cur.rows.length} points`;
}

function renderParcoords(): void {
  if (!ui || !cur || !model.sweep) return;
  stats.parcoords = drawParcoords(ui.parcoords, model.sweep.axes, cur.rows, view.pcMetric, theme, widths.pc || window.innerWidth - 40);
}

/** Container widths, read before any DOM write of a render: reading them after the table is rebuilt would force a
 *  synchronous layout of the whole page (the bulk of a render's time). */
const widths = { figure: 0, pc: 0 };
function measure(): void {
  if (!ui) return;
  widths.figure = ui.figure.clientWidth;
  widths.pc = ui.pcBox.clientWidth;
}

function renderAll(): void {
  if (!ui || !model.sweep) return;
  const t0 = performance.now();
  measure();
  const parts: Record<string, number> = {};
  let t = t0;
  const lap = (k: string) => { const n = performance.now(); parts[k] = n - t; t = n; };
  renderHeader(ui.header, model.sweep, () => post({ type: 'cancelSweep' }), () => post({ type: 'resumeSweep' })); lap('header');
  cur = derive(); lap('derive');
  drawFigure(); lap('figure');
  renderCellButtons(); renderTitles(); lap('buttons');
  if (cur) ui.caption.textContent = cur.scene.caption;
  renderTablePart(); lap('table');
  renderParcoords(); lap('parcoords');
  stats.lastRenderMs = performance.now() - t0;
  stats.parts = parts;
  stats.renders++;
}

// ---- exports -----------------------------------------------------------------------------------------------
const stem = () => fileStem(model.sweep?.name ?? 'sweep');
function exportText(format: 'csv' | 'json' | 'svg'): void {
  if (!cur || !model.sweep) return;
  const data = format === 'csv' ? toCsv(cur.rows, model.sweep.axes)
    : format === 'json' ? toJson(model.sweep, cur.rows, cur.diagram, reductionsOf(view, model.sweep))
      : sceneToSvg(cur.scene, theme);
  post({ type: 'export', format, suggestedName: `${stem()}-${format === 'csv' ? 'points' : 'phase'}.${format}`, data });
}
function exportPng(): void {
  if (!cur) return;
  const { scene } = cur;
  const c = document.createElement('canvas');
  c.width = scene.width * 2; c.height = scene.height * 2;
  drawScene(c.getContext('2d')!, scene, theme, 2, true);
  post({ type: 'export', format: 'png', suggestedName: `${stem()}-phase.png`, data: c.toDataURL('image/png') });
}

// ---- messages ----------------------------------------------------------------------------------------------
function setPoints(points: PhasePoint[]): void {
  model.points = [...points];
  model.byIndex = new Map(model.points.map((p, i) => [p.index, i]));
  model.byRun = new Map(model.points.map((p) => [p.runId, p]));
}
function mergePoints(points: PhasePoint[]): void {
  for (const p of points) {
    const i = model.byIndex.get(p.index);
    if (i === undefined) { model.byIndex.set(p.index, model.points.length); model.points.push(p); }
    else { model.byRun.delete(model.points[i].runId); model.points[i] = p; }
    model.byRun.set(p.runId, p);
  }
}
const axesKey = (s: PhaseSweepInfo | null) => (s ? JSON.stringify([s.axes, s.maxOver, s.meanOver, s.overEvals]) : '');

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as HostToPhase;
  if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
  stats.messages++;
  switch (m.type) {
    case 'snapshot': {
      // A view saved for another sweep names axes this one may not have.
      const prevId = model.sweep?.sweepId ?? (typeof saved.sweepId === 'string' ? saved.sweepId : null);
      if (prevId !== null && prevId !== m.sweep.sweepId) view = { ...DEFAULT_VIEW };
      model.sweep = m.sweep; model.empty = null;
      setPoints(m.points);
      if (!ui) ui = buildLayout();
      persist();
      renderControls();
      renderAll();
      break;
    }
    case 'delta': {
      if (!model.sweep || !ui || model.sweep.sweepId !== m.sweep.sweepId) return;
      const changed = axesKey(model.sweep) !== axesKey(m.sweep);
      model.sweep = m.sweep;
      mergePoints(m.points);
      if (changed) renderControls();
      renderAll();
      break;
    }
    case 'empty':
      ui = null; cur = null; model.sweep = null; model.empty = m.message; hideTip();
      app.replaceChildren(el('h1', {}, 'Phase diagram'), el('p', { class: 'muted', id: 'empty' }, m.message));
      break;
    case 'exported':
      if (ui) ui.exportStatus.textContent = m.path ? `${m.format.toUpperCase()} saved to ${m.path}` : `${m.format.toUpperCase()} export cancelled`;
      break;
  }
});

// ---- theme and size ----------------------------------------------------------------------------------------
function redraw(): void {
  if (!ui || !model.sweep) return;
  measure();
  cur = derive();
  drawFigure();
  renderCellButtons();
  renderTitles();
  renderParcoords();
}
let themeTimer: number | undefined;
new MutationObserver(() => {
  clearTimeout(themeTimer);
  themeTimer = window.setTimeout(() => { theme = readTheme(); redraw(); stats.themeRedraws++; }, 30);
}).observe(document.body, { attributes: true, attributeFilter: ['class', 'style', 'data-vscode-theme-kind', 'data-vscode-theme-id'] });
let resizeTimer: number | undefined;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = window.setTimeout(redraw, 100); });

(window as unknown as { __phaseTest: unknown }).__phaseTest = {
  stats,
  view: () => view,
  theme: () => theme,
  caption: () => cur?.scene.caption ?? null,
  /** What the figure draws, from the same scene the canvas was painted from. */
  cells: () => (cur?.scene.cells ?? []).map((h) => ({
    panel: h.panel, metric: h.metric, xi: h.xi, yi: h.yi, values: h.cell.values, value: h.value, fill: h.fill, text: h.text,
    mean: h.metric === 'solution' ? null : h.cell[h.metric]?.mean ?? null, std: h.metric === 'solution' ? null : h.cell[h.metric]?.std ?? null,
    n: h.metric === 'solution' ? h.cell.nWithData : h.cell[h.metric]?.n ?? 0,
    seen: h.cell.seen?.mean ?? null, shadow: h.cell.shadow, partial: h.cell.partial, solution: h.cell.solution, runIds: [...h.cell.runIds],
    rect: { x: h.x, y: h.y, w: h.w, h: h.h },
  })),
};

post({ type: 'ready' });
