/**
 * Progressive results (AnalyzeOptions.onPreview): previews of tempo, key and loudness after 30 s
 * of audio and at each doubling, then the final result — identical to a run without previews;
 * the streams' snapshots leave them as they were; a cancel during a preview stops the analysis.
 * Truth: the demo track (120 BPM, A minor); tempo within 1 %.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { FrontEnd, type StreamDef } from "../src/features/frontend.js";
import { STREAMS } from "../src/features/streams.js";
import { type AnalysisPreview, analyze } from "../src/pipeline/analyze.js";
import type { Analysis } from "../src/result.js";

const wav = Buffer.from(encodeWavFloat32(renderDemoTrack(75, 44100, 120), 44100));
const withoutTimings = ({ timings, ...rest }: Analysis) => rest;

describe("previews", () => {
  it("tempo, key and loudness at 30 s and 60 s, then a final result identical to a run without previews", async () => {
    const previews: AnalysisPreview[] = [];
    const withPreviews = await analyze(wav, { onPreview: (p) => previews.push(p) });
    const plain = await analyze(wav);
    assert.deepEqual(withoutTimings(withPreviews), withoutTimings(plain));
    assert.deepEqual(
      previews.map((p) => Math.floor(p.audioSeconds / 30)),
      [1, 2],
      `previews at ${previews.map((p) => p.audioSeconds)}`,
    );
    for (const p of previews) {
      assert.ok(p.tempo && Math.abs(p.tempo.bpm / 120 - 1) <= 0.01, `tempo ${p.tempo?.bpm} at ${p.audioSeconds} s`);
      assert.equal(p.key?.name, "A minor");
      assert.ok(p.loudness && p.loudness.integrated !== null && Math.abs(p.loudness.integrated - (plain.loudness?.integrated ?? 0)) < 1.5);
      assert.deepEqual(Object.keys(p).sort(), ["audioSeconds", "key", "loudness", "tempo", "warnings"]);
    }
  });

  it("holds only the features asked for; none when nothing asked for can be previewed", async () => {
    const previews: AnalysisPreview[] = [];
    await analyze(wav, { features: ["loudness", "beats"], onPreview: (p) => previews.push(p) });
    assert.equal(previews.length, 2);
    assert.deepEqual(Object.keys(previews[0]).sort(), ["audioSeconds", "loudness", "warnings"]);
    const none: AnalysisPreview[] = [];
    await analyze(wav, { features: ["danceability"], onPreview: (p) => none.push(p) });
    assert.equal(none.length, 0);
  });

  it("a cancel while a preview is reported stops the analysis", async () => {
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(
      analyze(wav, {
        signal: ac.signal,
        onPreview: () => {
          seen++;
          ac.abort(new Error("stop here"));
        },
      }),
      /stop here/,
    );
    assert.equal(seen, 1);
  });

  it("a stream's snapshot changes nothing that finish() returns", async () => {
    const names = ["loudness", "onset", "chroma", "barPitch"] as const;
    const defs = Object.fromEntries(names.map((n) => [n, STREAMS[n] as StreamDef<unknown>]));
    const audio = renderDemoTrack(20, 44100, 120);
    const feed = async (snapEvery: number) => {
      const fe = await FrontEnd.create(defs, 44100, 2);
      for (let i = 0, k = 0; i < audio[0].length; i += 4096, k++) {
        const n = Math.min(4096, audio[0].length - i);
        fe.push({ channels: audio.map((c) => c.subarray(i, i + n)), length: n, sampleRate: 44100 });
        if (snapEvery && k % snapEvery === 0) assert.deepEqual(Object.keys(fe.snapshot()).sort(), [...names].sort());
      }
      return fe.finish();
    };
    assert.deepEqual(await feed(3), await feed(0));
  });
});
