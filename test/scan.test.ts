/**
 * `trackprobe scan` and `trackprobe export` as a user runs them (the CLI through tsx, in child
 * processes): a temp library of WAV/FLAC/MP3 with traps (a text file named .mp3, an empty file,
 * a corrupt WAV, a symlink loop, a dangling link, a FIFO, an unreadable file), the cache answering
 * re-scans without decoding, changed files, failures, kill -9 and Ctrl-C mid-scan, concurrent scans.
 */
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { renderDemoTrack } from "../src/demo-track.js";
import { encodeWithFfmpeg, haveFfmpeg, tempDir, writeWav } from "./signals/files.js";
import type { ScanSummary } from "../src/library/scan.js";
import { summaryText } from "../src/cli/scan.js";
import { CLI_MAIN as MAIN, runCli } from "./support/cli.js";

const FEATURES = "loudness,tempo,key";

type Summary = ScanSummary;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env });

/** Runs a scan writing its summary to a file; returns the summary, the exit code and the output. */
function scan(dirs: string[], cacheDir: string, extra: string[] = []) {
  const summaryFile = join(cacheDir, `..`, `summary-${Math.random().toString(36).slice(2)}.json`);
  const r = cli(["scan", ...dirs, "--cache-dir", cacheDir, "--features", FEATURES, "-j", "2", "--summary-json", summaryFile, ...extra]);
  const summary = existsSync(summaryFile) ? (JSON.parse(readFileSync(summaryFile, "utf8")) as Summary) : null;
  return { ...r, summary: summary as Summary };
}

const lines = (s: string) => s.split("\n").filter(Boolean).map((l) => JSON.parse(l));

const stereo = (bpm: number, seconds: number) => renderDemoTrack(seconds, 44100, bpm);

describe("trackprobe scan", { skip: haveFfmpeg ? false : "ffmpeg is not on PATH (needed to make the FLAC/MP3 fixtures)" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const cacheDir = join(dir, "cache");
  const asRoot = process.getuid?.() === 0;
  let audio = 0;

  before(() => {
    mkdirSync(join(lib, "sub", "deeper"), { recursive: true });
    writeWav(join(lib, "a.wav"), stereo(120, 6), 44100);
    encodeWithFfmpeg(join(lib, "b.flac"), stereo(100, 6), 44100);
    encodeWithFfmpeg(join(lib, "sub", "c.mp3"), stereo(128, 6), 44100, ["-b:a", "128k"]);
    // audio by content under a misleading name: found anyway
    encodeWithFfmpeg(join(lib, "sub", "deeper", "track.dat.flac"), stereo(90, 6), 44100);
    execFileSync("mv", [join(lib, "sub", "deeper", "track.dat.flac"), join(lib, "sub", "deeper", "track.dat")]);
    writeWav(join(lib, "sub", "locked.wav"), stereo(110, 4), 44100);
    chmodSync(join(lib, "sub", "locked.wav"), 0o000);
    audio = 5;
    writeFileSync(join(lib, "fake.mp3"), "this is a text file named like an MP3\n".repeat(20));
    writeFileSync(join(lib, "empty.flac"), "");
    writeFileSync(join(lib, "corrupt.wav"), Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(64, 0xff)]));
    writeFileSync(join(lib, "cover.jpg"), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    writeFileSync(join(lib, ".hidden.wav"), "hidden files are not scanned");
    symlinkSync("..", join(lib, "sub", "loop"));
    symlinkSync(join(lib, "nowhere.mp3"), join(lib, "dangling.mp3"));
    spawnSync("mkfifo", [join(lib, "pipe.mp3")]);
  });

  it("first scan: analyses every audio file, reports the bad ones, passes over the rest", () => {
    const r = scan([lib], cacheDir);
    assert.equal(r.code, 1, r.stderr);
    const s = r.summary;
    const failedNames = s.failures.map((f) => f.file.split("/").pop()).sort();
    const expectFailed = ["corrupt.wav", "empty.flac", "fake.mp3"];
    if (!asRoot) expectFailed.push("locked.wav");
    assert.deepEqual(failedNames, expectFailed.sort(), JSON.stringify(s.failures, null, 1));
    assert.equal(s.failures.find((f) => f.file.endsWith("fake.mp3"))?.code, "UNSUPPORTED_FORMAT");
    assert.equal(s.failures.find((f) => f.file.endsWith("empty.flac"))?.code, "EMPTY");
    if (!asRoot) assert.equal(s.failures.find((f) => f.file.endsWith("locked.wav"))?.code, "UNREADABLE");
    // as root, chmod 000 does not stop reading: the file is simply analysed (noted, not faked)
    const good = asRoot ? audio : audio - 1;
    assert.equal(s.analysed, good);
    assert.equal(s.cached, 0);
    assert.equal(s.files, good + expectFailed.length);
    assert.equal(s.skipped["symbolic link loop"] ?? s.skipped["folder already visited (symbolic link loop or duplicate)"], 1);
    assert.equal(s.skipped["broken symbolic link"], 1);
    assert.equal(s.skipped["not a regular file (FIFO, socket or device)"], 1);
    assert.equal(s.skipped["not audio"], 1, "cover.jpg");
    const out = lines(r.stdout);
    assert.equal(out.length, s.files, "one ndjson line per file (stdout is not a terminal)");
    const dat = out.find((o) => o.file.endsWith("track.dat"));
    assert.equal(dat.format, "flac");
    assert.equal(typeof dat.loudness.integrated, "number");
    assert.match(r.stderr, /scan: \d+ audio files .* analysed, 0 from cache, \d+ failed/);
  });

  it("re-scan of the unchanged library decodes nothing and gives the same results", () => {
    const first = lines(cli(["export", lib, "--cache-dir", cacheDir]).stdout);
    const r = scan([lib], cacheDir);
    assert.equal(r.summary.decoded, 0);
    assert.equal(r.summary.analysed, 0);
    assert.equal(r.summary.cached, r.summary.files - r.summary.failed);
    assert.ok(r.summary.failures.filter((f) => f.code === "CORRUPT" || f.code === "UNSUPPORTED_FORMAT").length >= 1);
    const corrupt = r.summary.failures.find((f) => f.file.endsWith("corrupt.wav"));
    assert.equal(corrupt?.cached, true, "a remembered failure is not retried");
    const byFile = (a: { file: string; error?: unknown }[]) => [...a].sort((x, y) => x.file.localeCompare(y.file));
    assert.deepEqual(byFile(lines(r.stdout)).filter((o) => !o.error), byFile(first).filter((o) => !o.error));
  });

  it("a changed file is analysed again, the others come from the cache; --retry-failed retries failures", () => {
    writeWav(join(lib, "a.wav"), stereo(140, 6), 44100);
    const r = scan([lib], cacheDir);
    assert.equal(r.summary.decoded, 1);
    assert.equal(r.summary.analysed, 1);
    const retry = scan([lib], cacheDir, ["--retry-failed"]);
    assert.equal(retry.summary.analysed, 0);
    assert.equal(retry.summary.decoded, 1, "only corrupt.wav is decoded again (fake.mp3 and empty.flac are not audio at all)");
  });

  it("--format csv / json and -o; --no-cache analyses everything", () => {
    const csvFile = join(dir, "lib.csv");
    const r = scan([lib], cacheDir, ["--format", "csv", "-o", csvFile]);
    const csv = readFileSync(csvFile, "utf8").trim().split("\n");
    assert.match(csv[0], /^file,format,duration,bpm/);
    assert.equal(csv.length, 1 + r.summary.files);
    const json = scan([join(lib, "sub")], cacheDir, ["--format", "json"]);
    const arr = JSON.parse(json.stdout);
    assert.ok(Array.isArray(arr));
    assert.deepEqual(arr.map((o: { file: string }) => o.file), [...arr.map((o: { file: string }) => o.file)].sort(), "sorted by path");
    const fresh = scan([join(lib, "sub")], cacheDir, ["--no-cache"]);
    assert.equal(fresh.summary.cached, 0);
    assert.equal(fresh.summary.analysed, json.summary.cached + json.summary.analysed);
  });

  it("export dumps the cached results under a folder, in every format, decoding nothing", () => {
    const nd = cli(["export", join(lib, "sub"), "--cache-dir", cacheDir]);
    assert.equal(nd.code, 0, nd.stderr);
    const rows = lines(nd.stdout);
    assert.ok(rows.every((o) => o.file.startsWith(join(lib, "sub"))));
    assert.ok(rows.some((o) => o.file.endsWith("c.mp3") && o.tempo !== undefined));
    const csv = cli(["export", lib, "--cache-dir", cacheDir, "--format", "csv", "--no-failed"]);
    assert.ok(!csv.stdout.includes("corrupt.wav"));
    assert.match(csv.stdout.split("\n")[0], /^file,format,duration/);
    const none = cli(["export", join(dir, "elsewhere"), "--cache-dir", cacheDir, "--format", "json"]);
    assert.equal(none.stdout.trim(), "[]");
  });

  it("analyze uses the same cache (identical result, timings included); --no-cache recomputes", () => {
    const file = join(lib, "b.flac");
    const fromScan = lines(cli(["export", file, "--cache-dir", cacheDir]).stdout)[0];
    const cached = JSON.parse(cli(["analyze", file, "--features", FEATURES, "--cache-dir", cacheDir, "--format", "json"]).stdout);
    assert.deepEqual(cached, fromScan);
    const fresh = JSON.parse(cli(["analyze", file, "--features", FEATURES, "--no-cache", "--format", "json"]).stdout);
    assert.deepEqual({ ...fresh, timings: null }, { ...fromScan, timings: null });
    const viaEnv = JSON.parse(cli(["analyze", file, "--features", FEATURES, "--format", "json"], { TRACKPROBE_CACHE_DIR: cacheDir }).stdout);
    assert.deepEqual(viaEnv, fromScan);
  });

  it("bad usage exits 2", () => {
    assert.equal(cli(["scan", lib, "-j", "0"]).code, 2);
    assert.equal(cli(["scan", lib, "--format", "xml"]).code, 2);
    assert.equal(cli(["scan", lib, "--dry-run"]).code, 2);
    assert.equal(cli(["scan", lib, "--write-tags", "--features", "loudness"]).code, 2);
  });
});

describe("scan: interrupted and concurrent", { skip: haveFfmpeg ? false : "ffmpeg is not on PATH" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const N = 10;
  before(() => {
    mkdirSync(lib);
    for (let i = 0; i < N; i++) writeWav(join(lib, `t${String(i).padStart(2, "0")}.wav`), stereo(90 + 5 * i, 20), 44100);
  });

  /** Starts a scan and resolves once it has printed `n` results (each committed before printed). */
  function startScan(cacheDir: string, n: number): Promise<{ child: ChildProcess; seen: () => number }> {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, "scan", lib, "--cache-dir", cacheDir, "--features", FEATURES, "-j", "1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let count = 0;
    return new Promise((resolve, reject) => {
      child.stdout?.setEncoding("utf8").on("data", (s: string) => {
        count += s.split("\n").length - 1;
        if (count >= n) resolve({ child, seen: () => count });
      });
      child.on("exit", () => reject(new Error(`scan ended after ${count} results`)));
    });
  }
  const exited = (c: ChildProcess) => new Promise<number | null>((r) => (c.exitCode !== null || c.signalCode ? r(c.exitCode) : c.on("exit", (code) => r(code))));

  it("kill -9 mid-scan: the cache is intact, finished results are kept, a re-run completes", async () => {
    const cacheDir = join(dir, "cache-kill");
    const { child, seen } = await startScan(cacheDir, 3);
    child.kill("SIGKILL");
    await exited(child);
    const printed = seen();
    assert.ok(printed < N, "killed before the end");
    const db = new Database(join(cacheDir, "cache.sqlite"));
    assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    const stored = (db.prepare("SELECT count(*) AS n FROM results").get() as { n: number }).n;
    db.close();
    assert.ok(stored >= printed, `every printed result was committed (${stored} stored, ${printed} printed)`);
    const r = scan([lib], cacheDir);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.summary.cached, stored);
    assert.equal(r.summary.analysed, N - stored);
  });

  it("Ctrl-C (SIGINT) stops cleanly with exit 130 and a summary; the re-run continues", async () => {
    const cacheDir = join(dir, "cache-int");
    const { child } = await startScan(cacheDir, 2);
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.kill("SIGINT");
    const code = await exited(child);
    assert.equal(code, 130, stderr);
    assert.match(stderr, /scan interrupted: .* (\d+) analysed/);
    const r = scan([lib], cacheDir);
    assert.equal(r.code, 0);
    assert.ok(r.summary.cached >= 2);
    assert.equal(r.summary.cached + r.summary.analysed, N);
  });

  it("two scans of the same library at once share the cache without errors", async () => {
    const cacheDir = join(dir, "cache-two");
    const run = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const c = spawn(process.execPath, ["--import", "tsx", MAIN, "scan", lib, "--cache-dir", cacheDir, "--features", "loudness", "-j", "1"], {
          stdio: ["ignore", "ignore", "pipe"],
        });
        let stderr = "";
        c.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
        c.on("exit", (code) => resolve({ code, stderr }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const r = scan([lib], cacheDir, ["--features", "loudness"]);
    assert.equal(r.summary.decoded, 0);
    assert.equal(r.summary.cached, N);
  });
});

describe("scan summary text", () => {
  const base: Summary = {
    files: 60, analysed: 9, cached: 0, failed: 1, decoded: 10, skipped: {}, failures: [], tags: {}, interrupted: true,
    seconds: 2, audioSeconds: 270, jobs: 1, cacheFile: null,
  };
  it("an interrupted scan counts the files done, not those found, and says what was kept", () => {
    const text = summaryText(base);
    assert.match(text, /^scan interrupted: 10 of 60 audio files in 2\.0 s \(5\.0 files\/s, 135× realtime, 1 workers\)/);
    assert.match(text, /cache off: nothing was kept/);
    assert.doesNotMatch(text, /results are in the cache/);
    assert.match(summaryText({ ...base, cacheFile: "/c/cache.sqlite" }), /finished results are in the cache: run the same command again/);
  });
});
