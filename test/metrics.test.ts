/**
 * The MIR metrics against hand-worked cases. Every expected beat value below was also checked
 * against mir_eval 0.8.2 (mir_eval.beat.f_measure / continuity after trim_beats,
 * mir_eval.key.weighted_score); the comments show the arithmetic.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  beatFMeasure,
  beatScores,
  continuityMetrics,
  downbeatFMeasure,
  keyExact,
  matchEventCount,
  meterAccuracy,
  mirexKeyScore,
  parseKey,
  referenceBeatVariations,
  segmentDetection,
  segmentPairwise,
  tempoAcc1,
  tempoAcc2,
  trimBeats,
} from "../src/eval/metrics.js";

const grid = (start: number, period: number, n: number) => Array.from({ length: n }, (_, i) => start + period * i);
const near = (actual: number, expected: number, what = "") =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} expected ${expected}, got ${actual}`);

/** 120 BPM, 0 … 30 s: 61 beats; 51 of them (5 … 30 s) survive the 5 s trim. */
const REF = grid(0, 0.5, 61);

describe("tempo Acc1 / Acc2", () => {
  test("Acc1 is within 4 % of the reference", () => {
    assert.equal(tempoAcc1(120, 120), 1);
    assert.equal(tempoAcc1(124.7, 120), 1); // 3.9 %
    assert.equal(tempoAcc1(115.3, 120), 1);
    assert.equal(tempoAcc1(125, 120), 0); // 4.2 %
    assert.equal(tempoAcc1(114.9, 120), 0);
    assert.equal(tempoAcc1(240, 120), 0);
  });
  test("Acc2 forgives double, half, triple and third", () => {
    for (const est of [120, 240, 60, 360, 40, 245, 39]) assert.equal(tempoAcc2(est, 120), 1, `est ${est}`);
    for (const est of [180, 80, 150, 100, 250]) assert.equal(tempoAcc2(est, 120), 0, `est ${est}`);
    // The 4 % is relative to the scaled target: 2 × 120 = 240 ± 9.6.
    assert.equal(tempoAcc2(249.5, 120), 1);
    assert.equal(tempoAcc2(250, 120), 0);
  });
  test("no estimate scores 0; a bad reference throws", () => {
    for (const est of [null, undefined, Number.NaN, 0, -120]) {
      assert.equal(tempoAcc1(est, 120), 0);
      assert.equal(tempoAcc2(est, 120), 0);
    }
    assert.throws(() => tempoAcc1(120, 0), RangeError);
  });
});

describe("beat event matching", () => {
  test("is a maximum matching, not nearest-first", () => {
    // 1.05 is equally near both references; matching it to 1.1 would leave 1.12 unmatched.
    assert.equal(matchEventCount([1.0, 1.1], [1.05, 1.12], 0.07), 2);
  });
  test("the window is inclusive and each reference is used once", () => {
    assert.equal(matchEventCount([1], [1.0625], 0.0625), 1);
    assert.equal(matchEventCount([1], [1.0626], 0.0625), 0);
    assert.equal(matchEventCount([1], [0.99, 1.01], 0.07), 1);
  });
});

describe("beat F-measure and continuity (mir_eval.beat, 5 s trim)", () => {
  test("perfect beats", () => {
    assert.deepEqual(beatScores(REF, REF), { fMeasure: 1, cmlc: 1, cmlt: 1, amlc: 1, amlt: 1 });
  });

  test("off-beat: F = 0, CML = 0, AML near 1", () => {
    const s = beatScores(REF, REF.map((t) => t + 0.25));
    assert.equal(s.fMeasure, 0);
    assert.equal(s.cmlc, 0);
    assert.equal(s.cmlt, 0);
    // The off-beat variation has 50 beats (5.25 … 29.75), the estimate 51 (… 30.25); mir_eval
    // divides by max(50, 51).
    near(s.amlc, 50 / 51);
    near(s.amlt, 50 / 51);
  });

  test("double tempo: CMLt 0, AMLt 1", () => {
    const s = beatScores(REF, grid(0, 0.25, 121));
    near(s.fMeasure, (2 * 51) / (101 + 51)); // P = 51/101, R = 1
    assert.equal(s.cmlt, 0);
    assert.equal(s.amlt, 1);
    assert.equal(s.amlc, 1);
  });

  test("half tempo, on either phase: AMLt 1", () => {
    const odd = beatScores(REF, REF.filter((_, i) => i % 2 === 0));
    near(odd.fMeasure, (2 * 26) / (26 + 51));
    assert.equal(odd.cmlt, 0);
    assert.equal(odd.amlt, 1);
    const even = beatScores(REF, REF.filter((_, i) => i % 2 === 1));
    near(even.fMeasure, (2 * 25) / (25 + 51));
    assert.equal(even.cmlt, 0);
    assert.equal(even.amlt, 1);
  });

  test("jitter inside ±70 ms is perfect", () => {
    const jitter = [0.03, -0.03, 0.02, -0.01, 0, 0.025];
    assert.deepEqual(beatScores(REF, REF.map((t, i) => t + jitter[i % 6])), {
      fMeasure: 1,
      cmlc: 1,
      cmlt: 1,
      amlc: 1,
      amlt: 1,
    });
  });

  test("80 ms errors fail F-measure but pass continuity (87.5 ms at this tempo)", () => {
    const s = beatScores(REF, REF.map((t, i) => (i % 4 === 0 ? t + 0.08 : t)));
    near(s.fMeasure, 38 / 51); // 13 of the 51 trimmed beats are off
    assert.equal(s.cmlt, 1);
    assert.equal(s.cmlc, 1);
  });

  test("a 3 s gap: total counts every correct beat, continuous only the longest run", () => {
    const s = beatScores(REF, REF.filter((t) => t < 12 || t > 15));
    near(s.fMeasure, (2 * 44) / (44 + 51));
    near(s.cmlt, 43 / 51); // the beat after the gap has the wrong preceding interval
    near(s.cmlc, 29 / 51); // 16.0 … 30.0
    near(s.amlt, 43 / 51);
  });

  test("5 % too slow drifts out of phase (mir_eval values)", () => {
    const s = beatScores(REF, REF.map((t) => t * 1.05));
    near(s.fMeasure, 0.19607843137254902);
    near(s.cmlc, 0.13725490196078433);
    near(s.cmlt, 0.29411764705882354);
    near(s.amlc, 0.13725490196078433);
    near(s.amlt, 0.35294117647058826);
  });

  test("every 7th beat 200 ms late (mir_eval values)", () => {
    const s = beatScores(REF, REF.map((t, i) => (i % 7 === 0 ? t + 0.2 : t)));
    near(s.fMeasure, 0.8627450980392157);
    near(s.cmlc, 0.09803921568627451);
    near(s.cmlt, 0.7254901960784313);
    near(s.amlt, 0.7254901960784313);
  });

  test("no, empty, single or early-only estimates score 0", () => {
    const zero = { fMeasure: 0, cmlc: 0, cmlt: 0, amlc: 0, amlt: 0 };
    assert.deepEqual(beatScores(REF, null), zero);
    assert.deepEqual(beatScores(REF, []), zero);
    assert.deepEqual(beatScores(REF, [1, 2, 3, 4.99]), zero); // all trimmed away
    near(beatFMeasure([10, 11], [10]), 2 / 3);
    assert.deepEqual(continuityMetrics([10, 11], [10]), { cmlc: 0, cmlt: 0, amlc: 0, amlt: 0 });
  });

  test("the functions themselves do not trim; trimBeats keeps t >= 5", () => {
    assert.equal(beatFMeasure([1, 2, 3], [1, 2, 3]), 1);
    assert.deepEqual(trimBeats([4.99, 5, 6]), [5, 6]);
  });

  test("unsorted or non-finite beats are rejected", () => {
    assert.throws(() => beatFMeasure(REF, [3, 2]), /increasing order/);
    assert.throws(() => continuityMetrics(REF, [1, Number.NaN]), /finite/);
    assert.throws(() => beatFMeasure([40000], [1]), /30000/);
  });

  test("reference variations are mir_eval's five", () => {
    assert.deepEqual(referenceBeatVariations([0, 1, 2, 3]), [
      [0, 1, 2, 3],
      [0.5, 1.5, 2.5],
      [0, 0.5, 1, 1.5, 2, 2.5, 3],
      [0, 2],
      [1, 3],
    ]);
  });
});

describe("beat trim (mir_eval.beat.trim_beats before evaluate; 5 s by default, 0 for none)", () => {
  // The first 10 beats (0 … 4.75 s) are a quarter beat late (off-beat), the rest exact. Checked
  // with mir_eval 0.8.2: f_measure / continuity on trim_beats(ref, t), trim_beats(est, t).
  const introOffBeat = REF.map((t) => (t < 5 ? t + 0.25 : t));

  test("trim 5 (the default): the intro is not scored, everything is perfect", () => {
    const perfect = { fMeasure: 1, cmlc: 1, cmlt: 1, amlc: 1, amlt: 1 };
    assert.deepEqual(beatScores(REF, introOffBeat), perfect);
    assert.deepEqual(beatScores(REF, introOffBeat, 5), perfect);
  });

  test("trim 0: the 10 off-beat estimates count", () => {
    const s = beatScores(REF, introOffBeat, 0);
    // 51 of 61 estimates match: P = R = 51/61.
    near(s.fMeasure, 51 / 61, "F");
    near(s.fMeasure, 0.8360655737704918, "F (mir_eval)");
    // CML: the 10 off-beats fail on phase (0.25 / 0.5 = 0.5 > 0.175); the beat at 5.0 s fails on
    // period (its preceding estimate interval is 0.25 s against 0.5 s); 50 correct of max(61, 61).
    near(s.cmlt, 50 / 61, "CMLt");
    near(s.cmlc, 50 / 61, "CMLc");
    // AML: the off-beat variation gets only the 10 intro beats; the original's 50 is the best.
    near(s.amlt, 50 / 61, "AMLt");
    near(s.amlc, 50 / 61, "AMLc");
    near(s.amlt, 0.819672131147541, "AMLt (mir_eval)");
  });

  test("downbeats use the trim they are given; none by default", () => {
    const ref = grid(0, 2, 16); // 0 … 30 s
    const est = ref.map((t) => (t < 5 ? t + 0.5 : t)); // the first 3 downbeats 0.5 s late
    near(downbeatFMeasure(ref, est), 13 / 16); // 13 of 16 match: P = R = 13/16 (mir_eval 0.8125)
    near(downbeatFMeasure(ref, est, 0), 0.8125);
    assert.equal(downbeatFMeasure(ref, est, 5), 1); // 6 … 30 s: all 13 match
  });
});

describe("downbeat F-measure", () => {
  test("±70 ms, and downbeats before 5 s count (no trimming by default)", () => {
    const ref = [0, 2, 4, 6, 8];
    near(downbeatFMeasure(ref, [0.05, 2.1, 4, 6, 8]), 0.8); // 2.1 is 100 ms off
    near(downbeatFMeasure(ref, [6, 8]), 4 / 7); // P = 1, R = 2/5; trimmed it would be 1
    assert.equal(downbeatFMeasure(ref, null), 0);
  });
});

describe("MIREX weighted key score (mir_eval.key.weighted_score)", () => {
  const cases: [string, string, number][] = [
    ["C major", "C major", 1],
    ["C major", "G major", 0.5], // estimate a fifth above
    ["G major", "C major", 0], // a fifth below: 0 in mir_eval's default
    ["A minor", "E minor", 0.5],
    ["F# major", "C# major", 0.5],
    ["C major", "A minor", 0.3], // relative minor
    ["A minor", "C major", 0.3], // relative major
    ["C major", "E minor", 0],
    ["C major", "C minor", 0.2], // parallel
    ["A minor", "A major", 0.2],
    ["C major", "G minor", 0],
    ["C major", "C# major", 0],
    ["B minor", "F# minor", 0.5], // fifth above across the octave
    ["D# minor", "F# major", 0.3],
  ];
  for (const [ref, est, score] of cases) {
    test(`${ref} vs ${est} = ${score}`, () => assert.equal(mirexKeyScore(ref, est), score));
  }
  test("descending fifths only with the MIREX-2017 option", () => {
    assert.equal(mirexKeyScore("G major", "C major", { allowDescendingFifths: true }), 0.5);
    assert.equal(mirexKeyScore("C major", "G major", { allowDescendingFifths: true }), 0.5);
    assert.equal(mirexKeyScore("C major", "F minor", { allowDescendingFifths: true }), 0);
  });
  test("flats and case are normalised", () => {
    assert.equal(mirexKeyScore("A# major", "Bb major"), 1);
    assert.equal(mirexKeyScore("Eb minor", "d# MINOR"), 1);
    assert.equal(mirexKeyScore("Ab major", "D# major"), 0.5);
    assert.equal(mirexKeyScore("C major", "B# major"), 1);
    assert.deepEqual(parseKey("Gb minor"), { pitchClass: 6, mode: "minor", name: "F# minor" });
    assert.deepEqual(parseKey("E♭ Major"), { pitchClass: 3, mode: "major", name: "D# major" });
    assert.equal(parseKey("H major"), null);
    assert.equal(parseKey("C dorian"), null);
    assert.equal(parseKey("C"), null);
  });
  test("no estimate is 0; a malformed key throws", () => {
    assert.equal(mirexKeyScore("C major", null), 0);
    assert.equal(keyExact("C major", undefined), 0);
    assert.throws(() => mirexKeyScore("C major", "C mixolydian"), RangeError);
    assert.throws(() => mirexKeyScore("X", "C major"), RangeError);
  });
  test("exact", () => {
    assert.equal(keyExact("A# minor", "Bb minor"), 1);
    assert.equal(keyExact("C major", "A minor"), 0);
  });
});

describe("meter accuracy", () => {
  test("beats per bar equal", () => {
    assert.equal(meterAccuracy(4, 4), 1);
    assert.equal(meterAccuracy(2, 4), 0);
    assert.equal(meterAccuracy(3, null), 0);
  });
});

describe("segment boundary detection (mir_eval.segment.detection)", () => {
  // intervals from their boundaries; every expected value was computed with mir_eval 0.8.2
  const iv = (b: number[]) => b.slice(1).map((t, i) => [b[i], t] as [number, number]);
  const ref = iv([0, 10, 20.4, 30]);
  const est = iv([0, 9.6, 15, 21, 30]);
  const close = (a: { precision: number; recall: number; fMeasure: number }, p: number, r: number, f: number) => {
    near(a.precision, p, "precision");
    near(a.recall, r, "recall");
    assert.ok(Math.abs(a.fMeasure - f) < 1e-12, `F expected ${f}, got ${a.fMeasure}`);
  };
  test("±0.5 s, trim = false: the start and end count; 9.6 hits 10, 21 misses 20.4", () => {
    // hits 0, 9.6→10, 30: P = 3/5, R = 3/4, F = 2·0.6·0.75/1.35
    close(segmentDetection(ref, est, 0.5), 0.6, 0.75, 0.6666666666666665);
  });
  test("±3 s: 21 hits 20.4 as well", () => {
    close(segmentDetection(ref, est, 3), 0.8, 1, 0.888888888888889);
  });
  test("trim = true drops the first and last boundary", () => {
    // ref [10, 20.4], est [9.6, 15, 21]: one hit; P = 1/3, R = 1/2
    close(segmentDetection(ref, est, 0.5, true), 1 / 3, 0.5, 0.4);
  });
  test("one-to-one: an estimate between two close references matches one of them", () => {
    close(segmentDetection(iv([0, 5, 5.3, 10]), iv([0, 5.1, 10]), 0.5), 1, 0.75, 0.8571428571428571);
    // a maximum matching, not first come first served: 4.3→4 and 5.0→4.6
    close(segmentDetection(iv([0, 4, 4.6, 9]), iv([0, 4.3, 5.0, 9]), 0.5), 1, 1, 1);
  });
  test("no estimate scores 0; malformed intervals throw", () => {
    close(segmentDetection(ref, null, 0.5), 0, 0, 0);
    assert.throws(() => segmentDetection([[5, 2]], est), RangeError);
  });
});

describe("segment label agreement (mir_eval.segment.pairwise)", () => {
  // values from mir_eval 0.8.2; 200 random annotations (boundaries on and off the 0.1 s grid)
  // also agreed with it to 1e-12 when this was written
  test("two halves A, B against one A: every ref pair is found, half the est pairs are wrong", () => {
    // 20 samples; ref 10 A (0 … 0.9 s; the sample at 1.0 s belongs to B) + 10 B: 45 + 45 pairs;
    // est 20 A: 190 pairs; 90 alike in both. P = 90/190, R = 1
    const r = segmentPairwise([[0, 1], [1, 2]], ["A", "B"], [[0, 2]], ["A"]);
    near(r.precision, 90 / 190, "precision");
    near(r.recall, 1, "recall");
    assert.ok(Math.abs(r.fMeasure - 0.6428571428571429) < 1e-12);
  });
  test("A B A against x y x with the boundaries half a second off", () => {
    // 300 samples: ref A 200, B 100 (24 850 pairs); est x 190, y 110 (23 950); co-occurring
    // (A,x) 190, (A,y) 10, (B,y) 100 → 22 950 pairs alike in both
    const r = segmentPairwise([[0, 10], [10, 20], [20, 30]], ["A", "B", "A"], [[0, 9.5], [9.5, 20.5], [20.5, 30]], ["x", "y", "x"]);
    near(r.precision, 22950 / 23950, "precision");
    near(r.recall, 22950 / 24850, "recall");
    assert.ok(Math.abs(r.fMeasure - 0.9405737704918034) < 1e-12);
  });
  test("annotations must start at 0 and end together", () => {
    assert.throws(() => segmentPairwise([[0, 10]], ["A"], [[0, 12]], ["A"]), RangeError);
    assert.throws(() => segmentPairwise([[1, 10]], ["A"], [[0, 10]], ["A"]), RangeError);
  });
});
