/**
 * `npm run bench`: trackprobe side by side with the peers a user would otherwise pick, on the same
 * files, in the same run, on the same machine, each tool a whole child process timed by GNU time
 * (wall seconds, peak RSS):
 *
 *   - speed on generated music (a 3.5-minute MP3 and a 60-minute one), with ffmpeg's decode of the
 *     same file as the floor no analyser can go below;
 *   - speed and accuracy on the development corpus (../shared/corpus-dev: audio + truth JSON):
 *     tempo Acc1/Acc2, beat F/CMLt/AMLt, downbeat F, meter, MIREX key score, loudness error;
 *   - the ratio trackprobe ÷ peer, pair by pair (each peer against trackprobe asked for the same
 *     features), for speed, memory and every metric both give.
 *
 * Peers: essentia.js 0.1.3 (devDependency, AGPL: run from bench/peers/essentia-runner.cjs, never
 * imported by src/) and aubio's `aubio tempo` / `aubiotrack` when installed (rows skipped if not).
 * Writes BENCHMARKS.md at the repo root and prints the same Markdown.
 *
 * Needs ffmpeg (to make the MP3s, as the floor, and as the peers' decoder), GNU time and coreutils
 * `timeout`. Not part of `npm test`: a full run takes several minutes.
 *
 * A run that fails is retried once; a failure that repeats is an error cell, never a crash.
 *
 * Options:
 *   --quick          skip the 60-minute file; score a subset of the corpus (6 tracks)
 *   --runs N         repetitions on the generated 3.5-minute file (default 3; median wall time)
 *   --long-runs N    repetitions on the 60-minute file (default 1: a peer takes minutes on it)
 *   --corpus DIR     corpus folder (default ../shared/corpus-dev beside the repo)
 *   --no-corpus      speed tables only
 *   --out FILE       Markdown report (default BENCHMARKS.md at the repo root; "-" for none)
 *   --no-service     skip the service section (bench/service.ts: serve and workers against scan)
 *   --baseline REV   also run trackprobe as built from git revision REV (e.g. HEAD~1), all
 *                    features, on the generated files: the pair table then shows this build ÷
 *                    that one (a refactor's "no slowdown beyond noise", measured in one run)
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { DEMO_TRUTH, renderDemoTrack } from "../src/demo-track.js";
import { loadCorpus, type TruthEntry } from "../src/eval/corpus.js";
import type { FeatureName } from "../src/result.js";
import { VERSION } from "../src/result.js";
import { median, timed } from "./measure.js";
import { type Cell, corpusSections, type Measured, speedSections } from "./report.js";
import { score } from "./score.js";
import { serviceSection } from "./service.js";
import { aubioTools, aubioVersion, essentiaTools, ffmpegFloor, type Tool, trackprobeTool } from "./tools.js";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(import.meta.dirname, "out");

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) usage(`${name} needs a value`);
  return v;
}
function count(name: string, fallback: number): number {
  const v = option(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) usage(`${name} needs a whole number ≥ 1, got "${v}"`);
  return n;
}
function usage(message: string): never {
  console.error(`bench: ${message}\nusage: npm run bench -- [--quick] [--runs N] [--long-runs N] [--corpus DIR] [--no-corpus] [--out FILE|-] [--no-service] [--baseline REV]`);
  process.exit(2);
}
const known = new Set(["--quick", "--runs", "--long-runs", "--corpus", "--no-corpus", "--out", "--no-service", "--baseline"]);
for (const a of args) if (a.startsWith("--") && !known.has(a)) usage(`unknown option ${a}`);

const quick = args.includes("--quick");
const runs = count("--runs", 3);
const longRuns = count("--long-runs", 1);
const corpusDir = resolve(option("--corpus") ?? join(ROOT, "..", "shared", "corpus-dev"));
const withCorpus = !args.includes("--no-corpus");
const outFile = option("--out") ?? join(ROOT, "BENCHMARKS.md");
const baselineRev = option("--baseline");
const withService = !args.includes("--no-service");
/** Tracks scored with --quick: a spread of styles (every third id). */
const QUICK_TRACKS = 6;

const log = (s: string) => process.stderr.write(`${s}\n`);

// ---------------------------------------------------------------------------------------------
// Machine, tools, versions
// ---------------------------------------------------------------------------------------------

function need(cmd: string, versionArg: string, hint: string) {
  if (spawnSync(cmd, [versionArg], { stdio: "ignore" }).error) {
    console.error(`bench: ${cmd} is needed (${hint})`);
    process.exit(2);
  }
}
need("ffmpeg", "-version", "apt-get install ffmpeg");
need("timeout", "--version", "coreutils");
if (!existsSync("/usr/bin/time")) {
  console.error("bench: /usr/bin/time is needed for peak RSS (apt-get install time)");
  process.exit(2);
}

function firstLine(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: "utf8" });
  return r.error ? "?" : (r.stdout || r.stderr).split("\n")[0].trim();
}

function cpuModel(): string {
  const lscpu = spawnSync("lscpu", [], { encoding: "utf8" });
  const m = /^Model name:\s*(.+)$/m.exec(lscpu.stdout ?? "");
  return m?.[1].trim() ?? cpus()[0]?.model ?? "?";
}

function essentiaVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require("essentia.js/package.json") as { version: string };
    return pkg.version;
  } catch {
    return null;
  }
}

function gitRevision(): string {
  const rev = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim();
  if (!rev) return "?";
  const dirty = spawnSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: ROOT, encoding: "utf8" }).stdout?.trim();
  return dirty ? `${rev} + uncommitted changes` : rev;
}

/**
 * Compiles the working tree into bench/out/dist (so the bench measures the code as it is now and
 * leaves dist/ alone), then reads which features this build has. Returns null with the reason when
 * analyze() cannot load; the trackprobe rows then say so and the peers still run.
 */
async function buildTrackprobe(root = ROOT, outDir = join(OUT, "dist")): Promise<{ cli: string; available: FeatureName[] | null; why: string }> {
  const tsc = join(ROOT, "node_modules", ".bin", "tsc");
  const r = spawnSync(tsc, ["-p", join(root, "tsconfig.json"), "--outDir", outDir], { encoding: "utf8" });
  if (r.status !== 0) log(`bench: tsc reported errors (emitted anyway):\n${(r.stdout + r.stderr).trim().split("\n").slice(0, 8).join("\n")}`);
  const cli = join(outDir, "cli", "main.js");
  // the model files sit beside dist/ as in the package (dist/analyzers → ../../models)
  const models = join(outDir, "..", "models");
  if (existsSync(join(root, "models")) && resolve(models) !== resolve(root, "models")) cpSync(join(root, "models"), models, { recursive: true });
  try {
    const registry = (await import(pathToFileURL(join(outDir, "analyzers", "registry.js")).href)) as { AVAILABLE_FEATURES: FeatureName[] };
    return { cli, available: [...registry.AVAILABLE_FEATURES], why: "" };
  } catch (e) {
    const why = `analyze() does not load: ${(e as Error).message.split("\n")[0]}`;
    log(`bench: ${why}`);
    return { cli, available: null, why };
  }
}

/**
 * Extracts revision `rev`'s src/, tsconfig.json and models/ (where it has one) into bench/out/baseline (git archive) and
 * compiles it there; its packages resolve from the repository's node_modules.
 */
async function buildBaseline(rev: string): Promise<{ cli: string; available: FeatureName[] | null; why: string; rev: string }> {
  const short = spawnSync("git", ["rev-parse", "--short", rev], { cwd: ROOT, encoding: "utf8" }).stdout?.trim();
  if (!short) usage(`--baseline: "${rev}" is not a git revision here`);
  const dir = join(OUT, "baseline");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const models = spawnSync("git", ["ls-tree", "--name-only", short, "models"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();
  execFileSync("bash", ["-c", `git archive ${short} src tsconfig.json ${models} | tar -x -C ${JSON.stringify(dir)}`], { cwd: ROOT });
  return { ...(await buildTrackprobe(dir, join(dir, "dist"))), rev: short };
}

// ---------------------------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------------------------

export interface BenchFile {
  name: string;
  path: string;
  seconds: number;
}

/** Generates the 3.5-minute demo MP3 and a 60-minute one made by looping it. */
function makeFiles(): BenchFile[] {
  mkdirSync(OUT, { recursive: true });
  const wav = join(OUT, "demo-3.5min.wav");
  const short = join(OUT, "demo-3.5min.mp3");
  const long = join(OUT, "demo-60min.mp3");
  if (!existsSync(wav)) writeFileSync(wav, encodeWavFloat32(renderDemoTrack(210), 44100));
  if (!existsSync(short)) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "192k", short]);
  }
  if (!quick && !existsSync(long)) {
    log("bench: generating the 60-minute MP3 (once; kept in bench/out)");
    execFileSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", "-1", "-i", wav, "-t", "3600", "-c:a", "libmp3lame", "-b:a", "192k", long]);
  }
  const files = [{ name: "3.5 min MP3", path: short, seconds: 210 }];
  if (!quick) files.push({ name: "60 min MP3", path: long, seconds: 3600 });
  return files;
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

/** Hard limit per process: generous (a peer may need ~0.1 s per audio second on a loaded machine). */
const limitFor = (audioSeconds: number) => Math.max(120, audioSeconds * 0.4);

/** One run of one tool on one file; the output is parsed here so a garbled answer is an error too. */
function runOnce(tool: Tool, file: string, audioSeconds: number): Cell {
  const t = timed(tool.command(file), limitFor(audioSeconds));
  if (t.error) return { wall: t.wall, rssMb: t.rssMb, error: t.error };
  try {
    return { wall: t.wall, rssMb: t.rssMb, estimate: tool.parse(t.stdout) };
  } catch (e) {
    return { wall: t.wall, rssMb: t.rssMb, error: `unreadable output: ${(e as Error).message.slice(0, 160)}` };
  }
}

/**
 * `n` runs of every tool on one file, interleaved (tool A, B, C, A, B, C, …) so that load from
 * other work on the machine falls on all tools alike. Wall: median; RSS: max; any failed run
 * makes the cell an error.
 */
function measureFile(tools: Tool[], file: BenchFile, n: number): Map<Tool, Cell> {
  const samples = new Map<Tool, Cell[]>(tools.map((t) => [t, []]));
  for (let r = 0; r < n; r++) {
    for (const tool of tools) {
      if (tool.unavailable) continue;
      log(`bench: ${file.name} · ${tool.name}${n > 1 ? ` · run ${r + 1}/${n}` : ""}`);
      let cell = runOnce(tool, file.path, file.seconds);
      if (cell.error) {
        // Once more, so that a passing hiccup (another process rewriting a file the tool reads) is
        // not reported as the tool failing; a failure that repeats is the cell's result.
        log(`bench:   failed (${cell.error}); retrying once`);
        cell = runOnce(tool, file.path, file.seconds);
        if (cell.error) log(`bench:   failed again: ${cell.error}`);
      }
      samples.get(tool)!.push(cell);
    }
  }
  const out = new Map<Tool, Cell>();
  for (const tool of tools) {
    const s = samples.get(tool)!;
    if (tool.unavailable) out.set(tool, { wall: Number.NaN, rssMb: Number.NaN, error: tool.unavailable, unavailable: true });
    else {
      const failed = s.find((c) => c.error);
      out.set(tool, {
        wall: median(s.map((c) => c.wall)),
        rssMb: Math.max(...s.map((c) => c.rssMb).filter(Number.isFinite)),
        estimate: s.find((c) => c.estimate)?.estimate,
        error: failed?.error,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const started = new Date();
const tp = await buildTrackprobe();
const tpAll = trackprobeTool(tp.cli, tp.available, tp.why, null, "all features");
const tpLoudness = trackprobeTool(tp.cli, tp.available, tp.why, ["loudness"], "loudness");
const tpRhythm = trackprobeTool(tp.cli, tp.available, tp.why, ["tempo", "beats"], "tempo,beats");
const tpKey = trackprobeTool(tp.cli, tp.available, tp.why, ["key"], "key");
const tpDance = trackprobeTool(tp.cli, tp.available, tp.why, ["danceability"], "danceability");
// What the flag bin/trackprobe.js adds costs: the same run with V8's background threads on.
const tpAllThreads = trackprobeTool(tp.cli, tp.available, tp.why, null, "all features, V8 background threads on (no --single-threaded)", []);
// The neural beat model (--model neural) beside the default: a peer of the same job, so the
// report prints its cost as a ratio (the issue's reference: madmom's RNN + DBN, 63 s for a
// 3.5-minute file on this machine kind).
const neural = (wanted: FeatureName[] | null, label: string, counterpart: Tool): Tool => ({
  ...trackprobeTool(tp.cli, tp.available, tp.why, wanted, `${label}, --model neural`, undefined, ["--model", "neural"]),
  kind: "peer" as const,
  counterpart: counterpart.name,
});
const tpAllNeural = neural(null, "all features", tpAll);
const tpRhythmNeural = neural(["tempo", "beats"], "tempo,beats", tpRhythm);
const aubio = aubioVersion();
const peers = [
  ...essentiaTools({ rhythm: tpRhythm.name, key: tpKey.name, danceability: tpDance.name, loudness: tpLoudness.name }),
  ...(aubio ? aubioTools(tpRhythm.name) : []),
];
if (!aubio) log("bench: aubio not installed (apt-get install aubio-tools): its rows are skipped");
const baseline = baselineRev ? await buildBaseline(baselineRev) : null;
// The same job as built from another revision: a peer whose counterpart is this build's.
const tpBaseline = baseline
  ? { ...trackprobeTool(baseline.cli, baseline.available, baseline.why, null, `@${baseline.rev} all features (--baseline)`), kind: "peer" as const, counterpart: tpAll.name }
  : null;
const tools: Tool[] = [ffmpegFloor, tpLoudness, tpAll, tpAllThreads, ...(tpBaseline ? [tpBaseline] : []), tpAllNeural, tpRhythm, tpRhythmNeural, tpKey, tpDance, ...peers];
const corpusTools = tools.filter((t) => t !== tpAllThreads && t !== tpBaseline); // speed comparisons: same answers

const machine = {
  date: started.toISOString().replace(/\.\d+Z$/, "Z"),
  cpu: cpuModel(),
  cores: cpus().length,
  ramGb: totalmem() / 2 ** 30,
  node: process.version,
  trackprobe: `${VERSION} (${gitRevision()}; features in this build: ${tp.available?.join(", ") || `none — ${tp.why}`})`,
  essentia: essentiaVersion() ?? "not installed",
  aubio: aubio ?? "not installed (rows skipped)",
  ffmpeg: firstLine("ffmpeg", ["-version"]).replace(/^ffmpeg version (\S+).*/, "$1"),
};

const speed: Measured[] = [];
const benchFiles = makeFiles();
for (const file of benchFiles) {
  const n = file.seconds > 600 ? longRuns : runs;
  speed.push({ file: file.name, audioSeconds: file.seconds, runs: n, cells: measureFile(tools, file, n) });
}

let corpus: { entries: TruthEntry[]; measured: Measured[]; loudnessTruth: Map<string, number | null> } | null = null;
let corpusNote = "";
if (withCorpus) {
  try {
    let entries = (await loadCorpus(corpusDir)).filter((e) => !e.expectError);
    if (quick) entries = entries.filter((_, i) => i % 3 === 0).slice(0, QUICK_TRACKS);
    const loudnessTruth = new Map<string, number | null>();
    for (const e of entries) {
      const raw = JSON.parse(readFileSync(e.truthPath, "utf8")) as { loudness_lufs?: unknown };
      loudnessTruth.set(e.id, typeof raw.loudness_lufs === "number" ? raw.loudness_lufs : null);
    }
    const measured: Measured[] = [];
    for (const e of entries) {
      const seconds = e.durationS ?? 240;
      measured.push({ file: e.id, audioSeconds: seconds, runs: 1, cells: measureFile(corpusTools, { name: e.id, path: e.audioPath, seconds }, 1) });
    }
    corpus = { entries, measured, loudnessTruth };
  } catch (e) {
    corpusNote = `corpus not measured: ${(e as Error).message}`;
    log(`bench: ${corpusNote}`);
  }
}

let service: string[] = [];
if (withService && tp.available) {
  try {
    service = await serviceSection(tp.cli, benchFiles[0].path, log);
  } catch (e) {
    service = ["## Service", "", `not measured: ${(e as Error).message}`, ""];
    log(`bench: service section failed: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const lines: string[] = [];
lines.push("# trackprobe benchmarks", "");
lines.push("Generated by `npm run bench` (bench/run.ts); do not edit by hand. Every number below comes from one run on one machine:");
lines.push("the tools ran one after another, interleaved file by file, each as its own process, timed by GNU time.");
lines.push("Shared machines are noisy: compare the tools **within** this file (the ratios), not against another run.", "");
lines.push("| | |", "|---|---|");
lines.push(`| date | ${machine.date} |`);
lines.push(`| machine | ${machine.cpu}, ${machine.cores} cores, ${machine.ramGb.toFixed(0)} GiB RAM |`);
lines.push(`| node | ${machine.node} |`);
lines.push(`| trackprobe | ${machine.trackprobe} |`);
lines.push(`| essentia.js | ${machine.essentia} (AGPL; devDependency, run from bench/peers/essentia-runner.cjs) |`);
lines.push(`| aubio | ${machine.aubio} |`);
lines.push(`| ffmpeg | ${machine.ffmpeg} |`);
lines.push(`| options | ${args.join(" ") || "(none)"}: ${runs} run(s) on the 3.5-min file, ${longRuns} on the 60-min file${quick ? " (skipped: --quick)" : ""}, 1 per corpus track |`);
lines.push("");
lines.push("How each tool runs: trackprobe is its CLI (`node --single-threaded dist/cli/main.js analyze FILE --features … --format json`, as bin/trackprobe.js runs it, built from the");
lines.push("working tree into bench/out/dist), decoding with its own decoders. Each essentia.js row is one algorithm in a fresh Node");
lines.push("process that decodes the file with ffmpeg to 44.1 kHz float (mono; stereo for LoudnessEBUR128) and runs it with its");
lines.push("default parameters (RhythmExtractor2013 40–208 BPM). aubio's tools read the file themselves at its own sample rate, with");
lines.push("their default settings. Wall time is the whole process: start-up, decode and analysis. Peak RSS is GNU time's %M.");
lines.push("A run that fails is retried once; an `error:` cell failed twice (its message is the tool's last line of stderr).");
lines.push("");
lines.push(...speedSections(speed, tools, DEMO_TRUTH));
if (corpus) lines.push(...corpusSections(corpusDir, corpus.entries, corpus.measured, corpusTools, corpus.loudnessTruth, score));
else if (corpusNote) lines.push("## Accuracy", "", corpusNote, "");
lines.push(...service);
lines.push(`Bench wall time: ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min.`, "");

const markdown = lines.join("\n");
process.stdout.write(`${markdown}\n`);
if (outFile !== "-") {
  writeFileSync(outFile, `${markdown}\n`);
  log(`bench: wrote ${outFile}`);
}
