// Shared harness for webview pages in real Chromium: the extension's real page and CSP (dashboardHtml), the built
// bundle served from dist/ via page.route, VS Code's theme variables set through the CSSOM, and an
// acquireVsCodeApi stub that records what the page posts and keeps its setState.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardHtml } from '../../src/extension/webviewHtml';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/harness';

export const REPO = path.resolve(__dirname, '..', '..');
export const ORIGIN = 'https://webview.test';

export const DARK = '--vscode-foreground:#cccccc;--vscode-editor-background:#1e1e1e;--vscode-charts-blue:#3794ff;--vscode-charts-green:#89d185;--vscode-charts-orange:#d18616;--vscode-descriptionForeground:#9d9d9d;--vscode-focusBorder:#007fd4;--vscode-panel-border:#444444;--vscode-font-family:sans-serif';
export const LIGHT = '--vscode-foreground:#333333;--vscode-editor-background:#ffffff;--vscode-charts-blue:#1a5fb4;--vscode-charts-green:#26a269;--vscode-charts-orange:#c64600;--vscode-descriptionForeground:#717171;--vscode-focusBorder:#0090f1;--vscode-panel-border:#cccccc;--vscode-font-family:sans-serif';

export interface WebviewPage {
  browser: Browser;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  errors: string[];
  posted(): Promise<unknown[]>;
  /** Post a host message into the page (as the extension's webview.postMessage). */
  send(m: unknown): Promise<void>;
  /** Switch the body class and the --vscode-* variables, as VS Code does on a theme change. */
  setTheme(kind: 'dark' | 'light'): Promise<void>;
  close(): Promise<void>;
}

export async function openWebviewPage(opts: { script: string; style: string; state: unknown; viewport?: { width: number; height: number } }): Promise<WebviewPage> {
  for (const f of [opts.script, opts.style]) if (!fs.existsSync(path.join(REPO, f))) throw new Error(`${f} is not built (npm run build)`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1200, height: 1400 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.exposeFunction('__cspViolation', (s: string) => { errors.push(`CSP: ${s}`); });
  await page.route(`${ORIGIN}/**`, async (route) => {
    const u = new URL(route.request().url());
    if (u.pathname === '/index.html') {
      const html = dashboardHtml({ cspSource: ORIGIN, nonce: 'bm9uY2UxMjM0NTY3OA==', scriptUri: `${ORIGIN}/${opts.script}`, styleUri: `${ORIGIN}/${opts.style}`, state: opts.state });
      return route.fulfill({ contentType: 'text/html', body: html.replace('<body ', '<body class="vscode-dark" ') });
    }
    const f = path.join(REPO, u.pathname);
    if (!f.startsWith(path.join(REPO, 'dist')) || !fs.existsSync(f)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: f.endsWith('.css') ? 'text/css' : 'application/javascript', body: fs.readFileSync(f) });
  });
  // tsx compiles helpers (__name) into functions handed to the page; give the page a no-op one.
  await page.addInitScript('globalThis.__name = (f) => f;');
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));`);
  // VS Code sets the theme variables through the CSSOM (style attributes would violate the CSP).
  await page.addInitScript(`document.addEventListener('DOMContentLoaded', () => { for (const d of ${JSON.stringify(DARK)}.split(';')) { const i = d.indexOf(':'); document.body.style.setProperty(d.slice(0, i), d.slice(i + 1)); } });`);
  await page.addInitScript(() => {
    const w = window as unknown as { __posted: unknown[]; __state: unknown; acquireVsCodeApi: () => unknown };
    w.__posted = [];
    w.acquireVsCodeApi = () => ({ postMessage: (m: unknown) => w.__posted.push(m), setState: (s: unknown) => { w.__state = s; }, getState: () => w.__state });
  });
  await page.goto(`${ORIGIN}/index.html`);
  return {
    browser, page, errors,
    posted: () => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted),
    send: (m) => page.evaluate((x) => window.postMessage(x, '*'), m as object),
    setTheme: (kind) => page.evaluate(([k, vars]) => {
      document.body.className = `vscode-${k}`;
      for (const d of vars.split(';')) { const i = d.indexOf(':'); document.body.style.setProperty(d.slice(0, i), d.slice(i + 1)); }
    }, [kind, kind === 'dark' ? DARK : LIGHT] as const),
    close: () => browser.close(),
  };
}
