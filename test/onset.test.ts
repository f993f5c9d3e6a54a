/**
 * Timing of the onset envelope: beat times land on the clicks that make them, with no
 * systematic lead or lag (the flux's quarter-frame lead is compensated in features/onset.ts).
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { analyze } from "../src/pipeline/analyze.js";

/** Clicks (3 ms decaying noise bursts) every `period` seconds from `first`. */
function clicks(seconds: number, rate: number, first: number, period: number): { signal: Float32Array; times: number[] } {
  const signal = new Float32Array(seconds * rate);
  const times: number[] = [];
  let seed = 7;
  for (let t = first; t < seconds - 0.1; t += period) {
    times.push(t);
    const i0 = Math.round(t * rate);
    for (let i = 0; i < rate * 0.03; i++) {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      signal[i0 + i] += 0.8 * (seed / 2 ** 31 - 1) * Math.exp(-i / (rate * 0.003));
    }
  }
  return { signal, times };
}

for (const [bpm, first] of [
  [120, 0.25],
  [97, 0.61],
]) {
  it(`${bpm} BPM clicks: beats within ±8 ms of the clicks (median), none systematically early or late`, async () => {
    const { signal, times } = clicks(20, 44100, first, 60 / bpm);
    const r = await analyze(encodeWavFloat32([signal], 44100), { features: ["beats"] });
    const offsets = (r.beats ?? [])
      .map((b) => times.reduce((best, t) => (Math.abs(b - t) < Math.abs(best) ? b - t : best), Number.POSITIVE_INFINITY))
      .filter((d) => Math.abs(d) < 0.05)
      .sort((a, b) => a - b);
    assert.ok(offsets.length >= times.length - 3, `${offsets.length} of ${times.length} clicks found`);
    const median = offsets[Math.floor(offsets.length / 2)];
    assert.ok(Math.abs(median) <= 0.008, `median offset ${(median * 1000).toFixed(1)} ms`);
  });
}
