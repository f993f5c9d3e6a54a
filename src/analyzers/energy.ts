/**
 * Energy, 0..1: how loud, dense, compressed, bright and noisy a track is — the perceptual
 * "intensity and activity" that Spotify's audio features described (loud, fast, noisy tracks
 * high; a quiet solo piano low). With clip(x) = min(max(x, 0), 1):
 *
 *   L  = clip((integrated LUFS + 30) / 22)          loudness: −30 LUFS → 0, −8 LUFS → 1
 *   C  = 1 − clip((dynamicComplexity − 3) / 9)      compression: ≤ 3 LU → 1, ≥ 12 LU → 0
 *   R  = 1 − exp(−onsetRate / 3)                    activity: 1/s → 0.28, 3/s → 0.63, 6/s → 0.86
 *   Br = clip((centroid − 500 Hz) / 2500 Hz)        brightness (mean spectral centroid)
 *   F  = clip(flatness / 0.15)                      noisiness (mean spectral flatness)
 *   energy = 0.35 L + 0.15 C + 0.20 R + 0.15 Br + 0.15 F
 *
 * Centroid and flatness are averaged over the timbre frames (features/timbre.ts) whose power is
 * within 30 dB of the track's 95th-percentile frame power, so fades and pauses do not count.
 */
import type { TimbreStream } from "../features/timbre.js";
import { clamp01 } from "../numbers.js";

export interface EnergyInputs {
  integratedLufs: number;
  dynamicComplexity: number;
  onsetRate: number;
  timbre: TimbreStream;
}

export interface EnergyParts {
  L: number;
  C: number;
  R: number;
  Br: number;
  F: number;
  centroidHz: number;
  flatness: number;
  energy: number;
}

const ACTIVE_RANGE_DB = 30;

/** Mean centroid and flatness over the active timbre frames. */
export function activeTimbre(t: TimbreStream): { centroidHz: number; flatness: number } {
  const n = t.power.length;
  if (n === 0) return { centroidHz: 0, flatness: 0 };
  const sorted = Float32Array.from(t.power).sort();
  const gate = sorted[Math.min(n - 1, Math.floor(0.95 * n))] * 10 ** (-ACTIVE_RANGE_DB / 10);
  let c = 0;
  let f = 0;
  let k = 0;
  for (let i = 0; i < n; i++) {
    if (t.power[i] <= 0 || t.power[i] < gate) continue;
    c += t.centroidHz[i];
    f += t.flatness[i];
    k++;
  }
  return k ? { centroidHz: c / k, flatness: f / k } : { centroidHz: 0, flatness: 0 };
}

export function energyScore(x: EnergyInputs): EnergyParts {
  const { centroidHz, flatness } = activeTimbre(x.timbre);
  const L = clamp01((x.integratedLufs + 30) / 22);
  const C = 1 - clamp01((x.dynamicComplexity - 3) / 9);
  const R = 1 - Math.exp(-x.onsetRate / 3);
  const Br = clamp01((centroidHz - 500) / 2500);
  const F = clamp01(flatness / 0.15);
  const energy = clamp01(0.35 * L + 0.15 * C + 0.2 * R + 0.15 * Br + 0.15 * F);
  return { L, C, R, Br, F, centroidHz, flatness, energy };
}
