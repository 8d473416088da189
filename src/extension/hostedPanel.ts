// What every Anchor Lab webview panel does the same way (dashboard.ts, phasePanel.ts): the page options and icon,
// the disposables, throttled posting (changes coalesce into at most one flush per interval), reveal and an idempotent
// dispose that also closes the panel and tells its manager.
import * as vscode from 'vscode';

export abstract class HostedPanel<TMsg = unknown> implements vscode.Disposable {
  protected timer: NodeJS.Timeout | null = null;
  protected readonly disposables: vscode.Disposable[] = [];
  protected disposed = false;
  /** The page has posted `ready` (and not been hidden since): messages reach it. */
  protected ready = false;
  private lastSend = 0;
  /** For tests and the e2e suite: messages posted so far. */
  posted = 0;

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly onDispose: (p: HostedPanel<TMsg>) => void, private readonly minIntervalMs: number) {
    const media = vscode.Uri.joinPath(extensionUri, 'media');
    const dist = vscode.Uri.joinPath(extensionUri, 'dist');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    panel.iconPath = vscode.Uri.joinPath(media, 'icon.svg');
    this.disposables.push(panel.onDidDispose(() => this.dispose()));
  }

  /** Send what changed since the last message (called at most once per minIntervalMs). */
  protected abstract flush(): void;

  protected post(msg: TMsg): void {
    if (this.disposed) return;
    this.lastSend = Date.now();
    this.posted++;
    void this.panel.webview.postMessage(msg);
  }

  /** Coalesce changes into at most one flush per minIntervalMs (and at most one pending timer). */
  schedule(): void {
    if (!this.ready || this.timer || this.disposed) return;
    const wait = Math.max(0, this.lastSend + this.minIntervalMs - Date.now());
    this.timer = setTimeout(() => { this.timer = null; this.flush(); }, wait);
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

/**
 * The set of open panels of one kind: attach (new or restored after a reload), the serializer that restores them
 * from the webview's saved state, and dispose. Subclasses say how a panel is built from its state.
 */
export abstract class PanelManager<S, P extends HostedPanel<never>> implements vscode.Disposable {
  readonly panels = new Set<P>();
  constructor(private readonly what: string, private readonly log: vscode.LogOutputChannel, private readonly parseState: (raw: unknown) => S | null) {}

  protected abstract create(panel: vscode.WebviewPanel, state: S, onDispose: (p: P) => void): P;

  attach(panel: vscode.WebviewPanel, state: S): P {
    const p = this.create(panel, state, (x) => this.panels.delete(x));
    this.panels.add(p);
    return p;
  }

  serializer(): vscode.WebviewPanelSerializer {
    return {
      deserializeWebviewPanel: async (panel, raw) => {
        const state = this.parseState(raw);
        if (!state) { this.log.warn(`${this.what}: a restored panel had no valid state; closing it`); panel.dispose(); return; }
        this.attach(panel, state);
      },
    };
  }

  dispose(): void { for (const p of [...this.panels]) p.dispose(); }
}
