/**
 * Analyse one file through the cache: stat → (memo hit: known hash | hash the file) → stored
 * result for (hash, engine, features) → else decode and analyse, and store what came out.
 * Used by `trackprobe analyze`, and by each scan worker.
 */
import { promises as fs } from "node:fs";
import { resolve } from "node:path";
import { AVAILABLE_FEATURES } from "../analyzers/registry.js";
import { analyze } from "../pipeline/analyze.js";
import { type AnalysisOutcome, type FeatureName, TrackprobeError } from "../result.js";
import { engineKey } from "./fingerprint.js";
import { hashFile } from "./hash.js";
import { type FileStamp, optionsKey, outcomeOf, type ResultCache, sameStamp, stampOf } from "./store.js";

export interface CachedAnalyzeOptions {
  features?: readonly FeatureName[];
  /** Name reported as `file` (default: the path as given). */
  name?: string;
  signal?: AbortSignal;
  /** Analyse again a file whose earlier failure is cached. Default: false (the failure is returned). */
  retryFailed?: boolean;
}

export interface CachedAnalysis {
  outcome: AnalysisOutcome;
  /** Where the outcome came from: the cache (ok or failed), or a decode now. */
  source: "cache" | "analysed";
  /** Content hash of the file (absent when it could not be read). */
  hash?: string;
  stamp?: FileStamp;
}

/** Stats a file: its stamp, or a failure outcome (not found, not a file, unreadable). */
export async function statFile(path: string, name: string): Promise<FileStamp | AnalysisOutcome> {
  try {
    const st = await fs.stat(path, { bigint: true });
    if (st.isDirectory()) return failure(name, "UNREADABLE", `${name}: is a directory, not an audio file`);
    return stampOf(st);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return failure(name, "NOT_FOUND", `${name}: no such file`);
    return failure(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`);
  }
}

export async function analyzeCached(path: string, cache: ResultCache | null, options: CachedAnalyzeOptions = {}): Promise<CachedAnalysis> {
  const name = options.name ?? path;
  const features = options.features ?? AVAILABLE_FEATURES;
  if (!cache) return { outcome: await analyzeOutcome(path, name, features, options.signal), source: "analysed" };
  const abs = resolve(path);
  const stamp = await statFile(path, name);
  if (!("size" in stamp)) return { outcome: stamp, source: "analysed" };
  const engine = engineKey();
  const opts = optionsKey(features);
  let hash = cache.memoFor(abs, stamp)?.hash ?? null;
  if (!hash) {
    try {
      hash = await hashFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return { outcome: failure(name, "UNREADABLE", `${name}: cannot read (${code ?? String(e)})`), source: "analysed" };
    }
  }
  const entry = cache.entry(hash, engine, opts);
  if (entry && (entry.status === "ok" || !options.retryFailed)) {
    return { outcome: outcomeOf(entry, name), source: "cache", hash, stamp };
  }
  const outcome = await analyzeOutcome(path, name, features, options.signal);
  // Only store what describes the bytes that were hashed: a file rewritten meanwhile is not stored.
  const after = await statFile(path, name);
  if ("size" in after && sameStamp(after, stamp)) cache.record(abs, stamp, hash, engine, opts, outcome);
  return { outcome, source: "analysed", hash, stamp };
}

/** analyze() with every error turned into a failure outcome, except an abort (rethrown). */
export async function analyzeOutcome(path: string, name: string, features: readonly FeatureName[], signal?: AbortSignal): Promise<AnalysisOutcome> {
  try {
    return await analyze(path, { features, name, signal });
  } catch (e) {
    if (signal?.aborted) throw e;
    if (e instanceof TrackprobeError) return failure(name, e.code, e.message);
    return failure(name, "INTERNAL", `${name}: ${(e as Error).stack ?? e}`);
  }
}

export function failure(file: string, code: TrackprobeError["code"], message: string): AnalysisOutcome {
  return { file, error: { code, message } };
}
