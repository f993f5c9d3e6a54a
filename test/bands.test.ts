/**
 * The band spectrogram (features/bands.ts), the learned beat activation's input: a sine's energy
 * lies in the band whose centre is within a semitone of it; one frame per spectrum frame, as the
 * onset stream has; silence is all zeros.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import type { BandStream } from "../src/features/bands.js";
import type { OnsetStream } from "../src/features/onset.js";
import { decodeStreams } from "../src/pipeline/analyze.js";
import { sine } from "./signals/wav.js";

const bandsOf = async (audio: Float32Array) => {
  const d = await decodeStreams(Buffer.from(encodeWavFloat32([audio], 22050)), ["bands", "onset"]);
  return { b: d.streams.bands as BandStream, onset: d.streams.onset as OnsetStream };
};

describe("band spectrogram", () => {
  for (const hz of [110, 440, 1000, 3000]) {
    it(`a ${hz} Hz sine peaks in the band within a semitone of ${hz} Hz`, async () => {
      const { b, onset } = await bandsOf(sine(hz, 2, 22050, 0.5));
      const frames = b.values.length / b.bandCount;
      assert.equal(frames, onset.total.length);
      const i = Math.floor(frames / 2);
      const row = b.values.subarray(i * b.bandCount, (i + 1) * b.bandCount);
      const top = row.indexOf(Math.max(...row));
      assert.ok(Math.abs(12 * Math.log2(b.centresHz[top] / hz)) <= 1, `band centre ${b.centresHz[top].toFixed(0)} Hz`);
    });
  }

  it("silence is all zeros", async () => {
    const { b } = await bandsOf(new Float32Array(22050));
    assert.ok(b.values.every((v) => v === 0));
  });
});
