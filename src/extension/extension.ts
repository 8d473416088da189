// Anchor Lab extension entry: experiment-file diagnostics and lenses, detached runner processes followed through
// their run directories, the Runs view, dashboards, status bar and progress notifications.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { newRunId } from '../core/runStore';
import { DashboardManager, DASHBOARD_VIEW_TYPE } from './dashboard';
import { experimentDiagnostics } from './diagnosticsCore';
import { fmtPct, lensSpecs, progressFraction, solutionText, stateIcon } from './format';
import { launchRun, stopRun } from './launcher';
import { PathEscapeError, resolveInside } from './paths';
import { normalize, RunTracker, type TrackedRun } from './runTracker';
import type { DashboardCommand } from '../protocol/webview';

const EXPERIMENT_GLOB = '**/*.experiment.json';
const isExperiment = (uri: vscode.Uri) => uri.path.endsWith('.experiment.json');
const isActive = (r: TrackedRun) => r.state === 'running' || r.state === 'starting';

interface FolderRuns { folder: vscode.WorkspaceFolder; tracker: RunTracker; dispose: () => void }

/** The public surface returned by activate(), used by the in-host test suite. */
export interface AnchorLabApi {
  runs(): TrackedRun[];
  runFile(file: vscode.Uri, sets?: string[]): Promise<string | undefined>;
  stop(runId: string): Promise<string>;
  dashboards(): { title: string; kind: string; posted: number }[];
  poll(): void;
}

export function activate(context: vscode.ExtensionContext): AnchorLabApi {
  const log = vscode.window.createOutputChannel('Anchor Lab', { log: true });
  context.subscriptions.push(log);
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  const folders = new Map<string, FolderRuns>();
  const changed = new vscode.EventEmitter<void>();
  context.subscriptions.push(changed);
  const cfg = () => vscode.workspace.getConfiguration('anchorLab');

  // ---- run store tracking ------------------------------------------------------------------------------
  const lastState = new Map<string, string>();
  function onRunsChanged(runs: TrackedRun[], removed: string[]): void {
    for (const r of runs) {
      const prev = lastState.get(r.id);
      if (prev !== r.state) {
        lastState.set(r.id, r.state);
        const what = `run ${r.id}: ${prev ?? 'found'} → ${r.state}${solutionText(r) ? ` (${solutionText(r)})` : ''}`;
        if (r.state === 'failed' || r.state === 'lost') log.error(`${what}: ${r.error}${r.logTail ? `\n${r.logTail}` : ''}`);
        else log.info(what);
        if (prev && (prev === 'running' || prev === 'starting') && (r.state === 'failed' || r.state === 'lost')) {
          void vscode.window.showErrorMessage(`Anchor Lab: run ${r.config?.config.name ?? r.id} ${r.state === 'lost' ? 'lost its process' : 'failed'}: ${r.error ?? ''}`, 'Show Log').then((a) => { if (a) log.show(); });
        }
      }
    }
    for (const id of removed) { lastState.delete(id); log.info(`run ${id}: removed`); }
    changed.fire();
  }

  function setupFolders(): void {
    for (const f of folders.values()) f.dispose();
    folders.clear();
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const setting = cfg().get<string>('runsDirectory', '.anchor-lab/runs') || '.anchor-lab/runs';
      let runsDir: string;
      try { runsDir = resolveInside(folder.uri.fsPath, setting); } catch (e) {
        const msg = e instanceof PathEscapeError ? `anchorLab.runsDirectory: ${e.message}; runs of this folder are disabled` : String(e);
        log.error(msg);
        void vscode.window.showErrorMessage(`Anchor Lab: ${msg}`, 'Open Settings').then((a) => { if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'anchorLab.runsDirectory'); });
        continue;
      }
      const tracker = new RunTracker({ runsDir, pollMs: 500 });
      const off = tracker.onChange(onRunsChanged);
      tracker.start();
      log.info(`watching ${runsDir}`);
      // A FileSystemWatcher makes new runs appear at once; polling covers the rest (and remote file systems).
      const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runsDir), '*/{summary,process,config}.json'));
      const poke = () => tracker.poll();
      w.onDidCreate(poke); w.onDidChange(poke); w.onDidDelete(poke);
      folders.set(folder.uri.toString(), { folder, tracker, dispose: () => { off(); tracker.dispose(); w.dispose(); } });
    }
    changed.fire();
  }
  setupFolders();
  context.subscriptions.push(
    vscode.workspace.onDidChangeWorkspaceFolders(() => setupFolders()),
    vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('anchorLab.runsDirectory')) setupFolders(); }),
    { dispose: () => { for (const f of folders.values()) f.dispose(); } },
  );

  const allRuns = () => [...folders.values()].flatMap((f) => f.tracker.list());
  const findRun = (id: string) => { for (const f of folders.values()) { const r = f.tracker.get(id); if (r) return r; } return undefined; };
  const runsForFile = (file: string) => [...folders.values()].flatMap((f) => f.tracker.forFile(file)).sort((a, b) => a.id.localeCompare(b.id));
  const trackerOf = (id: string) => [...folders.values()].find((f) => f.tracker.get(id))?.tracker;

  // ---- running ---------------------------------------------------------------------------------------------
  const stopping = new Set<string>();
  async function runFile(uri: vscode.Uri, sets: string[] = []): Promise<string | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Anchor Lab: runs are disabled in an untrusted workspace (they execute code). Trust the workspace to run experiments.', 'Manage Trust').then((a) => { if (a) void vscode.commands.executeCommand('workbench.trust.manage'); });
      return undefined;
    }
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const fr = folder && folders.get(folder.uri.toString());
    if (!folder || !fr) { void vscode.window.showErrorMessage(`Anchor Lab: ${uri.fsPath} is not inside a workspace folder with a valid runs directory.`); return undefined; }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) await doc.save();
    const diags = experimentDiagnostics(doc.getText(), uri.fsPath, folder.uri.fsPath).filter((d) => d.severity === 'error');
    if (diags.length) {
      const first = diags[0];
      const pos = doc.positionAt(first.offset);
      void vscode.window.showErrorMessage(`Anchor Lab: ${path.basename(uri.fsPath)}:${pos.line + 1}:${pos.character + 1}: ${first.message}${diags.length > 1 ? ` (and ${diags.length - 1} more)` : ''}`);
      return undefined;
    }
    const max = Math.max(1, cfg().get<number>('maxConcurrentRuns', 2));
    const active = allRuns().filter(isActive);
    if (active.length >= max) {
      void vscode.window.showWarningMessage(`Anchor Lab: ${active.length} run${active.length > 1 ? 's are' : ' is'} active (anchorLab.maxConcurrentRuns = ${max}). Stop one or raise the limit.`, 'Open Settings').then((a) => { if (a) void vscode.commands.executeCommand('workbench.action.openSettings', 'anchorLab.maxConcurrentRuns'); });
      return undefined;
    }
    let name = path.basename(uri.fsPath, '.experiment.json');
    try { const j = JSON.parse(doc.getText()) as { name?: unknown }; if (typeof j.name === 'string') name = j.name; } catch { /* jsonc */ }
    const id = newRunId(name);
    const runDir = path.join(fr.tracker.runsDir, id);
    try { resolveInside(folder.uri.fsPath, runDir); } catch (e) { void vscode.window.showErrorMessage(`Anchor Lab: ${(e as Error).message}`); return undefined; }
    const backend = cfg().get<'auto' | 'wasm' | 'node' | 'webgpu' | 'cpu'>('backend', 'auto');
    const nodePath = cfg().get<string>('nodePath', '') || undefined;
    try {
      const { pid } = launchRun({ cli, experimentFile: uri.fsPath, runDir, cwd: folder.uri.fsPath, backend, sets, nodePath });
      log.info(`run ${id}: started pid ${pid} (${nodePath ?? process.execPath}, backend ${backend}) for ${uri.fsPath}`);
    } catch (e) {
      log.error(`run ${id}: could not start: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Anchor Lab: could not start the runner: ${(e as Error).message}`);
      return undefined;
    }
    fr.tracker.noteLaunched(runDir, uri.fsPath);
    showProgress(id);
    dashboards.open({ kind: 'follow', file: uri.fsPath });
    return id;
  }

  async function stop(run: TrackedRun): Promise<string> {
    if (!isActive(run) || stopping.has(run.id)) return 'gone';
    stopping.add(run.id);
    log.info(`run ${run.id}: stop requested`);
    changed.fire();
    try {
      const how = await stopRun(run.dir, { pid: run.process?.pid ?? null, graceMs: 5000 });
      log.info(`run ${run.id}: stop → ${how}`);
      trackerOf(run.id)?.poll();
      return how;
    } finally { stopping.delete(run.id); }
  }

  function showProgress(id: string): void {
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Anchor Lab', cancellable: true }, (progress, token) => new Promise<void>((resolve) => {
      let last = 0;
      const update = () => {
        const r = findRun(id);
        if (!r || !isActive(r)) { sub.dispose(); resolve(); return; }
        const f = progressFraction(r);
        const pct = f === null ? 0 : Math.round(f * 100);
        progress.report({ increment: pct - last, message: `${r.config?.config.name ?? id}: ${r.state === 'starting' ? 'starting…' : `${pct}%`}${solutionText(r) ? ` · ${solutionText(r)}` : ''}` });
        last = pct;
      };
      const sub = changed.event(update);
      token.onCancellationRequested(() => { const r = findRun(id); if (r) void stop(r); });
      update();
    }));
  }

  // ---- dashboards ----------------------------------------------------------------------------------------
  const dashboards = new DashboardManager({
    extensionUri: context.extensionUri,
    log,
    findRun,
    runsForFile,
    onRunsChanged: (fn) => changed.event(fn),
    command: (c: DashboardCommand, run: TrackedRun) => { void runCommand(c, run); },
  });
  context.subscriptions.push(dashboards, vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, dashboards.serializer()));

  async function runCommand(c: DashboardCommand, run: TrackedRun): Promise<void> {
    switch (c) {
      case 'stop': await stop(run); break;
      case 'rerun': await rerun(run); break;
      case 'openConfig': await revealConfig(run); break;
      case 'revealFolder': await revealFolder(run); break;
    }
  }
  async function rerun(run: TrackedRun): Promise<void> {
    if (!run.experimentFile) { void vscode.window.showErrorMessage('Anchor Lab: this run does not name its experiment file.'); return; }
    const sets = Object.entries(run.config?.overrides ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    await runFile(vscode.Uri.file(run.experimentFile), sets);
  }
  async function revealConfig(run: TrackedRun): Promise<void> {
    const file = run.experimentFile && fs.existsSync(run.experimentFile) ? run.experimentFile : path.join(run.dir, 'config.json');
    await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: false });
  }
  async function revealFolder(run: TrackedRun): Promise<void> {
    const uri = vscode.Uri.file(run.dir);
    try { await vscode.commands.executeCommand('revealInExplorer', uri); } catch { await vscode.commands.executeCommand('revealFileInOS', uri); }
  }

  // ---- runs view -----------------------------------------------------------------------------------------
  const tree = new RunsTree(allRuns, () => stopping);
  const view = vscode.window.createTreeView('anchorLab.runs', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(view, changed.event(() => tree.refresh()));

  // ---- status bar ----------------------------------------------------------------------------------------
  const status = vscode.window.createStatusBarItem('anchorLab.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Anchor Lab runs';
  status.command = 'anchorLab.runs.focus';
  const updateStatus = () => {
    const active = allRuns().filter(isActive);
    if (!active.length) { status.hide(); return; }
    const r = active[active.length - 1];
    const f = progressFraction(r);
    status.text = `$(beaker~spin) ${active.length === 1 ? `${r.config?.config.name ?? 'run'} ${f === null ? '…' : fmtPct(f)}` : `${active.length} runs`}`;
    status.tooltip = active.map((x) => `${x.config?.config.name ?? x.id}: ${x.state} ${fmtPct(progressFraction(x))}${solutionText(x) ? ` · ${solutionText(x)}` : ''}`).join('\n');
    status.show();
  };
  context.subscriptions.push(status, changed.event(updateStatus));
  updateStatus();

  // ---- CodeLens ------------------------------------------------------------------------------------------
  const lensChanged = new vscode.EventEmitter<void>();
  let lensTimer: NodeJS.Timeout | null = null;
  context.subscriptions.push(lensChanged, changed.event(() => { if (!lensTimer) lensTimer = setTimeout(() => { lensTimer = null; lensChanged.fire(); }, 500); }));
  const selector: vscode.DocumentSelector = [{ scheme: 'file', pattern: EXPERIMENT_GLOB }];
  context.subscriptions.push(vscode.languages.registerCodeLensProvider(selector, {
    onDidChangeCodeLenses: lensChanged.event,
    provideCodeLenses(doc) {
      const top = new vscode.Range(0, 0, 0, 0);
      return lensSpecs(runsForFile(doc.uri.fsPath)).map((s) => new vscode.CodeLens(top, { title: s.title, command: s.command, tooltip: s.tooltip, arguments: [doc.uri] }));
    },
  }));
  context.subscriptions.push(vscode.workspace.onDidSaveTextDocument((d) => { if (isExperiment(d.uri)) lensChanged.fire(); }));

  // ---- diagnostics ---------------------------------------------------------------------------------------
  const diagnostics = vscode.languages.createDiagnosticCollection('anchorLab');
  context.subscriptions.push(diagnostics);
  const diagTimers = new Map<string, NodeJS.Timeout>();
  const validate = (doc: vscode.TextDocument) => {
    if (!isExperiment(doc.uri)) return;
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri);
    const items = experimentDiagnostics(doc.getText(), doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined, folder?.uri.fsPath).map((d) => {
      const range = new vscode.Range(doc.positionAt(d.offset), doc.positionAt(d.offset + d.length));
      const diag = new vscode.Diagnostic(range, d.message, d.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
      diag.source = 'Anchor Lab';
      if (d.path.length) diag.code = d.path.join('.');
      return diag;
    });
    diagnostics.set(doc.uri, items);
  };
  const validateSoon = (doc: vscode.TextDocument) => {
    if (!isExperiment(doc.uri)) return;
    const k = doc.uri.toString();
    clearTimeout(diagTimers.get(k));
    diagTimers.set(k, setTimeout(() => { diagTimers.delete(k); validate(doc); }, 150));
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(validate),
    vscode.workspace.onDidChangeTextDocument((e) => validateSoon(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => diagnostics.delete(d.uri)),
  );
  vscode.workspace.textDocuments.forEach(validate);

  // ---- commands ------------------------------------------------------------------------------------------
  const fileArg = (x: unknown): vscode.Uri | undefined => {
    if (x instanceof vscode.Uri) return x;
    if (x instanceof RunItem && x.run.experimentFile) return vscode.Uri.file(x.run.experimentFile);
    if (x instanceof FileItem && x.file) return vscode.Uri.file(x.file);
    const ed = vscode.window.activeTextEditor;
    return ed && isExperiment(ed.document.uri) ? ed.document.uri : undefined;
  };
  const runArg = (x: unknown): TrackedRun | undefined => {
    if (x instanceof RunItem) return findRun(x.run.id) ?? x.run;
    if (typeof x === 'string') return findRun(x);
    const sel = view.selection.find((s): s is RunItem => s instanceof RunItem);
    return sel ? findRun(sel.run.id) : undefined;
  };
  const needFile = (x: unknown) => { const u = fileArg(x); if (!u) void vscode.window.showInformationMessage('Anchor Lab: open an *.experiment.json file first.'); return u; };
  const needRun = (x: unknown) => { const r = runArg(x); if (!r) void vscode.window.showInformationMessage('Anchor Lab: select a run in the Runs view.'); return r; };
  const reg = (id: string, fn: (...a: unknown[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg('anchorLab.run', (x) => { const u = needFile(x); return u ? runFile(u) : undefined; });
  reg('anchorLab.openDashboard', (x) => {
    if (x instanceof RunItem || typeof x === 'string') { const r = needRun(x); if (r) dashboards.open({ kind: 'run', runId: r.id }); return; }
    const u = needFile(x);
    if (u) dashboards.open({ kind: 'follow', file: u.fsPath });
  });
  reg('anchorLab.stop', async (x) => { const r = needRun(x); return r ? stop(r) : undefined; });
  reg('anchorLab.stopFile', async (x) => {
    const u = needFile(x);
    if (!u) return;
    await Promise.all(runsForFile(u.fsPath).filter(isActive).map((r) => stop(r)));
  });
  reg('anchorLab.rerun', async (x) => { const r = needRun(x); if (r) await rerun(r); });
  reg('anchorLab.revealConfig', async (x) => { const r = needRun(x); if (r) await revealConfig(r); });
  reg('anchorLab.revealFolder', async (x) => { const r = needRun(x); if (r) await revealFolder(r); });
  reg('anchorLab.deleteRun', async (x, xs) => {
    const picked = (Array.isArray(xs) && xs.length ? xs : [x]).map(runArg).filter((r): r is TrackedRun => !!r);
    if (!picked.length) return;
    if (picked.some(isActive)) { void vscode.window.showWarningMessage('Anchor Lab: stop a run before deleting it.'); return; }
    const ok = await vscode.window.showWarningMessage(picked.length === 1 ? `Delete run ${picked[0].id} and its files?` : `Delete ${picked.length} runs and their files?`, { modal: true }, 'Delete');
    if (ok !== 'Delete') return;
    for (const r of picked) {
      const tr = trackerOf(r.id);
      try { if (tr) resolveInside(tr.runsDir, r.dir); fs.rmSync(r.dir, { recursive: true, force: true }); log.info(`run ${r.id}: deleted`); } catch (e) { log.error(`run ${r.id}: delete failed: ${(e as Error).message}`); }
      tr?.poll();
    }
  });
  reg('anchorLab.compare', (x, xs) => {
    const picked = (Array.isArray(xs) ? xs : view.selection).filter((s): s is RunItem => s instanceof RunItem).map((s) => s.run.id);
    if (picked.length < 2) { void vscode.window.showInformationMessage('Anchor Lab: select two or more runs to compare (Ctrl/Cmd-click in the Runs view).'); return; }
    dashboards.open({ kind: 'compare', runIds: picked });
  });
  reg('anchorLab.openExample', async () => {
    const found = await vscode.workspace.findFiles(EXPERIMENT_GLOB, '**/{node_modules,.anchor-lab}/**', 50);
    found.sort((a, b) => (/quickstart\.experiment/.test(b.path) ? 1 : 0) - (/quickstart\.experiment/.test(a.path) ? 1 : 0) || a.path.localeCompare(b.path));
    if (!found.length) { void vscode.window.showInformationMessage('Anchor Lab: no *.experiment.json in this workspace. Open the examples/ folder of the Anchor Lab repository, or create my.experiment.json with {"name": "my-run"}.'); return; }
    await vscode.window.showTextDocument(found[0], { preview: false });
  });
  reg('anchorLab.refresh', () => { for (const f of folders.values()) f.tracker.poll(); tree.refresh(); });
  reg('anchorLab.showLog', () => log.show());

  context.subscriptions.push(view.onDidChangeSelection((e) => {
    void vscode.commands.executeCommand('setContext', 'anchorLab.multipleRunsSelected', e.selection.filter((s) => s instanceof RunItem).length >= 2);
  }));

  // Re-attach: active runs found on activation get their progress notification back.
  for (const r of allRuns().filter(isActive)) showProgress(r.id);
  log.info(`activated (${folders.size} folder${folders.size === 1 ? '' : 's'}, ${allRuns().length} runs, trusted: ${vscode.workspace.isTrusted})`);

  return {
    runs: allRuns,
    runFile,
    stop: async (id) => { const r = findRun(id); return r ? stop(r) : 'gone'; },
    dashboards: () => [...dashboards.panels].map((p) => ({ title: p.panel.title, kind: p.state.kind, posted: p.posted })),
    poll: () => { for (const f of folders.values()) f.tracker.poll(); },
  };
}

export function deactivate(): void { /* runs are detached and keep going; trackers are disposed via subscriptions */ }

// ---- tree items --------------------------------------------------------------------------------------------
class FileItem extends vscode.TreeItem {
  constructor(readonly file: string | null, readonly runs: TrackedRun[]) {
    super(file ? path.basename(file) : '(unknown experiment)', vscode.TreeItemCollapsibleState.Expanded);
    const active = runs.filter(isActive).length;
    this.description = `${runs.length} run${runs.length === 1 ? '' : 's'}${active ? ` · ${active} active` : ''}`;
    this.tooltip = file ?? undefined;
    this.iconPath = new vscode.ThemeIcon('beaker');
    this.contextValue = 'experimentFile';
    if (file) this.resourceUri = vscode.Uri.file(file);
    this.id = `file:${file ?? '?'}`;
  }
}

class RunItem extends vscode.TreeItem {
  constructor(readonly run: TrackedRun, stopping: boolean) {
    const ts = /^(\d{8})-(\d{6})/.exec(run.id);
    const when = ts ? `${ts[1].slice(4, 6)}-${ts[1].slice(6, 8)} ${ts[2].slice(0, 2)}:${ts[2].slice(2, 4)}:${ts[2].slice(4, 6)}` : run.id;
    super(`${run.config?.config.name ?? 'run'} · ${when}`, vscode.TreeItemCollapsibleState.None);
    this.id = `run:${run.dir}`;
    const f = progressFraction(run);
    const parts: string[] = [stopping ? 'stopping…' : run.state === 'lost' ? 'failed: process lost' : run.state];
    if (isActive(run) && f !== null) parts.push(fmtPct(f));
    const sol = solutionText(run);
    if (sol) parts.push(sol);
    const gamma = run.config?.config.model.gamma;
    if (gamma !== undefined) parts.push(`γ=${gamma}`);
    this.description = parts.join(' · ');
    const icon = stateIcon(run.state);
    this.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${run.config?.config.name ?? run.id}** — ${run.state}\n\n`);
    md.appendText(`${run.id}\n`);
    if (run.error) md.appendCodeblock(`${run.error}${run.logTail ? `\n${run.logTail}` : ''}`, 'text');
    this.tooltip = md;
    this.contextValue = isActive(run) ? 'run.active' : 'run.finished';
    this.command = { command: 'anchorLab.openDashboard', title: 'Open Dashboard', arguments: [run.id] };
  }
}

class RunsTree implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly runs: () => TrackedRun[], private readonly stopping: () => Set<string>) {}
  refresh(): void { if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.emitter.fire(); }, 250); }
  getTreeItem(e: vscode.TreeItem): vscode.TreeItem { return e; }
  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    if (e instanceof FileItem) return [...e.runs].reverse().map((r) => new RunItem(r, this.stopping().has(r.id)));
    if (e) return [];
    const groups = new Map<string, TrackedRun[]>();
    for (const r of this.runs()) { const k = r.experimentFile ? normalize(r.experimentFile) : ''; groups.set(k, [...(groups.get(k) ?? []), r]); }
    return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, runs]) => new FileItem(k || null, runs));
  }
}
