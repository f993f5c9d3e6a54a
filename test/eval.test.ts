/**
 * Corpus reading, scoring and the eval command, with a temporary truth folder and fabricated
 * Analysis objects (no audio is decoded here).
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Command } from "commander";
import { registerEval, runEval } from "../src/cli/eval.js";
import { CorpusError, loadCorpus, type TruthEntry } from "../src/eval/corpus.js";
import { type AnalyzeFn, evaluateCorpus, resultsDirAnalyzer } from "../src/eval/evaluate.js";
import { type Analysis, type AnalysisOutcome, type FeatureName, TrackprobeError } from "../src/result.js";

const grid = (start: number, period: number, n: number) => Array.from({ length: n }, (_, i) => start + period * i);
const near = (actual: number | null | undefined, expected: number, what = "") =>
  assert.ok(actual != null && Math.abs(actual - expected) < 1e-12, `${what} expected ${expected}, got ${actual}`);

const BEATS_A = grid(0, 0.5, 61);
const DOWNBEATS_A = grid(0, 2, 16);
const BEATS_B = grid(0.3, 2 / 3, 40);

/** Truth files of the test corpus, by JSON file name. */
const TRUTH: Record<string, object> = {
  "a.json": { id: "a", file: "audio/a.mp3", tempo_bpm: 120, beats: BEATS_A, downbeats: DOWNBEATS_A, meter: 4, key: "A minor" },
  "b.json": { id: "b", file: "audio/b.flac", tempo_bpm: 90, beats: BEATS_B, downbeats: BEATS_B.filter((_, i) => i % 3 === 0), meter: 3, key: "Bb major" },
  "c.json": { id: "c", file: "audio/c.ogg", tempo_bpm: null, beats: null, downbeats: null, meter: null, key: "E minor" },
  "d.json": { id: "d", file: "audio/d.mp3", tempo_bpm: 100, beats: grid(0, 0.6, 50), downbeats: grid(0, 2.4, 12), meter: 4, key: "D major" },
  "e.json": { id: "e", file: "audio/e.mp3", tempo_bpm: 100, key: "C major", expect_error: true },
  // no usable truth at all (beats all before the 5 s trim): never analysed
  "f.json": { id: "f", file: "audio/f.wav", beats: [1, 2, 3] },
  "g.json": { id: "g", file: "audio/g.mp3", tempo_bpm: 100 },
};

function analysis(file: string, fields: Partial<Analysis>): Analysis {
  return {
    file,
    format: "mp3",
    duration: 30,
    sampleRate: 44100,
    channels: 2,
    warnings: [],
    timings: { decode: 0, features: 0, analyzers: 0 },
    version: "0.1.0",
    ...fields,
  };
}

const key = (tonic: string, mode: "major" | "minor") => ({ tonic, mode, name: `${tonic} ${mode}`, camelot: "", openKey: "", confidence: 1, candidates: [] });

/** What the fake analyser returns, by audio file name. */
const OUTCOMES: Record<string, AnalysisOutcome | Error> = {
  // tempo doubled (Acc1 0, Acc2 1), perfect beats and downbeats, right meter, relative key (0.3)
  "a.mp3": analysis("a.mp3", {
    tempo: { bpm: 240, confidence: 1, candidates: [] },
    beats: BEATS_A,
    downbeats: DOWNBEATS_A,
    meter: { beatsPerBar: 4, confidence: 1 },
    key: key("C", "major"),
  }),
  // tempo 1.1 % off (both 1), unsorted beats (malformed: 0), no downbeats, no meter field, key right
  "b.flac": analysis("b.flac", {
    tempo: { bpm: 91, confidence: 1, candidates: [] },
    beats: [10, 9, 11],
    downbeats: null,
    key: key("A#", "major"),
  }),
  "c.ogg": analysis("c.ogg", { key: key("E", "minor") }),
  "d.mp3": { file: "d.mp3", error: { code: "CORRUPT", message: "d.mp3: bad frame" } },
  "e.mp3": new TrackprobeError("UNSUPPORTED_FORMAT", "e.mp3: not audio"),
  "g.mp3": new Error("boom"),
};

let dir: string;
let entries: TruthEntry[];
const calls: { file: string; features: FeatureName[] }[] = [];
const fakeAnalyze: AnalyzeFn = async (path, features) => {
  calls.push({ file: basename(path), features });
  const o = OUTCOMES[basename(path)];
  if (o instanceof Error) throw o;
  return o;
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "trackprobe-eval-"));
  await mkdir(join(dir, "truth"));
  for (const [name, truth] of Object.entries(TRUTH)) await writeFile(join(dir, "truth", name), JSON.stringify(truth));
  entries = await loadCorpus(dir);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadCorpus", () => {
  test("reads DIR/truth/*.json with audio relative to DIR", () => {
    assert.deepEqual(
      entries.map((e) => e.id),
      ["a", "b", "c", "d", "e", "f", "g"],
    );
    const b = entries[1];
    assert.equal(b.audioPath, join(dir, "audio", "b.flac"));
    assert.equal(b.key, "A# major"); // flats normalised to the sharp spelling
    assert.equal(b.meter, 3);
    assert.equal(entries[4].expectError, true);
    assert.equal(entries[6].beats, null); // missing field = unknown
  });

  test("reads a plain folder of JSON files; id defaults to the file name", async () => {
    const flat = await mkdtemp(join(tmpdir(), "trackprobe-flat-"));
    try {
      await writeFile(join(flat, "song.json"), JSON.stringify({ file: "song.mp3", tempo_bpm: 128 }));
      const [e] = await loadCorpus(flat);
      assert.equal(e.id, "song");
      assert.equal(e.audioPath, join(flat, "song.mp3"));
      assert.equal(e.tempoBpm, 128);
    } finally {
      await rm(flat, { recursive: true, force: true });
    }
  });

  test("reports every problem of every file", async () => {
    const bad = await mkdtemp(join(tmpdir(), "trackprobe-bad-"));
    try {
      await writeFile(join(bad, "x.json"), JSON.stringify({ tempo_bpm: -1, beats: [2, 1], key: "H major", meter: 2.5 }));
      await writeFile(join(bad, "y.json"), "{ not json");
      await writeFile(join(bad, "w.json"), JSON.stringify({ file: "w.mp3" }));
      await writeFile(join(bad, "z.json"), JSON.stringify({ id: "w", file: "z.mp3" }));
      await assert.rejects(loadCorpus(bad), (e: Error) => {
        assert.ok(e instanceof CorpusError);
        for (const part of [
          'x.json: "file" must be the audio path',
          '"tempo_bpm" must be > 0, got -1',
          '"beats" must be in increasing order',
          '"key" must be like "A minor"',
          '"meter" must be a positive whole number',
          "y.json: not valid JSON",
          'z.json: id "w" is also used by',
        ]) {
          assert.ok(e.message.includes(part), `missing "${part}" in:\n${e.message}`);
        }
        return true;
      });
      await assert.rejects(loadCorpus(join(bad, "nope")), /not a directory/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});

describe("evaluateCorpus", () => {
  test("means, counts, failures as 0, expected errors apart", async () => {
    calls.length = 0;
    const report = await evaluateCorpus(entries, fakeAnalyze);
    assert.equal(report.tracks, 6);
    assert.equal(report.failed, 2); // d (failure object) and g (threw)
    assert.deepEqual(report.expectedErrors, { n: 1, failed: 1 });

    const s = report.summary;
    // tempo truth: a, b, d, g. Acc1: 0, 1, 0, 0. Acc2: 1, 1, 0, 0.
    assert.equal(s.tempo?.n, 4);
    near(s.tempo?.acc1, 0.25);
    near(s.tempo?.acc2, 0.5);
    // beats truth: a, b, d (f's beats all fall before 5 s). a perfect, b malformed, d failed.
    assert.equal(s.beats?.n, 3);
    for (const m of ["fMeasure", "cmlc", "cmlt", "amlc", "amlt"] as const) near(s.beats?.[m], 1 / 3, m);
    assert.equal(s.downbeats?.n, 3);
    near(s.downbeats?.fMeasure, 1 / 3);
    assert.equal(s.meter?.n, 3);
    near(s.meter?.accuracy, 1 / 3);
    // key truth: a (relative, 0.3), b (1), c (1), d (failed, 0)
    assert.equal(s.key?.n, 4);
    near(s.key?.mirexWeighted, 2.3 / 4);
    near(s.key?.exact, 0.5);

    const row = (id: string) => {
      const r = report.rows.find((x) => x.id === id);
      assert.ok(r, `no row ${id}`);
      return r;
    };
    assert.deepEqual(row("d").scores.tempo, { acc1: 0, acc2: 0 });
    assert.equal(row("d").error?.code, "CORRUPT");
    assert.deepEqual(row("g").error, { code: "INTERNAL", message: "boom" });
    assert.equal(row("e").error?.code, "UNSUPPORTED_FORMAT");
    assert.deepEqual(row("e").scores, {});
    assert.match(row("b").problems.join(), /beats: estimated beats: not in increasing order/);
    assert.deepEqual(row("b").scores.meter, { accuracy: 0 }); // field missing
    assert.deepEqual(row("a").estimate, { tempoBpm: 240, meter: 4, key: "C major" });
    assert.deepEqual(row("f").scores, {});
  });

  test("analyses each track only for the features it has truth for", async () => {
    calls.length = 0;
    await evaluateCorpus(entries, fakeAnalyze);
    const byFile = Object.fromEntries(calls.map((c) => [c.file, c.features]));
    assert.deepEqual(byFile["a.mp3"], ["tempo", "beats", "downbeats", "meter", "key"]);
    assert.deepEqual(byFile["c.ogg"], ["key"]);
    assert.deepEqual(byFile["g.mp3"], ["tempo"]);
    assert.equal(byFile["f.wav"], undefined); // nothing to score: not analysed
  });

  test("--features limits what is scored", async () => {
    const report = await evaluateCorpus(entries, fakeAnalyze, { features: ["key"] });
    assert.deepEqual(report.features, ["key"]);
    assert.deepEqual(Object.keys(report.summary), ["key"]);
    near(report.summary.key?.mirexWeighted, 2.3 / 4);
  });

  test("a feature requested but without truth has n = 0 and null means", async () => {
    const report = await evaluateCorpus(entries.filter((e) => e.id === "c"), fakeAnalyze, { features: ["tempo", "key"] });
    assert.deepEqual(report.summary.tempo, { n: 0, acc1: null, acc2: null });
    assert.equal(report.summary.key?.n, 1);
  });
});

describe("resultsDirAnalyzer", () => {
  test("reads NAME.EXT.json, else NAME.json; missing or corrupt files are failures", async () => {
    const res = await mkdtemp(join(tmpdir(), "trackprobe-res-"));
    try {
      await writeFile(join(res, "a.mp3.json"), JSON.stringify(OUTCOMES["a.mp3"]));
      await writeFile(join(res, "b.json"), JSON.stringify(OUTCOMES["b.flac"]));
      await writeFile(join(res, "c.ogg.json"), "{");
      const read = resultsDirAnalyzer(res);
      assert.equal(((await read("/x/audio/a.mp3", [])) as Analysis).tempo?.bpm, 240);
      assert.equal(((await read("/x/audio/b.flac", [])) as Analysis).tempo?.bpm, 91);
      const c = await read("/x/audio/c.ogg", []);
      assert.equal("error" in c && c.error.code, "CORRUPT");
      const d = await read("/x/audio/d.mp3", []);
      assert.equal("error" in d && d.error.code, "NOT_FOUND");
      assert.match("error" in d ? d.error.message : "", /d\.mp3\.json or d\.json/);
    } finally {
      await rm(res, { recursive: true, force: true });
    }
  });
});

describe("eval command", () => {
  let res: string;
  before(async () => {
    res = await mkdtemp(join(tmpdir(), "trackprobe-res-"));
    for (const [file, o] of Object.entries(OUTCOMES)) {
      if (!(o instanceof Error)) await writeFile(join(res, `${file}.json`), JSON.stringify(o));
    }
  });
  after(async () => {
    await rm(res, { recursive: true, force: true });
  });

  test("registers `eval <dir>` with its options", () => {
    const program = new Command("trackprobe");
    registerEval(program);
    const cmd = program.commands.find((c) => c.name() === "eval");
    assert.ok(cmd);
    assert.deepEqual(
      cmd.options.map((o) => o.long),
      ["--results", "--json", "--verbose", "--features"],
    );
  });

  test("--json prints the summary with camelCase keys and the rows", async () => {
    let out = "";
    const code = await runEval(dir, { results: res, json: true }, (s) => (out += s));
    assert.equal(code, 0);
    const report = JSON.parse(out);
    // e and g have no saved result: e is expected to fail, g now fails with NOT_FOUND.
    assert.equal(report.failed, 2);
    near(report.summary.tempo.acc2, 0.5);
    near(report.summary.key.mirexWeighted, 2.3 / 4);
    assert.equal(report.summary.beats.n, 3);
    assert.equal(report.rows.length, 7);
    assert.equal(report.rows.find((r: { id: string }) => r.id === "g").error.code, "NOT_FOUND");
  });

  test("text output: one aligned table per feature, failures listed", async () => {
    let out = "";
    await runEval(dir, { results: res, features: "tempo,key" }, (s) => (out += s));
    const lines = out.split("\n");
    assert.ok(lines[0].endsWith(": 6 tracks, 2 failed"), lines[0]);
    const acc1 = lines.find((l) => l.trimStart().startsWith("acc1"));
    const weighted = lines.find((l) => l.trimStart().startsWith("mirexWeighted"));
    assert.match(acc1 ?? "", /^ {2}acc1 +0\.250 +4$/);
    assert.match(weighted ?? "", /^ {2}mirexWeighted +0\.575 +4$/);
    assert.equal(acc1?.length, weighted?.length); // aligned columns
    assert.ok(out.includes("failed (scored 0):\n  d: CORRUPT: d.mp3: bad frame"));
    assert.ok(!out.includes("beats"));
  });

  test("--verbose adds one row per track", async () => {
    let out = "";
    await runEval(dir, { results: res, verbose: true, features: "key" }, (s) => (out += s));
    assert.match(out, /^track +key +est +keyW +note$/m);
    assert.match(out, /^a +A minor +C major +0\.3$/m);
    assert.match(out, /^f +- +- +- +no truth to score$/m);
  });

  test("unknown features and bad corpora are usage errors", async () => {
    await assert.rejects(runEval(dir, { results: res, features: "tempo,loudness" }, () => {}), {
      name: "UsageError",
      message: /cannot evaluate feature "loudness"/,
    });
    await assert.rejects(runEval(join(dir, "missing"), { results: res }, () => {}), {
      name: "UsageError",
      message: /not a directory/,
    });
  });
});
