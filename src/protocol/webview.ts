// The one message protocol between the extension host and the dashboard webview. Imported by both sides
// (src/extension/dashboard.ts and webview/main.ts); keep it free of node and vscode imports.
// Flow: webview posts `ready` → host answers `snapshot` → host streams throttled `delta`s (≤ 10 per second).
// Attention maps travel as Float32Array (structured clone), one per probe: [layer][head][query][key] flattened.
import type { ExperimentConfig, SolutionLabel } from '../core/config';
import type { MetricsLine, ProgressFile, RunConfigFile, TokenRole } from './runFiles';

export type RunState = 'starting' | 'running' | 'completed' | 'failed' | 'cancelled' | 'lost';

/** What the dashboard shows about a run besides its curves. */
export interface RunInfo {
  id: string;
  name: string;
  experimentFile: string | null;
  state: RunState;
  /** Failure text: the summary's error, or "process lost" plus the tail of runner.log. */
  error: string | null;
  backend: string | null;
  config: ExperimentConfig | null;
  derived: RunConfigFile['derived'] | null;
  overrides: Record<string, unknown>;
  progress: ProgressFile | null;
  solution: SolutionLabel | null;
  durationSec: number | null;
}

export interface AttentionProbeData {
  label: string;
  tokens: number[];
  roles: TokenRole[];
  layers: number;
  heads: number;
  /** Sequence length T; data has layers·heads·T·T entries. */
  T: number;
  data: Float32Array;
}
export interface AttentionData { step: number; epoch: number; probes: AttentionProbeData[] }

/** One run in a comparison: a slim series (no per-pair or deviations). */
export interface CompareSeries {
  id: string;
  label: string;
  state: RunState;
  solution: SolutionLabel | null;
  steps: number[];
  loss: (number | null)[];
  seenTestAcc: number[];
  inferential: number[];
  symmetric: number[];
}

export type HostToWebview =
  | { type: 'snapshot'; mode: 'run'; follow: string | null; run: RunInfo; metrics: MetricsLine[]; attentionSteps: number[]; attention: AttentionData | null }
  /** New metrics lines start at index `metricsFrom` of the run's list (lines before it are unchanged). */
  | { type: 'delta'; run: RunInfo; metricsFrom: number; metrics: MetricsLine[]; attentionSteps: number[]; attention: AttentionData | null }
  /** The answer to `requestAttention`. */
  | { type: 'attention'; attention: AttentionData }
  | { type: 'compare'; runs: CompareSeries[]; differing: string[] }
  /** Follow mode before the file has any run. */
  | { type: 'empty'; follow: string | null; message: string };

export type DashboardCommand = 'stop' | 'rerun' | 'openConfig' | 'revealFolder';
export const DASHBOARD_COMMANDS: readonly DashboardCommand[] = ['stop', 'rerun', 'openConfig', 'revealFolder'];

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestAttention'; step: number }
  | { type: 'command'; command: DashboardCommand }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** State kept by the webview (vscode.setState) and given back to the serializer after a reload. */
export interface PanelState { kind: 'run' | 'follow' | 'compare'; runId?: string; file?: string; runIds?: string[] }

/** Minimum gap between two messages from the host to one webview. */
export const MIN_MESSAGE_INTERVAL_MS = 100;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Validate a message from the webview. Returns null for anything that is not exactly a known message. */
export function parseWebviewMessage(x: unknown): WebviewToHost | null {
  if (!isObj(x) || typeof x.type !== 'string') return null;
  const keys = Object.keys(x);
  const only = (...allowed: string[]) => keys.every((k) => allowed.includes(k));
  switch (x.type) {
    case 'ready':
      return only('type') ? { type: 'ready' } : null;
    case 'requestAttention':
      return only('type', 'step') && typeof x.step === 'number' && Number.isSafeInteger(x.step) && x.step >= 0 ? { type: 'requestAttention', step: x.step } : null;
    case 'command':
      return only('type', 'command') && typeof x.command === 'string' && (DASHBOARD_COMMANDS as readonly string[]).includes(x.command)
        ? { type: 'command', command: x.command as DashboardCommand } : null;
    case 'log':
      return only('type', 'level', 'message') && (x.level === 'info' || x.level === 'warn' || x.level === 'error') && typeof x.message === 'string'
        ? { type: 'log', level: x.level, message: x.message.slice(0, 2000) } : null;
    default:
      return null;
  }
}

/** Validate a panel state handed back by VS Code after a reload (it came from the webview, so check it). */
export function parsePanelState(x: unknown): PanelState | null {
  if (!isObj(x)) return null;
  const str = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length < 4096;
  if (x.kind === 'run' && str(x.runId)) return { kind: 'run', runId: x.runId as string };
  if (x.kind === 'follow' && str(x.file)) return { kind: 'follow', file: x.file as string };
  if (x.kind === 'compare' && Array.isArray(x.runIds) && x.runIds.length >= 2 && x.runIds.length <= 32 && x.runIds.every(str)) return { kind: 'compare', runIds: x.runIds as string[] };
  return null;
}

/** Flatten a run-file attention snapshot (nested arrays) into typed arrays for postMessage. */
export function packAttention(s: { step: number; epoch: number; probes: { label: string; tokens: number[]; roles: TokenRole[]; maps: number[][][] }[] }): AttentionData {
  return {
    step: s.step,
    epoch: s.epoch,
    probes: s.probes.map((p) => {
      const layers = p.maps.length;
      const heads = layers ? p.maps[0].length : 0;
      const T = p.tokens.length;
      const data = new Float32Array(layers * heads * T * T);
      let o = 0;
      for (const layer of p.maps) for (const head of layer) { for (let i = 0; i < T * T; i++) data[o + i] = head[i] ?? 0; o += T * T; }
      return { label: p.label, tokens: p.tokens, roles: p.roles, layers, heads, T, data };
    }),
  };
}
