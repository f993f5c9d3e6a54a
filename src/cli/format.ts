/**
 * Output formats for analysis results: json, ndjson, csv, table. One flat summary per result
 * (summaryRow) feeds both csv and table, so the two always show the same columns.
 */
import { extname } from "node:path";
import { type Analysis, type AnalysisOutcome, FEATURE_NAMES, type FeatureName, isFailure } from "../result.js";

export const OUTPUT_FORMATS = ["json", "ndjson", "csv", "table"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The format an output file's name asks for (`-o x.csv`), when --format is not given. */
const FORMAT_OF_EXTENSION: Record<string, OutputFormat> = {
  ".json": "json",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".csv": "csv",
  ".txt": "table",
};

export function formatOfPath(path: string | undefined): OutputFormat | undefined {
  return path ? FORMAT_OF_EXTENSION[extname(path).toLowerCase()] : undefined;
}

type Cell = string | number | null | undefined;

/** Each feature's csv/table columns and how to read them from a result. */
const FEATURE_COLUMNS: Record<FeatureName, [string, (o: Analysis) => Cell][]> = {
  tempo: [
    ["bpm", (o) => o.tempo?.bpm],
    ["tempo_confidence", (o) => o.tempo?.confidence],
  ],
  beats: [["beats", (o) => o.beats?.length]],
  downbeats: [["downbeats", (o) => o.downbeats?.length]],
  meter: [["meter", (o) => o.meter?.beatsPerBar]],
  key: [
    ["key", (o) => o.key?.name],
    ["camelot", (o) => o.key?.camelot],
    ["open_key", (o) => o.key?.openKey],
    ["key_confidence", (o) => o.key?.confidence],
  ],
  loudness: [
    ["lufs", (o) => o.loudness?.integrated],
    ["lra", (o) => o.loudness?.range],
    ["true_peak", (o) => o.loudness?.truePeak],
  ],
  danceability: [["danceability", (o) => o.danceability?.score]],
  energy: [["energy", (o) => o.energy]],
  structure: [
    ["sections", (o) => o.sections?.length],
    // the first drop (where a DJ jumps to), then the mix points, seconds
    ["drop", (o) => o.cues?.find((c) => c.kind === "drop")?.time],
    ["mix_in", (o) => o.cues?.find((c) => c.kind === "mix-in")?.time],
    ["mix_out", (o) => o.cues?.find((c) => c.kind === "mix-out")?.time],
  ],
};

const COLUMN_ORDER = Object.keys(FEATURE_COLUMNS) as FeatureName[];

/**
 * The csv/table columns for a feature selection (default: every feature): the same for every
 * file, whether it was analysed or failed, and for no file at all, so that files written by
 * different runs line up. error_code and error are always there (empty when it worked).
 */
export function summaryColumns(features: readonly FeatureName[] = FEATURE_NAMES): string[] {
  const cols = ["file", "format", "duration"];
  // A fixed order, not the order the user listed them in: one selection, one layout.
  for (const f of COLUMN_ORDER) if (features.includes(f)) cols.push(...FEATURE_COLUMNS[f].map(([c]) => c));
  return [...cols, "warnings", "error_code", "error"];
}

/** Flat columns of one result (all of summaryColumns); beat and downbeat lists are left to json/ndjson. */
export function summaryRow(o: AnalysisOutcome, features: readonly FeatureName[] = FEATURE_NAMES): Record<string, Cell> {
  const row: Record<string, Cell> = Object.fromEntries(summaryColumns(features).map((c) => [c, null]));
  row.file = o.file;
  if (isFailure(o)) {
    row.error_code = o.error.code;
    row.error = o.error.message;
    return row;
  }
  row.format = o.format;
  row.duration = o.duration;
  for (const f of COLUMN_ORDER) if (features.includes(f)) for (const [c, get] of FEATURE_COLUMNS[f]) row[c] = get(o);
  row.warnings = o.warnings.join("; ");
  return row;
}

/** `features`: the selection the results were computed for (sets the csv/table columns). */
export function formatResults(results: AnalysisOutcome[], format: OutputFormat, features?: readonly FeatureName[]): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`;
    case "ndjson":
      return results.map((r) => `${JSON.stringify(r)}\n`).join("");
    case "csv":
      return toCsv(summaryColumns(features), results.map((r) => summaryRow(r, features)));
    case "table":
      return toTable(summaryColumns(features), results.map((r) => summaryRow(r, features)));
  }
}

const show = (v: Cell): string => (v === null || v === undefined ? "" : typeof v === "number" ? String(Math.round(v * 100) / 100) : v);

function toCsv(cols: string[], rows: Record<string, Cell>[]): string {
  const esc = (v: Cell) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(","), ...rows.map((r) => cols.map((c) => esc(r[c])).join(","))].join("\n") + "\n";
}

/** For people: columns that are empty in every row are left out (csv keeps them all). */
function toTable(all: string[], rows: Record<string, Cell>[]): string {
  const cols = all.filter((c) => c === "file" || rows.some((r) => show(r[c]) !== ""));
  const cells = rows.map((r) => cols.map((c) => show(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(cols), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}
