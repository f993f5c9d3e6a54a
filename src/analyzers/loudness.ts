/**
 * Loudness from the meter's 100 ms sub-block powers (pure; no audio):
 *  - integrated loudness, ITU-R BS.1770-4 §2.8: 400 ms gating blocks overlapping by 75 % (4
 *    sub-blocks, stepped by one), absolute gate −70 LUFS, then a relative gate 10 LU below the
 *    loudness of the mean power of the blocks that passed the absolute gate;
 *  - loudness range, EBU Tech 3342: 3 s short-term windows (30 sub-blocks) stepped by 100 ms,
 *    absolute gate −70 LUFS, relative gate −20 LU, LRA = 95th − 10th percentile of the rest;
 *  - true peak in dBTP.
 * Anything gated away entirely (silence) or too short for one block/window is null, not −∞.
 */
import type { LoudnessBlocks } from "../features/loudness-meter.js";
import type { Loudness } from "../result.js";
import { defineAnalyzer } from "./contract.js";
import { roundTo } from "../numbers.js";

const ABSOLUTE_GATE_LUFS = -70;
const INTEGRATED_RELATIVE_GATE_LU = -10;
const RANGE_RELATIVE_GATE_LU = -20;
/** Sub-blocks per BS.1770 gating block (400 ms) and per EBU short-term window (3 s). */
const GATING_BLOCK = 4;
const SHORT_TERM = 30;

/** BS.1770-4 eq. 2: loudness of a channel-weighted mean square (the −0.691 makes a 1 kHz sine read its RMS level). */
export const lufs = (power: number): number => -0.691 + 10 * Math.log10(power);
const powerOf = (lu: number): number => 10 ** ((lu + 0.691) / 10);

/** Mean power of each window of `size` consecutive sub-blocks, stepped by one sub-block. */
export function windowPowers(sub: Float64Array, size: number): Float64Array {
  const out = new Float64Array(Math.max(0, sub.length - size + 1));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = i; k < i + size; k++) sum += sub[k];
    out[i] = sum / size;
  }
  return out;
}

/** Powers above the absolute gate, then above the gate `relativeLu` below their mean power. */
function gated(powers: Float64Array, relativeLu: number): number[] {
  const absGate = powerOf(ABSOLUTE_GATE_LUFS);
  const loud = Array.from(powers).filter((p) => p > absGate);
  if (loud.length === 0) return [];
  const relGate = (loud.reduce((s, p) => s + p, 0) / loud.length) * 10 ** (relativeLu / 10);
  return loud.filter((p) => p > relGate);
}

/** Integrated loudness, LUFS; null when no 400 ms block passes the gates (silence, < 0.4 s). */
export function integratedLoudness(sub: Float64Array): number | null {
  const kept = gated(windowPowers(sub, GATING_BLOCK), INTEGRATED_RELATIVE_GATE_LU);
  return kept.length === 0 ? null : lufs(kept.reduce((s, p) => s + p, 0) / kept.length);
}

/** Loudness range, LU (EBU Tech 3342); null when no 3 s window passes the gates (silence, < 3 s). */
export function loudnessRange(sub: Float64Array): number | null {
  const kept = gated(windowPowers(sub, SHORT_TERM), RANGE_RELATIVE_GATE_LU)
    .map(lufs)
    .sort((a, b) => a - b);
  if (kept.length === 0) return null;
  // percentiles as libebur128 takes them: the value at rank round((n − 1)·p) of the sorted list
  const at = (p: number) => kept[Math.round((kept.length - 1) * p)];
  return at(0.95) - at(0.1);
}

const round2 = (x: number | null): number | null => (x === null ? null : roundTo(x, 2));

export function loudness(blocks: LoudnessBlocks): Loudness {
  const integrated = integratedLoudness(blocks.subBlockPower);
  return {
    integrated: round2(integrated),
    range: integrated === null ? null : round2(loudnessRange(blocks.subBlockPower)),
    truePeak: blocks.truePeak > 0 ? round2(20 * Math.log10(blocks.truePeak)) : null,
  };
}

export const loudnessAnalyzer = defineAnalyzer({
  name: "loudness",
  features: ["loudness"],
  fields: ["loudness"],
  streams: ["loudness"],
  needs: {},
  run({ streams, warn }) {
    const l = loudness(streams.loudness);
    if (l.integrated === null) warn("loudness: the audio is silent or too short to measure (below the −70 LUFS gate)");
    return { loudness: l };
  },
});
