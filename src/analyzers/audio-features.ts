/**
 * The danceability and energy analysers, with the cheap descriptors they fill beside them:
 * `pulseClarity` and `onsetRate` (with danceability), `onsetRate` and `dynamicComplexity` (with
 * energy). What both read is the internal analyser "onset-descriptors", computed once.
 *
 * Streams: "levels" (10 ms and 200 ms level frames, features/levels.ts), "onset" (the onset
 * envelope), "timbre" (energy only, features/timbre.ts). Analysers read: the rhythm model's
 * tempo and tempo curve (danceability), loudness (energy).
 */
import type { LevelStream } from "../features/levels.js";
import { danceabilityScore } from "./danceability.js";
import { detrendedFluctuation } from "./dfa.js";
import { dynamicComplexity } from "./dynamic-complexity.js";
import { energyScore } from "./energy.js";
import { onsetPulseDescriptors } from "./pulse.js";
import { defineAnalyzer, defineInternal } from "./contract.js";
import { loudnessAnalyzer } from "./loudness.js";
import { rhythmModel } from "./rhythm.js";
import { roundTo as round } from "../numbers.js";

/** RMS of the 10 ms frames below which the track counts as silent (−70 dBFS, the loudness gate). */
const SILENCE_RMS = 10 ** (-70 / 20);


function isSilent(levels: LevelStream): boolean {
  const s = levels.frameStd;
  let sq = 0;
  for (let i = 0; i < s.length; i++) sq += s[i] * s[i];
  return s.length === 0 || Math.sqrt(sq / s.length) < SILENCE_RMS;
}

/**
 * What danceability and energy both read, computed once per analysis: whether the track is
 * silent, and (on first use, shared with the rhythm model: onset-pulse) the onset rate and the pulse.
 */
export const onsetDescriptors = defineInternal({
  name: "onset-descriptors",
  streams: ["levels"],
  needs: { onsets: onsetPulseDescriptors },
  run({ streams: { levels }, needs: { onsets } }) {
    return { levels, silent: isSilent(levels), onsetRate: onsets.onsetRate, pulse: onsets.pulse };
  },
});

/** DFA value + 0..1 score (danceability.ts); pulse clarity and onset rate come with it. */
export const danceabilityAnalyzer = defineAnalyzer({
  name: "danceability",
  features: ["danceability"],
  fields: ["danceability", "pulseClarity", "onsetRate"],
  streams: [],
  needs: { s: onsetDescriptors, rhythm: rhythmModel },
  run({ needs: { s, rhythm }, warn }) {
    if (s.silent) {
      warn("danceability: the audio is silent (below −70 dBFS)");
      return { danceability: null, pulseClarity: null, onsetRate: null };
    }
    const dfa = detrendedFluctuation(s.levels.frameStd);
    const p = s.pulse();
    const pulseClarity = round(p.clarity, 3);
    const rate = round(s.onsetRate(), 2);
    if (!dfa) {
      warn("danceability: the audio is too short (under 0.35 s)");
      return { danceability: null, pulseClarity, onsetRate: rate };
    }
    const parts = danceabilityScore(dfa, p, { tempo: rhythm.tempo, tempoCurve: rhythm.tempoCurve });
    return { danceability: { value: round(dfa.value, 3), score: round(parts.score, 3) }, pulseClarity, onsetRate: rate };
  },
});

/** 0..1 (energy.ts); onset rate and dynamic complexity come with it. */
export const energyAnalyzer = defineAnalyzer({
  name: "energy",
  features: ["energy"],
  fields: ["energy", "onsetRate", "dynamicComplexity"],
  streams: ["timbre"],
  needs: { s: onsetDescriptors, loudness: loudnessAnalyzer },
  run({ streams, needs: { s, loudness }, warn }) {
    const lufs = loudness.loudness?.integrated ?? null;
    if (s.silent || lufs === null) {
      warn("energy: the audio is silent (below −70 dBFS)");
      return { energy: null, dynamicComplexity: null, onsetRate: null };
    }
    const dc = dynamicComplexity(s.levels.complexityDb);
    const rate = s.onsetRate();
    const parts = energyScore({
      integratedLufs: lufs,
      dynamicComplexity: dc?.complexity ?? 0,
      onsetRate: rate,
      timbre: streams.timbre,
    });
    return { energy: round(parts.energy, 3), onsetRate: round(rate, 2), dynamicComplexity: dc ? round(dc.complexity, 2) : null };
  },
});
