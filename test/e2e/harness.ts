// Starts the real VS Code (code-server 4.100.3 from test/e2e/host) and headless Chromium, offline, per shared/e2e-recipe.md.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const REPO = path.resolve(__dirname, '..', '..');
export const HOST_DIR = path.join(REPO, 'test', 'e2e', 'host');
export const CODE_SERVER = path.join(HOST_DIR, 'node_modules', '.bin', 'code-server');
export const VSIX = path.join(REPO, 'anchor-lab.vsix');
export const EXTENSION_ID = 'anchor-lab.anchor-lab';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

/** Build the VSIX with `npm run package` (the same as a release). */
export function packageVsix(): void {
  execFileSync('npm', ['run', 'package'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!fs.existsSync(VSIX)) throw new Error('npm run package made no anchor-lab.vsix');
}

export interface Server { url: string; port: number; root: string; userData: string; env: NodeJS.ProcessEnv; stop(): Promise<void>; logs(): string }

/** A scratch HOME/XDG so neither code-server nor Chromium writes into the real home. */
export function scratchEnv(root: string): NodeJS.ProcessEnv {
  const home = path.join(root, 'home');
  for (const d of ['', '.config', '.local/share', '.cache']) fs.mkdirSync(path.join(home, d), { recursive: true });
  return { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_DATA_HOME: path.join(home, '.local/share'), XDG_CACHE_HOME: path.join(home, '.cache') };
}

export function codeServerArgs(root: string, port: number, trust = false): string[] {
  return [...(trust ? [] : ['--disable-workspace-trust']), '--config', path.join(root, 'config.yaml'), '--user-data-dir', path.join(root, 'user-data'), '--extensions-dir', path.join(root, 'extensions'),
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', '--ignore-last-opened'];
}

export async function startCodeServer(opts: { root?: string; install?: string[]; settings?: Record<string, unknown>; port?: number; workspaceTrust?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Server> {
  if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server is not installed: run bash test/e2e/host/install.sh (test/setup.sh does)`);
  const root = opts.root ?? fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'anchor-lab-e2e-')));
  const port = opts.port ?? await freePort();
  const env = { ...scratchEnv(root), ...opts.env };
  fs.writeFileSync(path.join(root, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const userSettings = path.join(root, 'user-data', 'User');
  fs.mkdirSync(userSettings, { recursive: true });
  fs.writeFileSync(path.join(userSettings, 'settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'security.workspace.trust.enabled': false, 'update.mode': 'none',
    'extensions.autoUpdate': false, 'extensions.autoCheckUpdates': false, 'workbench.tips.enabled': false, 'workbench.colorTheme': 'Default Dark Modern',
    'window.commandCenter': false, 'chat.commandCenter.enabled': false, 'workbench.secondarySideBar.defaultVisibility': 'hidden', ...opts.settings,
  }, null, 2));
  const args = codeServerArgs(root, port, opts.workspaceTrust);
  for (const vsix of opts.install ?? []) execFileSync(CODE_SERVER, [...args, '--install-extension', vsix, '--force'], { env, stdio: 'ignore', timeout: 120_000 });
  let log = '';
  const child: ChildProcess = spawn(CODE_SERVER, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => { log += d; });
  child.stderr!.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    try { const r = await fetch(`${url}/healthz`); if (r.status === 200) break; } catch { /* not yet */ }
    if (child.exitCode !== null) throw new Error(`code-server exited: ${log}`);
    if (Date.now() > until) throw new Error(`code-server did not answer /healthz: ${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url, port, root, env, userData: path.join(root, 'user-data'),
    logs: () => log,
    stop: async () => {
      try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
      await new Promise((r) => setTimeout(r, 500));
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** Copy the fixtures into a fresh workspace folder. */
export function makeWorkspace(root: string, name = 'workspace'): string {
  const ws = path.join(root, name);
  fs.cpSync(path.join(REPO, 'test', 'e2e', 'fixtures'), ws, { recursive: true });
  return ws;
}

/** Kill runner processes left alive in a workspace's runs folder (a failed test must not leave training behind). */
export function killRuns(ws: string): void {
  const runs = path.join(ws, '.anchor-lab', 'runs');
  for (const d of fs.existsSync(runs) ? fs.readdirSync(runs) : []) {
    try {
      const p = JSON.parse(fs.readFileSync(path.join(runs, d, 'process.json'), 'utf8')) as { pid: number };
      if (!fs.existsSync(path.join(runs, d, 'summary.json'))) process.kill(p.pid, 'SIGKILL');
    } catch { /* no process or already gone */ }
  }
}

/** Kill sweep controllers left alive in a workspace's sweeps folder, then their runners (killRuns). */
export function killSweeps(ws: string): void {
  const sweeps = path.join(ws, '.anchor-lab', 'sweeps');
  for (const d of fs.existsSync(sweeps) ? fs.readdirSync(sweeps) : []) {
    try {
      const c = JSON.parse(fs.readFileSync(path.join(sweeps, d, 'controller.json'), 'utf8')) as { pid: number; endedAt: string | null };
      // Started detached, a controller leads its own process group (with the runners it started).
      if (!c.endedAt) { try { process.kill(-c.pid, 'SIGKILL'); } catch { process.kill(c.pid, 'SIGKILL'); } }
    } catch { /* no controller or already gone */ }
  }
  killRuns(ws);
}

/** The extension's log files under the user-data dir (LogOutputChannel "Anchor Lab", extension host log). */
export function extensionLogs(userData: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/Anchor Lab\.log$|remoteexthost\.log$/.test(e.name)) out.push(`--- ${p}\n${fs.readFileSync(p, 'utf8').slice(-6000)}`);
    }
  };
  walk(path.join(userData, 'logs'));
  return out.join('\n');
}
