/**
 * The bench's scoring of one track (bench/score.ts): a beatless truth (tempo_bpm and beats written
 * as null, which eval scores for "pulse") has no tempo to score Acc1/Acc2 against — the bench once
 * threw on it after running every tool for 20 minutes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseTruth } from "../src/eval/corpus.js";
import { benchHasTruth, score } from "../bench/score.js";

const beatless = parseTruth({ file: "a.ogg", tempo_bpm: null, beats: null, downbeats: null, meter: null, key: "B minor" }, "/c/truth/a.json", "/c");
const steady = parseTruth({ file: "b.mp3", tempo_bpm: 120, key: "C major" }, "/c/truth/b.json", "/c");

describe("bench score", () => {
  it("a beatless track: no tempo columns, the key still scored", () => {
    assert.equal(beatless.beatless, true);
    assert.equal(benchHasTruth(beatless, "tempo"), false);
    const { scores } = score(beatless, ["tempo", "key"], { tempoBpm: 72, key: "B minor" }, null);
    assert.equal(scores.acc1, null);
    assert.equal(scores.acc2, null);
    assert.equal(scores.keyMirex, 1);
  });

  it("a track with a tempo: Acc1 and Acc2 as before", () => {
    assert.equal(benchHasTruth(steady, "tempo"), true);
    const { scores } = score(steady, ["tempo"], { tempoBpm: 60 }, null);
    assert.equal(scores.acc1, 0);
    assert.equal(scores.acc2, 1);
  });
});
