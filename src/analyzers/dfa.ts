/**
 * Detrended fluctuation analysis of the 10 ms level series — the danceability value of
 * S. Streich and P. Herrera, "Detrended Fluctuation Analysis of Music Signals: Danceability
 * Estimation and further Semantic Characterization", AES 118th Convention, 2005, with the
 * conventions of Essentia's `Danceability` algorithm, so the numbers are comparable:
 *
 *   s(n)   standard deviation of 10 ms frame n (features/levels.ts), mean removed
 *   y(n)   = Σ_{m≤n} s(m)                          (the "profile")
 *   τ      block lengths in frames: ⌊t/10⌋ for t = 310, 341, … ms (×1.1 each, in float32) ≤ 8800
 *   F(τ)   = √( Σ_k R(k, τ) / ((N − τ)/j) ), blocks [k, k+τ) for k = 0, j, 2j, … < N − τ,
 *          j = max(⌊τ/50⌋, 1); R = mean squared residual of the least-squares line through the block
 *   α_i    = log(F(τ_{i+1})/F(τ_i)) / log((τ_{i+1} + 3)/(τ_i + 3))   (the +3 corrects small τ)
 *   value  = 1 / mean_i α_i                          (0 when the mean is ≤ 0, as Essentia 2.1 does)
 *
 * The value is Essentia's, on Essentia's scale (bench/danceability-vs-essentia.ts), and like
 * Essentia's it is not bounded. Music with human timing and changing parts gives about 0.9–2
 * (mean α ≈ 0.5–1; corpus-dev 0.91–1.95; white noise ≈ 2.2). A level series that repeats exactly
 * — a machine-rendered loop — stops fluctuating more once τ is longer than the loop, so the α of
 * the long blocks fall towards 0 and 1/mean α grows to 4–8 (Essentia gives the same). There the
 * value says "exactly periodic", not "more danceable than any song".
 *
 * Every block's sums come from prefix sums kept as double-double (hi + lo), so a block costs O(1)
 * whatever τ is and the differences of large prefix sums lose no digits, even on a 60-minute
 * file whose profile wanders far from zero. About 20·N block evaluations in all.
 */

export interface DfaResult {
  /** 1 / mean DFA exponent (Essentia's `danceability`; 0 when the mean exponent is ≤ 0; unbounded above). */
  value: number;
  /** Block lengths used, in 10 ms frames. */
  taus: Int32Array;
  /** Fluctuation F(τ) per block length. */
  fluctuation: Float64Array;
  /** Local DFA exponents α between consecutive block lengths. */
  alpha: Float64Array;
}

export const MIN_TAU_MS = 310;
export const MAX_TAU_MS = 8800;
export const TAU_MULTIPLIER = 1.1;

/** Block lengths in 10 ms frames, computed in float32 as Essentia does (so truncation agrees). */
export function dfaTaus(minTauMs = MIN_TAU_MS, maxTauMs = MAX_TAU_MS, multiplier = TAU_MULTIPLIER): Int32Array {
  const f = Math.fround;
  const out: number[] = [];
  const m = f(multiplier);
  for (let t = f(minTauMs); t <= maxTauMs; t = f(t * m)) out.push(Math.trunc(f(t / 10)));
  return Int32Array.from(out);
}

const TAUS = dfaTaus();

/**
 * Runs the DFA on the 10 ms frame standard deviations. Returns null when fewer than two block
 * lengths fit (under ~0.35 s of audio).
 */
export function detrendedFluctuation(frameStd: Float32Array, taus: Int32Array = TAUS): DfaResult | null {
  const n = frameStd.length;
  let fitting = 0;
  while (fitting < taus.length && taus[fitting] <= n) fitting++;
  if (fitting < 2) return null;

  // profile y(n) and its prefix sums Σy, Σy², Σ j·y as double-double
  let mean = 0;
  for (let i = 0; i < n; i++) mean += frameStd[i];
  mean /= n;
  const p1h = new Float64Array(n + 1);
  const p1l = new Float64Array(n + 1);
  const p2h = new Float64Array(n + 1);
  const p2l = new Float64Array(n + 1);
  const pxh = new Float64Array(n + 1);
  const pxl = new Float64Array(n + 1);
  let y = 0;
  let h1 = 0;
  let l1 = 0;
  let h2 = 0;
  let l2 = 0;
  let hx = 0;
  let lx = 0;
  for (let i = 0; i < n; i++) {
    y += frameStd[i] - mean;
    // two-sum (Knuth): h + v = s + e exactly
    let v = y;
    let s = h1 + v;
    let bb = s - h1;
    l1 += h1 - (s - bb) + (v - bb);
    h1 = s;
    v = y * y;
    s = h2 + v;
    bb = s - h2;
    l2 += h2 - (s - bb) + (v - bb);
    h2 = s;
    v = i * y;
    s = hx + v;
    bb = s - hx;
    lx += hx - (s - bb) + (v - bb);
    hx = s;
    p1h[i + 1] = h1;
    p1l[i + 1] = l1;
    p2h[i + 1] = h2;
    p2l[i + 1] = l2;
    pxh[i + 1] = hx;
    pxl[i + 1] = lx;
  }

  const fluctuation = new Float64Array(fitting);
  for (let t = 0; t < fitting; t++) {
    const tau = taus[t];
    if (tau === n) {
      fluctuation[t] = 0;
      continue;
    }
    const jump = Math.max(Math.floor(tau / 50), 1);
    const meanX = (tau - 1) / 2;
    const ssxx = (tau * (tau * tau - 1)) / 12;
    let total = 0;
    for (let k = 0; k < n - tau; k += jump) {
      const e = k + tau;
      const sy = p1h[e] - p1h[k] + (p1l[e] - p1l[k]);
      const syy = p2h[e] - p2h[k] + (p2l[e] - p2l[k]);
      const sjy = pxh[e] - pxh[k] + (pxl[e] - pxl[k]); // Σ j·y, absolute j
      const ssxy = sjy - (k + meanX) * sy;
      const ssyy = syy - (sy * sy) / tau;
      total += (ssyy - (ssxy * ssxy) / ssxx) / tau;
    }
    fluctuation[t] = Math.sqrt(Math.max(total, 0) / ((n - tau) / jump));
  }

  const alpha = new Float64Array(fitting - 1);
  let sum = 0;
  for (let i = 0; i < fitting - 1; i++) {
    if (fluctuation[i + 1] === 0 || fluctuation[i] === 0) {
      return { value: 0, taus: taus.slice(0, fitting), fluctuation, alpha };
    }
    alpha[i] = Math.log(fluctuation[i + 1] / fluctuation[i]) / Math.log((taus[i + 1] + 3) / (taus[i] + 3));
    sum += alpha[i];
  }
  const meanAlpha = sum / (fitting - 1);
  return { value: meanAlpha > 0 ? 1 / meanAlpha : 0, taus: taus.slice(0, fitting), fluctuation, alpha };
}
