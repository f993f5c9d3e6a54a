/**
 * Scoring analyses against a ground-truth corpus: per-track rows and per-feature means.
 *
 * The analyser is passed in (`AnalyzeFn`), so the same code scores the real analyze() and a
 * folder of saved results. Rules:
 *   - a feature is scored only when it was requested and the track has truth for it; the
 *     feature's `n` counts those tracks;
 *   - a failed analysis, a missing field, a null, or a malformed estimate scores 0 (coverage:
 *     never skipped);
 *   - tracks whose truth says `expect_error` are not scored; their rows say whether they failed;
 *   - beats and downbeats before `trimSeconds` (default 5 s, mir_eval's) are dropped from both
 *     the truth and the estimate before scoring.
 */

import { readFile } from "node:fs/promises";
import { basename, extname, join } from "node:path";
import type { AnalysisOutcome, FeatureName } from "../result.js";
import { isFailure } from "../result.js";
import type { TruthEntry } from "./corpus.js";
import {
  BEAT_TRIM_SECONDS,
  beatScores,
  downbeatFMeasure,
  keyExact,
  meterAccuracy,
  mirexKeyScore,
  tempoAcc1,
  tempoAcc2,
  trimBeats,
} from "./metrics.js";

/** The features that have ground truth and metrics, in report order. */
export const EVAL_FEATURES = ["tempo", "beats", "downbeats", "meter", "key"] as const satisfies readonly FeatureName[];
export type EvalFeature = (typeof EVAL_FEATURES)[number];

/** Metric names per feature (the camelCase keys of the JSON report). */
export const METRICS = {
  tempo: ["acc1", "acc2", "pulse"],
  beats: ["fMeasure", "cmlc", "cmlt", "amlc", "amlt"],
  downbeats: ["fMeasure"],
  meter: ["accuracy"],
  key: ["mirexWeighted", "exact"],
} as const satisfies Record<EvalFeature, readonly string[]>;

export type MetricName<F extends EvalFeature> = (typeof METRICS)[F][number];
export type FeatureScores<F extends EvalFeature> = Record<MetricName<F>, number>;
export type TrackScores = { [F in EvalFeature]?: FeatureScores<F> };
/** Mean of each metric over the `n` tracks with truth for the feature (null when n = 0). */
export type FeatureSummary<F extends EvalFeature> = { n: number } & Record<MetricName<F>, number | null>;
export type EvalSummary = { [F in EvalFeature]?: FeatureSummary<F> };

/**
 * Analyse one audio file (absolute path), computing at least `features`. May resolve to an
 * AnalysisFailure or throw; both count as a failed analysis.
 */
export type AnalyzeFn = (audioPath: string, features: FeatureName[]) => Promise<AnalysisOutcome>;

export interface TrackRow {
  id: string;
  file: string;
  /** False when the analysis failed (or threw). */
  ok: boolean;
  error?: { code: string; message: string };
  expectError: boolean;
  scores: TrackScores;
  truth: { tempoBpm: number | null; meter: number | null; key: string | null };
  estimate: { tempoBpm: number | null; meter: number | null; key: string | null };
  /** Estimates that were present but malformed (scored 0), e.g. unsorted beat times. */
  problems: string[];
}

export interface EvalReport {
  features: EvalFeature[];
  /** Beats and downbeats before this many seconds were not scored (mir_eval's default: 5). */
  beatTrimSeconds: number;
  /** Tracks scored (all but expect_error ones). */
  tracks: number;
  /** Scored tracks whose analysis failed. */
  failed: number;
  /** Tracks expected to fail, and how many of them did. */
  expectedErrors: { n: number; failed: number };
  summary: EvalSummary;
  rows: TrackRow[];
}

export interface EvaluateOptions {
  /** Features to score (default: all of EVAL_FEATURES). */
  features?: readonly EvalFeature[];
  /**
   * Called after each track, e.g. for progress output: `index` counts the tracks done so far
   * (0 for the first to finish); `position` is the track's place in `entries`. They are equal
   * when tracks are analysed one at a time.
   */
  onTrack?: (row: TrackRow, index: number, total: number, position: number) => void;
  /** Drop beats and downbeats before this many seconds (default BEAT_TRIM_SECONDS = 5; 0: none). */
  trimSeconds?: number;
  /** Tracks analysed at the same time (default 1; useful when `analyze` runs them elsewhere). */
  concurrency?: number;
}

/** Whether a truth entry has usable truth for a feature, with beats trimmed before `trimSeconds`. */
export function hasTruth(entry: TruthEntry, feature: EvalFeature, trimSeconds = BEAT_TRIM_SECONDS): boolean {
  switch (feature) {
    case "tempo":
      // a beatless track (no tempo, no beats) is scored too: its right answer is "no pulse"
      return entry.tempoBpm !== null || entry.beatless;
    case "beats":
      // Continuity needs two reference beats after the trim; with fewer, mir_eval scores every
      // estimate 0, which says nothing about the analyser, so the track has no beat truth.
      return entry.beats !== null && trimBeats(entry.beats, trimSeconds).length >= 2;
    case "downbeats":
      return entry.downbeats !== null && trimBeats(entry.downbeats, trimSeconds).length > 0;
    case "meter":
      return entry.meter !== null;
    case "key":
      return entry.key !== null;
  }
}

function numberOrNull(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/** The fields evaluation reads, taken defensively: saved results may be hand-edited or old. */
interface Estimates {
  tempoBpm: number | null;
  beats: unknown;
  downbeats: unknown;
  meter: number | null;
  key: string | null;
}

function estimatesOf(outcome: AnalysisOutcome | null): Estimates {
  if (outcome === null || isFailure(outcome)) {
    return { tempoBpm: null, beats: null, downbeats: null, meter: null, key: null };
  }
  const a = outcome as unknown as Record<string, unknown>;
  const tempo = a.tempo as { bpm?: unknown } | null | undefined;
  const meter = a.meter as { beatsPerBar?: unknown } | null | undefined;
  const key = a.key as { tonic?: unknown; mode?: unknown; name?: unknown } | null | undefined;
  let keyName: string | null = null;
  if (key && typeof key.tonic === "string" && typeof key.mode === "string") keyName = `${key.tonic} ${key.mode}`;
  else if (key && typeof key.name === "string") keyName = key.name;
  return {
    tempoBpm: numberOrNull(tempo?.bpm),
    beats: a.beats ?? null,
    downbeats: a.downbeats ?? null,
    meter: numberOrNull(meter?.beatsPerBar),
    key: keyName,
  };
}

function timesOrThrow(v: unknown, what: string): number[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new RangeError(`${what} is not an array`);
  return v as number[];
}

/** Score one feature of one track. The truth is known to be present (hasTruth). */
function scoreFeature(entry: TruthEntry, feature: EvalFeature, est: Estimates, trimSeconds: number): TrackScores {
  switch (feature) {
    case "tempo": {
      const pulse = est.tempoBpm !== null;
      const ref = entry.tempoBpm;
      // acc1/acc2 only where there is a tempo to match; pulse: whether "is there a beat" was right
      if (ref === null) return { tempo: { pulse: pulse ? 0 : 1 } as FeatureScores<"tempo"> };
      return { tempo: { acc1: tempoAcc1(est.tempoBpm, ref), acc2: tempoAcc2(est.tempoBpm, ref), pulse: pulse ? 1 : 0 } };
    }
    case "beats": {
      const s = beatScores(entry.beats as number[], timesOrThrow(est.beats, "beats"), trimSeconds);
      return { beats: { fMeasure: s.fMeasure, cmlc: s.cmlc, cmlt: s.cmlt, amlc: s.amlc, amlt: s.amlt } };
    }
    case "downbeats":
      return {
        downbeats: {
          fMeasure: downbeatFMeasure(entry.downbeats as number[], timesOrThrow(est.downbeats, "downbeats"), trimSeconds),
        },
      };
    case "meter":
      return { meter: { accuracy: meterAccuracy(entry.meter as number, est.meter) } };
    case "key": {
      const ref = entry.key as string;
      return { key: { mirexWeighted: mirexKeyScore(ref, est.key), exact: keyExact(ref, est.key) } };
    }
  }
}

function zeroScores(feature: EvalFeature): TrackScores {
  const zeros = Object.fromEntries(METRICS[feature].map((m) => [m, 0]));
  return { [feature]: zeros } as TrackScores;
}

async function runAnalysis(
  analyze: AnalyzeFn,
  entry: TruthEntry,
  features: FeatureName[],
): Promise<AnalysisOutcome> {
  try {
    return await analyze(entry.audioPath, features);
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    return {
      file: entry.audioPath,
      error: {
        code: typeof err.code === "string" ? (err.code as never) : "INTERNAL",
        message: typeof err.message === "string" ? err.message : String(e),
      },
    };
  }
}

/** Evaluate one track: analyse it (only for the features it has truth for) and score. */
export async function evaluateTrack(
  entry: TruthEntry,
  analyze: AnalyzeFn,
  features: readonly EvalFeature[] = EVAL_FEATURES,
  trimSeconds = BEAT_TRIM_SECONDS,
): Promise<TrackRow> {
  const scored = entry.expectError ? [] : features.filter((f) => hasTruth(entry, f, trimSeconds));
  const row: TrackRow = {
    id: entry.id,
    file: entry.file,
    ok: true,
    expectError: entry.expectError,
    scores: {},
    truth: { tempoBpm: entry.tempoBpm, meter: entry.meter, key: entry.key },
    estimate: { tempoBpm: null, meter: null, key: null },
    problems: [],
  };
  // Nothing to score and no error expected: skip the (possibly slow) analysis altogether.
  if (scored.length === 0 && !entry.expectError) return row;

  const outcome = await runAnalysis(analyze, entry, entry.expectError ? [...features] : scored);
  if (isFailure(outcome)) {
    row.ok = false;
    row.error = { code: String(outcome.error.code), message: String(outcome.error.message) };
  }
  const est = estimatesOf(outcome);
  row.estimate = { tempoBpm: est.tempoBpm, meter: est.meter, key: est.key };
  for (const f of scored) {
    try {
      Object.assign(row.scores, scoreFeature(entry, f, est, trimSeconds));
    } catch (e) {
      // A malformed estimate is a wrong estimate: 0, with the reason kept for the report.
      row.problems.push(`${f}: ${(e as Error).message}`);
      Object.assign(row.scores, zeroScores(f));
    }
  }
  return row;
}

/** Means per feature and metric over the rows that scored that feature. */
export function summarize(rows: readonly TrackRow[], features: readonly EvalFeature[]): EvalSummary {
  const summary: Record<string, Record<string, number | null>> = {};
  for (const f of features) {
    const scored = rows.map((r) => r.scores[f] as Record<string, number> | undefined).filter((s) => s !== undefined);
    const entry: Record<string, number | null> = { n: scored.length };
    for (const m of METRICS[f]) {
      // a metric may be undefined for some tracks (tempo accuracy on a beatless track)
      const values = scored.map((s) => s[m]).filter((v) => v !== undefined);
      entry[m] = values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
    }
    summary[f] = entry;
  }
  return summary as EvalSummary;
}

/**
 * Evaluate every entry; rows come back in the entries' order. With `concurrency` > 1 that many
 * tracks are in flight at once (the analyser must then run them elsewhere, e.g. worker threads:
 * analysis is CPU-bound).
 */
export async function evaluateRows(
  entries: readonly TruthEntry[],
  analyze: AnalyzeFn,
  options: EvaluateOptions = {},
): Promise<TrackRow[]> {
  const features = EVAL_FEATURES.filter((f) => (options.features ?? EVAL_FEATURES).includes(f));
  const trimSeconds = options.trimSeconds ?? BEAT_TRIM_SECONDS;
  const rows: TrackRow[] = new Array(entries.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < entries.length) {
      const i = next++;
      const row = await evaluateTrack(entries[i], analyze, features, trimSeconds);
      rows[i] = row;
      options.onTrack?.(row, done++, entries.length, i);
    }
  };
  const lanes = Math.max(1, Math.min(Math.floor(options.concurrency ?? 1), entries.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  return rows;
}

/** The report of some scored rows (one corpus, one part of one, or several together). */
export function reportOf(
  rows: readonly TrackRow[],
  features: readonly EvalFeature[] = EVAL_FEATURES,
  trimSeconds = BEAT_TRIM_SECONDS,
): EvalReport {
  const ordered = EVAL_FEATURES.filter((f) => features.includes(f));
  const scoredRows = rows.filter((r) => !r.expectError);
  const expected = rows.filter((r) => r.expectError);
  return {
    features: ordered,
    beatTrimSeconds: trimSeconds,
    tracks: scoredRows.length,
    failed: scoredRows.filter((r) => !r.ok).length,
    expectedErrors: { n: expected.length, failed: expected.filter((r) => !r.ok).length },
    summary: summarize(scoredRows, ordered),
    rows: [...rows],
  };
}

/** Evaluate every entry (see evaluateRows) and summarise them in one report. */
export async function evaluateCorpus(
  entries: readonly TruthEntry[],
  analyze: AnalyzeFn,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const rows = await evaluateRows(entries, analyze, options);
  return reportOf(rows, options.features ?? EVAL_FEATURES, options.trimSeconds ?? BEAT_TRIM_SECONDS);
}

/**
 * An AnalyzeFn that reads saved results instead of analysing: for audio `…/pop-02.mp3` it reads
 * `DIR/pop-02.mp3.json` (the audio file's base name + ".json"), or else `DIR/pop-02.json`. The
 * file holds one Analysis object (as `trackprobe analyze --format json` prints for one file) or
 * one `{ file, error }` failure. A missing or unreadable file is a failed analysis.
 */
export function resultsDirAnalyzer(dir: string): AnalyzeFn {
  return async (audioPath) => {
    const base = basename(audioPath);
    const candidates = [`${base}.json`, `${basename(base, extname(base))}.json`];
    for (const name of candidates) {
      const path = join(dir, name);
      let text: string;
      try {
        text = await readFile(path, "utf8");
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        return { file: audioPath, error: { code: "UNREADABLE", message: `${path}: ${(e as Error).message}` } };
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        return { file: audioPath, error: { code: "CORRUPT", message: `${path}: not valid JSON (${(e as Error).message})` } };
      }
      if (typeof json !== "object" || json === null || Array.isArray(json)) {
        return { file: audioPath, error: { code: "CORRUPT", message: `${path}: expected one Analysis object` } };
      }
      return json as AnalysisOutcome;
    }
    return {
      file: audioPath,
      error: { code: "NOT_FOUND", message: `no saved result ${candidates.join(" or ")} in ${dir}` },
    };
  };
}
