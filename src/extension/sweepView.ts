// How the extension shows sweeps: Runs-view text and icons, lens specs, the status-bar text, the ETA, and the
// phase-diagram panel's messages (what changed, exports). Pure, no vscode import (unit-tested with the tracker).
import * as path from 'node:path';
import * as jsonc from 'jsonc-parser';
import { parseExperiment } from '../core/config';
import { gridSize, sweepAxes } from '../core/sweep';
import { checkSweepText } from '../core/sweepCheck';
import type { ExportFormat, PhasePoint, PhaseSweepInfo, PhaseToHost } from '../protocol/phase';
import { fmtEta } from './format';
import type { SweepPhase, TrackedSweep } from './sweeps';

export function pointSig(p: PhasePoint): string {
  return `${p.runId}|${p.state}|${p.evals.length}|${Math.round(p.progress * 1000)}|${p.durationSec === null ? '' : Math.round(p.durationSec)}|${p.error ?? ''}`;
}

export interface EtaInput {
  total: number; finished: number; completed: number; progress: number;
  /** Progress when the measurement started, and the seconds since. */
  p0: number; elapsedSec: number;
  /** Durations (s) of completed points. */
  durations: number[];
  concurrency: number | null;
}

export function estimateEta(x: EtaInput): number | null {
  const remaining = Math.max(0, (x.total - x.finished) - Math.max(0, x.progress - x.completed));
  if (remaining <= 0) return 0;
  const dp = x.progress - x.p0;
  if (dp > 0.05 && x.elapsedSec >= 3) return remaining / (dp / x.elapsedSec);
  if (x.durations.length) {
    const mean = x.durations.reduce((a, b) => a + b, 0) / x.durations.length;
    const left = x.total - x.finished;
    return (remaining * mean) / Math.max(1, Math.min(x.concurrency ?? 1, left));
  }
  return null;
}

// ---- text -------------------------------------------------------------------------------------------------------

/** `3/12` plus ` · ETA 14m` while active, or the final state: `12/12 · completed`, `10/12 · 2 failed`. */
export function sweepDescription(t: TrackedSweep): string {
  const c = t.status.counts;
  const done = `${c.completed}/${t.status.total}`;
  if (t.phase === 'starting') return `${done} · starting…`;
  if (t.active) return `${done}${c.failed + c.lost ? ` · ${c.failed + c.lost} failed` : ''}${t.etaSec !== null && t.etaSec > 0 ? ` · ETA ${fmtEta(t.etaSec)}` : ''}`;
  const bad = c.failed + c.lost;
  switch (t.phase) {
    case 'completed': return `${done} · completed`;
    case 'cancelled': return `${done} · cancelled${bad ? `, ${bad} failed` : ''}`;
    case 'failed': return `${done} · ${bad} failed`;
    default: return `${done} · stopped`;
  }
}

/** Status bar text for the active sweeps (null: none). */
export function sweepStatusText(active: TrackedSweep[]): string | null {
  if (!active.length) return null;
  if (active.length === 1) {
    const t = active[0];
    return `$(beaker) ⇶ ${t.status.counts.completed}/${t.status.total}${t.etaSec !== null && t.etaSec > 0 ? ` · ${fmtEta(t.etaSec)}` : ''}`;
  }
  const done = active.reduce((s, t) => s + t.status.counts.completed, 0);
  const total = active.reduce((s, t) => s + t.status.total, 0);
  return `$(beaker) ⇶ ${active.length} sweeps · ${done}/${total}`;
}

export function sweepIcon(phase: SweepPhase): { id: string; color?: string } {
  switch (phase) {
    case 'starting': return { id: 'loading~spin' };
    case 'running': return { id: 'sync~spin', color: 'charts.blue' };
    case 'completed': return { id: 'pass-filled', color: 'testing.iconPassed' };
    case 'cancelled': return { id: 'circle-slash', color: 'charts.yellow' };
    case 'failed': return { id: 'error', color: 'testing.iconFailed' };
    case 'incomplete': return { id: 'debug-pause', color: 'charts.yellow' };
  }
}

/** The grid an experiment file's text defines: its size, or why it cannot be swept. */
export interface FileSweepInfo {
  /** The file has a non-empty `sweep` block (even when it has errors). */
  hasSweep: boolean;
  /** Grid size; null when the file has errors. */
  points: number | null;
  error: string | null;
}

export function fileSweepInfo(text: string): FileSweepInfo {
  let raw: unknown;
  try { raw = jsonc.parse(text, [], { allowTrailingComma: true }); } catch { raw = null; }
  const block = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).sweep : undefined;
  const hasSweep = !!block && typeof block === 'object' && !Array.isArray(block) && Object.keys(block).length > 0;
  if (!hasSweep) return { hasSweep: false, points: null, error: null };
  const { config, issues } = parseExperiment(text);
  const first = issues.find((i) => i.severity === 'error') ?? checkSweepText(text).find((i) => i.severity === 'error');
  if (first) return { hasSweep, points: null, error: `${first.line ? `line ${first.line}: ` : ''}${first.message}` };
  const axes = sweepAxes(config);
  return { hasSweep: axes.length > 0, points: axes.length ? gridSize(axes) : null, error: null };
}

export interface SweepLens { title: string; command: string; tooltip: string; /** sweep id, or the file itself */ arg: string | 'file' }

/** The sweep lenses above an experiment file: ⇶ Sweep (N runs), and for its newest sweep Phase diagram, ■ Cancel sweep, progress. */
export function sweepLensSpecs(info: FileSweepInfo, sweeps: TrackedSweep[]): SweepLens[] {
  const out: SweepLens[] = [];
  if (info.hasSweep) {
    if (info.points !== null) out.push({ title: `⇶ Sweep (${info.points} run${info.points === 1 ? '' : 's'})`, command: 'anchorLab.sweep', tooltip: 'Run every point of the sweep grid and open its phase diagram', arg: 'file' });
    else out.push({ title: '⇶ Sweep (fix the errors first)', command: '', tooltip: info.error ?? 'the file has errors', arg: 'file' });
  }
  const newest = sweeps[0];
  if (!newest) return out;
  out.push({ title: 'Phase diagram', command: 'anchorLab.openPhaseDiagram', tooltip: `Open the phase diagram of sweep ${newest.id}`, arg: newest.id });
  const active = sweeps.find((s) => s.active);
  if (active) {
    out.push({ title: '■ Cancel sweep', command: 'anchorLab.cancelSweep', tooltip: `Cancel every running point of sweep ${active.id}`, arg: active.id });
    const c = active.status.counts;
    const eta = active.etaSec !== null && active.etaSec > 0 ? ` · ETA ${fmtEta(active.etaSec)}` : active.phase === 'starting' ? ' · starting…' : '';
    out.push({ title: `${c.completed}/${active.status.total}${eta}`, command: 'anchorLab.openPhaseDiagram', tooltip: `${c.completed} completed, ${c.running} running, ${c.pending} pending${c.failed + c.lost ? `, ${c.failed + c.lost} failed` : ''}`, arg: active.id });
  }
  return out;
}

// ---- phase-diagram panel data ------------------------------------------------------------------------------------

export function phaseInfo(t: TrackedSweep): PhaseSweepInfo {
  const s = t.sweep;
  const pair = s.points[0]?.config?.task?.unseenPairs?.[0];
  return {
    sweepId: t.id, name: s.name, experimentFile: s.experimentFile, axes: s.axes,
    maxOver: s.options.maxOver, meanOver: s.options.meanOver, overEvals: s.options.overEvals, executor: s.options.executor,
    total: t.status.total, counts: { ...t.status.counts }, active: t.active, etaSec: t.etaSec,
    pairLabel: pair ? `(${pair.join(',')})` : '(unseen)',
  };
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'png', 'svg'];

/** Validate a message from the phase-diagram webview; null for anything that is not exactly a known message. */
export function parsePhaseMessage(x: unknown): PhaseToHost | null {
  if (!isObj(x)) return null;
  switch (x.type) {
    case 'ready': case 'cancelSweep': case 'resumeSweep': return { type: x.type };
    case 'openRun': return typeof x.runId === 'string' && x.runId ? { type: 'openRun', runId: x.runId } : null;
    case 'openRuns':
      return Array.isArray(x.runIds) && x.runIds.every((r) => typeof r === 'string') && x.runIds.length <= 100_000
        ? { type: 'openRuns', runIds: x.runIds as string[], title: typeof x.title === 'string' ? x.title : 'Runs' } : null;
    case 'export':
      return EXPORT_FORMATS.includes(x.format as ExportFormat) && typeof x.data === 'string'
        ? { type: 'export', format: x.format as ExportFormat, suggestedName: typeof x.suggestedName === 'string' ? x.suggestedName : '', data: x.data } : null;
    default: return null;
  }
}

/** A safe file name for an export: the base name of what the webview suggested, with the format's extension. */
export function exportFileName(suggested: string, format: ExportFormat, fallback = 'phase-diagram'): string {
  let base = path.basename(suggested.replace(/\\/g, '/')).replace(/[^\w.\-+=,() ]+/g, '_').replace(/^\.+/, '').trim();
  if (!base) base = fallback;
  return base.toLowerCase().endsWith(`.${format}`) ? base : `${base}.${format}`;
}

/** The bytes of a `data:image/png;base64,…` URL (throws on anything else). */
export function decodePngDataUrl(url: string): Buffer {
  const m = /^data:image\/png;base64,([A-Za-z0-9+/=\s]+)$/.exec(url);
  if (!m) throw new Error('the PNG export is not a base64 data: URL');
  const buf = Buffer.from(m[1], 'base64');
  if (buf.length < 8 || buf.readUInt32BE(0) !== 0x89504e47) throw new Error('the PNG export is not a PNG image');
  return buf;
}

/** Points whose signature differs from `sent` (by index); updates `sent`. */
export function changedPoints(points: PhasePoint[], sent: Map<number, string>): PhasePoint[] {
  const out: PhasePoint[] = [];
  for (const p of points) {
    const s = pointSig(p);
    if (sent.get(p.index) !== s) { sent.set(p.index, s); out.push(p); }
  }
  return out;
}

