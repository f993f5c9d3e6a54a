/**
 * Global tempo from the onset stream.
 *
 * 1. Periodicity: the autocorrelation of the beat novelty (rhythm-signal.ts), for lags up to
 *    4 × the slowest period, turned into a tempo salience with a comb of harmonically related
 *    lags — a pulse at period P also correlates at 2P, 3P, 4P (the "tempogram" of Grosche &
 *    Müller; the comb-filter summary of Scheirer 1998 / Klapuri, Eronen & Astola 2006).
 * 2. Perceptual prior: a log-normal weight around 120 BPM (Moelants & McKinney 2004; the
 *    log-Gaussian tempo window of Ellis 2007 "Beat tracking by dynamic programming").
 * 3. Octave alternatives: the salience at ×2, ×½, ×⅔, ×3/2 of the best peak is reported as
 *    candidates; the final choice between metrical levels is made from evidence (meter.ts /
 *    rhythm.ts), not from the prior alone.
 * 4. Pulse detection: no tempo when the novelty's periodicity is too weak (silence, noise,
 *    beatless ambient) — `null` with a reason rather than a made-up number.
 */
import type { OnsetStream } from "../features/onset.js";
import { autocorrelation, beatNovelty, interp, type Novelty } from "./rhythm-signal.js";

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

export { beatNovelty };
export type { OnsetStream };
