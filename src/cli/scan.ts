/** `trackprobe scan DIR...`: analyse a whole library through the cache, on all cores. */
import { createWriteStream, promises as fs, type WriteStream } from "node:fs";
import { availableParallelism } from "node:os";
import cliProgress from "cli-progress";
import type { Command } from "commander";
import { AVAILABLE_FEATURES } from "../analyzers/registry.js";
import { openResultCache, resolveCacheDir } from "../cache/location.js";
import { DEFAULT_SECONDS_PER_AUDIO_MINUTE } from "../pool/pool.js";
import { type ScanProgress, type ScanSummary, scanLibrary } from "../library/scan.js";
import { KEY_NOTATIONS, type KeyNotation, type TagReport, type TagSettings } from "../library/tags.js";
import { removeStaleTemps, tempPathFor } from "../temp-files.js";
import type { AnalysisOutcome, FeatureName } from "../result.js";
import { BPM_RANGE_HELP, MODEL_HELP, parseBpmRangeFlag, parseFeatures, parseModelFlag } from "./analyze.js";
import { formatOfPath, formatResults, OUTPUT_FORMATS, type OutputFormat } from "./format.js";
import { exitCodeFor, onStopRequest } from "./signals.js";
import { UsageError } from "./usage-error.js";
import { checkOutputFile, writeFileAtomic } from "./write-atomic.js";

interface ScanFlags {
  jobs?: string;
  timeout?: string;
  features?: string;
  bpmRange?: string;
  model?: string;
  format?: string;
  output?: string;
  cache: boolean;
  cacheDir?: string;
  retryFailed?: boolean;
  hidden?: boolean;
  writeTags?: boolean;
  keyNotation: string;
  overwriteTags?: boolean;
  replaygain?: boolean;
  dryRun?: boolean;
  summaryJson?: string;
  quiet?: boolean;
}

export function registerScan(program: Command): void {
  program
    .command("scan")
    .description("analyse every audio file under folders, on all cores, through the result cache")
    .argument("<dirs...>", "folders (or files) to scan; audio is recognised by content, not by name")
    .option("-j, --jobs <n>", `worker threads (default: the number of cores, ${availableParallelism()} here)`)
    .option(
      "--timeout <seconds>",
      `per-file time limit, in seconds per minute of audio (and for files under a minute); a file past it is stopped and reported as TIMEOUT; 0: no limit (default: ${DEFAULT_SECONDS_PER_AUDIO_MINUTE})`,
    )
    .option("--features <list>", `comma-separated features to compute (default: all of ${AVAILABLE_FEATURES.join(",")})`)
    .option("--bpm-range <min-max>", BPM_RANGE_HELP)
    .option("--model <dsp|neural|auto>", MODEL_HELP)
    .option("-f, --format <format>", `print each file's result: ${OUTPUT_FORMATS.join("|")} (default: from -o's extension, else ndjson when writing to a file or pipe, nothing on a terminal)`)
    .option("-o, --output <file>", "write the results to FILE (atomically; ndjson is written as results come)")
    .option("--no-cache", "neither read nor write the result cache (analyse every file)")
    .option("--cache-dir <dir>", "result cache folder (default: $TRACKPROBE_CACHE_DIR, else $XDG_CACHE_HOME/trackprobe or ~/.cache/trackprobe)")
    .option("--retry-failed", "analyse again files whose failure is cached (default: reported from the cache until the file changes)")
    .option("--hidden", "also scan files and folders whose names start with '.'")
    .option("--write-tags", "write BPM and key into each file's own tags (MP3, FLAC, Ogg, Opus, M4A)")
    .option("--key-notation <notation>", `key notation for --write-tags: ${KEY_NOTATIONS.join("|")}`, "standard")
    .option("--overwrite-tags", "with --write-tags: replace BPM, key and gain values a file already has (default: keep them, fill in only missing ones)")
    .option("--replaygain", "with --write-tags: also write ReplayGain 2.0 track gain and peak (Opus: R128_TRACK_GAIN) from the measured loudness")
    .option("--dry-run", "with --write-tags: report what would be written, change no file")
    .option("--summary-json <file>", "also write the end-of-scan summary as JSON to FILE")
    .option("-q, --quiet", "no progress and no summary on standard error (errors are still reported)")
    .addHelpText(
      "after",
      `
Examples:
  trackprobe scan ~/Music                                   # fills the cache; progress and a summary
  trackprobe scan ~/Music -o library.ndjson                 # and every file's result
  trackprobe scan ~/Music --features tempo,key --write-tags --key-notation camelot --dry-run
  trackprobe export ~/Music --format csv -o library.csv     # dump the cache later, no decoding

Re-running a scan analyses only new and changed files. Ctrl-C stops cleanly; run it again to continue.
Exit status: 0 all analysed, 1 some files failed, 2 bad usage, 130 interrupted (143 by SIGTERM, 129 by SIGHUP).`,
    )
    .action(async (dirs: string[], flags: ScanFlags) => {
      process.exitCode = await runScan(dirs, flags);
    });
}

/** --format, else the format -o's extension names (`x.csv`), else `fallback`. */
export function parseFormat(flag: string | undefined, fallback: OutputFormat | null, output?: string): OutputFormat | null {
  if (flag === undefined) return formatOfPath(output) ?? fallback;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(flag)) throw new UsageError(`unknown format "${flag}"; use one of ${OUTPUT_FORMATS.join(", ")}`);
  return flag as OutputFormat;
}

async function runScan(dirs: string[], flags: ScanFlags): Promise<number> {
  const features = parseFeatures(flags.features) ?? AVAILABLE_FEATURES;
  const bpmRange = parseBpmRangeFlag(flags.bpmRange);
  const model = parseModelFlag(flags.model);
  const jobs = flags.jobs === undefined ? availableParallelism() : Number(flags.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 256) throw new UsageError(`--jobs must be a whole number from 1 to 256, not "${flags.jobs}"`);
  const timeout = flags.timeout === undefined ? DEFAULT_SECONDS_PER_AUDIO_MINUTE : Number(flags.timeout);
  if (flags.timeout?.trim() === "" || !Number.isFinite(timeout) || timeout < 0) throw new UsageError(`--timeout must be a number of seconds (0: no limit), not "${flags.timeout}"`);
  const format = parseFormat(flags.format, flags.output || !process.stdout.isTTY ? "ndjson" : null, flags.output);
  if (!(KEY_NOTATIONS as readonly string[]).includes(flags.keyNotation)) throw new UsageError(`unknown key notation "${flags.keyNotation}"; use one of ${KEY_NOTATIONS.join(", ")}`);
  if (flags.dryRun && !flags.writeTags) throw new UsageError("--dry-run goes with --write-tags");
  for (const [flag, set] of [["--overwrite-tags", flags.overwriteTags], ["--replaygain", flags.replaygain]] as const) {
    if (set && !flags.writeTags) throw new UsageError(`${flag} goes with --write-tags`);
  }
  if (flags.replaygain && !features.includes("loudness")) throw new UsageError("--replaygain needs loudness among --features");
  if (flags.writeTags && !features.includes("tempo") && !features.includes("key") && !flags.replaygain) throw new UsageError("--write-tags needs tempo or key among --features");
  if (flags.output) checkOutputFile(flags.output);
  if (flags.summaryJson) checkOutputFile(flags.summaryJson, "--summary-json");
  const cacheDir = flags.cache ? resolveCacheDir(flags.cacheDir) : null;
  // Fail now, in one line, on a cache folder that cannot be made or opened (not in every worker).
  if (cacheDir) openResultCache(cacheDir).close();
  const tagSettings: TagSettings | null = flags.writeTags
    ? { notation: flags.keyNotation as KeyNotation, dryRun: !!flags.dryRun, overwrite: !!flags.overwriteTags, replayGain: !!flags.replaygain }
    : null;

  const out = new ResultOutput(format, flags.output, features);
  await out.open();
  const controller = new AbortController();
  const progress = flags.quiet ? null : new ProgressReporter(process.stderr.isTTY === true);
  let stopReason = "SIGINT";
  const stopListening = onStopRequest((reason, count) => {
    if (count > 1) {
      progress?.stop();
      process.exit(exitCodeFor(reason));
    }
    stopReason = reason;
    const line = "trackprobe: stopping (finished results are kept; Ctrl-C again to quit at once)\n";
    if (progress) progress.log(line);
    else process.stderr.write(line);
    controller.abort();
  });
  let summary: ScanSummary;
  try {
    summary = await scanLibrary({
      roots: dirs,
      features,
      jobs,
      cacheDir,
      retryFailed: flags.retryFailed,
      bpmRange,
      model,
      hidden: flags.hidden,
      writeTags: tagSettings,
      secondsPerAudioMinute: timeout === 0 ? null : timeout,
      signal: controller.signal,
      onOutcome: format ? (o) => out.add(o) : undefined,
      onTags: (r) => reportTags(r, progress),
      onProgress: (p) => progress?.update(p),
    });
  } finally {
    progress?.stop();
    stopListening();
  }
  await out.close();
  if (!flags.quiet) process.stderr.write(summaryText(summary));
  else for (const f of summary.failures) process.stderr.write(`trackprobe: ${f.message}\n`);
  if (flags.summaryJson) await writeFileAtomic(flags.summaryJson, `${JSON.stringify(summary, null, 2)}\n`);
  return summary.interrupted ? exitCodeFor(stopReason) : summary.failed > 0 ? 1 : 0;
}

function reportTags(r: TagReport, progress: ProgressReporter | null): void {
  const values = [
    r.bpm != null ? `BPM ${r.bpm}` : "",
    r.key != null ? `key ${r.key}` : "",
    r.trackGain != null ? `track gain ${r.trackGain}` : "",
    r.trackPeak != null ? `track peak ${r.trackPeak}` : "",
    r.r128TrackGain != null ? `R128 track gain ${r.r128TrackGain}` : "",
  ]
    .filter(Boolean)
    .join(", ");
  const was = r.before ? ` (was: BPM ${r.before.bpm ?? "none"}, key ${r.before.key ?? "none"})` : "";
  let line: string | null = null;
  if (r.action === "would-write") line = `would write ${values} to ${r.file}${was}`;
  else if (r.action === "failed") line = `trackprobe: ${r.file}: tags not written: ${r.reason}`;
  else if (r.action === "skipped" && r.reason !== "no tempo or key to write") line = `${r.file}: tags not written: ${r.reason}`;
  if (line) progress ? progress.log(`${line}\n`) : process.stderr.write(`${line}\n`);
}

/**
 * Where results go. ndjson is written as each file finishes (to a temporary file renamed into
 * place at the end when -o is given); json, csv and table need every row, sorted by path.
 */
export class ResultOutput {
  private rows: AnalysisOutcome[] = [];
  private stream: WriteStream | null = null;
  private tmp: string | null = null;

  constructor(
    readonly format: OutputFormat | null,
    readonly output?: string,
    /** The feature selection: csv and table columns (default: every feature). */
    readonly features?: readonly FeatureName[],
  ) {}

  async open(): Promise<void> {
    if (this.format === "ndjson" && this.output) {
      await removeStaleTemps(this.output);
      this.tmp = tempPathFor(this.output);
      this.stream = createWriteStream(this.tmp);
      await new Promise<void>((res, rej) => this.stream?.once("open", () => res()).once("error", rej));
    }
  }

  add(o: AnalysisOutcome): void {
    if (this.format === "ndjson") {
      const line = `${JSON.stringify(o)}\n`;
      if (this.stream) this.stream.write(line);
      else process.stdout.write(line);
    } else if (this.format) this.rows.push(o);
  }

  async close(): Promise<void> {
    if (this.stream && this.tmp && this.output) {
      const s = this.stream;
      await new Promise<void>((res, rej) => s.end((e?: Error | null) => (e ? rej(e) : res())));
      await fs.rename(this.tmp, this.output);
      return;
    }
    if (!this.format || this.format === "ndjson") return;
    this.rows.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const text = this.rows.length === 0 && this.format === "json" ? "[]\n" : formatResults(this.rows, this.format, this.features);
    if (this.output) await writeFileAtomic(this.output, text);
    else process.stdout.write(text);
  }
}

/** A progress bar on a terminal; a plain line every 10 s otherwise (logs, CI). */
class ProgressReporter {
  private bar: cliProgress.SingleBar | null = null;
  private lastLine = 0;
  /** What the bar last showed, to show it again after a log line. */
  private last: { done: number; total: number; payload: Record<string, string | number> } | null = null;

  constructor(private readonly tty: boolean) {
    if (tty) {
      this.bar = new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: " {bar} {value}/{total}{more} files | {failed} failed | {rate} files/s | ETA {etaText}",
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(1, 0, { more: "+", failed: 0, rate: "0.0", etaText: "…" });
    }
  }

  update(p: ScanProgress): void {
    const rate = p.elapsed > 0 ? p.done / p.elapsed : 0;
    const remaining = p.found - p.done;
    const eta = rate > 0 ? remaining / rate : Number.NaN;
    const etaText = p.walking ? "…" : Number.isFinite(eta) ? duration(eta) : "…";
    if (this.bar) {
      this.last = { done: p.done, total: Math.max(p.found, 1), payload: { more: p.walking ? "+" : "", failed: p.failed, rate: rate.toFixed(1), etaText } };
      this.bar.setTotal(this.last.total);
      this.bar.update(p.done, this.last.payload);
      return;
    }
    const now = Date.now();
    if (now - this.lastLine < 10_000) return;
    if (this.lastLine === 0) {
      this.lastLine = now; // the first line after 10 s, not at once
      return;
    }
    this.lastLine = now;
    process.stderr.write(
      `scan: ${p.done}/${p.found}${p.walking ? "+" : ""} files, ${p.failed} failed, ${rate.toFixed(1)} files/s, ETA ${etaText}\n`,
    );
  }

  log(line: string): void {
    if (this.bar) this.bar.stop();
    process.stderr.write(line);
    if (this.bar && this.last) {
      this.bar.start(this.last.total, this.last.done, this.last.payload);
    }
  }

  stop(): void {
    this.bar?.stop();
  }
}

const duration = (s: number) => (s < 90 ? `${Math.ceil(s)}s` : s < 5400 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`);

export function summaryText(s: ScanSummary): string {
  const done = s.analysed + s.cached + s.failed;
  const rate = s.seconds > 0 ? done / s.seconds : 0;
  const rt = s.seconds > 0 && s.audioSeconds > 0 ? `, ${Math.round(s.audioSeconds / s.seconds)}× realtime` : "";
  const lines = [
    `${s.interrupted ? `scan interrupted: ${done} of` : "scan:"} ${s.files} audio files in ${s.seconds.toFixed(1)} s (${rate.toFixed(1)} files/s${rt}, ${s.jobs} workers): ` +
      `${s.analysed} analysed, ${s.cached} from cache, ${s.failed} failed`,
  ];
  const skipped = Object.entries(s.skipped);
  if (skipped.length) lines.push(`  skipped: ${skipped.map(([why, n]) => `${n} ${why}`).join(", ")}`);
  const tags = Object.entries(s.tags);
  if (tags.length) lines.push(`  tags: ${tags.map(([a, n]) => `${n} ${a}`).join(", ")}`);
  if (s.failures.length) {
    lines.push("  failed:");
    const shown = s.failures.slice(0, 50);
    for (const f of shown) lines.push(`    ${f.message.split("\n")[0]} [${f.code}${f.cached ? ", cached: --retry-failed to try again" : ""}]`);
    if (s.failures.length > shown.length) lines.push(`    … and ${s.failures.length - shown.length} more (see --summary-json)`);
  }
  if (s.interrupted && s.cacheFile) lines.push("  finished results are in the cache: run the same command again to continue");
  if (!s.cacheFile) lines.push(s.interrupted ? "  (cache off: nothing was kept, a new run starts over)" : "  (cache off)");
  return `${lines.join("\n")}\n`;
}
