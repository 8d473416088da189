// Runs inside the extension host with the real vscode API: commands, lenses, diagnostics, a real run.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnchorLabApi } from '../../../src/extension/extension';

const EXT = 'anchor-lab.anchor-lab';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(f: () => T | Promise<T>, ms: number, what: string): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}
const root = () => vscode.workspace.workspaceFolders![0].uri;
const file = (name: string) => vscode.Uri.joinPath(root(), name);
const lensTitles = async (uri: vscode.Uri) => { await vscode.workspace.openTextDocument(uri); return ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map((l) => l.command?.title ?? ''); };

describe('Anchor Lab in the extension host', () => {
  let api: AnchorLabApi;

  before(async () => {
    const ext = vscode.extensions.getExtension<AnchorLabApi>(EXT);
    assert.ok(ext, 'extension is present');
    // Activated by workspaceContains:**/*.experiment.json, not by us.
    await until(() => ext.isActive, 30_000, 'activation');
    api = ext.exports;
  });

  it('registers its commands', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const c of ['anchorLab.run', 'anchorLab.openDashboard', 'anchorLab.stop', 'anchorLab.stopFile', 'anchorLab.rerun', 'anchorLab.revealConfig', 'anchorLab.revealFolder', 'anchorLab.deleteRun', 'anchorLab.compare', 'anchorLab.refresh', 'anchorLab.showLog', 'anchorLab.openExample']) {
      assert.ok(all.includes(c), c);
    }
  });

  it('maps *.experiment.json to the shipped schema and reports semantic errors at the field, as the user types', async () => {
    const uri = file('bad.experiment.json');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const diags = await until(() => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Anchor Lab'), 20_000, 'diagnostics');
    const d = diags.find((x) => /not defined in task\.anchors/.test(x.message));
    assert.ok(d, JSON.stringify(diags.map((x) => x.message)));
    assert.equal(doc.getText(d.range), '7');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Error);
    // Fix it in the editor (unsaved): the diagnostic goes away.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(uri, d.range, '3');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await until(() => vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'Anchor Lab').length === 0, 10_000, 'diagnostics cleared');
    // JSON Schema (jsonValidation) diagnostics from the JSON language server: an unknown field.
    const edit2 = new vscode.WorkspaceEdit();
    edit2.insert(uri, doc.positionAt(1), '\n  "gama": 1,');
    await vscode.workspace.applyEdit(edit2);
    const schemaDiag = await until(() => vscode.languages.getDiagnostics(uri).find((x) => /gama/.test(doc.getText(x.range)) && x.source !== 'Anchor Lab'), 30_000, 'schema diagnostic from jsonValidation');
    assert.ok(schemaDiag);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('shows ▶ Run and Dashboard lenses on an experiment file without runs', async () => {
    const titles = await until(async () => { const t = await lensTitles(file('quick.experiment.json')); return t.length ? t : null; }, 20_000, 'lenses');
    assert.deepEqual(titles, ['▶ Run', 'Dashboard']);
  });

  it('runs an experiment from the command, follows it to completion and shows the result lens', async () => {
    const uri = file('quick.experiment.json');
    const id = await vscode.commands.executeCommand<string | undefined>('anchorLab.run', uri);
    assert.ok(id, 'a run id');
    await until(() => api.runs().find((r) => r.id === id && (r.state === 'running' || r.state === 'starting')), 20_000, 'the run to appear');
    const panels = await until(() => api.dashboards().filter((d) => d.kind === 'follow'), 10_000, 'a dashboard');
    assert.equal(panels.length, 1);
    const done = await until(() => api.runs().find((r) => r.id === id && r.state !== 'running' && r.state !== 'starting'), 90_000, 'the run to finish');
    assert.equal(done.state, 'completed');
    assert.equal(done.experimentFile, uri.fsPath);
    const titles = await until(async () => { const t = await lensTitles(uri); return t.some((x) => x.startsWith('last:')) ? t : null; }, 10_000, 'result lens');
    assert.match(titles[titles.length - 1], /^last: \w+.* · seen \d+% · \d+s · 1 run$/);
    assert.ok(!titles.includes('■ Stop'));
    assert.ok(api.dashboards()[0].posted >= 2, 'snapshot and deltas were posted');
    // The run directory is where the setting says, inside the workspace.
    assert.ok(fs.existsSync(path.join(root().fsPath, '.anchor-lab', 'runs', id!, 'summary.json')));
  });

  it('stops a running run with the stop command', async () => {
    const uri = file('tiny.experiment.json');
    const id = await vscode.commands.executeCommand<string | undefined>('anchorLab.run', uri);
    assert.ok(id);
    await until(() => api.runs().find((r) => r.id === id && r.state === 'running' && r.metrics.length > 0), 60_000, 'the run to train');
    assert.ok((await lensTitles(uri)).includes('■ Stop'));
    await vscode.commands.executeCommand('anchorLab.stopFile', uri);
    const r = await until(() => api.runs().find((x) => x.id === id && x.state !== 'running'), 30_000, 'the run to stop');
    assert.equal(r.state, 'cancelled');
  });

  it('refuses a runs directory that escapes the workspace', async () => {
    const cfg = vscode.workspace.getConfiguration('anchorLab');
    await cfg.update('runsDirectory', '../outside-runs', vscode.ConfigurationTarget.Workspace);
    try {
      await sleep(300);
      const id = await vscode.commands.executeCommand<string | undefined>('anchorLab.run', file('quick.experiment.json'));
      assert.equal(id, undefined);
      assert.ok(!fs.existsSync(path.join(path.dirname(root().fsPath), 'outside-runs')), 'nothing written outside');
    } finally {
      await cfg.update('runsDirectory', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await until(() => api.runs().length >= 2, 10_000, 'runs back after the setting is restored');
  });
});
