/**
 * The Markdown tables of BENCHMARKS.md: speed on generated files, accuracy and speed on the
 * corpus, and trackprobe ÷ peer pair by pair. Pure formatting of what run.ts measured.
 */
import type { DemoTruth } from "../src/demo-track.js";
import type { TruthEntry } from "../src/eval/corpus.js";
import type { EvalFeature } from "../src/eval/evaluate.js";
import { benchHasTruth, METRIC_INFO, METRIC_KEYS, type MetricKey, type Scores, type score as scoreFn } from "./score.js";
import type { Estimate, Tool } from "./tools.js";

/** One tool on one file (median wall over the runs, max RSS). */
export interface Cell {
  wall: number;
  rssMb: number;
  estimate?: Estimate;
  /** The tool failed (or, with `unavailable`, could not run here). */
  error?: string;
  unavailable?: boolean;
}

export interface Measured {
  file: string;
  audioSeconds: number;
  runs: number;
  cells: Map<Tool, Cell>;
}

/** The Python system trackprobe replaces, as reported by its owners (not measured here). */
export const PYTHON_STACK = {
  name: "Python stack this product replaces (Essentia ML + librosa + madmom, 120 s chunks): 277 s for 3.5 min of audio (reported, not measured here)",
  audioSeconds: 210,
  wall: 277,
};

/** essentia.js algorithms that together give what `trackprobe all features` gives. */
const ESSENTIA_SET = [
  "essentia.js RhythmExtractor2013 multifeature",
  "essentia.js KeyExtractor edma",
  "essentia.js Danceability",
  "essentia.js LoudnessEBUR128",
];
const ESSENTIA_SET_NAME = "essentia.js set (sum of 4 processes)";
const ESSENTIA_SET_NOTE = `\`${ESSENTIA_SET_NAME}\`: ${ESSENTIA_SET.join(" + ")}, the essentia.js calls that give what \`trackprobe all features\` gives; wall summed, RSS the largest.`;
const PYTHON_SHORT = "Python stack (reported, not measured here)";

// ---------------------------------------------------------------------------------------------
// Formatting helpers
// ---------------------------------------------------------------------------------------------

const NA = "n/a";
const fin = (x: number) => Number.isFinite(x);
const fixed = (x: number, d: number) => (fin(x) ? x.toFixed(d) : "—");
const seconds = (x: number) => (fin(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : "—");
const factor = (x: number) => (fin(x) ? (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) : "—");
const ratio = (x: number) => (fin(x) ? x.toFixed(3) : "—");
const signed = (x: number, d: number) => (fin(x) ? `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(d)}` : "—");
const cellText = (s: string) => s.replace(/\|/g, "\\|").replace(/\s+/g, " ");

/** A Markdown table, padded so it also reads as plain text; `right` marks numeric columns. */
export function table(header: string[], rows: string[][], right: (col: number) => boolean = () => false): string[] {
  const all = [header, ...rows].map((r) => r.map(cellText));
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => r[c]?.length ?? 0)));
  const line = (r: string[]) => `| ${r.map((x, c) => (right(c) ? x.padStart(widths[c]) : x.padEnd(widths[c]))).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => (right(c) ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2))).join("|")}|`;
  return [line(all[0]), rule, ...all.slice(1).map(line)];
}

/** What a tool said, short: "127.9 bpm · 412 beats · F major · −13.6 LUFS · dance 1.23". */
function describe(e: Estimate | undefined): string {
  if (!e) return "";
  const parts: string[] = [];
  if (e.tempoBpm !== undefined) parts.push(e.tempoBpm === null ? "no tempo" : `${e.tempoBpm.toFixed(1)} bpm`);
  if (e.beats !== undefined) parts.push(e.beats === null ? "no beats" : `${e.beats.length} beats`);
  if (e.downbeats !== undefined) parts.push(e.downbeats === null ? "no downbeats" : `${e.downbeats.length} downbeats`);
  if (e.meter !== undefined) parts.push(e.meter === null ? "no meter" : `${e.meter}/bar`);
  if (e.key !== undefined) parts.push(e.key ?? "no key");
  if (e.loudnessLufs !== undefined) parts.push(e.loudnessLufs === null ? "no LUFS" : `${e.loudnessLufs.toFixed(1)} LUFS`);
  if (e.danceability !== undefined) parts.push(e.danceability === null ? "no danceability" : `dance ${e.danceability.toFixed(2)}`);
  return parts.join(" · ");
}

/** An error cell; "n/a" for a tool that cannot run here (the reason is in the header table). */
function errorText(c: Cell): string {
  return c.unavailable ? NA : `error: ${c.error}`;
}

/** Sum of the essentia set's walls on one file (NaN unless all four ran); RSS: the largest. */
function essentiaSet(m: Measured, tools: Tool[]): Cell | null {
  const cells = ESSENTIA_SET.map((n) => tools.find((t) => t.name === n)).map((t) => (t ? m.cells.get(t) : undefined));
  if (cells.some((c) => c === undefined)) return null;
  const ok = cells.every((c) => c && !c.error);
  return {
    wall: ok ? cells.reduce((s, c) => s + c!.wall, 0) : Number.NaN,
    rssMb: ok ? Math.max(...cells.map((c) => c!.rssMb)) : Number.NaN,
    error: ok ? undefined : "a member failed",
  };
}

interface Pair {
  peer: string;
  trackprobe: string;
  peerCell: Cell;
  tpCell: Cell | undefined;
}

function pairsOf(m: Measured, tools: Tool[]): Pair[] {
  const pairs: Pair[] = [];
  for (const t of tools) {
    if (t.kind !== "peer" || !t.counterpart) continue;
    const tp = tools.find((x) => x.name === t.counterpart);
    pairs.push({ peer: t.name, trackprobe: t.counterpart, peerCell: m.cells.get(t)!, tpCell: tp ? m.cells.get(tp) : undefined });
  }
  const set = essentiaSet(m, tools);
  const all = tools.find((x) => x.kind === "trackprobe" && x.name.startsWith("trackprobe all"));
  if (set && all) pairs.push({ peer: ESSENTIA_SET_NAME, trackprobe: all.name, peerCell: set, tpCell: m.cells.get(all) });
  return pairs;
}

function pairRow(file: string | null, p: Pair): string[] {
  const tpOk = p.tpCell && !p.tpCell.error;
  const peerOk = !p.peerCell.error;
  const r = tpOk && peerOk ? p.tpCell!.wall / p.peerCell.wall : Number.NaN;
  const rss = tpOk && peerOk ? p.tpCell!.rssMb / p.peerCell.rssMb : Number.NaN;
  return [
    ...(file === null ? [] : [file]),
    p.peer,
    p.trackprobe,
    peerOk ? seconds(p.peerCell.wall) : errorText(p.peerCell),
    tpOk ? seconds(p.tpCell!.wall) : p.tpCell ? errorText(p.tpCell) : NA,
    ratio(r),
    fin(r) ? `${factor(1 / r)}×` : "—",
    ratio(rss),
  ];
}

// ---------------------------------------------------------------------------------------------
// Speed on generated files
// ---------------------------------------------------------------------------------------------

export function speedSections(speed: Measured[], tools: Tool[], demo: DemoTruth): string[] {
  const out: string[] = [];
  out.push("## Speed on generated music", "");
  out.push(`The demo track of src/demo-track.ts (drums, bass and pad; truth ${demo.bpm} BPM, ${demo.key}, ${demo.beatsPerBar}/4) as a`);
  out.push("192 kb/s stereo MP3: 3.5 minutes, and the same looped to 60 minutes. Wall: median of the runs; RSS: the largest.");
  out.push("`× ffmpeg decode` is wall ÷ the wall of `ffmpeg -threads 1 -i FILE -f null -` on the same file (the decode floor).", "");
  const header = ["file", "tool", "runs", "wall s", "realtime ×", "peak RSS MB", "× ffmpeg decode", "estimate"];
  const rows: string[][] = [];
  for (const m of speed) {
    const floor = [...m.cells].find(([t]) => t.kind === "floor")?.[1];
    const floorWall = floor && !floor.error ? floor.wall : Number.NaN;
    for (const t of tools) {
      const c = m.cells.get(t)!;
      if (c.error) {
        rows.push([m.file, t.name, String(m.runs), errorText(c), "", "", "", ""]);
        continue;
      }
      rows.push([m.file, t.name, String(m.runs), seconds(c.wall), factor(m.audioSeconds / c.wall), fixed(c.rssMb, 0), factor(c.wall / floorWall), describe(c.estimate)]);
    }
    const set = essentiaSet(m, tools);
    if (set) {
      rows.push(set.error ? [m.file, ESSENTIA_SET_NAME, String(m.runs), `error: ${set.error}`, "", "", "", ""] : [m.file, ESSENTIA_SET_NAME, String(m.runs), seconds(set.wall), factor(m.audioSeconds / set.wall), `${fixed(set.rssMb, 0)} (max)`, factor(set.wall / floorWall), ""]);
    }
    if (m.audioSeconds === PYTHON_STACK.audioSeconds) {
      rows.push([m.file, PYTHON_STACK.name, "—", seconds(PYTHON_STACK.wall), factor(PYTHON_STACK.audioSeconds / PYTHON_STACK.wall), "—", factor(PYTHON_STACK.wall / floorWall), ""]);
    }
  }
  out.push(...table(header, rows, (c) => c >= 2 && c <= 6), "", ESSENTIA_SET_NOTE, "");

  out.push("### trackprobe ÷ peer (speed, generated music)", "");
  out.push("Each peer against trackprobe asked for the same quantities (`--features`). Ratio < 1: trackprobe takes less time / memory.", "");
  const pairRows: string[][] = [];
  for (const m of speed) {
    for (const p of pairsOf(m, tools)) pairRows.push(pairRow(m.file, p));
    if (m.audioSeconds === PYTHON_STACK.audioSeconds) {
      const all = tools.find((x) => x.kind === "trackprobe" && x.name.startsWith("trackprobe all"));
      const c = all ? m.cells.get(all) : undefined;
      pairRows.push(pairRow(m.file, { peer: PYTHON_SHORT, trackprobe: all?.name ?? "trackprobe all features", peerCell: { wall: PYTHON_STACK.wall, rssMb: Number.NaN }, tpCell: c }));
    }
  }
  out.push(...table(["file", "peer", "trackprobe counterpart", "peer wall s", "trackprobe wall s", "trackprobe ÷ peer wall", "trackprobe faster by", "trackprobe ÷ peer RSS"], pairRows, (c) => c >= 3), "");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Corpus: accuracy and speed
// ---------------------------------------------------------------------------------------------

interface Scored {
  audioSeconds: number;
  cell: Cell;
  scores: Scores;
  problems: string[];
}

function mean(xs: number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function corpusSections(
  corpusDir: string,
  entries: TruthEntry[],
  measured: Measured[],
  tools: Tool[],
  loudnessTruth: Map<string, number | null>,
  score: typeof scoreFn,
): string[] {
  const out: string[] = [];
  const totalAudio = measured.reduce((s, m) => s + m.audioSeconds, 0);
  const scored = new Map<Tool, Scored[]>(tools.map((t) => [t, []]));
  for (const m of measured) {
    const entry = entries.find((e) => e.id === m.file)!;
    for (const t of tools) {
      const cell = m.cells.get(t)!;
      if (cell.unavailable) continue;
      const { scores, problems } = score(entry, t.provides, cell.error ? undefined : cell.estimate, loudnessTruth.get(entry.id) ?? null);
      scored.get(t)!.push({ audioSeconds: m.audioSeconds, cell, scores, problems });
    }
  }
  const metricCols = METRIC_KEYS;
  const meanOf = (t: Tool, k: MetricKey): number | "n/a" => {
    const rows = scored.get(t)!;
    if (rows.length === 0 || rows[0].scores[k] === NA) return NA;
    return mean(rows.map((r) => r.scores[k]).filter((v): v is number => typeof v === "number"));
  };
  const fmtMetric = (k: MetricKey, v: number | "n/a" | null) => (v === NA ? NA : v === null ? "" : fixed(v, METRIC_INFO[k].digits));

  out.push(`## Accuracy and speed on the corpus (${measured.length} tracks, ${(totalAudio / 60).toFixed(1)} min of audio)`, "");
  out.push(`Corpus: ${corpusDir}. One run per tool and track. Metrics as in \`trackprobe eval\` (src/eval/metrics.ts): tempo`);
  out.push("Acc1 (±4 %) / Acc2 (also ×2, ×½, ×3, ×⅓); beat F-measure (±70 ms), CMLt, AMLt (mir_eval, beats before 5 s ignored);");
  out.push("downbeat F (±70 ms); meter (beats per bar equal); MIREX weighted key score and exact key; |ΔLUFS| = |integrated");
  out.push("loudness − the corpus's `loudness_lufs` (ffmpeg ebur128)|, lower is better. Means over the tracks with truth for the");
  out.push("metric; a failed run scores 0 (|ΔLUFS|: left out) and is counted under `failed`; wall and realtime are over the");
  out.push("tracks that did not fail. `n/a`: the tool does not give this (or cannot run here).", "");

  const nPer = METRIC_KEYS.map((k) => {
    const q = METRIC_INFO[k].quantity;
    const n =
      q === "loudness"
        ? entries.filter((e) => measured.some((m) => m.file === e.id) && loudnessTruth.get(e.id) != null).length
        : entries.filter((e) => measured.some((m) => m.file === e.id) && benchHasTruth(e, q as EvalFeature)).length;
    return `${METRIC_INFO[k].title} ${n}`;
  });
  out.push(`Tracks with truth per metric: ${nPer.join(", ")}.`, "");

  out.push("### Summary per tool", "");
  const header = ["tool", "failed", "wall s (sum)", "realtime ×", "max RSS MB", ...metricCols.map((k) => METRIC_INFO[k].title)];
  const rows: string[][] = [];
  for (const t of tools) {
    const rs = scored.get(t)!;
    if (rs.length === 0) {
      const c = measured[0]?.cells.get(t);
      rows.push([t.name, c ? errorText(c) : NA, "", "", "", ...metricCols.map(() => "")]);
      continue;
    }
    const ok = rs.filter((r) => !r.cell.error);
    const wall = ok.reduce((s, r) => s + r.cell.wall, 0);
    const audio = ok.reduce((s, r) => s + r.audioSeconds, 0);
    rows.push([
      t.name,
      `${rs.length - ok.length}/${rs.length}`,
      ok.length ? seconds(wall) : "—",
      ok.length ? factor(audio / wall) : "—",
      fixed(Math.max(...rs.map((r) => r.cell.rssMb).filter(fin)), 0),
      ...metricCols.map((k) => fmtMetric(k, meanOf(t, k))),
    ]);
  }
  out.push(...table(header, rows, (c) => c >= 1), "");

  out.push("### trackprobe ÷ peer, pair by pair (corpus)", "");
  out.push("Speed: summed wall over the tracks both finished, trackprobe ÷ peer (< 1: trackprobe faster). Metrics: trackprobe's");
  out.push("mean − the peer's mean (positive: trackprobe more accurate; for |ΔLUFS| negative is better); `—` where one of them");
  out.push("does not give the metric.", "");
  const pairHeader = ["peer", "trackprobe counterpart", "trackprobe ÷ peer wall", "trackprobe faster by", "trackprobe ÷ peer RSS", ...metricCols.map((k) => `Δ ${METRIC_INFO[k].title}`)];
  const pairRows: string[][] = [];
  const all = tools.find((x) => x.kind === "trackprobe" && x.name.startsWith("trackprobe all"));
  for (const peer of tools.filter((t) => t.kind === "peer" && t.counterpart)) {
    const tp = tools.find((x) => x.name === peer.counterpart)!;
    let tw = 0;
    let pw = 0;
    let tr = 0;
    let pr = 0;
    for (const m of measured) {
      const a = m.cells.get(tp)!;
      const b = m.cells.get(peer)!;
      if (a.error || b.error) continue;
      tw += a.wall;
      pw += b.wall;
      tr = Math.max(tr, a.rssMb);
      pr = Math.max(pr, b.rssMb);
    }
    const r = pw > 0 && tw > 0 ? tw / pw : Number.NaN;
    // Accuracy from the counterpart; quantities it lacks (it was asked for fewer) from "all features".
    const diff = (k: MetricKey) => {
      const p = meanOf(peer, k);
      let q = meanOf(tp, k);
      if (q === NA && all && !all.unavailable) q = meanOf(all, k);
      if (p === NA || q === NA || !fin(p) || !fin(q)) return "—";
      return signed(q - p, METRIC_INFO[k].digits);
    };
    pairRows.push([peer.name, tp.name, ratio(r), fin(r) ? `${factor(1 / r)}×` : "—", ratio(pr > 0 && tr > 0 ? tr / pr : Number.NaN), ...metricCols.map(diff)]);
  }
  const setCells = measured.map((m) => ({ set: essentiaSet(m, tools), all: all ? m.cells.get(all) : undefined }));
  if (all && setCells.every((s) => s.set)) {
    const ok = setCells.filter((s) => s.set && !s.set.error && s.all && !s.all.error);
    const tw = ok.reduce((s, x) => s + x.all!.wall, 0);
    const pw = ok.reduce((s, x) => s + x.set!.wall, 0);
    const r = ok.length ? tw / pw : Number.NaN;
    pairRows.push([ESSENTIA_SET_NAME, all.name, ratio(r), fin(r) ? `${factor(1 / r)}×` : "—", "", ...metricCols.map(() => "")]);
  }
  out.push(...table(pairHeader, pairRows, (c) => c >= 2), "");

  out.push("### Corpus truth", "");
  const truthRows = measured.map((m) => {
    const e = entries.find((x) => x.id === m.file)!;
    const lufs = loudnessTruth.get(e.id);
    return [e.id, seconds(m.audioSeconds), e.tempoBpm === null ? "—" : e.tempoBpm.toFixed(1), e.meter === null ? "—" : String(e.meter), e.key ?? "—", lufs == null ? "—" : lufs.toFixed(1)];
  });
  out.push(...table(["track", "s", "bpm", "beats/bar", "key", "LUFS"], truthRows, (c) => c === 1 || c === 2 || c === 3 || c === 5), "");

  out.push("### Per track", "");
  out.push("`tp ÷ peer`: the trackprobe counterpart's wall ÷ this peer's wall on the track. Empty metric cell: no truth for it.", "");
  const fileHeader = ["track", "tool", "wall s", "realtime ×", "RSS MB", "tp ÷ peer", ...metricCols.map((k) => METRIC_INFO[k].title), "estimate / error"];
  const fileRows: string[][] = [];
  for (const m of measured) {
    const entry = entries.find((e) => e.id === m.file)!;
    for (const t of tools) {
      if (t.kind === "floor") continue;
      const cell = m.cells.get(t)!;
      if (cell.unavailable) continue;
      const { scores, problems } = score(entry, t.provides, cell.error ? undefined : cell.estimate, loudnessTruth.get(entry.id) ?? null);
      let vs = "";
      if (t.kind === "peer" && t.counterpart && !cell.error) {
        const tp = tools.find((x) => x.name === t.counterpart);
        const c = tp ? m.cells.get(tp) : undefined;
        if (c && !c.error) vs = ratio(c.wall / cell.wall);
      }
      const note = cell.error ? `error: ${cell.error}` : [describe(cell.estimate), ...problems.map((p) => `malformed ${p}`)].filter(Boolean).join(" · ");
      fileRows.push([
        m.file,
        t.name,
        cell.error ? "ERR" : seconds(cell.wall),
        cell.error ? "" : factor(m.audioSeconds / cell.wall),
        cell.error ? "" : fixed(cell.rssMb, 0),
        vs,
        ...metricCols.map((k) => fmtMetric(k, scores[k])),
        note.slice(0, 140),
      ]);
    }
  }
  out.push(...table(fileHeader, fileRows, (c) => c >= 2 && c < fileHeader.length - 1), "");
  return out;
}
