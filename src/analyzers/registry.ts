/**
 * The analysers trackprobe runs, one line each (the contract: contract.ts). `--features`
 * resolves through them and the dependencies they declare, so nothing is computed that no
 * requested output needs; internal analysers (the rhythm model, the beat activation) are found
 * through `needs` and need no line here. The beat models replace the internal "beat-activation".
 */
import { type FeatureName, MODEL_NAMES, type ModelName, TrackprobeError } from "../result.js";
import { type Analyzer, type Plan, planAnalyzers } from "./contract.js";
import { danceabilityAnalyzer, energyAnalyzer } from "./audio-features.js";
import { spectralFluxActivation } from "./beat-activation.js";
import { NEURAL_MISSING, neuralAvailable, tcnActivation } from "./beat-activation-tcn.js";
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
 * The beat models (AnalyzeOptions.model, `--model`): the beat activation tempo, beats and bars
 * decode — the analyser the plan puts in place of "beat-activation".
 */
export const MODELS: Readonly<Record<ModelName, Analyzer>> = {
  dsp: spectralFluxActivation,
  /** The learned network of training/ (models/beat-tcn.md); needs onnxruntime-node. */
  neural: tcnActivation,
};
/**
 * The default model. "neural" wins on the POP909 and generated hold-outs but loses on corpus-dev
 * by more than the accuracy issue allows (docs/accuracy.md, models/beat-tcn.md), so the default
 * stays "dsp".
 */
export const DEFAULT_MODEL: ModelName = "dsp";

/**
 * The model a choice means here: "auto" is "neural" where onnxruntime-node is installed (the
 * model measured best on the largest hold-out, POP909 B + generated B), else "dsp"; absent is
 * DEFAULT_MODEL. Throws BAD_OPTION for an unknown name or "neural" without onnxruntime-node.
 */
export function resolveModel(choice: string | undefined): ModelName {
  if (choice === undefined) return DEFAULT_MODEL;
  if (choice === "auto") return neuralAvailable() ? "neural" : "dsp";
  if (!(MODEL_NAMES as readonly string[]).includes(choice)) {
    throw new TrackprobeError("BAD_OPTION", `unknown model "${choice}" (available: ${[...MODEL_NAMES, "auto"].join(", ")})`);
  }
  if (choice === "neural" && !neuralAvailable()) throw new TrackprobeError("BAD_OPTION", NEURAL_MISSING);
  return choice as ModelName;
}

/** The analysers needed for `features` (with everything they depend on), in run order. */
export function plan(features: readonly FeatureName[], options: { model?: ModelName } = {}): Plan {
  return planAnalyzers(ANALYZERS, features, [MODELS[options.model ?? DEFAULT_MODEL]]);
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
