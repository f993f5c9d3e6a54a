/**
 * Output formats for analysis results: json, ndjson, csv, table. One flat summary per result
 * (summaryRow) feeds both csv and table, so the two always show the same columns.
 */
import { type AnalysisOutcome, isFailure } from "../result.js";

export const OUTPUT_FORMATS = ["json", "ndjson", "csv", "table"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

type Cell = string | number | null | undefined;

/** Flat columns of one result; beat and downbeat lists are left to json/ndjson. */
export function summaryRow(o: AnalysisOutcome): Record<string, Cell> {
  if (isFailure(o)) return { file: o.file, error: `${o.error.code}: ${o.error.message}` };
  const row: Record<string, Cell> = { file: o.file, format: o.format, duration: o.duration };
  if (o.tempo !== undefined) {
    row.bpm = o.tempo?.bpm;
    row.tempo_confidence = o.tempo?.confidence;
  }
  if (o.beats !== undefined) row.beats = o.beats?.length;
  if (o.meter !== undefined) row.meter = o.meter?.beatsPerBar;
  if (o.key !== undefined) {
    row.key = o.key?.name;
    row.camelot = o.key?.camelot;
    row.open_key = o.key?.openKey;
    row.key_confidence = o.key?.confidence;
  }
  if (o.loudness !== undefined) {
    row.lufs = o.loudness?.integrated;
    row.lra = o.loudness?.range;
    row.true_peak = o.loudness?.truePeak;
  }
  if (o.danceability !== undefined) row.danceability = o.danceability?.score;
  if (o.energy !== undefined) row.energy = o.energy;
  row.warnings = o.warnings.join("; ");
  return row;
}

export function formatResults(results: AnalysisOutcome[], format: OutputFormat): string {
  switch (format) {
    case "json":
      return `${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`;
    case "ndjson":
      return results.map((r) => `${JSON.stringify(r)}\n`).join("");
    case "csv":
      return toCsv(results.map(summaryRow));
    case "table":
      return toTable(results.map(summaryRow));
  }
}

function columnsOf(rows: Record<string, Cell>[]): string[] {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  // keep "error" and "warnings" at the end
  return [...cols.filter((c) => c !== "warnings" && c !== "error"), ...cols.filter((c) => c === "warnings" || c === "error")];
}

const show = (v: Cell): string => (v === null || v === undefined ? "" : typeof v === "number" ? String(Math.round(v * 100) / 100) : v);

function toCsv(rows: Record<string, Cell>[]): string {
  const cols = columnsOf(rows);
  const esc = (v: Cell) => {
    const s = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(","), ...rows.map((r) => cols.map((c) => esc(r[c])).join(","))].join("\n") + "\n";
}

function toTable(rows: Record<string, Cell>[]): string {
  const cols = columnsOf(rows).filter((c) => rows.some((r) => show(r[c]) !== ""));
  const cells = rows.map((r) => cols.map((c) => show(r[c])));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join("  ").trimEnd();
  return [line(cols), line(widths.map((w) => "-".repeat(w))), ...cells.map(line)].join("\n") + "\n";
}
