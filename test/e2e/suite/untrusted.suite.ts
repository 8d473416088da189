// In an untrusted workspace (restricted mode): schema help and diagnostics work, runs cannot start.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Anchor Lab in an untrusted workspace', () => {
  it('activates in restricted mode, still reports diagnostics, and refuses to start a run', async () => {
    assert.equal(vscode.workspace.isTrusted, false, 'the workspace is untrusted');
    const ext = vscode.extensions.getExtension('anchor-lab.anchor-lab')!;
    const end = Date.now() + 30_000;
    while (!ext.isActive && Date.now() < end) await sleep(200);
    assert.ok(ext.isActive, 'activated (untrustedWorkspaces: limited)');
    const root = vscode.workspace.workspaceFolders![0].uri;
    const bad = vscode.Uri.joinPath(root, 'bad.experiment.json');
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(bad));
    let diags: vscode.Diagnostic[] = [];
    while (!diags.length && Date.now() < end) { diags = vscode.languages.getDiagnostics(bad).filter((d) => d.source === 'Anchor Lab'); await sleep(200); }
    assert.ok(diags.length > 0, 'diagnostics work');
    const id = await vscode.commands.executeCommand('anchorLab.run', vscode.Uri.joinPath(root, 'quick.experiment.json')).then((x) => x, () => undefined);
    assert.equal(id, undefined);
    await sleep(1000);
    assert.ok(!fs.existsSync(path.join(root.fsPath, '.anchor-lab', 'runs')), 'no run directory was made');
  });
});
