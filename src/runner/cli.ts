// The anchor-lab command line, and the runner process: `anchor-lab run` trains one run and owns its directory.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command, Option } from 'commander';
import * as cliProgress from 'cli-progress';
import { ConfigError, formatIssues, loadExperimentText, parseExperiment, parseOverride, wasmHeapProblem } from '../core/config';
import { BACKEND_REQUESTS, initBackend, type BackendRequest } from '../core/backend';
import { DEFAULT_RUNS_DIR, newRunId, readControl, RunWriter } from '../core/runStore';
import { train } from '../core/train';
import { ENGINE_VERSION, RUN_FILES, type MetricsLine, type ProgressFile, type Summary } from '../protocol/runFiles';
import { renderSummaryTable, fmtPct, fmtDuration } from './report';
import { dumpTrace } from './trace';
import { benchSteps } from './benchStep';
import { registerSweepCommand } from './sweepCli';
import { checkSweepText } from '../core/sweepCheck';

const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;

function readExperiment(file: string, sets: string[]) {
  const text = fs.readFileSync(file, 'utf8');
  const overrides = sets.map(parseOverride);
  const { config, warnings } = loadExperimentText(file, text, overrides);
  for (const w of warnings) process.stderr.write(formatIssues(file, [w]) + '\n');
  return { config, overrides: Object.fromEntries(overrides.map((o) => [o.path, o.value])) };
}

const collect = (v: string, prev: string[]) => [...prev, v];

interface RunOpts { set: string[]; out?: string; runDir?: string; backend: BackendRequest; progress: boolean; threads: number }

function processInfo() {
  return { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString(), argv: process.argv.slice(1), node: process.version };
}

/** With --run-dir the directory was named by a watcher (the editor, a sweep): a run that cannot start says why there. */
async function prepareRun(file: string, opts: RunOpts) {
  const early = opts.runDir ? new RunWriter(path.resolve(opts.runDir)) : null;
  early?.writeProcess(processInfo());
  try {
    const { config, overrides } = readExperiment(file, opts.set);
    const backend = await initBackend(opts.backend);
    const heap = backend.name === 'wasm' ? wasmHeapProblem(config) : null;
    if (heap) throw new ConfigError(file, [{ path: ['train', 'batchSize'], severity: 'error', message: heap }]);
    return { config, overrides, backend };
  } catch (e) {
    early?.writeSummary({ runId: path.basename(early.dir), status: 'failed', error: (e as Error).message, backend: null, steps: 0, epochs: 0, durationSec: 0, final: null, best: null, solution: null, stoppedEarly: null });
    throw e;
  }
}

async function cmdRun(file: string, opts: RunOpts): Promise<number> {
  const { config, overrides, backend } = await prepareRun(file, opts);
  const runId = opts.runDir ? path.basename(path.resolve(opts.runDir)) : newRunId(config.name);
  const dir = path.resolve(opts.runDir ?? path.join(opts.out ?? DEFAULT_RUNS_DIR, runId));
  const writer = new RunWriter(dir);
  if (!opts.runDir) writer.writeProcess(processInfo());
  const err = (s: string) => process.stderr.write(s + '\n');
  err(`anchor-lab ${ENGINE_VERSION} · ${config.name} · backend ${backend.detail}${opts.threads > 1 ? ` × ${opts.threads} threads` : ''}`);
  err(`run directory ${path.relative(process.cwd(), dir) || dir}`);

  let cancel: string | null = null;
  const onSignal = (sig: string) => {
    if (cancel) { err(`\n${sig} again: exiting now`); process.exit(EXIT.cancelled); }
    cancel = `${sig} received`;
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  let lastControlCheck = 0;
  const cancelRequested = () => {
    const now = Date.now();
    if (!cancel && now - lastControlCheck > 250) {
      lastControlCheck = now;
      const c = readControl(dir);
      if (c?.request === 'cancel') cancel = `cancel requested${c.reason ? `: ${c.reason}` : ''}`;
    }
    return cancel;
  };

  const tty = opts.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar({
    format: ' {bar} {percentage}% | epoch {epoch}/{epochs} | loss {loss} | (4,3) inf {inf} sym {sym} | seen {seen} | {solution} | ETA {eta_formatted}',
    barsize: 24, hideCursor: true, noTTYOutput: false, stream: process.stderr, etaBuffer: 50, fps: 5,
  }, cliProgress.Presets.shades_classic);
  let lastEval: MetricsLine | null = null;
  const payload = (p: ProgressFile | null) => ({
    epoch: p?.epoch ?? lastEval?.epoch ?? 0, epochs: config.train.epochs,
    loss: p?.runningLoss != null ? p.runningLoss.toFixed(4) : lastEval?.loss != null ? lastEval.loss.toFixed(4) : '—',
    inf: lastEval ? fmtPct(lastEval.unseen.inferential) : '—', sym: lastEval ? fmtPct(lastEval.unseen.symmetric) : '—',
    seen: lastEval ? fmtPct(lastEval.seenTestAcc) : '—', solution: lastEval?.solution ?? '—',
  });
  let started = false;
  const summary: Summary = await train(config, {
    runId, writer, backend, experimentFile: path.resolve(file), overrides, threads: opts.threads,
    hooks: {
      log: (m) => { if (!tty) err(m); },
      cancelRequested,
      onProgress: (p) => {
        if (!tty) return;
        if (!started) { bar.start(p.totalSteps, p.step, payload(p)); started = true; }
        bar.update(p.step, payload(p));
      },
      onEval: (m) => {
        lastEval = m;
        if (tty) { if (started) bar.update(payload(null)); }
        else if (opts.progress) err(`epoch ${m.epoch}/${config.train.epochs} step ${m.step} loss ${m.loss?.toFixed(4) ?? '—'} train ${fmtPct(m.trainAcc)} seen ${fmtPct(m.seenTestAcc)} (4,3) inf ${fmtPct(m.unseen.inferential)} sym ${fmtPct(m.unseen.symmetric)} → ${m.solution} (${fmtDuration(m.elapsedSec)})`);
      },
    },
  });
  if (started) bar.stop();
  process.stdout.write(renderSummaryTable(summary, config, path.relative(process.cwd(), dir) || dir) + '\n');
  if (summary.status === 'failed') err(`run failed: ${summary.error}`);
  return summary.status === 'completed' ? EXIT.ok : summary.status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
}

function cmdValidate(files: string[], opts: { set: string[] }): number {
  let bad = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const overrides = opts.set.map(parseOverride);
    const parsed = parseExperiment(text, overrides);
    const { config } = parsed;
    const issues = parsed.issues.some((i) => i.severity === 'error') ? parsed.issues : [...parsed.issues, ...checkSweepText(text, overrides)];
    if (issues.length) process.stdout.write(formatIssues(file, issues) + '\n');
    const errors = issues.filter((i) => i.severity === 'error').length;
    if (errors) bad++;
    else process.stdout.write(`${file}: ok (${config.name}: ${config.model.layers} layers, γ=${config.model.gamma}, ${config.train.epochs} epochs)\n`);
  }
  return bad ? EXIT.usage : EXIT.ok;
}

export function buildProgram(): Command {
  const program = new Command('anchor-lab')
    .description('Train small transformers on anchor-function tasks: do they reason or memorize?')
    .version(ENGINE_VERSION)
    .showHelpAfterError()
    .exitOverride();
  const threadsOpt = () => new Option('--threads <n>', 'worker threads for one run (data-parallel over the batch); sweeps use 1 per process').argParser((v) => {
    const n = parseInt(v, 10);
    if (!(n >= 1 && n <= 64)) throw new Error(`--threads must be an integer 1..64, got ${v}`);
    return n;
  }).default(1);
  const backendOpt = () => new Option('--backend <name>', 'tfjs backend: auto picks tfjs-node if it loads, else WebGPU on a hardware GPU, else wasm').choices(BACKEND_REQUESTS).default('auto');
  program.command('run')
    .description('train one experiment; writes a run directory and prints a result table')
    .argument('<file>', 'an *.experiment.json file')
    .option('--set <path=value>', 'override a config value, e.g. --set model.gamma=0.8 (repeatable)', collect, [])
    .option('--out <dir>', `runs directory (default ${DEFAULT_RUNS_DIR})`)
    .option('--run-dir <dir>', 'exact run directory to write (used by the extension)')
    .addOption(backendOpt())
    .option('--no-progress', 'no progress bar or per-evaluation lines')
    .addOption(threadsOpt())
    .action(async (file: string, o: RunOpts) => { process.exitCode = await cmdRun(file, o); });
  program.command('validate')
    .description('check experiment files; prints file:line:column errors')
    .argument('<files...>')
    .option('--set <path=value>', 'override a config value (repeatable)', collect, [])
    .action((files: string[], o: { set: string[] }) => { process.exitCode = cmdValidate(files, o); });
  program.command('trace', { hidden: true })
    .description('write initial weights, batches and per-step losses of a few steps (for the PyTorch equivalence check)')
    .argument('<file>')
    .requiredOption('--out <dir>')
    .option('--steps <n>', 'steps', (v) => parseInt(v, 10), 50)
    .option('--set <path=value>', 'override', collect, [])
    .addOption(backendOpt())
    .action(async (file: string, o: { out: string; steps: number; set: string[]; backend: BackendRequest }) => {
      const { config } = readExperiment(file, o.set);
      await initBackend(o.backend);
      await dumpTrace(config, o.out, o.steps);
    });
  program.command('bench-step', { hidden: true })
    .description('time training steps of an experiment; prints JSON')
    .argument('<file>')
    .option('--steps <n>', 'timed steps', (v) => parseInt(v, 10), 10)
    .option('--set <path=value>', 'override', collect, [])
    .addOption(backendOpt())
    .addOption(threadsOpt())
    .option('--no-eval', 'skip timing one evaluation pass (slow on a software WebGPU adapter)')
    .action(async (file: string, o: { steps: number; set: string[]; backend: BackendRequest; threads: number; eval: boolean }) => {
      const { config } = readExperiment(file, o.set);
      const b = await initBackend(o.backend);
      process.stdout.write(JSON.stringify({ backend: b, ...(await benchSteps(config, o.steps, o.threads, b.name, 2, o.eval)) }) + '\n');
    });
  registerSweepCommand(program);
  return program;
}

export async function main(argv = process.argv): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(e.message + '\n'); process.exitCode = EXIT.usage; return; }
    const ce = e as { code?: string; exitCode?: number };
    if (typeof ce.code === 'string' && ce.code.startsWith('commander.')) { process.exitCode = ce.exitCode ?? EXIT.usage; return; }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') { process.stderr.write(`anchor-lab: ${(e as Error).message}\n`); process.exitCode = EXIT.usage; return; }
    process.stderr.write(`anchor-lab: ${(e as Error).message}\n`);
    process.exitCode = EXIT.failed;
  }
}

export { RUN_FILES };
if (require.main === module) void main();
