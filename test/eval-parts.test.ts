/**
 * Corpus parts for `trackprobe eval`: the POP909 halves by id (shared/corpus-pop909/README.md:
 * A = hundreds digit even, B = odd), --split, --only, --limit, --halves.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TruthEntry } from "../src/eval/corpus.js";
import { assignParts, type CorpusInput, corpusName, halfOf, idNumber } from "../src/eval/parts.js";

function entry(id: string, source: string | null): TruthEntry {
  return {
    id,
    truthPath: `/c/truth/${id}.json`,
    file: `audio/${id}.mp3`,
    audioPath: `/c/audio/${id}.mp3`,
    durationS: null,
    tempoBpm: 100,
    beats: null,
    downbeats: null,
    meter: null,
    key: null,
    expectError: false,
    source,
    beatless: false,
  };
}

const DEV: CorpusInput = { dir: "/x/shared/corpus-dev", entries: ["pop-02", "rock-02", "waltz-02"].map((id) => entry(id, "synthetic")) };
const POP_IDS = ["pop909-002", "pop909-005", "pop909-098", "pop909-101", "pop909-199", "pop909-200", "pop909-305", "pop909-410", "pop909-908"];
const POP: CorpusInput = { dir: "/tmp/pop909/", entries: POP_IDS.map((id) => entry(id, "pop909")) };

const ids = (parts: ReturnType<typeof assignParts>) => Object.fromEntries(parts.map((p) => [p.name, p.entries.map((e) => e.id)]));

describe("halves by id", () => {
  test("the hundreds digit: even is A, odd is B", () => {
    const expected: [string, string][] = [
      ["pop909-002", "A"],
      ["pop909-098", "A"],
      ["pop909-099", "A"],
      ["pop909-100", "B"],
      ["pop909-101", "B"],
      ["pop909-199", "B"],
      ["pop909-200", "A"],
      ["pop909-305", "B"],
      ["pop909-410", "A"],
      ["pop909-555", "B"],
      ["pop909-698", "A"],
      ["pop909-701", "B"],
      ["pop909-806", "A"],
      ["pop909-908", "B"],
    ];
    for (const [id, half] of expected) assert.equal(halfOf(id), half, id);
  });
  test("the number is the id's last run of digits", () => {
    assert.equal(idNumber("pop909-105"), 105);
    assert.equal(idNumber("007"), 7);
    assert.equal(idNumber("song"), null);
    assert.equal(halfOf("song"), null);
  });
  test("a corpus is named after its folder", () => {
    assert.equal(corpusName("/tmp/pop909/"), "pop909");
    assert.equal(corpusName("../shared/corpus-dev"), "corpus-dev");
  });
});

describe("assignParts", () => {
  test("source pop909 splits into A and B; other corpora stay whole; command-line order", () => {
    const parts = assignParts([DEV, POP]);
    assert.deepEqual(ids(parts), {
      "corpus-dev": ["pop-02", "rock-02", "waltz-02"],
      "pop909 A": ["pop909-002", "pop909-005", "pop909-098", "pop909-200", "pop909-410"],
      "pop909 B": ["pop909-101", "pop909-199", "pop909-305", "pop909-908"],
    });
    assert.deepEqual(
      parts.map((p) => p.half),
      [null, "A", "B"],
    );
    assert.deepEqual(
      assignParts([POP, DEV]).map((p) => p.name),
      ["pop909 A", "pop909 B", "corpus-dev"],
    );
  });

  test("--split keeps one half of split corpora and every unsplit corpus", () => {
    assert.deepEqual(
      assignParts([DEV, POP], { split: "A" }).map((p) => p.name),
      ["corpus-dev", "pop909 A"],
    );
    assert.deepEqual(ids(assignParts([DEV, POP], { split: "B" })), {
      "corpus-dev": ["pop-02", "rock-02", "waltz-02"],
      "pop909 B": ["pop909-101", "pop909-199", "pop909-305", "pop909-908"],
    });
  });

  test("a half with no tracks yet is kept (shown unmeasured), except under --only", () => {
    const onlyA: CorpusInput = { dir: "/tmp/pop909", entries: POP.entries.filter((e) => halfOf(e.id) === "A") };
    const parts = assignParts([onlyA]);
    assert.deepEqual(
      parts.map((p) => [p.name, p.entries.length]),
      [
        ["pop909 A", 5],
        ["pop909 B", 0],
      ],
    );
    assert.deepEqual(
      assignParts([DEV, onlyA], { only: ["pop909-002"] }).map((p) => p.name),
      ["pop909 A"],
    );
  });

  test("--only: exact ids anywhere, bare numbers for split tracks only", () => {
    assert.deepEqual(ids(assignParts([DEV, POP], { only: ["5", "305", "rock-02"] })), {
      "corpus-dev": ["rock-02"],
      "pop909 A": ["pop909-005"],
      "pop909 B": ["pop909-305"],
    });
    // "2" is pop909-002, not pop-02 / rock-02 / waltz-02 (whose ids also end in 02).
    assert.deepEqual(ids(assignParts([DEV, POP], { only: ["2"] })), { "pop909 A": ["pop909-002"] });
    assert.throws(() => assignParts([DEV, POP], { only: ["5", "pop909-003", "77"] }), {
      name: "PartError",
      message: /no track with id "pop909-003", "77"/,
    });
  });

  test("--limit N keeps the first N tracks by id of each part", () => {
    assert.deepEqual(ids(assignParts([DEV, POP], { limit: 2 })), {
      "corpus-dev": ["pop-02", "rock-02"],
      "pop909 A": ["pop909-002", "pop909-005"],
      "pop909 B": ["pop909-101", "pop909-199"],
    });
  });

  test("--halves splits any corpus by id; an id without a number cannot be split", () => {
    const numbered: CorpusInput = { dir: "/d/mine", entries: ["t-001", "t-150", "t-260"].map((id) => entry(id, null)) };
    assert.deepEqual(ids(assignParts([numbered], { halves: true })), { "mine A": ["t-001", "t-260"], "mine B": ["t-150"] });
    assert.deepEqual(ids(assignParts([numbered])), { mine: ["t-001", "t-150", "t-260"] });
    const named: CorpusInput = { dir: "/d/named", entries: ["intro", "t-007"].map((id) => entry(id, null)) };
    assert.throws(() => assignParts([named], { halves: true }), {
      name: "PartError",
      message: /no number in the id of \/d\/named: intro$/,
    });
  });

  test("two corpora with the same folder name get distinct part names", () => {
    assert.deepEqual(
      assignParts([DEV, { ...DEV, dir: "/y/corpus-dev" }]).map((p) => p.name),
      ["corpus-dev", "corpus-dev (2)"],
    );
  });
});
