// The two-anchor composite-function task (spec §1): sequences, targets, the as-run train/test split.
import type { Pair, TaskConfig } from './config';
import { Rng } from './rng';

export type KeyStyle = 'xel' | 'xm0'; // as-run names: training-style keys / test-style keys

/** A block of sequences: row i is tokens[i*seqLen .. (i+1)*seqLen), its label targets[i]. */
export interface SequenceSet {
  seqLen: number;
  n: number;
  tokens: Int32Array;
  targets: Int32Array;
  /** Key value and key position of each row (for analyses). */
  keys: Int32Array;
  keyPos: Int32Array;
}

export interface Group extends SequenceSet { pair: Pair; style: KeyStyle }

export const pairKey = (p: Pair): string => `${p[0]},${p[1]}`;

export function anchorIds(task: TaskConfig): number[] {
  return Object.keys(task.anchors).map(Number).sort((a, b) => a - b);
}

export function allPairs(task: TaskConfig): Pair[] {
  const ids = anchorIds(task);
  return ids.flatMap((a) => ids.map((b) => [a, b] as Pair));
}

export function isUnseen(task: TaskConfig, p: Pair): boolean {
  return task.unseenPairs.some((u) => u[0] === p[0] && u[1] === p[1]);
}

/** The composite shift of a pair: shift(a1) + shift(a2). */
export function inferentialShift(task: TaskConfig, p: Pair): number {
  return task.anchors[String(p[0])] + task.anchors[String(p[1])];
}

/** The shift a pair is trained on (the composite unless overridden, e.g. (3,4) → −6). */
export function trainedShift(task: TaskConfig, p: Pair): number {
  const o = task.pairOverrides.find((x) => x.pair[0] === p[0] && x.pair[1] === p[1]);
  return o ? o.shift : inferentialShift(task, p);
}

/** The symmetric readout of a pair: the mapping of its mirror pair (for (4,3): (3,4)'s x−6). */
export function symmetricShift(task: TaskConfig, p: Pair): number {
  return trainedShift(task, [p[1], p[0]]);
}

/** Candidate keys for each key position: test keys have x mod M = pos mod M, training keys the rest. */
export function keyCandidates(task: TaskConfig, style: KeyStyle): number[][] {
  const [lo, hi] = task.keyRange;
  const M = task.splitModulus;
  const out: number[][] = [];
  for (let pos = 0; pos <= task.seqLen - 3; pos++) {
    const xs: number[] = [];
    for (let x = lo; x <= hi; x++) if ((x % M === pos % M) === (style === 'xm0')) xs.push(x);
    out.push(xs);
  }
  return out;
}

/** Generate one group as the as-run code does: key at a uniform position 0..n−3, the pair right after, noise elsewhere. */
export function generateGroup(task: TaskConfig, pair: Pair, style: KeyStyle, n: number, rng: Rng): Group {
  const T = task.seqLen;
  const [lo, hi] = task.keyRange;
  const cands = keyCandidates(task, style);
  const tokens = new Int32Array(n * T), targets = new Int32Array(n), keys = new Int32Array(n), keyPos = new Int32Array(n);
  const shift = trainedShift(task, pair);
  for (let i = 0; i < n; i++) {
    const row = i * T;
    for (let t = 0; t < T; t++) tokens[row + t] = rng.int(lo, hi);
    const pos = rng.int(0, T - 3);
    const x = rng.pick(cands[pos]);
    tokens[row + pos] = x;
    tokens[row + pos + 1] = pair[0];
    tokens[row + pos + 2] = pair[1];
    targets[i] = x + shift;
    keys[i] = x;
    keyPos[i] = pos;
  }
  return { seqLen: T, n, tokens, targets, keys, keyPos, pair, style };
}

export interface TaskData {
  /** Training set: every seen pair's xel group, concatenated. */
  train: SequenceSet;
  /** Seen pairs' test-style (xm0) groups. */
  seenTest: Group[];
  /** Unseen pairs scored on training-style keys (as-run 43_xel). */
  unseen: Group[];
}

export function concatSets(sets: SequenceSet[]): SequenceSet {
  const T = sets[0]?.seqLen ?? 0;
  const n = sets.reduce((s, x) => s + x.n, 0);
  const out: SequenceSet = { seqLen: T, n, tokens: new Int32Array(n * T), targets: new Int32Array(n), keys: new Int32Array(n), keyPos: new Int32Array(n) };
  let i = 0;
  for (const s of sets) {
    out.tokens.set(s.tokens, i * T); out.targets.set(s.targets, i); out.keys.set(s.keys, i); out.keyPos.set(s.keyPos, i);
    i += s.n;
  }
  return out;
}

/** Rows [start, start+count) of a set (views, no copy). */
export function sliceSet(s: SequenceSet, start: number, count: number): SequenceSet {
  const n = Math.max(0, Math.min(count, s.n - start));
  const T = s.seqLen;
  return { seqLen: T, n, tokens: s.tokens.subarray(start * T, (start + n) * T), targets: s.targets.subarray(start, start + n), keys: s.keys.subarray(start, start + n), keyPos: s.keyPos.subarray(start, start + n) };
}

/** Rows picked by index (copies). */
export function gatherRows(s: SequenceSet, idx: ArrayLike<number>, from = 0, count = idx.length): SequenceSet {
  const T = s.seqLen;
  const out: SequenceSet = { seqLen: T, n: count, tokens: new Int32Array(count * T), targets: new Int32Array(count), keys: new Int32Array(count), keyPos: new Int32Array(count) };
  for (let i = 0; i < count; i++) {
    const r = idx[from + i];
    out.tokens.set(s.tokens.subarray(r * T, r * T + T), i * T);
    out.targets[i] = s.targets[r]; out.keys[i] = s.keys[r]; out.keyPos[i] = s.keyPos[r];
  }
  return out;
}

/**
 * The fixed dataset of a run, sampled once from the seed (as-run: every group is generated, unseen ones too).
 * Test-style groups come from their own stream, so changing testPerPair never changes the training data.
 */
export function generateTaskData(task: TaskConfig, rng: Rng, testRng: Rng): TaskData {
  const train: Group[] = [], seenTest: Group[] = [], unseen: Group[] = [];
  for (const p of allPairs(task)) {
    const test = generateGroup(task, p, 'xm0', task.testPerPair, testRng);
    const xel = generateGroup(task, p, 'xel', task.trainPerPair, rng);
    if (isUnseen(task, p)) {
      unseen.push(xel);
    } else {
      train.push(xel);
      seenTest.push(test);
    }
  }
  // Unseen pairs in the order the config lists them: the first is the headline readout.
  unseen.sort((a, b) => task.unseenPairs.findIndex((u) => pairKey(u) === pairKey(a.pair)) - task.unseenPairs.findIndex((u) => pairKey(u) === pairKey(b.pair)));
  return { train: concatSets(train), seenTest, unseen };
}

/** Role of each token of a sequence, for colouring attention maps. */
export function tokenRoles(task: TaskConfig, tokens: number[]): ('key' | 'anchor' | 'noise' | 'pad')[] {
  const ids = new Set(anchorIds(task));
  const roles = tokens.map((t) => (t === 0 ? 'pad' : ids.has(t) ? 'anchor' : 'noise')) as ('key' | 'anchor' | 'noise' | 'pad')[];
  for (let i = 0; i + 2 < tokens.length + 1; i++) {
    if (i + 1 < tokens.length && ids.has(tokens[i]) && ids.has(tokens[i + 1]) && i > 0 && !ids.has(tokens[i - 1])) { roles[i - 1] = 'key'; break; }
  }
  return roles;
}
