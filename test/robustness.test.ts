/**
 * Every feature on awkward input: analyze() answers (nulls with warnings where nothing can be
 * said) instead of crashing or hanging.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { RealFft } from "../src/dsp/fft.js";
import { Resampler } from "../src/dsp/resample.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis } from "../src/result.js";
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

const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "schema", "analysis.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true }).compile(schema);

describe("corrupt samples in a float WAV (issue 10)", () => {
  const demo = renderDemoTrack(12, 44100);
  let clean: Analysis;
  before(async () => {
    clean = await analyze(encodeWavFloat32(demo, 44100), { name: "clean.wav" });
  });
  for (const [label, value] of [["NaN", Number.NaN], ["+Inf", Number.POSITIVE_INFINITY], ["1e30", 1e30]] as const) {
    it(`one ${label} sample: set to 0 with one warning; the result is schema-valid and unchanged`, async () => {
      const bytes = encodeWavFloat32(demo, 44100);
      new DataView(bytes.buffer).setFloat32(44 + 4 * (2 * 44100 * 5), value, true); // left channel at 5 s
      const r = await analyze(bytes, { name: `${label}.wav` });
      const json = JSON.parse(JSON.stringify(r));
      assert.ok(validate(json), JSON.stringify(validate.errors));
      assert.deepEqual(r.warnings, ["1 corrupt sample(s) (NaN, infinite, or beyond ±2^32) were set to 0"]);
      assert.equal(r.key?.name, clean.key?.name);
      assert.equal(r.tempo?.bpm, clean.tempo?.bpm);
      assert.ok(Math.abs((r.loudness?.integrated as number) - (clean.loudness?.integrated as number)) < 0.05, `${r.loudness?.integrated} LUFS`);
    });
  }
  it("a whole file at a gain of 2^31 (integers stored unscaled as float) is kept, and every number stays finite", async () => {
    const loud = demo.map((c) => c.map((x) => x * 2 ** 31));
    const r = await analyze(encodeWavFloat32(loud, 44100), { name: "unscaled.wav" });
    assert.deepEqual(r.warnings, []);
    assert.ok(validate(JSON.parse(JSON.stringify(r))), JSON.stringify(validate.errors));
    assert.equal(r.key?.name, clean.key?.name);
    assert.ok(Math.abs((r.loudness?.integrated as number) - (clean.loudness?.integrated as number) - 20 * Math.log10(2 ** 31)) < 0.1);
  });
});

describe("AbortSignal (issue 10)", () => {
  it("stops the analysis of in-memory input promptly (decoding from memory never waits for I/O)", { timeout: 60_000 }, async () => {
    const bytes = encodeWav([whiteNoise(240, 22050, 0.3)], 22050, { bits: 16 }); // 4 minutes
    const controller = new AbortController();
    const t0 = performance.now();
    setTimeout(() => controller.abort(new Error("stop")), 100);
    await assert.rejects(analyze(bytes, { signal: controller.signal }), /stop/);
    const ms = performance.now() - t0;
    assert.ok(ms < 1000, `rejected after ${ms.toFixed(0)} ms`);
  });
  it("an aborted analysis releases its resampler and FFT (their WASM heaps are process-wide)", { timeout: 60_000 }, async () => {
    // Where a fresh 1 MiB block lands in each heap: above everything still allocated, so it
    // moves up when blocks leak (each leaked resampler held ~55 KB, each FFT ~33 KB).
    type Heap = { _malloc?(n: number): number; _free?(p: number): void; _pffft_aligned_malloc?(n: number): number; _pffft_aligned_free?(p: number): void };
    const top = (o: object) => () => {
      const m = (o as unknown as { m: Heap }).m;
      const p = m._malloc ? m._malloc(1 << 20) : (m._pffft_aligned_malloc as (n: number) => number)(1 << 20);
      if (m._free) m._free(p);
      else m._pffft_aligned_free?.(p);
      return p;
    };
    const speex = top(await Resampler.create(48000, 22050));
    const pffft = top(await RealFft.create(2048));
    const bytes = encodeWav([whiteNoise(20, 48000, 0.3)], 48000, { bits: 16 });
    const abortOne = async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop")), 5);
      await assert.rejects(analyze(bytes, { signal: controller.signal }), /stop/);
    };
    for (let i = 0; i < 5; i++) await abortOne();
    const before = [speex(), pffft()];
    for (let i = 0; i < 20; i++) await abortOne();
    assert.deepEqual([speex(), pffft()], before);
  });
});
