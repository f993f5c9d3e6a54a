/**
 * The beat activation: a per-frame curve, 0..1, of how likely a beat is at each onset-stream
 * frame, with the flux it came from (for autocorrelation). Tempo, beats and bars read it through
 * the internal analyser "beat-activation"; this file's spectral-flux novelty is its default
 * provider, and another provider (a learned network) replaces it by name through
 * AnalyzeOptions.beatActivation (registry.ts, BEAT_ACTIVATIONS).
 */
import type { OnsetStream } from "../features/onset.js";
import { movingAverage, movingMax } from "../dsp/series.js";
import { defineInternal } from "./contract.js";
import { type LevelModel, SPECTRAL_FLUX_LEVEL } from "./metrical-level.js";
import { type PulseModel, SPECTRAL_FLUX_PULSE } from "./pulse-gate.js";
import { type PhaseModel, SPECTRAL_FLUX_PHASE } from "./beat-phase.js";

/** Ceiling of the activation: a certain onset is not a certain beat (keeps log(1 − a) finite). */
export const ACT_MAX = 0.9;

export interface Novelty {
  framesPerSecond: number;
  /** Onset novelty with the local mean removed, half-wave rectified (for autocorrelation). */
  flux: Float32Array;
  /** The same scaled to 0..1 by a slowly varying local maximum: a beat "activation" for the HMM. */
  activation: Float32Array;
  /** Per-frame downbeat activation, 0..1, where the provider estimates one (a learned network). */
  downbeat?: Float32Array;
  /** The metrical-level model fitted on this provider's activation (metrical-level.ts). */
  level: LevelModel;
  /** The pulse model (is there a beat at all) fitted on this provider's activation (pulse-gate.ts). */
  pulse: PulseModel;
  /** The beat-phase model (on the beat or half a beat off) fitted on this provider's grids (beat-phase.ts). */
  phase: PhaseModel;
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
  return { framesPerSecond: fps, flux, activation: scaledActivation(flux, fps), level: SPECTRAL_FLUX_LEVEL, pulse: SPECTRAL_FLUX_PULSE, phase: SPECTRAL_FLUX_PHASE };
}

/**
 * A beat activation from a novelty-like curve: scaled to 0..ACT_MAX by a local maximum over ~6 s,
 * floored at a tenth of the global maximum so that quiet passages are not blown up into confident
 * beats. Any provider's curve goes through it, so the pulse gates of rhythm.ts see the same scale.
 */
export function scaledActivation(flux: Float32Array, fps: number): Float32Array {
  const n = flux.length;
  const lm = movingAverage(movingMax(flux, Math.round(3 * fps) | 1), Math.round(6 * fps) | 1);
  let gmax = 0;
  for (let i = 0; i < n; i++) if (lm[i] > gmax) gmax = lm[i];
  const activation = new Float32Array(n);
  const floor = Math.max(gmax * 0.1, 1e-9);
  for (let i = 0; i < n; i++) {
    const a = flux[i] / Math.max(lm[i], floor);
    activation[i] = ACT_MAX * (a > 1 ? 1 : a);
  }
  return activation;
}


/**
 * The spectral-flux novelty of the onset stream (beatNovelty): the default beat activation, and
 * where the rhythm model reads the onsets' own evidence whatever the activation (the periodicity
 * cues of the metrical level, where the music starts and ends: rhythm.ts).
 */
export const onsetNovelty = defineInternal({
  name: "onset-novelty",
  streams: ["onset"],
  needs: {},
  run: ({ streams }) => beatNovelty(streams.onset),
});

/** The default beat activation: the onset novelty itself. */
export const spectralFluxActivation = defineInternal({
  name: "beat-activation",
  streams: [],
  needs: { onsets: onsetNovelty },
  run: ({ needs }) => needs.onsets,
});
