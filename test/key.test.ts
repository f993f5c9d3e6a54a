import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { camelot, keyName, openKey, PITCH_CLASSES } from "../src/analyzers/key-notation.js";
import { mirexKeyScore } from "../src/eval/metrics.js";
import { estimateKey, relativeModeEvidence } from "../src/analyzers/key.js";
import type { ChromaStream } from "../src/features/chroma.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis, Mode } from "../src/result.js";
import { CHORDS, concat, drumLoop, MAJOR_CADENCE, MINOR_CADENCE, mix, progression, RATE, type Timbre, wav, whiteNoise } from "./signals/chords.js";

const keyOf = (samples: Float32Array): Promise<Analysis> => analyze(wav(samples), { features: ["key"] });

function cadence(tonic: number, mode: Mode, timbre: Timbre = "rich", detuneCents = 0, seconds = 12): Float32Array {
  const chords = mode === "major" ? MAJOR_CADENCE : MINOR_CADENCE;
  return progression({
    tonic,
    chords,
    timbre,
    detuneCents,
    chordSeconds: seconds / 12,
    repeats: 3,
  });
}

describe("key notation", () => {
  it("names, Camelot and Open Key match the published wheels", () => {
    assert.equal(camelot(0, "major"), "8B");
    assert.equal(openKey(0, "major"), "1d");
    assert.equal(camelot(9, "minor"), "8A");
    assert.equal(openKey(9, "minor"), "1m");
    assert.equal(camelot(6, "minor"), "11A");
    assert.equal(openKey(6, "minor"), "4m");
    assert.equal(keyName(6, "minor"), "F# minor");
    assert.equal(camelot(11, "major"), "1B");
    assert.equal(openKey(5, "major"), "12d");
  });

  it("all 24 keys follow the circle of fifths, relatives share a number", () => {
    const seenC = new Set<string>();
    const seenO = new Set<string>();
    for (let pc = 0; pc < 12; pc++) {
      for (const mode of ["major", "minor"] as Mode[]) {
        const c = camelot(pc, mode);
        const o = openKey(pc, mode);
        seenC.add(c);
        seenO.add(o);
        // the relative major of a minor key is 3 semitones up
        const majorPc = mode === "major" ? pc : (pc + 3) % 12;
        // Camelot: C = 8, each fifth up +1; Open Key: C = 1, each fifth up +1
        const fifths = (majorPc * 7) % 12; // steps round the circle of fifths from C
        assert.equal(c, `${((fifths + 7) % 12) + 1}${mode === "major" ? "B" : "A"}`, `${keyName(pc, mode)} Camelot`);
        assert.equal(o, `${fifths + 1}${mode === "major" ? "d" : "m"}`, `${keyName(pc, mode)} Open Key`);
        assert.equal(keyName(pc, mode), `${PITCH_CLASSES[pc]} ${mode}`);
      }
    }
    assert.equal(seenC.size, 24);
    assert.equal(seenO.size, 24);
  });
});

describe("key estimation", () => {
  it("finds the 24 keys from I–IV–V–I / i–iv–V–i cadences (harmonic-rich timbre)", async () => {
    // Known weakness: on these bare cadences the minor third sounds in only half the chords and
    // the profile match can tip to the parallel major (F minor does today): at most one miss, and
    // a miss must still be a related key (MIREX score ≥ 0.2).
    const misses: string[] = [];
    for (let tonic = 0; tonic < 12; tonic++) {
      for (const mode of ["major", "minor"] as Mode[]) {
        const r = await keyOf(cadence(tonic, mode, "rich", 0, 12));
        const want = keyName(tonic, mode);
        assert.ok(r.key, `${want}: no key`);
        assert.equal(r.key.candidates.length, 3);
        assert.equal(r.key.candidates[0].name, r.key.name);
        assert.equal(r.key.camelot, camelot(PITCH_CLASSES.indexOf(r.key.tonic as never), r.key.mode));
        assert.equal(r.key.openKey, openKey(PITCH_CLASSES.indexOf(r.key.tonic as never), r.key.mode));
        if (r.key.name !== want) {
          misses.push(`${want} → ${r.key.name}`);
          assert.ok(mirexKeyScore(want, r.key.name) >= 0.2, `${want} → ${r.key.name} (${JSON.stringify(r.key.candidates)})`);
        }
      }
    }
    assert.ok(misses.length <= 1, `misses: ${misses.join(", ")}`);
  });

  it("minor pop loops without a leading tone stay minor, not their relative major (issue 11)", async () => {
    // i–VI–III–VII and its rotations are the chords of the relative major's vi–IV–I–V: only where
    // the tune rests (tonic and fifth of the minor) says minor. Before the mode test every one of
    // these came out as the relative major (A minor → C major, F minor → G# major, …).
    const { i, VI, III, VII } = CHORDS;
    const cases: [string, number[][], number[], Timbre][] = [
      ["i–VI–III–VII", [i, VI, III, VII], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "rich"],
      ["i–VI–III–VII", [i, VI, III, VII], [9, 5, 11, 6], "sine"],
      ["i–III–VII–VI", [i, III, VII, VI], [9, 5, 11, 6], "rich"],
      ["i–III–VI–VII", [i, III, VI, VII], [9, 5, 11, 6], "sine"],
    ];
    for (const [name, chords, tonics, timbre] of cases) {
      for (const tonic of tonics) {
        const r = await keyOf(progression({ tonic, chords, timbre, melody: true, repeats: 4 }));
        assert.equal(r.key?.name, keyName(tonic, "minor"), `${name} in ${keyName(tonic, "minor")} (${timbre}): ${JSON.stringify(r.key?.candidates)}`);
      }
    }
  });

  it("major pop loops that start on vi stay major (the mode test does not favour minor)", async () => {
    const { I, IV, V, vi, iii } = CHORDS;
    for (let tonic = 0; tonic < 12; tonic++) {
      const r = await keyOf(progression({ tonic, chords: [vi, IV, I, V], melody: true, repeats: 4 }));
      assert.equal(r.key?.name, keyName(tonic, "major"), `vi–IV–I–V in ${keyName(tonic, "major")}: ${JSON.stringify(r.key?.candidates)}`);
    }
    for (const tonic of [0, 4, 8]) {
      const r = await keyOf(progression({ tonic, chords: [I, iii, vi, IV], melody: true, repeats: 4, timbre: "sine" }));
      assert.equal(r.key?.name, keyName(tonic, "major"), `I–iii–vi–IV in ${keyName(tonic, "major")}: ${JSON.stringify(r.key?.candidates)}`);
    }
  });

  it("a pentatonic pop profile keeps its tonic, not the dominant's key (Temperley profile)", () => {
    // Treble and bass profiles of a POP909 half-A song in B♭ major, transposed to C: the tune is
    // pentatonic (C D E G A), so F and B — what tells C major from G major — are weak, and the
    // Krumhansl–Kessler profile (with the bass at ½, the defaults before) gave G major in all 12
    // transpositions.
    const treble = [0.79, 0.1, 0.89, 0.06, 0.72, 0.22, 0.18, 0.98, 0.13, 1, 0.09, 0.46];
    const bass = [0.26, 0.03, 0.33, 0.04, 0.36, 0.1, 0.03, 1, 0.04, 0.72, 0.04, 0.03];
    const stream = (shift: number): ChromaStream => {
      const n = 40;
      const t = new Float32Array(n * 12);
      const b = new Float32Array(n * 12);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 12; c++) {
          t[i * 12 + ((c + shift) % 12)] = treble[c];
          b[i * 12 + ((c + shift) % 12)] = bass[c];
        }
      }
      const ones = new Float32Array(n).fill(1);
      return { blocksPerSecond: 4, blockCount: n, treble: t, bass: b, tonal: ones, total: ones, tuningCents: 0, referenceHz: 440, tuningStrength: 1 };
    };
    for (let tonic = 0; tonic < 12; tonic++) {
      assert.equal(estimateKey(stream(tonic)).key?.name, keyName(tonic, "major"));
      const before = estimateKey(stream(tonic), { profile: "krumhansl", bassWeight: 0.5, modePower: 1 });
      assert.equal(before.key?.name, keyName((tonic + 7) % 12, "major"), "the old defaults took the dominant");
    }
  });

  it("the relative major/minor test is symmetric", () => {
    // C major / A minor pair: A + E (+ the third C) against C + G (+ the third E)
    const minorish = [3, 0, 1, 0, 3, 1, 0, 1, 0, 4, 0, 1];
    const majorish = [4, 0, 1, 0, 1, 1, 0, 3, 0, 3, 0, 1];
    assert.ok(relativeModeEvidence(minorish, 0) > 0);
    assert.ok(relativeModeEvidence(majorish, 0) < 0);
    // root and fifth alone (third weight 0): the mirror image (A↔C, E↔G) gives the opposite evidence
    const mirror = (v: number[]) => v.map((_, c) => v[[9, 1, 2, 3, 7, 5, 6, 4, 8, 0, 10, 11][c]]);
    assert.ok(Math.abs(relativeModeEvidence(mirror(minorish), 0, 0) + relativeModeEvidence(minorish, 0, 0)) < 1e-12);
    // with the thirds: the A minor triad and the C major triad give opposite evidence of the same size
    const aMinorTriad = [1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0];
    const cMajorTriad = [1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0];
    assert.ok(relativeModeEvidence(aMinorTriad, 0) > 0);
    assert.ok(Math.abs(relativeModeEvidence(aMinorTriad, 0) + relativeModeEvidence(cMajorTriad, 0)) < 1e-12);
    // the whole pitch set, evenly: no evidence either way
    assert.equal(relativeModeEvidence([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], 0), 0);
  });

  it("the mode test weighs each tonic triad's third (generated half-A tracks the root–fifth test got wrong)", () => {
    // Mode-test profiles (per-block treble, normalised to its maximum, squared, summed; rounded)
    // of generated corpus half-A tracks, transposed to the C major / A minor pair. Root and fifth
    // alone (A + E against C + G) call each the wrong mode: C# minor → E major, G# minor → B major,
    // C# major → A# minor. With the thirds weighted 0.6 each is right (margins 0.01–0.03 in log
    // units: near the boundary, which is where the thirds decide).
    const cases: [string, number[], "major" | "minor"][] = [
      ["gen-049 (C# minor)", [1.0, 0.0, 0.34, 0.0, 0.56, 0.19, 0.01, 0.31, 0.02, 0.53, 0.01, 0.19], "minor"],
      ["gen-093 (G# minor)", [0.76, 0.0, 0.21, 0.0, 0.56, 0.48, 0.14, 0.9, 0.02, 1.0, 0.01, 0.37], "minor"],
      ["gen-001 (C# major)", [0.31, 0.1, 1.0, 0.1, 0.53, 0.5, 0.06, 0.5, 0.17, 0.39, 0.04, 0.12], "major"],
    ];
    for (const [name, profile, mode] of cases) {
      for (let shift = 0; shift < 12; shift++) {
        const v = profile.map((_, c) => profile[(c - shift + 12) % 12]);
        const now = relativeModeEvidence(v, shift);
        const rootFifth = relativeModeEvidence(v, shift, 0);
        assert.equal(now > 0, mode === "minor", `${name} +${shift}: evidence ${now.toFixed(3)}`);
        assert.equal(rootFifth > 0, mode !== "minor", `${name}: root and fifth alone got it right (${rootFifth.toFixed(3)})`);
      }
    }
  });

  it("works with a sine-like timbre", async () => {
    for (const [tonic, mode] of [
      [2, "major"],
      [7, "minor"],
      [10, "major"],
      [4, "minor"],
    ] as [number, Mode][]) {
      const r = await keyOf(cadence(tonic, mode, "sine"));
      assert.equal(r.key?.name, keyName(tonic, mode));
    }
  });

  it("works under a loud drum loop", async () => {
    for (const [tonic, mode, timbre] of [
      [9, "minor", "rich"],
      [5, "major", "sine"],
      [1, "major", "rich"],
      [11, "minor", "sine"],
    ] as [number, Mode, Timbre][]) {
      const music = cadence(tonic, mode, timbre);
      const r = await keyOf(mix(music, drumLoop(music.length / RATE, 120, 1.5)));
      assert.equal(r.key?.name, keyName(tonic, mode), `${timbre} ${keyName(tonic, mode)} with drums: ${JSON.stringify(r.key?.candidates)}`);
    }
  });

  it("estimates and uses the tuning (±30 cents)", async () => {
    for (const [tonic, mode, cents] of [
      [0, "major", 30],
      [9, "minor", -30],
      [6, "minor", 30],
      [3, "major", -30],
    ] as [number, Mode, number][]) {
      const r = await keyOf(cadence(tonic, mode, "rich", cents));
      assert.equal(r.key?.name, keyName(tonic, mode), `${keyName(tonic, mode)} detuned ${cents}`);
      assert.ok(r.tuning, "tuning reported");
      assert.ok(Math.abs(r.tuning.cents - cents) <= 5, `tuning ${r.tuning.cents} cents, want ${cents}`);
      const hz = 440 * 2 ** (cents / 1200);
      assert.ok(Math.abs(r.tuning.referenceHz - hz) < 1.5, `A4 ${r.tuning.referenceHz} Hz, want ${hz.toFixed(2)}`);
    }
    const inTune = await keyOf(cadence(7, "major"));
    assert.ok(inTune.tuning && Math.abs(inTune.tuning.cents) <= 3, `in tune: ${inTune.tuning?.cents}`);
  });

  it("finds a modulation (24 s C major → 12 s E♭ major) within a few seconds", async () => {
    const first = progression({ tonic: 0, chords: MAJOR_CADENCE, repeats: 6 }); // 24 s
    const second = progression({ tonic: 3, chords: MAJOR_CADENCE, repeats: 3 }); // 12 s
    const r = await keyOf(concat(first, second));
    const segs = r.keySegments;
    assert.ok(segs, "keySegments reported");
    assert.deepEqual(
      segs.map((s) => s.key),
      ["C major", "D# major"],
      JSON.stringify(segs),
    );
    assert.ok(Math.abs(segs[1].start - 24) <= 3, `change found at ${segs[1].start} s, want 24 s`);
    assert.equal(segs[0].start, 0);
    assert.ok(Math.abs(segs[1].end - r.duration) < 0.5);
    assert.equal(r.key?.name, "C major", "the global key is the one covering most of the track");
  });

  it("a piece in one key gives a single segment covering the track", async () => {
    const r = await keyOf(cadence(4, "minor", "rich", 0, 16));
    assert.equal(r.keySegments?.length, 1);
    assert.equal(r.keySegments?.[0].key, "E minor");
  });

  it("drums only, noise and silence have no key (null with a warning)", async () => {
    for (const [what, samples] of [
      ["drums", drumLoop(10, 120, 1)],
      ["noise", whiteNoise(8)],
      ["silence", new Float32Array(8 * RATE)],
    ] as [string, Float32Array][]) {
      const r = await keyOf(samples);
      assert.equal(r.key, null, `${what}: expected no key, got ${r.key?.name} (${JSON.stringify(r.key?.candidates)})`);
      assert.ok(
        r.warnings.some((w) => w.startsWith("key:")),
        `${what}: warning expected, got ${JSON.stringify(r.warnings)}`,
      );
      assert.equal(r.keySegments, null);
    }
  });

  it("reports confidence in 0..1 and candidates in score order", async () => {
    const r = await keyOf(cadence(2, "minor"));
    assert.ok(r.key);
    assert.ok(r.key.confidence >= 0 && r.key.confidence <= 1);
    const s = r.key.candidates.map((c) => c.score);
    assert.ok(s[0] >= s[1] && s[1] >= s[2]);
  });
});
