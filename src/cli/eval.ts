/**
 * `trackprobe eval <dir>`: measure accuracy against a ground-truth corpus (tempo Acc1/Acc2, beat
 * F-measure and CMLt/AMLt, downbeat F-measure, meter accuracy, MIREX weighted key score).
 */
import type { Command } from "commander";
import type { AnalysisOutcome, FeatureName } from "../result.js";
import { CorpusError, loadCorpus, type TruthEntry } from "../eval/corpus.js";
import {
  type AnalyzeFn,
  EVAL_FEATURES,
  type EvalFeature,
  type EvalReport,
  evaluateCorpus,
  METRICS,
  resultsDirAnalyzer,
  type TrackRow,
} from "../eval/evaluate.js";
import { UsageError } from "./usage-error.js";

export interface EvalFlags {
  results?: string;
  json?: boolean;
  verbose?: boolean;
  features?: string;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("measure accuracy against a corpus with ground truth (truth/*.json + audio)")
    .argument("<dir>", "corpus folder: DIR/truth/*.json with audio paths relative to DIR, or a folder of truth JSON files")
    .option("--results <dir>", "score saved results instead of analysing: DIR/<audio file name>.json (e.g. pop-02.mp3.json), else DIR/<name without extension>.json")
    .option("--json", "print the report as JSON (summary means and per-track rows)")
    .option("-v, --verbose", "also print one row per track")
    .option("--features <list>", `comma-separated features to score (default: ${EVAL_FEATURES.join(",")})`)
    .addHelpText(
      "after",
      `
Metrics (means over the tracks whose truth has the feature; n says how many):
  tempo      acc1 (within 4%), acc2 (within 4% of 1, 2, 1/2, 3 or 1/3 times the truth)
  beats      fMeasure (±70 ms), cmlc, cmlt, amlc, amlt (mir_eval.beat; beats before 5 s ignored)
  downbeats  fMeasure (±70 ms, all downbeats)
  meter      accuracy (beats per bar equal)
  key        mirexWeighted (1 / 0.5 fifth above / 0.3 relative / 0.2 parallel), exact
A track that failed or gave no estimate scores 0.

Examples:
  trackprobe eval ../shared/corpus-dev
  trackprobe eval ../shared/corpus-dev --features tempo,key --verbose
  trackprobe eval ../shared/corpus-dev --results saved/ --json > report.json`,
    )
    .action(async (dir: string, flags: EvalFlags) => {
      process.exitCode = await runEval(dir, flags);
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

/** The real analyser, loaded only when needed so that --results works on its own. */
async function liveAnalyzer(features: readonly EvalFeature[]): Promise<AnalyzeFn> {
  const { analyze, AVAILABLE_FEATURES } = await import("../index.js");
  const missing = features.filter((f) => !AVAILABLE_FEATURES.includes(f));
  if (missing.length > 0) {
    process.stderr.write(`trackprobe eval: not available in this build, scored 0: ${missing.join(", ")}\n`);
  }
  return async (path: string, wanted: FeatureName[]): Promise<AnalysisOutcome> => {
    const available = wanted.filter((f) => AVAILABLE_FEATURES.includes(f));
    if (available.length === 0) {
      return { file: path, error: { code: "BAD_OPTION", message: `none of ${wanted.join(", ")} is available` } };
    }
    return analyze(path, { features: available });
  };
}

/** Run the command; `write` receives the report (standard output by default). Returns the exit status. */
export async function runEval(
  dir: string,
  flags: EvalFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const features = parseEvalFeatures(flags.features);
  let entries: TruthEntry[];
  try {
    entries = await loadCorpus(dir);
  } catch (e) {
    if (e instanceof CorpusError) throw new UsageError(e.message);
    throw e;
  }
  const analyze = flags.results ? resultsDirAnalyzer(flags.results) : await liveAnalyzer(features);
  const progress = !flags.json && process.stderr.isTTY;
  const report = await evaluateCorpus(entries, analyze, {
    features,
    onTrack: progress
      ? (row, i, n) => process.stderr.write(`\x1b[2K\r[${i + 1}/${n}] ${row.id}${i + 1 === n ? "\x1b[2K\r" : ""}`)
      : undefined,
  });
  if (flags.json) {
    const out = { corpus: dir, results: flags.results ?? null, ...report };
    write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    if (flags.verbose) write(`${formatTrackTable(report)}\n`);
    write(formatSummary(report, dir));
  }
  return 0;
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
  const rows: string[][] = [];
  const featureRows: number[] = [];
  for (const f of report.features) {
    const s = report.summary[f] as Record<string, number | null> | undefined;
    if (!s) continue;
    featureRows.push(rows.length);
    rows.push([f, "mean", "n"]);
    for (const m of METRICS[f]) rows.push([`  ${m}`, fixed(s[m]), String(s.n)]);
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
  if (has("tempo")) columns.push(["bpm", true], ["est", true], ["acc1", true], ["acc2", true]);
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
    cells.push(t ? fixed(r.truth.tempoBpm, 1) : "-", t ? fixed(r.estimate.tempoBpm, 1) : "-", fixed(t?.acc1, 0), fixed(t?.acc2, 0));
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
