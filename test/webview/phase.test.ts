// The phase-diagram webview in real Chromium: the built bundle (dist/phase.js/.css), the extension's real page and
// CSP, and a scripted host posting protocol messages for a synthetic sweep γ × L × m × seed with hand-chosen
// evaluations. Expected cell values are computed here independently of src/core/sweepReduce.ts.
import * as assert from 'node:assert/strict';
import type { PhasePoint, PhaseSweepInfo, HostToPhase, PhaseToHost } from '../../src/protocol/phase';
import type { PointState, SweepAxis } from '../../src/protocol/sweepFiles';
import type { EvalPoint } from '../../src/core/sweepReduce';
import { openWebviewPage, type WebviewPage } from './pageHarness';

const GAMMAS = [0.5, 0.8, 1.0], LAYERS = [2, 3], LRS = [1, 10], SEEDS = [1, 2];
const AXES: SweepAxis[] = [
  { path: 'model.gamma', values: GAMMAS }, { path: 'model.layers', values: LAYERS },
  { path: 'train.lrMultiplier', values: LRS }, { path: 'train.seed', values: SEEDS },
];
const SWEEP_ID = 'sw-test';
const runId = (i: number, sweep = SWEEP_ID) => `${sweep}-p${String(i).padStart(3, '0')}`;
const BASE: Record<number, number> = { 0.5: 0.9, 0.8: 0.6, 1.0: 0.1 };

/** A run's peak accuracies: γ decides inferential vs symmetric; depth, lr and seed nudge them. */
function peak(g: number, l: number, lr: number, s: number) {
  const inferential = BASE[g] + (l === 3 ? 0.05 : 0) + (lr === 10 ? 0.02 : 0) - (s === 2 ? 0.04 : 0);
  return { inferential, symmetric: 0.95 - inferential, seen: (g === 1.0 && l === 2 ? 0.8 : 0.97) - (s === 2 ? 0.01 : 0) };
}
/** Three evaluations peaking in the middle: max over evals = peak, final = 0.9 × peak. */
function evalsOf(g: number, l: number, lr: number, s: number, upTo = 3): EvalPoint[] {
  const p = peak(g, l, lr, s);
  return [0.5, 1, 0.9].slice(0, upTo).map((f) => {
    const e = { inferential: p.inferential * f, symmetric: p.symmetric * f, seen: p.seen * f };
    return { ...e, solution: e.inferential > 0.5 ? 'inferential' as const : e.symmetric > 0.5 ? 'symmetric' as const : 'other' as const };
  });
}
function point(i: number, state: PointState, upTo = 3): PhasePoint {
  const s = SEEDS[i % 2], lr = LRS[Math.floor(i / 2) % 2], l = LAYERS[Math.floor(i / 4) % 2], g = GAMMAS[Math.floor(i / 8)];
  const evals = state === 'pending' ? [] : evalsOf(g, l, lr, s, state === 'running' ? upTo : 3);
  return {
    index: i, values: { 'model.gamma': g, 'model.layers': l, 'train.lrMultiplier': lr, 'train.seed': s }, state, runId: runId(i), evals,
    solution: evals.length ? evals[evals.length - 1].solution! : null, progress: state === 'completed' ? 1 : evals.length / 3,
    durationSec: state === 'completed' ? 40 + i : null, error: null,
  };
}
function info(points: PhasePoint[], patch: Partial<PhaseSweepInfo> = {}): PhaseSweepInfo {
  const counts: Record<PointState, number> = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, lost: 0 };
  for (const p of points) counts[p.state]++;
  return {
    sweepId: SWEEP_ID, name: 'gamma depth', experimentFile: '/ws/gd.experiment.json', axes: AXES, maxOver: ['train.lrMultiplier'], meanOver: ['train.seed'],
    overEvals: 'max', executor: 'local', total: points.length, counts, active: true, etaSec: 125, pairLabel: '(4,3)', ...patch,
  };
}

/** Independent reduction: per seed the max over lr of each run's max over evals, then mean ± population std. */
function expected(points: PhasePoint[], g: number, l: number, metric: 'inferential' | 'symmetric' | 'seen') {
  const perSeed: number[] = [];
  for (const s of SEEDS) {
    const vals = points.filter((p) => p.values['model.gamma'] === g && p.values['model.layers'] === l && p.values['train.seed'] === s && p.evals.length)
      .map((p) => Math.max(...p.evals.map((e) => e[metric])));
    if (vals.length) perSeed.push(Math.max(...vals));
  }
  if (!perSeed.length) return null;
  const mean = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
  return { mean, std: Math.sqrt(perSeed.reduce((a, b) => a + (b - mean) ** 2, 0) / perSeed.length), n: perSeed.length };
}

interface DrawnCell { panel: number; metric: string; xi: number; yi: number; values: Record<string, unknown>; value: number | string | null; fill: string | null; mean: number | null; std: number | null; n: number; shadow: boolean; partial: boolean; runIds: string[] }
interface Stats { messages: number; renders: number; figureDraws: number; themeRedraws: number; lastRenderMs: number; tableRows: number; parcoords: { lines: number; faint: number } }

describe('phase-diagram webview in Chromium (scripted host)', function () {
  this.timeout(120_000);
  let w: WebviewPage;
  // Snapshot: γ=1.0 not started, one γ=0.8 L=3 point running with its first evaluation only.
  const RUNNING = 15; // γ=0.8, L=3, m=10, seed=2: the best m of its seed once done
  let points = Array.from({ length: 24 }, (_x, i) => point(i, i >= 16 ? 'pending' : i === RUNNING ? 'running' : 'completed', 1));

  before(async () => { w = await openWebviewPage({ script: 'dist/phase.js', style: 'dist/phase.css', state: { sweepId: SWEEP_ID } }); });
  after(async () => { await w?.close(); });

  const send = (m: HostToPhase) => w.send(m);
  const posted = async () => (await w.posted()) as PhaseToHost[];
  const cells = () => w.page.evaluate(() => (window as unknown as { __phaseTest: { cells(): unknown[] } }).__phaseTest.cells()) as Promise<DrawnCell[]>;
  const stats = () => w.page.evaluate(() => (window as unknown as { __phaseTest: { stats: unknown } }).__phaseTest.stats) as Promise<Stats>;
  const waitStat = (key: keyof Stats, above: number) => w.page.waitForFunction(([k, v]) => ((window as unknown as { __phaseTest: { stats: Record<string, number> } }).__phaseTest.stats[k as string]) > (v as number), [key, above] as const, { timeout: 10_000 });
  const cellAt = (list: DrawnCell[], panel: number, g: number, l: number) => list.find((c) => c.panel === panel && c.values['model.gamma'] === g && c.values['model.layers'] === l)!;
  const btn = (panel: number, g: number, l: number) => w.page.locator(`button.cell[data-panel="${panel}"][data-xi="${GAMMAS.indexOf(g)}"][data-yi="${LAYERS.indexOf(l)}"]`);
  const newPosts = async (n0: number) => (await posted()).slice(n0);
  const sendAndWait = async (m: HostToPhase) => { const r0 = (await stats()).renders; await send(m); await waitStat('renders', r0); };
  const canvasHash = (sel: string) => w.page.evaluate((s) => {
    const c = document.querySelector(s) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0, drawn = 0;
    for (let i = 0; i < d.length; i += 4) { h = (h * 31 + d[i] * 7 + d[i + 1] * 3 + d[i + 2] + d[i + 3]) >>> 0; if (d[i + 3]) drawn++; }
    return { h, drawn };
  }, sel);
  const assertCellsMatch = (drawn: DrawnCell[]) => {
    for (const c of drawn) {
      if (c.metric === 'solution') continue;
      const e = expected(points, c.values['model.gamma'] as number, c.values['model.layers'] as number, c.metric as 'inferential' | 'symmetric' | 'seen');
      if (!e) { assert.equal(c.mean, null, `no data at ${JSON.stringify(c.values)}`); assert.equal(c.fill, null); continue; }
      assert.ok(Math.abs(c.mean! - e.mean) < 1e-9 && Math.abs(c.std! - e.std) < 1e-9 && c.n === e.n, `${c.metric} ${JSON.stringify(c.values)}: drawn ${c.mean}±${c.std} n${c.n}, expected ${e.mean}±${e.std} n${e.n}`);
    }
  };

  it('posts ready first', async () => {
    await w.page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
    assert.deepEqual((await posted())[0], { type: 'ready' });
    assert.deepEqual(await w.page.evaluate(() => (window as unknown as { __state: unknown }).__state), { sweepId: SWEEP_ID }, 'the host\'s panel state is kept for its serializer');
  });

  it('(a) snapshot: two panels, hand-computed cells, partial cells marked, header and caption', async () => {
    await sendAndWait({ type: 'snapshot', sweep: info(points), points });
    const drawn = await cells();
    assert.equal(drawn.length, 12, '3 γ × 2 L cells in each of the two panels');
    assert.deepEqual([...new Set(drawn.map((c) => c.metric))], ['inferential', 'symmetric']);
    assert.equal(drawn.filter((c) => c.panel === 0 && c.value !== null).length, 4, 'γ=1.0 has no data yet');
    assertCellsMatch(drawn);
    // By hand: γ=0.5 L=2: seed 1 max(0.90, 0.92) = 0.92, seed 2 max(0.86, 0.88) = 0.88 → 0.90 ± 0.02;
    // symmetric is maximised separately (at m=1): 0.05 and 0.09 → 0.07 ± 0.02.
    const inf = cellAt(drawn, 0, 0.5, 2), sym = cellAt(drawn, 1, 0.5, 2);
    assert.ok(Math.abs(inf.mean! - 0.9) < 1e-9 && Math.abs(inf.std! - 0.02) < 1e-9 && inf.n === 2);
    assert.ok(Math.abs(sym.mean! - 0.07) < 1e-9 && Math.abs(sym.std! - 0.02) < 1e-9);
    const partial = drawn.filter((c) => c.panel === 0 && c.partial).map((c) => `${c.values['model.gamma']}/${c.values['model.layers']}`).sort();
    assert.deepEqual(partial, ['0.8/3', '1/2', '1/3']);
    assert.equal(await w.page.locator('button.cell.partial').count(), 6);
    assert.equal(await w.page.locator('button.cell.nodata').count(), 4);
    assert.ok(cellAt(drawn, 0, 0.8, 3).mean! > 0, 'a partial cell draws its partial values');
    const fig = await canvasHash('#phase');
    assert.ok(fig.drawn > 5000, 'the figure is painted');
    assert.match(await w.page.locator('#caption').innerText(), /^max over m · mean over seed \(n\) · max over evaluations$/);
    assert.equal(await w.page.locator('#progress').innerText(), '15/24 done');
    assert.match(await w.page.locator('#counts').innerText(), /1 running · 8 pending/);
    assert.equal(await w.page.locator('#eta').innerText(), 'ETA 2m05s');
    assert.equal(await w.page.locator('#sweep-name').innerText(), 'gamma depth');
    assert.equal(await w.page.locator('#resume-sweep').count(), 0);
    const s = await stats();
    assert.deepEqual(s.parcoords, { lines: 16, faint: 8 }, 'one polyline per point with data; the pending ones faint');
    assert.equal(s.tableRows, 24);
    const st = await w.page.evaluate(() => (window as unknown as { __state: { sweepId: string; view: { metric: string } } }).__state);
    assert.equal(st.sweepId, SWEEP_ID);
    assert.equal(st.view.metric, 'pair');
  });

  it('(c) hover shows the value ± std, n, seen pair, solutions and the runs', async () => {
    await btn(0, 0.5, 2).hover();
    const tip = w.page.locator('#tooltip');
    await tip.waitFor({ state: 'visible' });
    const text = await tip.innerText();
    assert.match(text, /γ=0\.5 · L=2/);
    assert.match(text, /\(4,3\) inferential accuracy: 90\.0% ± 2\.0% \(n=2\)/);
    assert.match(text, /seen-pair test accuracy: 96\.5% ± 0\.5% \(n=2\)/);
    assert.match(text, /solutions: inferential 4/);
    assert.match(text, /runs \(4\):/);
    assert.match(text, new RegExp(`${runId(0)} .*completed`));
    await btn(0, 0.8, 3).hover();
    assert.match(await tip.innerText(), /partial: a point is still pending or running[\s\S]*running/);
    await w.page.mouse.move(2, 2);
    await tip.waitFor({ state: 'hidden' });
  });

  it('(b, f) deltas fill the cells, update values and mark the shadow', async () => {
    const before = cellAt(await cells(), 0, 0.8, 3).mean!;
    const hash0 = (await canvasHash('#phase')).h;
    // γ=1.0 L=2 completes (seen-pair accuracy 80%: shadow).
    points = points.map((p) => (p.index >= 16 && p.index < 20 ? point(p.index, 'completed') : p));
    await sendAndWait({ type: 'delta', sweep: info(points), points: points.slice(16, 20) });
    let drawn = await cells();
    assert.equal(drawn.filter((c) => c.panel === 0 && c.value !== null).length, 5);
    assertCellsMatch(drawn);
    assert.notEqual((await canvasHash('#phase')).h, hash0);
    const shadowed = drawn.filter((c) => c.shadow).map((c) => `${c.panel}:${c.values['model.gamma']}/${c.values['model.layers']}`);
    assert.deepEqual(shadowed, ['0:1/2', '1:1/2'], 'seen 79.5% < 90%: shadow in both panels');
    assert.equal(await w.page.locator('button.cell.shadow').count(), 2);
    await btn(1, 1.0, 2).hover();
    assert.match(await w.page.locator('#tooltip').innerText(), /shadow: seen-pair test accuracy < 90%/);
    // The rest completes, including the running point: its cell's value changes and nothing is partial any more.
    points = points.map((p) => (p.index >= 20 || p.index === RUNNING ? point(p.index, 'completed') : p));
    await sendAndWait({ type: 'delta', sweep: info(points), points: points.filter((p) => p.index >= 20 || p.index === RUNNING) });
    drawn = await cells();
    assert.equal(drawn.filter((c) => c.value !== null).length, 12);
    assert.equal(drawn.filter((c) => c.partial).length, 0);
    assertCellsMatch(drawn);
    const after = cellAt(drawn, 0, 0.8, 3).mean!;
    assert.ok(Math.abs(before - 0.64) < 1e-9 && Math.abs(after - 0.65) < 1e-9, `γ=0.8 L=3 inferential ${before} → ${after}`);
    assert.equal(await w.page.locator('#progress').innerText(), '24/24 done');
    assert.deepEqual((await stats()).parcoords, { lines: 24, faint: 0 });
  });

  it('(d) click: a multi-seed cell opens its runs; with seed and m kept as axes a cell opens its one run', async () => {
    let n0 = (await posted()).length;
    await btn(0, 0.5, 2).click();
    const [m] = await newPosts(n0);
    assert.equal(m.type, 'openRuns');
    assert.deepEqual((m as { runIds: string[] }).runIds.slice().sort(), [0, 1, 2, 3].map((i) => runId(i)));
    assert.match((m as { title: string }).title, /γ=0\.5 · L=2/);
    // Keyboard: focus and Enter.
    n0 = (await posted()).length;
    await btn(1, 1.0, 3).focus();
    await w.page.keyboard.press('Enter');
    assert.deepEqual(((await newPosts(n0))[0] as { runIds: string[] }).runIds.slice().sort(), [20, 21, 22, 23].map((i) => runId(i)));
    // Keep every axis: m and seed become slice selectors; each cell is one run.
    await w.page.locator('[id="role-train.seed"]').selectOption('keep');
    await w.page.locator('[id="role-train.lrMultiplier"]').selectOption('keep');
    await w.page.locator('[id="slice-train.seed"]').selectOption({ value: '1' });
    const drawn = await cells();
    assert.equal(drawn.length, 12);
    assert.ok(drawn.every((c) => c.runIds.length === 1 && c.n === 1 && c.std === 0));
    assert.match(await w.page.locator('#caption').innerText(), /^max over evaluations · at m=1, seed=2$/);
    n0 = (await posted()).length;
    await btn(0, 0.8, 3).click();
    assert.deepEqual(await newPosts(n0), [{ type: 'openRun', runId: runId(13) }], 'γ=0.8 L=3 m=1 seed=2 is point 13');
    const st = await w.page.evaluate(() => (window as unknown as { __state: { view: { reductions: { maxOver: string[]; meanOver: string[] } } } }).__state);
    assert.deepEqual(st.view.reductions, { maxOver: [], meanOver: [], overEvals: 'max' }, 'local reductions persisted with setState');
    await w.page.locator('#reset-reductions').click();
    assert.equal((await cells()).length, 12);
    assert.match(await w.page.locator('#caption').innerText(), /^max over m · mean over seed/);
  });

  it('final-evaluation reduction and x/y swap follow the selectors', async () => {
    await w.page.locator('#over-evals').selectOption('final');
    const fin = cellAt(await cells(), 0, 0.5, 2);
    assert.ok(Math.abs(fin.mean! - 0.9 * 0.9) < 1e-9, `final = 0.9 × peak: ${fin.mean}`);
    assert.match(await w.page.locator('#caption').innerText(), /final evaluation/);
    await w.page.locator('#over-evals').selectOption('max');
    await w.page.locator('#x-axis').selectOption('model.layers');
    const drawn = await cells();
    assert.equal(cellAt(drawn, 0, 0.5, 3).xi, 1, 'L on x');
    assert.equal(cellAt(drawn, 0, 0.5, 3).yi, 0, 'γ on y');
    await w.page.locator('#x-axis').selectOption('model.gamma');
    assert.equal(cellAt(await cells(), 0, 0.8, 3).xi, 1);
  });

  it('solution-label metric: one panel, categorical colours', async () => {
    await w.page.locator('#metric').selectOption('solution');
    const drawn = await cells();
    assert.equal(drawn.length, 6);
    assert.equal(cellAt(drawn, 0, 0.5, 2).value, 'inferential');
    assert.equal(cellAt(drawn, 0, 1.0, 3).value, 'symmetric');
    assert.notEqual(cellAt(drawn, 0, 0.5, 2).fill, cellAt(drawn, 0, 1.0, 3).fill);
    await w.page.locator('#metric').selectOption('pair');
    assert.equal((await cells()).length, 12);
  });

  it('(g) exports: CSV, JSON, SVG (a rect per cell per panel, the hatch) and a 2× PNG', async () => {
    const n0 = (await posted()).length;
    for (const f of ['csv', 'json', 'svg', 'png']) await w.page.locator(`#export-${f}`).click();
    await w.page.waitForFunction((n) => (window as unknown as { __posted: unknown[] }).__posted.length >= n + 4, n0);
    const msgs = (await newPosts(n0)) as Extract<PhaseToHost, { type: 'export' }>[];
    assert.deepEqual(msgs.map((m) => [m.type, m.format, m.suggestedName]), [
      ['export', 'csv', 'gamma_depth-points.csv'], ['export', 'json', 'gamma_depth-phase.json'], ['export', 'svg', 'gamma_depth-phase.svg'], ['export', 'png', 'gamma_depth-phase.png']]);
    const [csv, json, svg, png] = msgs.map((m) => m.data);
    const lines = csv.trim().split('\n');
    assert.equal(lines.length, 25, 'header + one line per point');
    assert.equal(lines[0], 'index,model.gamma,model.layers,train.lrMultiplier,train.seed,state,runId,inferential,symmetric,seen,solution,evaluations,progress,durationSec,error');
    assert.match(lines[1], new RegExp(`^0,0\\.5,2,1,1,completed,${runId(0)},0\\.9,`));
    const j = JSON.parse(json);
    assert.equal(j.points.length, 24);
    assert.equal(j.phaseDiagram.cells.length, 6);
    assert.deepEqual(j.reductions, { maxOver: ['train.lrMultiplier'], meanOver: ['train.seed'], overEvals: 'max' });
    const sv = await w.page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return { error: doc.querySelector('parsererror')?.textContent ?? null, cells: doc.querySelectorAll('rect.cell').length, hatchPattern: doc.querySelectorAll('pattern#hatch').length, hatched: doc.querySelectorAll('rect.hatch').length, colorbar: doc.querySelectorAll('rect.colorbar').length, texts: Array.from(doc.querySelectorAll('text'), (t) => t.textContent) };
    }, svg);
    assert.equal(sv.error, null);
    assert.equal(sv.cells, 12);
    assert.equal(sv.hatchPattern, 1);
    assert.equal(sv.hatched, 3, 'the shadow cell in both panels and the legend swatch');
    assert.equal(sv.colorbar, 1);
    assert.ok(sv.texts.includes('(4,3) inferential accuracy') && sv.texts.includes('(4,3) symmetric accuracy'));
    assert.ok(sv.texts.includes('model.gammaγ') || sv.texts.includes('γ'), 'x axis label');
    assert.ok(sv.texts.includes('100%'), 'colour bar ticks');
    assert.match(png, /^data:image\/png;base64,/);
    const bytes = Buffer.from(png.slice(png.indexOf(',') + 1), 'base64');
    assert.ok(bytes.length > 5000, `PNG has ${bytes.length} bytes`);
    const sceneW = await w.page.evaluate(() => (document.querySelector('#phase') as HTMLCanvasElement).getBoundingClientRect().width);
    assert.equal(bytes.readUInt32BE(16), Math.round(sceneW * 2), 'PNG at 2×');
    await send({ type: 'exported', format: 'svg', path: '/tmp/x.svg' });
    await w.page.waitForFunction(() => document.querySelector('#export-status')?.textContent === 'SVG saved to /tmp/x.svg');
  });

  it('(h) table: sort by a header (asc, desc), filter by text and state; a row opens its run', async () => {
    const order = () => w.page.locator('#points tbody tr').evaluateAll((trs) => trs.map((t) => Number(t.getAttribute('data-index'))));
    assert.deepEqual(await order(), points.map((p) => p.index));
    const inf = (i: number) => Math.max(...points[i].evals.map((e) => e.inferential));
    await w.page.locator('#points th[data-key="inferential"]').click();
    let o = await order();
    assert.equal(await w.page.locator('#points th[data-key="inferential"]').getAttribute('aria-sort'), 'ascending');
    for (let k = 1; k < o.length; k++) assert.ok(inf(o[k - 1]) <= inf(o[k]));
    await w.page.locator('#points th[data-key="inferential"]').click();
    o = await order();
    for (let k = 1; k < o.length; k++) assert.ok(inf(o[k - 1]) >= inf(o[k]));
    assert.equal(o[0], 6, 'γ=0.5 L=3 m=10 seed=1 is the most inferential');
    await w.page.locator('#filter').fill('γ=0.5 seed=2');
    assert.deepEqual((await order()).sort((a, b) => a - b), [1, 3, 5, 7]);
    assert.equal(await w.page.locator('#table-count').innerText(), '4 of 24 points');
    await w.page.locator('#filter').fill('');
    // One point fails: the state filter finds it.
    points = points.map((p) => (p.index === 5 ? { ...p, state: 'failed' as const, error: 'boom' } : p));
    await sendAndWait({ type: 'delta', sweep: info(points, { active: false, etaSec: null }), points: [points[5]] });
    await w.page.locator('#state-filter').selectOption('failed');
    assert.deepEqual(await order(), [5]);
    const n0 = (await posted()).length;
    await w.page.locator('#points tbody tr').first().click();
    assert.deepEqual(await newPosts(n0), [{ type: 'openRun', runId: runId(5) }]);
    await w.page.locator('#state-filter').selectOption('all');
    await w.page.locator('#points th[data-key="index"], #points th[data-key="axis:model.gamma"]').first().click();
  });

  it('sweep actions: Cancel while active, Resume when stopped with unfinished points', async () => {
    // After the last delta the sweep is not active and one point failed.
    assert.equal(await w.page.locator('#cancel-sweep').count(), 0);
    let n0 = (await posted()).length;
    await w.page.locator('#resume-sweep').click();
    assert.deepEqual(await newPosts(n0), [{ type: 'resumeSweep' }]);
    assert.match(await w.page.locator('#counts').innerText(), /1 failed/);
    await sendAndWait({ type: 'delta', sweep: info(points, { active: true }), points: [] });
    assert.equal(await w.page.locator('#resume-sweep').count(), 0);
    n0 = (await posted()).length;
    await w.page.locator('#cancel-sweep').click();
    assert.deepEqual(await newPosts(n0), [{ type: 'cancelSweep' }]);
  });

  it('(e) theme change redraws the figure and the parallel coordinates in the new colours', async () => {
    const fig = (await canvasHash('#phase')).h, pc = (await canvasHash('#parcoords')).h;
    const fg0 = await w.page.evaluate(() => (window as unknown as { __phaseTest: { theme(): { fg: string } } }).__phaseTest.theme().fg);
    const t0 = (await stats()).themeRedraws;
    await w.setTheme('light');
    await waitStat('themeRedraws', t0);
    const fg1 = await w.page.evaluate(() => (window as unknown as { __phaseTest: { theme(): { fg: string } } }).__phaseTest.theme().fg);
    assert.equal(fg0, '#cccccc');
    assert.equal(fg1, '#333333');
    assert.notEqual((await canvasHash('#phase')).h, fig, 'figure text and axes redrawn');
    assert.notEqual((await canvasHash('#parcoords')).h, pc, 'parallel coordinates redrawn');
    // The SVG export follows the theme too.
    const n0 = (await posted()).length;
    await w.page.locator('#export-svg').click();
    const svg = ((await newPosts(n0))[0] as { data: string }).data;
    assert.match(svg, /fill="#333333"/);
    await w.setTheme('dark');
    await waitStat('themeRedraws', t0 + 1);
  });

  it('redraws on resize', async () => {
    const d0 = (await stats()).figureDraws;
    const w0 = (await cells())[0].fill === null ? 0 : await w.page.evaluate(() => (document.querySelector('button.cell') as HTMLElement).offsetWidth);
    await w.page.setViewportSize({ width: 560, height: 1400 });
    await waitStat('figureDraws', d0);
    const w1 = await w.page.evaluate(() => (document.querySelector('button.cell') as HTMLElement).offsetWidth);
    assert.ok(w1 < w0, `cells narrower: ${w0} → ${w1}`);
    await w.page.setViewportSize({ width: 1200, height: 1400 });
    await waitStat('figureDraws', d0 + 1);
  });

  it('a 100-point delta re-renders quickly (median logged)', async () => {
    const axes: SweepAxis[] = [{ path: 'model.gamma', values: [0.3, 0.5, 0.7, 0.9, 1.1] }, { path: 'model.layers', values: [2, 3, 4, 5] }, { path: 'train.seed', values: [1, 2, 3, 4, 5] }];
    const big: PhasePoint[] = Array.from({ length: 100 }, (_x, i) => ({
      index: i, values: { 'model.gamma': axes[0].values[Math.floor(i / 20)], 'model.layers': axes[1].values[Math.floor(i / 5) % 4], 'train.seed': (i % 5) + 1 },
      state: 'running', runId: runId(i, 'sw-big'), evals: [{ inferential: (i % 7) / 7, symmetric: (i % 3) / 3, seen: 0.95, solution: 'learning' }], solution: 'learning', progress: 0.3, durationSec: null, error: null,
    }));
    const sweep = (pts: PhasePoint[]) => ({ ...info(pts), sweepId: 'sw-big', name: 'big', axes, maxOver: [], meanOver: ['train.seed'] });
    await sendAndWait({ type: 'snapshot', sweep: sweep(big), points: big });
    assert.equal((await cells()).length, 40);
    const times: number[] = [];
    for (let k = 0; k < 5; k++) {
      const upd = big.map((p) => ({ ...p, evals: [...p.evals, { inferential: Math.random(), symmetric: Math.random(), seen: 0.9, solution: 'inferential' as const }] }));
      await sendAndWait({ type: 'delta', sweep: sweep(upd), points: upd });
      times.push((await stats()).lastRenderMs);
    }
    times.sort((a, b) => a - b);
    console.log(`      100-point delta render: median ${times[2].toFixed(1)} ms (${times.map((t) => t.toFixed(1)).join(', ')})`);
    assert.ok(times[2] < 40, `median render ${times[2]} ms`);
  });

  it('one remaining axis: a single row; every axis reduced: a single cell', async () => {
    const axes: SweepAxis[] = [{ path: 'model.gamma', values: [0.5, 1.0] }, { path: 'train.seed', values: [1, 2] }];
    const pts: PhasePoint[] = [0, 1, 2, 3].map((i) => ({
      index: i, values: { 'model.gamma': axes[0].values[i >> 1], 'train.seed': (i % 2) + 1 }, state: 'completed', runId: runId(i, 'sw-1d'),
      evals: [{ inferential: 0.2 * (i + 1), symmetric: 0.1, seen: 0.95, solution: 'other' }], solution: 'other', progress: 1, durationSec: 10, error: null,
    }));
    await sendAndWait({ type: 'snapshot', sweep: { ...info(pts), sweepId: 'sw-1d', name: '1d', axes, maxOver: [], meanOver: ['train.seed'] }, points: pts });
    let drawn = await cells();
    assert.equal(drawn.length, 4, '2 γ × 1 row × 2 panels');
    assert.ok(drawn.every((c) => c.yi === 0));
    assert.equal(await w.page.locator('#y-axis').count(), 0);
    assert.ok(Math.abs(drawn.find((c) => c.panel === 0 && c.xi === 1)!.mean! - 0.7) < 1e-9, 'γ=1: mean(0.6, 0.8)');
    await w.page.locator('[id="role-model.gamma"]').selectOption('max');
    drawn = await cells();
    assert.equal(drawn.length, 2, 'one cell per panel');
    assert.ok(Math.abs(drawn[0].mean! - 0.7) < 1e-9 && Math.abs(drawn[0].std! - 0.1) < 1e-9, 'seed 1: max(0.2, 0.6), seed 2: max(0.4, 0.8) → 0.7 ± 0.1');
    assert.deepEqual(drawn[0].runIds.slice().sort(), pts.map((p) => p.runId));
    assert.equal(await w.page.locator('#x-axis').count(), 0);
  });

  it('shows the empty message', async () => {
    await send({ type: 'empty', message: 'The sweep directory is gone.' });
    await w.page.waitForSelector('#empty');
    assert.equal(await w.page.locator('#empty').innerText(), 'The sweep directory is gone.');
    assert.equal(await w.page.locator('button.cell').count(), 0);
  });

  it('(i) had no console errors and no CSP violations', () => {
    assert.deepEqual(w.errors, []);
  });
});
