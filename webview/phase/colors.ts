// Colours. The data scale (viridis) is fixed so figures compare across themes; everything else (text, axes, frames,
// hatch, the empty-cell tint) is a theme "ink" resolved from --vscode-* variables at draw time.
import type { SolutionLabel } from '../../src/core/config';

const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];
const VIRIDIS_RGB = VIRIDIS.map(hexRgb);

function hexRgb(h: string): [number, number, number] {
  const n = parseInt(h.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
const hex = (c: number[]) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

/** Sequential scale for a fraction in [0, 1] (clamped). */
export function viridis(t: number): string {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i, a = VIRIDIS_RGB[i], b = VIRIDIS_RGB[i + 1];
  return hex([0, 1, 2].map((k) => a[k] + (b[k] - a[k]) * f));
}
export const VIRIDIS_STOPS = VIRIDIS;

/** Black or white, whichever reads on `fill` (a #rrggbb colour). */
export function textOn(fill: string): string {
  const [r, g, b] = hexRgb(fill);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '#000000' : '#ffffff';
}

/** Categorical colours of the solution labels (fixed, as the data scale; chosen to stay apart from each other). */
export const SOLUTION_COLORS: Record<SolutionLabel, string> = {
  inferential: '#2ca02c', symmetric: '#ff7f0e', other: '#d62728', memorizing: '#9467bd', learning: '#7f7f7f',
};
export const SOLUTION_ORDER: SolutionLabel[] = ['inferential', 'symmetric', 'other', 'memorizing', 'learning'];

export type Ink = 'fg' | 'muted' | 'bg' | 'border' | 'empty' | 'hatch' | 'focus';
export type Paint = Ink | `#${string}`;
export type Theme = Record<Ink, string> & { font: string };

const cssVar = (name: string, fallback: string) => getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;

/** Parse any CSS colour to [r,g,b,a] through a 1×1 canvas (theme variables may be rgba() or named colours). */
function rgba(color: string): [number, number, number, number] {
  const c = document.createElement('canvas'); c.width = c.height = 1;
  const g = c.getContext('2d', { willReadFrequently: true })!;
  g.clearRect(0, 0, 1, 1); g.fillStyle = '#000'; g.fillStyle = color; g.fillRect(0, 0, 1, 1);
  const d = g.getImageData(0, 0, 1, 1).data;
  return [d[0], d[1], d[2], d[3] / 255];
}
const withAlpha = (color: string, a: number) => { const [r, g, b] = rgba(color); return `rgba(${r},${g},${b},${a})`; };

/** Read the theme now (call again after a theme change). */
export function readTheme(): Theme {
  const fg = cssVar('--vscode-foreground', '#cccccc');
  const muted = cssVar('--vscode-descriptionForeground', '#999999');
  return {
    fg, muted,
    bg: cssVar('--vscode-editor-background', '#1e1e1e'),
    border: cssVar('--vscode-panel-border', withAlpha(muted, 0.5)),
    empty: withAlpha(muted, 0.12),
    hatch: withAlpha(fg, 0.75),
    focus: cssVar('--vscode-focusBorder', '#007fd4'),
    font: cssVar('--vscode-font-family', 'sans-serif'),
  };
}

export const paint = (p: Paint, theme: Theme): string => (p.startsWith('#') ? p : theme[p as Ink]);
