// Parallel coordinates: one vertical axis per swept parameter (values spaced by index: ordinal) and a last axis
// for the chosen per-run metric (0–100%); one polyline per point, coloured by the metric. Points without data are
// drawn faint through the parameter axes only.
import { axisShortName, type SweepAxis } from '../../src/protocol/sweepFiles';
import { viridis, type Theme } from './colors';
import { sizeCanvas } from './draw';
import { fmtVal } from './format';
import type { Row } from './rows';
import type { RunMetric } from './view';

export interface ParcoordsResult { lines: number; faint: number }

export function drawParcoords(canvas: HTMLCanvasElement, axes: SweepAxis[], rows: Row[], metric: RunMetric, theme: Theme, width: number): ParcoordsResult {
  const h = 230, top = 28, bottom = 22, padX = 40;
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(300, Math.floor(width));
  sizeCanvas(canvas, w, h, dpr);
  const g = canvas.getContext('2d')!;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  const nAxes = axes.length + 1;
  const X = (i: number) => padX + (nAxes === 1 ? 0 : (i * (w - 2 * padX)) / (nAxes - 1));
  const plotH = h - top - bottom;
  /** Ordinal position of a value on its axis: first value at the bottom. */
  const pos = new Map(axes.map((a) => [a.path, new Map(a.values.map((v, k) => [JSON.stringify(v), k]))]));
  const Y = (a: SweepAxis, v: unknown) => {
    const k = pos.get(a.path)!.get(JSON.stringify(v)) ?? 0;
    return top + plotH * (a.values.length === 1 ? 0.5 : 1 - k / (a.values.length - 1));
  };
  const YM = (v: number) => top + plotH * (1 - Math.max(0, Math.min(1, v)));

  let lines = 0, faint = 0;
  // One path per colour band (32 bands read as continuous), not one stroke per point: strokes dominate the cost.
  // Faint ones first and higher values last, so the strong lines stay on top.
  const BANDS = 32;
  const bands: Row[][] = Array.from({ length: BANDS + 1 }, () => []);
  for (const r of rows) { const v = r[metric]; bands[v === null ? 0 : 1 + Math.min(BANDS - 1, Math.floor(Math.max(0, v) * BANDS))].push(r); }
  g.lineWidth = 1.2;
  bands.forEach((band, b) => {
    if (!band.length) return;
    g.beginPath();
    for (const r of band) {
      const v = r[metric];
      axes.forEach((a, i) => { const y = Y(a, r.values[a.path]); if (i === 0) g.moveTo(X(i), y); else g.lineTo(X(i), y); });
      if (v !== null) {
        if (axes.length === 0) { g.moveTo(X(0) + 2.5, YM(v)); g.arc(X(0), YM(v), 2.5, 0, 2 * Math.PI); } else g.lineTo(X(axes.length), YM(v));
        lines++;
      } else faint++;
    }
    g.strokeStyle = b === 0 ? theme.muted : viridis((b - 0.5) / BANDS);
    g.globalAlpha = b === 0 ? 0.25 : 0.85;
    g.stroke();
  });
  g.globalAlpha = 1;

  g.font = `11px ${theme.font}`; g.textBaseline = 'middle';
  const axis = (i: number, name: string, ticks: [number, string][]) => {
    const x = X(i);
    g.strokeStyle = theme.fg; g.lineWidth = 1;
    g.beginPath(); g.moveTo(x, top); g.lineTo(x, top + plotH); g.stroke();
    g.fillStyle = theme.fg; g.textAlign = 'center';
    g.font = `600 12px ${theme.font}`; g.fillText(name, x, top - 14);
    g.strokeStyle = theme.fg; g.lineWidth = 1;
    g.font = `11px ${theme.font}`; g.textAlign = 'left';
    const stride = Math.max(1, Math.ceil((ticks.length * 14) / plotH));
    ticks.forEach(([y, label], k) => {
      if (k % stride) return;
      g.fillStyle = theme.fg; g.fillRect(x - 3, y, 6, 1);
      // A halo in the background colour keeps labels legible over the polylines.
      g.strokeStyle = theme.bg; g.lineWidth = 3; g.lineJoin = 'round'; g.strokeText(label, x + 5, y);
      g.fillText(label, x + 5, y);
    });
  };
  axes.forEach((a, i) => axis(i, axisShortName(a.path), a.values.map((v) => [Y(a, v), fmtVal(v)])));
  axis(axes.length, metric, [0, 0.25, 0.5, 0.75, 1].map((v) => [YM(v), `${v * 100}%`]));
  return { lines, faint };
}
