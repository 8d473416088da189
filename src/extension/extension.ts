// Anchor Lab extension entry: experiment-file diagnostics and lenses, detached runner processes followed through
// their run directories, sweeps (detached `anchor-lab sweep` controllers followed through their sweep directories,
// phase-diagram panels), the Runs view, dashboards, status bar and progress notifications.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { newRunId } from '../core/runStore';
import { cancelSweep as cancelSweepDir } from '../core/sweepStore';
import { DashboardManager, DASHBOARD_VIEW_TYPE } from './dashboard';
import { experimentDiagnostics } from './diagnosticsCore';
import { fmtEta, fmtPct, lensSpecs, progressFraction, solutionText, stateIcon } from './format';
import { launchRun, stopRun } from './launcher';
import { PathEscapeError, resolveInside } from './paths';
import { PhaseManager } from './phasePanel';
import { normalize, RunTracker, type TrackedRun } from './runTracker';
import { createNewSweep, launchController, planSweep, resumeSource, concurrencyFor, type ExecutorSetting } from './sweepLauncher';
import { canResume, isUnfinished, sweepRunIds, sweepsDirOf, SweepTracker, type TrackedSweep } from './sweeps';
import { fileSweepInfo, sweepDescription, sweepIcon, sweepLensSpecs, sweepStatusText, type FileSweepInfo } from './sweepView';
import type { DashboardCommand } from '../protocol/webview';
import { PHASE_VIEW_TYPE } from '../protocol/phase';
import { pointLabel, type SweepPoint } from '../protocol/sweepFiles';

const EXPERIMENT_GLOB = '**/*.experiment.json';
const isExperiment = (uri: vscode.Uri) => uri.path.endsWith('.experiment.json');
const isActive = (r: TrackedRun) => r.state === 'running' || r.state === 'starting';

interface FolderRuns { folder: vscode.WorkspaceFolder; tracker: RunTracker; sweeps: SweepTracker | null; dispose: () => void }

/** The public surface returned by activate(), used by the in-host test suite. */
export interface AnchorLabApi {
  runs(): TrackedRun[];
  runFile(file: vscode.Uri, sets?: string[]): Promise<string | undefined>;
  stop(runId: string): Promise<string>;
  dashboards(): { title: string; kind: string; posted: number }[];
  poll(): void;
  sweeps(): { id: string; dir: string; phase: string; active: boolean; completed: number; total: number }[];
  sweepFile(file: vscode.Uri): Promise<string | undefined>;
  phasePanels(): { sweepId: string; posted: number }[];
}

export function activate(context: vscode.ExtensionContext): AnchorLabApi {
  const log = vscode.window.createOutputChannel('Anchor Lab', { log: true });
  context.subscriptions.push(log);
  const cli = vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.js').fsPath;
  const folders = new Map<string, FolderRuns>();
  const changed = new vscode.EventEmitter<void>();
  context.subscriptions.push(changed);
  const cfg = () => vscode.workspace.getConfiguration('anchorLab');

  // ---- sweep tracking (one SweepTracker per folder, next to its RunTracker) --------------------------------
  const sweepTrackers = () => [...folders.values()].map((f) => f.sweeps).filter((s): s is SweepTracker => !!s);
  const allSweeps = () => sweepTrackers().flatMap((s) => s.list()).sort((a, b) => b.sweep.createdAt.localeCompare(a.sweep.createdAt));
  const findSweep = (id: string) => { for (const s of sweepTrackers()) { const t = s.get(id); if (t) return t; } return undefined; };
  const sweepOfRun = (runId: string) => { for (const s of sweepTrackers()) { const t = s.ownerOf(runId); if (t) return t; } return undefined; };
  const sweepsForFile = (file: string) => sweepTrackers().flatMap((s) => s.forFile(file)).sort((a, b) => b.sweep.createdAt.localeCompare(a.sweep.createdAt));
  const folderOfSweep = (id: string) => [...folders.values()].find((f) => f.sweeps?.get(id));
  const sweepsChanged = new vscode.EventEmitter<void>();
  /** A sweep started, ended, was found or removed (not just progress). */
  const sweepPhaseChanged = new vscode.EventEmitter<void>();
  context.subscriptions.push(sweepsChanged, sweepPhaseChanged);
  const lastSweep = new Map<string, { phase: string; error: string | null }>();
  function onSweepsChanged(list: TrackedSweep[], removed: string[]): void {
    let phaseChanged = removed.length > 0;
    for (const t of list) {
      const prev = lastSweep.get(t.id);
      lastSweep.set(t.id, { phase: t.phase, error: t.error });
      if (prev?.phase !== t.phase) { log.info(`sweep ${t.id}: ${prev?.phase ?? 'found'} → ${t.phase} (${sweepDescription(t)})`); phaseChanged = true; }
      if (t.error && t.error !== prev?.error) {
        log.error(`sweep ${t.id}: ${t.error}`);
        void vscode.window.showErrorMessage(`Anchor Lab: sweep ${t.sweep.name} could not start: ${t.error.split('\n')[0]}`, 'Show Log').then((a) => { if (a) log.show(); });
      } else if (prev && (prev.phase === 'running' || prev.phase === 'starting') && t.phase !== 'running' && t.phase !== 'starting') {
        const c = t.status.counts;
        const text = `Anchor Lab: sweep ${t.sweep.name} ${t.phase === 'completed' ? 'completed' : `ended (${t.phase})`}: ${c.completed}/${t.status.total} completed${c.failed + c.lost ? `, ${c.failed + c.lost} failed` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''}.`;
        void (t.phase === 'completed' ? vscode.window.showInformationMessage(text, 'Open Phase Diagram') : vscode.window.showWarningMessage(text, 'Open Phase Diagram')).then((a) => { if (a) phases.open(t.id); });
      }
    }
    for (const id of removed) { lastSweep.delete(id); log.info(`sweep ${id}: removed`); }
    sweepsChanged.fire();
    if (phaseChanged) sweepPhaseChanged.fire();
  }

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
        if (prev && (prev === 'running' || prev === 'starting') && (r.state === 'failed' || r.state === 'lost') && !sweepOfRun(r.id)) {
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
      // Sweeps: `sweeps` next to the runs directory (as the CLI), when that is inside the folder too.
      let sweeps: SweepTracker | null = null;
      let sw: vscode.Disposable | null = null;
      let offSweeps = () => {};
      try {
        sweeps = new SweepTracker({ sweepsDir: resolveInside(folder.uri.fsPath, sweepsDirOf(runsDir)) });
        offSweeps = sweeps.onChange(onSweepsChanged);
        sweeps.start();
        const sweepWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(sweeps.sweepsDir), '*/{sweep,controller,control}.json'));
        const pokeSweeps = () => sweeps?.poll();
        sweepWatcher.onDidCreate(pokeSweeps); sweepWatcher.onDidChange(pokeSweeps); sweepWatcher.onDidDelete(pokeSweeps);
        sw = sweepWatcher;
      } catch (e) { log.warn(`sweeps of ${folder.name} are disabled: ${(e as Error).message}`); }
      folders.set(folder.uri.toString(), { folder, tracker, sweeps, dispose: () => { off(); tracker.dispose(); w.dispose(); offSweeps(); sweeps?.dispose(); sw?.dispose(); } });
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

  // ---- sweeps: start / resume / cancel / delete, phase-diagram panels, progress -----------------------------
  const phases = new PhaseManager({
    extensionUri: context.extensionUri,
    log,
    findSweep,
    onSweepsChanged: (fn) => sweepsChanged.event(fn),
    openRun: (runId) => {
      if (findRun(runId)) { dashboards.open({ kind: 'run', runId }); return; }
      void vscode.window.showInformationMessage(`Anchor Lab: run ${runId} has not started yet.`);
    },
    cancelSweep: (id) => { const t = findSweep(id); return t ? cancelSweep(t, true) : undefined; },
    resumeSweep: (id) => { const t = findSweep(id); return t ? resumeSweep(t) : undefined; },
    exportDir: (id) => folderOfSweep(id)?.folder.uri,
  });
  context.subscriptions.push(phases, vscode.window.registerWebviewPanelSerializer(PHASE_VIEW_TYPE, phases.serializer()));

  const sweepSettings = () => ({
    executor: cfg().get<ExecutorSetting>('sweep.executor', 'file'),
    maxConcurrent: cfg().get<number>('sweep.maxConcurrent', 0),
    backend: cfg().get<string>('backend', 'auto'),
    nodePath: cfg().get<string>('nodePath', '') || undefined,
  });
  const trusted = () => {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showWarningMessage('Anchor Lab: sweeps are disabled in an untrusted workspace (they execute code). Trust the workspace to run experiments.', 'Manage Trust').then((a) => { if (a) void vscode.commands.executeCommand('workbench.trust.manage'); });
    return false;
  };

  /** ⇶ Sweep: resume an unfinished sweep of the same definition, or create a new one; start its controller; open the phase diagram. */
  async function sweepFile(uri: vscode.Uri): Promise<string | undefined> {
    if (!trusted()) return undefined;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    const fr = folder && folders.get(folder.uri.toString());
    if (!folder || !fr || !fr.sweeps) { void vscode.window.showErrorMessage(`Anchor Lab: ${uri.fsPath} is not inside a workspace folder with valid runs and sweeps directories.`); return undefined; }
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.isDirty) await doc.save();
    const text = doc.getText();
    const info = fileSweepInfo(text);
    const diags = experimentDiagnostics(text, uri.fsPath, folder.uri.fsPath).filter((d) => d.severity === 'error');
    if (diags.length || info.error) {
      const where = diags[0] ? `${path.basename(uri.fsPath)}:${doc.positionAt(diags[0].offset).line + 1}: ${diags[0].message}` : `${path.basename(uri.fsPath)}: ${info.error}`;
      void vscode.window.showErrorMessage(`Anchor Lab: ${where}`);
      return undefined;
    }
    if (!info.hasSweep || !info.points) { void vscode.window.showInformationMessage('Anchor Lab: this file has no "sweep" block. Add one, e.g. "sweep": {"model.gamma": [0.5, 0.8]}, to run a grid.'); return undefined; }
    const set = sweepSettings();
    const plan = planSweep(text, set.executor, set.maxConcurrent);
    const same = fr.sweeps.list().filter((t) => t.sweep.definitionHash === plan.hash);
    const running = same.find((t) => t.active);
    if (running) {
      const a = await vscode.window.showInformationMessage(`Anchor Lab: a sweep of this definition is already running (${sweepDescription(running)}).`, 'Open Phase Diagram');
      if (a) phases.open(running.id);
      return running.id;
    }
    const unfinished = same.find(isUnfinished);
    if (unfinished) {
      const c = unfinished.status.counts;
      const a = await vscode.window.showInformationMessage(`Resume sweep ${unfinished.id}?`, {
        modal: true,
        detail: `An unfinished sweep of this definition exists: ${c.completed}/${unfinished.status.total} completed${c.failed + c.lost ? `, ${c.failed + c.lost} failed` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''}. Resume runs only the points that are not completed; New Sweep starts all ${info.points} again.`,
      }, 'Resume', 'New Sweep');
      if (!a) return undefined;
      if (a === 'Resume') return (await resumeSweep(unfinished)) ? unfinished.id : undefined;
    }
    let created: { dir: string };
    try { created = createNewSweep({ text, file: uri.fsPath, plan, sweepsDir: fr.sweeps.sweepsDir, runsDir: fr.tracker.runsDir }); } catch (e) {
      void vscode.window.showErrorMessage(`Anchor Lab: could not create the sweep: ${(e as Error).message}`);
      return undefined;
    }
    const id = path.basename(created.dir);
    if (!startController(fr, id, created.dir, { file: uri.fsPath, sets: [], concurrency: plan.concurrency, executor: plan.executorFlag })) return undefined;
    phases.open(id);
    showSweepProgress(id);
    return id;
  }

  function startController(fr: FolderRuns, id: string, dir: string, o: { file: string; sets: string[]; concurrency?: number; executor?: 'local' | 'slurm' }): boolean {
    const set = sweepSettings();
    try {
      const { pid } = launchController({ cli, file: o.file, sweepDir: dir, runsDir: fr.tracker.runsDir, cwd: fr.folder.uri.fsPath, concurrency: o.concurrency, executor: o.executor, backend: set.backend, sets: o.sets, nodePath: set.nodePath });
      log.info(`sweep ${id}: controller pid ${pid} started for ${o.file}${o.concurrency ? `, concurrency ${o.concurrency}` : ''}${o.executor ? `, executor ${o.executor}` : ''} (log: ${path.join(dir, 'controller.log')})`);
      fr.sweeps?.noteLaunched(dir, pid);
      return true;
    } catch (e) {
      log.error(`sweep ${id}: could not start the controller: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`Anchor Lab: could not start the sweep: ${(e as Error).message}`);
      return false;
    }
  }

  async function resumeSweep(t: TrackedSweep): Promise<boolean> {
    if (!trusted()) return false;
    const fr = folderOfSweep(t.id);
    if (!fr) return false;
    if (t.active) { void vscode.window.showInformationMessage(`Anchor Lab: sweep ${t.sweep.name} is still running.`); return false; }
    if (!isUnfinished(t)) { void vscode.window.showInformationMessage(`Anchor Lab: every point of sweep ${t.sweep.name} is completed.`); return false; }
    const set = sweepSettings();
    const src = resumeSource(t.dir, t.sweep);
    const executor = set.executor === 'file' ? t.sweep.options.executor : set.executor;
    if (!startController(fr, t.id, t.dir, { file: src.file, sets: src.sets, concurrency: concurrencyFor(src.maxConcurrent, set.maxConcurrent), executor })) return false;
    phases.open(t.id);
    showSweepProgress(t.id);
    return true;
  }

  async function cancelSweep(t: TrackedSweep, confirm: boolean): Promise<void> {
    if (!t.active) return;
    if (confirm) {
      const n = t.status.counts.running;
      const a = await vscode.window.showWarningMessage(`Cancel sweep ${t.sweep.name}?`, { modal: true, detail: `${n} running point${n === 1 ? ' is' : 's are'} stopped and no more are started. Completed points are kept; Resume Sweep runs the rest later.` }, 'Cancel Sweep');
      if (a !== 'Cancel Sweep') return;
    }
    try {
      const { cancelledRuns } = cancelSweepDir(t.dir, 'cancelled from VS Code');
      log.info(`sweep ${t.id}: cancel-all (${cancelledRuns.length} running point${cancelledRuns.length === 1 ? '' : 's'} asked to stop)`);
    } catch (e) { log.error(`sweep ${t.id}: cancel failed: ${(e as Error).message}`); void vscode.window.showErrorMessage(`Anchor Lab: ${(e as Error).message}`); }
    folderOfSweep(t.id)?.sweeps?.poll();
  }

  async function deleteSweep(t: TrackedSweep): Promise<void> {
    if (t.active) { void vscode.window.showWarningMessage('Anchor Lab: cancel the sweep before deleting it.'); return; }
    const fr = folderOfSweep(t.id);
    if (!fr) return;
    const ids = sweepRunIds(t.sweep);
    const ok = await vscode.window.showWarningMessage(`Delete sweep ${t.sweep.name}?`, { modal: true, detail: `This deletes ${t.dir} and the run directories of its ${ids.length} point run${ids.length === 1 ? '' : 's'}.` }, 'Delete');
    if (ok !== 'Delete') return;
    phases.close(t.id);
    for (const runId of ids) {
      try { const d = resolveInside(fr.tracker.runsDir, path.resolve(t.dir, t.sweep.runsDir, runId)); fs.rmSync(d, { recursive: true, force: true }); } catch (e) { log.error(`sweep ${t.id}: could not delete run ${runId}: ${(e as Error).message}`); }
    }
    try { fs.rmSync(resolveInside(fr.sweeps!.sweepsDir, t.dir), { recursive: true, force: true }); log.info(`sweep ${t.id}: deleted`); } catch (e) { log.error(`sweep ${t.id}: delete failed: ${(e as Error).message}`); }
    fr.tracker.poll();
    fr.sweeps?.poll();
  }

  const sweepNotifications = new Set<string>();
  function showSweepProgress(id: string): void {
    if (sweepNotifications.has(id)) return;
    sweepNotifications.add(id);
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Anchor Lab sweep', cancellable: true }, (progress, token) => new Promise<void>((resolve) => {
      let last = 0;
      const update = () => {
        const t = findSweep(id);
        if (!t || !t.active) { sub.dispose(); sweepNotifications.delete(id); resolve(); return; }
        const pct = Math.round((t.status.progress / Math.max(1, t.status.total)) * 100);
        progress.report({ increment: pct - last, message: `${t.sweep.name}: ${sweepDescription(t)}` });
        last = pct;
      };
      const sub = sweepsChanged.event(update);
      token.onCancellationRequested(() => { const t = findSweep(id); if (t) void cancelSweep(t, false); });
      update();
    }));
  }

  // ---- runs view -----------------------------------------------------------------------------------------
  const tree = new RunsTree(allRuns, () => stopping, allSweeps, findSweep, findRun, (id) => !!sweepOfRun(id));
  const view = vscode.window.createTreeView('anchorLab.runs', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(view, changed.event(() => tree.refresh()), sweepsChanged.event(() => tree.refresh()));

  // ---- status bar ----------------------------------------------------------------------------------------
  const status = vscode.window.createStatusBarItem('anchorLab.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'Anchor Lab runs';
  status.command = 'anchorLab.runs.focus';
  const updateStatus = () => {
    const active = allRuns().filter((r) => isActive(r) && !sweepOfRun(r.id));
    if (!active.length) { status.hide(); return; }
    const r = active[active.length - 1];
    const f = progressFraction(r);
    status.text = `$(beaker~spin) ${active.length === 1 ? `${r.config?.config.name ?? 'run'} ${f === null ? '…' : fmtPct(f)}` : `${active.length} runs`}`;
    status.tooltip = active.map((x) => `${x.config?.config.name ?? x.id}: ${x.state} ${fmtPct(progressFraction(x))}${solutionText(x) ? ` · ${solutionText(x)}` : ''}`).join('\n');
    status.show();
  };
  context.subscriptions.push(status, changed.event(updateStatus));
  updateStatus();
  const sweepStatusItem = vscode.window.createStatusBarItem('anchorLab.sweepStatus', vscode.StatusBarAlignment.Left, 9);
  sweepStatusItem.name = 'Anchor Lab sweeps';
  const updateSweepStatus = () => {
    const active = allSweeps().filter((t) => t.active);
    const text = sweepStatusText(active);
    if (!text) { sweepStatusItem.hide(); return; }
    sweepStatusItem.text = text;
    sweepStatusItem.tooltip = `${active.map((t) => `Sweep ${t.sweep.name}: ${sweepDescription(t)}`).join('\n')}\nClick to open the phase diagram`;
    sweepStatusItem.command = { command: 'anchorLab.openPhaseDiagram', title: 'Open Phase Diagram', arguments: [active[0].id] };
    sweepStatusItem.show();
  };
  context.subscriptions.push(sweepStatusItem, sweepsChanged.event(updateSweepStatus));
  updateSweepStatus();

  // ---- CodeLens ------------------------------------------------------------------------------------------
  const lensChanged = new vscode.EventEmitter<void>();
  let lensTimer: NodeJS.Timeout | null = null;
  const lensSoon = () => { if (!lensTimer) lensTimer = setTimeout(() => { lensTimer = null; lensChanged.fire(); }, 500); };
  // The editor drops a lens refresh that is pending when it loses focus (VS Code's CodeLens controller cancels its
  // debounced request on blur): ask again a little later when a sweep starts or ends, so ■ Cancel sweep goes away.
  let lensLaterTimer: NodeJS.Timeout | null = null;
  const lensLater = () => { if (lensLaterTimer) clearTimeout(lensLaterTimer); lensLaterTimer = setTimeout(() => { lensLaterTimer = null; lensChanged.fire(); }, 2000); };
  context.subscriptions.push(lensChanged, changed.event(lensSoon), sweepsChanged.event(lensSoon), sweepPhaseChanged.event(lensLater), { dispose: () => { if (lensLaterTimer) clearTimeout(lensLaterTimer); } });
  const sweepInfoCache = new Map<string, { version: number; info: FileSweepInfo }>();
  const sweepInfoOf = (doc: vscode.TextDocument) => {
    const k = doc.uri.toString();
    const c = sweepInfoCache.get(k);
    if (c && c.version === doc.version) return c.info;
    const info = fileSweepInfo(doc.getText());
    sweepInfoCache.set(k, { version: doc.version, info });
    return info;
  };
  context.subscriptions.push(vscode.workspace.onDidCloseTextDocument((d) => sweepInfoCache.delete(d.uri.toString())));
  const selector: vscode.DocumentSelector = [{ scheme: 'file', pattern: EXPERIMENT_GLOB }];
  context.subscriptions.push(vscode.languages.registerCodeLensProvider(selector, {
    onDidChangeCodeLenses: lensChanged.event,
    provideCodeLenses(doc) {
      const top = new vscode.Range(0, 0, 0, 0);
      const lenses = lensSpecs(runsForFile(doc.uri.fsPath)).map((s) => new vscode.CodeLens(top, { title: s.title, command: s.command, tooltip: s.tooltip, arguments: [doc.uri] }));
      const sweepLenses = sweepLensSpecs(sweepInfoOf(doc), sweepsForFile(doc.uri.fsPath)).map((s) => new vscode.CodeLens(top, { title: s.title, command: s.command, tooltip: s.tooltip, arguments: [s.arg === 'file' ? doc.uri : s.arg] }));
      lenses.splice(2, 0, ...sweepLenses);
      return lenses;
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
    if (x instanceof SweepItem) { const f = findSweep(x.sweepId)?.sweep.experimentFile; if (f) return vscode.Uri.file(f); }
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
  reg('anchorLab.refresh', () => { for (const f of folders.values()) { f.tracker.poll(); f.sweeps?.poll(); } tree.refresh(); });

  // Sweep commands take a SweepItem, a sweep id, an experiment file (its newest sweep), or nothing (the active
  // editor's file, else a pick among the sweeps that fit).
  type SweepWant = 'any' | 'active' | 'resumable' | 'finished';
  const fits = (t: TrackedSweep, want: SweepWant) => want === 'any' || (want === 'active' ? t.active : want === 'resumable' ? canResume(t) : !t.active);
  const sweepArg = async (x: unknown, want: SweepWant): Promise<TrackedSweep | undefined> => {
    if (x instanceof SweepItem || typeof x === 'string') { const t = findSweep(x instanceof SweepItem ? x.sweepId : x); return t && fits(t, want) ? t : undefined; }
    const u = x instanceof vscode.Uri ? x : undefined;
    const ed = vscode.window.activeTextEditor;
    const file = u ?? (ed && isExperiment(ed.document.uri) ? ed.document.uri : undefined);
    const ofFile = file ? sweepsForFile(file.fsPath).filter((t) => fits(t, want)) : [];
    if (ofFile.length) return ofFile[0];
    const all = allSweeps().filter((t) => fits(t, want));
    if (!all.length) { void vscode.window.showInformationMessage(want === 'any' ? 'Anchor Lab: no sweeps yet. Click ⇶ Sweep above an experiment file with a "sweep" block.' : `Anchor Lab: no ${want} sweep.`); return undefined; }
    if (all.length === 1) return all[0];
    const pick = await vscode.window.showQuickPick(all.map((t) => ({ label: t.sweep.name, description: sweepDescription(t), detail: t.id, t })), { placeHolder: 'Which sweep?' });
    return pick?.t;
  };
  reg('anchorLab.sweep', (x) => { const u = needFile(x); return u ? sweepFile(u) : undefined; });
  reg('anchorLab.openPhaseDiagram', async (x) => { const t = await sweepArg(x, 'any'); if (t) phases.open(t.id); return t?.id; });
  reg('anchorLab.cancelSweep', async (x) => { const t = await sweepArg(x, 'active'); if (t) await cancelSweep(t, true); });
  reg('anchorLab.resumeSweep', async (x) => { const t = await sweepArg(x, 'resumable'); if (t) await resumeSweep(t); });
  reg('anchorLab.deleteSweep', async (x) => { const t = await sweepArg(x, 'finished'); if (t) await deleteSweep(t); });
  reg('anchorLab.revealSweepFolder', async (x) => {
    const t = await sweepArg(x, 'any');
    if (!t) return;
    const uri = vscode.Uri.file(t.dir);
    try { await vscode.commands.executeCommand('revealInExplorer', uri); } catch { await vscode.commands.executeCommand('revealFileInOS', uri); }
  });
  // anchorLab.editorHasSweep: the active editor is an experiment file with a sweep block (editor title button).
  let hasSweepTimer: NodeJS.Timeout | null = null;
  const updateHasSweep = () => {
    const ed = vscode.window.activeTextEditor;
    const has = !!ed && isExperiment(ed.document.uri) && sweepInfoOf(ed.document).hasSweep;
    void vscode.commands.executeCommand('setContext', 'anchorLab.editorHasSweep', has);
  };
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(updateHasSweep),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document !== vscode.window.activeTextEditor?.document || !isExperiment(e.document.uri)) return;
      if (hasSweepTimer) clearTimeout(hasSweepTimer);
      hasSweepTimer = setTimeout(() => { hasSweepTimer = null; updateHasSweep(); }, 500);
    }),
  );
  updateHasSweep();
  reg('anchorLab.showLog', () => log.show());

  context.subscriptions.push(view.onDidChangeSelection((e) => {
    void vscode.commands.executeCommand('setContext', 'anchorLab.multipleRunsSelected', e.selection.filter((s) => s instanceof RunItem).length >= 2);
  }));

  // Re-attach: active runs and sweeps found on activation get their progress notification back (a sweep's points
  // are shown by the sweep's).
  for (const r of allRuns().filter((x) => isActive(x) && !sweepOfRun(x.id))) showProgress(r.id);
  for (const t of allSweeps().filter((x) => x.active)) showSweepProgress(t.id);
  log.info(`activated (${folders.size} folder${folders.size === 1 ? '' : 's'}, ${allRuns().length} runs, ${allSweeps().length} sweeps, trusted: ${vscode.workspace.isTrusted})`);

  return {
    runs: allRuns,
    runFile,
    stop: async (id) => { const r = findRun(id); return r ? stop(r) : 'gone'; },
    dashboards: () => [...dashboards.panels].map((p) => ({ title: p.panel.title, kind: p.state.kind, posted: p.posted })),
    poll: () => { for (const f of folders.values()) { f.tracker.poll(); f.sweeps?.poll(); } },
    sweeps: () => allSweeps().map((t) => ({ id: t.id, dir: t.dir, phase: t.phase, active: t.active, completed: t.status.counts.completed, total: t.status.total })),
    sweepFile,
    phasePanels: () => [...phases.panels].map((p) => ({ sweepId: p.sweepId, posted: p.posted })),
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
  /** `label`: a sweep point's label (its swept values) instead of name · time. */
  constructor(readonly run: TrackedRun, stopping: boolean, label?: string) {
    const ts = /^(\d{8})-(\d{6})/.exec(run.id);
    const when = ts ? `${ts[1].slice(4, 6)}-${ts[1].slice(6, 8)} ${ts[2].slice(0, 2)}:${ts[2].slice(2, 4)}:${ts[2].slice(4, 6)}` : run.id;
    super(label ?? `${run.config?.config.name ?? 'run'} · ${when}`, vscode.TreeItemCollapsibleState.None);
    this.id = `run:${run.dir}`;
    const f = progressFraction(run);
    const parts: string[] = [stopping ? 'stopping…' : run.state === 'lost' ? 'failed: process lost' : run.state];
    if (isActive(run) && f !== null) parts.push(fmtPct(f));
    const sol = solutionText(run);
    if (sol) parts.push(sol);
    const gamma = run.config?.config.model.gamma;
    if (gamma !== undefined && label === undefined) parts.push(`γ=${gamma}`);
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

/** A sweep: its name, done/total with an ETA or its final state; its points beneath. */
class SweepItem extends vscode.TreeItem {
  readonly sweepId: string;
  constructor(t: TrackedSweep) {
    super(t.sweep.name, vscode.TreeItemCollapsibleState.Collapsed);
    this.sweepId = t.id;
    this.id = `sweep:${t.dir}`;
    this.description = `⇶ ${sweepDescription(t)}`;
    const icon = sweepIcon(t.phase);
    this.iconPath = new vscode.ThemeIcon(icon.id, icon.color ? new vscode.ThemeColor(icon.color) : undefined);
    const c = t.status.counts;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**Sweep ${t.sweep.name}** — ${t.phase}\n\n`);
    md.appendText(`${t.sweep.axes.map((a) => `${a.path} × ${a.values.length}`).join(', ')} · ${t.sweep.options.executor}\n`);
    md.appendText(`${c.completed} completed, ${c.running} running, ${c.pending} pending${c.failed ? `, ${c.failed} failed` : ''}${c.lost ? `, ${c.lost} lost` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''}${t.etaSec ? ` · ETA ${fmtEta(t.etaSec)}` : ''}\n`);
    md.appendText(t.id);
    if (t.error) md.appendCodeblock(t.error, 'text');
    this.tooltip = md;
    this.contextValue = t.active ? 'sweep.active' : canResume(t) ? 'sweep.stopped' : 'sweep.done';
    this.command = { command: 'anchorLab.openPhaseDiagram', title: 'Open Phase Diagram', arguments: [t.id] };
  }
}

/** A sweep point without a run directory yet (waiting for a slot, or queued in Slurm). */
class PendingPointItem extends vscode.TreeItem {
  constructor(t: TrackedSweep, p: SweepPoint) {
    super(pointLabel(p.values) || `point ${p.index}`, vscode.TreeItemCollapsibleState.None);
    this.id = `point:${t.dir}:${p.index}`;
    this.description = t.active ? (t.sweep.options.executor === 'slurm' ? 'queued' : 'pending') : 'not started';
    this.iconPath = new vscode.ThemeIcon('clock');
    this.tooltip = `${p.runId} (not started yet)`;
    this.contextValue = 'sweepPoint.pending';
  }
}

class RunsTree implements vscode.TreeDataProvider<vscode.TreeItem> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly runs: () => TrackedRun[], private readonly stopping: () => Set<string>,
    private readonly sweeps: () => TrackedSweep[], private readonly findSweep: (id: string) => TrackedSweep | undefined,
    private readonly findRun: (id: string) => TrackedRun | undefined, private readonly isSweepRun: (id: string) => boolean,
  ) {}
  refresh(): void { if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.emitter.fire(); }, 250); }
  getTreeItem(e: vscode.TreeItem): vscode.TreeItem { return e; }
  getChildren(e?: vscode.TreeItem): vscode.TreeItem[] {
    if (e instanceof FileItem) return [...e.runs].reverse().map((r) => new RunItem(r, this.stopping().has(r.id)));
    if (e instanceof SweepItem) {
      const t = this.findSweep(e.sweepId);
      if (!t) return [];
      return t.sweep.runOrder.map((i) => t.sweep.points[i]).filter((p) => !!p).map((p) => {
        const r = this.findRun(p.runId);
        return r ? new RunItem(r, this.stopping().has(r.id), pointLabel(p.values) || `point ${p.index}`) : new PendingPointItem(t, p);
      });
    }
    if (e) return [];
    // Sweep points are listed under their sweep only.
    const groups = new Map<string, TrackedRun[]>();
    for (const r of this.runs()) {
      if (this.isSweepRun(r.id)) continue;
      const k = r.experimentFile ? normalize(r.experimentFile) : '';
      groups.set(k, [...(groups.get(k) ?? []), r]);
    }
    const files = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, runs]) => new FileItem(k || null, runs));
    return [...this.sweeps().map((t) => new SweepItem(t)), ...files];
  }
}
