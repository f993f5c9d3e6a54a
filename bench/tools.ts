/**
 * The tools the bench runs, each as one child process per file: trackprobe's CLI (with the
 * features that match a peer, so each pair does comparable work), essentia.js algorithms through
 * bench/peers/essentia-runner.cjs, and aubio's command-line tools when they are installed.
 * Each tool's output is reduced to the same small Estimate, which the bench scores.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { FeatureName } from "../src/result.js";

/** What a tool said about a file, in the units the metrics take. Absent = the tool does not say. */
export interface Estimate {
  tempoBpm?: number | null;
  beats?: number[] | null;
  downbeats?: number[] | null;
  meter?: number | null;
  /** "A minor", "Eb major", … */
  key?: string | null;
  loudnessLufs?: number | null;
  danceability?: number | null;
}

/** The quantities the bench scores or shows, in report order. */
export type Quantity = "tempo" | "beats" | "downbeats" | "meter" | "key" | "loudness" | "danceability";

export interface Tool {
  /** Row label. */
  name: string;
  kind: "floor" | "trackprobe" | "peer";
  /** What the tool gives; the other metric cells of its rows say "n/a". */
  provides: Quantity[];
  /** Peers: the name of the trackprobe tool doing the same job (the pair of the ratio columns). */
  counterpart?: string;
  /** Why the tool cannot run on this machine (its cells say so); undefined when it can. */
  unavailable?: string;
  command(file: string): string[];
  parse(stdout: string): Estimate;
}


const ESSENTIA_RUNNER = join(import.meta.dirname, "peers", "essentia-runner.cjs");

export const ffmpegFloor: Tool = {
  name: "ffmpeg decode (-f null)",
  kind: "floor",
  provides: [],
  command: (f) => ["ffmpeg", "-v", "error", "-nostdin", "-threads", "1", "-i", f, "-f", "null", "-"],
  parse: () => ({}),
};

// ---------------------------------------------------------------------------------------------
// trackprobe
// ---------------------------------------------------------------------------------------------

function parseTrackprobe(stdout: string): Estimate {
  let json = JSON.parse(stdout) as unknown;
  if (Array.isArray(json)) json = json[0];
  const a = json as Record<string, unknown>;
  if (a.error) {
    const e = a.error as { code?: string; message?: string };
    throw new Error(`${e.code}: ${e.message}`);
  }
  const est: Estimate = {};
  if ("tempo" in a) est.tempoBpm = (a.tempo as { bpm?: number } | null)?.bpm ?? null;
  if ("beats" in a) est.beats = (a.beats as number[] | null) ?? null;
  if ("downbeats" in a) est.downbeats = (a.downbeats as number[] | null) ?? null;
  if ("meter" in a) est.meter = (a.meter as { beatsPerBar?: number } | null)?.beatsPerBar ?? null;
  if ("key" in a) {
    const k = a.key as { tonic?: string; mode?: string } | null;
    est.key = k?.tonic && k.mode ? `${k.tonic} ${k.mode}` : null;
  }
  if ("loudness" in a) est.loudnessLufs = (a.loudness as { integrated?: number | null } | null)?.integrated ?? null;
  if ("danceability" in a) est.danceability = (a.danceability as { value?: number } | null)?.value ?? null;
  return est;
}

/** The V8 flags bin/trackprobe.js runs the CLI with (see there: no background tasks, no deadlock). */
export const BIN_NODE_FLAGS = ["--single-threaded"];

/**
 * trackprobe's CLI asked for `wanted` (all available features when `wanted` is null), run with
 * `nodeFlags` (default: as bin/trackprobe.js runs it). The row is unavailable when none of the
 * wanted features is in this build.
 */
export function trackprobeTool(
  cli: string,
  available: readonly FeatureName[] | null,
  why: string,
  wanted: FeatureName[] | null,
  label: string,
  nodeFlags: readonly string[] = BIN_NODE_FLAGS,
  cliArgs: readonly string[] = [],
): Tool {
  const features = wanted === null ? (available ?? []) : wanted.filter((f) => available?.includes(f));
  const provides = features.filter((f): f is Quantity => f !== "energy");
  const tool: Tool = {
    name: `trackprobe ${label}`,
    kind: "trackprobe",
    provides,
    command: (f) => ["node", ...nodeFlags, cli, "analyze", f, ...(wanted === null ? [] : ["--features", features.join(",")]), "--format", "json", "--no-cache", ...cliArgs],
    parse: parseTrackprobe,
  };
  if (available === null) tool.unavailable = why;
  else if (features.length === 0) tool.unavailable = `not in this build (has: ${available.join(", ") || "nothing"})`;
  else if (wanted !== null && features.length < wanted.length) tool.name += ` (only ${features.join(",")})`;
  return tool;
}

// ---------------------------------------------------------------------------------------------
// essentia.js
// ---------------------------------------------------------------------------------------------

function essentia(name: string, algorithm: string, provides: Quantity[], counterpart: string, unavailable: string | undefined): Tool {
  return {
    name,
    kind: "peer",
    provides,
    counterpart,
    unavailable,
    command: (f) => ["node", ESSENTIA_RUNNER, algorithm, f],
    parse(stdout) {
      const r = JSON.parse(stdout) as Record<string, unknown>;
      const est: Estimate = {};
      if (provides.includes("tempo")) est.tempoBpm = r.bpm as number;
      if (provides.includes("beats")) est.beats = r.beats as number[];
      if (provides.includes("key")) est.key = r.key as string;
      if (provides.includes("loudness")) est.loudnessLufs = r.integratedLoudness as number;
      if (provides.includes("danceability")) est.danceability = r.danceability as number;
      return est;
    },
  };
}

export function essentiaTools(counterparts: { rhythm: string; key: string; danceability: string; loudness: string }): Tool[] {
  let missing: string | undefined;
  try {
    import.meta.resolve("essentia.js");
  } catch {
    missing = "essentia.js is not installed (npm install)";
  }
  return [
    essentia("essentia.js RhythmExtractor2013 multifeature", "rhythm-multifeature", ["tempo", "beats"], counterparts.rhythm, missing),
    essentia("essentia.js RhythmExtractor2013 degara", "rhythm-degara", ["tempo", "beats"], counterparts.rhythm, missing),
    essentia("essentia.js KeyExtractor edma", "key-edma", ["key"], counterparts.key, missing),
    essentia("essentia.js KeyExtractor temperley", "key-temperley", ["key"], counterparts.key, missing),
    essentia("essentia.js KeyExtractor bgate", "key-bgate", ["key"], counterparts.key, missing),
    essentia("essentia.js Danceability", "danceability", ["danceability"], counterparts.danceability, missing),
    essentia("essentia.js LoudnessEBUR128", "loudness", ["loudness"], counterparts.loudness, missing),
  ];
}

// ---------------------------------------------------------------------------------------------
// aubio (Debian aubio-tools)
// ---------------------------------------------------------------------------------------------

export function aubioVersion(): string | null {
  const r = spawnSync("aubio", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).trim().replace(/^aubio version /, "") || "?";
}

export function aubioTools(rhythmCounterpart: string): Tool[] {
  return [
    {
      name: "aubio tempo",
      kind: "peer",
      provides: ["tempo"],
      counterpart: rhythmCounterpart,
      command: (f) => ["aubio", "tempo", "-i", f],
      parse(stdout) {
        const m = /([\d.]+)\s*bpm/.exec(stdout);
        if (!m) throw new Error(`no "N bpm" in aubio's output: ${stdout.trim().slice(0, 80)}`);
        return { tempoBpm: Number(m[1]) };
      },
    },
    {
      name: "aubiotrack",
      kind: "peer",
      provides: ["beats"],
      counterpart: rhythmCounterpart,
      command: (f) => ["aubiotrack", "-i", f],
      parse(stdout) {
        const beats = stdout
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => /^[\d.]+$/.test(l))
          .map(Number);
        return { beats };
      },
    },
  ];
}


