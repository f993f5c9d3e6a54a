/**
 * Kernels for music segmentation, pure functions over feature sequences:
 *
 * - selfSimilarity: the self-similarity matrix of a feature sequence (Foote 1999/2000), banded
 *   around the diagonal: entry (i, j) is exp(−‖xᵢ − xⱼ‖² / (2σ²)), σ² the median squared distance
 *   in the band, so the scale adapts to the track (as the Gaussian affinity of McFee & Ellis 2014).
 * - checkerboardNovelty: J. Foote, "Automatic audio segmentation using a measure of audio
 *   novelty", ICME 2000: a Gaussian-tapered checkerboard kernel slid along the diagonal; a high
 *   value is a frame where the past is self-similar, the future is self-similar, and the two are
 *   unlike each other.
 * - pickPeaks: local maxima above a threshold, at least a minimum distance apart (strongest first).
 *
 * Features are frame-major: frame i's `dims` values at [i·dims, (i + 1)·dims).
 */

/** Frame-major features standardised per dimension (zero mean, unit variance; a constant dimension becomes 0). */
export function standardise(x: Float32Array, dims: number): Float32Array {
  const n = Math.floor(x.length / dims);
  const out = new Float32Array(n * dims);
  for (let d = 0; d < dims; d++) {
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i * dims + d];
      s += v;
      ss += v * v;
    }
    const mean = n ? s / n : 0;
    const sd = n ? Math.sqrt(Math.max(0, ss / n - mean * mean)) : 0;
    if (sd < 1e-9) continue;
    for (let i = 0; i < n; i++) out[i * dims + d] = (x[i * dims + d] - mean) / sd;
  }
  return out;
}

/** Squared Euclidean distance between frames i and j. */
function dist2(x: Float32Array, dims: number, i: number, j: number): number {
  let s = 0;
  const a = i * dims;
  const b = j * dims;
  for (let d = 0; d < dims; d++) {
    const t = x[a + d] - x[b + d];
    s += t * t;
  }
  return s;
}

/** A self-similarity matrix kept only near its diagonal: `values[i·(bandwidth + 1) + k]` = S(i, i + k), 0 ≤ k ≤ bandwidth. */
export interface BandedSimilarity {
  n: number;
  bandwidth: number;
  values: Float32Array;
}

/** S(i, j) of a banded matrix (symmetric); undefined beyond the band or outside the matrix. */
export function similarityAt(s: BandedSimilarity, i: number, j: number): number | undefined {
  const [a, b] = i <= j ? [i, j] : [j, i];
  if (a < 0 || b >= s.n || b - a > s.bandwidth) return undefined;
  return s.values[a * (s.bandwidth + 1) + (b - a)];
}

/**
 * Self-similarity of `n` frames of `dims` features, for frame pairs up to `bandwidth` apart (a
 * checkerboard kernel of half-width w reads no further than 2w − 1; a full matrix of an hour's
 * beats would not fit in memory). σ² is the median squared distance of the pairs in the band.
 */
export function selfSimilarity(x: Float32Array, dims: number, bandwidthFrames: number): BandedSimilarity {
  const n = Math.floor(x.length / dims);
  const bw = Math.max(0, Math.min(Math.max(0, n - 1), Math.floor(bandwidthFrames)));
  const values = new Float32Array(n * (bw + 1));
  for (let i = 0; i < n; i++) for (let k = 1; k <= bw && i + k < n; k++) values[i * (bw + 1) + k] = dist2(x, dims, i, i + k);
  const known: number[] = [];
  for (let i = 0; i < n; i++) for (let k = 1; k <= bw && i + k < n; k++) known.push(values[i * (bw + 1) + k]);
  known.sort((a, b) => a - b);
  const sigma2 = Math.max(1e-9, known.length ? known[known.length >> 1] : 1);
  for (let i = 0; i < n; i++) {
    values[i * (bw + 1)] = 1;
    for (let k = 1; k <= bw && i + k < n; k++) values[i * (bw + 1) + k] = Math.exp(-values[i * (bw + 1) + k] / (2 * sigma2));
  }
  return { n, bandwidth: bw, values };
}

/**
 * Foote's novelty: at each frame t the checkerboard kernel over frames [t − w, t + w) (the past
 * t − w … t − 1, the future t … t + w − 1), Gaussian-tapered (σ = w/2). Written as block means —
 * (mean similarity within the past + within the future) / 2 − mean similarity across — each a
 * taper-weighted mean over the known off-diagonal entries, which is the kernel's correlation
 * with S up to scale, but stays comparable where the kernel hangs over the matrix's ends (the
 * diagonal's 1s would otherwise dominate a short past). It is then shrunk by the square root of
 * the smaller half's known share of its taper weight, so the first and last frames, with little
 * past or future, need a clearer change. Give the matrix a bandwidth ≥ 2·halfWidthFrames − 1.
 */
export function checkerboardNovelty(ssm: BandedSimilarity, halfWidthFrames: number): Float32Array {
  const n = ssm.n;
  const w = Math.max(1, Math.round(halfWidthFrames));
  const sigma = w / 2;
  const taper = new Float32Array(2 * w);
  let half = 0;
  for (let k = 0; k < 2 * w; k++) {
    const u = k - w + 0.5;
    taper[k] = Math.exp(-(u * u) / (2 * sigma * sigma));
    if (k < w) half += taper[k];
  }
  const out = new Float32Array(n);
  for (let t = 1; t < n; t++) {
    let within = 0;
    let withinW = 0;
    let across = 0;
    let acrossW = 0;
    let pastW = 0;
    let futureW = 0;
    for (let a = 0; a < 2 * w; a++) {
      const i = t - w + a;
      if (i < 0 || i >= n) continue;
      if (a < w) pastW += taper[a];
      else futureW += taper[a];
      for (let b = a + 1; b < 2 * w; b++) {
        const v = similarityAt(ssm, i, t - w + b);
        if (v === undefined) continue;
        const k = taper[a] * taper[b];
        if (a < w === b < w) {
          within += k * v;
          withinW += k;
        } else {
          across += k * v;
          acrossW += k;
        }
      }
    }
    if (acrossW === 0) continue;
    // a half of one frame has no within-pairs: it is as self-similar as can be (1)
    const inside = withinW > 0 ? within / withinW : 1;
    const confidence = Math.sqrt(Math.min(pastW, futureW) / half);
    out[t] = Math.max(0, inside - across / acrossW) * confidence;
  }
  return out;
}

/**
 * Indices of local maxima of `x` with value ≥ `threshold`, at least `minDistanceFrames` frames apart:
 * taken strongest first, a peak within `minDistanceFrames` of an already taken one is dropped. Sorted.
 */
export function pickPeaks(x: ArrayLike<number>, threshold: number, minDistanceFrames: number): number[] {
  const cand: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < threshold) continue;
    if (i > 0 && x[i - 1] > v) continue;
    if (i + 1 < x.length && x[i + 1] > v) continue;
    // a plateau counts once, at its first frame
    if (i > 0 && x[i - 1] === v) continue;
    cand.push(i);
  }
  cand.sort((a, b) => x[b] - x[a] || a - b);
  const taken: number[] = [];
  for (const i of cand) if (taken.every((j) => Math.abs(i - j) >= minDistanceFrames)) taken.push(i);
  return taken.sort((a, b) => a - b);
}

/** Centred moving average of frame-major features over `widthFrames` frames (shorter at the ends). */
export function smoothFrames(x: Float32Array, dims: number, widthFrames: number): Float32Array {
  const n = Math.floor(x.length / dims);
  const w = Math.max(1, Math.round(widthFrames));
  if (w === 1) return x.slice(0, n * dims);
  const lo = Math.floor((w - 1) / 2);
  const out = new Float32Array(n * dims);
  for (let d = 0; d < dims; d++) {
    const prefix = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + x[i * dims + d];
    for (let i = 0; i < n; i++) {
      const a = Math.max(0, i - lo);
      const b = Math.min(n, i - lo + w);
      out[i * dims + d] = (prefix[b] - prefix[a]) / (b - a);
    }
  }
  return out;
}
