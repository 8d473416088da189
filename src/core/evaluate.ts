// Evaluation per spec §4.2: training accuracy, seen-pair test accuracy, the unseen pair's readouts, a solution label.
import type { Pair, SolutionLabel, TaskConfig, TrainConfig } from './config';
import type { MetricsLine, UnseenReadout } from '../protocol/runFiles';
import { inferentialShift, pairKey, symmetricShift, type Group, type SequenceSet } from './task';

export const accuracy = (pred: Int32Array, set: SequenceSet): number => {
  let ok = 0;
  for (let i = 0; i < set.n; i++) if (pred[i] === set.targets[i]) ok++;
  return set.n ? ok / set.n : 0;
};

/** Score an unseen pair's predictions against the inferential (composite) and symmetric (mirror pair's) mappings. */
export function unseenReadout(task: TaskConfig, pair: Pair, pred: Int32Array, set: SequenceSet): UnseenReadout {
  const inf = inferentialShift(task, pair), sym = symmetricShift(task, pair);
  let nInf = 0, nSym = 0;
  const dev = new Map<number, number>();
  for (let i = 0; i < set.n; i++) {
    const d = pred[i] - set.keys[i] - inf; // prediction − inferential target
    if (d === 0) nInf++;
    else if (d === sym - inf) nSym++;
    dev.set(d, (dev.get(d) ?? 0) + 1);
  }
  const n = set.n || 1;
  const deviations: Record<string, number> = {};
  [...dev.entries()].sort((a, b) => a[0] - b[0]).forEach(([d, c]) => (deviations[String(d)] = round(c / n)));
  return { pair, n: set.n, inferential: round(nInf / n), symmetric: round(nSym / n), other: round((set.n - nInf - nSym) / n), deviations };
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export const SOLVED = 0.9;

/** learning → memorizing (shadow zone) → inferential / symmetric (≥ 50% of the unseen pair) → other. */
export function solutionLabel(trainAcc: number, seenTestAcc: number, unseen: UnseenReadout): SolutionLabel {
  if (trainAcc < SOLVED) return 'learning';
  if (seenTestAcc < SOLVED) return 'memorizing';
  if (unseen.inferential >= 0.5) return 'inferential';
  if (unseen.symmetric >= 0.5) return 'symmetric';
  return 'other';
}

export interface EvalSets { trainSample: SequenceSet; seenTest: Group[]; unseen: Group[] }

export interface EvalScores { trainAcc: number; seenTestAcc: number; perPair: Record<string, number>; unseenAll: UnseenReadout[]; solution: SolutionLabel }

/** Turn predictions into the metrics a metrics line carries. `predict` runs the model on a set. */
export function scoreAll(task: TaskConfig, sets: EvalSets, predict: (s: SequenceSet) => Int32Array): EvalScores {
  const trainAcc = round(accuracy(predict(sets.trainSample), sets.trainSample));
  const perPair: Record<string, number> = {};
  let ok = 0, n = 0;
  for (const g of sets.seenTest) {
    const acc = accuracy(predict(g), g);
    perPair[pairKey(g.pair)] = round(acc);
    ok += acc * g.n; n += g.n;
  }
  const seenTestAcc = round(n ? ok / n : 0);
  const unseenAll = sets.unseen.map((g) => unseenReadout(task, g.pair, predict(g), g));
  return { trainAcc, seenTestAcc, perPair, unseenAll, solution: solutionLabel(trainAcc, seenTestAcc, unseenAll[0]) };
}

/** The label train.earlyStop waits for: the same settled label at the last k evaluations (with a clear majority). */
export function settledLabel(metrics: Pick<MetricsLine, 'solution' | 'unseen'>[], t: Pick<TrainConfig, 'earlyStop' | 'earlyStopLabels' | 'earlyStopMinFraction'>): SolutionLabel | null {
  const k = t.earlyStop;
  if (k <= 0 || metrics.length < k) return null;
  const tail = metrics.slice(-k);
  const label = tail[0].solution;
  if (!tail.every((m) => m.solution === label) || !t.earlyStopLabels.includes(label)) return null;
  // A label read at 55% may still be drifting toward the other solution: require a clear majority.
  if ((label === 'inferential' || label === 'symmetric') && !tail.every((m) => m.unseen[label] >= t.earlyStopMinFraction)) return null;
  return label;
}
