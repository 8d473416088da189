// The words for one drawn cell: the tooltip text, and (first line) the cell button's accessible name.
import type { PhasePoint } from '../../src/protocol/phase';
import { axisShortName, pointLabel } from '../../src/protocol/sweepFiles';
import type { Stat } from '../../src/core/sweepReduce';
import { fmtVal, pct } from './format';
import type { HitCell } from './layout';

const statText = (s: Stat | null) => (s ? `${pct(s.mean)} ± ${pct(s.std)} (n=${s.n})` : 'no data yet');

export function cellPosition(h: HitCell): string {
  const v = Object.entries(h.cell.values).map(([k, x]) => `${axisShortName(k)}=${fmtVal(x)}`).join(' · ');
  return v || 'all points';
}

export function describeCell(h: HitCell, pairLabel: string, points: Map<string, PhasePoint>): string[] {
  const c = h.cell;
  const lines = [cellPosition(h)];
  if (h.metric === 'solution') lines.push(`${pairLabel} solution: ${c.solution ?? 'none yet'}`);
  else lines.push(`${h.metric === 'seen' ? 'seen-pair test' : `${pairLabel} ${h.metric}`} accuracy: ${statText(c[h.metric])}`);
  if (h.metric !== 'seen') lines.push(`seen-pair test accuracy: ${statText(c.seen)}`);
  const sols = Object.entries(c.solutions).filter(([, n]) => n).map(([l, n]) => `${l} ${n}`).join(', ');
  lines.push(`solutions: ${sols || '—'}`);
  lines.push(`points: ${c.nWithData}/${c.nPoints} with data`);
  if (c.partial) lines.push('partial: a point is still pending or running');
  if (c.shadow) lines.push('shadow: seen-pair test accuracy < 90%');
  const max = 12;
  lines.push(`runs (${c.runIds.length}):`);
  c.runIds.slice(0, max).forEach((id) => {
    const p = points.get(id);
    lines.push(`  ${id}${p ? `  ${pointLabel(p.values)}  ${p.state}` : ''}`);
  });
  if (c.runIds.length > max) lines.push(`  … and ${c.runIds.length - max} more`);
  return lines;
}
