/**
 * The command line under misuse (issue 10, part C): exit status 1 for a failed file in every
 * format; a closed standard output (`| head`); unwritable -o and --cache-dir; mistyped commands
 * and the `analyse` spelling; stable csv columns; the format taken from -o's extension.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { tempDir, writeWav } from "./signals/files.js";
import { sine } from "./signals/wav.js";
import { CLI_MAIN, type CliRun, runCli } from "./support/cli.js";

const { dir, cleanup } = tempDir();
after(cleanup);
const cacheDir = join(dir, "cache");
const env = { TRACKPROBE_CACHE_DIR: cacheDir };
const cli = (args: string[]) => runCli(args, { env });

const lib = join(dir, "lib");
mkdirSync(lib);
const a = writeWav(join(lib, "a.wav"), [sine(440, 2, 44100, 0.2)], 44100);
const b = writeWav(join(lib, "b.wav"), [sine(880, 2, 44100, 0.2)], 44100);
const missing = join(dir, "missing.mp3");

/** One line on stderr, starting "trackprobe: ", no stack trace. */
function assertOneLineError(r: CliRun, pattern: RegExp): void {
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0], /^trackprobe: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/);
}

describe("exit status", () => {
  it("1 when a file failed, in every format (ndjson too, to stdout and to -o)", () => {
    for (const format of ["json", "ndjson", "csv", "table"]) {
      const r = cli(["analyze", a, missing, "--features", "loudness", "--format", format]);
      assert.equal(r.code, 1, `--format ${format}`);
    }
    assert.equal(cli(["analyze", missing, "--format", "ndjson"]).code, 1);
    assert.equal(cli(["analyze", missing, "--format", "ndjson", "-o", join(dir, "m.ndjson")]).code, 1);
  });
});

/** Runs the CLI with its standard output closed before it writes anything (`| head -0`). */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("a closed standard output (| head)", () => {
  it("analyze, scan and export stop quietly with status 141", async () => {
    assert.equal(cli(["scan", lib, "-q", "--features", "loudness", "-j", "1", "-o", join(dir, "fill.ndjson")]).code, 0);
    const runs = {
      analyze: await withClosedStdout(["analyze", a, b, "--features", "loudness", "--format", "ndjson", "--no-cache"]),
      scan: await withClosedStdout(["scan", lib, "-q", "--features", "loudness", "-j", "1", "--no-cache"]),
      export: await withClosedStdout(["export", lib]),
    };
    for (const [command, r] of Object.entries(runs)) {
      assert.equal(r.stderr, "", `${command}: nothing on stderr`);
      assert.equal(r.code, 141, command);
    }
  });
});

describe("output files and the cache folder", () => {
  const file = join(dir, "a-file");
  writeFileSync(file, "x");

  it("-o into a folder that does not exist: one line, exit 2, before any work (analyze, scan, export)", () => {
    for (const args of [
      ["analyze", a, "--features", "loudness"],
      ["scan", lib, "--features", "loudness", "-j", "1"],
      ["export", lib],
    ]) {
      const r = cli([...args, "-o", "/no/such/dir/x.json"]);
      assert.equal(r.code, 2, args[0]);
      assertOneLineError(r, /-o \/no\/such\/dir\/x\.json: the folder \/no\/such\/dir does not exist/);
    }
    const s = cli(["scan", lib, "--features", "loudness", "--summary-json", join(file, "s.json")]);
    assert.equal(s.code, 2);
    assertOneLineError(s, /--summary-json .*a-file is not a folder/);
    const d = cli(["analyze", a, "--features", "loudness", "-o", dir]);
    assert.equal(d.code, 2);
    assertOneLineError(d, /is a folder, not a file/);
  });

  it("--cache-dir under a file: one line, exit 2 (scan, analyze, export)", () => {
    for (const args of [["scan", lib, "-j", "1"], ["analyze", a], ["export", lib]]) {
      const r = cli([...args, "--features", "loudness", "--cache-dir", join(file, "sub")]);
      assert.equal(r.code, 2, args[0]);
      assertOneLineError(r, /cache folder .*a-file\/sub: a part of the path is a file/);
    }
  });

  it("--cache-dir /proc/nope fails at once instead of hanging", { skip: existsSync("/proc/self") ? false : "no procfs" }, () => {
    // Node's recursive mkdir spins forever on procfs: a time limit makes a hang a failure.
    const r = spawnSync(process.execPath, ["--import", "tsx", CLI_MAIN, "scan", lib, "--features", "loudness", "--cache-dir", "/proc/nope"], {
      env: { ...process.env, ...env },
      encoding: "utf8",
      timeout: 30_000,
      killSignal: "SIGKILL", // a process spinning in mkdir handles no SIGTERM
    });
    assert.equal(r.error, undefined, "it finished within 30 s");
    assert.equal(r.status, 2);
    assertOneLineError({ code: r.status, stdout: r.stdout, stderr: r.stderr }, /cache folder \/proc\/nope: cannot be created/);
  });

  it("the default cache folder, when unusable, is only a note for analyze", () => {
    const r = runCli(["analyze", a, "--features", "loudness"], { env: { TRACKPROBE_CACHE_DIR: join(file, "sub") } });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /result cache not used/);
  });
});

describe("commands", () => {
  it('"analyse" is analyze', () => {
    const r = cli(["analyse", a, "--features", "loudness", "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).file, a);
  });

  it("a mistyped command is refused with a suggestion, never analysed as a file", () => {
    for (const [typo, meant] of [["scna", "scan"], ["exprot", "export"], ["analyz", "analyze"]]) {
      const r = cli([typo, lib]);
      assert.equal(r.code, 2, typo);
      assertOneLineError(r, new RegExp(`unknown command '${typo}' \\(did you mean ${meant}\\?\\)`));
      assert.equal(r.stdout, "");
    }
  });

  it("a file name without the command still works (it has a dot or a slash)", () => {
    const r = cli([a, "--features", "loudness", "--format", "json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).file, a);
  });
});

describe("csv columns and output formats", () => {
  const header = "file,format,duration,lufs,lra,true_peak,warnings,error_code,error";

  it("one column set per feature selection: a failed file has the same columns, error columns always there", () => {
    const ok = cli(["analyze", a, "--features", "loudness", "--format", "csv"]).stdout.trim().split("\n");
    const mixed = cli(["analyze", a, missing, "--features", "loudness", "--format", "csv"]).stdout.trim().split("\n");
    const failed = cli(["analyze", missing, "--features", "loudness", "--format", "csv"]).stdout.trim().split("\n");
    assert.equal(ok[0], header);
    assert.equal(mixed[0], header);
    assert.equal(failed[0], header);
    assert.equal(failed[1].split(",").length, header.split(",").length);
    assert.match(failed[1], /,NOT_FOUND,.*missing\.mp3: no such file$/);
    assert.equal(ok[1].split(",").length, header.split(",").length);
    const all = cli(["analyze", missing, "--format", "csv"]).stdout.split("\n")[0];
    assert.equal(all, "file,format,duration,bpm,tempo_confidence,beats,downbeats,meter,key,camelot,open_key,key_confidence,lufs,lra,true_peak,danceability,energy,sections,drop,mix_in,mix_out,warnings,error_code,error");
  });

  it("an empty export still prints the header", () => {
    const r = cli(["export", join(dir, "nothing-here"), "--format", "csv", "--features", "loudness"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${header}\n`);
  });

  it("without --format, -o's extension chooses it (analyze, scan, export)", () => {
    const csv = join(dir, "out.csv");
    assert.equal(cli(["analyze", a, "--features", "loudness", "-o", csv]).code, 0);
    assert.equal(readFileSync(csv, "utf8").split("\n")[0], header);
    const jsonl = join(dir, "out.jsonl");
    assert.equal(cli(["analyze", a, b, "--features", "loudness", "-o", jsonl]).code, 0);
    assert.equal(readFileSync(jsonl, "utf8").trim().split("\n").length, 2);
    const txt = join(dir, "out.txt");
    assert.equal(cli(["scan", lib, "-q", "--features", "loudness", "-j", "1", "-o", txt]).code, 0);
    assert.match(readFileSync(txt, "utf8"), /^file\s+format\s+duration\s+lufs/);
    const json = join(dir, "out.json");
    assert.equal(cli(["export", lib, "--features", "loudness", "-o", json]).code, 0);
    assert.equal(JSON.parse(readFileSync(json, "utf8")).length, 2);
    const explicit = join(dir, "explicit.csv");
    assert.equal(cli(["analyze", a, "--features", "loudness", "--format", "json", "-o", explicit]).code, 0);
    assert.equal(JSON.parse(readFileSync(explicit, "utf8")).file, a, "--format wins over the extension");
  });
});
