/**
 * Rhythm: tempo, beats, downbeats, meter and tempo curve, on rendered drum patterns fed through
 * the real analyze() as Float32 WAV buffers. Tolerances: tempo within 1 %; beat F-measure
 * (±70 ms, beats before 5 s ignored, as MIREX) ≥ 0.95 on steady patterns, ≥ 0.9 on the ramp;
 * downbeat F-measure ≥ 0.9; tempo curve within 4 % of the rendered tempo.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trackBeats } from "../src/analyzers/beat-tracker.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { beatScores, downbeatFMeasure } from "../src/eval/metrics.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis } from "../src/result.js";
import { drumPattern, RATE, whiteNoise } from "./signals/rhythm.js";

const RHYTHM = ["tempo", "beats", "downbeats", "meter"] as const;
const run = (audio: Float32Array): Promise<Analysis> =>
  analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: [...RHYTHM] });

const within = (est: number, ref: number, rel: number) => Math.abs(est / ref - 1) <= rel;

describe("beat tracker (HMM)", () => {
  it("follows an impulse train exactly, at the right phase", () => {
    const fps = 22050 / 256;
    const act = new Float32Array(2000);
    const period = 40.5;
    for (let k = 0; 17 + k * period < act.length; k++) act[Math.round(17 + k * period)] = 0.9;
    const r = trackBeats(act, { framesPerSecond: fps, minBpm: 90, maxBpm: 170, numTempi: 80, transitionLambda: 100, observationLambda: 16 });
    const truth = Array.from({ length: 49 }, (_, k) => Math.round(17 + k * period));
    const got = Array.from(r.frames);
    for (const t of truth.slice(1)) assert.ok(got.includes(t), `beat at frame ${t} missing`);
  });
});

describe("tempo and beats", () => {
  for (const bpm of [60, 75, 98, 120, 140, 174, 196]) {
    it(`${bpm} BPM drum pattern: tempo within 1 %, beats F ≥ 0.95`, async () => {
      // slow tempi carry quarter-note hats (eighths at 60 BPM are a 120 BPM pulse to a listener)
      const p = drumPattern({ bpm, seconds: 20, hats: bpm < 90 ? 1 : 2 });
      const r = await run(p.audio);
      assert.ok(r.tempo, `no tempo: ${r.warnings.join("; ")}`);
      assert.ok(within(r.tempo.bpm, bpm, 0.01), `tempo ${r.tempo.bpm} vs ${bpm}`);
      assert.ok(r.tempo.confidence > 0.5, `confidence ${r.tempo.confidence}`);
      const bpmEst = r.tempo.bpm;
      const ratios = r.tempo.candidates.map((c) => c.bpm / bpmEst);
      assert.ok(ratios.some((x) => within(x, 2, 0.02) || within(x, 0.5, 0.02)), "octave alternatives listed");
      const s = beatScores(p.beats, r.beats);
      assert.ok(s.fMeasure >= 0.95, `beat F ${s.fMeasure.toFixed(3)}`);
      assert.equal(r.meter?.beatsPerBar, 4);
      assert.ok(r.tempoCurve?.steady, `steady tempo reported unsteady (spread ${r.tempoCurve?.spread})`);
    });
  }

  it("swung eighths (triplet swing) keep the quarter-note beat", async () => {
    const p = drumPattern({ bpm: 96, seconds: 20, swing: 2 / 3 });
    const r = await run(p.audio);
    assert.ok(r.tempo && within(r.tempo.bpm, 96, 0.01), `tempo ${r.tempo?.bpm}`);
    assert.ok(beatScores(p.beats, r.beats).fMeasure >= 0.95);
  });

  it("a tempo ramp 100 → 130 BPM: the grid and the tempo curve follow it", async () => {
    const p = drumPattern({ bpm: 100, endBpm: 130, seconds: 30 });
    const r = await run(p.audio);
    assert.ok(r.tempoCurve && r.beats, r.warnings.join("; "));
    assert.equal(r.tempoCurve.steady, false);
    const s = beatScores(p.beats, r.beats);
    assert.ok(s.fMeasure >= 0.9, `beat F ${s.fMeasure.toFixed(3)}`);
    // each curve point against the rendered tempo at that time (±4 %)
    for (const pt of r.tempoCurve.points.slice(1, -1)) {
      const ref = 100 + (30 * pt.time) / 30;
      assert.ok(within(pt.bpm, ref, 0.04), `curve ${pt.bpm} at ${pt.time}s vs ${ref.toFixed(1)}`);
    }
    const pts = r.tempoCurve.points;
    assert.ok(pts[0].bpm < pts[pts.length - 1].bpm - 15, "curve rises");
  });

  it("a long beatless intro: no beats in the pad, the beat found after it", async () => {
    const p = drumPattern({ bpm: 120, seconds: 16, introSeconds: 12 });
    const r = await run(p.audio);
    assert.ok(r.tempo && within(r.tempo.bpm, 120, 0.01), `tempo ${r.tempo?.bpm}`);
    assert.ok(r.beats && r.beats[0] > 11, `first beat at ${r.beats?.[0]}`);
    assert.ok(beatScores(p.beats, r.beats).fMeasure >= 0.95);
  });
});

describe("meter and downbeats", () => {
  it("4/4: downbeats on the bar starts", async () => {
    const p = drumPattern({ bpm: 110, seconds: 24 });
    const r = await run(p.audio);
    assert.equal(r.meter?.beatsPerBar, 4);
    const f = downbeatFMeasure(p.downbeats, r.downbeats);
    assert.ok(f >= 0.9, `downbeat F ${f.toFixed(3)}`);
  });

  it("3/4: meter 3 and its downbeats", async () => {
    const p = drumPattern({ bpm: 150, seconds: 24, beatsPerBar: 3 });
    const r = await run(p.audio);
    assert.ok(r.tempo && within(r.tempo.bpm, 150, 0.01), `tempo ${r.tempo?.bpm}`);
    assert.equal(r.meter?.beatsPerBar, 3);
    const f = downbeatFMeasure(p.downbeats, r.downbeats);
    assert.ok(f >= 0.9, `downbeat F ${f.toFixed(3)}`);
  });
});

describe("no pulse", () => {
  for (const [name, audio] of [
    ["silence", new Float32Array(10 * RATE)],
    ["white noise", whiteNoise(10)],
  ] as const) {
    it(`${name}: tempo, beats, downbeats and meter are null, with warnings`, async () => {
      const r = await run(audio);
      assert.equal(r.tempo, null);
      assert.equal(r.beats, null);
      assert.equal(r.downbeats, null);
      assert.equal(r.meter, null);
      assert.ok(r.warnings.some((w) => w.startsWith("tempo:")), r.warnings.join("; "));
      assert.ok(r.warnings.some((w) => w.startsWith("beats:")));
    });
  }
});
