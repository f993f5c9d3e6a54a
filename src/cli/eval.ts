/**
 * `trackprobe eval DIR [DIR...]`: measure accuracy against ground-truth corpora (tempo Acc1/Acc2,
 * beat F-measure and CMLt/AMLt, downbeat F-measure, meter accuracy, MIREX weighted key score),
 * one table per corpus part (a POP909 corpus is split into halves A and B by id, B being the
 * hold-out), one for all parts together, and the compact hold-out table.
 */
import type { Command } from "commander";
import type { AnalysisOutcome, FeatureName, ModelChoice } from "../result.js";
import { MODEL_HELP, parseModelFlag } from "./analyze.js";
import { CorpusError, loadCorpus } from "../eval/corpus.js";
import {
  type AnalyzeFn,
  EVAL_FEATURES,
  type EvalFeature,
  type EvalReport,
  evaluateRows,
  METRICS,
  reportOf,
  resultsDirAnalyzer,
  type TrackRow,
} from "../eval/evaluate.js";
import { HOLDOUT_COLUMNS, type HoldoutRow, holdoutRow } from "../eval/holdout.js";
import { BEAT_TRIM_SECONDS, BEAT_WINDOW_SECONDS } from "../eval/metrics.js";
import { assignParts, type CorpusInput, type Part, PartError, SPLIT_SOURCES, type SplitChoice } from "../eval/parts.js";
import { UsageError } from "./usage-error.js";

export interface EvalFlags {
  results?: string;
  json?: boolean;
  verbose?: boolean;
  features?: string;
  beatTrimSeconds?: string;
  split?: string;
  halves?: boolean;
  only?: string;
  limit?: string;
  jobs?: string;
  table?: boolean;
  model?: string;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("measure accuracy against corpora with ground truth (truth/*.json + audio)")
    .argument("<dirs...>", "corpus folders: DIR/truth/*.json with audio paths relative to DIR, or folders of truth JSON files")
    .option("--results <dir>", "score saved results instead of analysing: DIR/<audio file name>.json (e.g. pop-02.mp3.json), else DIR/<name without extension>.json")
    .option("--json", "print the report as JSON (hold-out table, parts, summary means and per-track rows)")
    .option("-v, --verbose", "also print one row per track (and a progress line per track on standard error)")
    .option("--features <list>", `comma-separated features to score (default: ${EVAL_FEATURES.join(",")})`)
    .option(
      "--beat-trim-seconds <s>",
      `ignore beats and downbeats before S seconds, in truth and estimate (default ${BEAT_TRIM_SECONDS}, mir_eval's; 0 scores every beat)`,
    )
    .option("--split <half>", "A, B or all (default): which half of the corpora split by id to score (B is the hold-out); other corpora are always scored")
    .option("--halves", 'split every corpus into halves A/B by id (default: only those whose truth says source "pop909" or "gen")')
    .option("--only <ids>", 'comma-separated track ids to score; a number names a POP909 (split) song: "5" = "pop909-005"')
    .option("--limit <n>", "score only the first N tracks (by id) of each part")
    .option("-j, --jobs <n>", "analyse N tracks at a time in worker threads (default 1: one after another, in this thread)")
    .option("--table", "print only the hold-out table (one row per part), not the per-feature tables")
    .option("--model <dsp|neural|auto>", MODEL_HELP)
    .addHelpText(
      "after",
      `
Metrics (means over the tracks whose truth has the feature; n says how many):
  tempo      acc1 (within 4%), acc2 (within 4% of 1, 2, 1/2, 3 or 1/3 times the truth),
             pulse (whether "is there a beat" was answered right; a track whose truth has
             neither tempo_bpm nor beats is beatless and scores only this)
  beats      fMeasure (±70 ms), cmlc, cmlt, amlc, amlt (mir_eval.beat; beats before
             --beat-trim-seconds, default ${BEAT_TRIM_SECONDS}, ignored in truth and estimate)
  downbeats  fMeasure (±70 ms; downbeats before --beat-trim-seconds ignored too)
  meter      accuracy (beats per bar equal)
  key        mirexWeighted (1 / 0.5 fifth above / 0.3 relative / 0.2 parallel), exact
A track that failed or gave no estimate scores 0.

Parts: each corpus is one part, except that tracks whose truth says source "pop909" or "gen" (every
track with --halves) are split by id: half A = hundreds digit even (0xx, 2xx, ...), half B = odd.
Choose parameters on A; B is the hold-out to report. With several parts, a table for all of
them together and the hold-out table follow.

Examples:
  trackprobe eval ../shared/corpus-dev
  trackprobe eval ../shared/corpus-dev /tmp/pop909 --split A -j 2
  trackprobe eval ../shared/corpus-dev /tmp/pop909 --table --beat-trim-seconds 0
  trackprobe eval /tmp/pop909 --only 002,005 --features beats,downbeats --verbose
  trackprobe eval ../shared/corpus-dev --results saved/ --json > report.json`,
    )
    .action(async (dirs: string[], flags: EvalFlags) => {
      process.exitCode = await runEval(dirs, flags);
    });
}

export function parseEvalFeatures(list: string | undefined): EvalFeature[] {
  if (!list) return [...EVAL_FEATURES];
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UsageError("--features needs at least one feature");
  for (const n of names) {
    if (!(EVAL_FEATURES as readonly string[]).includes(n)) {
      throw new UsageError(`cannot evaluate feature "${n}"; features with ground truth: ${EVAL_FEATURES.join(", ")}`);
    }
  }
  return names as EvalFeature[];
}

/** --beat-trim-seconds: a number of seconds >= 0 (default BEAT_TRIM_SECONDS). */
export function parseTrimSeconds(text: string | undefined): number {
  if (text === undefined) return BEAT_TRIM_SECONDS;
  const s = text.trim() === "" ? Number.NaN : Number(text);
  if (!Number.isFinite(s) || s < 0) throw new UsageError(`--beat-trim-seconds must be a number of seconds >= 0, not "${text}"`);
  return s;
}

export function parseSplit(text: string | undefined): SplitChoice {
  if (text === undefined) return "all";
  const t = text.trim();
  if (/^[ab]$/i.test(t)) return t.toUpperCase() as SplitChoice;
  if (t.toLowerCase() === "all") return "all";
  throw new UsageError(`--split must be A, B or all, not "${text}"`);
}

function parseWhole(text: string | undefined, option: string, max: number): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${option} must be a whole number from 1 to ${max}, not "${text}"`);
  return n;
}

/** The real analyser, loaded only when needed so that --results works on its own. */
async function liveAnalyzer(
  features: readonly EvalFeature[],
  jobs: number,
  warn: (text: string) => void,
  model?: ModelChoice,
): Promise<{ analyze: AnalyzeFn; close: () => Promise<void> }> {
  const { analyze, AVAILABLE_FEATURES } = await import("../index.js");
  const missing = features.filter((f) => !AVAILABLE_FEATURES.includes(f));
  if (missing.length > 0) warn(`trackprobe eval: not available in this build, scored 0: ${missing.join(", ")}\n`);
  const available = features.filter((f) => AVAILABLE_FEATURES.includes(f));
  const unavailable = (path: string, wanted: FeatureName[]): AnalysisOutcome => ({
    file: path,
    error: { code: "BAD_OPTION", message: `none of ${wanted.join(", ")} is available` },
  });
  if (jobs > 1 && available.length > 0) {
    const { poolAnalyzer } = await import("../eval/pool-analyzer.js");
    const pool = await poolAnalyzer(jobs, available, model);
    return {
      analyze: async (path, wanted) => (wanted.some((f) => AVAILABLE_FEATURES.includes(f)) ? pool.analyze(path, wanted) : unavailable(path, wanted)),
      close: pool.close,
    };
  }
  return {
    analyze: async (path: string, wanted: FeatureName[]): Promise<AnalysisOutcome> => {
      const some = wanted.filter((f) => AVAILABLE_FEATURES.includes(f));
      if (some.length === 0) return unavailable(path, wanted);
      return analyze(path, { features: some, model });
    },
    close: async () => {},
  };
}

/** A part's report and where it came from. */
interface PartReport {
  part: Part;
  report: EvalReport;
}

/** Whatever the run printed about the hold-out half, or null when no corpus is split. */
function holdoutReminder(parts: readonly Part[], split: SplitChoice, anySplit: boolean): string | null {
  if (!anySplit) return split === "all" ? null : `--split ${split}: no corpus is split into halves (truth source "pop909" or "gen", or --halves); every track is scored`;
  const names = [...new Set(parts.filter((p) => p.half !== null).map((p) => p.corpus))].join(", ");
  if (split === "A") return `hold-out: half B of ${names} is NOT scored (--split A); tune on half A only, and report half B`;
  if (split === "B") return `hold-out: scoring half B of ${names}, the hold-out: report these numbers, never tune to them`;
  return `hold-out: half B of ${names} is the hold-out: choose parameters on half A only (--split A while tuning) and report half B`;
}

function trimLine(trimSeconds: number): string {
  const window = `±${Math.round(BEAT_WINDOW_SECONDS * 1000)} ms`;
  return trimSeconds > 0
    ? `beats and downbeats: ${window}; those before ${trimSeconds} s ignored in truth and estimate (--beat-trim-seconds ${trimSeconds}${trimSeconds === BEAT_TRIM_SECONDS ? ", mir_eval's default" : ""})`
    : `beats and downbeats: ${window}; no trim, every beat and downbeat scored (--beat-trim-seconds 0)`;
}

/** Run the command; `write` receives the report (standard output by default), `err` progress. Returns the exit status. */
export async function runEval(
  dirs: string | readonly string[],
  flags: EvalFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
  err: ((text: string) => void) | null = (text) => process.stderr.write(text),
): Promise<number> {
  const dirList = typeof dirs === "string" ? [dirs] : [...dirs];
  if (dirList.length === 0) throw new UsageError("eval needs at least one corpus folder");
  const features = parseEvalFeatures(flags.features);
  const trimSeconds = parseTrimSeconds(flags.beatTrimSeconds);
  const split = parseSplit(flags.split);
  const limit = parseWhole(flags.limit, "--limit", Number.MAX_SAFE_INTEGER);
  const jobs = parseWhole(flags.jobs, "--jobs", 256) ?? 1;
  const only = flags.only === undefined ? undefined : flags.only.split(",").map((s) => s.trim()).filter(Boolean);
  if (only !== undefined && only.length === 0) throw new UsageError("--only needs at least one track id");

  const corpora: CorpusInput[] = [];
  const errors: string[] = [];
  for (const dir of dirList) {
    try {
      corpora.push({ dir, entries: await loadCorpus(dir) });
    } catch (e) {
      if (e instanceof CorpusError) errors.push(e.message);
      else throw e;
    }
  }
  if (errors.length > 0) throw new UsageError(errors.join("\n"));
  let parts: Part[];
  try {
    parts = assignParts(corpora, { split, halves: flags.halves, only, limit });
  } catch (e) {
    if (e instanceof PartError) throw new UsageError(e.message);
    throw e;
  }
  const anySplit = corpora.some((c) => c.entries.some((e) => flags.halves || (e.source !== null && SPLIT_SOURCES.includes(e.source))));
  const entries = parts.flatMap((p) => p.entries);
  if (entries.length === 0) {
    const empty = parts.map((p) => p.name).join(", ");
    throw new UsageError(`no tracks to score${empty ? `: ${empty} has none (yet)` : ""} (--split ${split}${only ? ", --only" : ""})`);
  }

  const warn = err ?? (() => {});
  const live = flags.results ? null : await liveAnalyzer(features, jobs, warn, parseModelFlag(flags.model));
  const analyze = flags.results ? resultsDirAnalyzer(flags.results) : (live as { analyze: AnalyzeFn }).analyze;
  /** The part name of each of `entries`. */
  const partOf = parts.flatMap((p) => p.entries.map(() => p.name));
  const started = performance.now();
  const tty = err !== null && process.stderr.isTTY === true;
  const onTrack = (row: TrackRow, i: number, n: number, position: number) => {
    if (err === null) return;
    const count = `[${i + 1}/${n}]`;
    if (flags.verbose) {
      err(`${count} ${elapsed(started)} ${partOf[position]} ${row.id}: ${progressScores(row)}\n`);
    } else if (tty) {
      err(`\x1b[2K\r${count} ${row.id}${i + 1 === n ? "\x1b[2K\r" : ""}`);
    } else if ((i + 1) % 10 === 0 || i + 1 === n) {
      if (n >= 10) err(`trackprobe eval: ${i + 1} of ${n} tracks scored (${elapsed(started)})\n`);
    }
  };
  let rows: TrackRow[];
  try {
    rows = await evaluateRows(entries, analyze, {
      features,
      trimSeconds,
      concurrency: flags.results ? 1 : jobs,
      onTrack,
    });
  } finally {
    await live?.close();
  }

  // Rows back into their parts (evaluateRows keeps the order of `entries`).
  const reports: PartReport[] = [];
  let at = 0;
  for (const part of parts) {
    reports.push({ part, report: reportOf(rows.slice(at, at + part.entries.length), features, trimSeconds) });
    at += part.entries.length;
  }
  const combined = reportOf(rows, features, trimSeconds);
  const table: HoldoutRow[] = reports.map(({ part, report }) => holdoutRow(part.name, report, part.half === "B"));
  if (reports.length > 1) table.push(holdoutRow("all", combined));
  const reminder = holdoutReminder(parts, split, anySplit);

  if (flags.json) {
    const out = {
      corpus: dirList.length === 1 ? dirList[0] : null,
      corpora: dirList,
      results: flags.results ?? null,
      split,
      holdoutNote: reminder,
      holdout: table,
      parts: reports.map(({ part, report }) => ({
        name: part.name,
        corpus: part.corpus,
        dir: part.dir,
        half: part.half,
        holdout: part.half === "B",
        tracks: report.tracks,
        failed: report.failed,
        expectedErrors: report.expectedErrors,
        summary: report.summary,
      })),
      ...combined,
      rows: rows.map((r, i) => ({ part: partOf[i], ...r })),
    };
    write(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const single = reports.length === 1 && reports[0].part.half === null;
  const lines: string[] = [];
  if (flags.table) {
    lines.push(formatHoldoutTable(table, trimSeconds, features).trimEnd(), ...(reminder ? [reminder] : []));
    write(`${lines.join("\n")}\n`);
    return 0;
  }
  if (single) {
    const { report } = reports[0];
    if (flags.verbose) write(`${formatTrackTable(report)}\n`);
    write(formatSummary(report, dirList[0]));
    if (reminder) write(`${reminder}\n`);
    return 0;
  }
  if (reminder) write(`${reminder}\n\n`);
  for (const { part, report } of reports) {
    const title = part.half ? `${part.name} (${part.dir}, half ${part.half}${part.half === "B" ? ": the hold-out" : ""})` : `${part.name} (${part.dir})`;
    if (flags.verbose && report.rows.length > 0) write(`${formatTrackTable(report)}\n`);
    write(`${formatSummary(report, title)}\n`);
  }
  write(`${formatSummary({ ...combined, rows: [] }, `all ${reports.length} parts together`)}\n`);
  write(`${formatHoldoutTable(table, trimSeconds, features)}${reminder ? `${reminder}\n` : ""}`);
  return 0;
}

function elapsed(startMs: number): string {
  const s = Math.round((performance.now() - startMs) / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** The headline scores of one track, for a progress line. */
function progressScores(row: TrackRow): string {
  if (row.expectError) return row.ok ? "expected an error, analysed without one" : "failed as expected";
  const s = row.scores;
  const parts: string[] = [];
  if (!row.ok) parts.push(`failed: ${row.error?.code}`);
  if (s.tempo) parts.push(`bpm ${fixed(row.estimate.tempoBpm, 1)}/${fixed(row.truth.tempoBpm, 1)}${s.tempo.acc2 === undefined ? "" : ` acc2 ${s.tempo.acc2}`}`);
  if (s.beats) parts.push(`beatF ${fixed(s.beats.fMeasure)} amlt ${fixed(s.beats.amlt)}`);
  if (s.downbeats) parts.push(`downF ${fixed(s.downbeats.fMeasure)}`);
  if (s.meter) parts.push(`meter ${row.estimate.meter ?? "-"}/${row.truth.meter}`);
  if (s.key) parts.push(`key ${row.estimate.key ?? "-"}/${row.truth.key} (${s.key.mirexWeighted})`);
  return parts.length > 0 ? parts.join(", ") : "no truth to score";
}

/**
 * The hold-out table: one row per part (and "all"), n = tracks scored, then the headline metric
 * of each scored feature. A footnote names the parts where a feature has truth for fewer tracks.
 */
export function formatHoldoutTable(table: readonly HoldoutRow[], trimSeconds: number, features: readonly EvalFeature[] = EVAL_FEATURES): string {
  const featureOf: Record<(typeof HOLDOUT_COLUMNS)[number][1], EvalFeature> = {
    acc1: "tempo",
    acc2: "tempo",
    pulse: "tempo",
    beatF: "beats",
    cmlt: "beats",
    amlt: "beats",
    downbeatF: "downbeats",
    meter: "meter",
    keyMirex: "key",
    keyExact: "key",
  };
  const columns = HOLDOUT_COLUMNS.filter(([, k]) => features.includes(featureOf[k]));
  const rows: string[][] = [["part", "n", ...columns.map(([title]) => title)]];
  for (const r of table) {
    rows.push([r.holdout ? `${r.part} (hold-out)` : r.part, String(r.n), ...columns.map(([, k]) => fixed(r[k] as number | null))]);
  }
  const trim = trimSeconds > 0 ? `beats and downbeats before ${trimSeconds} s ignored` : "no beat trim";
  const lines = [`hold-out table (${trim}, --beat-trim-seconds ${trimSeconds}; beats ±70 ms; key MIREX weighted):`];
  lines.push(...alignRows(rows, (c) => c > 0));
  const fewer: string[] = [];
  for (const r of table) {
    const short = Object.entries(r.nByFeature).filter(([, n]) => n !== r.n);
    if (short.length > 0) fewer.push(`${r.part}: ${short.map(([f, n]) => `${f} ${n}`).join(", ")}`);
  }
  if (fewer.length > 0) lines.push(`tracks with truth, where fewer than n: ${fewer.join("; ")}`);
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------------------------------------
// Text output
// ---------------------------------------------------------------------------------------------

const fixed = (v: number | null | undefined, digits = 3): string => (v == null ? "-" : v.toFixed(digits));

function alignRows(rows: string[][], rightAligned: (col: number) => boolean): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) =>
    r
      .map((cell, c) => (rightAligned(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ")
      .trimEnd(),
  );
}

/** One small table per feature (metric, mean, n), all aligned to the same columns. */
export function formatSummary(report: EvalReport, corpus: string): string {
  const lines: string[] = [];
  const failed = report.failed > 0 ? `, ${report.failed} failed` : "";
  lines.push(`trackprobe eval ${corpus}: ${report.tracks} tracks${failed}`);
  if (report.features.includes("beats") || report.features.includes("downbeats")) lines.push(trimLine(report.beatTrimSeconds));
  const rows: string[][] = [];
  const featureRows: number[] = [];
  for (const f of report.features) {
    const s = report.summary[f] as Record<string, number | null> | undefined;
    if (!s) continue;
    featureRows.push(rows.length);
    rows.push([f, "mean", "n"]);
    // a metric may cover fewer tracks than its feature (tempo accuracy skips beatless tracks)
    const count = (m: string) => report.rows.filter((r) => (r.scores[f] as Record<string, number> | undefined)?.[m] !== undefined).length;
    for (const m of METRICS[f]) rows.push([`  ${m}`, fixed(s[m]), String(count(m))]);
  }
  const aligned = rows.length > 0 ? alignRows(rows, (c) => c > 0) : [];
  aligned.forEach((line, i) => {
    if (featureRows.includes(i)) lines.push("");
    lines.push(line);
  });
  const failures = report.rows.filter((r) => !r.ok && !r.expectError);
  if (failures.length > 0) {
    lines.push("", "failed (scored 0):");
    for (const r of failures) lines.push(`  ${r.id}: ${r.error?.code}: ${r.error?.message}`);
  }
  const problems = report.rows.filter((r) => r.problems.length > 0);
  if (problems.length > 0) {
    lines.push("", "malformed estimates (scored 0):");
    for (const r of problems) lines.push(`  ${r.id}: ${r.problems.join("; ")}`);
  }
  if (report.expectedErrors.n > 0) {
    const { n, failed: f } = report.expectedErrors;
    lines.push("", `expected errors: ${f} of ${n} tracks failed as their truth expects`);
    for (const r of report.rows.filter((x) => x.expectError && x.ok)) lines.push(`  ${r.id}: analysed without error`);
  }
  return `${lines.join("\n")}\n`;
}

/** One row per track: truth and estimate where they are short, and each scored metric. */
export function formatTrackTable(report: EvalReport): string {
  const has = (f: EvalFeature) => report.features.includes(f);
  // [title, right-aligned]: numbers right, names left.
  const columns: [string, boolean][] = [["track", false]];
  if (has("tempo")) columns.push(["bpm", true], ["est", true], ["acc1", true], ["acc2", true], ["pulse", true]);
  if (has("beats")) columns.push(["beatF", true], ["cmlt", true], ["amlt", true]);
  if (has("downbeats")) columns.push(["downF", true]);
  if (has("meter")) columns.push(["meter", true], ["est", true], ["ok", true]);
  if (has("key")) columns.push(["key", false], ["est", false], ["keyW", true]);
  columns.push(["note", false]);
  const rows = [columns.map(([title]) => title), ...report.rows.map((r) => trackCells(r, has))];
  return `${alignRows(rows, (c) => columns[c][1]).join("\n")}\n`;
}

function trackCells(r: TrackRow, has: (f: EvalFeature) => boolean): string[] {
  const s = r.scores;
  const cells = [r.id];
  if (has("tempo")) {
    const t = s.tempo;
    cells.push(t ? fixed(r.truth.tempoBpm, 1) : "-", t ? fixed(r.estimate.tempoBpm, 1) : "-", fixed(t?.acc1, 0), fixed(t?.acc2, 0), fixed(t?.pulse, 0));
  }
  if (has("beats")) cells.push(fixed(s.beats?.fMeasure), fixed(s.beats?.cmlt), fixed(s.beats?.amlt));
  if (has("downbeats")) cells.push(fixed(s.downbeats?.fMeasure));
  if (has("meter")) {
    const m = s.meter;
    cells.push(m ? String(r.truth.meter) : "-", m ? String(r.estimate.meter ?? "-") : "-", fixed(m?.accuracy, 0));
  }
  if (has("key")) {
    const k = s.key;
    cells.push(k ? (r.truth.key ?? "-") : "-", k ? (r.estimate.key ?? "-") : "-", fixed(k?.mirexWeighted, 1));
  }
  const note = r.expectError
    ? `expected error; ${r.ok ? "analysed without error" : "failed"}`
    : !r.ok
      ? `failed: ${r.error?.code}`
      : r.problems.length > 0
        ? "malformed estimate"
        : Object.keys(s).length === 0
          ? "no truth to score"
          : "";
  cells.push(note);
  return cells;
}
