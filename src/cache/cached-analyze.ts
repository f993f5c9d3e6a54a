/**
 * Analyse one file through the cache: stat → (memo hit: known hash | hash the file) → stored
 * result for (hash, engine, features) → else decode and analyse, and store what came out.
 * Used by `trackprobe analyze`, and by each scan worker.
 *
 * What cannot be read twice (a FIFO, `<(cmd)`, /dev/stdin, a device, a /proc file whose size
 * stat cannot tell) is read once: it is hashed while it is decoded, nothing is looked up, and the
 * outcome is stored under that hash only when the input was read to its end.
 */
import { promises as fs } from "node:fs";
import { resolve } from "node:path";
import { AVAILABLE_FEATURES } from "../analyzers/registry.js";
import type { ByteTap } from "../audio/source.js";
import { analyze, analyzerOptions } from "../pipeline/analyze.js";
import { type AnalysisFailure, type AnalysisOutcome, type BpmRange, type FeatureName, TrackprobeError } from "../result.js";
import { engineKey } from "./fingerprint.js";
import { ContentHasher, hashFileAndLength } from "./hash.js";
import { type FileStamp, isCacheable, optionsKey, outcomeOf, type ResultCache, sameStamp, stampOf } from "./store.js";

export interface CachedAnalyzeOptions {
  features?: readonly FeatureName[];
  /** Name reported as `file` (default: the path as given). */
  name?: string;
  signal?: AbortSignal;
  /** Seconds of audio decoded so far, as decoding goes on (see AnalyzeOptions.onProgress). */
  onProgress?: (audioSeconds: number) => void;
  /** Analyse again a file whose earlier failure is cached. Default: false (the failure is returned). */
  retryFailed?: boolean;
  /** Tempo range (AnalyzeOptions.bpmRange); part of the cache key. */
  bpmRange?: BpmRange;
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
    if (st.isDirectory()) return failure(name, "UNREADABLE", `${name}: is a directory, not an audio file`);
    return { stamp: stampOf(st), regular: st.isFile() };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return failure(name, "NOT_FOUND", `${name}: no such file`);
    return failure(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`);
  }
}

export async function analyzeCached(path: string, cache: ResultCache | null, options: CachedAnalyzeOptions = {}): Promise<CachedAnalysis> {
  const name = options.name ?? path;
  const features = options.features ?? AVAILABLE_FEATURES;
  if (!cache) return { outcome: await analyzeOutcome(path, name, features, options), source: "analysed" };
  const abs = resolve(path);
  const st = await statPath(path, name);
  if ("error" in st) return { outcome: st, source: "analysed" };
  const { stamp } = st;
  const engine = engineKey();
  let opts: string;
  try {
    opts = optionsKey(features, analyzerOptions(options));
  } catch (e) {
    if (e instanceof TrackprobeError) return { outcome: failure(name, e.code, e.message), source: "analysed" };
    throw e;
  }
  // Size 0 is also what stat says of /proc and /sys files, which do hold bytes.
  if (!st.regular || stamp.size === 0) return readOnce(path, name, features, cache, engine, opts, options, st.regular ? stamp : undefined);
  let hash = cache.memoFor(abs, stamp)?.hash ?? null;
  const fromMemo = hash !== null;
  if (!hash) {
    try {
      const h = await hashFileAndLength(path);
      // More or fewer bytes than stat said: the file is being written, or is not what it seems.
      if (h.bytes !== stamp.size) return readOnce(path, name, features, cache, engine, opts, options, undefined);
      hash = h.hash;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { outcome: failure(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`), source: "analysed" };
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
  const outcome = await analyzeOutcome(path, name, features, { ...options, tap: read });
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
  path: string,
  name: string,
  features: readonly FeatureName[],
  cache: ResultCache,
  engine: string,
  opts: string,
  options: CachedAnalyzeOptions,
  stamp: FileStamp | undefined,
): Promise<CachedAnalysis> {
  const read = new ContentHasher();
  const outcome = await analyzeOutcome(path, name, features, { ...options, tap: read });
  const hash = read.digest(); // null: the analysis ended before the input did
  if (hash !== null && isCacheable(outcome)) cache.put(hash, engine, opts, outcome);
  return { outcome, source: "analysed", hash: hash ?? undefined, stamp };
}

/** analyze() with every error turned into a failure outcome, except an abort (rethrown). */
export async function analyzeOutcome(
  path: string,
  name: string,
  features: readonly FeatureName[],
  { signal, onProgress, tap, bpmRange }: Pick<CachedAnalyzeOptions, "signal" | "onProgress" | "bpmRange"> & { tap?: ByteTap } = {},
): Promise<AnalysisOutcome> {
  try {
    return await analyze(path, { features, name, signal, onProgress, tap, bpmRange });
  } catch (e) {
    if (signal?.aborted) throw e;
    if (e instanceof TrackprobeError) return failure(name, e.code, e.message);
    return failure(name, "INTERNAL", `${name}: ${(e as Error).stack ?? e}`);
  }
}

export function failure(file: string, code: TrackprobeError["code"], message: string): AnalysisFailure {
  return { file, error: { code, message } };
}
