/**
 * Global tempo from the onset stream.
 *
 * 1. Periodicity: the autocorrelation of the beat novelty (beat-activation.ts), for lags up to
 *    4 × the slowest period, turned into a tempo salience with a comb of harmonically related
 *    lags — a pulse at period P also correlates at 2P, 3P, 4P (the "tempogram" of Grosche &
 *    Müller; the comb-filter summary of Scheirer 1998 / Klapuri, Eronen & Astola 2006).
 * 2. Perceptual prior: a log-normal weight around 120 BPM (Moelants & McKinney 2004; the
 *    log-Gaussian tempo window of Ellis 2007 "Beat tracking by dynamic programming").
 * 3. Metrical level: the best peak is the starting point; the final choice between metrical
 *    levels is made from evidence (meter.ts / rhythm.ts), not from the prior alone.
 * 4. Pulse detection: no tempo when the novelty's periodicity is too weak (silence, noise,
 *    beatless ambient) — `null` with a reason rather than a made-up number.
 * 5. Candidates and confidence (tempoCandidates): the reported tempo's octave and other related
 *    readings and the strongest unrelated salience peaks, each weighted by the periodicity it adds
 *    to the reported tempo; the confidence is the beat evidence times the reported tempo's margin
 *    over the strongest alternative. Definitions at tempoCandidates.
 */
import type { OnsetStream } from "../features/onset.js";
import { type BpmRange, type TempoCandidate, TrackprobeError } from "../result.js";
import { autocorrelation, interp } from "../dsp/series.js";
import type { Novelty } from "./beat-activation.js";
import { roundTo } from "../numbers.js";

const round1 = (x: number) => roundTo(x, 1);
const round3 = (x: number) => roundTo(x, 3);

export const MIN_BPM = 40;
export const MAX_BPM = 250;

export interface TempoSalience {
  /** BPM grid (log-spaced) and the salience of each, without and with the prior. */
  bpm: Float64Array;
  salience: Float64Array;
  weighted: Float64Array;
  /** Normalised autocorrelation of the novelty (r[0] = 1). */
  acf: Float64Array;
  framesPerSecond: number;
}

/**
 * Checks a tempo range (`--bpm-range`, AnalyzeOptions.bpmRange): both ends numbers within
 * MIN_BPM..MAX_BPM and MIN below MAX. Throws a BAD_OPTION TrackprobeError otherwise.
 */
export function checkBpmRange(r: BpmRange): BpmRange {
  const what = `tempo range ${r.min}-${r.max}`;
  if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) throw new TrackprobeError("BAD_OPTION", `${what}: MIN and MAX must be numbers`);
  if (r.min >= r.max) throw new TrackprobeError("BAD_OPTION", `${what}: MIN must be below MAX`);
  if (r.min < MIN_BPM || r.max > MAX_BPM) throw new TrackprobeError("BAD_OPTION", `${what}: must lie within ${MIN_BPM}-${MAX_BPM} BPM`);
  return { min: r.min, max: r.max };
}

/** Parses "MIN-MAX" (e.g. "70-140", "87.5-175") into a checked BpmRange. */
export function parseBpmRange(text: string): BpmRange {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!m) throw new TrackprobeError("BAD_OPTION", `bad tempo range "${text}": expected MIN-MAX in BPM, e.g. 70-140`);
  return checkBpmRange({ min: Number(m[1]), max: Number(m[2]) });
}

/** log-normal tempo prior: exp(−½ (log2(bpm / centre) / σ)²). */
export function tempoPrior(bpm: number, centre = 120, sigmaOctaves = 1): number {
  const z = Math.log2(bpm / centre) / sigmaOctaves;
  return Math.exp(-0.5 * z * z);
}

/** Tempo salience over a log-BPM grid (steps of 0.5 %). */
export function tempoSalience(nov: Novelty): TempoSalience {
  const fps = nov.framesPerSecond;
  const maxLag = Math.ceil((4 * 60 * fps) / MIN_BPM) + 2;
  const r = autocorrelation(nov.flux, Math.min(maxLag, Math.max(1, nov.flux.length - 1)));
  const r0 = r[0] > 0 ? r[0] : 1;
  for (let i = 0; i < r.length; i++) r[i] /= r0;
  const steps = Math.ceil(Math.log(MAX_BPM / MIN_BPM) / Math.log(1.005)) + 1;
  const bpm = new Float64Array(steps);
  const salience = new Float64Array(steps);
  const weighted = new Float64Array(steps);
  for (let i = 0; i < steps; i++) {
    const b = MIN_BPM * 1.005 ** i;
    const lag = (60 * fps) / b;
    // comb over the first four multiples of the period, the peak within ±1 frame at each
    let s = 0;
    let w = 0;
    for (let k = 1; k <= 4; k++) {
      const x = k * lag;
      if (x + 1 >= r.length) break;
      const v = Math.max(interp(r, x), interp(r, x - 0.5), interp(r, x + 0.5));
      s += v / k;
      w += 1 / k;
    }
    bpm[i] = b;
    salience[i] = w > 0 ? Math.max(0, s / w) : 0;
    weighted[i] = salience[i] * tempoPrior(b);
  }
  return { bpm, salience, weighted, acf: r, framesPerSecond: fps };
}

/**
 * Local periodicity: the mean, over 8-s windows (hop 4 s), of each window's best normalised
 * autocorrelation peak in the tempo range. A tempo that drifts (ramps, rubato) smears the global
 * autocorrelation but not the local ones, so pulse detection uses the larger of the two.
 */
export function localPeriodicity(nov: Novelty): number {
  const fps = nov.framesPerSecond;
  const win = Math.round(8 * fps);
  const hop = Math.round(4 * fps);
  const minLag = Math.floor((60 * fps) / MAX_BPM);
  const maxLag = Math.ceil((60 * fps) / MIN_BPM);
  const x = nov.flux;
  if (x.length < win) return 0;
  const y = new Float32Array(win);
  let sum = 0;
  let count = 0;
  for (let start = 0; start + win <= x.length; start += hop) {
    let mean = 0;
    for (let i = 0; i < win; i++) mean += x[start + i];
    mean /= win;
    let r0 = 0;
    for (let i = 0; i < win; i++) {
      y[i] = x[start + i] - mean;
      r0 += y[i] * y[i];
    }
    r0 /= win;
    if (r0 <= 0) {
      count++;
      continue;
    }
    let best = 0;
    for (let l = minLag; l <= maxLag; l++) {
      let s = 0;
      for (let t = l; t < win; t++) s += y[t] * y[t - l];
      const v = s / (win - l) / r0;
      if (v > best) best = v;
    }
    sum += best;
    count++;
  }
  return count ? sum / count : 0;
}

/** Salience at a BPM (max over ±2 % on the grid). */
export function salienceAt(ts: TempoSalience, bpm: number, which: "salience" | "weighted" = "salience"): number {
  const arr = ts[which];
  let m = 0;
  for (let i = 0; i < ts.bpm.length; i++) {
    if (ts.bpm[i] >= bpm * 0.98 && ts.bpm[i] <= bpm * 1.02 && arr[i] > m) m = arr[i];
  }
  return m;
}

/** Local maxima of the weighted salience, best first. */
export function saliencePeaks(ts: TempoSalience, count = 8): { bpm: number; value: number }[] {
  const w = ts.weighted;
  const peaks: { bpm: number; value: number }[] = [];
  for (let i = 1; i + 1 < w.length; i++) {
    if (w[i] > 0 && w[i] >= w[i - 1] && w[i] > w[i + 1]) {
      // parabolic refinement on the log-BPM grid
      const d = w[i - 1] - 2 * w[i] + w[i + 1];
      const off = d < 0 ? (0.5 * (w[i - 1] - w[i + 1])) / d : 0;
      peaks.push({ bpm: ts.bpm[i] * 1.005 ** off, value: w[i] });
    }
  }
  peaks.sort((a, b) => b.value - a.value);
  return peaks.slice(0, count);
}

/** Ratios of the reported tempo that are always listed as candidates (inside MIN_BPM..MAX_BPM). */
export const CANDIDATE_RATIOS = [1, 2, 1 / 2, 3, 1 / 3, 3 / 2, 2 / 3] as const;
/**
 * Strongest other salience peaks listed as well: not within ±4 % of a listed candidate, nor of the
 * bar-level ×¼ and ×4 (a metrical level no one reports as the tempo).
 */
export const EXTRA_PEAKS = 2;
/** Largest evidence ratio of an alternative to the reported tempo (when the latter has none left). */
export const MAX_RATIO = 10;
/** A comb lag within this many seconds of a multiple of the reported beat period is explained by it. */
export const EXPLAINED_SECONDS = 0.035;

/**
 * Comb salience of `bpm` (as tempoSalience: the peaks of the normalised autocorrelation at the
 * first four multiples k·ℓ of its period ℓ, weighted 1/k) counting only the multiples that are
 * not within EXPLAINED_SECONDS of the reported tempo's eighth-note grid (multiples of half its beat
 * period): the periodicity that the reported tempo and its subdivision leave unexplained. The ×2
 * reading is that subdivision, so for it the grid is the beat itself. Readings whose lags all lie
 * on the grid (×½, ×⅓, ×⅔) get 0 here — the off-beat hi-hats of a straight groove are not a
 * dotted-quarter pulse — and only an accent can speak for them (tempoCandidates). 0..1.
 */
export function unexplainedSalience(ts: TempoSalience, bpm: number, reportedBpm: number): number {
  const fps = ts.framesPerSecond;
  const r = ts.acf;
  const lag = (60 * fps) / bpm;
  const double = Math.abs(bpm / (2 * reportedBpm) - 1) <= 0.04;
  const beat = (60 * fps) / reportedBpm / (double ? 1 : 2);
  const tol = EXPLAINED_SECONDS * fps;
  let s = 0;
  let w = 0;
  for (let k = 1; k <= 4; k++) {
    const x = k * lag;
    if (x + 1 >= r.length) break;
    w += 1 / k;
    const m = Math.round(x / beat);
    if (m >= 1 && Math.abs(x - m * beat) <= tol) continue;
    s += Math.max(interp(r, x), interp(r, x - 0.5), interp(r, x + 0.5)) / k;
  }
  return w > 0 ? Math.max(0, s / w) : 0;
}

export interface TempoReading {
  /** evidence · margin (see tempoCandidates), 0..1. */
  confidence: number;
  /** Best first; weights sum to 1. */
  candidates: TempoCandidate[];
}

/**
 * Candidates and confidence of a reported tempo `bpm`, given `evidence` (0..1) that there is a
 * beat at all (how periodic the onsets are and how much of them the beat grid catches).
 *
 *   candidates  the reported tempo (always); its related readings ×2, ×½, ×3, ×⅓, ×3/2, ×⅔ (within
 *               MIN_BPM..MAX_BPM); the EXTRA_PEAKS strongest other peaks of the prior-weighted
 *               salience (unrelated tempi, e.g. the other layer of a polyrhythm; not ×4, ×¼)
 *   S(b)        comb salience of tempo b (tempoSalience, 0..1); prior(b) the log-normal prior
 *   U(b | a)    unexplainedSalience(b, a): b's comb salience at lags off a's eighth-note grid
 *   E(bpm)      = prior(bpm) · S(bpm)
 *   E(c)        = prior(c) · max(U(c | bpm), S(c) − S(bpm), 0): what c adds to the reported tempo.
 *               A slower reading on the eighth-note grid (×½, ×⅓, ×⅔) has all its lags there, so
 *               only an accent (salience in excess of the reported tempo's) speaks for it: a click
 *               track gives its ×½ no weight
 *   E(bpm | c)  the reported tempo's evidence against c: E(bpm) for a related reading; for an
 *               unrelated tempo, which competes on equal terms, prior(bpm) · min(S(bpm), U(bpm | c))
 *   ρ(c)        = min(E(c) / E(bpm | c), MAX_RATIO); ρ(bpm) = 1
 *   weight      = ρ / Σρ over the candidates (rounded to 3 decimals), sorted best first
 *   margin      = max(0, 1 − max_c ρ(c))   = max(0, 1 − max_c weight(c) / weight(bpm))
 *   confidence  = evidence · margin
 *
 * So the confidence is never above 1 − w_alt/w_reported for any listed alternative: it is 1 only
 * for a clear beat whose alternatives add nothing to the reported tempo, and 0 whenever an
 * alternative weighs as much as the reported tempo (which is then not the first candidate).
 */
export function tempoCandidates(ts: TempoSalience, bpm: number, evidence: number): TempoReading {
  // e: the candidate's evidence; against: the reported tempo's evidence in the comparison with it
  const list: { bpm: number; e: number; against: number }[] = [];
  const sReported = salienceAt(ts, bpm);
  const eReported = tempoPrior(bpm) * sReported;
  const listed = (b: number) => list.some((c) => Math.abs(b / c.bpm - 1) <= 0.04);
  const add = (b: number, related: boolean) => {
    if (b < MIN_BPM || b > MAX_BPM) return;
    const e = tempoPrior(b) * Math.max(unexplainedSalience(ts, b, bpm), salienceAt(ts, b) - sReported, 0);
    // an unrelated tempo competes on equal terms: the reported tempo, too, counts only with what
    // the alternative leaves unexplained
    const against = related ? eReported : tempoPrior(bpm) * Math.min(sReported, unexplainedSalience(ts, bpm, b));
    list.push({ bpm: b, e, against });
  };
  list.push({ bpm, e: eReported, against: eReported });
  for (const k of CANDIDATE_RATIOS) if (k !== 1) add(bpm * k, true);
  let extra = 0;
  for (const p of saliencePeaks(ts, 8)) {
    if (extra >= EXTRA_PEAKS) break;
    const bar = Math.abs(p.bpm / bpm - 4) <= 0.16 || Math.abs((4 * p.bpm) / bpm - 1) <= 0.04;
    if (bar || listed(p.bpm) || p.bpm < MIN_BPM || p.bpm > MAX_BPM) continue;
    const before = list.length;
    add(p.bpm, false);
    if (list.length > before && list[before].e > 0) extra++;
    else list.length = before;
  }
  // ρ: each candidate's evidence relative to the reported tempo's in the comparison with it
  const rho = list.map((c, i) => (i === 0 ? 1 : c.e <= 0 ? 0 : c.against > 0 ? Math.min(MAX_RATIO, c.e / c.against) : MAX_RATIO));
  const total = rho.reduce((a, r) => a + r, 0);
  const rival = Math.max(0, ...rho.slice(1));
  const margin = list[0].e > 0 ? Math.max(0, 1 - rival) : 0;
  const candidates = list
    .map((c, i) => ({ i, bpm: round1(c.bpm), weight: rho[i] / total }))
    .sort((a, b) => b.weight - a.weight || a.i - b.i)
    .map((c) => ({ bpm: c.bpm, weight: round3(c.weight) }));
  return { confidence: Math.min(1, Math.max(0, evidence)) * margin, candidates };
}

/** A ×3/2 or ×⅔ reading is the alternative only with more than this times the octave's weight… */
export const ALTERNATIVE_TRIPLE_FACTOR = 2;
/** …and at least this weight. */
export const ALTERNATIVE_TRIPLE_MIN = 0.05;

/**
 * The alternative tempo (the other metrical level a DJ may want), from the listed candidates:
 *   octave   the ×2 or ×½ candidate with the larger weight; on equal weight the one nearer
 *            120 BPM on a log scale (so 200 rather than 50 for a 100 BPM track with no evidence)
 *   triple   the ×3/2 or ×⅔ candidate with the larger weight (ties: ×3/2)
 *   result   the triple reading when its weight is > ALTERNATIVE_TRIPLE_FACTOR × the octave's and
 *            ≥ ALTERNATIVE_TRIPLE_MIN (or there is no octave candidate), else the octave reading.
 * Its weight is that candidate's weight. Null only when none of them is listed (never inside
 * MIN_BPM..MAX_BPM, since ×2 or ×½ of any tempo in 40..250 is listed unless it falls outside).
 */
export function alternativeOf(bpm: number, candidates: readonly TempoCandidate[]): TempoCandidate | null {
  const at = (k: number) => candidates.find((x) => Math.abs(x.bpm / (bpm * k) - 1) <= 0.02);
  const better = (a: TempoCandidate | undefined, b: TempoCandidate | undefined) => {
    if (!a || !b) return a ?? b;
    if (a.weight !== b.weight) return a.weight > b.weight ? a : b;
    return Math.abs(Math.log2(a.bpm / 120)) <= Math.abs(Math.log2(b.bpm / 120)) ? a : b;
  };
  const octave = better(at(2), at(1 / 2));
  const t3 = at(3 / 2);
  const t2 = at(2 / 3);
  const triple = t3 && t2 ? (t2.weight > t3.weight ? t2 : t3) : (t3 ?? t2);
  const pick =
    triple && (!octave || (triple.weight > ALTERNATIVE_TRIPLE_FACTOR * octave.weight && triple.weight >= ALTERNATIVE_TRIPLE_MIN)) ? triple : octave;
  return pick ? { bpm: pick.bpm, weight: pick.weight } : null;
}

export type { OnsetStream };
