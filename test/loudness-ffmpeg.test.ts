/**
 * Agreement with ffmpeg's ebur128 filter (libavfilter's BS.1770 / Tech 3342 implementation,
 * true peak by resampling to 192 kHz) on generated programme material written as 32-bit float
 * WAV, so ffmpeg reads exactly the samples our meter is fed. ffmpeg prints one decimal, so the
 * tolerances include its ±0.05 rounding.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loudness } from "../src/analyzers/loudness.js";
import { LoudnessMeter } from "../src/features/loudness-meter.js";
import { haveFfmpeg, tempDir, writeWav } from "./signals/files.js";
import { musicLike, noiseBursts, normalise } from "./signals/tones.js";

function ffmpegSummary(path: string): { integrated: number; range: number; truePeak: number } {
  const r = spawnSync("ffmpeg", ["-nostats", "-hide_banner", "-i", path, "-filter_complex", "ebur128=peak=true", "-f", "null", "-"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const summary = r.stderr.slice(r.stderr.lastIndexOf("Summary:"));
  const num = (re: RegExp) => {
    const m = re.exec(summary);
    assert.ok(m, `no ${re} in ffmpeg's summary:\n${summary}`);
    return Number(m[1]);
  };
  return { integrated: num(/I:\s+(-?[\d.]+) LUFS/), range: num(/LRA:\s+(-?[\d.]+) LU/), truePeak: num(/Peak:\s+(-?[\d.]+) dBFS/) };
}

function ours(channels: Float32Array[], rate: number) {
  const meter = new LoudnessMeter(rate, channels.length, { truePeak: true });
  const n = channels[0].length;
  for (let i = 0; i < n; i += 1152) meter.push(channels.map((c) => c.subarray(i, i + 1152)), Math.min(1152, n - i));
  return loudness(meter.finish());
}

const cases: [string, number, () => Float32Array[]][] = [
  ["stereo 44.1 kHz, pink-ish noise bursts at −45…−5 dB", 44100, () => [noiseBursts(44100, 30, 1), noiseBursts(44100, 30, 2)]],
  ["stereo 44.1 kHz, music-like mix with a slow swell", 44100, () => [musicLike(44100, 40, 3), musicLike(44100, 40, 4)]],
  ["mono 48 kHz, music-like", 48000, () => [musicLike(48000, 25, 5)]],
  ["mono 48 kHz, noise bursts", 48000, () => [noiseBursts(48000, 25, 6)]],
  ["stereo 96 kHz, peaks near full scale", 96000, () => [normalise(musicLike(96000, 12, 7), 0.97), normalise(musicLike(96000, 12, 8), 0.9)]],
  ["stereo 22.05 kHz, music-like at 0 dBFS peak", 22050, () => [normalise(musicLike(22050, 20, 9), 1), normalise(musicLike(22050, 20, 10), 1)]],
];

describe("agreement with ffmpeg's ebur128 filter", { skip: !haveFfmpeg && "ffmpeg is not on PATH" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  for (const [name, rate, make] of cases) {
    it(`${name}: within 0.1 LU integrated, 0.5 LU range, 0.3 dB true peak`, () => {
      const channels = make();
      const ref = ffmpegSummary(writeWav(join(dir, `${name.replace(/\W+/g, "_")}.wav`), channels, rate));
      const got = ours(channels, rate);
      const msg = `ours ${JSON.stringify(got)} vs ffmpeg ${JSON.stringify(ref)}`;
      assert.ok(got.integrated !== null && Math.abs(got.integrated - ref.integrated) <= 0.1, `integrated: ${msg}`);
      assert.ok(got.range !== null && Math.abs(got.range - ref.range) <= 0.5, `range: ${msg}`);
      assert.ok(got.truePeak !== null && Math.abs(got.truePeak - ref.truePeak) <= 0.3, `true peak: ${msg}`);
    });
  }
});
