// The run-store watcher against real runner processes and real files: live following, re-attach after a
// "reload" (a new tracker on the same runs folder), stop, and processes that die without a summary.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';
import { launchRun, stopRun } from '../../src/extension/launcher';
import { RunTracker, runInfo } from '../../src/extension/runTracker';
import { CLI, REPO, sleep, tempWorkspace, tinyConfig } from './helpers';

describe('run tracker (real runner processes)', function () {
  this.timeout(120_000);
  const ws = tempWorkspace();
  const trackers: RunTracker[] = [];
  const track = (opts: Partial<ConstructorParameters<typeof RunTracker>[0]> = {}) => { const t = new RunTracker({ runsDir: ws.runs, pollMs: 100, ...opts }); trackers.push(t); t.start(); return t; };
  before(() => assert.ok(fs.existsSync(CLI), 'dist/cli.js is built (npm run build)'));
  afterEach(() => { for (const t of trackers.splice(0)) t.dispose(); });
  after(() => ws.cleanup());

  it('follows a detached run from starting to completed, with metrics, attention and progress', async () => {
    const file = ws.file('tiny.experiment.json', tinyConfig(4));
    const t = track();
    const seen: string[] = [];
    t.onChange((changed) => { for (const r of changed) if (seen[seen.length - 1] !== r.state) seen.push(r.state); });
    const runDir = path.join(ws.runs, 'r-complete');
    const { pid } = launchRun({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, backend: 'wasm' });
    assert.ok(pid > 0);
    t.noteLaunched(runDir, file);
    assert.equal(t.get('r-complete')?.experimentFile, file, 'known before config.json exists');
    assert.ok(await t.waitFor((x) => x.get('r-complete')?.state === 'completed', 90_000), `states: ${seen.join(' → ')}`);
    const r = t.get('r-complete')!;
    assert.equal(r.metrics.length, 5, 'step 0 plus 4 epochs');
    assert.deepEqual(r.attentionSteps.length, 5);
    assert.equal(r.progress?.step, r.progress?.totalSteps);
    assert.equal(r.experimentFile, file);
    assert.ok(seen.includes('running'), seen.join(' → '));
    assert.equal(t.forFile(file).length, 1);
    const info = runInfo(r);
    assert.equal(info.name, 'tiny');
    assert.equal(info.state, 'completed');
    assert.ok(info.solution);
    // The run directory is untouched by the watcher except runner.log made at launch.
    assert.ok(!fs.existsSync(path.join(runDir, 'control.json')));
  });

  it('re-attaches: a new tracker (after a window reload) finds a live run and follows it to the end', async () => {
    const file = ws.file('reattach.experiment.json', tinyConfig(6));
    const runDir = path.join(ws.runs, 'r-reattach');
    launchRun({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, backend: 'wasm' });
    const a = track();
    assert.ok(await a.waitFor((x) => (x.get('r-reattach')?.metrics.length ?? 0) >= 2, 60_000));
    const before = a.get('r-reattach')!.metrics.length;
    a.dispose(); // the old window is gone; the runner is not
    const b = track();
    const r = b.get('r-reattach')!;
    assert.equal(r.state, 'running');
    assert.ok(r.metrics.length >= before);
    assert.equal(r.experimentFile, file, 'from config.json, without the launch record');
    assert.ok(await b.waitFor((x) => x.get('r-reattach')?.state === 'completed', 90_000));
    assert.equal(b.get('r-reattach')!.metrics.length, 7);
  });

  it('stops a run through the cancel request: it ends as cancelled', async () => {
    const file = ws.file('stop.experiment.json', tinyConfig(200));
    const runDir = path.join(ws.runs, 'r-stop');
    launchRun({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, backend: 'wasm' });
    const t = track();
    assert.ok(await t.waitFor((x) => (x.get('r-stop')?.metrics.length ?? 0) >= 1, 60_000));
    const t0 = Date.now();
    const how = await stopRun(runDir, { graceMs: 10_000 });
    assert.equal(how, 'cancelled');
    assert.ok(Date.now() - t0 < 10_000, 'within the grace period');
    assert.ok(await t.waitFor((x) => x.get('r-stop')?.state === 'cancelled', 10_000));
    assert.ok(fs.existsSync(path.join(runDir, 'control.json')));
  });

  it('marks a run whose process died without a summary as lost, with the tail of runner.log', async () => {
    const file = ws.file('lost.experiment.json', tinyConfig(200));
    const runDir = path.join(ws.runs, 'r-lost');
    launchRun({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, backend: 'wasm' });
    const t = track();
    assert.ok(await t.waitFor((x) => x.get('r-lost')?.state === 'running' && (x.get('r-lost')?.metrics.length ?? 0) >= 1, 60_000));
    const pid = t.get('r-lost')!.process!.pid;
    process.kill(pid, 'SIGKILL');
    assert.ok(await t.waitFor((x) => x.get('r-lost')?.state === 'lost', 10_000));
    const r = t.get('r-lost')!;
    assert.match(r.error ?? '', /process lost/);
    assert.match(r.logTail ?? '', /anchor-lab .* tiny/, 'runner.log tail');
    assert.ok(r.metrics.length >= 1, 'metrics written before the crash remain');
    const info = runInfo(r);
    assert.equal(info.state, 'lost');
    assert.match(info.error ?? '', /process lost[\s\S]*backend/);
  });

  it('marks a runner that never started as lost after the start grace period, with its error in the log', async () => {
    const file = ws.file('nostart.experiment.json', tinyConfig(2));
    const runDir = path.join(ws.runs, 'r-nostart');
    launchRun({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, nodePath: path.join(ws.root, 'no-such-node') });
    const t = track({ startGraceMs: 1500 });
    assert.equal(t.get('r-nostart')?.state, 'starting');
    assert.ok(await t.waitFor((x) => x.get('r-nostart')?.state === 'lost', 10_000));
    await sleep(200);
    t.poll();
    assert.match(t.get('r-nostart')!.logTail ?? '', /failed to start/);
  });

  it('a run outlives the process that started it (the extension host killed with its whole process group)', async () => {
    const file = ws.file('outlive.experiment.json', tinyConfig(3));
    const runDir = path.join(ws.runs, 'r-outlive');
    const code = `require(${JSON.stringify(path.join(REPO, 'src/extension/launcher.ts'))}).launchRun(${JSON.stringify({ cli: CLI, experimentFile: file, runDir, cwd: ws.root, backend: 'wasm' })}); setInterval(() => {}, 1000);`;
    const host = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', code], { cwd: REPO, detached: true, stdio: 'ignore' });
    const t = track();
    assert.ok(await t.waitFor((x) => x.get('r-outlive')?.state === 'running', 60_000));
    process.kill(-host.pid!, 'SIGKILL'); // like a window reload tearing down the extension host
    assert.ok(await t.waitFor((x) => x.get('r-outlive')?.state === 'completed', 90_000), `state ${t.get('r-outlive')?.state}`);
  });

  it('kills a process that ignores the cancel request and SIGTERM after the grace periods', async () => {
    // A stuck "runner": writes process.json like the real one, then ignores control.json and SIGTERM.
    const runDir = path.join(ws.runs, 'r-stuck');
    fs.mkdirSync(runDir, { recursive: true });
    const code = `const fs=require('fs');process.on('SIGTERM',()=>{});fs.writeFileSync(${JSON.stringify(path.join(runDir, 'process.json'))},JSON.stringify({pid:process.pid,hostname:require('os').hostname(),startedAt:new Date().toISOString(),argv:[],node:process.version}));setInterval(()=>{},1000);`;
    const stuck = spawn(process.execPath, ['-e', code], { detached: true, stdio: 'ignore' });
    stuck.unref();
    const t = track();
    assert.ok(await t.waitFor((x) => x.get('r-stuck')?.state === 'running', 10_000));
    const how = await stopRun(runDir, { graceMs: 500 });
    assert.equal(how, 'killed');
    assert.ok(await t.waitFor((x) => x.get('r-stuck')?.state === 'lost', 10_000));
  });

  it('sees runs started from the CLI and removes deleted ones', async () => {
    // A run written by the CLI (`anchor-lab run --out`), not launched by the extension.
    const file = ws.file('cli.experiment.json', tinyConfig(1));
    execFileSync(process.execPath, [CLI, 'run', file, '--run-dir', path.join(ws.runs, 'r-cli'), '--no-progress', '--backend', 'wasm'], { stdio: 'ignore' });
    const t = track();
    assert.equal(t.get('r-cli')?.state, 'completed');
    assert.equal(t.get('r-cli')?.experimentFile, file);
    const n = t.list().length;
    fs.rmSync(path.join(ws.runs, 'r-cli'), { recursive: true, force: true });
    let removed: string[] = [];
    t.onChange((_c, r) => { removed = removed.concat(r); });
    t.poll();
    assert.deepEqual(removed, ['r-cli']);
    assert.equal(t.list().length, n - 1);
  });
});
