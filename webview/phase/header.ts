// The sweep header: name, done/total, running/pending, ETA, whether something drives the sweep, and the
// cancel / resume actions.
import type { PhaseSweepInfo } from '../../src/protocol/phase';
import { button, el } from './dom';
import { dur } from './format';

export function renderHeader(box: HTMLElement, s: PhaseSweepInfo, onCancel: () => void, onResume: () => void): void {
  const c = s.counts;
  const done = c.completed + c.failed + c.cancelled + c.lost;
  const ended = [c.failed ? `${c.failed} failed` : '', c.cancelled ? `${c.cancelled} cancelled` : '', c.lost ? `${c.lost} lost` : ''].filter(Boolean).join(' · ');
  const actions: HTMLElement[] = [];
  if (s.active) actions.push(button('cancel-sweep', '■ Cancel sweep', onCancel, false));
  else if (c.completed < s.total) actions.push(button('resume-sweep', '▶ Resume', onResume, false));
  const bar = el('progress', { id: 'progress-bar', max: String(Math.max(1, s.total)), value: String(done) });
  box.replaceChildren(
    el('h1', { id: 'sweep-name', title: s.experimentFile ?? s.sweepId }, s.name),
    el('span', { id: 'active', class: `state ${s.active ? 'running' : done >= s.total ? 'completed' : 'idle'}` }, s.active ? `active · ${s.executor}` : done >= s.total ? 'finished' : 'not running'),
    el('span', { id: 'progress' }, `${done}/${s.total} done`), bar,
    el('span', { id: 'counts', class: 'muted' }, `${c.running} running · ${c.pending} pending${ended ? ` · ${ended}` : ''}`),
    el('span', { id: 'eta', class: 'muted' }, s.active && s.etaSec !== null ? `ETA ${dur(s.etaSec)}` : ''),
    el('span', { class: 'spacer' }),
    ...actions,
  );
}
