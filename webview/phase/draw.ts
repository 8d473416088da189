// Canvas renderer of a layout Scene (on screen at devicePixelRatio, or offscreen at 2× for the PNG export).
import { paint, type Theme } from './colors';
import type { Prim, Scene } from './layout';

/** Diagonal hatch tile in the theme's foreground (the shadow must follow the theme). */
function hatchPattern(g: CanvasRenderingContext2D, theme: Theme, scale: number): CanvasPattern | null {
  const n = Math.round(6 * scale);
  const tile = document.createElement('canvas');
  tile.width = tile.height = n;
  const t = tile.getContext('2d')!;
  t.strokeStyle = theme.hatch;
  t.lineWidth = 1.2 * scale;
  // Three strokes so the lines continue across tile edges.
  t.beginPath();
  for (const o of [-n, 0, n]) { t.moveTo(o, n); t.lineTo(o + n, 0); }
  t.stroke();
  const pat = g.createPattern(tile, 'repeat');
  // The pattern lives in device pixels: undo the context's scale so tiles stay 6 CSS px.
  pat?.setTransform(new DOMMatrix([1 / scale, 0, 0, 1 / scale, 0, 0]));
  return pat;
}

/** Resize only when the size changed: assigning canvas.width reallocates the backing store even when equal. */
export function sizeCanvas(c: HTMLCanvasElement, w: number, h: number, dpr: number): void {
  const pw = Math.round(w * dpr), ph = Math.round(h * dpr);
  if (c.width !== pw || c.height !== ph) { c.width = pw; c.height = ph; }
  if (c.style.width !== `${w}px`) c.style.width = `${w}px`;
  if (c.style.height !== `${h}px`) c.style.height = `${h}px`;
}

export function drawScene(g: CanvasRenderingContext2D, scene: Scene, theme: Theme, scale: number, background: boolean): void {
  g.setTransform(scale, 0, 0, scale, 0, 0);
  g.clearRect(0, 0, scene.width, scene.height);
  if (background) { g.fillStyle = theme.bg; g.fillRect(0, 0, scene.width, scene.height); }
  const hatch = hatchPattern(g, theme, scale);
  for (const p of scene.prims) drawPrim(g, p, theme, hatch);
}

function drawPrim(g: CanvasRenderingContext2D, p: Prim, theme: Theme, hatch: CanvasPattern | null): void {
  switch (p.t) {
    case 'rect':
      g.globalAlpha = p.alpha ?? 1;
      if (p.fill) { g.fillStyle = paint(p.fill, theme); g.fillRect(p.x, p.y, p.w, p.h); }
      g.globalAlpha = 1;
      if (p.stroke) {
        g.strokeStyle = paint(p.stroke, theme); g.lineWidth = 1;
        g.setLineDash(p.dash ? [3, 2] : []);
        g.strokeRect(p.x + 0.5, p.y + 0.5, p.w - 1, p.h - 1);
        g.setLineDash([]);
      }
      break;
    case 'hatch':
      if (hatch) { g.fillStyle = hatch; g.fillRect(p.x, p.y, p.w, p.h); }
      break;
    case 'line':
      g.strokeStyle = paint(p.stroke, theme); g.lineWidth = 1;
      g.beginPath(); g.moveTo(p.x1, p.y1); g.lineTo(p.x2, p.y2); g.stroke();
      break;
    case 'ramp': {
      const grad = g.createLinearGradient(0, p.y + p.h, 0, p.y);
      p.stops.forEach((c, i) => grad.addColorStop(i / (p.stops.length - 1), c));
      g.fillStyle = grad; g.fillRect(p.x, p.y, p.w, p.h);
      break;
    }
    case 'text':
      g.fillStyle = paint(p.fill, theme);
      g.font = `${p.bold ? '600 ' : ''}${p.size}px ${theme.font}`;
      g.textAlign = p.align; g.textBaseline = 'alphabetic';
      if (p.rotate) { g.save(); g.translate(p.x, p.y); g.rotate(-Math.PI / 2); g.fillText(p.text, 0, 0); g.restore(); }
      else g.fillText(p.text, p.x, p.y);
      break;
  }
}
