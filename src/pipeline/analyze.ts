/**
 * analyze(): one streaming pass per input — decode once, one front end, then the analysers on
 * the compact feature streams.
 */
import { openDecoded } from "../audio/decode.js";
import { type AudioInput, type ByteTap, openSource } from "../audio/source.js";
import { AVAILABLE_FEATURES, DEFAULT_MODEL, plan, resolveModel } from "../analyzers/registry.js";
import { runSteps, unrequestedFields } from "../analyzers/contract.js";
import { FrontEnd, type StreamDef } from "../features/frontend.js";
import { type StreamName, STREAMS, type Streams } from "../features/streams.js";
import { checkBpmRange } from "../analyzers/tempo.js";
import { type Analysis, type AnalyzerOptions, type BpmRange, type FeatureName, type ModelChoice, TrackprobeError, VERSION } from "../result.js";
import { roundTo as round } from "../numbers.js";

export interface AnalyzeOptions {
  /** What to compute; default: everything available. Dependencies are computed as needed. */
  features?: readonly FeatureName[];
  /** Name reported as `file` (default: the path, or "<buffer>"/"<stream>"). */
  name?: string;
  /** Stops the analysis between blocks; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Sees every input byte that is read, once, in order (the cache hashes a pipe with it). */
  tap?: ByteTap;
  /** Called as decoding goes on (about once per second of work) with the seconds of audio decoded. */
  onProgress?: (audioSeconds: number) => void;
  /**
   * Tempo range, BPM: the tempo (and the beat grid) is the reading inside it, e.g. {min: 70,
   * max: 140} reports a 150 BPM track at 75. Within 40..250, min < max. Reported as
   * `options.bpmRange` in the result. Default: the engine chooses the metrical level.
   */
  bpmRange?: BpmRange;
  /**
   * The beat model tempo, beats and bars come from: "dsp" (the default), "neural" (the learned
   * network, models/beat-tcn.md; needs onnxruntime-node) or "auto" (registry.ts resolveModel).
   * The model used is reported as `options.model` unless it is "dsp"; part of the cache key.
   */
  model?: ModelChoice;
  /**
   * Called with a preview — tempo, key and loudness (those of them asked for) from the audio
   * decoded so far — after PREVIEW_FIRST_SECONDS of audio and each time that doubles (30 s, 60 s,
   * 120 s, …), before the final result. The final result is the same with or without previews.
   */
  onPreview?: (preview: AnalysisPreview) => void;
}

/** What a preview can hold: the features an early part of the audio already tells. */
export const PREVIEW_FEATURES = ["loudness", "key", "tempo"] as const satisfies readonly FeatureName[];

/** A preview (AnalyzeOptions.onPreview): the fields of PREVIEW_FEATURES asked for, over `audioSeconds`. */
export type AnalysisPreview = { audioSeconds: number; warnings: string[] } & Pick<Analysis, (typeof PREVIEW_FEATURES)[number]>;

/** Audio decoded before the first preview, seconds; each later preview waits for twice as much. */
export const PREVIEW_FIRST_SECONDS = 30;

/** The analyser options of `options` (what the result's `options` and the cache key hold), or null for none. */
export function analyzerOptions(options: { bpmRange?: BpmRange; model?: ModelChoice }): AnalyzerOptions | null {
  const o: AnalyzerOptions = {};
  if (options.bpmRange) o.bpmRange = checkBpmRange(options.bpmRange);
  const model = resolveModel(options.model);
  if (model !== DEFAULT_MODEL) o.model = model;
  return Object.keys(o).length ? o : null;
}

const PROGRESS_INTERVAL_MS = 1000;

/**
 * Longest stretch of decoding without a turn of the event loop: input from memory never waits
 * for I/O, and without a turn no timer runs, so an AbortSignal (a timeout, a scan's stop) would
 * never fire.
 */
const YIELD_EVERY_MS = 25;

export async function analyze(input: AudioInput, options: AnalyzeOptions = {}): Promise<Analysis> {
  const features = options.features ?? AVAILABLE_FEATURES;
  for (const f of features) {
    if (!AVAILABLE_FEATURES.includes(f)) {
      throw new TrackprobeError("BAD_OPTION", `unknown or unavailable feature "${f}" (available: ${AVAILABLE_FEATURES.join(", ")})`);
    }
  }
  const steer = analyzerOptions(options);
  const { steps, streams } = plan(features, steer ?? {});
  const t0 = performance.now();
  const warnings: string[] = [];
  const preview = options.onPreview && previewRunner(features, steer ?? {}, options.onPreview, options.signal);
  const decoded = await decodeStreams(input, streams, { ...options, onSnapshot: preview || undefined }, warnings);
  const t1 = performance.now();
  const result: Analysis = {
    file: decoded.name,
    format: decoded.format,
    duration: round(decoded.samples / decoded.sampleRate, 3),
    sampleRate: decoded.sampleRate,
    channels: decoded.channels,
    warnings,
    timings: { decode: 0, features: 0, analyzers: 0 },
    version: VERSION,
  };
  Object.assign(result, await runSteps(steps, decoded.streams, { options: steer ?? {}, duration: result.duration, warnings, signal: options.signal }));
  if (steer) result.options = steer;
  const t2 = performance.now();
  for (const f of unrequestedFields(steps, features)) delete result[f];
  result.timings = {
    decode: round((t1 - t0) / 1000 - decoded.featureSeconds, 4),
    features: round(decoded.featureSeconds, 4),
    analyzers: round((t2 - t1) / 1000, 4),
  };
  return reorder(result);
}

/** An input decoded once and turned into feature streams. */
export interface DecodedStreams {
  /** The input's name (AnalyzeOptions.name, the path, or "<buffer>"/"<stream>"). */
  name: string;
  format: string;
  streams: Partial<Streams>;
  /** Samples per channel, and the file's own rate and channel count. */
  samples: number;
  sampleRate: number;
  channels: number;
  /** Seconds the front end spent on the feature streams (the rest is decoding). */
  featureSeconds: number;
}

/**
 * Decodes `input` once and runs the front end for the named streams: yields to the event loop,
 * honours the abort signal and reports progress as analyze() documents.
 */
export async function decodeStreams(
  input: AudioInput,
  names: readonly StreamName[],
  options: Pick<AnalyzeOptions, "name" | "signal" | "tap" | "onProgress"> & { onSnapshot?: SnapshotHook } = {},
  warnings: string[] = [],
): Promise<DecodedStreams> {
  const source = await openSource(input, options.name, { signal: options.signal, tap: options.tap });
  let frontEnd: FrontEnd | null = null;
  let format: string;
  try {
    const decoded = await openDecoded(source, warnings);
    format = decoded.format;
    const defs = Object.fromEntries(names.map((s) => [s, STREAMS[s] as StreamDef<unknown>]));
    let reportedMs = performance.now();
    let lastTurn = performance.now();
    let snapshotAt = options.onSnapshot?.firstSeconds ?? Infinity;
    for await (const block of decoded.blocks) {
      if (performance.now() - lastTurn > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastTurn = performance.now();
      }
      options.signal?.throwIfAborted();
      frontEnd ??= await FrontEnd.create(defs, block.sampleRate, block.channels.length);
      frontEnd.push(block);
      if (options.onSnapshot && frontEnd.samples >= snapshotAt * frontEnd.info.sampleRate) {
        await options.onSnapshot.take(frontEnd.snapshot() as Partial<Streams>, frontEnd.samples / frontEnd.info.sampleRate);
        snapshotAt *= 2;
      }
      if (options.onProgress && performance.now() - reportedMs > PROGRESS_INTERVAL_MS) {
        reportedMs = performance.now();
        options.onProgress(frontEnd.samples / frontEnd.info.sampleRate);
      }
    }
  } catch (e) {
    frontEnd?.dispose();
    throw e;
  } finally {
    await source.reader.close();
  }
  const fe = frontEnd as FrontEnd; // decoding throws when there are no samples
  const streams = fe.finish() as Partial<Streams>;
  return { name: source.name, format, streams, samples: fe.samples, sampleRate: fe.info.sampleRate, channels: fe.info.channels, featureSeconds: fe.seconds };
}

/** Streams of the audio so far, taken while decoding: first after `firstSeconds`, then at each doubling. */
export interface SnapshotHook {
  firstSeconds: number;
  take(streams: Partial<Streams>, audioSeconds: number): Promise<void>;
}

/** The snapshot hook that runs the preview analysers and reports each preview; null when nothing asked for can be previewed. */
function previewRunner(
  features: readonly FeatureName[],
  options: AnalyzerOptions,
  report: (p: AnalysisPreview) => void,
  signal: AbortSignal | undefined,
): SnapshotHook | null {
  const wanted = PREVIEW_FEATURES.filter((f) => features.includes(f));
  if (wanted.length === 0) return null;
  const { steps } = plan(wanted, options);
  return {
    firstSeconds: PREVIEW_FIRST_SECONDS,
    async take(streams, audioSeconds) {
      const warnings: string[] = [];
      const fields = await runSteps(steps, streams, { options, duration: round(audioSeconds, 3), warnings, signal });
      const preview: AnalysisPreview = { audioSeconds: round(audioSeconds, 3), warnings };
      for (const f of wanted) Object.assign(preview, { [f]: fields[f] });
      report(preview);
    },
  };
}

/** Puts the fields in the documented order (warnings, timings and version last). */
function reorder(r: Analysis): Analysis {
  const { warnings, timings, version, ...rest } = r;
  return { ...rest, warnings, timings, version };
}

