/**
 * Standard MIR accuracy metrics, written from the definitions in mir_eval 0.8
 * (mir_eval.beat, mir_eval.key, mir_eval.util) and madmom.evaluation.tempo (Acc1/Acc2), so
 * numbers here can be compared with published results. Pure functions, no I/O.
 *
 * Coverage rule: every metric takes `est` as possibly `null`/`undefined` (the analyser gave no
 * answer) and then scores 0 — a missing estimate is a wrong estimate, never a skipped track.
 * Malformed input (unsorted or non-finite beat times, unparsable key names) throws a RangeError,
 * as mir_eval's validate() raises ValueError.
 */

type Maybe<T> = T | null | undefined;

// ---------------------------------------------------------------------------------------------
// Tempo: Accuracy 1 / Accuracy 2 (Gouyon et al. 2006), as madmom.evaluation.tempo computes them:
// correct when |1 - est / target| <= tolerance, with target = ref (Acc1) or ref × {1, 2, 1/2, 3,
// 1/3} (Acc2). The tolerance is relative to the *target* tempo (madmom divides by the annotation).
// ---------------------------------------------------------------------------------------------

export const TEMPO_TOLERANCE = 0.04;
const ACC2_FACTORS = [1, 2, 0.5, 3, 1 / 3] as const;

function validTempo(bpm: Maybe<number>): bpm is number {
  return typeof bpm === "number" && Number.isFinite(bpm) && bpm > 0;
}

function tempoMatches(est: number, ref: number, factors: readonly number[], tol: number): boolean {
  return factors.some((f) => Math.abs(1 - est / (ref * f)) <= tol);
}

/** 1 if `est` is within 4 % of `ref`, else 0. `ref` must be a positive BPM. */
export function tempoAcc1(est: Maybe<number>, ref: number, tolerance = TEMPO_TOLERANCE): number {
  if (!validTempo(ref)) throw new RangeError(`reference tempo must be a positive number, got ${ref}`);
  if (!validTempo(est)) return 0;
  return tempoMatches(est, ref, [1], tolerance) ? 1 : 0;
}

/** 1 if `est` is within 4 % of ref × 1, 2, 1/2, 3 or 1/3 (octave and triple errors forgiven). */
export function tempoAcc2(est: Maybe<number>, ref: number, tolerance = TEMPO_TOLERANCE): number {
  if (!validTempo(ref)) throw new RangeError(`reference tempo must be a positive number, got ${ref}`);
  if (!validTempo(est)) return 0;
  return tempoMatches(est, ref, ACC2_FACTORS, tolerance) ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Beats (mir_eval.beat)
// ---------------------------------------------------------------------------------------------

/** mir_eval.beat.MAX_TIME: event times above this are taken as a units mistake. */
const MAX_EVENT_TIME = 30000;

/** Beats before this time are dropped before beat evaluation (MIREX; mir_eval.beat.trim_beats). */
export const BEAT_TRIM_SECONDS = 5;
/** mir_eval.beat.f_measure's default window, ± seconds. */
export const BEAT_WINDOW_SECONDS = 0.07;

/** mir_eval.util.validate_events: finite, ≤ 30000 s, non-decreasing. */
export function validateEvents(events: readonly number[], what = "beat times"): void {
  for (let i = 0; i < events.length; i++) {
    const t = events[i];
    if (typeof t !== "number" || !Number.isFinite(t)) {
      throw new RangeError(`${what}: element ${i} is not a finite number (${String(t)})`);
    }
    if (t > MAX_EVENT_TIME) {
      throw new RangeError(`${what}: ${t} s is above ${MAX_EVENT_TIME} s (times must be in seconds)`);
    }
    if (i > 0 && t < events[i - 1]) {
      throw new RangeError(`${what}: not in increasing order at element ${i} (${events[i - 1]} > ${t})`);
    }
  }
}

/** mir_eval.beat.trim_beats: keep beats at or after `minTime` seconds. */
export function trimBeats(beats: readonly number[], minTime = BEAT_TRIM_SECONDS): number[] {
  return beats.filter((t) => t >= minTime);
}

/**
 * Size of a maximum one-to-one matching of ref and est events with |ref - est| <= window
 * (mir_eval.util.match_events). mir_eval runs Hopcroft–Karp on the hit graph; because every
 * estimate's window has the same width, the graph is an interval graph and the greedy sweep —
 * each estimate, in time order, takes the earliest still-free reference inside its window — is
 * also maximum, in O(n + m). The window test is written as mir_eval's fast path writes it:
 * est - window <= ref <= est + window.
 */
export function matchEventCount(ref: readonly number[], est: readonly number[], window: number): number {
  const r = [...ref].sort((a, b) => a - b);
  const e = [...est].sort((a, b) => a - b);
  let i = 0;
  let matched = 0;
  for (const t of e) {
    while (i < r.length && r[i] < t - window) i++;
    if (i < r.length && r[i] <= t + window) {
      matched++;
      i++;
    }
  }
  return matched;
}

/** mir_eval.util.f_measure with beta = 1. */
function fScore(precision: number, recall: number): number {
  if (precision === 0 && recall === 0) return 0;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * mir_eval.beat.f_measure: an estimate is correct within ±window of a reference beat (each
 * reference matched at most once); F = 2PR / (P + R). 0 when either list is empty or est is null.
 * Does NOT trim: callers apply trimBeats() first for the MIREX convention (beatScores() does).
 */
export function beatFMeasure(
  ref: readonly number[],
  est: Maybe<readonly number[]>,
  window = BEAT_WINDOW_SECONDS,
): number {
  validateEvents(ref, "reference beats");
  if (est == null) return 0;
  validateEvents(est, "estimated beats");
  if (ref.length === 0 || est.length === 0) return 0;
  const matched = matchEventCount(ref, est, window);
  return fScore(matched / est.length, matched / ref.length);
}

export interface ContinuityScores {
  /** Correct metric level, longest continuously correct segment / length. */
  cmlc: number;
  /** Correct metric level, total correct beats / length. */
  cmlt: number;
  /** Any metric level (best of original, off-beat, double, half-odd, half-even), continuous. */
  amlc: number;
  /** Any metric level, total. */
  amlt: number;
}

const ZERO_CONTINUITY: ContinuityScores = { cmlc: 0, cmlt: 0, amlc: 0, amlt: 0 };

/**
 * mir_eval.beat._get_reference_beat_variations: original, off-beat (midpoints), double tempo
 * (beats + midpoints), half tempo on odd beats (0, 2, 4…), half tempo on even beats (1, 3, 5…).
 */
export function referenceBeatVariations(ref: readonly number[]): number[][] {
  const n = ref.length;
  const double: number[] = [];
  for (let k = 0; k < n; k++) {
    double.push(ref[k]);
    // np.interp at index k + 0.5: slope * 0.5 + ref[k], written the same way for identical rounding.
    if (k + 1 < n) double.push((ref[k + 1] - ref[k]) * 0.5 + ref[k]);
  }
  const offBeat = double.filter((_, i) => i % 2 === 1);
  const halfOdd = ref.filter((_, i) => i % 2 === 0);
  const halfEven = ref.filter((_, i) => i % 2 === 1);
  return [[...ref], offBeat, double, halfOdd, halfEven];
}

/** Index of the first minimum of |t - ref[j]| (np.argmin picks the first on ties). */
function nearestIndex(ref: readonly number[], t: number): number {
  let best = 0;
  let bestDiff = Math.abs(t - ref[0]);
  for (let j = 1; j < ref.length; j++) {
    const d = Math.abs(t - ref[j]);
    if (d < bestDiff) {
      bestDiff = d;
      best = j;
    }
  }
  return best;
}

/**
 * One pass of mir_eval.beat.continuity against one reference variation. Returns
 * [continuous, total] accuracy. Mirrors mir_eval line by line, including its quirks: the
 * denominator is max(#ref, #est); an estimate is correct when its phase error (distance to the
 * nearest unused reference / reference interval) and its period error (|1 - estimated interval /
 * reference interval|) are both below threshold; the first beat (or first annotation) looks at the
 * following intervals, every other beat at the preceding ones.
 */
function continuityOneVariation(
  ref: readonly number[],
  est: readonly number[],
  phaseThreshold: number,
  periodThreshold: number,
): [number, number] {
  const nAnnotations = Math.max(ref.length, est.length);
  const used = new Uint8Array(nAnnotations);
  const success = new Uint8Array(nAnnotations);
  for (let m = 0; m < est.length; m++) {
    const nearest = nearestIndex(ref, est[m]);
    const minDifference = Math.abs(est[m] - ref[nearest]);
    if (used[nearest] !== 0) continue;
    let phase: number;
    let period: number;
    if (m === 0 || nearest === 0) {
      // With a single-beat variation nearest - 1 is -1, which numpy wraps to the last element
      // (itself): interval 0. Do the same.
      const previous = ref[(nearest - 1 + ref.length) % ref.length];
      const refInterval = nearest + 1 < ref.length ? ref[nearest + 1] - ref[nearest] : ref[nearest] - previous;
      const estInterval = m + 1 < est.length ? est[m + 1] - est[m] : est[m] - est[m - 1];
      if (refInterval === 0) {
        // Non-unique reference beats: mir_eval's special case.
        phase = minDifference === 0 ? 1 : Number.POSITIVE_INFINITY;
        period = estInterval === 0 ? 0 : Number.POSITIVE_INFINITY;
      } else {
        phase = Math.abs(minDifference / refInterval);
        period = Math.abs(1 - estInterval / refInterval);
      }
    } else {
      // No zero-interval guard here in mir_eval either; NaN/Infinity then fail the comparison.
      const refInterval = ref[nearest] - ref[nearest - 1];
      phase = Math.abs(minDifference / refInterval);
      period = Math.abs(1 - (est[m] - est[m - 1]) / refInterval);
    }
    if (phase < phaseThreshold && period < periodThreshold) {
      used[nearest] = 1;
      success[m] = 1;
    }
  }
  let longest = 0;
  let run = 0;
  let total = 0;
  for (let i = 0; i < nAnnotations; i++) {
    if (success[i]) {
      run++;
      total++;
      if (run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  return [longest / nAnnotations, total / nAnnotations];
}

/**
 * mir_eval.beat.continuity (Hainsworth / Klapuri; Davies et al. 2009, C4DM-TR-09-06):
 * CMLc/CMLt against the reference, AMLc/AMLt the best over the five metrical variations.
 * All zero when either sequence has fewer than 2 beats or est is null. Does not trim.
 */
export function continuityMetrics(
  ref: readonly number[],
  est: Maybe<readonly number[]>,
  phaseThreshold = 0.175,
  periodThreshold = 0.175,
): ContinuityScores {
  validateEvents(ref, "reference beats");
  if (est == null) return { ...ZERO_CONTINUITY };
  validateEvents(est, "estimated beats");
  if (ref.length <= 1 || est.length <= 1) return { ...ZERO_CONTINUITY };
  const results = referenceBeatVariations(ref).map((variation) =>
    continuityOneVariation(variation, est, phaseThreshold, periodThreshold),
  );
  return {
    cmlc: results[0][0],
    cmlt: results[0][1],
    amlc: Math.max(...results.map((r) => r[0])),
    amlt: Math.max(...results.map((r) => r[1])),
  };
}

export interface BeatScores extends ContinuityScores {
  fMeasure: number;
}

/**
 * The beat metrics as mir_eval.beat.evaluate computes them: both sequences trimmed of beats before
 * `trimSeconds` (mir_eval's default and MIREX's: 5 s; 0 keeps every beat), then F-measure
 * (±70 ms) and the continuity scores.
 */
export function beatScores(
  ref: readonly number[],
  est: Maybe<readonly number[]>,
  trimSeconds = BEAT_TRIM_SECONDS,
): BeatScores {
  const r = trimBeats(ref, trimSeconds);
  const e = est == null ? null : trimBeats(est, trimSeconds);
  return { fMeasure: beatFMeasure(r, e), ...continuityMetrics(r, e) };
}

/**
 * Downbeat F-measure, ±70 ms: mir_eval.beat.f_measure on the downbeat times, both sequences
 * trimmed of downbeats before `trimSeconds` first. The default, 0, trims nothing, as madmom's and
 * MIREX's downbeat evaluation (skip = 0) score every downbeat; `trackprobe eval` passes its beat
 * trim, so beats and downbeats are scored on the same stretch of the track.
 */
export function downbeatFMeasure(ref: readonly number[], est: Maybe<readonly number[]>, trimSeconds = 0): number {
  const r = trimBeats(ref, trimSeconds);
  const e = est == null ? null : trimBeats(est, trimSeconds);
  return beatFMeasure(r, e, BEAT_WINDOW_SECONDS);
}

// ---------------------------------------------------------------------------------------------
// Key (mir_eval.key.weighted_score, the MIREX weighted score)
// ---------------------------------------------------------------------------------------------

export const PITCH_CLASS_NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"] as const;
const LETTER_SEMITONES: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };

export interface ParsedKey {
  /** Pitch class of the tonic, 0 = C … 11 = B. */
  pitchClass: number;
  mode: "major" | "minor";
  /** Canonical sharp spelling, e.g. "A# minor". */
  name: string;
}

/**
 * Parse "F# major", "Bb minor", "a minor", "E♭ Major". Case is ignored (mir_eval does too); flats
 * and sharps (also ♭/♯, and doubles) are normalised to a sharp pitch class. Returns null when the
 * text is not of that form.
 */
export function parseKey(text: string): ParsedKey | null {
  const m = /^\s*([a-g])((?:#|b|♯|♭)*)\s+(major|minor)\s*$/i.exec(text);
  if (!m) return null;
  let pc = LETTER_SEMITONES[m[1].toLowerCase()];
  for (const ch of m[2].toLowerCase()) pc += ch === "#" || ch === "♯" ? 1 : -1;
  pc = ((pc % 12) + 12) % 12;
  const mode = m[3].toLowerCase() as "major" | "minor";
  return { pitchClass: pc, mode, name: `${PITCH_CLASS_NAMES[pc]} ${mode}` };
}

function parseKeyOrThrow(text: string, what: string): ParsedKey {
  const k = parseKey(text);
  if (!k) throw new RangeError(`${what} "${text}" is not a key like "A minor" or "F# major"`);
  return k;
}

export interface KeyScoreOptions {
  /**
   * Also give 0.5 to an estimate a fifth BELOW the reference (MIREX since 2017; mir_eval's
   * `allow_descending_fifths`). Default false: mir_eval 0.8's weighted_score, fifth above only.
   */
  allowDescendingFifths?: boolean;
}

/**
 * mir_eval.key.weighted_score: 1 same tonic and mode; 0.5 same mode, estimate a perfect fifth
 * ABOVE the reference (est − ref ≡ 7 mod 12); 0.3 relative (ref major → est minor 9 semitones up,
 * ref minor → est major 3 semitones up); 0.2 parallel (same tonic, other mode); 0 otherwise or
 * when est is null. Enharmonic spellings are equal ("Bb major" = "A# major").
 */
export function mirexKeyScore(ref: string, est: Maybe<string>, options: KeyScoreOptions = {}): number {
  const r = parseKeyOrThrow(ref, "reference key");
  if (est == null) return 0;
  const e = parseKeyOrThrow(est, "estimated key");
  const up = (((e.pitchClass - r.pitchClass) % 12) + 12) % 12;
  if (up === 0 && e.mode === r.mode) return 1;
  if (e.mode === r.mode && up === 7) return 0.5;
  if (options.allowDescendingFifths && e.mode === r.mode && up === 5) return 0.5;
  if (r.mode === "major" && e.mode === "minor" && up === 9) return 0.3;
  if (r.mode === "minor" && e.mode === "major" && up === 3) return 0.3;
  if (e.mode !== r.mode && up === 0) return 0.2;
  return 0;
}

/** 1 when est names the same key as ref (enharmonics equal), else 0 (also when est is null). */
export function keyExact(ref: string, est: Maybe<string>): number {
  const r = parseKeyOrThrow(ref, "reference key");
  if (est == null) return 0;
  const e = parseKeyOrThrow(est, "estimated key");
  return r.pitchClass === e.pitchClass && r.mode === e.mode ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Meter
// ---------------------------------------------------------------------------------------------

/** 1 when the estimated beats per bar equal the reference, else 0 (also when est is null). */
export function meterAccuracy(ref: number, est: Maybe<number>): number {
  return est != null && est === ref ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Structure: boundary detection (mir_eval.segment.detection)
// ---------------------------------------------------------------------------------------------

/** The usual boundary windows, seconds: ±0.5 s (strict) and ±3 s (lenient). */
export const SEGMENT_WINDOWS = [0.5, 3] as const;

export interface BoundaryScores {
  precision: number;
  recall: number;
  fMeasure: number;
}

/** mir_eval.util.intervals_to_boundaries: the distinct interval edges, rounded to 5 decimals, sorted. */
export function intervalsToBoundaries(intervals: readonly (readonly [number, number])[]): number[] {
  const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
  return [...new Set(intervals.flatMap(([a, b]) => [round5(a), round5(b)]))].sort((a, b) => a - b);
}

function validateIntervals(intervals: readonly (readonly [number, number])[], what: string): void {
  for (const [a, b] of intervals) {
    if (!Number.isFinite(a) || !Number.isFinite(b) || a < 0 || b < a) throw new RangeError(`${what}: invalid interval [${a}, ${b}]`);
  }
}

/**
 * mir_eval.segment.detection: boundary hit rate at ±window seconds. The boundaries are the
 * intervals' distinct edges (with `trim`, the first and last — the track's start and end — are
 * dropped); each estimated boundary matches at most one reference boundary within the window
 * (a maximum one-to-one matching, as mir_eval.util.match_events); P = hits / estimates,
 * R = hits / references, F = 2PR / (P + R). All 0 when either side has no boundary (or est is null).
 */
export function segmentDetection(
  ref: readonly (readonly [number, number])[],
  est: Maybe<readonly (readonly [number, number])[]>,
  window = 0.5,
  trim = false,
): BoundaryScores {
  validateIntervals(ref, "reference intervals");
  if (est == null) return { precision: 0, recall: 0, fMeasure: 0 };
  validateIntervals(est, "estimated intervals");
  let r = intervalsToBoundaries(ref);
  let e = intervalsToBoundaries(est);
  if (trim) {
    r = r.slice(1, -1);
    e = e.slice(1, -1);
  }
  if (r.length === 0 || e.length === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  const hits = matchEventCount(r, e, window);
  const precision = hits / e.length;
  const recall = hits / r.length;
  return { precision, recall, fMeasure: fScore(precision, recall) };
}

/**
 * mir_eval.segment.pairwise: how well the section labels (repetition groups) agree, over the
 * pairs of 0.1 s samples. Sample k is at k·0.1 s computed in float32 as mir_eval does
 * (np.arange(float32) × 0.1), k < ⌊end / 0.1⌋; a sample takes the label of the last interval
 * with start ≤ t ≤ end (a sample on a boundary belongs to the later section). P = pairs labelled
 * alike in both / pairs alike in est, R = the same / pairs alike in ref. Both annotations must
 * start at 0 and end together (mir_eval raises otherwise; here: RangeError). Counted from the
 * label co-occurrence table, not the n × n matrices.
 */
export function segmentPairwise(
  ref: readonly (readonly [number, number])[],
  refLabels: readonly string[],
  est: Maybe<readonly (readonly [number, number])[]>,
  estLabels: Maybe<readonly string[]>,
  frameSize = 0.1,
): BoundaryScores {
  validateIntervals(ref, "reference intervals");
  if (est == null || estLabels == null || est.length === 0 || ref.length === 0) return { precision: 0, recall: 0, fMeasure: 0 };
  validateIntervals(est, "estimated intervals");
  const min = (iv: readonly (readonly [number, number])[]) => Math.min(...iv.map(([a]) => a));
  const max = (iv: readonly (readonly [number, number])[]) => Math.max(...iv.map(([, b]) => b));
  if (Math.abs(min(ref)) > 1e-8 || Math.abs(min(est)) > 1e-8) throw new RangeError("segment intervals do not start at 0");
  if (Math.abs(max(ref) - max(est)) > 1e-5 + 1e-8 * Math.abs(max(est))) throw new RangeError("end times do not match");
  const sample = (iv: readonly (readonly [number, number])[], labels: readonly string[]) => {
    const n = Math.floor(max(iv) / frameSize);
    const step = Math.fround(frameSize);
    const times = Array.from({ length: n }, (_, k) => Math.fround(Math.fround(k) * step));
    const out: (string | null)[] = new Array(n).fill(null);
    iv.forEach(([a, b], i) => {
      for (let k = 0; k < n; k++) if (times[k] >= a && times[k] <= b) out[k] = labels[i];
    });
    return out;
  };
  const yr = sample(ref, refLabels);
  const ye = sample(est, estLabels);
  const n = Math.min(yr.length, ye.length);
  const pairs = (counts: Map<string, number>) => [...counts.values()].reduce((s, c) => s + (c * (c - 1)) / 2, 0);
  const count = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
  const r = yr.slice(0, n).map((l) => JSON.stringify(l));
  const e = ye.slice(0, n).map((l) => JSON.stringify(l));
  const agreeRef = pairs(count(r));
  const agreeEst = pairs(count(e));
  const matches = pairs(count(r.map((x, i) => `${x}\u0000${e[i]}`)));
  const precision = agreeEst > 0 ? matches / agreeEst : 0;
  const recall = agreeRef > 0 ? matches / agreeRef : 0;
  return { precision, recall, fMeasure: fScore(precision, recall) };
}
