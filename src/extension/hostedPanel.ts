// What every Anchor Lab webview panel does the same way (dashboard.ts, phasePanel.ts): the page options and icon,
// the disposables, reveal and an idempotent dispose that also closes the panel and tells its manager.
import * as vscode from 'vscode';

export abstract class HostedPanel implements vscode.Disposable {
  protected timer: NodeJS.Timeout | null = null;
  protected readonly disposables: vscode.Disposable[] = [];
  protected disposed = false;

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly onDispose: (p: HostedPanel) => void) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    this.disposables.push(panel.onDidDispose(() => this.dispose()));
  }

  reveal(): void { this.panel.reveal(undefined, false); }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.onDispose(this);
    this.panel.dispose();
  }
}

/** A webview message, shortened for a log line. */
export function safeJson(x: unknown): string { try { return JSON.stringify(x).slice(0, 200); } catch { return String(x); } }
