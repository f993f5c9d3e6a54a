/**
 * Danceability and energy: the DFA against a plain reference of Essentia's loop, the level frames
 * against a direct computation, and the orderings the scores must respect on synthesised audio fed
 * through the real analyze() as float WAV buffers (20 s signals):
 *   danceability: steady four-on-the-floor > same groove with random tempo drift > rubato solo
 *   piano > white noise; energy: loud dense rock > quiet sparse ballad; silence → null + warning.
 * The DFA value is Essentia's and unbounded (an exact loop gives > 3); the score is a logistic
 * calibration of the raw index that never reaches 0 or 1 (a clean loop used to score 1.0).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { calibratedScore, danceabilityScore, SCORE_AT_0, SCORE_AT_1 } from "../src/analyzers/danceability.js";
import { detrendedFluctuation, dfaTaus } from "../src/analyzers/dfa.js";
import { dynamicComplexity } from "../src/analyzers/dynamic-complexity.js";
import { pickOnsets } from "../src/analyzers/pulse.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { LevelFrames } from "../src/features/levels.js";
import { analyze } from "../src/pipeline/analyze.js";
import type { Analysis } from "../src/result.js";
import { balladTrack, groove, RATE, rng, rockTrack, rubatoPiano, whiteNoise } from "./signals/dance.js";

const SECONDS = 20;
const run = (audio: Float32Array): Promise<Analysis> =>
  analyze(Buffer.from(encodeWavFloat32([audio], RATE)), { features: ["danceability", "energy"] });

/** Essentia's DFA loop written out plainly: O(τ) per block, no prefix sums. */
function referenceDfa(s: Float32Array): number {
  const n = s.length;
  const mean = s.reduce((a, b) => a + b, 0) / n;
  const y = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) y[i] = acc += s[i] - mean;
  const taus = Array.from(dfaTaus()).filter((t) => t <= n);
  const F = taus.map((tau) => {
    const jump = Math.max(Math.floor(tau / 50), 1);
    let total = 0;
    for (let k = 0; k < n - tau; k += jump) {
      const mx = (tau - 1) / 2;
      let my = 0;
      for (let i = 0; i < tau; i++) my += y[k + i];
      my /= tau;
      let sxx = 0;
      let sxy = 0;
      let syy = 0;
      for (let i = 0; i < tau; i++) {
        sxx += (i - mx) ** 2;
        sxy += (i - mx) * (y[k + i] - my);
        syy += (y[k + i] - my) ** 2;
      }
      total += (syy - (sxy * sxy) / sxx) / tau;
    }
    return Math.sqrt(total / ((n - tau) / jump));
  });
  let alpha = 0;
  for (let i = 0; i + 1 < F.length; i++) alpha += Math.log10(F[i + 1] / F[i]) / Math.log10((taus[i + 1] + 3) / (taus[i] + 3));
  return 1 / (alpha / (F.length - 1));
}

describe("detrended fluctuation analysis", () => {
  it("uses Essentia's block lengths (310 ms ×1.1 … 8800 ms, in 10 ms frames)", () => {
    const t = Array.from(dfaTaus());
    assert.deepEqual(t.slice(0, 5), [31, 34, 37, 41, 45]);
    assert.ok(t[t.length - 1] <= 880 && t[t.length - 1] > 800);
  });

  it("matches the plain O(τ)-per-block reference", () => {
    const r = rng(3);
    const s = new Float32Array(3000);
    for (let i = 0; i < s.length; i++) s[i] = 0.1 + 0.05 * r() + 0.03 * Math.sin(i / 7);
    const fast = detrendedFluctuation(s);
    assert.ok(fast);
    assert.ok(Math.abs(fast.value - referenceDfa(s)) < 1e-6, `${fast.value} vs ${referenceDfa(s)}`);
  });

  it("keeps its precision when the profile wanders far from zero (a long track with a quiet half)", () => {
    const r = rng(9);
    const n = 60000; // 10 minutes of 10 ms frames
    const s = new Float32Array(n);
    for (let i = 0; i < n; i++) s[i] = (i < n / 2 ? 0.01 : 0.3) + 0.02 * r();
    const fast = detrendedFluctuation(s);
    assert.ok(fast);
    assert.ok(Math.abs(fast.value - referenceDfa(s)) < 1e-4);
  });

  it("gives white level fluctuations an exponent near 0.5 (value near 2)", () => {
    const r = rng(5);
    const s = new Float32Array(20000).map(() => r());
    const v = detrendedFluctuation(s)?.value ?? 0;
    assert.ok(v > 1.7 && v < 2.3, `${v}`);
  });

  it("is unbounded above, as Essentia's: an exactly periodic level (a 5 Hz tremolo) gives ≫ 3", () => {
    const s = new Float32Array(6000).map((_, i) => 1 + Math.sin((2 * Math.PI * i) / 20));
    const v = detrendedFluctuation(s)?.value ?? 0;
    assert.ok(v > 50, `${v}`);
  });

  it("is null under two block lengths", () => {
    assert.equal(detrendedFluctuation(new Float32Array(33)), null);
  });
});

describe("level frames", () => {
  it("computes exact 10 ms frame standard deviations whatever the block size", () => {
    const r = rng(1);
    const x = new Float32Array(22050).map(() => r() - 0.5);
    const lf = new LevelFrames(22050);
    for (let at = 0; at < x.length; at += 1000) lf.push(x.subarray(at, Math.min(x.length, at + 1000)));
    const { frameStd, complexityDb } = lf.finish();
    assert.equal(frameStd.length, 100);
    assert.equal(complexityDb.length, 5);
    for (const i of [0, 1, 57, 99]) {
      const a = Math.floor(i * 220.5);
      const b = Math.floor((i + 1) * 220.5);
      const f = x.subarray(a, b);
      const m = f.reduce((p, q) => p + q, 0) / f.length;
      const sd = Math.sqrt(f.reduce((p, q) => p + (q - m) ** 2, 0) / (f.length - 1));
      assert.ok(Math.abs(frameStd[i] - sd) < 1e-6);
    }
  });

  it("dynamic complexity: steady level ≈ 0 LU; alternating ±10 dB ≈ 10 LU", () => {
    assert.ok((dynamicComplexity(new Float32Array(50).fill(-20))?.complexity ?? 1) < 1e-9);
    const alt = new Float32Array(50).map((_, i) => (i % 2 ? -10 : -30));
    const dc = dynamicComplexity(alt);
    assert.ok(dc && Math.abs(dc.complexity - 10) < 0.5, `${dc?.complexity}`);
  });
});

describe("onset picking", () => {
  it("finds every click of a click track and ignores the flat floor", () => {
    const o = new Float32Array(1000).fill(0.2);
    for (let i = 20; i < 1000; i += 43) o[i] = 5;
    assert.equal(pickOnsets(o).length, 23);
  });
});

describe("danceability score calibration", () => {
  it("maps the index through a logistic: 0.5 at 0.56, monotone, never 0 or 1", () => {
    assert.ok(Math.abs(calibratedScore(0.56) - 0.5) < 1e-12);
    assert.ok(Math.abs(SCORE_AT_0 - 0.073) < 0.001 && Math.abs(SCORE_AT_1 - 0.881) < 0.001, `${SCORE_AT_0} ${SCORE_AT_1}`);
    for (let x = 0; x < 1; x += 0.01) assert.ok(calibratedScore(x + 0.01) > calibratedScore(x));
  });

  it("does not saturate: every ingredient at its best gives 0.88, not 1", () => {
    const dfa = { value: 8, taus: new Int32Array(0), fluctuation: new Float64Array(0), alpha: new Float64Array(0) };
    const tempo = { bpm: 120, confidence: 1, candidates: [{ bpm: 120, weight: 1 }], alternative: null };
    const p = danceabilityScore(dfa, { clarity: 1, stability: 1, periodSeconds: 0.5 }, { tempo, tempoCurve: null });
    assert.equal(p.index, 1);
    assert.ok(p.score < 0.9, `${p.score}`);
  });
});

describe("danceability and energy through analyze()", async () => {
  const steady = await run(groove(SECONDS, 124));
  const drift = await run(groove(SECONDS, 124, 4));
  const piano = await run(rubatoPiano(SECONDS));
  const noise = await run(whiteNoise(SECONDS));

  it("danceability score: steady groove > drifting groove > rubato piano > noise, none at the ends of 0..1", () => {
    const s = [steady, drift, piano, noise].map((a) => a.danceability?.score ?? Number.NaN);
    assert.ok(s[0] > s[1] && s[1] > s[2] && s[2] > s[3], `scores ${s.join(" ")}`);
    assert.ok(s[0] > 0.75 && s[3] < 0.15, `scores ${s.join(" ")}`);
    // the clean machine-timed groove is as danceable as generated audio gets, and still not 1
    assert.ok(s.every((x) => x >= SCORE_AT_0 - 0.001 && x <= SCORE_AT_1 + 0.001 && x < 0.9), `scores ${s.join(" ")}`);
  });

  it("danceability value (DFA): the steady groove above the drifting one and the piano", () => {
    const v = [steady, drift, piano].map((a) => a.danceability?.value ?? Number.NaN);
    assert.ok(v[0] > v[1] && v[1] > v[2], `values ${v.join(" ")}`);
    // Essentia's scale, unbounded: an exactly repeating loop far above the 0.8–2 of recorded music
    assert.ok(v[0] > 3 && v[2] > 0.8 && v[2] < 1.3, `values ${v.join(" ")}`);
  });

  it("fills pulse clarity and onset rate", () => {
    assert.ok((steady.pulseClarity ?? 0) > 0.8);
    assert.ok((noise.pulseClarity ?? 1) < 0.2);
    // kick + hats on eighths at 124 BPM: 4.13 onsets/s
    assert.ok(Math.abs((steady.onsetRate ?? 0) - 4.13) < 0.3, `${steady.onsetRate}`);
    assert.ok((noise.onsetRate ?? 9) < 1);
  });

  it("energy: loud dense rock > quiet sparse ballad", async () => {
    const rock = await run(rockTrack(SECONDS));
    const ballad = await run(balladTrack(SECONDS));
    assert.ok(rock.energy != null && ballad.energy != null);
    assert.ok(rock.energy > ballad.energy + 0.3, `rock ${rock.energy}, ballad ${ballad.energy}`);
    assert.ok((rock.dynamicComplexity ?? 99) < 4);
  });

  it("silence: null with a warning", async () => {
    const r = await run(new Float32Array(5 * RATE));
    assert.equal(r.danceability, null);
    assert.equal(r.energy, null);
    assert.ok(r.warnings.some((w) => w.startsWith("danceability:")));
    assert.ok(r.warnings.some((w) => w.startsWith("energy:")));
  });
});
