/**
 * Shared rhythm signal processing on the onset stream: the normalised beat-novelty curve that
 * the tempo, beat and meter analysers read, and small typed-array kernels (moving average,
 * autocorrelation). Pure functions; no audio.
 */
import type { OnsetStream } from "../features/onset.js";

/** Moving average of x over a centred window of `width` frames (edges use the part inside). */
export function movingAverage(x: Float32Array, width: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const half = Math.floor(width / 2);
  let sum = 0;
  let lo = 0;
  let hi = 0; // window [lo, hi)
  for (let i = 0; i < n; i++) {
    const wantHi = Math.min(n, i + half + 1);
    const wantLo = Math.max(0, i - half);
    while (hi < wantHi) sum += x[hi++];
    while (lo < wantLo) sum -= x[lo++];
    out[i] = sum / (hi - lo);
  }
  return out;
}

/** Moving maximum over a centred window (monotonic deque, O(n)). */
export function movingMax(x: Float32Array, width: number): Float32Array {
  const n = x.length;
  const out = new Float32Array(n);
  const half = Math.floor(width / 2);
  const dq = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const hi = Math.min(n - 1, i + half);
    while (next <= hi) {
      while (tail > head && x[dq[tail - 1]] <= x[next]) tail--;
      dq[tail++] = next++;
    }
    while (dq[head] < i - half) head++;
    out[i] = x[dq[head]];
  }
  return out;
}

/** Ceiling of the activation: a certain onset is not a certain beat (keeps log(1 − a) finite). */
const ACT_MAX = 0.9;

export interface Novelty {
  framesPerSecond: number;
  /** Onset novelty with the local mean removed, half-wave rectified (for autocorrelation). */
  flux: Float32Array;
  /** The same scaled to 0..1 by a slowly varying local maximum: a beat "activation" for the HMM. */
  activation: Float32Array;
}

/**
 * The beat novelty: the onset envelope (SuperFlux, all bands; the low band counted once more,
 * as kick and bass carry most of the beat) minus its moving average over ~0.5 s, rectified.
 */
export function beatNovelty(onset: OnsetStream, lowWeight = 1): Novelty {
  const { total, low, framesPerSecond: fps } = onset;
  const n = total.length;
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = total[i] + lowWeight * low[i];
  const mean = movingAverage(x, Math.round(0.5 * fps) | 1);
  const flux = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const d = x[i] - mean[i];
    flux[i] = d > 0 ? d : 0;
  }
  // scale: a local maximum over ~6 s, floored at a fraction of the global maximum so that quiet
  // passages are not blown up into confident beats
  const lm = movingAverage(movingMax(flux, Math.round(3 * fps) | 1), Math.round(6 * fps) | 1);
  let gmax = 0;
  for (let i = 0; i < n; i++) if (lm[i] > gmax) gmax = lm[i];
  const activation = new Float32Array(n);
  const floor = Math.max(gmax * 0.1, 1e-9);
  for (let i = 0; i < n; i++) {
    const a = flux[i] / Math.max(lm[i], floor);
    activation[i] = ACT_MAX * (a > 1 ? 1 : a);
  }
  return { framesPerSecond: fps, flux, activation };
}

/** Unbiased autocorrelation r[l] = Σ x[t]·x[t−l] / (n − l), l = 0..maxLag, of x minus its mean. */
export function autocorrelation(x: Float32Array, maxLag: number): Float64Array {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i];
  mean /= Math.max(1, n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[i] - mean;
  const r = new Float64Array(maxLag + 1);
  for (let l = 0; l <= maxLag && l < n; l++) {
    let s = 0;
    for (let t = l; t < n; t++) s += y[t] * y[t - l];
    r[l] = s / (n - l);
  }
  return r;
}

/** Linear interpolation of r at fractional index x (0 outside). */
export function interp(r: ArrayLike<number>, x: number): number {
  const i = Math.floor(x);
  if (i < 0 || i + 1 >= r.length) return 0;
  const f = x - i;
  return r[i] * (1 - f) + r[i + 1] * f;
}

/** Normalised autocorrelation of x (minus its mean) at one whole lag; 0 when too short or flat. */
export function lagCorrelation(x: ArrayLike<number>, lag: number): number {
  const n = x.length;
  if (lag < 1 || n <= lag + 2) return 0;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  let s = 0;
  for (let i = 0; i + lag < n; i++) s += (x[i] - m) * (x[i + lag] - m);
  return v > 0 ? (s * n) / ((n - lag) * v) : 0;
}
