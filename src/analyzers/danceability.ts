/**
 * Danceability: the DFA value (Streich & Herrera 2005, as Essentia computes it: analyzers/dfa.ts)
 * and a 0..1 score that also asks for a clear, steady, strong pulse at a danceable tempo.
 *
 * The DFA value alone ranks white noise (≈ 2.2) above most dance music (1.0–1.5), because
 * uncorrelated level fluctuations give a low DFA exponent; the score therefore lets the value
 * only modulate pulse evidence. With clip(x) = min(max(x, 0), 1):
 *
 *   D  = clip((value − 0.9) / 0.8)                          DFA value, 0.9 → 0, 1.7 → 1
 *   P  = clip(pulseClarity / 0.8)                           pulse clarity (analyzers/pulse.ts)
 *   S  = P · stability                                      tempo stability, meaningless without a pulse:
 *          stability = clip((tempoStability − 0.6) / 0.4), averaged with
 *          clip(1 − (tempoCurve.spread / bpm − 0.02) / 0.08) when the beat tracker gave a tempo curve
 *   B  = tempo.confidence when the tempo analyser ran (0 when it found no tempo); P otherwise
 *   T  = exp(−½ (log₂(bpm / 120) / 0.7)²) for the tempo analyser's bpm (120 BPM → 1, 60/240 → 0.36);
 *        0 when it found no tempo; 0.5 when it did not run
 *   rhythm = 0.40 P + 0.20 S + 0.25 B + 0.15 T
 *   index  = rhythm · (0.7 + 0.3 · D · P)                   0..1, the raw danceability index
 *   score  = 1 / (1 + exp(−(index − 0.56) / 0.22))          0.07 (index 0) .. 0.88 (index 1)
 *
 * The logistic is a Platt calibration: a logistic regression of a danceable (1) / in between (½) /
 * not danceable (0) label on the index, fitted to corpus-dev (18 tracks, labelled by style) and 41
 * generated signals (four-on-the-floor grooves and loops 1, drifting / ramping / polyrhythmic /
 * slow or fast patterns ½, rubato piano, noise, pads, random clicks 0), so the score reads as
 * "the share of such material that is danceable", and it never reaches 0 or 1 (the old score was
 * the index itself, 1.0 on every clean generated groove). docs/audio-features.md has the data.
 *
 * Every rhythm input is optional: with no tempo/beat analyser in the run the score still comes
 * from the onset envelope alone (B = P, T = 0.5, no curve term).
 */
import type { Tempo, TempoCurve } from "../result.js";
import type { DfaResult } from "./dfa.js";
import type { Pulse } from "./pulse.js";
import { clamp01 } from "../numbers.js";

export interface DanceabilityParts {
  D: number;
  P: number;
  S: number;
  B: number;
  T: number;
  rhythm: number;
  /** rhythm · (0.7 + 0.3 · D · P), 0..1. */
  index: number;
  /** The calibrated score, SCORE_AT_0..SCORE_AT_1. */
  score: number;
}

/** Centre and scale of the logistic that maps the index to the score (Platt calibration). */
export const SCORE_CENTRE = 0.56;
export const SCORE_SCALE = 0.22;

/** The calibrated score of a raw danceability index (0..1). */
export function calibratedScore(index: number): number {
  return 1 / (1 + Math.exp(-(index - SCORE_CENTRE) / SCORE_SCALE));
}

/** The lowest and highest score the mapping can give (index 0 and 1): ≈ 0.07 and 0.88. */
export const SCORE_AT_0 = calibratedScore(0);
export const SCORE_AT_1 = calibratedScore(1);

export interface RhythmContext {
  /** undefined: the tempo analyser did not run; null: it ran and found no tempo. */
  tempo?: Tempo | null;
  tempoCurve?: TempoCurve | null;
}

export function tempoPreference(bpm: number): number {
  const octaves = Math.log2(bpm / 120) / 0.7;
  return Math.exp(-0.5 * octaves * octaves);
}

export function danceabilityScore(dfa: DfaResult, pulse: Pulse, rhythm: RhythmContext): DanceabilityParts {
  const D = clamp01((dfa.value - 0.9) / 0.8);
  const P = clamp01(pulse.clarity / 0.8);
  let stability = clamp01((pulse.stability - 0.6) / 0.4);
  const { tempo, tempoCurve } = rhythm;
  if (tempo && tempoCurve && tempoCurve.points.length >= 3) {
    stability = (stability + clamp01(1 - (tempoCurve.spread / tempo.bpm - 0.02) / 0.08)) / 2;
  }
  const S = P * stability;
  const B = tempo === undefined ? P : tempo ? clamp01(tempo.confidence) : 0;
  const T = tempo === undefined ? 0.5 : tempo ? tempoPreference(tempo.bpm) : 0;
  const r = 0.4 * P + 0.2 * S + 0.25 * B + 0.15 * T;
  const index = clamp01(r * (0.7 + 0.3 * D * P));
  return { D, P, S, B, T, rhythm: r, index, score: calibratedScore(index) };
}
