// The phase-diagram figure as a list of drawing primitives in CSS pixels. One layout feeds the on-screen canvas, the
// 2× PNG export and the SVG export, so all three (and the hit cells the overlay and the tests read) agree.
import { SHADOW_THRESHOLD, type PhaseCell, type PhaseDiagram } from '../../src/core/sweepReduce';
import { axisShortName, type SweepAxis } from '../../src/protocol/sweepFiles';
import { SOLUTION_COLORS, SOLUTION_ORDER, VIRIDIS_STOPS, textOn, viridis, type Paint } from './colors';
import { fmtVal } from './format';
import type { FigureMetric, ResolvedAxes } from './view';

export type PanelMetric = Exclude<FigureMetric, 'pair'>;

export type Prim =
  | { t: 'rect'; x: number; y: number; w: number; h: number; fill: Paint | null; stroke?: Paint; dash?: boolean; alpha?: number; role?: 'cell' | 'swatch' }
  | { t: 'hatch'; x: number; y: number; w: number; h: number }
  | { t: 'text'; x: number; y: number; text: string; fill: Paint; size: number; align: 'left' | 'center' | 'right'; bold?: boolean; rotate?: boolean; title?: string }
  | { t: 'line'; x1: number; y1: number; x2: number; y2: number; stroke: Paint }
  /** Vertical colour bar: stops bottom (0) → top (1). */
  | { t: 'ramp'; x: number; y: number; w: number; h: number; stops: readonly string[] };

/** One drawn cell of one panel: what the overlay, the tooltip, the click and the tests use. */
export interface HitCell {
  panel: number;
  metric: PanelMetric;
  cellIndex: number;
  cell: PhaseCell;
  xi: number;
  yi: number;
  x: number; y: number; w: number; h: number;
  /** The fill drawn; null: no data (neutral). */
  fill: string | null;
  /** The value drawn (metric mean, or the solution label). */
  value: number | string | null;
  text: string;
}

/** Where a text with a longer name (an axis's full path) sits, for a hover title over the canvas. */
export interface TitledBox { x: number; y: number; w: number; h: number; title: string; text: string }

export interface Scene { width: number; height: number; prims: Prim[]; cells: HitCell[]; titled: TitledBox[]; caption: string }

export interface FigureInput {
  diagram: PhaseDiagram;
  axes: ResolvedAxes;
  metric: FigureMetric;
  pairLabel: string;
  /** Available width in CSS px. */
  width: number;
}

const TITLES: Record<PanelMetric, (pair: string) => string> = {
  inferential: (p) => `${p} inferential accuracy`,
  symmetric: (p) => `${p} symmetric accuracy`,
  seen: () => 'seen-pair test accuracy',
  solution: (p) => `${p} solution label`,
};
const SHORT_LABEL: Record<string, string> = { inferential: 'inf', symmetric: 'sym', other: 'oth', memorizing: 'mem', learning: 'lrn' };

export const panelsOf = (m: FigureMetric): PanelMetric[] => (m === 'pair' ? ['inferential', 'symmetric'] : [m]);

/** "max over m · mean over seed (n) · max over evaluations", plus the slice shown. */
export function captionOf(d: PhaseDiagram, axes: ResolvedAxes): string {
  const parts = [
    d.maxOver.length ? `max over ${d.maxOver.map(axisShortName).join(', ')}` : null,
    d.meanOver.length ? `mean over ${d.meanOver.map(axisShortName).join(', ')} (n)` : null,
    d.overEvals === 'max' ? 'max over evaluations' : 'final evaluation',
    axes.slices.length ? `at ${axes.slices.map((s) => `${axisShortName(s.axis.path)}=${fmtVal(s.axis.values[s.index])}`).join(', ')}` : null,
  ];
  return parts.filter(Boolean).join(' · ');
}

/** Row-major index into d.cells of the cell at (xi, yi) of the current slice. */
function cellIndexer(d: PhaseDiagram, axes: ResolvedAxes): (xi: number, yi: number) => number {
  const strides: number[] = new Array(d.axes.length);
  let s = 1;
  for (let a = d.axes.length - 1; a >= 0; a--) { strides[a] = s; s *= d.axes[a].values.length; }
  const fixed = new Map(axes.slices.map((sl) => [sl.axis.path, sl.index]));
  return (xi, yi) => d.axes.reduce((i, ax, a) => i + strides[a] * (ax.path === axes.x?.path ? xi : ax.path === axes.y?.path ? yi : fixed.get(ax.path) ?? 0), 0);
}

function cellContent(c: PhaseCell, metric: PanelMetric): { fill: string | null; value: number | string | null; text: string } {
  if (metric === 'solution') {
    if (!c.solution) return { fill: null, value: null, text: c.partial ? '…' : '' };
    const n = Object.values(c.solutions).reduce((a, b) => a + (b ?? 0), 0);
    const count = n > 1 ? ` ${c.solutions[c.solution]}/${n}` : '';
    return { fill: SOLUTION_COLORS[c.solution], value: c.solution, text: `${SHORT_LABEL[c.solution]}${count}${c.partial ? '…' : ''}` };
  }
  const s = c[metric];
  if (!s) return { fill: null, value: null, text: c.partial ? '…' : '' };
  return { fill: viridis(s.mean), value: s.mean, text: `${Math.round(s.mean * 100)}${c.partial ? '…' : ''}` };
}

const textW = (s: string, size: number) => s.length * size * 0.58;

/** Show every k-th tick so that labels of `slot` px do not collide. */
function tickStride(labels: string[], slot: number, size: number): number {
  const widest = Math.max(0, ...labels.map((l) => textW(l, size))) + 6;
  return Math.max(1, Math.ceil(widest / Math.max(1, slot)));
}

/** Margin around the whole figure, so exports do not start at the very edge. */
const PAD = 8;

/** Move everything by d (the layout is built from 0,0; the margin is added last). */
function shift(prims: Prim[], cells: HitCell[], d: number): void {
  for (const p of prims) {
    if (p.t === 'line') { p.x1 += d; p.x2 += d; p.y1 += d; p.y2 += d; } else { p.x += d; p.y += d; }
  }
  for (const c of cells) { c.x += d; c.y += d; }
}

export function layoutFigure(inp: FigureInput): Scene {
  const { diagram: d, axes, pairLabel } = inp;
  const panels = panelsOf(inp.metric);
  const xs: unknown[] = axes.x ? axes.x.values : [undefined];
  const ys: unknown[] = axes.y ? axes.y.values : [undefined];
  const nx = xs.length, ny = ys.length;
  const FS = 11;
  // Whole pixels: fractional offsets would blur the seams between cells on the canvas.
  const yTickW = axes.y ? Math.round(Math.min(70, Math.max(...ys.map((v) => textW(fmtVal(v), FS))))) + 8 : 0;
  const left = yTickW + (axes.y ? 22 : 6), top = 26, bottomAxis = axes.x ? 36 : 10;
  const gap = 26;
  const solution = inp.metric === 'solution';
  const barW = solution ? 112 : 58;
  const avail = inp.width - panels.length * left - (panels.length - 1) * gap - barW - 4;
  const cellW = Math.max(18, Math.min(84, Math.floor(avail / (panels.length * nx))));
  const cellH = Math.max(20, Math.min(44, Math.round(cellW * 0.7)));
  const plotW = nx * cellW, plotH = ny * cellH;
  const panelW = left + plotW;
  const width = panels.length * panelW + (panels.length - 1) * gap + barW;
  // The solution legend (5 rows) can be taller than a one-row plot.
  const legendY = top + Math.max(plotH + bottomAxis, solution ? SOLUTION_ORDER.length * 18 : 0) + 8;
  const captionY = legendY + 24;
  const height = captionY + 14;

  const prims: Prim[] = [];
  const cells: HitCell[] = [];
  const at = cellIndexer(d, axes);
  const showText = cellW >= 30 && cellH >= 18;

  panels.forEach((metric, p) => {
    const ox = p * (panelW + gap) + left, oy = top;
    prims.push({ t: 'text', x: ox + plotW / 2, y: 16, text: TITLES[metric](pairLabel), fill: 'fg', size: 12, align: 'center', bold: true });
    for (let yi = 0; yi < ny; yi++) {
      for (let xi = 0; xi < nx; xi++) {
        const ci = at(xi, yi);
        const cell = d.cells[ci];
        if (!cell) continue;
        // The first y value at the bottom, as on a plot's y axis.
        const x = ox + xi * cellW, y = oy + (ny - 1 - yi) * cellH;
        const content = cellContent(cell, metric);
        prims.push({ t: 'rect', x, y, w: cellW, h: cellH, fill: (content.fill ?? 'empty') as Paint, alpha: cell.partial ? 0.6 : 1, role: 'cell' });
        if (cell.shadow) prims.push({ t: 'hatch', x, y, w: cellW, h: cellH });
        if (cell.partial) prims.push({ t: 'rect', x: x + 1.5, y: y + 1.5, w: cellW - 3, h: cellH - 3, fill: null, stroke: 'fg', dash: true });
        if (showText && content.text) prims.push({ t: 'text', x: x + cellW / 2, y: y + cellH / 2 + 4, text: content.text, fill: content.fill ? textOn(content.fill) as Paint : 'muted', size: FS, align: 'center' });
        cells.push({ panel: p, metric, cellIndex: ci, cell, xi, yi, x, y, w: cellW, h: cellH, fill: content.fill, value: content.value, text: content.text });
      }
    }
    prims.push({ t: 'rect', x: ox, y: oy, w: plotW, h: plotH, fill: null, stroke: 'border' });
    if (axes.x) {
      const labels = xs.map(fmtVal);
      const k = tickStride(labels, cellW, FS);
      labels.forEach((l, i) => {
        if (i % k) return;
        const cx = ox + i * cellW + cellW / 2;
        prims.push({ t: 'line', x1: cx, y1: oy + plotH, x2: cx, y2: oy + plotH + 4, stroke: 'muted' });
        prims.push({ t: 'text', x: cx, y: oy + plotH + 15, text: l, fill: 'fg', size: FS, align: 'center' });
      });
      prims.push({ t: 'text', x: ox + plotW / 2, y: oy + plotH + 31, text: axisShortName(axes.x.path), fill: 'fg', size: 12, align: 'center', bold: true, title: axes.x.path });
    }
    if (axes.y) {
      const labels = ys.map(fmtVal);
      const k = Math.max(1, Math.ceil(14 / cellH));
      labels.forEach((l, i) => {
        if (i % k) return;
        const cy = oy + (ny - 1 - i) * cellH + cellH / 2;
        prims.push({ t: 'line', x1: ox - 4, y1: cy, x2: ox, y2: cy, stroke: 'muted' });
        prims.push({ t: 'text', x: ox - 6, y: cy + 4, text: l, fill: 'fg', size: FS, align: 'right' });
      });
      // Short names (γ, L) read better upright; longer ones turn, as on a paper's y axis.
      const name = axisShortName(axes.y.path), turn = name.length > 3;
      prims.push({ t: 'text', x: ox - yTickW - (turn ? 10 : 14), y: oy + plotH / 2 + (turn ? 0 : 4), text: name, fill: 'fg', size: 12, align: 'center', bold: true, rotate: turn, title: axes.y.path });
    }
  });

  // Colour bar (accuracies) or the solution legend, right of the last panel.
  const bx = panels.length * panelW + (panels.length - 1) * gap + 14;
  if (solution) {
    SOLUTION_ORDER.forEach((l, i) => {
      const y = top + i * 18;
      prims.push({ t: 'rect', x: bx, y, w: 12, h: 12, fill: SOLUTION_COLORS[l] as Paint, role: 'swatch' });
      prims.push({ t: 'text', x: bx + 17, y: y + 10, text: l, fill: 'fg', size: FS, align: 'left' });
    });
  } else {
    prims.push({ t: 'ramp', x: bx, y: top, w: 12, h: plotH, stops: VIRIDIS_STOPS });
    prims.push({ t: 'rect', x: bx, y: top, w: 12, h: plotH, fill: null, stroke: 'border' });
    for (const v of plotH >= 80 ? [0, 0.25, 0.5, 0.75, 1] : [0, 0.5, 1]) {
      const y = top + plotH * (1 - v);
      prims.push({ t: 'line', x1: bx + 12, y1: y, x2: bx + 16, y2: y, stroke: 'muted' });
      prims.push({ t: 'text', x: bx + 18, y: y + 4, text: `${v * 100}%`, fill: 'fg', size: FS, align: 'left' });
    }
  }

  // Legend: shadow, partial, no data.
  let lx = 0;
  const sw = (extra: Prim[], label: string) => {
    prims.push(...extra, { t: 'text', x: lx + 20, y: legendY + 10, text: label, fill: 'muted', size: FS, align: 'left' });
    lx += 20 + textW(label, FS) + 18;
  };
  sw([{ t: 'rect', x: lx, y: legendY, w: 14, h: 12, fill: 'empty', role: 'swatch' }, { t: 'hatch', x: lx, y: legendY, w: 14, h: 12 }], `shadow: seen-pair test accuracy < ${SHADOW_THRESHOLD * 100}%`);
  sw([{ t: 'rect', x: lx, y: legendY, w: 14, h: 12, fill: 'empty', role: 'swatch' }, { t: 'rect', x: lx + 1, y: legendY + 1, w: 12, h: 10, fill: null, stroke: 'fg', dash: true }], '… faded, dashed: still running (partial)');
  sw([{ t: 'rect', x: lx, y: legendY, w: 14, h: 12, fill: 'empty', stroke: 'border', role: 'swatch' }], 'no data yet');
  const caption = captionOf(d, axes);
  prims.push({ t: 'text', x: 0, y: captionY + 10, text: caption, fill: 'muted', size: FS, align: 'left' });

  shift(prims, cells, PAD);
  const titled = prims.flatMap((p): TitledBox[] => {
    if (p.t !== 'text' || !p.title) return [];
    const tw = textW(p.text, p.size) + 6, th = p.size + 6;
    return [p.rotate ? { x: p.x - th + 3, y: p.y - tw / 2, w: th, h: tw, title: p.title, text: p.text } : { x: p.x - tw / 2, y: p.y - p.size, w: tw, h: th, title: p.title, text: p.text }];
  });
  return { width: Math.ceil(Math.max(width, lx, textW(caption, FS))) + 2 * PAD, height: Math.ceil(height) + 2 * PAD, prims, cells, titled, caption };
}
