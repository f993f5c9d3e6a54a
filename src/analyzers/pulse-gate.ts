/**
 * Is there a beat at all? A logistic model over five descriptors of the onsets and of the beat
 * grid the tracker found, fitted (scripts/lab.ts `fit-pulse`, docs/accuracy.md) on development
 * data only: the A halves of POP909 and the generated corpus and corpus-dev as tracks with a
 * pulse, the generated beatless corpus's half A (scripts/gen-beatless.ts: pads, drones, Poisson
 * textures, free-time runs, noise) and corpus-dev's ambient track as tracks without.
 *
 * It replaced three fixed thresholds (onset periodicity ≥ 0.2, grid alignment ≥ 0.12, their
 * product ≥ 0.12) that one ambient track had decided and that refused music whose tempo moves:
 * legato chorales, string pieces and études with rubato, whose onsets repeat too loosely for an
 * autocorrelation but which the beat tracker follows (beat F 0.84–1.00 on 11 of the 16 generated
 * half-A pieces they refused). The descriptors: how much more beat activation the tracked beats
 * catch than a random grid would (alignment), whether consecutive inter-onset intervals stand in
 * simple ratios (ioiRegularity, pulse.ts), how many onsets there are (onsetRate), and the windowed
 * autocorrelation's pulse clarity and tempo stability (Lartillot et al., ISMIR 2008; pulse.ts).
 */
import type { OnsetPulse } from "./pulse.js";

/** The descriptors, in PULSE_FEATURES order. */
export interface PulseFeatures {
  /** (activation at the beats − mean activation) / (1 − mean), of the beat activation the grid was tracked on. */
  alignment: number;
  ioiRegularity: number;
  /** log(onsets per second + 0.05). */
  logOnsetRate: number;
  clarity: number;
  stability: number;
}

export const PULSE_FEATURES = ["alignment", "ioiRegularity", "logOnsetRate", "clarity", "stability"] as const satisfies readonly (keyof PulseFeatures)[];

export interface PulseModel {
  /** Bias, then one weight per PULSE_FEATURES entry (raw feature units). */
  weights: readonly number[];
  /** A pulse when the probability is above this. */
  threshold: number;
}

/**
 * Each beat activation carries its own model (Novelty.pulse), as its metrical-level model: the
 * alignment is measured on that activation. Fitted by `scripts/lab.ts fit-pulse [--model neural]`
 * (L2 = 10 on standardised features; threshold the best of 0.3–0.7; docs/accuracy.md).
 */
export const SPECTRAL_FLUX_PULSE: PulseModel = {
  weights: [-6.316, 6.357, 3.033, 1.719, 2.229, 2.33],
  threshold: 0.5,
};
export const TCN_PULSE: PulseModel = {
  weights: [-6.243, 8.974, 1.768, 1.29, 2.016, 2.125],
  threshold: 0.6,
};

/** The descriptors of the onsets and of a tracked beat grid (beat frames of the beat activation). */
export function pulseFeatures(onsets: OnsetPulse, activation: Float32Array, beatFrames: ArrayLike<number>): PulseFeatures {
  const n = activation.length;
  let meanAct = 0;
  for (let i = 0; i < n; i++) meanAct += activation[i];
  meanAct /= n || 1;
  let beatAct = 0;
  for (let i = 0; i < beatFrames.length; i++) beatAct += activation[beatFrames[i]];
  beatAct /= beatFrames.length || 1;
  const p = onsets.pulse();
  return {
    alignment: (beatAct - meanAct) / Math.max(1e-9, 1 - meanAct),
    ioiRegularity: onsets.ioiRegularity(),
    logOnsetRate: Math.log(onsets.onsetRate() + 0.05),
    clarity: p.clarity,
    stability: p.stability,
  };
}

/** Probability that the audio has a beat, 0..1. */
export function pulseProbability(f: PulseFeatures, model: PulseModel): number {
  let z = model.weights[0];
  PULSE_FEATURES.forEach((k, j) => {
    z += model.weights[j + 1] * f[k];
  });
  return 1 / (1 + Math.exp(-z));
}
