/**
 * trackprobe — music analysis: tempo, beat grid, key, loudness, danceability, energy.
 *
 *   import { analyze } from "trackprobe";
 *   const result = await analyze("song.mp3", { features: ["loudness"] });
 */
export { analyze, type AnalyzeOptions } from "./pipeline/analyze.js";
export type { AudioInput } from "./audio/source.js";
export { AVAILABLE_FEATURES } from "./analyzers/registry.js";
export * from "./result.js";
