/**
 * Scoring one tool's estimate of one corpus track with the project's MIR metrics
 * (src/eval/metrics.ts — the same code `trackprobe eval` uses). Conventions as in eval:
 * a failed run or a missing / malformed estimate scores 0; a track without truth for a
 * quantity is not scored for it. Loudness is scored as |estimate − truth| in LU against the
 * corpus's `loudness_lufs` (ffmpeg's ebur128 filter), and a failed run has no error to average.
 */
import type { TruthEntry } from "../src/eval/corpus.js";
import { type EvalFeature, hasTruth } from "../src/eval/evaluate.js";
import { BEAT_TRIM_SECONDS, beatScores, downbeatFMeasure, keyExact, meterAccuracy, mirexKeyScore, tempoAcc1, tempoAcc2 } from "../src/eval/metrics.js";
import type { Estimate, Quantity } from "./tools.js";

export const METRIC_KEYS = ["acc1", "acc2", "beatF", "cmlt", "amlt", "downbeatF", "meter", "keyMirex", "keyExact", "lufsError"] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

export const METRIC_INFO: Record<MetricKey, { title: string; quantity: Quantity; lowerIsBetter?: boolean; digits: number }> = {
  acc1: { title: "tempo Acc1", quantity: "tempo", digits: 2 },
  acc2: { title: "tempo Acc2", quantity: "tempo", digits: 2 },
  beatF: { title: "beat F", quantity: "beats", digits: 3 },
  cmlt: { title: "CMLt", quantity: "beats", digits: 3 },
  amlt: { title: "AMLt", quantity: "beats", digits: 3 },
  downbeatF: { title: "downbeat F", quantity: "downbeats", digits: 3 },
  meter: { title: "meter", quantity: "meter", digits: 2 },
  keyMirex: { title: "key MIREX", quantity: "key", digits: 3 },
  keyExact: { title: "key exact", quantity: "key", digits: 2 },
  lufsError: { title: "|ΔLUFS|", quantity: "loudness", lowerIsBetter: true, digits: 2 },
};

/**
 * Per metric: a number; "n/a" when the tool does not give the quantity; null when the track has
 * no truth for it (or, for loudness, the run failed).
 */
export type Scores = Record<MetricKey, number | "n/a" | null>;

function guard(problems: string[], what: string, f: () => number): number {
  try {
    return f();
  } catch (e) {
    problems.push(`${what}: ${(e as Error).message}`);
    return 0;
  }
}

/**
 * Whether the bench scores this quantity on this track. Tempo: only where the truth has one (the
 * bench's tempo columns are Acc1 and Acc2; a beatless track, which eval scores for pulse, has none).
 */
export function benchHasTruth(entry: TruthEntry, quantity: EvalFeature): boolean {
  return quantity === "tempo" ? entry.tempoBpm !== null : hasTruth(entry, quantity);
}

export function score(
  entry: TruthEntry,
  provides: readonly Quantity[],
  estimate: Estimate | undefined,
  loudnessTruth: number | null,
): { scores: Scores; problems: string[] } {
  const est: Estimate = estimate ?? {};
  const problems: string[] = [];
  const s = Object.fromEntries(METRIC_KEYS.map((k) => [k, provides.includes(METRIC_INFO[k].quantity) ? null : "n/a"])) as Scores;
  if (provides.includes("tempo") && benchHasTruth(entry, "tempo")) {
    s.acc1 = tempoAcc1(est.tempoBpm ?? null, entry.tempoBpm!);
    s.acc2 = tempoAcc2(est.tempoBpm ?? null, entry.tempoBpm!);
  }
  if (provides.includes("beats") && hasTruth(entry, "beats")) {
    const b = (() => {
      try {
        return beatScores(entry.beats!, est.beats ?? null);
      } catch (e) {
        problems.push(`beats: ${(e as Error).message}`);
        return { fMeasure: 0, cmlt: 0, amlt: 0 };
      }
    })();
    s.beatF = b.fMeasure;
    s.cmlt = b.cmlt;
    s.amlt = b.amlt;
  }
  if (provides.includes("downbeats") && hasTruth(entry, "downbeats")) {
    s.downbeatF = guard(problems, "downbeats", () => downbeatFMeasure(entry.downbeats!, est.downbeats ?? null, BEAT_TRIM_SECONDS));
  }
  if (provides.includes("meter") && hasTruth(entry, "meter")) s.meter = meterAccuracy(entry.meter!, est.meter ?? null);
  if (provides.includes("key") && hasTruth(entry, "key")) {
    s.keyMirex = guard(problems, "key", () => mirexKeyScore(entry.key!, est.key ?? null));
    s.keyExact = guard(problems, "key", () => keyExact(entry.key!, est.key ?? null));
  }
  if (provides.includes("loudness") && loudnessTruth !== null && typeof est.loudnessLufs === "number") {
    s.lufsError = Math.abs(est.loudnessLufs - loudnessTruth);
  }
  return { scores: s, problems };
}
