/**
 * A small pool of scan worker threads (node:worker_threads): N workers, one file each at a time,
 * the next file handed to whichever finishes first. A worker that dies (out of memory, a crash
 * inside WASM) fails only the file it had and is replaced.
 *
 * Why not piscina: the pool needs per-file cooperative abort (the worker aborts its analysis and
 * answers, rather than being terminated mid-write to the cache) and long-lived per-worker state;
 * both are a few lines here.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { AnalysisOutcome, FeatureName } from "../result.js";
import type { KeyNotation, TagReport } from "./tags.js";

export interface ScanWorkerData {
  cacheDir: string | null;
  features: FeatureName[];
  retryFailed: boolean;
  writeTags: { notation: KeyNotation; dryRun: boolean } | null;
}

export interface JobMessage {
  type: "job";
  id: number;
  path: string;
}

export type WorkerReply =
  | { type: "done"; id: number; source: "cache" | "analysed"; outcome: AnalysisOutcome; tags?: TagReport }
  | { type: "aborted"; id: number };

export type JobResult = WorkerReply;

export const defaultJobs = () => availableParallelism();

interface Slot {
  worker: Worker;
  job: { msg: JobMessage; resolve: (r: JobResult) => void } | null;
}

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const WORKER_URL = new URL(FROM_SOURCE ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

/** From dist/ the worker is plain JS; run from source (tsx), it first registers tsx's loader. */
function startWorker(data: ScanWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_URL, { workerData: data });
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: { msg: JobMessage; resolve: (r: JobResult) => void }[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died in a row without finishing a file: a pool that cannot start gives up. */
  private deathsInARow = 0;
  private broken: string | null = null;

  constructor(
    readonly size: number,
    private readonly data: ScanWorkerData,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Analyses one file in some worker; never rejects (failures are outcomes). */
  run(path: string): Promise<JobResult> {
    return new Promise((resolve) => {
      const msg: JobMessage = { type: "job", id: this.nextId++, path };
      if (this.closed) return resolve({ type: "aborted", id: msg.id });
      if (this.broken) return resolve(crashed(msg, this.broken));
      this.waiting.push({ msg, resolve });
      this.dispatch();
    });
  }

  get busy(): number {
    return this.slots.filter((s) => s.job).length + this.waiting.length;
  }

  /** Stops: queued files are dropped, files in flight are aborted (their workers answer "aborted"). */
  abort(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.resolve({ type: "aborted", id: w.msg.id });
    for (const s of this.slots) if (s.job) s.worker.postMessage({ type: "abort" });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = startWorker(this.data);
    const slot: Slot = { worker, job: null };
    worker.unref();
    worker.on("message", (r: WorkerReply) => {
      const job = slot.job;
      if (!job || job.msg.id !== r.id) return;
      slot.job = null;
      this.deathsInARow = 0;
      job.resolve(r);
      this.dispatch();
    });
    const died = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      const job = slot.job;
      slot.job = null;
      if (this.closed) {
        job?.resolve({ type: "aborted", id: job.msg.id });
        return;
      }
      if (++this.deathsInARow > 2 * this.size + 3) {
        this.broken = `scan workers keep dying (${why})`;
        for (const w of this.waiting.splice(0)) w.resolve(crashed(w.msg, this.broken));
      } else this.slots[i] = this.spawn();
      if (job) job.resolve(crashed(job.msg, `the worker analysing it died (${why})`));
      this.dispatch();
    };
    worker.on("error", (e) => died(e.message));
    worker.on("exit", (code) => died(`exit code ${code}`));
    return slot;
  }

  private dispatch(): void {
    if (this.broken) return;
    for (const slot of this.slots) {
      if (slot.job || this.waiting.length === 0) continue;
      const job = this.waiting.shift() as (typeof this.waiting)[number];
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage(job.msg);
    }
    for (const slot of this.slots) if (!slot.job) slot.worker.unref();
  }
}

function crashed(msg: JobMessage, why: string): JobResult {
  return { type: "done", id: msg.id, source: "analysed", outcome: { file: msg.path, error: { code: "INTERNAL", message: `${msg.path}: ${why}` } } };
}
