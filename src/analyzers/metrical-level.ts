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
 */
import type { BarPitchStream } from "../features/bar-pitch.js";
import type { OnsetStream } from "../features/onset.js";
import { beatFeatures } from "./meter.js";
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
}

export const LEVEL_FEATURES = ["slowOctave", "low", "mid", "high", "change", "salienceRatio", "eighths", "sixteenths", "highEighths", "highSixteenths", "triplets"] as const satisfies readonly (keyof LevelFeatures)[];

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
  };
}

/**
 * A fitted metrical-level model: weights [bias, ...LEVEL_FEATURES, slowOctave²] and the
 * probability above which the slow reading is taken — the threshold (of 0.50, 0.55, … 0.90)
 * with the best mean tempo Acc1 over the development parts, each part weighted equally. Both
 * come from scripts/lab.ts fit-level, run on the beat activation the model is used with: the
 * features depend on the beat grid, and so on the activation that grid was decoded from.
 */
export interface LevelModel {
  weights: readonly number[];
  threshold: number;
}

/** Fitted on the spectral-flux activation (beat-activation.ts). */
export const SPECTRAL_FLUX_LEVEL: LevelModel = {
  weights: [-0.71, -0.383, 0.925, 1.526, 1.808, -0.625, 0.591, -0.65, -0.577, -0.684, -2.801, 0.395, -2.017],
  threshold: 0.55,
};
/** Fitted on the learned activation "tcn" (beat-activation-tcn.ts). */
export const TCN_LEVEL: LevelModel = {
  weights: [-1.115, -0.311, -0.011, 2.009, 1.861, -0.221, 0.617, -0.422, -0.723, -0.426, -2.961, 0.39, -1.644],
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
