// Legends for comparisons: the config fields that differ between runs (pure; unit-tested).
import type { TrackedRun } from './runTracker';
import type { CompareSeries } from '../protocol/webview';

const SHORT: Record<string, string> = { 'model.gamma': 'γ', 'train.seed': 'seed', 'train.lrMultiplier': 'lr×', 'train.lr': 'lr', 'model.layers': 'layers', 'model.heads': 'heads', 'train.weightDecay': 'wd', 'train.epochs': 'epochs' };
const IGNORED = new Set(['name', 'description', '$schema']);

function flatten(x: unknown, prefix: string, out: Map<string, string>): void {
  if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix, JSON.stringify(x));
}

/** Dotted paths whose values differ between the configs (name/description only when nothing else does). */
export function differingFields(configs: unknown[]): string[] {
  const flats = configs.map((c) => { const m = new Map<string, string>(); flatten(c ?? {}, '', m); return m; });
  const keys = new Set(flats.flatMap((m) => [...m.keys()]));
  const diff = [...keys].filter((k) => new Set(flats.map((m) => m.get(k) ?? 'undefined')).size > 1).sort();
  const real = diff.filter((k) => !IGNORED.has(k));
  return real.length ? real : diff.filter((k) => k === 'name');
}

export function shortField(k: string): string { return SHORT[k] ?? k.split('.').pop() ?? k; }

function getPath(x: unknown, dotted: string): unknown {
  let cur = x as Record<string, unknown> | undefined;
  for (const k of dotted.split('.')) { if (cur === null || typeof cur !== 'object') return undefined; cur = cur[k] as Record<string, unknown>; }
  return cur;
}

/** "γ=0.6 · seed=2": the differing fields of one run (its id when none differ). */
export function legendLabel(config: unknown, fields: string[], fallback: string): string {
  const parts = fields.slice(0, 4).map((k) => `${shortField(k)}=${JSON.stringify(getPath(config, k) ?? null).replace(/^"|"$/g, '')}`);
  return parts.length ? parts.join(' · ') : fallback;
}

export function compareSeries(runs: TrackedRun[]): { runs: CompareSeries[]; differing: string[] } {
  const differing = differingFields(runs.map((r) => r.config?.config ?? null));
  return {
    differing,
    runs: runs.map((r) => ({
      id: r.id,
      label: legendLabel(r.config?.config, differing, r.id),
      state: r.state,
      solution: r.summary?.solution ?? r.metrics[r.metrics.length - 1]?.solution ?? null,
      steps: r.metrics.map((m) => m.step),
      loss: r.metrics.map((m) => m.loss),
      seenTestAcc: r.metrics.map((m) => m.seenTestAcc),
      inferential: r.metrics.map((m) => m.unseen.inferential),
      symmetric: r.metrics.map((m) => m.unseen.symmetric),
    })),
  };
}
