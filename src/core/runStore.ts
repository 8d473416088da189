// Run directories: the single source of truth of a run. Writers append/replace atomically; readers tolerate partial writes.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUN_FILES, type AttentionSnapshot, type ControlRequest, type MetricsLine, type ProcessFile, type ProgressFile, type RunConfigFile, type Summary, type WeightsManifest } from '../protocol/runFiles';
import type { ParamSpec } from './model';

export const DEFAULT_RUNS_DIR = path.join('.anchor-lab', 'runs');

export function newRunId(name: string, now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'run';
  return `${ts}-${slug}-${Math.random().toString(16).slice(2, 6)}`;
}

/** Write a file so readers see the old or the new content, never a torn one. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Parse JSON lines, skipping a half-written last line (and reporting how many lines were bad). */
export function parseJsonLines<T>(text: string): { items: T[]; skipped: number } {
  const items: T[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try { items.push(JSON.parse(line) as T); } catch { skipped++; }
  }
  return { items, skipped };
}

function readJson<T>(file: string): T | null {
  try { return JSON.parse(fs.readFileSync(file, 'utf8')) as T; } catch { return null; }
}

/** The writer side, used only by the runner that owns the directory. */
export class RunWriter {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    fs.mkdirSync(path.join(dir, RUN_FILES.attention), { recursive: true });
  }
  file(name: string) { return path.join(this.dir, name); }
  writeConfig(c: RunConfigFile) { writeFileAtomic(this.file(RUN_FILES.config), JSON.stringify(c, null, 2) + '\n'); }
  writeProcess(p: ProcessFile) { writeFileAtomic(this.file(RUN_FILES.process), JSON.stringify(p, null, 2) + '\n'); }
  writeProgress(p: ProgressFile) { writeFileAtomic(this.file(RUN_FILES.progress), JSON.stringify(p) + '\n'); }
  /** Appended with one write call and flushed, so a killed runner leaves whole lines (or one partial last line). */
  appendMetrics(m: MetricsLine) {
    const fd = fs.openSync(this.file(RUN_FILES.metrics), 'a');
    try { fs.writeSync(fd, JSON.stringify(m) + '\n'); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  }
  writeAttention(a: AttentionSnapshot) {
    writeFileAtomic(path.join(this.dir, RUN_FILES.attention, `${String(a.step).padStart(8, '0')}.json`), JSON.stringify(a) + '\n');
  }
  writeSummary(s: Summary) { writeFileAtomic(this.file(RUN_FILES.summary), JSON.stringify(s, null, 2) + '\n'); }
  writeWeights(sub: string, layout: ParamSpec[], params: Float32Array, meta: { epoch: number; step: number }, opt?: { step: number; m: Float32Array; v: Float32Array }) {
    const dir = path.join(this.dir, sub);
    fs.mkdirSync(dir, { recursive: true });
    const manifest: WeightsManifest = {
      format: 'anchor-lab-weights/1', epoch: meta.epoch, step: meta.step, dtype: 'float32',
      tensors: layout.map((p) => ({ name: p.name, shape: p.shape, offset: p.offset, size: p.size })),
    };
    writeFileAtomic(path.join(dir, 'weights.bin'), toBytes(params));
    if (opt) {
      writeFileAtomic(path.join(dir, 'adam-m.bin'), toBytes(opt.m));
      writeFileAtomic(path.join(dir, 'adam-v.bin'), toBytes(opt.v));
      manifest.optimizer = { step: opt.step, m: 'adam-m.bin', v: 'adam-v.bin' };
    }
    writeFileAtomic(path.join(dir, 'weights.json'), JSON.stringify(manifest, null, 2) + '\n');
  }
}

function toBytes(a: Float32Array): Uint8Array {
  // Float32Array is little-endian on every platform Node runs on.
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Load a weights folder (final weights or a checkpoint) as named Float32Arrays plus the flat vector. */
export function readWeights(dir: string): { manifest: WeightsManifest; flat: Float32Array; tensors: Record<string, { shape: number[]; data: Float32Array }> } {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'weights.json'), 'utf8')) as WeightsManifest;
  const buf = fs.readFileSync(path.join(dir, 'weights.bin'));
  const flat = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const t of manifest.tensors) tensors[t.name] = { shape: t.shape, data: flat.subarray(t.offset, t.offset + t.size) };
  return { manifest, flat, tensors };
}

/** Everything a watcher knows about one run directory, read without side effects. */
export interface RunSnapshot {
  id: string;
  dir: string;
  config: RunConfigFile | null;
  process: ProcessFile | null;
  progress: ProgressFile | null;
  metrics: MetricsLine[];
  summary: Summary | null;
  /** running, or the summary's status, or 'lost' when the process is gone without a summary. */
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'lost';
}

export function isProcessAlive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}

export function readRun(dir: string): RunSnapshot {
  const config = readJson<RunConfigFile>(path.join(dir, RUN_FILES.config));
  const proc = readJson<ProcessFile>(path.join(dir, RUN_FILES.process));
  const progress = readJson<ProgressFile>(path.join(dir, RUN_FILES.progress));
  const summary = readJson<Summary>(path.join(dir, RUN_FILES.summary));
  let metrics: MetricsLine[] = [];
  try { metrics = parseJsonLines<MetricsLine>(fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8')).items; } catch { /* none yet */ }
  let state: RunSnapshot['state'] = summary ? summary.status : 'running';
  if (!summary && proc && proc.hostname === os.hostname() && !isProcessAlive(proc.pid)) state = 'lost';
  return { id: path.basename(dir), dir, config, process: proc, progress, metrics, summary, state };
}

export function listRuns(runsDir: string): string[] {
  try {
    return fs.readdirSync(runsDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => path.join(runsDir, d.name)).sort();
  } catch { return []; }
}

export function readAttention(dir: string): AttentionSnapshot[] {
  const adir = path.join(dir, RUN_FILES.attention);
  let files: string[] = [];
  try { files = fs.readdirSync(adir).filter((f) => f.endsWith('.json')).sort(); } catch { return []; }
  return files.map((f) => readJson<AttentionSnapshot>(path.join(adir, f))).filter((x): x is AttentionSnapshot => x !== null);
}

/** Ask a runner to stop: it polls this file and ends with status "cancelled". */
export function requestCancel(dir: string, reason?: string): void {
  const req: ControlRequest = { request: 'cancel', at: new Date().toISOString(), reason };
  writeFileAtomic(path.join(dir, RUN_FILES.control), JSON.stringify(req) + '\n');
}

export function readControl(dir: string): ControlRequest | null {
  return readJson<ControlRequest>(path.join(dir, RUN_FILES.control));
}
