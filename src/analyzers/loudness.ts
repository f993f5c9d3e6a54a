/**
 * Loudness from the meter's 100 ms sub-block powers (pure; no audio):
 *  - integrated loudness, ITU-R BS.1770-4: 400 ms blocks overlapping by 75 % (4 sub-blocks,
 *    stepped by one), absolute gate −70 LUFS, relative gate −10 LU below the mean of the blocks
 *    that pass the absolute gate;
 *  - loudness range, EBU Tech 3342: 3 s short-term windows stepped by 100 ms, absolute gate
 *    −70 LUFS, relative gate −20 LU, LRA = 95th − 10th percentile of what remains;
 *  - true peak in dBTP.
 */
import type { LoudnessBlocks } from "../features/loudness-meter.js";
import type { Loudness } from "../result.js";

const ABSOLUTE_GATE_LUFS = -70;
const INTEGRATED_RELATIVE_GATE_LU = -10;
const RANGE_RELATIVE_GATE_LU = -20;

/** BS.1770 loudness of a channel-weighted mean square. */
export const lufs = (power: number): number => -0.691 + 10 * Math.log10(power);
const powerOf = (lu: number) => 10 ** ((lu + 0.691) / 10);

/** Mean power of each window of `size` consecutive sub-blocks, stepped by one sub-block. */
export function windowPowers(sub: Float64Array, size: number): Float64Array {
  const n = sub.length - size + 1;
  if (n <= 0) return new Float64Array(0);
  const out = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < size; i++) sum += sub[i];
  out[0] = sum / size;
  for (let i = 1; i < n; i++) {
    sum += sub[i + size - 1] - sub[i - 1];
    out[i] = Math.max(0, sum / size);
  }
  return out;
}

/** Powers passing the absolute gate and then the gate `relativeLu` below their mean. */
function gated(powers: Float64Array, relativeLu: number): number[] {
  const absGate = powerOf(ABSOLUTE_GATE_LUFS);
  const loud = Array.from(powers).filter((p) => p > absGate);
  if (loud.length === 0) return [];
  const mean = loud.reduce((s, p) => s + p, 0) / loud.length;
  const relGate = mean * 10 ** (relativeLu / 10);
  return loud.filter((p) => p > relGate);
}

export function integratedLoudness(sub: Float64Array): number | null {
  const kept = gated(windowPowers(sub, 4), INTEGRATED_RELATIVE_GATE_LU);
  if (kept.length === 0) return null;
  return lufs(kept.reduce((s, p) => s + p, 0) / kept.length);
}

export function loudnessRange(sub: Float64Array): number | null {
  const kept = gated(windowPowers(sub, 30), RANGE_RELATIVE_GATE_LU)
    .map(lufs)
    .sort((a, b) => a - b);
  if (kept.length === 0) return null;
  // percentiles as libebur128 takes them: nearest rank of (n − 1)·p
  const at = (p: number) => kept[Math.round((kept.length - 1) * p)];
  return at(0.95) - at(0.1);
}

const round = (x: number | null, digits = 2) => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export function loudness(blocks: LoudnessBlocks): Loudness {
  const integrated = integratedLoudness(blocks.subBlockPower);
  return {
    integrated: round(integrated),
    range: integrated === null ? null : round(loudnessRange(blocks.subBlockPower)),
    truePeak: blocks.truePeak > 0 ? round(20 * Math.log10(blocks.truePeak)) : null,
  };
}
