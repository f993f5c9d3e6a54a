/**
 * Every feature on awkward input: analyze() answers (nulls with warnings where nothing can be
 * said) instead of crashing or hanging.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { analyze } from "../src/pipeline/analyze.js";
import { encodeWav, sine, whiteNoise } from "./signals/wav.js";

const inputs: [string, () => Uint8Array][] = [
  ["digital silence, 5 s", () => encodeWav([new Float32Array(44100 * 5)], 44100, { bits: 16 })],
  ["white noise, 5 s", () => encodeWav([whiteNoise(5, 44100, 0.5)], 44100, { bits: 16 })],
  ["a 0.5 s clip", () => encodeWav([sine(440, 0.5, 44100)], 44100, { bits: 16 })],
  ["one sample", () => encodeWav([new Float32Array([0.5])], 44100, { bits: 16 })],
  ["8 kHz mono", () => encodeWav([sine(300, 4, 8000)], 8000, { bits: 16 })],
  ["6-channel 48 kHz", () => encodeWav(Array.from({ length: 6 }, (_, c) => sine(110 * (c + 1), 3, 48000, 0.2)), 48000, { bits: 24, extensible: true })],
  ["24-bit 96 kHz", () => encodeWav([sine(1000, 3, 96000), sine(1500, 3, 96000)], 96000, { bits: 24 })],
];

describe("all features on awkward input", () => {
  for (const [name, make] of inputs) {
    it(`${name}: a result, with a warning for every null`, async () => {
      const r = await analyze(make(), { name });
      for (const f of ["loudness", "tempo", "beats", "downbeats", "meter", "key", "danceability", "energy"] as const) {
        assert.ok(f in r, `${f} missing`);
        if (r[f] === null) assert.ok(r.warnings.some((w) => w.startsWith(f === "downbeats" ? "meter" : f)), `${f} is null without a warning: ${r.warnings}`);
      }
    });
  }
  it("silence: every musical field is null", async () => {
    const r = await analyze(inputs[0][1](), { name: "silence" });
    assert.equal(r.tempo, null);
    assert.equal(r.key, null);
    assert.equal(r.danceability, null);
    assert.equal(r.energy, null);
    assert.deepEqual(r.loudness, { integrated: null, range: null, truePeak: null });
  });
});
