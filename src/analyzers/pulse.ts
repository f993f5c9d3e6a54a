/**
 * Cheap rhythm descriptors of the onset-strength envelope (features/onset.ts), independent of the
 * tempo and beat analysers:
 *
 * onsetRate — onsets per second. Frame i of the envelope o is an onset when it is the maximum of
 *   o over ±PEAK_RADIUS frames (±35 ms, so two onsets are at least that far apart) and exceeds
 *   MEAN_RATIO (2) times the local mean over ±MEAN_RADIUS frames (±0.2 s) plus
 *   δ = max(DELTA_REL · P95(o), DELTA_ABS) — the factor 2 keeps the random flux peaks of noise and
 *   pads out (white noise: 0.1 onsets/s; with a factor 1: 11/s):
 *   the usual adaptive-threshold peak picking (Bello et al., "A tutorial on onset detection in
 *   music signals", IEEE TSAP 2005; Böck et al., "Evaluating the online capabilities of onset
 *   detection methods", ISMIR 2012). Rate = onsets / duration.
 *
 * pulseClarity — how clearly the onsets repeat at one beat period: the envelope is cut into
 *   WINDOW_SECONDS windows (hop half a window); in each, the autocorrelation A_w of the
 *   mean-removed envelope is normalised by A_w(0), and the window's clarity is max A_w(ℓ)/A_w(0)
 *   over lags ℓ of 0.25–1.5 s (40–240 BPM) — the "maximum of the autocorrelation" pulse clarity
 *   of Lartillot et al. ("Multi-feature modeling of pulse clarity", ISMIR 2008). The track's
 *   clarity is the energy-weighted mean over windows (0..1; silence 0).
 *
 * tempoStability — whether the period stays put: Σ_w A_w (every window's autocorrelation summed)
 *   keeps a sharp peak only if the windows agree on the lag; stability = max_ℓ ΣA_w(ℓ)/ΣA_w(0)
 *   divided by the weighted mean of the windows' own maxima (0..1: a steady grid 1, drifting or
 *   rubato timing lower; octave-robust, since one window choosing 2ℓ does not matter).
 */
import type { OnsetStream } from "../features/onset.js";
import { defineInternal } from "./contract.js";

export const PEAK_RADIUS = 3;
export const MEAN_RADIUS = 17;
export const DELTA_REL = 0.1;
export const DELTA_ABS = 0.05;
export const MEAN_RATIO = 2;
export const WINDOW_SECONDS = 8;
export const MIN_LAG_SECONDS = 0.25;
export const MAX_LAG_SECONDS = 1.5;

/** Onset frames (indices) picked from an envelope. */
export function pickOnsets(o: Float32Array, rel = DELTA_REL, ratio = MEAN_RATIO): Int32Array {
  const n = o.length;
  if (n === 0) return new Int32Array(0);
  const delta = Math.max(rel * percentile(o, 0.95), DELTA_ABS);
  const picked: number[] = [];
  // running sum for the local mean over [i − R, i + R]
  let sum = 0;
  let lo = 0;
  let hi = 0; // window is [lo, hi)
  for (let i = 0; i < n; i++) {
    const wantLo = Math.max(0, i - MEAN_RADIUS);
    const wantHi = Math.min(n, i + MEAN_RADIUS + 1);
    while (hi < wantHi) sum += o[hi++];
    while (lo < wantLo) sum -= o[lo++];
    const v = o[i];
    if (v < (ratio * sum) / (hi - lo) + delta) continue;
    let isMax = true;
    const a = Math.max(0, i - PEAK_RADIUS);
    const b = Math.min(n - 1, i + PEAK_RADIUS);
    for (let j = a; j <= b; j++) {
      // ties: the first of equal maxima wins
      if (o[j] > v || (o[j] === v && j < i)) {
        isMax = false;
        break;
      }
    }
    if (isMax) picked.push(i);
  }
  return Int32Array.from(picked);
}

export function onsetRate(onset: OnsetStream, picked: Int32Array = pickOnsets(onset.total)): number {
  const seconds = onset.total.length / onset.framesPerSecond;
  return seconds > 0 ? picked.length / seconds : 0;
}

export interface Pulse {
  /** 0..1. */
  clarity: number;
  /** 0..1 (0 when there is no pulse at all). */
  stability: number;
  /** Period of the summed autocorrelation's peak, seconds (null without pulse). */
  periodSeconds: number | null;
}

/** Pulse clarity and tempo stability from windowed autocorrelations of the onset envelope. */
export function pulse(onset: OnsetStream): Pulse {
  const o = onset.total;
  const fps = onset.framesPerSecond;
  const n = o.length;
  const win = Math.round(WINDOW_SECONDS * fps);
  const hop = win >> 1;
  const minLag = Math.round(MIN_LAG_SECONDS * fps);
  const maxLag = Math.round(MAX_LAG_SECONDS * fps);
  const none: Pulse = { clarity: 0, stability: 0, periodSeconds: null };
  if (n < 2 * maxLag) return none;
  const len = Math.min(win, n);
  const x = new Float64Array(len);
  const acfSum = new Float64Array(maxLag + 1);
  let zeroSum = 0;
  let claritySum = 0;
  let weightSum = 0;
  const starts: number[] = [];
  for (let s = 0; s + len <= n; s += hop) starts.push(s);
  if (starts[starts.length - 1] + len < n) starts.push(n - len); // cover the end
  for (const s of starts) {
    let mean = 0;
    for (let i = 0; i < len; i++) mean += o[s + i];
    mean /= len;
    let a0 = 0;
    for (let i = 0; i < len; i++) {
      const v = o[s + i] - mean;
      x[i] = v;
      a0 += v * v;
    }
    if (a0 <= 1e-12) continue;
    let best = 0;
    for (let lag = minLag; lag <= maxLag; lag++) {
      let a = 0;
      for (let i = 0, j = lag; j < len; i++, j++) a += x[i] * x[j];
      // unbiased: the lag sees fewer products
      a *= len / (len - lag);
      acfSum[lag] += a;
      if (a > best) best = a;
    }
    zeroSum += a0;
    // windows weigh by their onset energy (a0): quiet intros count little
    claritySum += best;
    weightSum += a0;
  }
  if (weightSum === 0) return none;
  const clarity = Math.min(1, claritySum / weightSum);
  let bestSum = 0;
  let bestLag = -1;
  for (let lag = minLag; lag <= maxLag; lag++) {
    if (acfSum[lag] > bestSum) {
      bestSum = acfSum[lag];
      bestLag = lag;
    }
  }
  const global = bestSum / zeroSum;
  const stability = clarity > 0 ? Math.min(1, global / clarity) : 0;
  return { clarity, stability, periodSeconds: bestLag > 0 ? bestLag / fps : null };
}

/** Simple ratios of consecutive inter-onset intervals that metrical rhythms are made of. */
const IOI_RATIOS = [1, 2, 1 / 2, 3, 1 / 3, 3 / 2, 2 / 3];
/** How close (|log ratio|, ≈ ±8 %) a ratio must come to one of IOI_RATIOS. */
const IOI_TOLERANCE = 0.08;
/** Intervals outside 0.1–2 s are not between notes of one pulse (grace notes, long rests). */
const IOI_MIN_SECONDS = 0.1;
const IOI_MAX_SECONDS = 2;

/**
 * IOI regularity: of the consecutive inter-onset-interval pairs (both 0.1–2 s), the share whose
 * ratio is within ±8 % of 1, 2, ½, 3, ⅓, 3/2 or 2/3. Metrical rhythm is made of such ratios
 * whatever its tempo does, since rubato moves neighbouring intervals together (the ratio view of
 * rhythm of Desain & Honing, "The formation of rhythmic categories and metric priming",
 * Perception 32, 2003; interval clustering as in S. Dixon, "Automatic extraction of tempo and
 * beat from expressive performances", JNMR 30(1), 2001); onsets at random times (a Poisson
 * texture) land there by chance only (about a third of the time). 0 with fewer than two pairs.
 */
export function ioiRegularity(onset: OnsetStream, on: Int32Array = pickOnsets(onset.total)): number {
  const fps = onset.framesPerSecond;
  let hits = 0;
  let pairs = 0;
  for (let k = 0; k + 2 < on.length; k++) {
    const a = (on[k + 1] - on[k]) / fps;
    const b = (on[k + 2] - on[k + 1]) / fps;
    if (a < IOI_MIN_SECONDS || b < IOI_MIN_SECONDS || a > IOI_MAX_SECONDS || b > IOI_MAX_SECONDS) continue;
    pairs++;
    const r = b / a;
    if (IOI_RATIOS.some((x) => Math.abs(Math.log(r / x)) < IOI_TOLERANCE)) hits++;
  }
  return pairs >= 2 ? hits / pairs : 0;
}

/** The onset descriptors of one analysis, each computed on first use and kept (onset-pulse). */
export interface OnsetPulse {
  onsetRate(): number;
  pulse(): Pulse;
  ioiRegularity(): number;
}

export function onsetPulse(onset: OnsetStream): OnsetPulse {
  const picked = memo(() => pickOnsets(onset.total));
  return {
    onsetRate: memo(() => onsetRate(onset, picked())),
    pulse: memo(() => pulse(onset)),
    ioiRegularity: memo(() => ioiRegularity(onset, picked())),
  };
}

/**
 * What the rhythm model's pulse decision (pulse-gate.ts) and danceability and energy
 * (audio-features.ts) all read, so each is computed once per analysis.
 */
export const onsetPulseDescriptors = defineInternal({
  name: "onset-pulse",
  streams: ["onset"],
  needs: {},
  run: ({ streams }) => onsetPulse(streams.onset),
});

function memo<T>(make: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = make();
      done = true;
    }
    return value;
  };
}

function percentile(x: Float32Array, q: number): number {
  const s = Float32Array.from(x).sort();
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
