// The beatless corpus generator (scripts/gen-beatless.ts): its pieces have no pulse by
// construction, and its truth files parse as "no tempo" in the eval's corpus reader.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  beatlessTruth,
  BEATLESS_STYLES,
  composeBeatless,
  makeBeatlessPlan,
  maxPhaseCoherence,
  onsetTimes,
} from "../scripts/gen-beatless.js";
import { parseTruth } from "../src/eval/corpus.js";
import { halfOf } from "../src/eval/parts.js";

const plans = makeBeatlessPlan(30, 1);

test("plan: 30 tracks per half, each style 6 times per half, ids split into halves A and B", () => {
  assert.equal(plans.length, 60);
  for (const half of ["A", "B"] as const) {
    const mine = plans.filter((p) => halfOf(p.id) === half);
    assert.equal(mine.length, 30);
    for (const s of BEATLESS_STYLES) assert.equal(mine.filter((p) => p.style === s).length, 6, `${half} ${s}`);
  }
  for (const p of plans) assert.ok(p.durationS >= 45 && p.durationS <= 120, `${p.id} ${p.durationS}`);
  // deterministic: the same seed gives the same plan and notes
  const again = makeBeatlessPlan(30, 1);
  assert.deepEqual(again, plans);
  assert.deepEqual(composeBeatless(again[7]).notes, composeBeatless(plans[7]).notes);
});

// Rayleigh statistic z = n R² at the best period in 0.3–2 s (30–200 BPM). For random (Poisson)
// times its maximum over the ~250 independent periods of a 1-2 minute piece stays near ln 250 ≈ 6
// (observed 3.5–10.6 on the default plan); a grid gives about 0.9 n. Threshold 15.
const Z_MAX = 15;

test("sparse and arp-cloud pieces: onset times have no dominant periodicity", () => {
  for (const p of plans.filter((q) => q.style === "sparse" || q.style === "arp-cloud")) {
    const on = onsetTimes(composeBeatless(p));
    assert.ok(on.length >= 30, `${p.id}: ${on.length} onsets`);
    const { coherence } = maxPhaseCoherence(on);
    const z = on.length * coherence ** 2;
    assert.ok(z < Z_MAX, `${p.id} (${p.style}): z = ${z.toFixed(1)}`);
  }
});

test("control: the same statistic finds a jittered, half-empty 100 BPM grid", () => {
  let s = 12345;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const on: number[] = [];
  for (let t = 0.5; t < 90; t += 0.6) if (rand() < 0.5) on.push(t + (rand() - 0.5) * 0.02);
  const { coherence, periodS } = maxPhaseCoherence(on);
  assert.ok(on.length * coherence ** 2 > 3 * Z_MAX, `z = ${(on.length * coherence ** 2).toFixed(1)}`);
  assert.ok(Math.abs(periodS - 0.6) < 0.005 || Math.abs(periodS - 1.2) < 0.01, `period ${periodS}`);
});

test("truth: parses with null tempo, beats, downbeats and meter; key only with a tonal centre", () => {
  for (const p of plans.slice(0, 10)) {
    const piece = composeBeatless(p);
    const json = JSON.parse(JSON.stringify(beatlessTruth(p, piece, p.durationS, -1, -20)));
    const e = parseTruth(json, `/c/truth/${p.id}.json`, "/c");
    assert.equal(e.tempoBpm, null);
    assert.equal(e.beats, null);
    assert.equal(e.downbeats, null);
    assert.equal(e.meter, null);
    assert.equal(e.source, "gen");
    assert.equal(e.audioPath, `/c/audio/${p.id}.${p.format}`);
    assert.equal(e.key, piece.key ? piece.key.name : null);
  }
});
