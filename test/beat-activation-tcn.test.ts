/**
 * The neural beat model (models/beat-tcn.onnx through onnxruntime-node): one value per spectrum
 * frame, in 0..1; chosen by `model` / `--model`; on rendered drum patterns the network never saw
 * (test/signals/rhythm.ts) a grid within the tolerances of the DSP tests: tempo within 2 %, beat
 * F-measure ≥ 0.9 (±70 ms, beats before 5 s ignored); and its downbeat output steering the bar
 * phase where the audio alone cannot tell.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TCN_CONTEXT_FRAMES, tcnActivations } from "../src/analyzers/beat-activation-tcn.js";
import { estimateMeter } from "../src/analyzers/meter.js";
import { resolveModel } from "../src/analyzers/registry.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { beatScores } from "../src/eval/metrics.js";
import type { BandStream } from "../src/features/bands.js";
import type { OnsetStream } from "../src/features/onset.js";
import { analyze, decodeStreams } from "../src/pipeline/analyze.js";
import { runCli } from "./support/cli.js";
import { drumPattern, RATE, whiteNoise } from "./signals/rhythm.js";

describe("neural beat model", () => {
  it("gives one value in 0..1 per spectrum frame", async () => {
    const { audio } = drumPattern({ bpm: 120, seconds: 12 });
    const d = await decodeStreams(Buffer.from(encodeWavFloat32([audio], RATE)), ["bands"]);
    const b = d.streams.bands as BandStream;
    const { beat, downbeat } = await tcnActivations(b);
    assert.equal(beat.length, b.values.length / b.bandCount);
    assert.equal(downbeat.length, beat.length);
    assert.ok(beat.every((v) => v >= 0 && v <= 1) && downbeat.every((v) => v >= 0 && v <= 1));
  });

  it("a long track runs in windows with their context: the same activations as one run", async () => {
    const { audio } = drumPattern({ bpm: 128, seconds: 240 });
    const d = await decodeStreams(Buffer.from(encodeWavFloat32([audio], RATE)), ["bands"]);
    const b = d.streams.bands as BandStream;
    const frames = b.values.length / b.bandCount;
    assert.ok(frames > 2 * TCN_CONTEXT_FRAMES + 3000, "long enough for windows with context on both sides");
    const whole = await tcnActivations(b, Number.POSITIVE_INFINITY);
    const windowed = await tcnActivations(b, 3000); // 7 windows
    let diff = 0;
    for (let i = 0; i < frames; i++) diff = Math.max(diff, Math.abs(whole.beat[i] - windowed.beat[i]), Math.abs(whole.downbeat[i] - windowed.downbeat[i]));
    assert.ok(diff < 1e-4, `largest difference ${diff}`);
  });

  for (const bpm of [90, 120, 140]) {
    it(`tracks a ${bpm} BPM drum pattern, beats and downbeats`, async () => {
      const { audio, beats, downbeats } = drumPattern({ bpm, seconds: 30 });
      const r = await analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: ["tempo", "beats", "downbeats"], model: "neural" });
      assert.deepEqual(r.options, { model: "neural" });
      assert.ok(r.tempo && Math.abs(r.tempo.bpm / bpm - 1) <= 0.02, `tempo ${r.tempo?.bpm}`);
      const f = beatScores(beats, r.beats ?? []).fMeasure;
      assert.ok(f >= 0.9, `beat F ${f.toFixed(3)}`);
      const fd = beatScores(downbeats, r.downbeats ?? []).fMeasure;
      assert.ok(fd >= 0.9, `downbeat F ${fd.toFixed(3)}`);
    });
  }

  it("no pulse on white noise and on silence: tempo null with a reason, as with dsp", async () => {
    for (const [what, audio] of [["noise", whiteNoise(20)], ["silence", new Float32Array(RATE * 20)]] as const) {
      const r = await analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: ["tempo", "beats"], model: "neural" });
      assert.equal(r.tempo, null, `${what}: tempo ${r.tempo?.bpm}`);
      assert.equal(r.beats, null, what);
      assert.ok(r.warnings.some((w) => w.startsWith("tempo: ")), `${what}: ${r.warnings.join("; ")}`);
    }
  });

  it('"auto" is "neural" where onnxruntime-node is installed (it is, here), and in the result', async () => {
    assert.equal(resolveModel("auto"), "neural");
    assert.equal(resolveModel(undefined), "dsp");
    const wav = Buffer.from(encodeWavFloat32([drumPattern({ bpm: 120, seconds: 8 }).audio], RATE));
    const r = await analyze(wav, { features: ["tempo"], model: "auto" });
    assert.deepEqual(r.options, { model: "neural" });
  });

  it("--model on the command line: the result says which; an unknown model is a usage error", () => {
    const dir = mkdtempSync(join(tmpdir(), "trackprobe-model-"));
    try {
      const file = join(dir, "groove.wav");
      writeFileSync(file, encodeWavFloat32([drumPattern({ bpm: 120, seconds: 10 }).audio], RATE));
      const ok = runCli(["analyze", "--model", "neural", "--features", "tempo", "--no-cache", "--format", "json", file]);
      assert.equal(ok.code, 0, ok.stderr);
      const r = JSON.parse(ok.stdout); // one file: one result object
      assert.deepEqual(r.options, { model: "neural" });
      assert.ok(Math.abs(r.tempo.bpm / 120 - 1) <= 0.02, `tempo ${r.tempo.bpm}`);
      const bad = runCli(["analyze", "--model", "neurall", "--no-cache", file]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--model: unknown model "neurall" \(available: dsp, neural, auto\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a learned downbeat activation sets the bar phase where onsets and harmony are flat", () => {
    const fps = 100;
    const beats = Array.from({ length: 48 }, (_, i) => 1 + i * 0.5);
    const frames = Math.ceil((beats[beats.length - 1] + 1) * fps);
    const flat = new Float32Array(frames).fill(1);
    const onset: OnsetStream = { framesPerSecond: fps, total: flat, low: flat, mid: flat, high: flat };
    const downbeat = new Float32Array(frames).fill(0.05);
    beats.forEach((t, i) => {
      if (i % 4 === 1) downbeat[Math.round(t * fps)] = 0.9;
    });
    // weight 1 (the fitted DOWNBEAT_ACTIVATION_WEIGHT may be 0 for a model whose output does not help)
    const learned = estimateMeter(onset, beats, false, undefined, { downbeat, framesPerSecond: fps }, 1);
    assert.deepEqual(learned?.downbeats, beats.filter((_, i) => i % 4 === 1));
    // without it nothing marks a bar start: the phase is not the learned one
    const blind = estimateMeter(onset, beats, false);
    assert.notDeepEqual(blind?.downbeats, learned?.downbeats);
  });
});
