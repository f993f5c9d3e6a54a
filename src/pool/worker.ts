/**
 * One analysis worker thread (pool.ts). Everything heavy is loaded once per worker: the analysis
 * modules (the decoders' and FFT's WASM instances are module-level singletons), the cache
 * connection, and taglib when tags are written. Then it takes one job at a time from the pool.
 */
import { resolve } from "node:path";
import { parentPort, workerData } from "node:worker_threads";
import { analyzeCached } from "../cache/cached-analyze.js";
import { engineKey } from "../cache/fingerprint.js";
import { hashFile } from "../cache/hash.js";
import { optionsKey, ResultCache } from "../cache/store.js";
import { tagValuesOf, writeTags } from "../library/tags.js";
import { analyzerOptions } from "../pipeline/analyze.js";
import { AVAILABLE_FEATURES } from "../analyzers/registry.js";
import { failureOfError, isFailure } from "../result.js";
import type { FromWorker, JobAnswer, ToWorker, WorkerSetup } from "./pool.js";

const setup = workerData as WorkerSetup;
const port = parentPort;
if (!port) throw new Error("pool/worker.ts runs as a worker thread");
const send = (m: FromWorker) => port.postMessage(m);

const cache = setup.cacheDir ? ResultCache.open(setup.cacheDir) : null;
let current: { id: number; controller: AbortController } | null = null;

port.on("message", (m: ToWorker) => {
  if (m.type === "abort") {
    if (current?.id === m.id) current.controller.abort(new Error("analysis cancelled"));
    return;
  }
  void run(m);
});
send({ type: "ready" });

async function run(job: Extract<ToWorker, { type: "job" }>): Promise<void> {
  const controller = new AbortController();
  current = { id: job.id, controller };
  const { input, options } = job;
  const name = input.name ?? (input as { path: string }).path;
  let answer: JobAnswer;
  try {
    const r = await analyzeCached("path" in input ? input.path : input.bytes, cache, {
      features: options.features,
      name,
      signal: controller.signal,
      retryFailed: options.retryFailed,
      bpmRange: options.bpmRange,
      model: options.model,
      onProgress: (audioSeconds) => send({ type: "progress", id: job.id, audioSeconds }),
      onPreview: job.previews ? (preview) => send({ type: "preview", id: job.id, preview }) : undefined,
    });
    answer = { type: "done", source: r.source, outcome: r.outcome };
    if (options.writeTags && "path" in input && !isFailure(r.outcome)) {
      const path = input.path;
      const w = await writeTags(path, r.outcome.format, tagValuesOf(r.outcome, options.writeTags.notation, options.writeTags), {
        ...options.writeTags,
        expect: r.stamp,
      });
      answer.tags = w.report;
      // The audio did not change: file the result under the tagged file's new hash too, so the
      // next scan finds it without decoding.
      if (w.stamp && cache) {
        const hash = await hashFile(path);
        cache.record(resolve(path), w.stamp, hash, engineKey(), optionsKey(options.features ?? AVAILABLE_FEATURES, analyzerOptions(options)), r.outcome);
      }
    }
  } catch (e) {
    if (controller.signal.aborted) answer = { type: "aborted" };
    else answer = { type: "done", source: "analysed", outcome: failureOfError(name, e) };
  } finally {
    current = null;
  }
  send({ id: job.id, ...answer });
}
