/**
 * The learned beat activation (models/beat-tcn.onnx through onnxruntime-node): one value per
 * spectrum frame, in 0..1, and, plugged into the beat-activation seam, a grid on rendered drum
 * patterns the network never saw (test/signals/rhythm.ts) within the tolerances of the DSP tests:
 * tempo within 2 %, beat F-measure ≥ 0.9 (±70 ms, beats before 5 s ignored).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { tcnActivations } from "../src/analyzers/beat-activation-tcn.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { beatScores } from "../src/eval/metrics.js";
import type { BandStream } from "../src/features/bands.js";
import { analyze, decodeStreams } from "../src/pipeline/analyze.js";
import { drumPattern, RATE } from "./signals/rhythm.js";

describe("learned beat activation (tcn)", () => {
  it("gives one value in 0..1 per spectrum frame", async () => {
    const { audio } = drumPattern({ bpm: 120, seconds: 12 });
    const d = await decodeStreams(Buffer.from(encodeWavFloat32([audio], RATE)), ["bands"]);
    const b = d.streams.bands as BandStream;
    const { beat, downbeat } = await tcnActivations(b);
    assert.equal(beat.length, b.values.length / b.bandCount);
    assert.equal(downbeat.length, beat.length);
    assert.ok(beat.every((v) => v >= 0 && v <= 1) && downbeat.every((v) => v >= 0 && v <= 1));
  });

  for (const bpm of [90, 120, 140]) {
    it(`tracks a ${bpm} BPM drum pattern`, async () => {
      const { audio, beats } = drumPattern({ bpm, seconds: 30 });
      const r = await analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: ["tempo", "beats"], beatActivation: "tcn" });
      assert.deepEqual(r.options, { beatActivation: "tcn" });
      assert.ok(r.tempo && Math.abs(r.tempo.bpm / bpm - 1) <= 0.02, `tempo ${r.tempo?.bpm}`);
      const f = beatScores(beats, r.beats ?? []).fMeasure;
      assert.ok(f >= 0.9, `beat F ${f.toFixed(3)}`);
    });
  }
});
