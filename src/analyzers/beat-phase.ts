/**
 * Beat phase: is the tracked grid on the beat, or on the off-beat half a beat away? The beat
 * tracker follows the strongest onsets, and in syncopated music they fall between the beats —
 * reggae's skank, a drum machine's open hi-hat on every "and", bossa nova's anticipations — so it
 * can lock onto the off-beats at the right tempo (AMLt near 1, beat F near 0). The cues that say
 * which phase is the beat are those of Goto's beat tracker (M. Goto, "An audio-based real-time
 * beat tracking system for music with or without drum-sounds", JNMR 30(2), 2001): chords and bass
 * notes change on beats, not between them, and the kick falls on beats; the hi-hat fills the
 * off-beats. Each cue is measured as the contrast between the grid's beats and the midpoints
 * between them, and a logistic model over the contrasts gives the probability that the midpoints
 * are the beat. It is fitted (scripts/lab.ts `fit-phase`, docs/accuracy.md) on development data
 * only, symmetrically — every correctly tracked track gives its grid as an on-beat example and its
 * midpoints as an off-beat one — so it learns which phase is the beat, not how often the tracker
 * errs; the threshold, chosen on out-of-fold probabilities of the same data, carries the
 * tracker's prior (it rarely errs, so the cues must be clear).
 */
import type { BarPitchStream } from "../features/bar-pitch.js";
import type { OnsetStream } from "../features/onset.js";
import { beatFeatures } from "./meter.js";

/** The contrasts, in PHASE_FEATURES order: log((on + ε)/(off + ε)) of each cue. */
export interface PhaseFeatures {
  low: number;
  mid: number;
  high: number;
  /** Pitch-class change entering each half-beat, at the beats against at the midpoints. */
  change: number;
}

export const PHASE_FEATURES = ["low", "mid", "high", "change"] as const satisfies readonly (keyof PhaseFeatures)[];

export interface PhaseModel {
  /** One weight per PHASE_FEATURES entry (no bias: the model is symmetric in the two phases). */
  weights: readonly number[];
  /** The grid moves by half a beat when the probability that its midpoints are the beat is above this. */
  threshold: number;
}

/**
 * Fitted on the spectral-flux activation's grids (beat-activation.ts): L2 1; threshold 0.6, the
 * best cross-validated mean beat F over the development parts that keeps corpus-dev's (0.5 moved
 * a corpus-dev track wrongly out of fold).
 */
export const SPECTRAL_FLUX_PHASE: PhaseModel = { weights: [1.183, 2.351, 2.036, 2.314], threshold: 0.6 };
/**
 * Fitted on the learned activation "tcn"'s grids (beat-activation-tcn.ts): the network tracked no
 * development track off the beat, and every threshold below 1 moved right grids out of fold, so
 * it never moves them.
 */
export const TCN_PHASE: PhaseModel = { weights: [1.358, 2.502, 2.168, 2.407], threshold: 1 };

/**
 * The contrasts between times `on` and `off`, which interleave (on[i] < off[i] < on[i + 1]):
 * positive where the cue is stronger at `on`. The cues are meter.ts's beat features read on the
 * half-beat grid.
 */
export function phaseContrasts(onset: OnsetStream, barPitch: BarPitchStream | undefined, on: readonly number[], off: readonly number[]): PhaseFeatures {
  const halves: number[] = [];
  for (let i = 0; i < on.length; i++) halves.push(on[i], off[i]);
  const f = beatFeatures(onset, halves, barPitch);
  // mean at the on (even) and off (odd) half-beats; the first has no change into it
  const contrast = (x: Float64Array, from: number) => {
    let a = 0;
    let b = 0;
    for (let j = from; j < x.length; j++) {
      if (j % 2 === 0) a += x[j];
      else b += x[j];
    }
    const m = 1e-3 * (a + b) + 1e-12;
    return Math.log((a + m) / (b + m));
  };
  return { low: contrast(f.low, 0), mid: contrast(f.mid, 0), high: contrast(f.high, 0), change: barPitch ? contrast(f.change, 1) : 0 };
}

/** The midpoints between consecutive beats (times, seconds). */
export function midpoints(beats: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < beats.length; i++) out.push((beats[i] + beats[i + 1]) / 2);
  return out;
}

/**
 * The grid moved half a beat: the midpoints, with one more beat at each end half an interval
 * outside the grid (the caller keeps those inside the music), so no beat is lost in the move.
 */
export function shiftedHalfBeat(beats: readonly number[]): number[] {
  const n = beats.length;
  if (n < 2) return [...beats];
  return [beats[0] - (beats[1] - beats[0]) / 2, ...midpoints(beats), beats[n - 1] + (beats[n - 1] - beats[n - 2]) / 2];
}

/** The contrasts of a grid: its beats against the midpoints after them. */
export function phaseFeatures(onset: OnsetStream, barPitch: BarPitchStream | undefined, beats: readonly number[]): PhaseFeatures {
  return phaseContrasts(onset, barPitch, beats.slice(0, -1), midpoints(beats));
}

/** Probability that the midpoints of the grid, not its beats, are the beat. */
export function offBeatProbability(x: PhaseFeatures, model: PhaseModel): number {
  let z = 0;
  PHASE_FEATURES.forEach((k, j) => {
    z -= model.weights[j] * x[k];
  });
  return 1 / (1 + Math.exp(-z));
}
