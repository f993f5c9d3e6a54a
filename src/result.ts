/**
 * The Analysis result: one place for its shape. `schema/analysis.schema.json` is the published
 * JSON schema of the same object; test/schema.test.ts checks that the two agree.
 */

export const VERSION = "0.1.0";

/** Names of everything `analyze()` can be asked for (`--features`). */
export const FEATURE_NAMES = [
  "loudness",
  "tempo",
  "beats",
  "downbeats",
  "meter",
  "key",
  "danceability",
  "energy",
  "structure",
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];

export interface TempoCandidate {
  bpm: number;
  /**
   * The reading's periodicity evidence relative to the reported tempo's (an alternative counts
   * only what the reported beat and its eighth notes leave unexplained), × a tempo prior;
   * normalised so the candidates' weights sum to 1. Definition: analyzers/tempo.ts, tempoCandidates.
   */
  weight: number;
}

export interface Tempo {
  bpm: number;
  /**
   * 0..1: beat evidence × max(0, 1 − weight of the best alternative / weight of `bpm`). Never
   * above 1 − w/w_bpm for any candidate; 0 when an alternative weighs as much as `bpm`.
   */
  confidence: number;
  /** The reported tempo, its ×2, ×½, ×3, ×⅓, ×3/2, ×⅔ and up to two unrelated tempi; best first. */
  candidates: TempoCandidate[];
  /**
   * The other metrical level a DJ may want: the heavier of the ×2 and ×½ candidates (on equal
   * weight the one nearer 120 BPM), unless the heavier of ×3/2 and ×⅔ weighs more than twice as
   * much (and ≥ 0.05); its weight is that candidate's. Null when none of them is listed.
   * Definition: analyzers/tempo.ts, alternativeOf.
   */
  alternative: TempoCandidate | null;
}

/**
 * How the tempo moves through the track: one point per 4 beats (about a bar). `spread` is the
 * range of the middle 80 % of the points, BPM; `steady` when that is within ±2 % of the tempo.
 */
export interface TempoCurve {
  steady: boolean;
  spread: number;
  points: { time: number; bpm: number }[];
}

export interface Meter {
  beatsPerBar: number;
  confidence: number;
}

export type Mode = "major" | "minor";

export interface Key {
  tonic: string;
  mode: Mode;
  name: string;
  camelot: string;
  openKey: string;
  confidence: number;
  /** The three best-matching keys, best first; score is the profile correlation (−1..1). */
  candidates: KeyCandidate[];
}

export interface KeyCandidate {
  name: string;
  score: number;
}

/** A stretch of the track in one key (modulations split the track into segments). */
export interface KeySegment {
  /** Seconds. */
  start: number;
  end: number;
  /** Key name, e.g. "F# minor". */
  key: string;
}

/** Estimated concert pitch: A4 in Hz and its deviation from 440 Hz in cents. */
export interface Tuning {
  referenceHz: number;
  cents: number;
}

export interface Loudness {
  /** Integrated loudness, LUFS (ITU-R BS.1770-4, gated). */
  integrated: number | null;
  /** Loudness range, LU (EBU Tech 3342). */
  range: number | null;
  /** Maximum true peak over all channels, dBTP (4x oversampled or more). */
  truePeak: number | null;
}

export interface Danceability {
  /**
   * Essentia's Danceability (detrended fluctuation analysis, 1 / mean DFA exponent), on its
   * scale: about 0.9–2 on songs, ≈ 2.2 on white noise, 4–8 (unbounded) on exactly repeating loops.
   */
  value: number;
  /** Calibrated 0..1 danceability (logistic of a rhythm index): never below 0.07 or above 0.88. */
  score: number;
}

/** What a section is, judged from its energy and its place in the track (analyzers/structure.ts). */
export type SectionKind = "intro" | "verse" | "build" | "drop" | "breakdown" | "outro";

/** A part of the track between two structural boundaries (on downbeats where there is a bar grid). */
export interface Section {
  /** Seconds. */
  start: number;
  end: number;
  kind: SectionKind;
  /** Letter shared by sections of the same material ("A", "B", …: repetition, not order). */
  group: string;
  /** Bars in the section (null without a bar grid). */
  bars: number | null;
  /** Mean loudness of the section relative to the loudest section, 0..1. */
  energy: number;
}

export type CueKind = "first-downbeat" | "mix-in" | "mix-out" | "drop" | "section";

/** A point a DJ jumps to: written as a cue / hot cue by the DJ-software exports. */
export interface Cue {
  /** Seconds. */
  time: number;
  kind: CueKind;
  /** Short label for the DJ software's cue list, e.g. "Drop", "Mix in". */
  name: string;
}

export interface Timings {
  decode: number;
  features: number;
  analyzers: number;
}

/** A tempo range, BPM (`--bpm-range MIN-MAX`): the reported tempo is the reading inside it. */
export interface BpmRange {
  min: number;
  max: number;
}

/**
 * The beat models: "dsp", the spectral-flux onset novelty; "neural", the learned network of
 * models/beat-tcn.md (needs the optional dependency onnxruntime-node).
 */
export const MODEL_NAMES = ["dsp", "neural"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** What a user may ask for: a model, or "auto" (registry.ts resolveModel). */
export type ModelChoice = ModelName | "auto";

/** Options that change what the analysers report (part of the result and of the cache key). */
export interface AnalyzerOptions {
  /** Report the tempo reading (and beat grid) inside this range; absent: the engine chooses. */
  bpmRange?: BpmRange;
  /** The beat model tempo, beats and bars come from (AnalyzeOptions.model, resolved); absent: "dsp". */
  model?: ModelName;
}

export interface Analysis {
  file: string;
  format: string;
  duration: number;
  sampleRate: number;
  channels: number;
  tempo?: Tempo | null;
  beats?: number[] | null;
  downbeats?: number[] | null;
  meter?: Meter | null;
  /** Filled with beats: the local tempo along the track (null when there is no beat). */
  tempoCurve?: TempoCurve | null;
  key?: Key | null;
  /** Filled with key: the key of each part of the track (null when there is no key). */
  keySegments?: KeySegment[] | null;
  /** Filled with key: the tuning the pitch-class profile was folded with. */
  tuning?: Tuning | null;
  loudness?: Loudness | null;
  danceability?: Danceability | null;
  energy?: number | null;
  /** Filled with danceability and energy: onsets per second (peak-picked onset envelope). */
  onsetRate?: number | null;
  /** Filled with danceability: how clearly the onsets repeat at one beat period, 0..1. */
  pulseClarity?: number | null;
  /** Filled with energy: Streich's dynamic complexity, LU (mean deviation from the loudness). */
  dynamicComplexity?: number | null;
  /** Filled with structure: the track's sections, in order, covering it from start to end. */
  sections?: Section[] | null;
  /** Filled with structure: cue points (first downbeat, mix in/out, drops), in time order. */
  cues?: Cue[] | null;
  /** The analyser options given (present only when some option was given). */
  options?: AnalyzerOptions;
  warnings: string[];
  timings: Timings;
  version: string;
}

export type ErrorCode =
  | "NOT_FOUND"
  | "UNREADABLE"
  | "EMPTY"
  | "UNSUPPORTED_FORMAT"
  | "NEEDS_FFMPEG"
  | "CORRUPT"
  | "BAD_OPTION"
  | "TIMEOUT"
  | "INTERNAL";

/**
 * Failures that describe the file's bytes (the same bytes always fail the same way) and may be
 * cached under its content hash. The others come from the way the file was read (a missing or
 * unreadable path, a watchdog timeout, a crash) and are never stored.
 */
export const CONTENT_ERRORS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["EMPTY", "UNSUPPORTED_FORMAT", "CORRUPT"]);

/** What a file that could not be analysed gives in place of its Analysis. */
export interface AnalysisFailure {
  file: string;
  error: { code: ErrorCode; message: string };
}

export type AnalysisOutcome = Analysis | AnalysisFailure;

export function isFailure(o: AnalysisOutcome): o is AnalysisFailure {
  return (o as AnalysisFailure).error !== undefined;
}

/** A failure value for `file` (the message should name the file). */
export function failureOf(file: string, code: ErrorCode, message: string): AnalysisFailure {
  return { file, error: { code, message } };
}

/** An error thrown while analysing `file` as a failure value: a TrackprobeError keeps its code; anything else is INTERNAL, with its stack. */
export function failureOfError(file: string, e: unknown): AnalysisFailure {
  if (e instanceof TrackprobeError) return failureOf(file, e.code, e.message);
  return failureOf(file, "INTERNAL", `${file}: ${(e as Error)?.stack ?? e}`);
}

/** The error type every part of trackprobe throws for problems with the input or options. */
export class TrackprobeError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TrackprobeError";
  }
}
