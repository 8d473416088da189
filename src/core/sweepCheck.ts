// Diagnostics of the `sweep` / `sweepOptions` blocks that config.ts's semanticIssues does not make: the type of every
// listed value against its field's schema, per-point semantic problems, grid size and the time it would take at the
// measured speed. Located (line, column) like the rest of the file's diagnostics.
//
// Editor / CLI use:  issues = [...parseExperiment(text, overrides).issues, ...checkSweepText(text, overrides, { speed })]
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import * as jsonc from 'jsonc-parser';
import { experimentSchema, parseExperiment, semanticIssues, type ConfigIssue, type ExperimentConfig } from './config';
import { listRuns, readRun } from './runStore';
import { expandGrid, gridSize, MAX_SWEEP_POINTS, pointConfig, sweepAxes, sweepOptionsOf } from './sweep';

/** Above this many points, or this many hours of estimated wall time, the sweep gets a warning. */
export const LARGE_SWEEP_POINTS = 1000;
export const LARGE_SWEEP_HOURS = 12;
/** How many points get the per-point semantic check (the rest are skipped for editor latency). */
const POINT_CHECK_LIMIT = 2000;

const ajv = new Ajv({ allErrors: false, strict: false });
const validators = new Map<string, ValidateFunction | null>();

function fieldSchema(dotted: string): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = experimentSchema as Record<string, unknown>;
  for (const key of dotted.split('.')) {
    const props = node?.properties as Record<string, Record<string, unknown>> | undefined;
    node = props?.[key];
    if (!node) return undefined;
  }
  return node;
}

function validatorFor(dotted: string): ValidateFunction | null {
  if (!validators.has(dotted)) {
    const s = fieldSchema(dotted);
    validators.set(dotted, s ? ajv.compile({ ...s, default: undefined }) : null);
  }
  return validators.get(dotted)!;
}

// ---------------------------------------------------------------------------------------------------------------
// Time estimates.

/** Work of one point in arbitrary units (≈ multiply-adds of the training steps); calibrated by measured runs. */
export function workUnits(c: ExperimentConfig): number {
  const { dModel: D, dFF: F, layers: L, heads: H, dHead: dh } = c.model;
  const nSeen = Object.keys(c.task.anchors).length ** 2 - c.task.unseenPairs.length;
  const stepsPerEpoch = Math.floor((nSeen * c.task.trainPerPair) / c.train.batchSize);
  const perSeq = c.task.seqLen * (L * (4 * D * H * dh + 2 * D * F) + D * c.task.vocabSize);
  return stepsPerEpoch * c.train.epochs * c.train.batchSize * perSeq;
}

export interface SweepSpeed {
  /** Seconds per work unit. */
  secPerUnit: number;
  /** Fixed seconds per point (process start, data generation, evaluations). */
  overheadSec: number;
  /** How many finished runs it was measured on (0 = an assumed default). */
  basedOnRuns: number;
}

/** Measured with the wasm backend (1 thread, SIMD) on the 2-core development machine: ~4.4e-10 s per unit for the
 *  quickstart model (width 128, batch 256), plus ~3 s per run of start-up, data generation and evaluations. */
export const ASSUMED_SPEED: SweepSpeed = { secPerUnit: 5e-10, overheadSec: 3, basedOnRuns: 0 };

/** The median speed of the newest completed runs in a runs directory (falls back to ASSUMED_SPEED). */
export function measureSpeed(runsDir: string, maxRuns = 30): SweepSpeed {
  const rates: number[] = [];
  for (const dir of listRuns(runsDir).reverse()) {
    if (rates.length >= maxRuns) break;
    if (!fs.existsSync(path.join(dir, 'summary.json'))) continue;
    const r = readRun(dir);
    if (r.state !== 'completed' || !r.summary || !r.config) continue;
    const units = workUnits(r.config.config);
    const sec = r.summary.durationSec - ASSUMED_SPEED.overheadSec;
    if (units > 0 && sec > 0) rates.push(sec / units);
  }
  if (!rates.length) return ASSUMED_SPEED;
  rates.sort((a, b) => a - b);
  return { secPerUnit: rates[Math.floor(rates.length / 2)], overheadSec: ASSUMED_SPEED.overheadSec, basedOnRuns: rates.length };
}

export interface SweepEstimate { points: number; pointSec: number; wallSec: number; concurrency: number; speed: SweepSpeed }

export function estimateSweep(config: ExperimentConfig, speed: SweepSpeed = ASSUMED_SPEED, concurrency = 1): SweepEstimate {
  const axes = sweepAxes(config);
  const points = gridSize(axes);
  let pointSec = 0;
  if (points <= MAX_SWEEP_POINTS) {
    for (const g of expandGrid(axes)) {
      try { pointSec += workUnits(pointConfig(config, g.values)) * speed.secPerUnit + speed.overheadSec; } catch { /* a bad value; reported elsewhere */ }
    }
  } else {
    pointSec = points * (workUnits(config) * speed.secPerUnit + speed.overheadSec);
  }
  const c = Math.max(1, Math.min(concurrency, points));
  return { points, pointSec, wallSec: pointSec / c, concurrency: c, speed };
}

export function fmtHours(sec: number): string {
  if (sec < 90) return `${Math.round(sec)} s`;
  if (sec < 5400) return `${Math.round(sec / 60)} min`;
  if (sec < 48 * 3600) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86400).toFixed(1)} days`;
}

export function describeEstimate(e: SweepEstimate): string {
  const basis = e.speed.basedOnRuns ? `the speed measured on ${e.speed.basedOnRuns} earlier run${e.speed.basedOnRuns > 1 ? 's' : ''}` : 'an assumed speed (no finished runs to measure yet)';
  return `${e.points} points, about ${fmtHours(e.pointSec / Math.max(1, e.points))} each, ≈ ${fmtHours(e.wallSec)} with ${e.concurrency} at a time (at ${basis})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Issues.

export interface SweepCheckOptions { speed?: SweepSpeed; concurrency?: number }

const fmt = (v: unknown) => JSON.stringify(v);

/** Issues of a resolved config's sweep (paths like ['sweep', 'model.gamma', 2]); not located. */
export function sweepIssues(config: ExperimentConfig, opts: SweepCheckOptions = {}): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const axes = sweepAxes(config);
  if (!axes.length) return out;
  let typesOk = true;
  for (const ax of axes) {
    const validate = validatorFor(ax.path);
    if (!validate) { typesOk = false; continue; } // "names no config field": semanticIssues reports it
    const desc = (fieldSchema(ax.path)?.description as string | undefined)?.split('. ')[0].replace(/\.$/, '');
    const seen = new Set<string>();
    ax.values.forEach((v, i) => {
      if (!validate(v)) {
        typesOk = false;
        const e = validate.errors?.[0];
        const p = e?.params as Record<string, unknown> | undefined;
        const why = e?.keyword === 'enum' ? `must be one of ${(p!.allowedValues as unknown[]).map(fmt).join(', ')}`
          : e?.keyword === 'type' ? `must be ${p!.type}`
          : e && ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'].includes(e.keyword) ? `must be ${p!.comparison} ${p!.limit}`
          : e?.message ?? 'is not allowed';
        out.push({ path: ['sweep', ax.path, i], severity: 'error', message: `${fmt(v)} is not a valid ${ax.path}: ${e?.instancePath ? `${e.instancePath.slice(1)} ` : ''}${why}${desc ? ` (${desc})` : ''}` });
      }
      const k = fmt(v);
      if (seen.has(k)) out.push({ path: ['sweep', ax.path, i], severity: 'warning', message: `${k} is listed twice: the grid would run the same point twice` });
      seen.add(k);
    });
  }
  const o = sweepOptionsOf(config);
  (['maxOver', 'meanOver'] as const).forEach((key) => o[key].forEach((p, i) => {
    if (!fieldSchema(p)) out.push({ path: ['sweepOptions', key, i], severity: 'warning', message: `"${p}" names no config field, so nothing is reduced over it` });
  }));
  const both = o.maxOver.filter((p) => o.meanOver.includes(p));
  for (const p of both) out.push({ path: ['sweepOptions', 'meanOver', o.meanOver.indexOf(p)], severity: 'warning', message: `"${p}" is also in maxOver; the maximum is taken over it and it is not averaged` });

  const n = gridSize(axes);
  const sizes = axes.map((a) => a.values.length).join(' × ');
  if (n > MAX_SWEEP_POINTS) {
    const e = estimateSweep(config, opts.speed, opts.concurrency ?? 1);
    out.push({ path: ['sweep'], severity: 'error', message: `the grid has ${sizes} = ${n} points, more than the ${MAX_SWEEP_POINTS} a sweep may have; it would take ≈ ${fmtHours(e.wallSec)} with ${e.concurrency} at a time` });
    return out;
  }
  if (typesOk) {
    const e = estimateSweep(config, opts.speed, opts.concurrency ?? 1);
    if (n > LARGE_SWEEP_POINTS || e.wallSec > LARGE_SWEEP_HOURS * 3600) {
      out.push({ path: ['sweep'], severity: 'warning', message: `large sweep: ${sizes} = ${describeEstimate(e)}` });
    }
    // Per-point semantic problems that the base config does not have (e.g. warmupEpochs > epochs at one grid value).
    const baseMsgs = new Set(semanticIssues(config).map((i) => `${i.path.join('.')}|${i.message}`));
    const found = new Map<string, { issue: ConfigIssue; values: Record<string, unknown>; count: number }>();
    const grid = expandGrid(axes);
    for (const g of grid.slice(0, POINT_CHECK_LIMIT)) {
      let issues: ConfigIssue[];
      try { issues = semanticIssues(pointConfig(config, g.values)); } catch (err) { issues = [{ path: [], severity: 'error', message: (err as Error).message }]; }
      for (const i of issues) {
        const k = `${i.path.join('.')}|${i.message}`;
        if (baseMsgs.has(k)) continue;
        const f = found.get(k);
        if (f) f.count++; else found.set(k, { issue: i, values: g.values, count: 1 });
      }
    }
    for (const { issue, values, count } of found.values()) {
      const field = issue.path.join('.');
      const at = axes.find((a) => field === a.path || field.startsWith(a.path + '.'))?.path;
      const where = Object.entries(values).map(([k, v]) => `${k}=${fmt(v)}`).join(', ');
      out.push({
        path: at ? ['sweep', at] : ['sweep'], severity: issue.severity,
        message: `at ${where}${count > 1 ? ` (and ${count - 1} more point${count > 2 ? 's' : ''})` : ''}: ${field ? `${field} ` : ''}${issue.message}`,
      });
    }
  }
  return out;
}

function lineStarts(text: string): number[] {
  const s = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) s.push(i + 1);
  return s;
}

/** Attach offset/line/column to issues by their JSON path (walking up to the nearest existing node). */
export function locateIssues(text: string, issues: ConfigIssue[]): ConfigIssue[] {
  const tree = jsonc.parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!tree) return issues;
  const starts = lineStarts(text);
  const lc = (off: number) => {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (starts[mid] <= off) lo = mid; else hi = mid - 1; }
    return { line: lo + 1, column: off - starts[lo] + 1 };
  };
  return issues.map((i) => {
    for (let n = i.path.length; n >= 0; n--) {
      const node = jsonc.findNodeAtLocation(tree, i.path.slice(0, n));
      if (!node) continue;
      // A whole-key issue (['sweep', key]) points at the key, like config.ts does for unknown fields.
      const target = n === 2 && i.path.length === 2 && i.path[0] === 'sweep' && node.parent?.children?.[0] ? node.parent.children[0] : node;
      return { ...i, offset: target.offset, length: target.length, ...lc(target.offset) };
    }
    return i;
  });
}

/** Parse the file text and return the located sweep issues (empty when the base config itself has errors). */
export function checkSweepText(text: string, overrides: { path: string; value: unknown }[] = [], opts: SweepCheckOptions = {}): ConfigIssue[] {
  const { config, issues } = parseExperiment(text, overrides);
  if (issues.some((i) => i.severity === 'error' && i.path[0] !== 'sweep')) return [];
  return locateIssues(text, sweepIssues(config, opts));
}
