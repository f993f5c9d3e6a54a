/**
 * Structure (analyzers/structure.ts) on synthesised tracks with known sections, and its kernels
 * (dsp/segment.ts). The dance track: 120 BPM (a bar is 2 s), six 8-bar sections — a quiet drum
 * intro, a verse (drums + chords in C), a loud drop (harder drums, chords and melody in A minor),
 * a breakdown (the drop's chords, soft, no drums), the drop again, a quiet drum outro — so the
 * true boundaries are 16, 32, 48, 64 and 80 s, each on a downbeat. Tolerance: a boundary within
 * one beat (0.5 s) of the truth, the strict window of the boundary F-measure.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { analyzeStructure, cuesOf, kindsOf } from "../src/analyzers/structure.js";
import { checkerboardNovelty, pickPeaks, selfSimilarity, smoothFrames } from "../src/dsp/segment.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis, Section } from "../src/result.js";
import { concat, drumLoop, MAJOR_CADENCE, MINOR_CADENCE, mix, progression, wav, whiteNoise } from "./signals/chords.js";

const SECTION_SECONDS = 16;
const TRUE_BOUNDARIES = [16, 32, 48, 64, 80];

const scale = (x: Float32Array, g: number) => x.map((v) => v * g);

function danceTrack(): Float32Array {
  const s = SECTION_SECONDS;
  const chordsC = () => progression({ tonic: 0, chords: MAJOR_CADENCE, chordSeconds: 2, repeats: 2 });
  const chordsAm = (melody: boolean) => progression({ tonic: 9, chords: MINOR_CADENCE, chordSeconds: 2, repeats: 2, melody });
  const drop = () => mix(drumLoop(s, 120, 1, 2), scale(chordsAm(true), 1.5), scale(whiteNoise(s, 0.05, 3), 1));
  return concat(
    drumLoop(s, 120, 0.2),
    mix(drumLoop(s, 120, 0.5), chordsC()),
    drop(),
    scale(chordsAm(true), 0.4),
    drop(),
    drumLoop(s, 120, 0.2),
  );
}

const starts = (sections: Section[]) => sections.slice(1).map((x) => x.start);
const near = (t: number, list: number[], tol: number) => list.some((u) => Math.abs(u - t) <= tol);

describe("structure of a dance track (intro, verse, drop, breakdown, drop, outro)", () => {
  let r: Analysis;
  before(async () => {
    r = await analyze(wav(danceTrack()), { features: ["structure", "downbeats"] });
  });

  it("finds every section boundary within a beat, and few extra ones", () => {
    const found = starts(r.sections!);
    for (const t of TRUE_BOUNDARIES) assert.ok(near(t, found, 0.5), `boundary at ${t} s missing: found ${found.join(", ")}`);
    assert.ok(found.length <= TRUE_BOUNDARIES.length + 1, `too many boundaries: ${found.join(", ")}`);
  });

  it("sections cover the track in order, on downbeats, with bar counts", () => {
    const s = r.sections!;
    assert.equal(s[0].start, 0);
    assert.ok(Math.abs(s[s.length - 1].end - r.duration) < 0.01);
    for (let i = 1; i < s.length; i++) {
      assert.equal(s[i].start, s[i - 1].end);
      assert.ok(r.downbeats!.some((d) => Math.abs(d - s[i].start) < 1e-3), `section start ${s[i].start} is not a downbeat`);
    }
    const drop = s.find((x) => Math.abs(x.start - 32) <= 0.5)!;
    assert.ok(drop.bars !== null && Math.abs(drop.bars - 8) <= 1, `the drop has ${drop.bars} bars`);
  });

  it("a quiet intro, loud drops, a breakdown between them, an outro; the drops share a group", () => {
    const s = r.sections!;
    const at = (t: number) => s.find((x) => t >= x.start && t < x.end)!;
    assert.equal(at(8).kind, "intro");
    assert.equal(at(40).kind, "drop");
    assert.equal(at(72).kind, "drop");
    assert.equal(at(56).kind, "breakdown");
    assert.equal(at(88).kind, "outro");
    assert.equal(at(40).group, at(72).group);
    assert.notEqual(at(40).group, at(8).group);
    assert.ok(at(40).energy > 0.9 && at(8).energy < 0.5, `energies: drop ${at(40).energy}, intro ${at(8).energy}`);
  });

  it("cues: the first downbeat, mix in and out, both drops; all on downbeats, in time order", () => {
    const cues = r.cues!;
    const kinds = cues.map((c) => c.kind);
    assert.equal(cues[0].kind, "first-downbeat");
    assert.equal(cues[0].time, r.downbeats![0]);
    assert.ok(kinds.includes("mix-in") && kinds.includes("mix-out"), kinds.join(", "));
    const drops = cues.filter((c) => c.kind === "drop").map((c) => c.time);
    assert.equal(drops.length, 2);
    assert.ok(near(32, drops, 0.5) && near(64, drops, 0.5), `drops at ${drops.join(", ")}`);
    assert.ok(near(16, cues.filter((c) => c.kind === "mix-in").map((c) => c.time), 0.5), "mix in at the end of the intro");
    assert.ok(near(80, cues.filter((c) => c.kind === "mix-out").map((c) => c.time), 0.5), "mix out at the start of the outro");
    for (let i = 1; i < cues.length; i++) assert.ok(cues[i].time > cues[i - 1].time);
    for (const c of cues) assert.ok(r.downbeats!.some((d) => Math.abs(d - c.time) < 1e-3), `${c.name} at ${c.time} is not on a downbeat`);
  });
});

describe("structure without a pulse, and of very short input", () => {
  it("no beat: sections from time frames, without bars", async () => {
    // soft noise, then held chords (no attacks after the first: no pulse), then loud noise
    const held = progression({ tonic: 2, chords: [[0, 4, 7]], chordSeconds: 20, repeats: 1, timbre: "sine" });
    const audio = concat(whiteNoise(20, 0.05, 1), scale(held, 2), whiteNoise(20, 0.4, 2));
    const r = await analyze(wav(audio), { features: ["structure", "beats"] });
    assert.equal(r.beats, null, "the test signal should have no pulse");
    const s = r.sections!;
    assert.ok(s.every((x) => x.bars === null));
    const found = starts(s);
    for (const t of [20, 40]) assert.ok(near(t, found, 1.5), `boundary at ${t} s missing: found ${found.join(", ")}`);
    assert.ok(found.length <= 4, found.join(", "));
    assert.ok(r.cues!.every((c) => c.kind !== "first-downbeat"));
    assert.ok(r.warnings.some((w) => /structure: no bar grid/.test(w)));
  });

  it("a second of audio, and three: one section covering it, no failure", async () => {
    for (const seconds of [1, 3]) {
      const r = await analyze(wav(drumLoop(seconds)), { features: ["structure"] });
      assert.equal(r.sections!.length, 1);
      assert.equal(r.sections![0].start, 0);
      assert.ok(Math.abs(r.sections![0].end - seconds) < 0.02);
      assert.equal(r.sections![0].energy, 1);
      assert.ok(Array.isArray(r.cues));
    }
  });

  it("silence: one section, no drop", () => {
    const zeros = (n: number) => new Float32Array(n);
    const seconds = 30;
    const s = analyzeStructure({
      chroma: { blocksPerSecond: 4.3, blockCount: 129, treble: zeros(129 * 12), bass: zeros(129 * 12), tonal: zeros(129), total: zeros(129), tuningCents: 0, referenceHz: 440, tuningStrength: 0 },
      timbre: { framesPerSecond: 10.8, power: zeros(324), centroidHz: zeros(324), flatness: zeros(324) },
      onset: { framesPerSecond: 86.13, total: zeros(2584), low: zeros(2584), mid: zeros(2584), high: zeros(2584) },
      loudness: { subBlockPower: new Float64Array(300), subBlockSeconds: 0.1, truePeak: 0, samplePeak: 0 },
      beats: null,
      downbeats: null,
      duration: seconds,
    });
    assert.equal(s.sections.length, 1);
    assert.ok(s.cues.every((c) => c.kind !== "drop"));
  });
});

describe("structure rules", () => {
  it("kinds: quieter ends are intro and outro, a jump up is a drop, a rising short section before it a build, a dip a breakdown", () => {
    const traits = (rows: [number, number, boolean, number][]) =>
      rows.map(([intensity, activity, rising, group], i) => ({ intensity, activity, rising, seconds: 30, group, position: i / rows.length }));
    // intro, verse, build, drop, breakdown (no drums), drop, outro
    const track = traits([
      [0.2, 0.3, false, 0],
      [0.5, 0.6, false, 1],
      [0.55, 0.6, true, 2],
      [1, 1, false, 3],
      [0.5, 0.1, false, 4],
      [0.95, 1, false, 3],
      [0.3, 0.4, false, 5],
    ]);
    assert.deepEqual(kindsOf(track), ["intro", "verse", "build", "drop", "breakdown", "drop", "outro"]);
    // the same without the build's rise: a verse, and the drop still stands out from it
    track[2].rising = false;
    assert.deepEqual(kindsOf(track).slice(2, 4), ["verse", "drop"]);
    // a loud first section is judged as a middle one; a single section is a verse
    assert.deepEqual(kindsOf(traits([[1, 1, false, 0], [0.2, 0.2, false, 1]])), ["verse", "outro"]);
    assert.deepEqual(kindsOf(traits([[0.5, 0.5, false, 0]])), ["verse"]);
  });

  it("cues: one per time, the more specific kind winning", () => {
    const sec = (start: number, end: number, kind: Section["kind"]): Section => ({ start, end, kind, group: "A", bars: 8, energy: 1 });
    const downbeats = Array.from({ length: 50 }, (_, i) => i * 2);
    const cues = cuesOf([sec(0, 16, "intro"), sec(16, 32, "drop"), sec(32, 80, "verse"), sec(80, 100, "outro")], downbeats, 100);
    assert.deepEqual(
      cues.map((c) => [c.time, c.kind]),
      [
        [0, "first-downbeat"],
        [16, "drop"],
        [32, "section"],
        [80, "mix-out"],
      ],
    );
    // an intro and an outro of two sections each: mix in after both, mix out before both, one
    // section cue for neither's second part
    const runs = cuesOf([sec(0, 16, "intro"), sec(16, 32, "intro"), sec(32, 64, "drop"), sec(64, 80, "outro"), sec(80, 100, "outro")], downbeats, 100);
    assert.deepEqual(
      runs.map((c) => [c.time, c.kind]),
      [
        [0, "first-downbeat"],
        [32, "drop"],
        [64, "mix-out"],
      ],
    );
  });
});

describe("segmentation kernels (dsp/segment.ts)", () => {
  // three blocks of 20 frames with distinct 2-d features, a little noise
  const blocks = () => {
    const x = new Float32Array(60 * 2);
    let s = 1;
    const noise = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 0.2;
    for (let i = 0; i < 60; i++) {
      const b = Math.floor(i / 20);
      x[2 * i] = [0, 1, 0][b] + noise();
      x[2 * i + 1] = [0, 0, 1][b] + noise();
    }
    return x;
  };

  it("self-similarity: 1 on the diagonal, high within a block, low across", () => {
    const ssm = selfSimilarity(blocks(), 2, 20);
    const at = (i: number, j: number) => ssm.values[i * (ssm.bandwidth + 1) + (j - i)];
    assert.equal(at(5, 5), 1);
    assert.ok(at(5, 12) > 0.5 && at(15, 25) < 0.1, `${at(5, 12)} ${at(15, 25)}`);
  });

  it("checkerboard novelty peaks at the block changes; pickPeaks keeps them apart", () => {
    const nov = checkerboardNovelty(selfSimilarity(blocks(), 2, 15), 8);
    assert.deepEqual(pickPeaks(nov, 0.3, 5), [20, 40]);
    assert.ok(nov[10] < 0.2 && nov[30] < 0.2);
  });

  it("pickPeaks: strongest first, a weaker peak within the distance dropped, plateaus once", () => {
    assert.deepEqual(pickPeaks([0, 3, 0, 5, 0, 0, 2, 2, 0, 1], 1, 3), [3, 6, 9]);
    assert.deepEqual(pickPeaks([0, 3, 0, 5, 0], 4, 1), [3]);
  });

  it("smoothFrames: a centred moving average per dimension", () => {
    assert.deepEqual(Array.from(smoothFrames(Float32Array.from([0, 10, 3, 13, 6, 16]), 2, 3)), [1.5, 11.5, 3, 13, 4.5, 14.5]);
  });
});


