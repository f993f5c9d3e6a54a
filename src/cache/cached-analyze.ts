/**
 * Analyse one input through the cache, keyed by the content hash, the engine and the options.
 *
 *  - A regular file: stat → (memo hit: known hash | hash the file) → stored result → else decode
 *    and analyse, and store what came out. Hashing before decoding is what lets a copied or
 *    moved file be answered without decoding it; the bytes hashed are then in the page cache, so
 *    the disk is still read once.
 *  - Bytes in memory (a Buffer, an upload read into memory): hashed, looked up, else analysed.
 *  - What cannot be read twice (a stream, a pipe, stdin, a FIFO, `<(cmd)`, a device, a /proc file
 *    whose size stat cannot tell) is read once: it is hashed while it is decoded, and the outcome
 *    is stored under that hash only when the input was read to its end.
 * Used by `trackprobe analyze`, and by each scan worker.
 */
import { promises as fs } from "node:fs";
import { resolve } from "node:path";
import { AVAILABLE_FEATURES } from "../analyzers/registry.js";
import type { AudioInput } from "../audio/source.js";
import { analyze, type AnalyzeOptions, analyzerOptions } from "../pipeline/analyze.js";
import { type AnalysisFailure, type AnalysisOutcome, failureOf, failureOfError, TrackprobeError } from "../result.js";
import { engineKey } from "./fingerprint.js";
import { ContentHasher, hashBytes, hashFileAndLength } from "./hash.js";
import { type FileStamp, isCacheable, optionsKey, outcomeOf, type ResultCache, sameStamp, stampOf } from "./store.js";

/** analyze()'s options (the analyser options are part of the cache key), and how to treat cached failures. */
export interface CachedAnalyzeOptions
  extends Pick<AnalyzeOptions, "features" | "name" | "signal" | "onProgress" | "onPreview" | "bpmRange" | "model"> {
  /** Analyse again an input whose earlier failure is cached. Default: false (the failure is returned). */
  retryFailed?: boolean;
}

export interface CachedAnalysis {
  outcome: AnalysisOutcome;
  /** Where the outcome came from: the cache (ok or failed), or a decode now. */
  source: "cache" | "analysed";
  /** Content hash of the file (absent when it could not be read, or not to its end). */
  hash?: string;
  /** Absent for input that is not a regular file. */
  stamp?: FileStamp;
}

/** Stats a file: its stamp, or a failure outcome (not found, not a file, unreadable). */
export async function statFile(path: string, name: string): Promise<FileStamp | AnalysisOutcome> {
  const s = await statPath(path, name);
  return "error" in s ? s : s.stamp;
}

/** The stamp and whether `path` is a regular file, or a failure outcome. */
async function statPath(path: string, name: string): Promise<{ stamp: FileStamp; regular: boolean } | AnalysisFailure> {
  try {
    const st = await fs.stat(path, { bigint: true });
    if (st.isDirectory()) return failureOf(name, "UNREADABLE", `${name}: is a directory, not an audio file`);
    return { stamp: stampOf(st), regular: st.isFile() };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return failureOf(name, "NOT_FOUND", `${name}: no such file`);
    return failureOf(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`);
  }
}

export async function analyzeCached(input: AudioInput, cache: ResultCache | null, options: CachedAnalyzeOptions = {}): Promise<CachedAnalysis> {
  const name = options.name ?? (typeof input === "string" ? input : input instanceof Uint8Array ? "<buffer>" : "<stream>");
  const features = options.features ?? AVAILABLE_FEATURES;
  const analysis = { ...options, features, name };
  if (!cache) return { outcome: await analyzeOutcome(input, analysis), source: "analysed" };
  const engine = engineKey();
  let opts: string;
  try {
    opts = optionsKey(features, analyzerOptions(options));
  } catch (e) {
    if (e instanceof TrackprobeError) return { outcome: failureOf(name, e.code, e.message), source: "analysed" };
    throw e;
  }
  if (input instanceof Uint8Array) {
    const hash = hashBytes(input);
    const entry = cache.entry(hash, engine, opts);
    if (entry && (entry.status === "ok" || !options.retryFailed)) return { outcome: outcomeOf(entry, name), source: "cache", hash };
    const outcome = await analyzeOutcome(input, analysis);
    if (isCacheable(outcome)) cache.put(hash, engine, opts, outcome);
    return { outcome, source: "analysed", hash };
  }
  if (typeof input !== "string") return readOnce(input, analysis, cache, engine, opts, undefined);
  const path = input;
  const abs = resolve(path);
  const st = await statPath(path, name);
  if ("error" in st) return { outcome: st, source: "analysed" };
  const { stamp } = st;
  // Size 0 is also what stat says of /proc and /sys files, which do hold bytes.
  if (!st.regular || stamp.size === 0) return readOnce(path, analysis, cache, engine, opts, st.regular ? stamp : undefined);
  let hash = cache.memoFor(abs, stamp)?.hash ?? null;
  const fromMemo = hash !== null;
  if (!hash) {
    try {
      const h = await hashFileAndLength(path);
      // More or fewer bytes than stat said: the file is being written, or is not what it seems.
      if (h.bytes !== stamp.size) return readOnce(path, analysis, cache, engine, opts, undefined);
      hash = h.hash;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { outcome: failureOf(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`), source: "analysed" };
    }
  }
  const entry = cache.entry(hash, engine, opts);
  if (entry && (entry.status === "ok" || !options.retryFailed)) {
    const outcome = outcomeOf(entry, name);
    // Found by content (a copy, a moved file): remember the path too, so that export lists it
    // and the next scan need not hash it again.
    if (!fromMemo) cache.remember(abs, stamp, { hash, format: "format" in outcome ? outcome.format : undefined });
    return { outcome, source: "cache", hash, stamp };
  }
  const read = new ContentHasher();
  const outcome = await analyzeOutcome(path, { ...analysis, tap: read });
  // Only store what describes the bytes that were hashed: a file rewritten meanwhile is not
  // stored (the stamp moved, or the bytes decoded, when read to the end, hash differently).
  const after = await statPath(path, name);
  const readHash = read.digest();
  if (!("error" in after) && sameStamp(after.stamp, stamp) && (readHash === null || readHash === hash)) {
    cache.record(abs, stamp, hash, engine, opts, outcome);
  }
  return { outcome, source: "analysed", hash, stamp };
}

/** Analyses input that is read once, hashing it as it goes; stores by that hash, never a path memo. */
async function readOnce(
  input: AudioInput,
  analysis: AnalyzeOptions & { name: string },
  cache: ResultCache,
  engine: string,
  opts: string,
  stamp: FileStamp | undefined,
): Promise<CachedAnalysis> {
  const read = new ContentHasher();
  const outcome = await analyzeOutcome(input, { ...analysis, tap: read });
  const hash = read.digest(); // null: the analysis ended before the input did
  if (hash !== null && isCacheable(outcome)) cache.put(hash, engine, opts, outcome);
  return { outcome, source: "analysed", hash: hash ?? undefined, stamp };
}

/** analyze() with every error turned into a failure outcome, except an abort (rethrown). */
export async function analyzeOutcome(input: AudioInput, options: AnalyzeOptions & { name: string }): Promise<AnalysisOutcome> {
  const { name, signal } = options;
  try {
    return await analyze(input, options);
  } catch (e) {
    if (signal?.aborted) throw e;
    return failureOfError(name, e);
  }
}
