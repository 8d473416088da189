// `anchor-lab sweep <file>`: run the experiment file's sweep grid locally or on Slurm, with a done/total progress bar,
// ending with the phase diagram as a text table. Registered on the main program by registerSweepCommand().
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import * as cliProgress from 'cli-progress';
import { ConfigError, formatIssues, parseExperiment, parseOverride, type ConfigIssue } from '../core/config';
import { DEFAULT_RUNS_DIR } from '../core/runStore';
import { definitionHash, expandGrid, runOrder, sweepAxes, sweepOptionsOf } from '../core/sweep';
import { checkSweepText, describeEstimate, estimateSweep, fmtHours, measureSpeed } from '../core/sweepCheck';
import { renderPhaseDiagram, type PointResult, type TableMetric } from '../core/sweepReduce';
import { cancelSweep, createSweep, findSweeps, readSweep, sweepPhaseDiagram, sweepStatus, writeSweep } from '../core/sweepStore';
import { pointLabel, type SweepExecutorName, type SweepFile } from '../protocol/sweepFiles';
import { runLocalSweep, type SweepOutcome } from './sweepLocal';
import { runSlurmSweep } from './sweepSlurm';

const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

export interface SweepCliOptions {
  set: string[];
  concurrency?: number;
  resume?: boolean;
  executor?: SweepExecutorName;
  out?: string;
  sweepsDir?: string;
  sweepDir?: string;
  cancel?: boolean;
  detach?: boolean;
  backend?: string;
  progress: boolean;
  x?: string;
  y?: string;
  dryRun?: boolean;
  metrics?: TableMetric[];
}

const collect = (v: string, prev: string[]) => [...prev, v];
const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--concurrency ${v}: must be a whole number ≥ 1`);
  return n;
};

const TABLE_METRICS: TableMetric[] = ['inferential', 'symmetric', 'seen', 'solution'];
const parseMetrics = (v: string): TableMetric[] => {
  const list = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = list.filter((m) => !TABLE_METRICS.includes(m as TableMetric));
  if (bad.length || !list.length) throw new Error(`--metrics ${v}: allowed: ${TABLE_METRICS.join(', ')}`);
  return list as TableMetric[];
};

/** Default sweeps directory: `sweeps` next to the runs directory (.anchor-lab/runs → .anchor-lab/sweeps). */
export function sweepsDirFor(runsDir: string): string {
  return path.join(path.dirname(path.resolve(runsDir)), 'sweeps');
}

function fmtPointLine(r: PointResult, sweep: SweepFile): string {
  const last = r.evals[r.evals.length - 1];
  const acc = last ? ` · inferential ${(last.inferential * 100).toFixed(1)}% symmetric ${(last.symmetric * 100).toFixed(1)}% seen ${(last.seen * 100).toFixed(1)}%` : '';
  return `point ${r.index} ${pointLabel(sweep.points[r.index].values)}: ${r.state}${acc}`;
}

export async function cmdSweep(file: string, o: SweepCliOptions): Promise<number> {
  const err = (s: string) => process.stderr.write(s + '\n');
  const text = fs.readFileSync(file, 'utf8');
  const overrides = o.set.map(parseOverride);
  const runsDir = path.resolve(o.out ?? DEFAULT_RUNS_DIR);
  const sweepsDir = path.resolve(o.sweepsDir ?? sweepsDirFor(runsDir));
  const speed = measureSpeed(runsDir);

  const { config, issues } = parseExperiment(text, overrides);
  const options0 = sweepOptionsOf(config);
  const executor: SweepExecutorName = o.executor ?? options0.executor;
  const concurrency = o.concurrency ?? options0.maxConcurrent ?? (executor === 'local' ? os.cpus().length : null);
  const all: ConfigIssue[] = [...issues, ...checkSweepText(text, overrides, { speed, concurrency: concurrency ?? os.cpus().length })];
  const errors = all.filter((i) => i.severity === 'error');
  if (errors.length) throw new ConfigError(file, errors);
  for (const w of all.filter((i) => i.severity === 'warning')) err(formatIssues(file, [w]));
  if (!sweepAxes(config).length) { err(`${file}: no "sweep" block: nothing to sweep (add e.g. "sweep": {"model.gamma": [0.5, 0.8]})`); return EXIT.usage; }

  const hash = definitionHash(config, sweepAxes(config));
  if (o.dryRun) {
    const axes = sweepAxes(config);
    const grid = expandGrid(axes);
    const order = runOrder(grid, axes, options0, hash);
    const est = estimateSweep(config, speed, concurrency ?? grid.length);
    process.stdout.write(`${describeEstimate(est)}\n${axes.map((a) => `${a.path}: ${a.values.map((v) => JSON.stringify(v)).join(', ')}`).join('\n')}\nrun order (${options0.order}):\n`);
    for (const i of order) process.stdout.write(`  ${String(i).padStart(4)}  ${pointLabel(grid[i].values)}\n`);
    return EXIT.ok;
  }

  // Find (resume / cancel) or create the sweep directory.
  const create = (at?: string) => createSweep({ text, experimentFile: file, config, baseOverrides: Object.fromEntries(overrides.map((x) => [x.path, x.value])), options: { ...options0, executor }, sweepsDir, runsDir, dir: at });
  const where = path.relative(process.cwd(), sweepsDir) || sweepsDir;
  if (o.cancel) {
    const found = o.sweepDir ? path.resolve(o.sweepDir) : findSweeps(sweepsDir, hash)[0];
    const s = found ? readSweep(found) : null;
    if (!found || !s) { err(o.sweepDir ? `${o.sweepDir} is not a sweep directory` : `no sweep of this definition in ${where}`); return EXIT.usage; }
    const { cancelledRuns } = cancelSweep(found, 'cancel-all from the command line');
    err(`cancel-all: ${s.sweepId}: asked ${cancelledRuns.length} running point${cancelledRuns.length === 1 ? '' : 's'} to stop${s.submissions.length ? `; scancel ${s.submissions.map((x) => x.jobId).join(' ')}` : ''}`);
    return EXIT.ok;
  }
  let found: string | undefined;
  if (o.sweepDir) {
    // An existing sweep there is resumed; an empty or missing directory becomes the new sweep (the extension names it).
    const at = path.resolve(o.sweepDir);
    if (readSweep(at)) found = at;
    else if (fs.existsSync(at) && fs.readdirSync(at).length) { err(`${o.sweepDir} is neither a sweep directory nor empty`); return EXIT.usage; }
  } else if (o.resume) {
    found = findSweeps(sweepsDir, hash)[0];
    if (!found) err(`no earlier sweep of this definition in ${where}; starting a new one`);
  }
  let dir: string;
  let sweep: SweepFile;
  if (found) {
    const s = readSweep(found)!;
    if (s.definitionHash !== hash) { err(`${found}: that sweep was made from a different definition (the file or --set changed since); not resuming it`); return EXIT.usage; }
    dir = found; sweep = s;
    // The reductions and the Slurm settings do not change the points: take the file's current ones.
    sweep.options = { ...options0, executor };
    writeSweep(dir, sweep);
  } else {
    ({ dir, sweep } = create(o.sweepDir ? path.resolve(o.sweepDir) : undefined));
  }

  const rel = (p: string) => path.relative(process.cwd(), p) || p;
  const est = estimateSweep(config, speed, concurrency ?? sweep.points.length);
  err(`sweep ${sweep.sweepId} · ${sweep.axes.map((a) => `${a.path}×${a.values.length}`).join(' ')} · ${executor}${concurrency ? `, ${concurrency} at a time` : ''}`);
  err(`sweep directory ${rel(dir)} · runs in ${rel(runsDir)} · ${describeEstimate(est)}`);

  // Progress: done/total with an ETA over the running points' fractional progress.
  const cache = new Map<string, PointResult>();
  const tty = o.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {done}/{total} done | {running} running | {failedText} | ETA {etaText}',
    barsize: 30, hideCursor: true, stream: process.stderr, fps: 4, noTTYOutput: false,
  }, cliProgress.Presets.shades_classic);
  const t0 = Date.now();
  let p0: number | null = null;
  const reported = new Map<number, string>();
  let barStarted = false;
  let slurmLive: Set<string> | undefined;
  const tick = (live?: Set<string>) => {
    if (live) slurmLive = live;
    const st = sweepStatus(dir, sweep, cache, slurmLive);
    if (p0 === null) p0 = st.progress;
    const elapsed = (Date.now() - t0) / 1000;
    const rate = (st.progress - p0) / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? (st.total - st.progress) / rate : null;
    const payload = {
      done: st.counts.completed, total: st.total, running: st.counts.running,
      failedText: `${st.counts.failed} failed · ${st.counts.cancelled} cancelled · ${st.counts.lost} lost`,
      etaText: st.finished === st.total ? '0 s' : eta === null ? '—' : fmtHours(eta),
    };
    if (tty) {
      if (!barStarted) { bar.start(st.total, st.progress, payload); barStarted = true; }
      bar.update(st.progress, payload);
    } else if (o.progress) {
      for (const r of st.results) {
        if (r.state === 'pending' || r.state === 'running' || reported.get(r.index) === r.state) continue;
        reported.set(r.index, r.state);
        err(`[${st.counts.completed}/${st.total}] ${fmtPointLine(r, sweep)}${payload.etaText !== '0 s' ? ` · ETA ${payload.etaText}` : ''}`);
      }
    }
  };

  const cancelSignal = { reason: null as string | null };
  const onSignal = (sig: string) => {
    if (cancelSignal.reason) { err(`\n${sig} again: exiting now (points may be left running; \`--cancel\` stops them)`); process.exit(EXIT.cancelled); }
    cancelSignal.reason = `${sig} received`;
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  let outcome: SweepOutcome;
  try {
    const common = { backend: o.backend, onTick: tick, cancelSignal, log: (m: string) => { if (!tty && o.progress) err(m); } };
    outcome = executor === 'slurm'
      ? await runSlurmSweep(dir, sweep, { ...common, maxConcurrent: concurrency, detach: o.detach })
      : await runLocalSweep(dir, sweep, { ...common, concurrency: concurrency ?? os.cpus().length });
  } finally {
    if (barStarted) bar.stop();
    process.off('SIGINT', sigint);
    process.off('SIGTERM', sigterm);
  }

  const st = sweepStatus(dir, sweep, cache, slurmLive);
  if (outcome === 'detached') {
    err(`submitted; follow it with \`anchor-lab sweep ${file} --resume\` (it resubmits nothing that is still queued) or cancel it with --cancel`);
    return EXIT.ok;
  }
  const diagram = sweepPhaseDiagram(sweep, st.results);
  const pair = sweep.points[0]?.config.task.unseenPairs[0];
  process.stdout.write(renderPhaseDiagram(diagram, { x: o.x, y: o.y, metrics: o.metrics }, pair ? `(${pair.join(',')})` : '(unseen)') + '\n');
  const c = st.counts;
  err(`sweep ${outcome}: ${c.completed}/${st.total} completed${c.failed ? `, ${c.failed} failed` : ''}${c.cancelled ? `, ${c.cancelled} cancelled` : ''}${c.lost ? `, ${c.lost} lost` : ''}${c.pending ? `, ${c.pending} not started` : ''} in ${fmtHours((Date.now() - t0) / 1000)} · ${rel(dir)}`);
  if (outcome !== 'completed' && sweep.submissions.length) err(`Slurm task output: ${rel(path.join(dir, 'slurm'))}/<job>_<task>.out`);
  if (outcome !== 'completed') err(`resume with: anchor-lab sweep ${file} --resume${o.set.map((s) => ` --set ${s}`).join('')}`);
  return outcome === 'completed' ? EXIT.ok : outcome === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

/** Adds `anchor-lab sweep` to the program (src/runner/cli.ts calls this). */
export function registerSweepCommand(program: Command): Command {
  return program.command('sweep')
    .description('run the grid in the file\'s "sweep" block (locally or on Slurm) and print the phase diagram')
    .argument('<file>', 'an *.experiment.json file with a "sweep" block')
    .option('--set <path=value>', 'override a base config value for every point (repeatable)', collect, [])
    .option('--concurrency <n>', 'most points at once (local: live runner processes, default the number of cores; slurm: the array\'s %limit)', positiveInt)
    .option('--resume', 'continue the newest sweep of this definition: skip completed points, restart failed / cancelled / lost ones')
    .addOption(new Option('--executor <name>', 'where the points run (default: sweepOptions.executor, else local)').choices(['local', 'slurm']))
    .option('--out <dir>', `runs directory for the points (default ${DEFAULT_RUNS_DIR})`)
    .option('--sweeps-dir <dir>', 'sweeps directory (default: "sweeps" next to the runs directory)')
    .option('--sweep-dir <dir>', 'the exact sweep directory: resumed (or cancelled) if it holds a sweep, else the new sweep is created there')
    .option('--cancel', 'cancel-all: stop every running point of the newest sweep of this definition (or --sweep-dir), scancel its Slurm arrays')
    .option('--detach', 'slurm: submit the array and return without following it')
    .addOption(new Option('--backend <name>', 'tfjs backend of every runner').choices(['auto', 'wasm', 'node', 'cpu']))
    .option('--x <path>', 'phase-diagram column axis (default model.gamma)')
    .option('--y <path>', 'phase-diagram row axis (default model.layers)')
    .option('--metrics <list>', 'phase-diagram panels, comma-separated: inferential, symmetric, seen, solution (default inferential,symmetric)', parseMetrics)
    .option('--dry-run', 'print the points in run order and the time estimate; run nothing')
    .option('--no-progress', 'no progress bar or per-point lines')
    .action(async (file: string, opts: SweepCliOptions) => { process.exitCode = await cmdSweep(file, opts); });
}
