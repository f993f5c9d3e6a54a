/** `trackprobe analyze [files...]`: analyse files (or stdin, or the built-in demo track). */
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { glob } from "tinyglobby";
import { encodeWavFloat32 } from "../audio/wav-writer.js";
import { AVAILABLE_FEATURES, parseFeatureList, resolveModel } from "../analyzers/registry.js";
import { renderDemoTrack } from "../demo-track.js";
import type { AnalyzeOptions } from "../pipeline/analyze.js";
import { type AnalysisOutcome, type BpmRange, type FeatureName, isFailure, type ModelChoice, TrackprobeError } from "../result.js";
import { ProgressLine } from "./progress-line.js";
import { parseBpmRange } from "../analyzers/tempo.js";
import { formatOfPath, formatResults, OUTPUT_FORMATS, type OutputFormat } from "./format.js";
import { UsageError } from "./usage-error.js";
import { analyzeCached, analyzeOutcome } from "../cache/cached-analyze.js";
import { CacheDirError, openResultCache, resolveCacheDir } from "../cache/location.js";
import type { ResultCache } from "../cache/store.js";
import { checkOutputFile, writeFileAtomic } from "./write-atomic.js";

interface AnalyzeFlags {
  format?: string;
  features?: string;
  output?: string;
  cache: boolean;
  cacheDir?: string;
  bpmRange?: string;
  model?: string;
  progress?: boolean;
}

/** Help text of --bpm-range (analyze and scan). */
export const BPM_RANGE_HELP =
  "report the tempo (and beat grid) inside MIN-MAX BPM, e.g. 70-140 or 100-200: the reading at another metrical level (×2, ×½, …) inside the range; both within 40-250";

/** Help text of --model (analyze, scan, eval, serve, worker). */
export const MODEL_HELP =
  'beat model for tempo, beats and downbeats: "dsp" (onset novelty), "neural" (a learned network; needs onnxruntime-node) or "auto" (neural where onnxruntime-node is installed, else dsp); default dsp (docs/accuracy.md compares them)';

const DEMO_NAME = "demo:120bpm-a-minor-30s.wav";

export function registerAnalyze(program: Command, opts: { isDefault: boolean } = { isDefault: true }): void {
  program
    .command("analyze", opts)
    .alias("analyse")
    .description("analyse audio files and print tempo, key, loudness, … for each")
    .argument("[files...]", 'audio files or glob patterns; "-" reads standard input; none: a generated 30 s demo track')
    .option("-f, --format <format>", `output format: ${OUTPUT_FORMATS.join("|")} (default: from -o's extension, .json .ndjson .jsonl .csv .txt; else table on a terminal, json otherwise)`)
    .option("--features <list>", `comma-separated features to compute (default: all of ${AVAILABLE_FEATURES.join(",")})`)
    .option("-o, --output <file>", "write the results to FILE (atomically) instead of standard output")
    .option("--no-cache", "neither read nor write the result cache (the one `scan` fills)")
    .option("--cache-dir <dir>", "result cache folder (default: $TRACKPROBE_CACHE_DIR, else $XDG_CACHE_HOME/trackprobe or ~/.cache/trackprobe)")
    .option("--bpm-range <min-max>", BPM_RANGE_HELP)
    .option("--model <dsp|neural|auto>", MODEL_HELP)
    .option("--progress", "show on standard error, per file, the audio decoded so far and previews of tempo, key and loudness (after 30 s of audio, then at 60 s, 120 s, …)")
    .addHelpText(
      "after",
      `
Examples:
  trackprobe analyze song.mp3
  trackprobe analyze --features loudness --format csv "music/**/*.flac" -o loudness.csv
  trackprobe analyze --bpm-range 70-140 ballad.mp3   # the tempo inside 70-140 BPM
  trackprobe analyze --model neural song.mp3          # the learned beat model
  trackprobe analyze --progress long-mix.flac         # previews while a long file is analysed
  cat song.ogg | trackprobe analyze - --format json
  trackprobe analyze            # analyses a generated demo track
  trackprobe song.mp3           # "analyze" may be left out before a file name with a dot or a slash

Exit status: 0 every file analysed, 1 some files failed (the others are still analysed) or the
output could not be written, 2 bad usage, 141 standard output was closed (\`| head\`).`,
    )
    .action(async (files: string[], flags: AnalyzeFlags) => {
      process.exitCode = await runAnalyze(files, flags);
    });
}

export function parseFeatures(list: string | undefined): FeatureName[] | undefined {
  try {
    return parseFeatureList(list);
  } catch (e) {
    if (e instanceof TrackprobeError) throw new UsageError(e.message);
    throw e;
  }
}

/** Parses --bpm-range ("MIN-MAX"); a bad range is a usage error (exit 2). */
export function parseBpmRangeFlag(text: string | undefined): BpmRange | undefined {
  if (text === undefined) return undefined;
  try {
    return parseBpmRange(text);
  } catch (e) {
    if (e instanceof TrackprobeError) throw new UsageError(`--bpm-range: ${e.message}`);
    throw e;
  }
}

/** Checks --model: a usage error (exit 2) for an unknown model, or "neural" without onnxruntime-node. */
export function parseModelFlag(text: string | undefined): ModelChoice | undefined {
  if (text === undefined) return undefined;
  try {
    resolveModel(text);
  } catch (e) {
    if (e instanceof TrackprobeError) throw new UsageError(`--model: ${e.message}`);
    throw e;
  }
  return text as ModelChoice;
}

async function runAnalyze(patterns: string[], flags: AnalyzeFlags): Promise<number> {
  const features = parseFeatures(flags.features);
  const bpmRange = parseBpmRangeFlag(flags.bpmRange);
  const model = parseModelFlag(flags.model);
  const format = (flags.format ?? formatOfPath(flags.output) ?? (process.stdout.isTTY && !flags.output ? "table" : "json")) as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) throw new UsageError(`unknown format "${flags.format}"; use one of ${OUTPUT_FORMATS.join(", ")}`);
  if (flags.output) checkOutputFile(flags.output);
  const inputs = await expandInputs(patterns);
  const results: AnalysisOutcome[] = [];
  const cache = flags.cache && inputs.some((i) => i.kind !== "demo") ? openCache(flags.cacheDir) : null;
  let failed = 0;
  for (const input of inputs) {
    const name = input.kind === "path" ? input.path : input.kind === "stdin" ? "-" : DEMO_NAME;
    const progress = flags.progress ? new ProgressLine(name, process.stderr) : null;
    const live = progress ? { onProgress: progress.decoded, onPreview: progress.preview } : {};
    const outcome =
      input.kind !== "demo" && cache
        ? (await analyzeCached(input.kind === "path" ? input.path : process.stdin, cache, { features, retryFailed: true, bpmRange, model, name, ...live })).outcome
        : await analyzeOne(input, { features, bpmRange, model, name, ...live });
    progress?.end();
    if (isFailure(outcome)) {
      failed++;
      process.stderr.write(`trackprobe: ${outcome.error.message}\n`);
    }
    if (format === "ndjson" && !flags.output) process.stdout.write(formatResults([outcome], "ndjson"));
    else results.push(outcome);
  }
  cache?.close();
  const text = formatResults(results, format, features);
  if (flags.output) await writeFileAtomic(flags.output, text);
  else if (format !== "ndjson") process.stdout.write(text);
  return failed > 0 ? 1 : 0;
}

type Input = { kind: "path"; path: string } | { kind: "stdin" } | { kind: "demo" };

async function expandInputs(patterns: string[]): Promise<Input[]> {
  if (patterns.length === 0) return [{ kind: "demo" }];
  const out: Input[] = [];
  for (const p of patterns) {
    if (p === "-") out.push({ kind: "stdin" });
    else if (existsSync(p) || !/[*?[\]{}]/.test(p)) out.push({ kind: "path", path: p });
    else {
      const matches = (await glob(p, { onlyFiles: true, expandDirectories: false })).sort();
      if (matches.length === 0) out.push({ kind: "path", path: p }); // reported as not found
      for (const m of matches) out.push({ kind: "path", path: m });
    }
  }
  return out;
}

/** Analyses one input without the cache: every error is a failure outcome. */
function analyzeOne(input: Input, options: AnalyzeOptions & { name: string }): Promise<AnalysisOutcome> {
  const audio = input.kind === "path" ? input.path : input.kind === "stdin" ? process.stdin : encodeWavFloat32(renderDemoTrack(30), 44100);
  return analyzeOutcome(audio, options);
}

/**
 * The result cache. A --cache-dir that cannot be used is an error (exit 2); the default one, or
 * $TRACKPROBE_CACHE_DIR's, is not worth failing for: analysing works without it (with a note).
 */
function openCache(dir: string | undefined): ResultCache | null {
  try {
    return openResultCache(resolveCacheDir(dir));
  } catch (e) {
    if (dir !== undefined || !(e instanceof CacheDirError)) throw e;
    process.stderr.write(`trackprobe: result cache not used: ${e.message}\n`);
    return null;
  }
}
