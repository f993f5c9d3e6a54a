/**
 * Rhythm: tempo, beats, downbeats, meter and tempo curve, on rendered drum patterns fed through
 * the real analyze() as Float32 WAV buffers. Tolerances: tempo within 1 %; beat F-measure
 * (±70 ms, beats before 5 s ignored, as MIREX) ≥ 0.95 on steady patterns, ≥ 0.9 on the ramp;
 * downbeat F-measure ≥ 0.9; tempo curve within 4 % of the rendered tempo. Tempo confidence against
 * its candidates (the definition in analyzers/tempo.ts, tempoCandidates) on 14 generated signals.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trackBeats } from "../src/analyzers/beat-tracker.js";
import { harmonicRhythm } from "../src/analyzers/metrical-level.js";
import { midpoints, offBeatProbability, phaseFeatures, SPECTRAL_FLUX_PHASE } from "../src/analyzers/beat-phase.js";
import { analyzeRhythm, threeTwoAccent } from "../src/analyzers/rhythm.js";
import { isTripleBar } from "../src/analyzers/meter.js";
import type { OnsetStream } from "../src/features/onset.js";
import { alternativeOf } from "../src/analyzers/tempo.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { beatScores, downbeatFMeasure } from "../src/eval/metrics.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis } from "../src/result.js";
import { pianoBallad } from "./signals/chords.js";
import { groove, rubatoChorale, rubatoPiano } from "./signals/dance.js";
import { pianoPop } from "./signals/piano-pop.js";
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

describe("metrical level: harmonic rhythm", () => {
  // bar-pitch streams with known chords on a 0.5 s grid: one pitch class set per beat
  const stream = (chordOfBeat: (k: number) => number[], beatsN = 64) => {
    const bps = 20;
    const pitch = new Float32Array(beatsN * 10 * 12);
    for (let k = 0; k < beatsN; k++) for (let b = k * 10; b < (k + 1) * 10; b++) for (const pc of chordOfBeat(k)) pitch[b * 12 + pc] = 1;
    return { stream: { blocksPerSecond: bps, pitch }, beats: Array.from({ length: beatsN }, (_, k) => k * 0.5) };
  };
  const triads = [[0, 4, 7], [7, 11, 2], [9, 0, 4], [5, 9, 0]];
  it("chords held for 8 grid beats (a doubled slow bar): clearly positive (> 1)", () => {
    const { stream: s, beats } = stream((k) => triads[Math.floor(k / 8) % 4]);
    assert.ok(harmonicRhythm(s, beats) > 1, String(harmonicRhythm(s, beats)));
  });
  it("chords changing on every grid beat: negative", () => {
    const { stream: s, beats } = stream((k) => triads[k % 4]);
    assert.ok(harmonicRhythm(s, beats) < 0, String(harmonicRhythm(s, beats)));
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

  for (const bpm of [58, 60]) {
    it(`slow piano ballad at ${bpm} BPM (chord on the beat, arpeggio on the off-beats): the notated tempo, not twice it`, async () => {
      const p = pianoBallad(bpm, 40);
      const r = await run(p.audio);
      assert.ok(r.tempo && within(r.tempo.bpm, bpm, 0.04), `tempo ${r.tempo?.bpm} vs ${bpm}`);
      assert.ok(beatScores(p.beats, r.beats).fMeasure >= 0.95, "beats");
      assert.ok(r.tempo.alternative && within(r.tempo.alternative.bpm, 2 * bpm, 0.04), `alternative ${r.tempo.alternative?.bpm}`);
    });
  }

  for (const bpm of [64, 68]) {
    it(`slow piano pop at ${bpm} BPM (even left-hand eighths, one chord a bar, a syncopated tune): the notated tempo, from the harmonic rhythm`, async () => {
      // every band pulses at 2×; the chords held for 8 of those pulses say where the beat is
      // (metrical-level.ts harmonicRhythm; without it the level model keeps 2× here)
      const p = pianoPop(bpm, 40);
      const r = await run(p.audio);
      assert.ok(r.tempo && within(r.tempo.bpm, bpm, 0.04), `tempo ${r.tempo?.bpm} vs ${bpm}`);
      assert.ok(beatScores(p.beats, r.beats).fMeasure >= 0.9, "beats");
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

/** Bare onset streams (60 s at the front end's frame rate) to place onsets in by hand. */
function handOnsets() {
  const fps = 22050 / 256;
  const n = Math.round(60 * fps);
  const onset: OnsetStream = { framesPerSecond: fps, total: new Float32Array(n), low: new Float32Array(n), mid: new Float32Array(n), high: new Float32Array(n) };
  /** An onset of strength v at t seconds in one band (a short decaying bump). */
  const put = (x: Float32Array, t: number, v: number) => {
    const c = Math.round(t * fps);
    for (let k = -2; k <= 4; k++) if (c + k >= 0 && c + k < n) x[c + k] = Math.max(x[c + k], v * Math.exp(-Math.abs(k)));
  };
  /** Sums the bands into `total`; call when every onset is placed. */
  const done = () => {
    for (let i = 0; i < n; i++) onset.total[i] = onset.low[i] + onset.mid[i] + onset.high[i];
  };
  return { onset, put, done };
}

/** A bar pitch stream of 60 s whose chord (I, vi, IV, V) changes every `chordS` seconds from 0.5 s. */
function chordsEvery(chordS: number) {
  const blocksPerSecond = 22050 / 256 / 4;
  const chords = [[0, 4, 7], [9, 0, 4], [5, 9, 0], [7, 11, 2]];
  const pitch = new Float32Array(Math.ceil(60 * blocksPerSecond) * 12);
  for (let b = 0; b < pitch.length / 12; b++) {
    const bar = Math.floor((b / blocksPerSecond - 0.5) / chordS);
    for (const pc of chords[((bar % 4) + 4) % 4]) pitch[b * 12 + pc] = 1;
  }
  return { blocksPerSecond, pitch };
}

describe("beat phase (beat-phase.ts)", () => {
  // Onset streams of a house groove whose off-beats carry the most onset energy — a bass note on
  // every "and" (low band) — while the kick's click and the clap are on the beats (mid, high) and
  // the chords change on the bar: the tracker follows the loud off-beats; the phase cues move it.
  const bpm = 120;
  const { onset, put, done } = handOnsets();
  const beats: number[] = [];
  for (let t = 0.5, i = 0; t < 59.5; t += 60 / bpm, i++) {
    beats.push(t);
    put(onset.low, t, 0.4);
    put(onset.mid, t, i % 2 === 1 ? 0.5 : 0.1);
    put(onset.high, t, 0.6);
    put(onset.low, t + 30 / bpm, 1.2);
    put(onset.mid, t + 30 / bpm, 0.15);
    put(onset.high, t + 30 / bpm, 0.2);
  }
  done();
  const barPitch = chordsEvery(240 / bpm);

  it("the tracker alone locks onto the loud off-beats; the phase model moves the grid onto the beats", () => {
    // the metrical level is held (halving: false): bare streams, without the sub-beat texture of
    // real audio, are not what the level model reads, and this test is about the phase
    const tracked = analyzeRhythm(onset, barPitch, { phase: false, halving: false });
    assert.equal(tracked.tempo?.bpm, 120);
    assert.ok(beatScores(beats, tracked.beats ?? []).fMeasure < 0.2, "the test's premise: the tracked grid is off the beat");
    const r = analyzeRhythm(onset, barPitch, { halving: false });
    assert.equal(r.tempo?.bpm, 120);
    assert.ok(beatScores(beats, r.beats ?? []).fMeasure >= 0.95, `beat F ${beatScores(beats, r.beats ?? []).fMeasure}`);
    // the move loses no beat at either end
    const got = r.beats ?? [];
    assert.ok(Math.abs(got[0] - beats[0]) < 0.07 && Math.abs(got[got.length - 1] - beats[beats.length - 1]) < 0.07, `${tracked.beats?.slice(0, 2)}…${tracked.beats?.slice(-2)} → ${got.slice(0, 2)}…${got.slice(-2)}`);
  });

  it("a grid on the beats stays: the contrasts favour it, P(off-beat) < 0.05", () => {
    const x = phaseFeatures(onset, barPitch, beats);
    assert.ok(offBeatProbability(x, SPECTRAL_FLUX_PHASE) < 0.05, JSON.stringify(x));
    assert.ok(offBeatProbability(phaseFeatures(onset, barPitch, midpoints(beats)), SPECTRAL_FLUX_PHASE) > 0.95);
  });
});

describe("a grid at 3/2 of the beat (rhythm.ts threeTwoAccent)", () => {
  it("a 12/8 ballad's quarter-note triplets: read at 3/2 of 64 BPM without the rule, at 64 with it", () => {
    // bass on every beat, a piano figure in quarter-note triplets (every ⅔ beat, the loudest
    // periodicity), triplet eighths on top, a chord per 4-beat bar. Without the rule
    // (THREE_TWO_MIN above 0.8) the tracker's answer is 96 BPM: beat F 0.40.
    const bpm = 64;
    const T = 60 / bpm;
    const { onset, put, done } = handOnsets();
    const beats: number[] = [];
    for (let t = 0.5; t < 59; t += T) {
      beats.push(t);
      put(onset.low, t, 1);
      for (let k = 0; k < 3; k++) put(onset.high, t + (k * T) / 3, 0.3);
    }
    const triplets: number[] = [];
    for (let t = 0.5; t < 59; t += (2 * T) / 3) {
      triplets.push(t);
      put(onset.mid, t, 1);
    }
    done();
    const barPitch = chordsEvery(4 * T);
    assert.ok(isTripleBar(onset, triplets, barPitch), "the 3/2 grid's bar looks triple");
    assert.ok(threeTwoAccent(onset, triplets) > 0.75, `accent ${threeTwoAccent(onset, triplets)}`);
    const r = analyzeRhythm(onset, barPitch);
    assert.equal(r.tempo?.bpm, 64);
    assert.ok(beatScores(beats, r.beats ?? []).fMeasure >= 0.95, `beat F ${beatScores(beats, r.beats ?? []).fMeasure}`);
  });

  it("a waltz with eighth-note off-beats keeps its tempo: its midpoints are weak", () => {
    const bpm = 150;
    const T = 60 / bpm;
    const { onset, put, done } = handOnsets();
    const beats: number[] = [];
    for (let t = 0.5, i = 0; t < 59; t += T, i++) {
      beats.push(t);
      put(onset.low, t, i % 3 === 0 ? 1 : 0.2);
      put(onset.mid, t, i % 3 === 0 ? 0.4 : 0.8);
      put(onset.high, t, 0.4);
      put(onset.high, t + T / 2, 0.3);
    }
    done();
    const barPitch = chordsEvery(3 * T);
    assert.ok(isTripleBar(onset, beats, barPitch));
    assert.ok(threeTwoAccent(onset, beats) < 0.5, `accent ${threeTwoAccent(onset, beats)}`);
    const r = analyzeRhythm(onset, barPitch);
    assert.equal(r.tempo?.bpm, 150);
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

  it("4/4 with one 2-beat bar mid-song: the downbeats follow the shifted bars", async () => {
    const p = drumPattern({ bpm: 120, seconds: 40, shortBar: 9 });
    const r = await run(p.audio);
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
    // notes and chords at random times (0.25–1.4 s apart): onsets, but no beat
    ["random-time piano notes (seed 11)", rubatoPiano(60, 11)],
    ["random-time piano notes (seed 7)", rubatoPiano(60, 7)],
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

describe("a pulse whose tempo moves (pulse model, pulse-gate.ts)", () => {
  // legato block chords with soft attacks, one per beat, the tempo a random walk: the fixed
  // periodicity/alignment gates before the pulse model answered "no pulse" for all three
  for (const [bpm, drift, seed] of [
    [64, 6, 23],
    [56, 5, 5],
    [72, 8, 5],
  ] as const) {
    it(`rubato chorale around ${bpm} BPM (±${drift} BPM per beat): a tempo, and beats with F ≥ 0.85`, async () => {
      const c = rubatoChorale(60, bpm, drift, seed);
      const r = await run(c.audio);
      assert.ok(r.tempo && r.beats, r.warnings.join("; "));
      const f = beatScores(c.beats, r.beats, 0).fMeasure;
      assert.ok(f >= 0.85, `beat F ${f.toFixed(3)} at ${r.tempo.bpm} BPM`);
    });
  }
});

/** Click tracks: layers of 30 ms noise clicks, each at its own tempo (seconds, gain, phase). */
function clicks(seconds: number, layers: { bpm: number; gain: number; phase?: number }[], seed = 3): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
  for (const { bpm, gain, phase = 0 } of layers) {
    for (let t = 0.1 + phase; t < seconds - 0.1; t += 60 / bpm) {
      const i0 = Math.round(t * RATE);
      for (let i = 0; i < 0.03 * RATE && i0 + i < out.length; i++) out[i0 + i] += gain * Math.exp(-i / (0.005 * RATE)) * rand();
    }
  }
  return out;
}

describe("tempo confidence and candidates", async () => {
  // every kind of rhythm the generators make: clean and drifting grooves, swing, 3/4, a ramp, slow
  // and fast patterns, click tracks, and two equal click layers at unrelated tempi (4:3)
  const signals: [string, Float32Array][] = [
    ["click 100", clicks(20, [{ bpm: 100, gain: 0.5 }])],
    ["click 120", clicks(20, [{ bpm: 120, gain: 0.5 }])],
    ["click 140", clicks(20, [{ bpm: 140, gain: 0.5 }])],
    // 4:3 with the layers 1/12 s apart at their closest (closer clicks merge into one onset)
    ["polyrhythm 90:120", clicks(20, [{ bpm: 90, gain: 0.5 }, { bpm: 120, gain: 0.5, phase: 1 / 12 }])],
    ["polyrhythm 75:100", clicks(20, [{ bpm: 75, gain: 0.5 }, { bpm: 100, gain: 0.5, phase: 0.1 }])],
    ["groove 100", groove(20, 100)],
    ["groove 124, tempo drift", groove(20, 124, 4)],
    ["drums 60", drumPattern({ bpm: 60, seconds: 20, hats: 1 }).audio],
    ["drums 120", drumPattern({ bpm: 120, seconds: 20 }).audio],
    ["drums 196", drumPattern({ bpm: 196, seconds: 20 }).audio],
    ["drums 3/4 150", drumPattern({ bpm: 150, seconds: 20, beatsPerBar: 3 }).audio],
    ["swing 96", drumPattern({ bpm: 96, seconds: 20, swing: 2 / 3 }).audio],
    ["ramp 100 → 130", drumPattern({ bpm: 100, endBpm: 130, seconds: 20 }).audio],
    ["white noise", whiteNoise(20)],
  ];
  const results = new Map<string, Analysis>();
  for (const [name, audio] of signals) results.set(name, await run(audio));

  it("weights sum to 1, best first; the confidence never exceeds the reported tempo's margin over any alternative", () => {
    let checked = 0;
    for (const [name, r] of results) {
      if (!r.tempo) continue;
      const { bpm, confidence, candidates } = r.tempo;
      assert.ok(confidence >= 0 && confidence <= 1, `${name}: confidence ${confidence}`);
      const sum = candidates.reduce((a, c) => a + c.weight, 0);
      assert.ok(Math.abs(sum - 1) <= 0.01, `${name}: weights sum to ${sum}`);
      for (let i = 1; i < candidates.length; i++) assert.ok(candidates[i - 1].weight >= candidates[i].weight, `${name}: not sorted`);
      const reported = candidates.find((c) => c.bpm === bpm);
      assert.ok(reported, `${name}: ${bpm} is not among the candidates ${JSON.stringify(candidates)}`);
      for (const c of candidates) {
        if (c === reported) continue;
        // margin = 1 − w_alt / w_reported, from the weights rounded to 3 decimals
        const margin = reported.weight > 0 ? 1 - c.weight / reported.weight : 0;
        assert.ok(confidence <= Math.max(0, margin) + 0.01, `${name}: confidence ${confidence} with ${c.bpm} at ${c.weight} vs ${reported.weight}`);
      }
      // so: an alternative with as much weight as the reported tempo leaves no confidence at all
      if (candidates[0] !== reported) assert.ok(confidence <= 0.01, `${name}: ${bpm} not the top candidate, confidence ${confidence}`);
      checked++;
    }
    assert.ok(checked >= 12, `only ${checked} signals had a tempo`);
  });

  it("a click track: its own tempo, the first candidate, confidence ≥ 0.9", () => {
    for (const bpm of [100, 120, 140]) {
      const t = results.get(`click ${bpm}`)?.tempo;
      assert.ok(t && within(t.bpm, bpm, 0.01), `click ${bpm}: tempo ${t?.bpm}`);
      assert.equal(t.candidates[0].bpm, t.bpm);
      assert.ok(t.confidence >= 0.9, `click ${bpm}: confidence ${t.confidence}`);
    }
  });

  it("two equal click layers at 4:3 (90:120, 75:100 BPM): both listed with comparable weight, low confidence", () => {
    for (const [a, b] of [
      [90, 120],
      [75, 100],
    ]) {
      const t = results.get(`polyrhythm ${a}:${b}`)?.tempo;
      assert.ok(t, "no tempo");
      const w = (x: number) => t.candidates.find((c) => within(c.bpm, x, 0.02))?.weight ?? 0;
      assert.ok(Math.min(w(a), w(b)) >= 0.5 * Math.max(w(a), w(b)), JSON.stringify(t.candidates));
      assert.ok(t.confidence <= 0.4, `${a}:${b}: confidence ${t.confidence}`);
    }
  });

  it("steady drum patterns keep a clear lead: confidence ≥ 0.6", () => {
    for (const name of ["drums 60", "drums 120", "drums 196", "drums 3/4 150", "swing 96"]) {
      const t = results.get(name)?.tempo;
      assert.ok(t && t.confidence >= 0.6, `${name}: ${JSON.stringify(t)}`);
    }
  });

  it("white noise: no tempo, so no confidence to report", () => {
    assert.equal(results.get("white noise")?.tempo, null);
  });
});

describe("tempo range (bpmRange, --bpm-range)", () => {
  const ranged = (audio: Float32Array, min: number, max: number): Promise<Analysis> =>
    analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: [...RHYTHM], bpmRange: { min, max } });

  it("150 BPM with range 70-140 → 75, the beat grid on every other beat", async () => {
    const p = drumPattern({ bpm: 150, seconds: 20 });
    const r = await ranged(p.audio, 70, 140);
    assert.ok(r.tempo && within(r.tempo.bpm, 75, 0.01), `tempo ${r.tempo?.bpm}`);
    assert.deepEqual(r.options, { bpmRange: { min: 70, max: 140 } });
    // the grid is the half-tempo one: its beats fall on the pattern's beats, half as many
    assert.ok(r.beats);
    const s = beatScores(p.beats.filter((_, i) => i % 2 === 0), r.beats);
    const s2 = beatScores(p.beats.filter((_, i) => i % 2 === 1), r.beats);
    assert.ok(Math.max(s.fMeasure, s2.fMeasure) >= 0.95, `beat F ${s.fMeasure.toFixed(3)} / ${s2.fMeasure.toFixed(3)}`);
  });

  it("75 BPM with range 100-200 → 150; a range holding the tempo changes nothing", async () => {
    const p = drumPattern({ bpm: 75, seconds: 20, hats: 1 });
    const r = await ranged(p.audio, 100, 200);
    assert.ok(r.tempo && within(r.tempo.bpm, 150, 0.01), `tempo ${r.tempo?.bpm}`);
    assert.ok(r.beats && r.beats.length > 1.8 * p.beats.filter((t) => t >= r.beats![0]).length, "twice as many beats");
    const same = await ranged(p.audio, 60, 90);
    assert.ok(same.tempo && within(same.tempo.bpm, 75, 0.01), `tempo ${same.tempo?.bpm}`);
  });

  it("no range: no options field; a bad range is rejected before decoding", async () => {
    const r = await run(drumPattern({ bpm: 120, seconds: 8 }).audio);
    assert.equal(r.options, undefined);
    for (const [min, max] of [[0, 10], [200, 100], [Number.NaN, 120], [120, 120]]) {
      await assert.rejects(ranged(new Float32Array(RATE), min, max), (e: Error & { code?: string }) => e.code === "BAD_OPTION", `${min}-${max}`);
    }
  });
});

describe("tempo.alternative", () => {
  it("is the heavier octave candidate (×2 / ×½); a 75 BPM ballad beat's is 150", async () => {
    for (const [bpm, hats] of [[75, 1], [120, 2], [150, 2]] as const) {
      const r = await run(drumPattern({ bpm, seconds: 20, hats }).audio);
      assert.ok(r.tempo?.alternative, `${bpm}: no alternative`);
      const alt = r.tempo.alternative;
      const octave = r.tempo.candidates.filter((c) => within(c.bpm / r.tempo!.bpm, 2, 0.02) || within(c.bpm / r.tempo!.bpm, 0.5, 0.02));
      assert.ok(octave.some((c) => c.bpm === alt.bpm && c.weight === alt.weight), `${bpm}: ${JSON.stringify(alt)} is not an octave candidate`);
      assert.equal(alt.weight, Math.max(...octave.map((c) => c.weight)), `${bpm}: not the heaviest octave candidate`);
      if (bpm === 75) assert.ok(within(alt.bpm, 150, 0.01), `75 BPM: alternative ${alt.bpm}`);
    }
  });

  it("×3/2 or ×⅔ only when it weighs more than twice the octave reading; ties go to the one nearer 120", () => {
    const c = (bpm: number, weight: number) => ({ bpm, weight });
    assert.deepEqual(alternativeOf(100, [c(100, 0.6), c(200, 0.1), c(50, 0.1), c(150, 0.2)]), c(200, 0.1));
    assert.deepEqual(alternativeOf(100, [c(100, 0.6), c(200, 0.1), c(50, 0.05), c(66.7, 0.25)]), c(66.7, 0.25));
    assert.deepEqual(alternativeOf(100, [c(100, 1), c(200, 0), c(50, 0), c(150, 0)]), c(200, 0));
    assert.deepEqual(alternativeOf(70, [c(70, 1), c(140, 0), c(35, 0)]), c(140, 0));
    assert.deepEqual(alternativeOf(100, [c(100, 0.7), c(50, 0.3)]), c(50, 0.3));
    assert.equal(alternativeOf(100, [c(100, 1)]), null);
  });
});
