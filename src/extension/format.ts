// Text for lenses, tree items and the status bar (pure, unit-tested).
import type { TrackedRun } from './runTracker';

export function fmtDuration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A short ETA: `45s`, `14m`, `2h05m`. */
export function fmtEta(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export const fmtPct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${Math.round(x * 100)}%`);

export function progressFraction(r: TrackedRun): number | null {
  const p = r.progress;
  return p && p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : null;
}

/** "symmetric 100%": the solution label with the share of the unseen pair's predictions that follow it. */
export function solutionText(r: TrackedRun): string | null {
  const m = r.summary?.final ?? r.metrics[r.metrics.length - 1];
  const label = r.summary?.solution ?? m?.solution ?? null;
  if (!label) return null;
  if (m && (label === 'inferential' || label === 'symmetric' || label === 'other')) return `${label} ${fmtPct(m.unseen[label])}`;
  return label;
}

/** The result lens: `last: symmetric 100% · seen 99% · 3m12s · 4 runs` (runs of one file, oldest first). */
export function resultLensTitle(runs: TrackedRun[]): string | null {
  if (!runs.length) return null;
  const last = runs[runs.length - 1];
  const n = `${runs.length} run${runs.length === 1 ? '' : 's'}`;
  const m = last.summary?.final ?? last.metrics[last.metrics.length - 1];
  const dur = fmtDuration(last.summary?.durationSec ?? last.progress?.elapsedSec ?? null);
  const parts: string[] = [];
  switch (last.state) {
    case 'starting': parts.push('last: starting'); break;
    case 'running': {
      const f = progressFraction(last);
      parts.push(`running ${f === null ? '' : fmtPct(f)}`.trim());
      const sol = solutionText(last);
      if (sol) parts.push(sol);
      break;
    }
    case 'lost': parts.push('last: failed (process lost)'); break;
    case 'failed': parts.push(`last: failed${last.summary?.error ? ` (${last.summary.error.split('\n')[0].slice(0, 60)})` : ''}`); break;
    case 'cancelled': parts.push(`last: cancelled${solutionText(last) ? ` at ${solutionText(last)}` : ''}`); break;
    case 'completed': parts.push(`last: ${solutionText(last) ?? 'completed'}`); break;
  }
  if (m && last.state !== 'lost' && last.state !== 'failed') parts.push(`seen ${fmtPct(m.seenTestAcc)}`);
  if (last.state !== 'starting') parts.push(dur);
  parts.push(n);
  return parts.join(' · ');
}

export interface LensSpec { title: string; command: string; args: 'file' | 'lastRun'; tooltip: string }

/** Which lenses stand above an experiment file, given its runs. */
export function lensSpecs(runs: TrackedRun[]): LensSpec[] {
  const active = runs.some((r) => r.state === 'running' || r.state === 'starting');
  const out: LensSpec[] = [
    { title: '▶ Run', command: 'anchorLab.run', args: 'file', tooltip: 'Train this experiment in a new run' },
    { title: 'Dashboard', command: 'anchorLab.openDashboard', args: 'file', tooltip: 'Open the dashboard following the latest run of this file' },
  ];
  if (active) out.push({ title: '■ Stop', command: 'anchorLab.stopFile', args: 'file', tooltip: 'Stop the active runs of this file' });
  const result = resultLensTitle(runs);
  if (result) out.push({ title: result, command: 'anchorLab.openDashboard', args: 'file', tooltip: 'Latest run of this file' });
  return out;
}

export function stateIcon(state: TrackedRun['state']): { id: string; color?: string } {
  switch (state) {
    case 'starting': return { id: 'loading~spin' };
    case 'running': return { id: 'sync~spin', color: 'charts.blue' };
    case 'completed': return { id: 'pass', color: 'testing.iconPassed' };
    case 'cancelled': return { id: 'circle-slash', color: 'charts.yellow' };
    case 'failed': return { id: 'error', color: 'testing.iconFailed' };
    case 'lost': return { id: 'warning', color: 'testing.iconFailed' };
  }
}
