/**
 * The analysers trackprobe runs, one line each (the contract: contract.ts). `--features`
 * resolves through them and the dependencies they declare, so nothing is computed that no
 * requested output needs; internal analysers (the rhythm model, the beat activation) are found
 * through `needs` and need no line here. Providers that can replace an internal analyser by name
 * are listed by what they replace.
 */
import { type FeatureName, TrackprobeError } from "../result.js";
import { type Analyzer, type Plan, planAnalyzers } from "./contract.js";
import { danceabilityAnalyzer, energyAnalyzer } from "./audio-features.js";
import { spectralFluxActivation } from "./beat-activation.js";
import { tcnActivation } from "./beat-activation-tcn.js";
import { keyAnalyzer } from "./key.js";
import { loudnessAnalyzer } from "./loudness.js";
import { barsAnalyzer, beatsAnalyzer, tempoAnalyzer } from "./rhythm.js";
import { structureAnalyzer } from "./structure.js";

export const ANALYZERS: readonly Analyzer[] = [
  loudnessAnalyzer,
  keyAnalyzer,
  tempoAnalyzer,
  beatsAnalyzer,
  barsAnalyzer,
  danceabilityAnalyzer,
  energyAnalyzer,
  structureAnalyzer,
];

/**
 * Beat activations (AnalyzeOptions.beatActivation): the curve tempo, beats and bars decode.
 * The first is the default.
 */
export const BEAT_ACTIVATIONS: Readonly<Record<string, Analyzer>> = {
  "spectral-flux": spectralFluxActivation,
  /** Experimental: the learned network of training/ (models/beat-tcn.md); needs onnxruntime-node. */
  tcn: tcnActivation,
};
export const DEFAULT_BEAT_ACTIVATION = "spectral-flux";

/** The analysers needed for `features` (with everything they depend on), in run order. */
export function plan(features: readonly FeatureName[], options: { beatActivation?: string } = {}): Plan {
  const activation = BEAT_ACTIVATIONS[options.beatActivation ?? DEFAULT_BEAT_ACTIVATION];
  return planAnalyzers(ANALYZERS, features, activation ? [activation] : []);
}

/** Features some analyser can currently compute. */
export const AVAILABLE_FEATURES: FeatureName[] = ANALYZERS.flatMap((a) => a.features);

/** A comma-separated feature list (`--features`, `?features=`); undefined for none given. Throws BAD_OPTION naming an unknown one. */
export function parseFeatureList(list: string | undefined): FeatureName[] | undefined {
  if (!list) return undefined;
  const names = list.split(",").map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!(AVAILABLE_FEATURES as string[]).includes(n)) throw new TrackprobeError("BAD_OPTION", `unknown feature "${n}"; available: ${AVAILABLE_FEATURES.join(", ")}`);
  }
  return names as FeatureName[];
}
