/**
 * A small pool of scan worker threads (node:worker_threads): N workers, one file each at a time,
 * the next file handed to whichever finishes first. A worker that dies (out of memory, a crash
 * inside WASM) fails only the file it had and is replaced.
 *
 * Every file runs under a watchdog: a worker that passes the file's time limit (scaled to the
 * audio it has decoded so far, which it reports as it goes) is terminated and replaced, and the
 * file is answered with a TIMEOUT failure; the batch goes on. A worker stuck in a loop or a wait
 * that never ends cannot stall a scan.
 *
 * Why not piscina: the pool needs per-file cooperative abort (the worker aborts its analysis and
 * answers, rather than being terminated mid-write to the cache), progress-driven deadlines and
 * long-lived per-worker state; each is a few lines here.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { AnalysisOutcome, BpmRange, ErrorCode, FeatureName } from "../result.js";
import type { TagReport, TagSettings } from "./tags.js";

export interface ScanWorkerData {
  cacheDir: string | null;
  features: FeatureName[];
  retryFailed: boolean;
  writeTags: TagSettings | null;
  /** Tempo range (AnalyzeOptions.bpmRange). */
  bpmRange?: BpmRange;
}

export interface JobMessage {
  type: "job";
  id: number;
  path: string;
}

export type WorkerReply =
  /** Sent once, when the worker has loaded what it needs and takes jobs. */
  | { type: "ready" }
  | { type: "done"; id: number; source: "cache" | "analysed"; outcome: AnalysisOutcome; tags?: TagReport }
  | { type: "aborted"; id: number }
  /** Seconds of audio decoded so far: moves the job's deadline. */
  | { type: "progress"; id: number; audioSeconds: number };

export type JobResult = Exclude<WorkerReply, { type: "progress" | "ready" }>;

/**
 * Seconds a file may take per minute of its audio (and for files under a minute). The default,
 * 30 s, is about 100 times what an analysis needs on a loaded machine (trackprobe runs a few
 * hundred times faster than real time per core), so only a stuck worker reaches it.
 */
export const DEFAULT_SECONDS_PER_AUDIO_MINUTE = 30;

/** The time limit for a file of which `audioSeconds` have been decoded. */
export function timeLimitSeconds(secondsPerAudioMinute: number, audioSeconds: number): number {
  return secondsPerAudioMinute * Math.max(1, audioSeconds / 60);
}

export interface PoolOptions {
  size: number;
  data: ScanWorkerData;
  /** Seconds allowed per minute of audio (see timeLimitSeconds); null: no time limit. */
  secondsPerAudioMinute?: number | null;
  /** The module every worker runs (default: the scan worker). */
  workerUrl?: URL;
}

export const defaultJobs = () => availableParallelism();

interface Job {
  msg: JobMessage;
  resolve: (r: JobResult) => void;
}

interface Slot {
  worker: Worker;
  /** Loaded and taking jobs (a job's clock starts when a ready worker gets it). */
  ready: boolean;
  job: Job | null;
  startedMs: number;
  watchdog: NodeJS.Timeout | null;
}

const FROM_SOURCE = import.meta.url.endsWith(".ts");
const SCAN_WORKER_URL = new URL(FROM_SOURCE ? "./scan-worker.ts" : "./scan-worker.js", import.meta.url);

/** A worker written in JS starts as it is; one in TypeScript (tests, tsx) first registers tsx's loader. */
function startWorker(url: URL, data: ScanWorkerData): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData: data });
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died in a row without finishing a file: a pool that cannot start gives up. */
  private deathsInARow = 0;
  private broken: string | null = null;

  readonly size: number;
  private readonly data: ScanWorkerData;
  private readonly secondsPerAudioMinute: number | null;
  private readonly workerUrl: URL;

  constructor(options: PoolOptions) {
    this.size = options.size;
    this.data = options.data;
    this.secondsPerAudioMinute = options.secondsPerAudioMinute === undefined ? DEFAULT_SECONDS_PER_AUDIO_MINUTE : options.secondsPerAudioMinute;
    this.workerUrl = options.workerUrl ?? SCAN_WORKER_URL;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
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
    for (const s of this.slots) this.disarm(s);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const worker = startWorker(this.workerUrl, this.data);
    const slot: Slot = { worker, ready: false, job: null, startedMs: 0, watchdog: null };
    worker.unref();
    worker.on("message", (r: WorkerReply) => {
      if (r.type === "ready") {
        slot.ready = true;
        return this.dispatch();
      }
      const job = slot.job;
      if (!job || job.msg.id !== r.id) return;
      if (r.type === "progress") return this.arm(slot, r.audioSeconds);
      this.disarm(slot);
      slot.job = null;
      this.deathsInARow = 0;
      job.resolve(r);
      this.dispatch();
    });
    const died = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.disarm(slot);
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
      if (!slot.ready || slot.job || this.waiting.length === 0) continue;
      const job = this.waiting.shift() as Job;
      slot.job = job;
      slot.startedMs = performance.now();
      this.arm(slot, 0);
      slot.worker.postMessage(job.msg);
    }
    // Busy workers, and starting ones while files wait for them, keep the process alive.
    for (const slot of this.slots) {
      if (slot.job || this.waiting.length > 0) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  /** (Re)sets the slot's deadline for a file of which `audioSeconds` are decoded. */
  private arm(slot: Slot, audioSeconds: number): void {
    if (this.secondsPerAudioMinute === null) return;
    this.disarm(slot);
    const limitSeconds = timeLimitSeconds(this.secondsPerAudioMinute, audioSeconds);
    const leftMs = Math.max(0, slot.startedMs + limitSeconds * 1000 - performance.now());
    slot.watchdog = setTimeout(() => this.timedOut(slot, limitSeconds, audioSeconds), leftMs);
    slot.watchdog.unref(); // the worker, ref'd while busy, keeps the process alive
  }

  private disarm(slot: Slot): void {
    if (slot.watchdog) clearTimeout(slot.watchdog);
    slot.watchdog = null;
  }

  /**
   * The file passed its limit: its worker is replaced first (so its exit is not taken for a
   * crash), then terminated without waiting — a thread blocked in native code may never answer.
   */
  private timedOut(slot: Slot, limitSeconds: number, audioSeconds: number): void {
    const i = this.slots.indexOf(slot);
    const job = slot.job;
    if (i < 0 || !job) return;
    slot.job = null;
    slot.watchdog = null;
    if (this.closed) this.slots.splice(i, 1);
    else this.slots[i] = this.spawn();
    slot.worker.terminate().catch(() => {});
    slot.worker.unref();
    const decoded = audioSeconds > 0 ? `${audioSeconds.toFixed(0)} s of audio decoded` : "no audio decoded yet";
    const rule = `${this.secondsPerAudioMinute} s per minute of audio`;
    job.resolve(failed(job.msg, "TIMEOUT", `analysis passed its time limit of ${limitSeconds.toFixed(0)} s (${rule}; ${decoded}) and was stopped`));
    this.dispatch();
  }
}

function failed(msg: JobMessage, code: ErrorCode, why: string): JobResult {
  return { type: "done", id: msg.id, source: "analysed", outcome: { file: msg.path, error: { code, message: `${msg.path}: ${why}` } } };
}

function crashed(msg: JobMessage, why: string): JobResult {
  return failed(msg, "INTERNAL", why);
}
