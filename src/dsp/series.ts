/**
 * Kernels on sampled series (typed arrays): moving average and maximum, autocorrelation,
 * interpolation. Pure functions, no audio; the rhythm analysers build on them.
 */

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
