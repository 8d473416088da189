// Starting and stopping runner processes (no vscode import). Runs are detached and unref'd: they outlive the
// extension host (a window reload), and the extension follows them only through their run directory.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isProcessAlive, requestCancel } from '../core/runStore';
import { RUN_FILES, type ProcessFile } from '../protocol/runFiles';

export interface LaunchOptions {
  /** dist/cli.js of the installed extension. */
  cli: string;
  experimentFile: string;
  runDir: string;
  cwd: string;
  backend?: 'auto' | 'wasm' | 'node' | 'webgpu' | 'cpu';
  sets?: string[];
  /** A Node executable (anchorLab.nodePath); default: the extension host's own executable as Node. */
  nodePath?: string;
  env?: NodeJS.ProcessEnv;
}

export function runnerArgs(o: LaunchOptions): string[] {
  const args = [o.cli, 'run', o.experimentFile, '--run-dir', o.runDir, '--no-progress'];
  if (o.backend) args.push('--backend', o.backend);
  for (const s of o.sets ?? []) args.push('--set', s);
  return args;
}

/** Spawn a detached runner writing into runDir (created here, with runner.log holding its stdout/stderr). */
export function launchRun(o: LaunchOptions): { pid: number } {
  fs.mkdirSync(o.runDir, { recursive: true });
  const logFd = fs.openSync(path.join(o.runDir, RUN_FILES.log), 'a');
  try {
    const exe = o.nodePath && o.nodePath.trim() ? o.nodePath : process.execPath;
    const child = spawn(exe, runnerArgs(o), {
      cwd: o.cwd,
      detached: true,
      stdio: ['ignore', logFd, logFd],
      env: { ...(o.env ?? process.env), ELECTRON_RUN_AS_NODE: '1' },
      windowsHide: true,
    });
    // An 'error' (e.g. nodePath does not exist) must not crash the extension host; the run shows as lost.
    child.on('error', (e) => { try { fs.appendFileSync(path.join(o.runDir, RUN_FILES.log), `failed to start ${exe}: ${e.message}\n`); } catch { /* dir gone */ } });
    child.unref();
    return { pid: child.pid ?? -1 };
  } finally {
    fs.closeSync(logFd);
  }
}

function readPid(dir: string): number | null {
  try { return (JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.process), 'utf8')) as ProcessFile).pid; } catch { return null; }
}
const hasSummary = (dir: string) => fs.existsSync(path.join(dir, RUN_FILES.summary));

/**
 * Stop a run: write the cancel request (the runner ends as "cancelled" within a step or two); if it is still alive
 * after graceMs send SIGTERM (also a graceful cancel), and SIGKILL after another graceMs.
 * Resolves with how it ended: 'cancelled' (a summary appeared), 'killed', or 'gone' (no process to stop).
 */
export async function stopRun(dir: string, opts: { graceMs?: number; pid?: number | null; reason?: string } = {}): Promise<'cancelled' | 'killed' | 'gone'> {
  const grace = opts.graceMs ?? 5000;
  if (hasSummary(dir)) return 'gone';
  try { requestCancel(dir, opts.reason ?? 'stopped from VS Code'); } catch { return 'gone'; }
  const pid = opts.pid ?? readPid(dir);
  const waitEnd = async (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const p = pid ?? readPid(dir);
      if (hasSummary(dir) || (p !== null && !isProcessAlive(p))) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  };
  if (await waitEnd(grace)) return hasSummary(dir) ? 'cancelled' : 'gone';
  const p = pid ?? readPid(dir);
  if (p === null) return 'gone';
  try { process.kill(p, 'SIGTERM'); } catch { return 'gone'; }
  if (await waitEnd(grace)) return hasSummary(dir) ? 'cancelled' : 'killed';
  try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ }
  return 'killed';
}
