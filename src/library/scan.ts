/**
 * scanLibrary(): analyse every audio file under some folders, through the cache, on a pool of
 * worker threads.
 *
 * The main thread walks the folders and answers what it can without reading a file: a path whose
 * size, mtime and inode match its memo row has a known content hash, and a stored result for that
 * hash (and this engine and these features) is the answer — no worker is even started when every
 * file is answered so. New or changed files are sniffed here (a few KiB: is it audio at all?) and
 * handed to the workers, which hash, decode, analyse and store each result as it is done.
 */
import { resolve } from "node:path";
import { engineKey } from "../cache/fingerprint.js";
import { optionsKey, outcomeOf, ResultCache } from "../cache/store.js";
import { type AnalysisOutcome, type BpmRange, type ErrorCode, type FeatureName, failureOf, isFailure, type ModelChoice } from "../result.js";
import { analyzerOptions } from "../pipeline/analyze.js";
import { AnalysisPool } from "../pool/pool.js";
import type { TagSettings } from "./tags.js";
import type { TagAction, TagReport } from "./tags.js";
import { hasAudioExtension, sniffFile, walk } from "./walk.js";

export interface ScanOptions {
  roots: readonly string[];
  features: FeatureName[];
  /** Worker threads. */
  jobs: number;
  /** null: no cache (analyse everything, store nothing). */
  cacheDir: string | null;
  retryFailed?: boolean;
  /** Tempo range (AnalyzeOptions.bpmRange); part of the cache key. */
  bpmRange?: BpmRange;
  /** The beat model (AnalyzeOptions.model); part of the cache key. */
  model?: ModelChoice;
  hidden?: boolean;
  writeTags?: TagSettings | null;
  /** Per-file time limit in seconds per minute of audio (default DEFAULT_SECONDS_PER_AUDIO_MINUTE); null: none. */
  secondsPerAudioMinute?: number | null;
  /** Stops the scan: nothing new is started, files in flight are aborted, finished results stay. */
  signal?: AbortSignal;
  /** Each file's result (fresh, cached, or failure), in completion order. */
  onOutcome?: (o: AnalysisOutcome, source: "cache" | "analysed") => void;
  onTags?: (r: TagReport) => void;
  onProgress?: (p: ScanProgress) => void;
}

export interface ScanProgress {
  /** Audio files found so far (the total, once `walking` is false). */
  found: number;
  walking: boolean;
  done: number;
  analysed: number;
  cached: number;
  failed: number;
  /** Seconds of audio decoded so far. */
  audioSeconds: number;
  elapsed: number;
}

export interface ScanFailure {
  file: string;
  code: ErrorCode;
  message: string;
  /** The failure was remembered from an earlier scan (the file was not tried again). */
  cached: boolean;
}

export interface ScanSummary {
  /** Audio files found (by content; plus files named like audio that are not). */
  files: number;
  /** Decoded and analysed in this run. */
  analysed: number;
  /** Answered from the cache. */
  cached: number;
  failed: number;
  /** Files this run tried to decode (analysed + fresh decode failures): 0 on an unchanged re-scan. */
  decoded: number;
  /** Other things passed over, by reason (not audio, link loop, …). */
  skipped: Record<string, number>;
  failures: ScanFailure[];
  tags: Partial<Record<TagAction, number>>;
  interrupted: boolean;
  seconds: number;
  /** Seconds of audio decoded in this run (realtime factor = audioSeconds / seconds). */
  audioSeconds: number;
  jobs: number;
  cacheFile: string | null;
}

export async function scanLibrary(o: ScanOptions): Promise<ScanSummary> {
  const t0 = performance.now();
  const cache = o.cacheDir ? ResultCache.open(o.cacheDir) : null;
  const engine = engineKey();
  const opts = optionsKey(o.features, analyzerOptions(o));
  const summary: ScanSummary = {
    files: 0,
    analysed: 0,
    cached: 0,
    failed: 0,
    decoded: 0,
    skipped: {},
    failures: [],
    tags: {},
    interrupted: false,
    seconds: 0,
    audioSeconds: 0,
    jobs: o.jobs,
    cacheFile: cache?.path ?? null,
  };
  let walking = true;
  let pool: AnalysisPool | null = null;
  const jobOptions = { features: o.features, retryFailed: !!o.retryFailed, writeTags: o.writeTags ?? null, bpmRange: o.bpmRange, model: o.model };
  const pending = new Set<Promise<void>>();
  const wantOutcomes = !!o.onOutcome;

  const progress = () =>
    o.onProgress?.({
      found: summary.files,
      walking,
      done: summary.analysed + summary.cached + summary.failed,
      analysed: summary.analysed,
      cached: summary.cached,
      failed: summary.failed,
      audioSeconds: summary.audioSeconds,
      elapsed: (performance.now() - t0) / 1000,
    });

  const finish = (outcome: AnalysisOutcome, source: "cache" | "analysed") => {
    if (isFailure(outcome)) {
      summary.failed++;
      summary.failures.push({ file: outcome.file, code: outcome.error.code, message: outcome.error.message, cached: source === "cache" });
    } else if (source === "cache") summary.cached++;
    else {
      summary.analysed++;
      summary.audioSeconds += outcome.duration;
    }
    o.onOutcome?.(outcome, source);
    progress();
  };
  const skip = (reason: string) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
  };
  const notAudio = (path: string, note: string) => {
    if (!hasAudioExtension(path)) return skip("not audio");
    summary.files++;
    const what = note === "empty" ? "file is empty (0 bytes)" : note === "text" ? "this is a text file, not audio" : "not a recognised audio format";
    finish(failureOf(path, note === "empty" ? "EMPTY" : "UNSUPPORTED_FORMAT", `${path}: ${what}`), "analysed");
  };
  const dispatch = (path: string) => {
    pool ??= new AnalysisPool({ size: o.jobs, setup: { cacheDir: o.cacheDir }, secondsPerAudioMinute: o.secondsPerAudioMinute });
    const p = pool.run({ path }, jobOptions).then((r) => {
      pending.delete(p);
      if (r.type === "aborted") return;
      if (r.source === "analysed" && (!isFailure(r.outcome) || !["UNREADABLE", "NOT_FOUND"].includes(r.outcome.error.code))) summary.decoded++;
      if (r.tags) {
        summary.tags[r.tags.action] = (summary.tags[r.tags.action] ?? 0) + 1;
        o.onTags?.(r.tags);
      }
      finish(r.outcome, r.source);
    });
    pending.add(p);
  };
  const onAbort = () => pool?.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });

  try {
    for await (const ev of walk(o.roots, { hidden: o.hidden })) {
      if (o.signal?.aborted) break;
      if (ev.type === "skip") {
        skip(ev.reason);
        continue;
      }
      if (ev.type === "error") {
        summary.files++;
        finish(failureOf(ev.path, ev.code === "ENOENT" ? "NOT_FOUND" : "UNREADABLE", ev.message), "analysed");
        continue;
      }
      const path = ev.path;
      const stamp = { size: Number(ev.stat.size), mtimeNs: String(ev.stat.mtimeNs), ino: String(ev.stat.ino) };
      const abs = resolve(path);
      const memo = cache?.memoFor(abs, stamp);
      if (memo?.note) {
        notAudio(path, memo.note);
        continue;
      }
      if (memo?.hash && !o.writeTags) {
        const entry = cache?.entry(memo.hash, engine, opts);
        if (entry && (entry.status === "ok" || !o.retryFailed)) {
          summary.files++;
          finish(wantOutcomes || entry.status === "failed" ? outcomeOf(entry, path) : ({ file: path } as AnalysisOutcome), "cache");
          continue;
        }
      }
      if (!memo) {
        let kind: string;
        try {
          const s = await sniffFile(path);
          kind = s.kind;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code ?? "EIO";
          summary.files++;
          finish(failureOf(path, "UNREADABLE", `${path}: cannot read (${code})`), "analysed");
          continue;
        }
        if (kind !== "audio") {
          cache?.remember(abs, stamp, { note: kind });
          notAudio(path, kind);
          continue;
        }
      }
      summary.files++;
      dispatch(path);
      progress();
    }
    walking = false;
    progress();
    while (pending.size > 0) await Promise.race(pending);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
    summary.interrupted = !!o.signal?.aborted;
    if (summary.interrupted) {
      (pool as AnalysisPool | null)?.abort();
      while (pending.size > 0) await Promise.race(pending);
    }
    await (pool as AnalysisPool | null)?.close();
    cache?.close();
    summary.seconds = (performance.now() - t0) / 1000;
  }
  return summary;
}
