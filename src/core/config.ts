// Experiment files: types, defaults (from the shipped JSON Schema), located validation.
import Ajv, { type ErrorObject } from 'ajv';
import * as jsonc from 'jsonc-parser';
import schema from '../../schemas/experiment.schema.json';

export type Pair = [number, number];
export type SolutionLabel = 'learning' | 'memorizing' | 'inferential' | 'symmetric' | 'other';

export interface TaskConfig {
  kind: 'anchor-composition';
  anchors: Record<string, number>;
  keyRange: [number, number];
  seqLen: number;
  unseenPairs: Pair[];
  pairOverrides: { pair: Pair; shift: number }[];
  splitModulus: number;
  trainPerPair: number;
  testPerPair: number;
  vocabSize: number;
}
export interface ModelConfig {
  layers: number; heads: number; dModel: number; dHead: number; dFF: number;
  norm: 'post' | 'pre'; gamma: number; maxPos: number;
}
export interface TrainConfig {
  epochs: number; batchSize: number; lr: number; lrMultiplier: number; warmupEpochs: number;
  schedule: 'warmup-constant-min' | 'warmup-cosine';
  weightDecay: number; beta1: number; beta2: number; eps: number; clipNorm: number; seed: number;
  earlyStop: number; earlyStopMinFraction: number; earlyStopLabels: SolutionLabel[]; stopLoss: number; checkpoints: number[];
  lastPositionShortcut: boolean;
}
export interface Probe { label?: string; tokens: number[] }
export interface EvalConfig { everyEpochs: number; trainSample: number; sampleLimit: number | null; probes: Probe[] }
export interface ExperimentConfig {
  $schema?: string;
  name: string;
  description: string;
  task: TaskConfig;
  model: ModelConfig;
  train: TrainConfig;
  eval: EvalConfig;
  sweep: Record<string, unknown[]>;
}

/** One problem with an experiment file, located for an editor or a terminal. */
export interface ConfigIssue {
  /** JSON path of the offending value, e.g. ['model', 'gamma']. */
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
  /** Where in the file (absent for values that came from --set or defaults). */
  offset?: number;
  length?: number;
  line?: number; // 1-based
  column?: number; // 1-based
  /** Set when the value came from a command-line override. */
  source?: string;
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly issues: ConfigIssue[]) {
    super(formatIssues(file, issues));
    this.name = 'ConfigError';
  }
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
const validateSchema = ajv.compile(schema);

export const experimentSchema = schema;

/** Defaults of every field, as the schema states them. */
export function defaultConfig(): ExperimentConfig {
  const obj: Record<string, unknown> = {};
  validateSchema(obj);
  return obj as unknown as ExperimentConfig;
}

export function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues
    .map((i) => {
      const where = i.source ? i.source : i.line !== undefined ? `${file}:${i.line}:${i.column}` : file;
      const field = i.path.length ? ` ${i.path.join('.')}:` : '';
      return `${where}: ${i.severity}:${field} ${i.message}`;
    })
    .join('\n');
}

/** Set a dotted path (e.g. "model.gamma") in a plain object, creating objects on the way. */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    if (typeof cur[k] !== 'object' || cur[k] === null || Array.isArray(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** Parse "path=value" as given to --set: the value is JSON when it parses as JSON, else a string. */
export function parseOverride(spec: string): { path: string; value: unknown } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${spec}: expected path=value, e.g. --set model.gamma=0.8`);
  const path = spec.slice(0, eq).trim();
  const raw = spec.slice(eq + 1).trim();
  let value: unknown = raw;
  try { value = JSON.parse(raw); } catch { /* a bare string */ }
  return { path, value };
}

interface ParsedText { tree: jsonc.Node | undefined; value: unknown; issues: ConfigIssue[]; lineStarts: number[] }

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
  return starts;
}

function locate(lineStarts: number[], offset: number): { line: number; column: number } {
  let lo = 0, hi = lineStarts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (lineStarts[mid] <= offset) lo = mid; else hi = mid - 1; }
  return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
}

function parseText(text: string): ParsedText {
  const errors: jsonc.ParseError[] = [];
  const tree = jsonc.parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const lineStarts = lineStartsOf(text);
  const issues: ConfigIssue[] = errors.map((e) => ({
    path: [], severity: 'error', offset: e.offset, length: e.length, ...locate(lineStarts, e.offset),
    message: `JSON syntax: ${jsonc.printParseErrorCode(e.error)}`,
  }));
  return { tree, value: tree ? jsonc.getNodeValue(tree) : undefined, issues, lineStarts };
}

function ajvPath(e: ErrorObject): (string | number)[] {
  const parts = e.instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const path: (string | number)[] = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  if (e.keyword === 'additionalProperties') path.push((e.params as { additionalProperty: string }).additionalProperty);
  if (e.keyword === 'propertyNames') path.push((e.params as { propertyName: string }).propertyName);
  return path;
}

function allowedText(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum': return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'additionalProperties': return `unknown field "${p.additionalProperty}"`;
    case 'type': return `must be ${p.type}`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `must be ${p.comparison} ${p.limit}`;
    case 'propertyNames': return `invalid key "${p.propertyName}"`;
    default: return e.message ?? e.keyword;
  }
}

/** Lookup of the schema node's description at a path, for "what is allowed" hints. */
function schemaAt(path: (string | number)[]): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = schema as Record<string, unknown>;
  for (const key of path) {
    if (!node) return undefined;
    const props = node.properties as Record<string, Record<string, unknown>> | undefined;
    if (typeof key === 'string' && props && props[key]) node = props[key];
    else if (typeof key === 'number' && node.items) node = node.items as Record<string, unknown>;
    else if (node.additionalProperties && typeof node.additionalProperties === 'object') node = node.additionalProperties as Record<string, unknown>;
    else return undefined;
  }
  return node;
}

function locateIssue(p: ParsedText, issue: ConfigIssue, preferKey: boolean): ConfigIssue {
  if (!p.tree || issue.source) return issue;
  // Walk up until a node exists (a missing field is reported at its parent object).
  for (let n = issue.path.length; n >= 0; n--) {
    const node = jsonc.findNodeAtLocation(p.tree, issue.path.slice(0, n));
    if (!node) continue;
    let target = node;
    if (preferKey && n === issue.path.length && node.parent?.type === 'property' && node.parent.children?.[0]) target = node.parent.children[0];
    return { ...issue, offset: target.offset, length: target.length, ...locate(p.lineStarts, target.offset) };
  }
  return issue;
}

const PAIR_KEY = (p: Pair) => `${p[0]},${p[1]}`;

/** Checks JSON Schema cannot express. Shared by the CLI and the editor's diagnostics. */
export function semanticIssues(c: ExperimentConfig): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const err = (path: (string | number)[], message: string) => out.push({ path, message, severity: 'error' });
  const t = c.task, m = c.model;
  const anchorIds = Object.keys(t.anchors).map(Number);
  const [kmin, kmax] = t.keyRange;
  if (kmin > kmax) err(['task', 'keyRange'], `min ${kmin} is above max ${kmax}`);
  for (const a of anchorIds) if (a >= kmin && a <= kmax) err(['task', 'anchors', String(a)], `anchor token ${a} lies inside keyRange [${kmin}, ${kmax}]; anchors must be distinct from key and noise items`);
  const seen = new Set<string>();
  t.unseenPairs.forEach((p, i) => {
    p.forEach((a, j) => { if (!anchorIds.includes(a)) err(['task', 'unseenPairs', i, j], `anchor ${a} is not defined in task.anchors (defined: ${anchorIds.join(', ')})`); });
    if (seen.has(PAIR_KEY(p))) err(['task', 'unseenPairs', i], `pair (${p}) is listed twice`);
    seen.add(PAIR_KEY(p));
  });
  if (t.unseenPairs.length >= anchorIds.length ** 2) err(['task', 'unseenPairs'], 'every pair is unseen: nothing would be trained');
  const unseen = new Set(t.unseenPairs.map(PAIR_KEY));
  t.pairOverrides.forEach((o, i) => {
    o.pair.forEach((a, j) => { if (!anchorIds.includes(a)) err(['task', 'pairOverrides', i, 'pair', j], `anchor ${a} is not defined in task.anchors (defined: ${anchorIds.join(', ')})`); });
    if (unseen.has(PAIR_KEY(o.pair))) out.push({ path: ['task', 'pairOverrides', i, 'pair'], severity: 'warning', message: `pair (${o.pair}) is unseen, so its override only changes the symmetric readout of its mirror pair` });
  });
  const shifts = [...Object.values(t.anchors)];
  const maxShift = 2 * Math.max(...shifts, ...t.pairOverrides.map((o) => o.shift / 2));
  const minShift = 2 * Math.min(...shifts, ...t.pairOverrides.map((o) => o.shift / 2));
  if (kmax + maxShift >= t.vocabSize) err(['task', 'vocabSize'], `targets reach ${kmax + maxShift}, so vocabSize must be at least ${kmax + maxShift + 1}`);
  if (kmin + minShift < 1) err(['task', 'keyRange'], `targets go down to ${kmin + minShift}; they must stay ≥ 1 (0 is PAD)`);
  if (kmax >= t.vocabSize) err(['task', 'keyRange'], `keys up to ${kmax} need vocabSize > ${kmax}`);
  if (m.maxPos < t.seqLen) err(['model', 'maxPos'], `must be ≥ task.seqLen (${t.seqLen})`);
  // The split must leave train and test keys for every key position.
  for (let pos = 0; pos <= t.seqLen - 3; pos++) {
    let train = 0, test = 0;
    for (let x = kmin; x <= kmax; x++) (x % t.splitModulus === pos % t.splitModulus ? test++ : train++);
    if (!train || !test) { err(['task', 'splitModulus'], `leaves no ${train ? 'test' : 'training'} key for key position ${pos} with keyRange [${kmin}, ${kmax}]`); break; }
  }
  c.eval.probes.forEach((p, i) => {
    if (p.tokens.length !== t.seqLen) err(['eval', 'probes', i, 'tokens'], `has ${p.tokens.length} tokens; exactly task.seqLen = ${t.seqLen} are needed`);
    p.tokens.forEach((tok, j) => { if (tok >= t.vocabSize) err(['eval', 'probes', i, 'tokens', j], `token ${tok} is not below vocabSize ${t.vocabSize}`); });
  });
  if (c.train.warmupEpochs > c.train.epochs) err(['train', 'warmupEpochs'], `is longer than train.epochs (${c.train.epochs})`);
  const nSeen = anchorIds.length ** 2 - t.unseenPairs.length;
  if (nSeen * t.trainPerPair < c.train.batchSize) err(['train', 'batchSize'], `exceeds the ${nSeen * t.trainPerPair} training sequences: no full batch (the last incomplete batch is dropped)`);
  const heap = wasmHeapProblem(c);
  // A warning here: tfjs-node and WebGPU have no such limit. The runner refuses it on wasm (see wasmHeapProblem).
  if (heap) out.push({ path: ['train', 'batchSize'], severity: 'warning', message: heap });
  for (const [k, vals] of Object.entries(c.sweep ?? {})) {
    const path = k.split('.');
    if (!schemaAt(path)) err(['sweep', k], `"${k}" names no config field`);
    if (Array.isArray(vals) && vals.length === 0) err(['sweep', k], 'needs at least one value');
  }
  return out;
}

export const WASM_HEAP_LIMIT = 1.8 * 2 ** 30;

/** Why a config cannot train on the wasm backend (its heap stops near 2 GiB), or null. */
export function wasmHeapProblem(c: ExperimentConfig): string | null {
  const mem = estimateMemoryBytes(c);
  return mem > WASM_HEAP_LIMIT ? `this size needs about ${(mem / 2 ** 30).toFixed(1)} GiB of tensor memory; the wasm backend stops near 2 GiB. Lower train.batchSize, model.dModel/dFF or task.trainPerPair, or use the node or webgpu backend` : null;
}

/** Rough peak bytes of one training step plus the dataset, for refusing configs that cannot fit. */
export function estimateMemoryBytes(c: ExperimentConfig): number {
  const { dModel: D, dFF: F, layers: L, heads: H, dHead: dh } = c.model;
  const T = c.task.seqLen, B = c.train.batchSize, V = c.task.vocabSize;
  const rows = B * T;
  const perLayer = rows * (D * 8 + 3 * H * dh * 2 + F * 3) + B * H * T * T * 4;
  const activations = 4 * (L * perLayer + rows * (D * 3 + V) + B * V * 4);
  const params = (V * D + c.model.maxPos * D + L * (4 * D * H * dh + 2 * D * F + 4 * D) + D * V + V) * 4 * 6;
  const nPairs = Object.keys(c.task.anchors).length ** 2;
  const data = nPairs * (c.task.trainPerPair + c.task.testPerPair) * (T + 1) * 4;
  return activations + params + data;
}

/** Validate raw (parsed) config values, fill in defaults, return issues. */
export function resolveConfig(raw: unknown, overrides: { path: string; value: unknown }[] = []): { config: ExperimentConfig; issues: ConfigIssue[]; overridden: Set<string> } {
  const obj = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? structuredClone(raw) : {}) as Record<string, unknown>;
  const overridden = new Set<string>();
  for (const o of overrides) { setPath(obj, o.path, o.value); overridden.add(o.path); }
  const issues: ConfigIssue[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) issues.push({ path: [], severity: 'error', message: 'an experiment file must hold a JSON object' });
  if (!validateSchema(obj)) {
    for (const e of validateSchema.errors ?? []) {
      if (e.keyword === 'if') continue;
      const path = ajvPath(e);
      const dotted = path.join('.');
      const src = [...overridden].find((o) => dotted === o || dotted.startsWith(o + '.'));
      const desc = schemaAt(path)?.description as string | undefined;
      const hint = desc && e.keyword !== 'additionalProperties' ? ` (${desc.split(/\.\s+(?=[A-Z])/)[0].replace(/\.$/, '')})` : '';
      const known = e.keyword === 'additionalProperties' ? `; known fields: ${Object.keys((schemaAt(path.slice(0, -1))?.properties as object) ?? {}).join(', ')}` : '';
      issues.push({ path, severity: 'error', message: `${allowedText(e)}${known}${hint}`, source: src ? `--set ${src}` : undefined });
    }
  }
  const config = obj as unknown as ExperimentConfig;
  if (!issues.some((i) => i.severity === 'error')) {
    for (const i of semanticIssues(config)) {
      const dotted = i.path.join('.');
      const src = [...overridden].find((o) => dotted === o || dotted.startsWith(o + '.'));
      issues.push(src ? { ...i, source: `--set ${src}` } : i);
    }
  }
  return { config, issues, overridden };
}

/** Parse and validate experiment-file text. Every issue is located (line, column) in the text. */
export function parseExperiment(text: string, overrides: { path: string; value: unknown }[] = []): { config: ExperimentConfig; issues: ConfigIssue[] } {
  const parsed = parseText(text);
  if (parsed.issues.length) return { config: defaultConfig(), issues: parsed.issues };
  const { config, issues } = resolveConfig(parsed.value, overrides);
  return { config, issues: issues.map((i) => locateIssue(parsed, i, i.message.startsWith('unknown field') || i.message.startsWith('invalid key'))) };
}

/** Parse, validate, and throw a ConfigError listing every error at once. */
export function loadExperimentText(file: string, text: string, overrides: { path: string; value: unknown }[] = []): { config: ExperimentConfig; warnings: ConfigIssue[] } {
  const { config, issues } = parseExperiment(text, overrides);
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length) throw new ConfigError(file, errors);
  return { config, warnings: issues.filter((i) => i.severity === 'warning') };
}

/** Peak LR, for displays. */
export const peakLr = (t: TrainConfig) => t.lr * t.lrMultiplier;
