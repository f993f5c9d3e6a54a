/**
 * Loudness against closed-form answers and the standards' own test signals (EBU Tech 3341 /
 * Tech 3342: stereo 1 kHz sine sequences with known results), the true-peak scan against a
 * brute-force reference, and invariance to how the stream is cut into blocks.
 * (Agreement with ffmpeg on generated programme material: loudness-ffmpeg.test.ts.)
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { integratedLoudness, loudness, loudnessRange } from "../src/analyzers/loudness.js";
import { kWeighting } from "../src/dsp/biquad.js";
import { type LoudnessBlocks, LoudnessMeter, channelWeights, truePeakInterpolator } from "../src/features/loudness-meter.js";
import { musicLike, noiseBursts, normalise, sineSequence } from "./signals/tones.js";
import { sine, whiteNoise } from "./signals/wav.js";

function meter(channels: Float32Array[], rate: number, block = 4096, truePeak = true): LoudnessBlocks {
  const m = new LoudnessMeter(rate, channels.length, { truePeak });
  const n = channels[0].length;
  for (let i = 0; i < n; i += block) m.push(channels.map((c) => c.subarray(i, i + block)), Math.min(block, n - i));
  return m.finish();
}
const measure = (channels: Float32Array[], rate: number, block = 4096) => loudness(meter(channels, rate, block));

const stereo = (x: Float32Array) => [x, x];
const near = (actual: number | null, expected: number, tol: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected} ±${tol}`);

describe("K-weighting filter (ITU-R BS.1770-4)", () => {
  it("at 48 kHz reproduces the standard's coefficient tables", () => {
    const [shelf, hp] = kWeighting(48000);
    // BS.1770-4 Table 1 (pre-filter) and Table 2 (RLB filter)
    const expected = [
      [shelf, { b0: 1.53512485958697, b1: -2.69169618940638, b2: 1.19839281085285, a1: -1.69065929318241, a2: 0.73248077421585 }],
      [hp, { b0: 1, b1: -2, b2: 1, a1: -1.99004745483398, a2: 0.99007225036621 }],
    ] as const;
    for (const [got, want] of expected) {
      for (const k of ["b0", "b1", "b2", "a1", "a2"] as const) assert.ok(Math.abs(got[k] - want[k]) < 1e-8, `${k}: ${got[k]} vs ${want[k]}`);
    }
  });
  it("a 1 kHz sine reads its RMS level: 0 dBFS-peak mono → −3.01 LUFS, stereo → 0.00 LUFS, at any rate", () => {
    for (const rate of [8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000, 192000]) {
      const x = sine(1000, 2, rate, 1);
      near(integratedLoudness(meter([x], rate).subBlockPower), -3.01, 0.05, `mono at ${rate} Hz`);
      near(integratedLoudness(meter(stereo(x), rate).subBlockPower), 0, 0.05, `stereo at ${rate} Hz`);
    }
  });
  it("mono at −20 dBFS peak reads −23.0 LUFS (one channel, counted once)", () => {
    near(measure([sine(1000, 5, 48000, 0.1)], 48000).integrated, -23.01, 0.02, "mono −20 dBFS");
  });
  it("a sine of any frequency reads −0.691 + 10·log10(mean square · |K(f)|²), K evaluated in closed form", () => {
    const rate = 48000;
    const gain2 = (f: number) =>
      kWeighting(rate).reduce((g, q) => {
        const w = (2 * Math.PI * f) / rate;
        const mag2 = (c0: number, c1: number, c2: number) =>
          (c0 + c1 * Math.cos(w) + c2 * Math.cos(2 * w)) ** 2 + (c1 * Math.sin(w) + c2 * Math.sin(2 * w)) ** 2;
        return (g * mag2(q.b0, q.b1, q.b2)) / mag2(1, q.a1, q.a2);
      }, 1);
    // 20 Hz: −13 dB (RLB high-pass); 1 kHz: +0.7 dB; 10 kHz: +4 dB (shelf); 400 ms holds whole periods of each
    for (const f of [20, 100, 1000, 3000, 10000, 16000]) {
      const expected = -0.691 + 10 * Math.log10(0.125 * gain2(f));
      near(integratedLoudness(meter([sine(f, 6, rate, 0.5)], rate).subBlockPower), expected, 0.02, `${f} Hz`);
    }
    near(10 * Math.log10(gain2(20)), -13.3, 0.1, "K at 20 Hz");
    near(10 * Math.log10(gain2(1000)), 0.7, 0.01, "K at 1 kHz");
    near(10 * Math.log10(gain2(10000)), 4.04, 0.01, "K at 10 kHz");
  });
});

describe("EBU Tech 3341 integrated loudness (stereo 1 kHz sine)", () => {
  const cases: [string, [number, number][], number][] = [
    ["case 1: −23 dBFS, 20 s", [[-23, 20]], -23],
    ["case 2: −33 dBFS, 20 s", [[-33, 20]], -33],
    ["case 3: −36/−23/−36 dBFS, 10/60/10 s (relative gate)", [[-36, 10], [-23, 60], [-36, 10]], -23],
    ["case 4: −72/−36/−23/−36/−72 dBFS (absolute gate)", [[-72, 10], [-36, 10], [-23, 60], [-36, 10], [-72, 10]], -23],
    ["case 5: −26/−20/−26 dBFS, 20/20.1/20 s", [[-26, 20], [-20, 20.1], [-26, 20]], -23],
  ];
  for (const [name, segs, lufs] of cases) {
    it(`${name} reads ${lufs} LUFS ±0.1`, () => near(measure(stereo(sineSequence(48000, segs)), 48000).integrated, lufs, 0.1, name));
  }
  for (const rate of [8000, 22050, 44100, 96000]) {
    it(`case 1 at ${rate} Hz reads −23 LUFS ±0.1 (K-weighting derived for the rate)`, () => {
      near(measure(stereo(sineSequence(rate, [[-23, 20]])), rate).integrated, -23, 0.1, `${rate} Hz`);
    });
  }
});

describe("EBU Tech 3342 loudness range (stereo 1 kHz sine)", () => {
  const cases: [[number, number][], number][] = [
    [[[-20, 20], [-30, 20]], 10],
    [[[-20, 20], [-15, 20]], 5],
    [[[-40, 20], [-20, 20]], 20],
    [[[-50, 20], [-35, 20], [-20, 20], [-35, 20], [-50, 20]], 15],
  ];
  for (const [segs, lra] of cases) {
    it(`case ${segs.map((s) => s[0]).join("/")} dBFS, 20 s each: LRA ${lra} ±1 LU`, () => {
      near(measure(stereo(sineSequence(48000, segs)), 48000).range, lra, 1, "LRA");
    });
  }
  it("44.1 kHz: 20 s at −20 then 20 s at −30 dBFS reads LRA 10 ±1 LU", () => {
    near(measure(stereo(sineSequence(44100, [[-20, 20], [-30, 20]])), 44100).range, 10, 1, "LRA");
  });
  it("a steady tone has LRA 0", () => near(measure(stereo(sineSequence(48000, [[-20, 10]])), 48000).range, 0, 0.01, "LRA"));
});

/** Brute force: every output of the meter's interpolator, zeros before and after the signal. */
function referenceTruePeak(channels: Float32Array[]): number {
  const { taps, phases } = truePeakInterpolator();
  let peak = 0;
  for (const x of channels) {
    for (const v of x) peak = Math.max(peak, Math.abs(v));
    for (let n = 0; n < x.length + taps - 1; n++) {
      for (const h of phases) {
        let y = 0;
        for (let k = 0; k < taps; k++) y += h[k] * (x[n - taps + 1 + k] ?? 0);
        peak = Math.max(peak, Math.abs(y));
      }
    }
  }
  return peak;
}

describe("true peak (4× oversampling, BS.1770-4 Annex 2)", () => {
  it("the interpolator is flat within ±0.02 dB up to 0.42·fs in every phase", () => {
    const { phases } = truePeakInterpolator();
    for (let f = 0; f <= 0.42; f += 0.01) {
      for (const h of phases) {
        let re = 0;
        let im = 0;
        h.forEach((c, k) => {
          re += c * Math.cos(2 * Math.PI * f * k);
          im -= c * Math.sin(2 * Math.PI * f * k);
        });
        near(20 * Math.log10(Math.hypot(re, im)), 0, 0.02, `gain at ${f.toFixed(2)}·fs`);
      }
    }
  });
  /** 50 ms raised-cosine fades: an abrupt start or end rings in any band-limited interpolator. */
  const faded = (x: Float32Array, rate: number) => {
    const n = Math.round(0.05 * rate);
    for (let i = 0; i < n; i++) {
      const g = 0.5 - 0.5 * Math.cos((Math.PI * i) / n);
      x[i] *= g;
      x[x.length - 1 - i] *= g;
    }
    return x;
  };
  // The kind of signal EBU Tech 3341 uses for its true-peak tests (tolerance +0.2/−0.4 dB): a sine at
  // fs/4 whose samples sit at a fixed phase, so the sample peak is up to 3 dB under the true peak.
  for (const rate of [48000, 44100, 8000, 96000]) {
    for (const deg of [0, 45, 60, 67.5]) {
      it(`an fs/4 sine at −6.02 dBFS, ${rate} Hz, samples at ${deg}°: −6.02 dBTP +0.2/−0.4`, () => {
        const tp = measure([faded(sine(rate / 4, 2, rate, 0.5, (deg * Math.PI) / 180), rate)], rate).truePeak!;
        assert.ok(tp - -6.02 <= 0.2 && tp - -6.02 >= -0.4, `${tp} dBTP`);
        near(tp, -6.02, 0.1, "true peak"); // 4× oversampling misses the crest by ≤ 11.25°: ≤ 0.17 dB
      });
    }
  }
  it("at 45° the sample peak is 3 dB under the true peak", () => {
    const b = meter([sine(12000, 2, 48000, 0.5, Math.PI / 4)], 48000);
    near(20 * Math.log10(b.samplePeak), -9.03, 0.01, "sample peak");
    near(20 * Math.log10(b.truePeak / b.samplePeak), 3.01, 0.2, "true − sample");
  });
  it("a 1 kHz sine at 44.1 kHz reads its amplitude; inter-sample overs of a clipped square read above 0 dBTP", () => {
    near(measure([sine(1000, 3, 44100, 0.5)], 44100).truePeak, -6.02, 0.05, "1 kHz");
    const square = sine(2205, 1, 44100, 4).map((v) => Math.max(-1, Math.min(1, v)));
    const tp = measure([square], 44100).truePeak!;
    assert.ok(tp > 0.5, `clipped square: ${tp} dBTP`);
  });
  it("the skipping scan equals the brute-force maximum over every interpolated value", () => {
    const rate = 44100;
    const late = sineSequence(rate, [[-30, 1], [-1, 0.05], [-30, 1]], 3000); // the peak comes late
    const signals: [string, Float32Array[]][] = [
      ["music-like stereo", [musicLike(rate, 4, 1), musicLike(rate, 4, 2)]],
      ["noise bursts", [noiseBursts(rate, 4, 3)]],
      ["white noise at full scale", [whiteNoise(1, rate, 1, 9)]],
      ["late peak", [late, new Float32Array(late.length)]],
      ["impulses", [Float32Array.from({ length: 5000 }, (_, i) => (i % 997 === 5 ? (i % 2 ? 0.9 : -0.7) : 0))]],
      ["near-Nyquist tone", [sine(21000, 1, rate, 0.8, 0.3)]],
      ["normalised music at 0 dBFS", [normalise(musicLike(rate, 3, 7), 1)]],
    ];
    for (const [name, x] of signals) {
      const ref = referenceTruePeak(x);
      for (const block of [4096, 1000, 31]) {
        const got = meter(x, rate, block).truePeak;
        assert.ok(Math.abs(got - ref) <= 1e-12 * ref, `${name}, blocks of ${block}: ${got} vs brute force ${ref}`);
      }
    }
  });
  it("without truePeak the meter reports 0 (the analyser's truePeak is null) but still the sample peak", () => {
    const b = meter([sine(1000, 1, 48000, 0.25)], 48000, 4096, false);
    assert.equal(b.truePeak, 0);
    near(b.samplePeak, 0.25, 1e-6, "sample peak");
    assert.equal(loudness(b).truePeak, null);
  });
});

describe("edge cases and invariants", () => {
  it("digital silence: integrated, range and true peak are null", () => {
    assert.deepEqual(measure(stereo(new Float32Array(48000 * 5)), 48000), { integrated: null, range: null, truePeak: null });
  });
  it("too short: < 400 ms gives no integrated loudness; < 3 s no range", () => {
    assert.equal(measure([sine(1000, 0.35, 48000)], 48000).integrated, null);
    const two = measure([sine(1000, 2, 48000, 0.1)], 48000);
    near(two.integrated, -23.01, 0.02, "2 s");
    assert.equal(two.range, null);
    assert.equal(loudnessRange(new Float64Array(0)), null);
  });
  it("a final partial sub-block is dropped", () => {
    assert.equal(meter([sine(1000, 1.05, 48000)], 48000).subBlockPower.length, 10);
    assert.equal(meter([sine(1000, 1.05, 11025)], 11025).subBlockPower.length, 10);
  });
  it("results are bit-identical however the input is cut into blocks", () => {
    const x = [noiseBursts(44100, 7, 5), sineSequence(44100, [[-20, 3.5], [-30, 3.5]])];
    const ref = meter(x, 44100, 4096);
    for (const block of [1, 7, 1000, 1152, 4410, 44100, 1 << 22]) assert.deepStrictEqual(meter(x, 44100, block), ref, `block ${block}`);
  });
  it("channel weights: LFE excluded, surrounds 1.41 (+1.49 dB), mono counted once", () => {
    assert.deepEqual(Array.from(channelWeights(1)), [1]);
    assert.deepEqual(Array.from(channelWeights(2)), [1, 1]);
    assert.deepEqual(Array.from(channelWeights(6)), [1, 1, 1, 0, 1.41, 1.41]);
    const s = sine(1000, 10, 48000, 10 ** (-23 / 20));
    const z = new Float32Array(s.length);
    // L+R equals the stereo reference; the same sine in LFE changes nothing
    near(measure([s, s, z, s, z, z], 48000).integrated, -23, 0.1, "L R (+LFE)");
    // one surround channel alone: −23 − 3.01 (one channel) + 1.49 (weight 1.41)
    near(measure([z, z, z, z, s, z], 48000).integrated, -23 - 3.01 + 1.49, 0.1, "Ls");
    // an odd channel count pairs the last channel with itself but counts it once
    near(measure([s, s, s], 48000).integrated, -23 + 1.76, 0.02, "L R C");
  });
  it("tone then long digital silence: the blocks straddling the end count at their partial power", () => {
    // 2 s of tone then silence: 17 full 400 ms blocks and 3 at 3/4, 1/2, 1/4 power pass the gates,
    // so the mean power is 18.5/20 of the tone's. (Also exercises the flushing of subnormal states.)
    const y = new Float32Array(48000 * 20);
    y.set(sine(1000, 2, 48000, 0.1));
    near(measure([y, y], 48000).integrated, -20 + 10 * Math.log10(18.5 / 20), 0.02, "tone then silence");
  });
});
