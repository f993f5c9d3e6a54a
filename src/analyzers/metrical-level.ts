/**
 * Metrical level: of two tempo readings an octave apart (slow S, fast F = 2S), which one is the
 * beat? The periodicity of the onsets cannot tell — every pulse at S is also one at F — so the
 * decision uses how the fast grid's two phases differ, the cues of Goto's hierarchical beat
 * tracker (M. Goto, "An audio-based real-time beat tracking system for music with or without
 * drum-sounds", JNMR 30(2), 2001): where the bass and the chords change (at beats more than
 * between them), and where kick and snare fall (kick and snare alternating on the fast grid is a
 * backbeat: F is the beat; everything accented on one phase means F's other phase is the
 * off-beat: S is the beat). With the tempo itself (slow readings are rarer, Moelants & McKinney
 * 2004) the features feed a logistic model — the "learned prior over tempo octaves" of
 * Schreiber & Müller ("A post-processing procedure for improving music tempo estimates using
 * supervised learning", ISMIR 2017) reduced to one decision with a handful of weights, fitted
 * by scripts/lab.ts `fit-level` on development data only (corpus-dev, POP909 half A, the
 * generated corpus's half A; docs/accuracy.md).
 *
 * The harmonic rhythm separates slow piano pop from its doubled reading, where the onsets cannot:
 * chords change about once a bar or half bar, so on the grid of a doubled 64 BPM ballad they
 * change every 8 fast beats, not every beat. Measured as the pitch-class change between 8-beat
 * blocks over that between single beats — the bar level of Klapuri, Eronen & Astola's joint
 * tatum/tactus/measure model ("Analysis of the meter of acoustic musical signals", IEEE TASLP
 * 14(1), 2006), where chord changes weigh for the measure, and Goto's chord-change cue one level up.
 */
import type { BarPitchStream } from "../features/bar-pitch.js";
import type { OnsetStream } from "../features/onset.js";
import { beatFeatures, beatPitchProfiles } from "./meter.js";
import { interp, lagCorrelation } from "../dsp/series.js";
import { salienceAt, type TempoSalience } from "./tempo.js";

/** The features of one octave pair, in LEVEL_WEIGHTS order (after the bias). */
export interface LevelFeatures {
  /** log2(slow BPM / 100). */
  slowOctave: number;
  /** Phase contrasts on the fast grid, −1..1 (see phaseContrasts). */
  low: number;
  mid: number;
  high: number;
  change: number;
  /** log of the onset periodicity at S over that at F (0 when either is missing). */
  salienceRatio: number;
  /** Onset autocorrelation at half and a quarter of F's period (subdivisions of the fast beat). */
  eighths: number;
  sixteenths: number;
  /** The same for the high band alone (hi-hats, cymbals, the brightness of attacks). */
  highEighths: number;
  highSixteenths: number;
  /** Onset autocorrelation at a third of F's period (triplets, swing) over that at a half. */
  triplets: number;
  /** log of the harmonic change between 8-beat blocks of the fast grid over that between beats (see harmonicRhythm). */
  harmonicRhythm: number;
}

export const LEVEL_FEATURES = ["slowOctave", "low", "mid", "high", "change", "salienceRatio", "eighths", "sixteenths", "highEighths", "highSixteenths", "triplets", "harmonicRhythm"] as const satisfies readonly (keyof LevelFeatures)[];

/**
 * Phase contrasts of a fast beat grid: with the "strong" phase chosen as the one where low
 * onsets and harmonic change are larger, (strong − weak)/(strong + weak) of each feature averaged
 * over every other beat. A slow beat whose off-beats the grid also tracks gives large positive
 * contrasts in every band; a backbeat (kick on one phase, snare on the other) a negative mid one.
 */
export function levelFeatures(onset: OnsetStream, fastBeats: number[], barPitch: BarPitchStream | undefined, ts: TempoSalience, slowBpm: number): LevelFeatures | null {
  const n = fastBeats.length;
  if (n < 8) return null;
  const f = beatFeatures(onset, fastBeats, barPitch);
  const mean = (x: Float64Array, phase: number) => {
    let s = 0;
    let c = 0;
    for (let i = phase; i < n; i += 2) {
      s += x[i];
      c++;
    }
    return s / c;
  };
  const share = (x: Float64Array, phase: number) => mean(x, phase) / (mean(x, 0) + mean(x, 1) + 1e-12);
  const strong = share(f.low, 0) + share(f.change, 0) >= share(f.low, 1) + share(f.change, 1) ? 0 : 1;
  const contrast = (x: Float64Array) => {
    const a = mean(x, strong);
    const b = mean(x, 1 - strong);
    return (a - b) / (a + b + 1e-12);
  };
  const fastPeriod = (30 * ts.framesPerSecond) / slowBpm;
  const sSlow = salienceAt(ts, slowBpm);
  const sFast = salienceAt(ts, 2 * slowBpm);
  return {
    slowOctave: Math.log2(slowBpm / 100),
    low: contrast(f.low),
    mid: contrast(f.mid),
    high: contrast(f.high),
    change: contrast(f.change),
    salienceRatio: sSlow > 0 && sFast > 0 ? Math.log(sSlow / sFast) : 0,
    eighths: acfPeak(ts, fastPeriod / 2),
    sixteenths: acfPeak(ts, fastPeriod / 4),
    highEighths: nearestLagCorrelation(onset.high, fastPeriod / 2),
    highSixteenths: nearestLagCorrelation(onset.high, fastPeriod / 4),
    triplets: acfPeak(ts, fastPeriod / 3) - acfPeak(ts, fastPeriod / 2),
    harmonicRhythm: barPitch ? harmonicRhythm(barPitch, fastBeats) : 0,
  };
}

/** Block lengths (beats) whose harmonic change harmonicRhythm compares: the bar of a doubled slow 4/4 over one beat. */
const BAR_BLOCK_BEATS = 8;
/** Keeps the ratio finite where a stream holds no pitch (silence, drums only). */
const CHANGE_FLOOR = 1e-3;

/**
 * log((change(8) + ε) / (change(1) + ε)), where change(L) is the mean cosine distance between the
 * pitch-class profiles of consecutive L-beat blocks of the grid, at the block phase where it is
 * largest. Positive when the harmony moves in blocks of 8 beats more than beat to beat (chords
 * held for a bar of a slow beat the grid has doubled), near 0 or below when it moves every beat.
 */
export function harmonicRhythm(barPitch: BarPitchStream, beats: number[]): number {
  const n = beats.length;
  if (n < 3 || !barPitch.blocksPerSecond) return 0;
  // one profile per beat (the last, extrapolated beat is not used); a block's is the sum of its beats'
  const prof = beatPitchProfiles(barPitch.pitch, barPitch.blocksPerSecond, beats);
  const block = (i: number, L: number, out: Float64Array) => {
    out.fill(0);
    for (let j = i; j < i + L; j++) for (let k = 0; k < 12; k++) out[k] += prof[j * 12 + k];
  };
  const a = new Float64Array(12);
  const b = new Float64Array(12);
  const change = (L: number) => {
    let best = 0;
    for (let phase = 0; phase < L; phase++) {
      let sum = 0;
      let count = 0;
      for (let i = phase; i + 2 * L < n; i += L) {
        block(i, L, a);
        block(i + L, L, b);
        let dot = 0;
        let na = 0;
        let nb2 = 0;
        for (let k = 0; k < 12; k++) {
          dot += a[k] * b[k];
          na += a[k] * a[k];
          nb2 += b[k] * b[k];
        }
        sum += 1 - dot / Math.sqrt(na * nb2 + 1e-12);
        count++;
      }
      if (count > 0) best = Math.max(best, sum / count);
    }
    return best;
  };
  return Math.log((change(BAR_BLOCK_BEATS) + CHANGE_FLOOR) / (change(1) + CHANGE_FLOOR));
}

/**
 * A fitted metrical-level model: weights [bias, ...LEVEL_FEATURES, slowOctave²] (L2 0.4, chosen
 * by cross-validation) and the probability above which the slow reading is taken — the threshold
 * (of 0.50, 0.55, … 0.90) with the best mean tempo Acc1 over the development parts, each part
 * weighted equally, among those that keep corpus-dev's Acc1 at its best. Both
 * come from scripts/lab.ts fit-level, run on the beat activation the model is used with: the
 * features depend on the beat grid, and so on the activation that grid was decoded from.
 */
export interface LevelModel {
  weights: readonly number[];
  threshold: number;
}

/** Fitted on the spectral-flux activation (beat-activation.ts). */
export const SPECTRAL_FLUX_LEVEL: LevelModel = {
  weights: [-0.935, -1.19, 1.098, 2.607, 2.469, -2.564, 0.448, -0.887, -1.143, -0.522, -5.457, 0.482, 1.856, -2.844],
  threshold: 0.5,
};
/** Fitted on the learned activation "tcn" (beat-activation-tcn.ts). */
export const TCN_LEVEL: LevelModel = {
  weights: [-1.385, -1.057, 0.829, 3.023, 2.168, -1.876, 0.327, -0.719, -1.354, -0.342, -5.888, 0.358, 1.711, -2.793],
  threshold: 0.5,
};

/** Probability that the slow reading is the beat, given the weights [bias, ...LEVEL_FEATURES]. */
export function slowLevelProbability(x: LevelFeatures, weights: readonly number[]): number {
  let z = weights[0];
  LEVEL_FEATURES.forEach((k, i) => {
    z += weights[i + 1] * x[k];
  });
  z += weights[LEVEL_FEATURES.length + 1] * x.slowOctave ** 2;
  return 1 / (1 + Math.exp(-z));
}

/** Largest normalised autocorrelation within half a frame of lag x. */
function acfPeak(ts: TempoSalience, x: number): number {
  return Math.max(interp(ts.acf, x - 0.5), interp(ts.acf, x), interp(ts.acf, x + 0.5));
}

/** Normalised autocorrelation at a fractional lag: the larger at the two nearest whole lags. */
function nearestLagCorrelation(x: Float32Array, lag: number): number {
  return Math.max(lagCorrelation(x, Math.floor(lag)), lagCorrelation(x, Math.ceil(lag)));
}
