// Phase-diagram panels: one per sweep (webview/phase/main.ts → dist/phase.js). Protocol: src/protocol/phase.ts —
// the webview posts `ready`, the panel answers with a snapshot of the sweep and every point, then sends deltas holding
// only the points that changed. No retainContextWhenHidden: a hidden panel's page is dropped and posts `ready` again
// when shown. After a window reload the serializer restores the panel from the sweep id in the webview's state.
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { PHASE_VIEW_TYPE, type ExportFormat, type HostToPhase, type PhaseToHost } from '../protocol/phase';
import { pointLabel } from '../protocol/sweepFiles';
import type { TrackedSweep } from './sweeps';
import { changedPoints, decodePngDataUrl, exportFileName, parsePhaseMessage, phaseInfo } from './sweepView';
import { HostedPanel, PanelManager, safeJson } from './hostedPanel';
import { dashboardHtml } from './webviewHtml';

export interface PhaseHost {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  findSweep(id: string): TrackedSweep | undefined;
  onSweepsChanged(fn: () => void): vscode.Disposable;
  openRun(runId: string): void;
  cancelSweep(id: string): void | Promise<unknown>;
  resumeSweep(id: string): void | Promise<unknown>;
  /** Where the save dialog of an export starts (the sweep's workspace folder). */
  exportDir(id: string): vscode.Uri | undefined;
}

/** What the panel keeps across reloads (the webview's setState holds it, plus its own view state). */
export interface PhasePanelState { sweepId: string; sweepDir?: string }

export function parsePhaseState(x: unknown): PhasePanelState | null {
  if (!x || typeof x !== 'object') return null;
  const o = x as Record<string, unknown>;
  if (typeof o.sweepId === 'string' && o.sweepId) return { sweepId: o.sweepId, sweepDir: typeof o.sweepDir === 'string' ? o.sweepDir : undefined };
  if (typeof o.sweepDir === 'string' && o.sweepDir) return { sweepId: path.basename(o.sweepDir), sweepDir: o.sweepDir };
  return null;
}

const MIN_INTERVAL_MS = 250;

export class PhasePanel extends HostedPanel<HostToPhase> {
  /** Point signatures the webview has, by index; null before the snapshot. */
  private sent: Map<number, string> | null = null;
  private sentInfo = '';
  private sentEmpty = false;

  constructor(panel: vscode.WebviewPanel, readonly state: PhasePanelState, private readonly host: PhaseHost, onDispose: (p: PhasePanel) => void) {
    super(panel, host.extensionUri, onDispose as (p: HostedPanel<HostToPhase>) => void, MIN_INTERVAL_MS);
    panel.webview.html = this.html();
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m) => { void this.receive(m); }),
      // Hidden without retainContextWhenHidden, the page is gone: wait for its next `ready`.
      panel.onDidChangeViewState(() => { if (!panel.visible) this.ready = false; }),
      host.onSweepsChanged(() => this.schedule()),
    );
    this.updateTitle();
  }

  get sweepId(): string { return this.state.sweepId; }

  private html(): string {
    const w = this.panel.webview;
    const t = this.host.findSweep(this.state.sweepId);
    return dashboardHtml({
      cspSource: w.cspSource,
      nonce: crypto.randomBytes(16).toString('base64'),
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'phase.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, 'dist', 'phase.css')).toString(),
      state: { sweepId: this.state.sweepId, sweepDir: t?.dir ?? this.state.sweepDir },
    });
  }

  private updateTitle(): void {
    const t = this.host.findSweep(this.state.sweepId);
    this.panel.title = `Phase diagram · ${t?.sweep.name ?? this.state.sweepId}`;
  }

  private async receive(raw: unknown): Promise<void> {
    const m = parsePhaseMessage(raw);
    if (!m) { this.host.log.warn(`phase diagram: ignored an invalid message from the webview: ${safeJson(raw)}`); return; }
    try { await this.handle(m); } catch (e) {
      this.host.log.error(`phase diagram: ${m.type} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Anchor Lab: ${(e as Error).message}`);
    }
  }

  private async handle(m: PhaseToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sent = null;
        this.sentEmpty = false;
        this.flush();
        return;
      case 'openRun': this.host.openRun(m.runId); return;
      case 'openRuns': await this.pickRun(m.runIds, m.title); return;
      case 'export': await this.export(m.format, m.suggestedName, m.data); return;
      case 'cancelSweep': await this.host.cancelSweep(this.state.sweepId); return;
      case 'resumeSweep': await this.host.resumeSweep(this.state.sweepId); return;
    }
  }

  private async pickRun(runIds: string[], title: string): Promise<void> {
    if (runIds.length === 1) { this.host.openRun(runIds[0]); return; }
    const t = this.host.findSweep(this.state.sweepId);
    const items = runIds.map((runId) => {
      const p = t?.sweep.points.find((x) => x.runId === runId || x.previousRunIds.includes(runId));
      const live = p ? t!.points[p.index] : undefined;
      return { label: p ? pointLabel(p.values) || `point ${p.index}` : runId, description: live && live.runId === runId ? live.state : p ? 'earlier attempt' : '', detail: runId, runId };
    });
    const pick = await vscode.window.showQuickPick(items, { title: title || 'Open a run', placeHolder: 'The run whose dashboard to open', matchOnDetail: true });
    if (pick) this.host.openRun(pick.runId);
  }

  private async export(format: ExportFormat, suggested: string, data: string): Promise<void> {
    const t = this.host.findSweep(this.state.sweepId);
    const name = exportFileName(suggested, format, `${t?.sweep.name ?? 'sweep'}-phase-diagram`);
    const base = this.host.exportDir(this.state.sweepId);
    const filters: Record<ExportFormat, Record<string, string[]>> = { csv: { CSV: ['csv'] }, json: { JSON: ['json'] }, png: { 'PNG image': ['png'] }, svg: { 'SVG image': ['svg'] } };
    const uri = await vscode.window.showSaveDialog({ defaultUri: base ? vscode.Uri.joinPath(base, name) : undefined, filters: filters[format], saveLabel: 'Export', title: `Export the phase diagram (${format.toUpperCase()})` });
    if (!uri) { this.post({ type: 'exported', format, path: null }); return; }
    const bytes = format === 'png' ? decodePngDataUrl(data) : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(uri, bytes);
    this.host.log.info(`phase diagram: exported ${format} of sweep ${this.state.sweepId} to ${uri.fsPath}`);
    this.post({ type: 'exported', format, path: uri.fsPath });
  }

  protected flush(): void {
    if (!this.ready || this.disposed) return;
    const t = this.host.findSweep(this.state.sweepId);
    if (!t) {
      if (!this.sentEmpty) {
        this.sentEmpty = true;
        this.sent = null;
        this.post({ type: 'empty', message: `The sweep ${this.state.sweepId} no longer exists (its directory was deleted, or it is outside this workspace's sweeps folder).` });
      }
      return;
    }
    this.sentEmpty = false;
    this.updateTitle();
    const info = phaseInfo(t);
    const infoSig = JSON.stringify({ ...info, etaSec: info.etaSec === null ? null : Math.round(info.etaSec / 5) });
    if (!this.sent) {
      this.sent = new Map();
      changedPoints(t.points, this.sent);
      this.sentInfo = infoSig;
      this.post({ type: 'snapshot', sweep: info, points: t.points });
      return;
    }
    const points = changedPoints(t.points, this.sent);
    if (!points.length && infoSig === this.sentInfo) return;
    this.sentInfo = infoSig;
    this.post({ type: 'delta', sweep: info, points });
  }
}

export class PhaseManager extends PanelManager<PhasePanelState, PhasePanel> {
  constructor(private readonly host: PhaseHost) { super('phase diagram', host.log, parsePhaseState); }

  protected create(panel: vscode.WebviewPanel, state: PhasePanelState, onDispose: (p: PhasePanel) => void): PhasePanel {
    return new PhasePanel(panel, state, this.host, onDispose);
  }

  open(sweepId: string, column = vscode.ViewColumn.Beside): PhasePanel {
    for (const p of this.panels) if (p.sweepId === sweepId) { p.reveal(); return p; }
    const roots = [vscode.Uri.joinPath(this.host.extensionUri, 'dist'), vscode.Uri.joinPath(this.host.extensionUri, 'media')];
    const panel = vscode.window.createWebviewPanel(PHASE_VIEW_TYPE, 'Phase diagram', { viewColumn: column, preserveFocus: true }, { enableScripts: true, localResourceRoots: roots });
    return this.attach(panel, { sweepId, sweepDir: this.host.findSweep(sweepId)?.dir });
  }

  /** Close the panels of a sweep (it was deleted). */
  close(sweepId: string): void { for (const p of [...this.panels]) if (p.sweepId === sweepId) p.dispose(); }
}
