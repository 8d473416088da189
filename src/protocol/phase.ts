// The message protocol between the extension host (src/extension/phasePanel.ts) and the phase-diagram webview
// (webview/phase/main.ts). Imported by both sides; keep it free of node and vscode imports.
//
// Flow (as the dashboard's): the webview posts `ready` → the host answers `snapshot` (the sweep and every point) →
// the host polls the sweep directory (~1 s) and posts `delta`s holding only the points whose state or evaluations
// changed (replace by `index`). The webview reduces the points itself with reducePhaseDiagram (src/core/sweepReduce.ts,
// pure), so axis choice, metric and reductions are view state that needs no round trip. The panel's view state is
// kept with the webview's own setState (restored by the serializer with the sweep id).
import type { SolutionLabel } from '../core/config';
import type { EvalPoint } from '../core/sweepReduce';
import type { OverEvals, PointState, SweepAxis, SweepExecutorName } from './sweepFiles';

export const PHASE_VIEW_TYPE = 'anchorLab.phaseDiagram';

/** One sweep point as the view needs it. */
export interface PhasePoint {
  index: number;
  /** Swept path → value. */
  values: Record<string, unknown>;
  state: PointState;
  runId: string;
  /** The run's evaluations so far (reduced to the phase-diagram metrics, with the solution label). */
  evals: EvalPoint[];
  /** Latest solution label, null before the first evaluation. */
  solution: SolutionLabel | null;
  /** Fraction of the run's steps done (1 when finished), for partial cells. */
  progress: number;
  durationSec: number | null;
  error: string | null;
}

export interface PhaseSweepInfo {
  sweepId: string;
  name: string;
  experimentFile: string | null;
  axes: SweepAxis[];
  /** The sweep's configured reductions (sweepOptions); the view starts from these and may change them locally. */
  maxOver: string[];
  meanOver: string[];
  overEvals: OverEvals;
  executor: SweepExecutorName;
  total: number;
  counts: Record<PointState, number>;
  /** A controller (local pool) or a Slurm array is still driving the sweep. */
  active: boolean;
  etaSec: number | null;
  /** The unseen pair, e.g. "(4,3)". */
  pairLabel: string;
}

export type PhaseMetricChoice = 'inferential' | 'symmetric' | 'seen' | 'solution';

export type HostToPhase =
  | { type: 'snapshot'; sweep: PhaseSweepInfo; points: PhasePoint[] }
  | { type: 'delta'; sweep: PhaseSweepInfo; points: PhasePoint[] }
  /** The sweep directory is gone or unreadable. */
  | { type: 'empty'; message: string }
  /** Answer to `export`: where the file went (null: the user cancelled the save dialog). */
  | { type: 'exported'; format: ExportFormat; path: string | null };

export type ExportFormat = 'csv' | 'json' | 'png' | 'svg';

export type PhaseToHost =
  | { type: 'ready' }
  /** Open one run's dashboard. */
  | { type: 'openRun'; runId: string }
  /** A cell with several runs behind it (seeds, LRs): the host lets the user pick one. */
  | { type: 'openRuns'; runIds: string[]; title: string }
  /** Save an export. Text formats carry the text; png carries a data: URL (base64). */
  | { type: 'export'; format: ExportFormat; suggestedName: string; data: string }
  | { type: 'cancelSweep' }
  | { type: 'resumeSweep' };
