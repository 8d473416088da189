// Number and value formatting shared by the figure, the tooltip, the table and the exports.
export const fmtVal = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));

export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;

export function dur(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  s = Math.round(s);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

/** A file-name-safe stem for suggested export names. */
export const fileStem = (name: string): string => name.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'sweep';
