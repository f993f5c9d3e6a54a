/**
 * Beat tracking with the beat-state-space hidden Markov model of
 *
 *   F. Krebs, S. Böck, G. Widmer, "An efficient state-space model for joint tempo and meter
 *   tracking", ISMIR 2015 — as used by madmom's DBNBeatTrackingProcessor (Böck, Krebs & Widmer,
 *   "A multi-model approach to beat tracking considering heterogeneous music styles", ISMIR 2014),
 *
 * decoded with Viterbi. The hidden state is (beat interval τ in frames, phase φ = frames since
 * the last beat, 0 ≤ φ < τ). Within a beat the phase advances deterministically; only at the end
 * of a beat (φ = τ − 1 → 0) may the interval change, with probability ∝ exp(−λ·|τ'/τ − 1|)
 * (madmom's transition_lambda). The observation is the beat activation a ∈ [0, 1]: states in the
 * first 1/λ_obs of a beat emit a, the others (1 − a)/(λ_obs − 1) (madmom's observation_lambda).
 *
 * Efficient exact decoding: because the phase advance is deterministic, each interval's phase
 * scores live in a ring buffer whose head moves by one per frame (no copying), an observation
 * touches only the few "beat" states, and a back-pointer is needed only where a path may switch
 * interval — at phase 0. Cost per frame O(#intervals × transition width); memory one byte per
 * (frame, interval) — 60 intervals × 86 frames/s ≈ 18 MB for a 60-minute file.
 */

export interface BeatTrackerOptions {
  framesPerSecond: number;
  minBpm: number;
  maxBpm: number;
  /** Number of tempo states (log-spaced intervals; duplicates after rounding are merged). */
  numTempi: number;
  /** madmom transition_lambda: higher keeps the tempo steadier. */
  transitionLambda: number;
  /** madmom observation_lambda: the first 1/λ of each beat interval are "beat" states. */
  observationLambda: number;
  /** Optional log-prior per tempo state, added when a beat starts at that interval (bpm → log p). */
  tempoPrior?: (bpm: number) => number;
}

export interface TrackedBeats {
  /** Beat frames (refined to the activation peak within the beat states). */
  frames: Int32Array;
  /** The interval (frames) of the beat starting at each beat frame. */
  intervals: Float64Array;
  /** Path log-probability per frame, relative to the best alternative: not used for decisions. */
  logProb: number;
}

export function beatIntervals(o: BeatTrackerOptions): Int32Array {
  const minI = (60 * o.framesPerSecond) / o.maxBpm;
  const maxI = (60 * o.framesPerSecond) / o.minBpm;
  const set = new Set<number>();
  const n = Math.max(2, o.numTempi);
  for (let i = 0; i < n; i++) {
    set.add(Math.round(minI * (maxI / minI) ** (i / (n - 1))));
  }
  return Int32Array.from([...set].filter((x) => x >= 2).sort((a, b) => a - b));
}

/** Viterbi decoding of the beat-state-space HMM over `activation` (values in [0, 1]). */
export function trackBeats(activation: Float32Array, o: BeatTrackerOptions): TrackedBeats {
  const n = activation.length;
  const iv = beatIntervals(o);
  const T = iv.length;
  if (n === 0 || T === 0) return { frames: new Int32Array(0), intervals: new Float64Array(0), logProb: 0 };
  // ring buffers of phase scores, one per interval, packed
  const off = new Int32Array(T + 1);
  for (let j = 0; j < T; j++) off[j + 1] = off[j] + iv[j];
  const score = new Float64Array(off[T]);
  const head = new Int32Array(T); // ring index of phase 0
  const beatStates = new Int32Array(T);
  for (let j = 0; j < T; j++) beatStates[j] = Math.max(1, Math.round(iv[j] / o.observationLambda));
  // transition log-probabilities between intervals (row: from, sparse band: to within ±width)
  const lam = o.transitionLambda;
  const trans = new Float64Array(T * T).fill(Number.NEGATIVE_INFINITY);
  const lo = new Int32Array(T);
  const hi = new Int32Array(T);
  for (let a = 0; a < T; a++) {
    let z = 0;
    for (let b = 0; b < T; b++) z += Math.exp(-lam * Math.abs(iv[b] / iv[a] - 1));
    lo[a] = T;
    hi[a] = -1;
    for (let b = 0; b < T; b++) {
      const p = Math.exp(-lam * Math.abs(iv[b] / iv[a] - 1)) / z;
      // interval changes costing more than e^−16 against staying are left out: a tempo jump of
      // over 16 % in one beat (λ = 100) never wins, and the band (the work per frame) halves
      if (p * z > Math.exp(-16)) {
        trans[a * T + b] = Math.log(p);
        if (b < lo[a]) lo[a] = b;
        if (b > hi[a]) hi[a] = b;
      }
    }
  }
  // sources of each target interval: the a whose band reaches b
  const srcLo = new Int32Array(T).fill(T);
  const srcHi = new Int32Array(T).fill(-1);
  for (let a = 0; a < T; a++) {
    for (let b = lo[a]; b <= hi[a]; b++) {
      if (a < srcLo[b]) srcLo[b] = a;
      if (a > srcHi[b]) srcHi[b] = a;
    }
  }
  const prior = new Float64Array(T);
  if (o.tempoPrior) for (let j = 0; j < T; j++) prior[j] = o.tempoPrior((60 * o.framesPerSecond) / iv[j]);
  // initial: uniform over all states
  const back = new Uint8Array(n * T); // interval index the beat starting at (frame, j) came from
  const ends = new Float64Array(T); // scores of phase τ−1 from the previous frame
  const eps = 0.01;
  const ol = o.observationLambda;
  for (let t = 0; t < n; t++) {
    const a = activation[t];
    const obsBeat = Math.log(a + eps);
    const obsNon = Math.log((1 - a) / (ol - 1) + eps);
    const gain = obsBeat - obsNon;
    if (t > 0) {
      // advance every ring by one phase: the old phase τ−1 slot becomes the new phase 0
      for (let j = 0; j < T; j++) {
        let h = head[j] - 1;
        if (h < 0) h += iv[j];
        head[j] = h;
        ends[j] = score[off[j] + h];
      }
      for (let b = 0; b < T; b++) {
        let best = Number.NEGATIVE_INFINITY;
        let arg = b;
        // sources a whose band reaches b
        for (let a2 = srcLo[b]; a2 <= srcHi[b]; a2++) {
          const s = ends[a2] + trans[a2 * T + b];
          if (s > best) {
            best = s;
            arg = a2;
          }
        }
        score[off[b] + head[b]] = best + prior[b];
        back[t * T + b] = arg;
      }
    } else {
      for (let b = 0; b < T; b++) back[b] = b;
    }
    // observation: constant obsNon everywhere (dropped), plus the gain on beat states
    for (let j = 0; j < T; j++) {
      const len = iv[j];
      let p = off[j] + head[j];
      const end = off[j] + len;
      for (let k = 0; k < beatStates[j]; k++) {
        score[p] += gain;
        if (++p === end) p = off[j];
      }
    }
    // keep the numbers small: subtract the best score now and then
    if ((t & 1023) === 1023) {
      let m = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < score.length; i++) if (score[i] > m) m = score[i];
      for (let i = 0; i < score.length; i++) score[i] -= m;
    }
  }
  // best final state
  let bestJ = 0;
  let bestPhase = 0;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < T; j++) {
    for (let ph = 0; ph < iv[j]; ph++) {
      let idx = head[j] + ph;
      if (idx >= iv[j]) idx -= iv[j];
      const s = score[off[j] + idx];
      if (s > bestScore) {
        bestScore = s;
        bestJ = j;
        bestPhase = ph;
      }
    }
  }
  // traceback, beat by beat
  const beats: number[] = [];
  const ints: number[] = [];
  let t = n - 1 - bestPhase;
  let j = bestJ;
  while (t >= 0) {
    beats.push(t);
    ints.push(iv[j]);
    if (t === 0) break;
    const from = back[t * T + j];
    j = from;
    t -= iv[j];
  }
  beats.reverse();
  ints.reverse();
  // correct: move each beat to the activation peak inside its beat-state window (madmom correct=True)
  const frames = new Int32Array(beats.length);
  for (let i = 0; i < beats.length; i++) {
    const b = beats[i];
    const w = Math.max(1, Math.round(ints[i] / ol));
    let bi = b;
    for (let k = b; k < Math.min(n, b + w); k++) if (activation[k] > activation[bi]) bi = k;
    frames[i] = bi;
  }
  return { frames, intervals: Float64Array.from(ints), logProb: bestScore };
}
