// Terminal rendering of a finished run.
import type { ExperimentConfig } from '../core/config';
import type { Summary } from '../protocol/runFiles';

export const fmtPct = (x: number) => `${(x * 100).toFixed(1)}%`;
export function fmtDuration(sec: number): string {
  const s = Math.round(sec);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** A two-column table: what the model learned, and the numbers behind it. */
export function renderSummaryTable(s: Summary, cfg: ExperimentConfig, dir: string): string {
  const f = s.final, b = s.best;
  const pair = f ? `(${f.unseen.pair.join(',')})` : '(unseen)';
  const rows: [string, string][] = [
    ['experiment', `${cfg.name} · γ=${cfg.model.gamma} · ${cfg.model.layers}L${cfg.model.heads}H · seed ${cfg.train.seed}`],
    ['status', s.status + (s.stoppedEarly ? ` (stopped early at epoch ${s.stoppedEarly.epoch}: ${s.stoppedEarly.detail})` : '')],
    ['solution', s.solution ?? '—'],
    [`${pair} inferential`, f ? `${fmtPct(f.unseen.inferential)}  (best ${fmtPct(b!.unseen.inferential)})` : '—'],
    [`${pair} symmetric`, f ? `${fmtPct(f.unseen.symmetric)}  (best ${fmtPct(b!.unseen.symmetric)})` : '—'],
    [`${pair} other`, f ? fmtPct(f.unseen.other) : '—'],
    ['seen-pair test acc', f ? `${fmtPct(f.seenTestAcc)}  (best ${fmtPct(b!.seenTestAcc)})` : '—'],
    ['training acc', f ? fmtPct(f.trainAcc) : '—'],
    ['final epoch loss', f?.loss != null ? f.loss.toFixed(5) : '—'],
    ['steps · epochs', `${s.steps} · ${s.epochs}/${cfg.train.epochs}`],
    ['wall time', `${fmtDuration(s.durationSec)} on ${s.backend}`],
    ['run directory', dir],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  const v = Math.max(...rows.map((r) => r[1].length));
  const line = `+${'-'.repeat(w + 2)}+${'-'.repeat(v + 2)}+`;
  return [line, ...rows.map(([k, val]) => `| ${k.padEnd(w)} | ${val.padEnd(v)} |`), line].join('\n');
}
