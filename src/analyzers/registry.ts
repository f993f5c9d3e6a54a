/**
 * The one place analysers are declared: what result fields each fills, which feature streams it
 * reads, and which other analysers' results it needs. `--features` resolves through this table,
 * so nothing is computed that no requested output needs. Order is dependency order.
 */
import type { StreamName, Streams } from "../features/streams.js";
import type { Analysis, AnalyzerOptions, FeatureName } from "../result.js";
import { estimateKey } from "./key.js";
import { loudness } from "./loudness.js";
import { estimateMeter } from "./meter.js";
import { analyzeRhythm } from "./rhythm.js";
import { runDanceability, runEnergy } from "./audio-features.js";

export interface AnalyzerInput {
  streams: Partial<Streams>;
  /** The result so far: earlier analysers' fields are filled in. */
  result: Analysis;
  warnings: string[];
  /** Options that steer the analysers (e.g. the tempo range). */
  options?: AnalyzerOptions;
  /**
   * Computes `make()` once per analysis and shares it between analysers (e.g. one rhythm model
   * whose tempo, beats and bars several analysers report).
   */
  once<T>(key: string, make: () => T): T;
}

export interface Analyzer {
  /** Result fields this analyser fills (set to null with a warning when it cannot tell). */
  provides: FeatureName[];
  /** Further result fields that come with them (reported only when one of `provides` is asked for). */
  extras?: (keyof Analysis)[];
  streams: StreamName[];
  requires: FeatureName[];
  run(input: AnalyzerInput): void;
}

/** One rhythm model per analysis, shared by the tempo, beats and bar analysers. */
const rhythmOf = ({ streams, once, options }: AnalyzerInput) =>
  once("rhythm", () => analyzeRhythm(streams.onset as Streams["onset"], streams.barPitch, { bpmRange: options?.bpmRange }));

export const ANALYZERS: Analyzer[] = [
  {
    provides: ["loudness"],
    streams: ["loudness"],
    requires: [],
    run({ streams, result, warnings }) {
      const l = loudness(streams.loudness as Streams["loudness"]);
      if (l.integrated === null) warnings.push("loudness: the audio is silent or too short to measure (below the −70 LUFS gate)");
      result.loudness = l;
    },
  },
  {
    provides: ["key"],
    extras: ["keySegments", "tuning"],
    streams: ["chroma"],
    requires: [],
    run({ streams, result, warnings }) {
      const k = estimateKey(streams.chroma as Streams["chroma"]);
      if (k.key === null) warnings.push(`key: ${k.reason ?? "no key found"}`);
      result.key = k.key;
      result.keySegments = k.key ? k.segments.map((g) => ({ ...g, end: Math.min(g.end, result.duration) })) : null;
      result.tuning = k.tuning;
    },
  },
  {
    provides: ["tempo"],
    streams: ["onset", "barPitch"],
    requires: [],
    run(input) {
      const { result, warnings } = input;
      const r = rhythmOf(input);
      if (!r.tempo) warnings.push(`tempo: ${r.reason}`);
      result.tempo = r.tempo;
    },
  },
  {
    // the beat grid follows tempo drift; tempoCurve is filled with it
    provides: ["beats"],
    extras: ["tempoCurve"],
    streams: ["onset", "barPitch"],
    requires: ["tempo"],
    run(input) {
      const { result, warnings } = input;
      const r = rhythmOf(input);
      if (!r.beats) warnings.push(`beats: ${r.reason}`);
      result.beats = r.beats;
      result.tempoCurve = r.tempoCurve;
    },
  },
  {
    provides: ["downbeats", "meter"],
    streams: ["onset", "barPitch"],
    requires: ["beats"],
    run(input) {
      const { streams, result, warnings } = input;
      const r = rhythmOf(input);
      const m = r.beats ? estimateMeter(streams.onset as Streams["onset"], r.beats, r.compound, streams.barPitch) : null;
      if (!m) warnings.push(`meter: ${r.reason ?? "too few beats to find bars"}`);
      result.downbeats = m ? m.downbeats : null;
      result.meter = m ? m.meter : null;
    },
  },
  {
    // DFA value + 0..1 score (analyzers/danceability.ts); pulseClarity and onsetRate are filled with
    // it. Reads tempo/tempoCurve from the beats analyser, and degrades gracefully without them.
    provides: ["danceability"],
    extras: ["pulseClarity", "onsetRate"],
    streams: ["levels", "onset"],
    requires: ["beats"],
    run: runDanceability,
  },
  {
    // 0..1 (analyzers/energy.ts); onsetRate and dynamicComplexity are filled with it
    provides: ["energy"],
    extras: ["onsetRate", "dynamicComplexity"],
    streams: ["levels", "onset", "timbre"],
    requires: ["loudness"],
    run: runEnergy,
  },
];

/** The analysers needed for `features` (with everything they depend on), in run order. */
export function plan(features: readonly FeatureName[]): { analyzers: Analyzer[]; streams: StreamName[] } {
  const wanted = new Set<FeatureName>();
  const add = (f: FeatureName) => {
    if (wanted.has(f)) return;
    wanted.add(f);
    const a = ANALYZERS.find((x) => x.provides.includes(f));
    for (const r of a?.requires ?? []) add(r);
  };
  features.forEach(add);
  const analyzers = ANALYZERS.filter((a) => a.provides.some((f) => wanted.has(f)));
  const streams = [...new Set(analyzers.flatMap((a) => a.streams))];
  return { analyzers, streams };
}

/** Result fields of the analysers that ran only as dependencies of what was asked for. */
export function unrequestedFields(analyzers: Analyzer[], features: readonly FeatureName[]): (keyof Analysis)[] {
  const asked = analyzers.filter((a) => a.provides.some((f) => features.includes(f)));
  const keep = new Set<keyof Analysis>([...features, ...asked.flatMap((a) => a.extras ?? [])]);
  return [...new Set(analyzers.flatMap((a) => [...a.provides, ...(a.extras ?? [])]))].filter((f) => !keep.has(f));
}

/** Features some analyser can currently compute. */
export const AVAILABLE_FEATURES: FeatureName[] = ANALYZERS.flatMap((a) => a.provides);
