/**
 * The danceability and energy analysers (registered in registry.ts), with the cheap descriptors
 * they fill beside them: `pulseClarity` and `onsetRate` (with danceability), `onsetRate` and
 * `dynamicComplexity` (with energy). Shared parts are computed once per analysis.
 *
 * Streams: "levels" (10 ms and 200 ms level frames, features/levels.ts), "onset" (the onset
 * envelope), "timbre" (energy only, features/timbre.ts). Results read: tempo and tempoCurve when
 * the rhythm analysers ran (optional), loudness (energy).
 */
import type { LevelStream } from "../features/levels.js";
import type { OnsetStream } from "../features/onset.js";
import type { TimbreStream } from "../features/timbre.js";
import { danceabilityScore } from "./danceability.js";
import { detrendedFluctuation } from "./dfa.js";
import { dynamicComplexity } from "./dynamic-complexity.js";
import { energyScore } from "./energy.js";
import { onsetRate, pulse } from "./pulse.js";
import type { AnalyzerInput } from "./registry.js";

/** RMS of the 10 ms frames below which the track counts as silent (−70 dBFS, the loudness gate). */
const SILENCE_RMS = 10 ** (-70 / 20);

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function isSilent(levels: LevelStream): boolean {
  const s = levels.frameStd;
  let sq = 0;
  for (let i = 0; i < s.length; i++) sq += s[i] * s[i];
  return s.length === 0 || Math.sqrt(sq / s.length) < SILENCE_RMS;
}

function shared(input: AnalyzerInput) {
  const levels = input.streams.levels as LevelStream;
  const onset = input.streams.onset as OnsetStream;
  return {
    levels,
    silent: input.once("audio-features:silent", () => isSilent(levels)),
    onsetRate: () => input.once("audio-features:onsetRate", () => onsetRate(onset)),
    pulse: () => input.once("audio-features:pulse", () => pulse(onset)),
  };
}

export function runDanceability(input: AnalyzerInput): void {
  const { result, warnings } = input;
  const s = shared(input);
  if (s.silent) {
    warnings.push("danceability: the audio is silent (below −70 dBFS)");
    result.danceability = null;
    result.pulseClarity = null;
    result.onsetRate = null;
    return;
  }
  const dfa = detrendedFluctuation(s.levels.frameStd);
  const p = s.pulse();
  result.pulseClarity = round(p.clarity, 3);
  result.onsetRate = round(s.onsetRate(), 2);
  if (!dfa) {
    warnings.push("danceability: the audio is too short (under 0.35 s)");
    result.danceability = null;
    return;
  }
  const parts = danceabilityScore(dfa, p, { tempo: result.tempo, tempoCurve: result.tempoCurve });
  result.danceability = { value: round(dfa.value, 3), score: round(parts.score, 3) };
}

export function runEnergy(input: AnalyzerInput): void {
  const { result, warnings, streams } = input;
  const s = shared(input);
  const lufs = result.loudness?.integrated ?? null;
  if (s.silent || lufs === null) {
    warnings.push("energy: the audio is silent (below −70 dBFS)");
    result.energy = null;
    result.dynamicComplexity = null;
    result.onsetRate = null;
    return;
  }
  const dc = dynamicComplexity(s.levels.complexityDb);
  const rate = s.onsetRate();
  result.onsetRate = round(rate, 2);
  result.dynamicComplexity = dc ? round(dc.complexity, 2) : null;
  const parts = energyScore({
    integratedLufs: lufs,
    dynamicComplexity: dc?.complexity ?? 0,
    onsetRate: rate,
    timbre: streams.timbre as TimbreStream,
  });
  result.energy = round(parts.energy, 3);
}
