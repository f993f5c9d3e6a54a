/**
 * One scan worker thread. Everything heavy is loaded once per worker: the analysis modules (the
 * decoders' and FFT's WASM instances are module-level singletons), the cache connection, and
 * taglib when tags are written. Then it takes one file at a time from the pool.
 */
import { resolve } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { analyzeCached } from "../cache/cached-analyze.js";
import { hashFile } from "../cache/hash.js";
import { engineKey } from "../cache/fingerprint.js";
import { optionsKey, ResultCache } from "../cache/store.js";
import { isFailure } from "../result.js";
import type { JobMessage, ScanWorkerData, WorkerReply } from "./pool.js";
import { tagValuesOf, writeTags } from "./tags.js";

const data = workerData as ScanWorkerData;
const port = parentPort;
if (!port) throw new Error("scan-worker.ts runs as a worker thread");

const cache = data.cacheDir ? ResultCache.open(data.cacheDir) : null;
let current: { id: number; controller: AbortController } | null = null;

port.on("message", (m: JobMessage | { type: "abort" }) => {
  if (m.type === "abort") {
    current?.controller.abort(new Error("scan interrupted"));
    return;
  }
  void run(m);
});
port.postMessage({ type: "ready" } satisfies WorkerReply);

async function run(job: JobMessage): Promise<void> {
  const controller = new AbortController();
  current = { id: job.id, controller };
  let reply: WorkerReply;
  try {
    const r = await analyzeCached(job.path, cache, {
      features: data.features,
      name: job.path,
      signal: controller.signal,
      retryFailed: data.retryFailed,
      bpmRange: data.bpmRange,
      onProgress: (audioSeconds) => port?.postMessage({ type: "progress", id: job.id, audioSeconds } satisfies WorkerReply),
    });
    reply = { type: "done", id: job.id, source: r.source, outcome: r.outcome };
    if (data.writeTags && !isFailure(r.outcome)) {
      const w = await writeTags(job.path, r.outcome.format, tagValuesOf(r.outcome, data.writeTags.notation, data.writeTags), {
        ...data.writeTags,
        expect: r.stamp,
      });
      reply.tags = w.report;
      // The audio did not change: file the result under the tagged file's new hash too, so the
      // next scan finds it without decoding.
      if (w.stamp && cache) {
        const hash = await hashFile(job.path);
        cache.record(resolve(job.path), w.stamp, hash, engineKey(), optionsKey(data.features, data.bpmRange ? { bpmRange: data.bpmRange } : null), r.outcome);
      }
    }
  } catch (e) {
    if (controller.signal.aborted) reply = { type: "aborted", id: job.id };
    else reply = { type: "done", id: job.id, source: "analysed", outcome: { file: job.path, error: { code: "INTERNAL", message: `${job.path}: ${(e as Error).stack ?? e}` } } };
  } finally {
    current = null;
  }
  port?.postMessage(reply);
}
