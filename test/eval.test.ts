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
import { type AnalyzeFn, evaluateCorpus, evaluateRows, resultsDirAnalyzer } from "../src/eval/evaluate.js";
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

const key = (tonic: string, mode: "major" | "minor") => ({ tonic, mode, name: `${tonic} ${mode}`, camelot: "", openKey: "", confidence: 1, candidates: [], alternative: null });

/** What the fake analyser returns, by audio file name. */
const OUTCOMES: Record<string, AnalysisOutcome | Error> = {
  // tempo doubled (Acc1 0, Acc2 1), perfect beats and downbeats, right meter, relative key (0.3)
  "a.mp3": analysis("a.mp3", {
    tempo: { bpm: 240, confidence: 1, candidates: [], alternative: null },
    beats: BEATS_A,
    downbeats: DOWNBEATS_A,
    meter: { beatsPerBar: 4, confidence: 1 },
    key: key("C", "major"),
  }),
  // tempo 1.1 % off (both 1), unsorted beats (malformed: 0), no downbeats, no meter field, key right
  "b.flac": analysis("b.flac", {
    tempo: { bpm: 91, confidence: 1, candidates: [], alternative: null },
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
    // tempo truth: a, b, d, g, and c (beatless: tempo_bpm and beats written as null).
    // Acc1: 0, 1, 0, 0 (c has no tempo to match). Acc2: 1, 1, 0, 0. Pulse: 1, 1, 0, 0 and c 1.
    assert.equal(s.tempo?.n, 5);
    near(s.tempo?.acc1, 0.25);
    near(s.tempo?.acc2, 0.5);
    near(s.tempo?.pulse, 0.6);
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
    assert.deepEqual(row("d").scores.tempo, { acc1: 0, acc2: 0, pulse: 0 });
    assert.deepEqual(row("c").scores.tempo, { pulse: 1 }); // beatless, and no tempo reported
    assert.deepEqual(row("a").scores.tempo, { acc1: 0, acc2: 1, pulse: 1 });
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
    assert.deepEqual(byFile["c.ogg"], ["tempo", "key"]); // beatless: "no pulse" is scored
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
    const report = await evaluateCorpus(entries.filter((e) => e.id === "c"), fakeAnalyze, { features: ["meter", "key"] });
    assert.deepEqual(report.summary.meter, { n: 0, accuracy: null });
    assert.equal(report.summary.key?.n, 1);
  });

  test("a beatless track scores only pulse: right when no tempo is reported, wrong when one is", async () => {
    const beatless = entries.filter((e) => e.id === "c");
    assert.equal(beatless[0].beatless, true);
    const refused = await evaluateCorpus(beatless, fakeAnalyze, { features: ["tempo"] });
    assert.deepEqual(refused.summary.tempo, { n: 1, acc1: null, acc2: null, pulse: 1 });
    const withTempo: AnalyzeFn = async () => analysis("c.ogg", { tempo: { bpm: 72, confidence: 0.2, candidates: [], alternative: null } });
    const imagined = await evaluateCorpus(beatless, withTempo, { features: ["tempo"] });
    assert.deepEqual(imagined.summary.tempo, { n: 1, acc1: null, acc2: null, pulse: 0 });
    // a missing tempo field is "not known", not beatless: nothing to score
    assert.equal(entries.find((e) => e.id === "f")?.beatless, false);
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
      ["--results", "--json", "--verbose", "--features", "--beat-trim-seconds", "--split", "--halves", "--only", "--limit", "--jobs", "--table", "--model"],
    );
    assert.equal(cmd.registeredArguments[0].variadic, true); // eval DIR [DIR...]
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

  test("text output names the beat trim when beats or downbeats are scored", async () => {
    let out = "";
    await runEval(dir, { results: res, features: "beats" }, (s) => (out += s));
    assert.match(out.split("\n")[1], /before 5 s ignored in truth and estimate \(--beat-trim-seconds 5, mir_eval's default\)/);
    out = "";
    await runEval(dir, { results: res, features: "downbeats", beatTrimSeconds: "0" }, (s) => (out += s));
    assert.match(out.split("\n")[1], /no trim, every beat and downbeat scored \(--beat-trim-seconds 0\)/);
  });

  test("--beat-trim-seconds 0 scores beats before 5 s, in truth (f gains beat truth) and estimates", async () => {
    let out = "";
    await runEval(dir, { results: res, json: true, beatTrimSeconds: "0" }, (s) => (out += s));
    const report = JSON.parse(out);
    assert.equal(report.beatTrimSeconds, 0);
    // f's beats [1, 2, 3] count now: beats n = 4 (a perfect, b malformed, d failed, f no result).
    assert.equal(report.summary.beats.n, 4);
    near(report.summary.beats.fMeasure, 1 / 4);
    assert.equal(report.summary.downbeats.n, 3);
  });

  test("--verbose adds one row per track", async () => {
    let out = "";
    await runEval(dir, { results: res, verbose: true, features: "key" }, (s) => (out += s), null);
    assert.match(out, /^track +key +est +keyW +note$/m);
    assert.match(out, /^a +A minor +C major +0\.3$/m);
    assert.match(out, /^f +- +- +- +no truth to score$/m);
  });

  test("bad option values are usage errors", async () => {
    const cases: [object, RegExp][] = [
      [{ beatTrimSeconds: "-1" }, /--beat-trim-seconds must be a number of seconds >= 0, not "-1"/],
      [{ beatTrimSeconds: "five" }, /--beat-trim-seconds/],
      [{ split: "C" }, /--split must be A, B or all, not "C"/],
      [{ limit: "0" }, /--limit must be a whole number/],
      [{ jobs: "x" }, /--jobs must be a whole number from 1 to 256/],
      [{ only: "zz" }, /--only: no track with id "zz"/],
      [{ only: "," }, /--only needs at least one track id/],
    ];
    for (const [flags, message] of cases) {
      await assert.rejects(runEval(dir, { results: res, ...flags }, () => {}, null), { name: "UsageError", message });
    }
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

describe("evaluateRows with concurrency", () => {
  test("runs up to N tracks at once and keeps the corpus order", async () => {
    let inFlight = 0;
    let most = 0;
    const slow: AnalyzeFn = async (path, features) => {
      inFlight++;
      most = Math.max(most, inFlight);
      // Later tracks finish first.
      await new Promise((r) => setTimeout(r, 5 * (10 - entries.findIndex((e) => e.audioPath === path))));
      inFlight--;
      return fakeAnalyze(path, features);
    };
    const seen: [number, number][] = [];
    const rows = await evaluateRows(entries, slow, { concurrency: 3, onTrack: (_r, i, _n, position) => seen.push([i, position]) });
    assert.equal(most, 3);
    assert.deepEqual(
      rows.map((r) => r.id),
      entries.map((e) => e.id),
    );
    const sequential = await evaluateRows(entries, fakeAnalyze);
    assert.deepEqual(rows, sequential);
    // f has nothing to score and is never analysed; every other track reported once.
    assert.deepEqual(
      seen.map(([i]) => i),
      [0, 1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      seen.map(([, p]) => p).sort(),
      [0, 1, 2, 3, 4, 5, 6],
    );
  });
});

describe("eval of several corpora: parts, halves, hold-out table", () => {
  // A POP909-like corpus in a folder named pop909: 002 and 210 in half A, 105 in half B.
  const REF = grid(0, 0.5, 61);
  const INTRO_OFF_BEAT = REF.map((t) => (t < 5 ? t + 0.25 : t)); // metrics.test.ts: F 51/61 untrimmed
  const POP_TRUTH: Record<string, { tempo: number; key: string; est: { bpm: number; beats: number[]; key: [string, "major" | "minor"] } }> = {
    "pop909-002": { tempo: 64, key: "C major", est: { bpm: 128, beats: REF, key: ["C", "major"] } },
    "pop909-105": { tempo: 100, key: "D major", est: { bpm: 100, beats: REF, key: ["A", "major"] } },
    "pop909-210": { tempo: 80, key: "A minor", est: { bpm: 80, beats: INTRO_OFF_BEAT, key: ["C", "major"] } },
  };
  let top: string;
  let pop: string;
  let popRes: string;
  before(async () => {
    top = await mkdtemp(join(tmpdir(), "trackprobe-multi-"));
    pop = join(top, "pop909");
    popRes = join(top, "results");
    await mkdir(join(pop, "truth"), { recursive: true });
    await mkdir(popRes);
    for (const [file, o] of Object.entries(OUTCOMES)) {
      if (!(o instanceof Error)) await writeFile(join(popRes, `${file}.json`), JSON.stringify(o));
    }
    for (const [id, t] of Object.entries(POP_TRUTH)) {
      const truth = { id, file: `audio/${id}.mp3`, source: "pop909", tempo_bpm: t.tempo, beats: REF, key: t.key };
      await writeFile(join(pop, "truth", `${id}.json`), JSON.stringify(truth));
      const est = analysis(`${id}.mp3`, { tempo: { bpm: t.est.bpm, confidence: 1, candidates: [], alternative: null }, beats: t.est.beats, key: key(...t.est.key) });
      await writeFile(join(popRes, `${id}.mp3.json`), JSON.stringify(est));
    }
  });
  after(async () => {
    await rm(top, { recursive: true, force: true });
  });

  const run = async (flags: object, dirs?: string[]) => {
    let out = "";
    const code = await runEval(dirs ?? [dir, pop], { results: popRes, ...flags }, (s) => (out += s), null);
    assert.equal(code, 0);
    return out;
  };

  test("--json: one hold-out row per part, half B marked, and one for all", async () => {
    const report = JSON.parse(await run({ json: true }));
    const name = basename(dir);
    assert.deepEqual(report.corpora, [dir, pop]);
    assert.equal(report.beatTrimSeconds, 5);
    assert.deepEqual(
      report.holdout.map((r: { part: string; holdout: boolean; n: number }) => [r.part, r.holdout, r.n]),
      [
        [name, false, 6],
        ["pop909 A", false, 2],
        ["pop909 B", true, 1],
        ["all", false, 9],
      ],
    );
    const [dev, a, b, all] = report.holdout;
    // The first corpus on its own scores as before (see "means, counts, …" above).
    near(dev.acc2, 0.5);
    near(dev.keyMirex, 2.3 / 4);
    assert.deepEqual(dev.nByFeature, { tempo: 5, beats: 3, downbeats: 3, meter: 3, key: 4 }); // tempo: c is beatless
    near(dev.pulse, 0.6);
    // A: 002 (tempo doubled: Acc1 0, Acc2 1; key 1) and 210 (tempo right; key relative 0.3);
    // beats perfect after the 5 s trim on both.
    assert.deepEqual([a.acc1, a.acc2, a.beatF, a.cmlt, a.amlt], [0.5, 1, 1, 1, 1]);
    near(a.keyMirex, 0.65);
    near(a.keyExact, 0.5);
    assert.equal(a.downbeatF, null); // no downbeat truth in this corpus
    assert.equal(a.meter, null);
    near(b.keyMirex, 0.5); // a fifth above
    // all: every scored track of every part; tempo truth a, b, d, g + 3, and beatless c.
    assert.equal(all.nByFeature.tempo, 8);
    near(all.acc1, 3 / 7);
    assert.deepEqual(
      report.parts.map((p: { name: string; half: string | null; tracks: number }) => [p.name, p.half, p.tracks]),
      [
        [name, null, 6],
        ["pop909 A", "A", 2],
        ["pop909 B", "B", 1],
      ],
    );
    assert.equal(report.rows.length, 10);
    assert.equal(report.rows.find((r: { id: string }) => r.id === "pop909-105").part, "pop909 B");
    assert.match(report.holdoutNote, /half B of pop909 is the hold-out/);
  });

  test("--beat-trim-seconds 0 changes the beat score of the part with a wrong intro", async () => {
    const report = JSON.parse(await run({ json: true, beatTrimSeconds: "0", split: "A" }));
    const a = report.holdout.find((r: { part: string }) => r.part === "pop909 A");
    near(a.beatF, (1 + 51 / 61) / 2);
    near(a.cmlt, (1 + 50 / 61) / 2);
    near(a.amlt, (1 + 50 / 61) / 2);
  });

  test("text: a table per part, one for all, then the hold-out table and the reminder", async () => {
    const out = await run({ features: "tempo,beats,key" });
    const lines = out.split("\n");
    assert.match(lines[0], /^hold-out: half B of pop909 is the hold-out: choose parameters on half A only/);
    assert.ok(out.includes(`trackprobe eval pop909 A (${pop}, half A): 2 tracks`));
    assert.ok(out.includes(`trackprobe eval pop909 B (${pop}, half B: the hold-out): 1 tracks`));
    assert.ok(out.includes("trackprobe eval all 3 parts together: 9 tracks, 2 failed"));
    const header = lines.findIndex((l) => l.startsWith("hold-out table"));
    assert.match(lines[header], /before 5 s ignored, --beat-trim-seconds 5/);
    assert.match(lines[header + 1], /^part +n +Acc1 +Acc2 +pulse +beatF +CMLt +AMLt +keyMIREX +keyExact$/);
    assert.match(lines[header + 3], /^pop909 A +2 +0\.500 +1\.000 +1\.000 +1\.000 +1\.000 +1\.000 +0\.650 +0\.500$/);
    assert.match(lines[header + 4], /^pop909 B \(hold-out\) +1 +1\.000 +1\.000 +1\.000 +1\.000 +1\.000 +1\.000 +0\.500 +0\.000$/);
    assert.match(lines[header + 5], /^all +9 /);
  });

  test("--table prints only the hold-out table; --split A leaves B out and says so", async () => {
    const out = await run({ table: true, split: "A", beatTrimSeconds: "0" });
    const lines = out.trimEnd().split("\n");
    assert.match(lines[0], /^hold-out table \(no beat trim, --beat-trim-seconds 0;/);
    assert.deepEqual(
      lines.slice(2, 5).map((l) => l.split(/ {2,}/)[0]),
      [basename(dir), "pop909 A", "all"],
    );
    assert.match(out, /half B of pop909 is NOT scored \(--split A\)/);
    assert.ok(!out.includes("trackprobe eval"));
  });

  test("--only and --limit select tracks; -v reports progress per track", async () => {
    const progress: string[] = [];
    let out = "";
    await runEval([dir, pop], { results: popRes, json: true, only: "105,a", verbose: true }, (s) => (out += s), (s) => progress.push(s));
    const report = JSON.parse(out);
    assert.deepEqual(
      report.rows.map((r: { id: string; part: string }) => [r.part, r.id]),
      [
        [basename(dir), "a"],
        ["pop909 B", "pop909-105"],
      ],
    );
    assert.equal(progress.length, 2);
    assert.match(progress[1], /^\[2\/2\] \d+ s pop909 B pop909-105: bpm 100\.0\/100\.0 acc2 1, beatF 1\.000 amlt 1\.000, key A major\/D major \(0\.5\)\n$/);
    out = "";
    await runEval([pop], { results: popRes, json: true, limit: "1" }, (s) => (out += s), null);
    assert.deepEqual(
      JSON.parse(out).rows.map((r: { id: string }) => r.id),
      ["pop909-002", "pop909-105"],
    );
  });

  test("a split corpus whose half B has no tracks yet shows it with n = 0; --split B then has nothing to score", async () => {
    const halfA = join(top, "pop909-a");
    await mkdir(join(halfA, "truth"), { recursive: true });
    for (const id of ["pop909-002", "pop909-210"]) {
      const t = POP_TRUTH[id];
      await writeFile(join(halfA, "truth", `${id}.json`), JSON.stringify({ id, file: `audio/${id}.mp3`, source: "pop909", tempo_bpm: t.tempo }));
    }
    const report = JSON.parse(await run({ json: true }, [halfA]));
    assert.deepEqual(
      report.holdout.map((r: { part: string; n: number; acc1: number | null }) => [r.part, r.n, r.acc1]),
      [
        ["pop909-a A", 2, 0.5],
        ["pop909-a B", 0, null],
        ["all", 2, 0.5],
      ],
    );
    await assert.rejects(runEval([halfA], { results: popRes, split: "B" }, () => {}, null), {
      name: "UsageError",
      message: /no tracks to score: pop909-a B has none \(yet\)/,
    });
  });
});
