// SVG writer of a layout Scene: the same primitives as the canvas, as a standalone document (colours resolved
// against the current theme, so the export looks like the screen).
import { paint, type Theme } from './colors';
import type { Prim, Scene } from './layout';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number) => String(Math.round(v * 100) / 100);

function prim(p: Prim, theme: Theme): string {
  switch (p.t) {
    case 'rect': {
      const cls = p.role ? ` class="${p.role}"` : '';
      const fill = p.fill ? `fill="${esc(paint(p.fill, theme))}"` : 'fill="none"';
      const op = p.alpha !== undefined && p.alpha !== 1 ? ` fill-opacity="${p.alpha}"` : '';
      const stroke = p.stroke ? ` stroke="${esc(paint(p.stroke, theme))}" stroke-width="1"${p.dash ? ' stroke-dasharray="3 2"' : ''}` : '';
      const [x, y, w, h] = p.stroke ? [p.x + 0.5, p.y + 0.5, p.w - 1, p.h - 1] : [p.x, p.y, p.w, p.h];
      return `<rect${cls} x="${n(x)}" y="${n(y)}" width="${n(w)}" height="${n(h)}" ${fill}${op}${stroke}/>`;
    }
    case 'hatch':
      return `<rect class="hatch" x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="url(#hatch)"/>`;
    case 'line':
      return `<line x1="${n(p.x1)}" y1="${n(p.y1)}" x2="${n(p.x2)}" y2="${n(p.y2)}" stroke="${esc(paint(p.stroke, theme))}" stroke-width="1"/>`;
    case 'ramp':
      return `<rect class="colorbar" x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="url(#ramp)"/>`;
    case 'text': {
      const anchor = p.align === 'left' ? 'start' : p.align === 'right' ? 'end' : 'middle';
      const rot = p.rotate ? ` transform="rotate(-90 ${n(p.x)} ${n(p.y)})"` : '';
      const title = p.title ? `<title>${esc(p.title)}</title>` : '';
      return `<text x="${n(p.x)}" y="${n(p.y)}" font-size="${p.size}"${p.bold ? ' font-weight="600"' : ''} text-anchor="${anchor}" fill="${esc(paint(p.fill, theme))}"${rot}>${title}${esc(p.text)}</text>`;
    }
  }
}

export function sceneToSvg(scene: Scene, theme: Theme): string {
  const ramp = scene.prims.find((p): p is Extract<Prim, { t: 'ramp' }> => p.t === 'ramp');
  const stops = ramp ? ramp.stops.map((c, i) => `<stop offset="${n(i / (ramp.stops.length - 1))}" stop-color="${c}"/>`).join('') : '';
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${scene.width}" height="${scene.height}" viewBox="0 0 ${scene.width} ${scene.height}" font-family="${esc(theme.font)}">`,
    `<defs><pattern id="hatch" patternUnits="userSpaceOnUse" width="6" height="6"><path d="M-6,6 l6,-6 M0,6 l6,-6 M6,6 l6,-6" stroke="${esc(theme.hatch)}" stroke-width="1.2"/></pattern>`,
    `<linearGradient id="ramp" x1="0" y1="1" x2="0" y2="0">${stops}</linearGradient></defs>`,
    `<rect class="background" width="100%" height="100%" fill="${esc(theme.bg)}"/>`,
    ...scene.prims.map((p) => prim(p, theme)),
    `</svg>`,
  ].join('\n');
}
