/**
 * Numeric kernels against references: PFFFT magnitudes against fft.js (pure JS), the resampler's
 * passband flatness, alias suppression, length and alignment on sines.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import FFT from "fft.js";
import { hannWindow, RealFft } from "../src/dsp/fft.js";
import { Resampler } from "../src/dsp/resample.js";
import { concat, sine } from "./signals/wav.js";

describe("RealFft", () => {
  it("matches fft.js magnitudes within float32 rounding (1e-5 of the peak)", async () => {
    const n = 2048;
    const fft = await RealFft.create(n);
    const frame = new Float32Array(n).map((_, i) => Math.sin(i * 0.37) * 0.5 + Math.cos(i * 1.91) * 0.25 + ((i * 7919) % 13) / 130);
    const mag = new Float32Array(fft.bins);
    fft.magnitudes(frame, mag);
    const ref = new FFT(n);
    const out = ref.createComplexArray();
    ref.realTransform(out, Array.from(frame));
    ref.completeSpectrum(out);
    const refMag = Array.from({ length: fft.bins }, (_, k) => Math.hypot(out[2 * k], out[2 * k + 1]));
    const peak = Math.max(...refMag);
    for (let k = 0; k < fft.bins; k++) {
      assert.ok(Math.abs(mag[k] - refMag[k]) <= 1e-5 * peak, `bin ${k}: ${mag[k]} vs ${refMag[k]}`);
    }
    fft.dispose();
  });

  it("a full-scale sine on a bin centre reads 0.5 through the normalised Hann window", async () => {
    const n = 2048;
    const fft = await RealFft.create(n);
    const w = hannWindow(n);
    const frame = new Float32Array(n).map((_, i) => Math.sin((2 * Math.PI * 64 * i) / n) * w[i]);
    const mag = new Float32Array(fft.bins);
    fft.magnitudes(frame, mag);
    assert.ok(Math.abs(mag[64] - 0.5) < 1e-4, String(mag[64]));
  });
});

function rms(x: Float32Array, from: number, to: number): number {
  let e = 0;
  for (let i = from; i < to; i++) e += x[i] * x[i];
  return Math.sqrt(e / (to - from));
}

async function resampleInBlocks(x: Float32Array, inRate: number, outRate: number, block: number): Promise<Float32Array> {
  const r = await Resampler.create(inRate, outRate);
  const parts: Float32Array[] = [];
  // process() reuses its output buffer: keep a copy of each block
  for (let i = 0; i < x.length; i += block) parts.push(r.process(x.subarray(i, i + block)).slice());
  parts.push(r.flush());
  return concat(...parts);
}

describe("Resampler", () => {
  for (const [inRate, outRate] of [
    [44100, 22050],
    [48000, 22050],
    [96000, 22050],
    [8000, 22050],
  ]) {
    it(`${inRate} → ${outRate} Hz: exact length, flat passband (±0.1 dB to 9 kHz), aligned`, async () => {
      const seconds = 1;
      const top = Math.min(9000, inRate / 2 - 500);
      for (const hz of [100, 1000, 5000, top]) {
        const y = await resampleInBlocks(sine(hz, seconds, inRate, 0.5), inRate, outRate, 1000);
        assert.equal(y.length, Math.round(seconds * outRate));
        const db = 20 * Math.log10(rms(y, 2000, y.length - 2000) / (0.5 / Math.SQRT2));
        assert.ok(Math.abs(db) < 0.1, `${hz} Hz: ${db.toFixed(3)} dB`);
      }
      // alignment: output sample n is the input at time n / outRate (the filter delay is removed)
      const hz = 200;
      const y = await resampleInBlocks(sine(hz, seconds, inRate, 0.5), inRate, outRate, 777);
      for (const n of [3000, 10000, 15000]) {
        const expected = 0.5 * Math.sin((2 * Math.PI * hz * n) / outRate);
        assert.ok(Math.abs(y[n] - expected) < 0.01, `sample ${n}: ${y[n]} vs ${expected}`);
      }
    });
  }

  it("suppresses aliasing: a 15 kHz tone at 44.1 kHz leaves < -90 dB at 22.05 kHz", async () => {
    const y = await resampleInBlocks(sine(15000, 1, 44100, 0.5), 44100, 22050, 4096);
    const db = 20 * Math.log10(rms(y, 2000, y.length - 2000) / (0.5 / Math.SQRT2) + 1e-12);
    assert.ok(db < -90, `${db.toFixed(1)} dB`);
  });
});
