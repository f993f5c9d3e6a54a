/**
 * Dynamic complexity (S. Streich, "Music complexity: a multi-faceted description of audio
 * content", PhD thesis, UPF 2007; Essentia's `DynamicComplexity`): the average absolute deviation,
 * in dB (= LU), of the 200 ms loudness curve (features/levels.ts) from the track's loudness
 * estimate, where that estimate weights louder frames more:
 *
 *   L_i   frame levels, dB, with the leading and trailing silent frames (at the floor) removed
 *   u_i   = 0.9^(−L_i) / Σ_j 0.9^(−L_j)
 *   L     = Σ u_i L_i                         (the loudness estimate, dB)
 *   DC    = (1/n) Σ |L_i − L|                 (dynamic complexity, LU)
 *
 * A steadily compressed track scores ~1–3 LU, a classical recording with pianissimo and fortissimo
 * passages 6–15 LU. Returns null for silence.
 */
import { SILENCE_DB } from "../features/levels.js";

export interface DynamicComplexity {
  /** LU. */
  complexity: number;
  /** The loudness estimate L, dB (relative to full scale, B-weighted; not LUFS). */
  loudnessDb: number;
}


export function dynamicComplexity(levelsDb: Float32Array): DynamicComplexity | null {
  let begin = 0;
  let end = levelsDb.length;
  while (begin < end && levelsDb[begin] <= SILENCE_DB) begin++;
  while (end > begin && levelsDb[end - 1] <= SILENCE_DB) end--;
  const n = end - begin;
  if (n === 0) return null;
  // 0.9^(−L) = exp(−L·ln 0.9); scaled by the loudest frame's weight so nothing overflows
  const k = -Math.log(0.9);
  let max = Number.NEGATIVE_INFINITY;
  for (let i = begin; i < end; i++) if (levelsDb[i] > max) max = levelsDb[i];
  let sw = 0;
  let swl = 0;
  for (let i = begin; i < end; i++) {
    const w = Math.exp(k * (levelsDb[i] - max));
    sw += w;
    swl += w * levelsDb[i];
  }
  const loudnessDb = swl / sw;
  let dev = 0;
  for (let i = begin; i < end; i++) dev += Math.abs(levelsDb[i] - loudnessDb);
  return { complexity: dev / n, loudnessDb };
}
