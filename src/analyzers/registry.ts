/**
 * The one place analysers are declared: what result fields each fills, which feature streams it
 * reads, and which other analysers' results it needs. `--features` resolves through this table,
 * so nothing is computed that no requested output needs. Order is dependency order.
 */
import type { StreamName, Streams } from "../features/streams.js";
import type { Analysis, FeatureName } from "../result.js";
import { estimateKey } from "./key.js";
import { loudness } from "./loudness.js";

export interface AnalyzerInput {
  streams: Partial<Streams>;
  /** The result so far: earlier analysers' fields are filled in. */
  result: Analysis;
  warnings: string[];
}

export interface Analyzer {
  /** Result fields this analyser fills (set to null with a warning when it cannot tell). */
  provides: FeatureName[];
  streams: StreamName[];
  requires: FeatureName[];
  run(input: AnalyzerInput): void;
}

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

/** Features some analyser can currently compute. */
export const AVAILABLE_FEATURES: FeatureName[] = ANALYZERS.flatMap((a) => a.provides);
