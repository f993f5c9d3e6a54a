/**
 * Loudness against the standards' own test signals (EBU Tech 3341 / 3342: stereo 1 kHz sine
 * sequences with known results) and against ffmpeg's ebur128 filter on generated files.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loudness } from "../src/analyzers/loudness.js";
import { LoudnessMeter } from "../src/features/loudness-meter.js";
import { analyze } from "../src/pipeline/analyze.js";
import { haveFfmpeg, tempDir, writeWav } from "./signals/files.js";
import { sine, whiteNoise } from "./signals/wav.js";

/** Concatenated 1 kHz sine segments: [dBFS peak level, seconds]. */
function sineSequence(rate: number, segments: [number, number][], hz = 1000): Float32Array {
  const parts = segments.map(([db, s]) => sine(hz, s, rate, 10 ** (db / 20)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function measure(channels: Float32Array[], rate: number, block = 4096) {
  const meter = new LoudnessMeter(rate, channels.length, { truePeak: true });
  const n = channels[0].length;
  for (let i = 0; i < n; i += block) meter.push(channels.map((c) => c.subarray(i, i + block)), Math.min(block, n - i));
  return loudness(meter.finish());
}

const stereo = (x: Float32Array) => [x, x];
const near = (actual: number | null, expected: number, tol: number, what: string) =>
  assert.ok(actual !== null && Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected} ±${tol}`);

describe("EBU Tech 3341 integrated loudness (stereo 1 kHz sine)", () => {
  const cases: [string, [number, number][]][] = [
    ["case 1: −23 dBFS, 20 s", [[-23, 20]]],
    ["case 2: −33 dBFS, 20 s", [[-33, 20]]],
    ["case 3: −36/−23/−36 dBFS (relative gate)", [[-36, 10], [-23, 60], [-36, 10]]],
    ["case 4: −72/−36/−23/−36/−72 dBFS (absolute gate)", [[-72, 10], [-36, 10], [-23, 60], [-36, 10], [-72, 10]]],
    ["case 5: −26/−20/−26 dBFS", [[-26, 20], [-20, 20.1], [-26, 20]]],
  ];
  for (const [name, segs] of cases) {
    it(`${name} reads ${name.startsWith("case 2") ? -33 : -23} LUFS ±0.1`, () => {
      near(measure(stereo(sineSequence(48000, segs)), 48000).integrated, name.startsWith("case 2") ? -33 : -23, 0.1, name);
    });
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
    it(`${segs.map((s) => s[0]).join("/")} dBFS: LRA ${lra} ±1 LU`, () => {
      near(measure(stereo(sineSequence(48000, segs)), 48000).range, lra, 1, "LRA");
    });
  }
});

describe("true peak and edge cases", () => {
  it("a sine at fs/4 with samples at 45° reads its true peak (−6.02 dBTP), 3 dB above the sample peak", () => {
    const x = sine(12000, 2, 48000, 0.5, Math.PI / 4);
    near(measure([x], 48000).truePeak, -6.02, 0.2, "true peak");
  });
  it("digital silence: integrated, range and true peak are null", () => {
    assert.deepEqual(measure(stereo(new Float32Array(48000 * 3)), 48000), { integrated: null, range: null, truePeak: null });
  });
  it("results do not depend on how the input is cut into blocks", () => {
    const x = [whiteNoise(6, 44100, 0.3, 3), sineSequence(44100, [[-20, 3], [-30, 3]])];
    const ref = measure(x, 44100, 4096);
    for (const block of [1, 7, 1000, 44100, 1 << 20]) assert.deepEqual(measure(x, 44100, block), ref, `block ${block}`);
  });
  it("6-channel: the LFE channel does not count, surrounds count +1.5 dB", () => {
    const s = sine(1000, 10, 48000, 10 ** (-23 / 20));
    const z = new Float32Array(s.length);
    // L+R only equals the stereo reference; the same sine in LFE changes nothing
    near(measure([s, s, z, s, z, z], 48000).integrated, -23, 0.1, "L R (+LFE)");
    // one surround channel alone: −23 − 3.01 (one channel) + 1.49 (weight 1.41)
    near(measure([z, z, z, z, s, z], 48000).integrated, -23 - 3.01 + 1.49, 0.1, "Ls");
  });
});

describe("agreement with ffmpeg's ebur128 filter", { skip: !haveFfmpeg && "ffmpeg not installed" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  function ffmpegSummary(path: string) {
    const r = spawnSync("ffmpeg", ["-nostats", "-i", path, "-filter_complex", "ebur128=peak=true", "-f", "null", "-"], { encoding: "utf8" });
    const s = r.stderr.slice(r.stderr.lastIndexOf("Summary:"));
    const num = (re: RegExp) => Number(re.exec(s)?.[1]);
    return { integrated: num(/I:\s+(-?[\d.]+) LUFS/), range: num(/LRA:\s+(-?[\d.]+) LU/), truePeak: num(/Peak:\s+(-?[\d.]+) dBFS/) };
  }

  /** Music-like test material: noise bursts and chords whose level moves over time. */
  function program(rate: number, seconds: number, seed: number): Float32Array {
    const n = rate * seconds;
    const noise = whiteNoise(seconds, rate, 1, seed);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / rate;
      const level = 0.05 + 0.25 * (0.5 + 0.5 * Math.sin(t * 0.7 + seed)) * (Math.floor(t / 4) % 3 === 0 ? 0.2 : 1);
      const burst = Math.exp(-((t * 2) % 1) * 6);
      const tone = Math.sin(2 * Math.PI * 220 * t) + 0.5 * Math.sin(2 * Math.PI * 330 * t) + 0.3 * Math.sin(2 * Math.PI * 7040 * t);
      out[i] = level * (0.6 * noise[i] * burst + 0.4 * tone);
    }
    return out;
  }

  const normalise = (x: Float32Array, peak: number) => {
    const m = x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    return x.map((v) => (v * peak) / m);
  };

  const files: [string, () => Float32Array[], number][] = [
    ["stereo 44.1 kHz", () => [program(44100, 30, 1), program(44100, 30, 2)], 44100],
    ["mono 48 kHz", () => [program(48000, 25, 3)], 48000],
    ["stereo 96 kHz, peaks near full scale", () => [normalise(program(96000, 12, 4), 0.97), normalise(program(96000, 12, 5), 0.9)], 96000],
  ];
  for (const [name, make, rate] of files) {
    it(`${name}: within 0.1 LU integrated, 0.5 LU range, 0.3 dB true peak`, async () => {
      const path = writeWav(join(dir, `${name.replace(/\W+/g, "_")}.wav`), make(), rate);
      const ours = (await analyze(path, { features: ["loudness"] })).loudness;
      const ref = ffmpegSummary(path);
      assert.ok(ours);
      near(ours.integrated, ref.integrated, 0.1, "integrated");
      near(ours.range, ref.range, 0.5, "range");
      near(ours.truePeak, ref.truePeak, 0.3, "true peak");
    });
  }
});
