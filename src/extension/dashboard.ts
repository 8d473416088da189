// Dashboard panels: one per run, one following the latest run of a file, or a comparison of several runs.
// Protocol: the webview posts `ready`, the panel answers with a snapshot, then sends throttled deltas.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MIN_MESSAGE_INTERVAL_MS, packAttention, parsePanelState, parseWebviewMessage, type DashboardCommand, type HostToWebview, type PanelState } from '../protocol/webview';
import type { AttentionSnapshot } from '../protocol/runFiles';
import { attentionFile, normalize, runInfo, type TrackedRun } from './runTracker';
import { compareSeries } from './compare';
import { HostedPanel, PanelManager, safeJson } from './hostedPanel';
import { dashboardHtml } from './webviewHtml';

export const DASHBOARD_VIEW_TYPE = 'anchorLab.dashboard';

export interface DashboardHost {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  findRun(id: string): TrackedRun | undefined;
  runsForFile(file: string): TrackedRun[];
  onRunsChanged(fn: () => void): vscode.Disposable;
  command(command: DashboardCommand, run: TrackedRun): void;
}

function readAttentionStep(dir: string, step: number): AttentionSnapshot | null {
  try { return JSON.parse(fs.readFileSync(attentionFile(dir, step), 'utf8')) as AttentionSnapshot; } catch { return null; }
}

export class DashboardPanel extends HostedPanel<HostToWebview> {
  private sentRunId: string | null = null;
  private sentVersion = -1;
  private sentMetrics = 0;
  private sentAttentionStep = -1;

  constructor(panel: vscode.WebviewPanel, readonly state: PanelState, private readonly host: DashboardHost, onDispose: (p: DashboardPanel) => void) {
    super(panel, host.extensionUri, onDispose as (p: HostedPanel<HostToWebview>) => void, Math.max(MIN_MESSAGE_INTERVAL_MS, 200));
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => this.receive(m)),
      host.onRunsChanged(() => this.schedule()),
    );
    this.updateTitle();
  }

  private html(): string {
    const w = this.panel.webview;
    return dashboardHtml({
      cspSource: w.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'webview.css')).toString(),
      state: this.state,
    });
  }

  /** The run a run/follow panel shows now. */
  currentRun(): TrackedRun | undefined {
    if (this.state.kind === 'run' && this.state.runId) return this.host.findRun(this.state.runId);
    if (this.state.kind === 'follow' && this.state.file) { const runs = this.host.runsForFile(this.state.file); return runs[runs.length - 1]; }
    return undefined;
  }

  matches(s: PanelState): boolean {
    if (s.kind !== this.state.kind) return false;
    if (s.kind === 'run') return s.runId === this.state.runId;
    if (s.kind === 'follow') return !!s.file && !!this.state.file && normalize(s.file) === normalize(this.state.file);
    return JSON.stringify(s.runIds) === JSON.stringify(this.state.runIds);
  }

  private updateTitle(): void {
    const r = this.currentRun();
    if (this.state.kind === 'compare') this.panel.title = `Compare ${this.state.runIds?.length ?? 0} runs`;
    else if (this.state.kind === 'follow') this.panel.title = `${r?.config?.config.name ?? path.basename(this.state.file ?? '', '.experiment.json')} · latest run`;
    else this.panel.title = `${r?.config?.config.name ?? 'run'} · ${this.state.runId?.slice(9, 15) ?? ''}`;
  }

  private receive(raw: unknown): void {
    const m = parseWebviewMessage(raw);
    if (!m) { this.host.log.warn(`dashboard: ignored an invalid message from the webview: ${safeJson(raw)}`); return; }
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sentRunId = null;
        this.flush();
        break;
      case 'requestAttention': {
        const run = this.currentRun();
        if (!run || !run.attentionSteps.includes(m.step)) return;
        const snap = readAttentionStep(run.dir, m.step);
        if (snap) this.post({ type: 'attention', attention: packAttention(snap) });
        break;
      }
      case 'command': {
        const run = this.currentRun();
        if (run) this.host.command(m.command, run);
        break;
      }
      case 'log':
        this.host.log[m.level](`dashboard: ${m.message}`);
        break;
    }
  }

  protected flush(): void {
    if (!this.ready || this.disposed) return;
    this.updateTitle();
    if (this.state.kind === 'compare') {
      const runs = (this.state.runIds ?? []).map((id) => this.host.findRun(id)).filter((r): r is TrackedRun => !!r);
      const v = runs.reduce((s, r) => s + r.version, 0);
      if (v === this.sentVersion && this.sentRunId === 'compare') return;
      this.sentVersion = v;
      this.sentRunId = 'compare';
      this.post({ type: 'compare', ...compareSeries(runs) });
      return;
    }
    const run = this.currentRun();
    if (!run) {
      if (this.sentRunId !== '') {
        this.sentRunId = '';
        this.post({ type: 'empty', follow: this.state.file ?? null, message: this.state.kind === 'follow' ? 'No run of this experiment yet: click ▶ Run above the file.' : 'This run no longer exists.' });
      }
      return;
    }
    const latestStep = run.attentionSteps[run.attentionSteps.length - 1] ?? -1;
    const latest = () => { const s = latestStep >= 0 ? readAttentionStep(run.dir, latestStep) : null; return s ? packAttention(s) : null; };
    if (this.sentRunId !== run.id) {
      const attention = latest();
      this.post({ type: 'snapshot', mode: 'run', follow: this.state.kind === 'follow' ? this.state.file ?? null : null, run: runInfo(run), metrics: run.metrics, attentionSteps: run.attentionSteps, attention });
      this.sentRunId = run.id;
      this.sentVersion = run.version;
      this.sentMetrics = run.metrics.length;
      this.sentAttentionStep = attention ? attention.step : -1;
      return;
    }
    if (run.version === this.sentVersion) return;
    const attention = latestStep > this.sentAttentionStep ? latest() : null;
    this.post({ type: 'delta', run: runInfo(run), metricsFrom: this.sentMetrics, metrics: run.metrics.slice(this.sentMetrics), attentionSteps: run.attentionSteps, attention });
    this.sentVersion = run.version;
    this.sentMetrics = run.metrics.length;
    if (attention) this.sentAttentionStep = attention.step;
  }
}

export class DashboardManager extends PanelManager<PanelState, DashboardPanel> {
  constructor(private readonly host: DashboardHost) { super('dashboard', host.log, parsePanelState); }

  protected create(panel: vscode.WebviewPanel, state: PanelState, onDispose: (p: DashboardPanel) => void): DashboardPanel {
    return new DashboardPanel(panel, state, this.host, onDispose);
  }

  open(state: PanelState, column = vscode.ViewColumn.Beside): DashboardPanel {
    for (const p of this.panels) if (p.matches(state)) { p.reveal(); return p; }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, 'Anchor Lab', { viewColumn: column, preserveFocus: true }, { enableScripts: true, localResourceRoots: [vscode.Uri.joinPath(this.host.extensionUri, 'dist'), vscode.Uri.joinPath(this.host.extensionUri, 'media')] });
    return this.attach(panel, state);
  }
}
