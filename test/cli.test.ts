/**
 * The command line as a user runs it: formats, exit codes, stdin, -o, --features, errors.
 * Runs src/cli/main.ts through tsx so the test needs no build.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { tempDir, writeWav } from "./signals/files.js";
import { runCli } from "./support/cli.js";
import { sine } from "./signals/wav.js";
import { renderDemoTrack } from "../src/demo-track.js";

const cache = tempDir();
after(cache.cleanup);

// never the user's own cache
const cli = (args: string[], input?: Uint8Array) => runCli(args, { input, env: { TRACKPROBE_CACHE_DIR: cache.dir } });

describe("trackprobe analyze", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const a = writeWav(join(dir, "a.wav"), [sine(1000, 2, 44100, 0.1), sine(1000, 2, 44100, 0.1)], 44100);
  const b = writeWav(join(dir, "b.wav"), [sine(500, 2, 48000, 0.2)], 48000);
  const bad = join(dir, "bad.mp3");
  writeFileSync(bad, "not audio at all, just some text in a file named like an mp3\n".repeat(10));

  it("prints one JSON object for one file (piped), with the v1 fields", () => {
    const r = cli(["analyze", a, "--features", "loudness"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.equal(o.file, a);
    assert.equal(o.format, "wav");
    assert.equal(o.sampleRate, 44100);
    assert.equal(o.channels, 2);
    assert.equal(o.duration, 2);
    assert.equal(typeof o.loudness.integrated, "number");
    assert.deepEqual(Object.keys(o.timings), ["decode", "features", "analyzers"]);
    assert.equal(o.version, "0.1.0");
  });

  it("several files: a JSON array; a bad one fails with exit 1 and the others are still analysed", () => {
    const r = cli(["analyze", a, bad, b, "--features", "loudness", "--format", "json"]);
    assert.equal(r.code, 1);
    const arr = JSON.parse(r.stdout);
    assert.equal(arr.length, 3);
    assert.equal(arr[1].error.code, "UNSUPPORTED_FORMAT");
    assert.equal(arr[2].sampleRate, 48000);
    assert.match(r.stderr, /bad\.mp3: this is a text file/);
  });

  it("ndjson: one line per file; csv: a header and a row per file", () => {
    const nd = cli(["analyze", a, b, "--features", "loudness", "--format", "ndjson"]);
    assert.equal(nd.stdout.trim().split("\n").length, 2);
    assert.equal(JSON.parse(nd.stdout.split("\n")[1]).file, b);
    const csv = cli(["analyze", a, b, "--features", "loudness", "--format", "csv"]);
    const lines = csv.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    assert.match(lines[0], /^file,format,duration,lufs,lra,true_peak/);
  });

  it("table format, a glob pattern, and -o writes the file", () => {
    const out = join(dir, "out.txt");
    const r = cli(["analyze", join(dir, "*.wav"), "--features", "loudness", "--format", "table", "-o", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    const text = readFileSync(out, "utf8");
    assert.match(text, /^file\s+format\s+duration\s+lufs/);
    assert.match(text, /a\.wav/);
    assert.match(text, /b\.wav/);
  });

  it('"-" reads standard input', () => {
    const r = cli(["analyze", "-", "--features", "loudness"], readFileSync(b));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).sampleRate, 48000);
  });

  it('"-" through the cache: read once, hashed as it is decoded; the same bytes as a file are then a cache hit', () => {
    const own = tempDir();
    try {
      const env = { TRACKPROBE_CACHE_DIR: own.dir };
      const piped = runCli(["analyze", "-", "--features", "loudness"], { input: readFileSync(b), env });
      assert.equal(piped.code, 0, piped.stderr);
      const scanned = runCli(["scan", dir, "--features", "loudness", "--summary-json", join(own.dir, "s.json"), "-q"], { env });
      assert.equal(scanned.code, 1, scanned.stderr); // bad.mp3 fails
      const summary = JSON.parse(readFileSync(join(own.dir, "s.json"), "utf8"));
      assert.equal(summary.cached, 1, "b.wav was answered from what the pipe stored");
    } finally {
      own.cleanup();
    }
  });

  it("--progress shows previews of tempo, key and loudness on standard error; standard output is unchanged", () => {
    const long = writeWav(join(dir, "long.wav"), renderDemoTrack(65, 22050, 120), 22050);
    const r = cli(["analyze", long, "--progress", "--no-cache"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 2, r.stderr);
    for (const [i, line] of lines.entries()) {
      assert.match(line, new RegExp(`long\\.wav: preview at ${3 * (i + 1)}\\d s: 120\\.\\d BPM · A minor \\(8A\\) · −\\d+\\.\\d LUFS`));
    }
    assert.equal(JSON.parse(r.stdout).key.name, "A minor");
  });

  it("no file: analyses the generated demo track", () => {
    const r = cli(["analyze", "--features", "loudness", "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.match(o.file, /^demo:/);
    assert.equal(o.duration, 30);
  });

  it("the demo track's analysis matches its known truth (120 BPM, A minor, 4/4)", () => {
    const r = cli(["analyze", "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout);
    assert.ok(Math.abs(o.tempo.bpm - 120) <= 1.2, `bpm ${o.tempo.bpm}`);
    assert.equal(o.key.name, "A minor");
    assert.equal(o.meter.beatsPerBar, 4);
    assert.deepEqual(o.warnings, []);
  });

  it("bad usage exits 2 with a message", () => {
    const f = cli(["analyze", a, "--features", "nonsense"]);
    assert.equal(f.code, 2);
    assert.match(f.stderr, /unknown feature "nonsense"/);
    const g = cli(["analyze", a, "--format", "xml"]);
    assert.equal(g.code, 2);
    assert.match(g.stderr, /unknown format "xml"/);
    assert.equal(cli(["--bogus-flag"]).code, 2);
    for (const [range, why] of [["0-10", /within 40-250/], ["200-100", /MIN must be below MAX/], ["fast", /expected MIN-MAX/]] as const) {
      for (const cmd of ["analyze", "scan"]) {
        const r = cli([cmd, cmd === "scan" ? dir : a, "--bpm-range", range]);
        assert.equal(r.code, 2, `${cmd} --bpm-range ${range}`);
        assert.match(r.stderr, /--bpm-range/);
        assert.match(r.stderr, why);
      }
    }
  });

  it("--help shows examples; --version the version", () => {
    const h = cli(["analyze", "--help"]);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Examples:/);
    assert.match(h.stdout, /--features/);
    const v = cli(["--version"]);
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), "0.1.0");
  });

  it("a missing file is reported by name, exit 1", () => {
    const r = cli(["analyze", join(dir, "missing.flac")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /missing\.flac: no such file/);
  });
});
