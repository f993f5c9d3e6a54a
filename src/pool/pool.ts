/**
 * The analysis pool: N worker threads (node:worker_threads), each loading the decoders, the
 * front end's WASM and the result cache once, one job each at a time, the next job handed to
 * whichever finishes first. A job is a path or bytes plus options; its answer is a value (an
 * outcome, from the cache or analysed; or "aborted"), never a rejection. Used by `scan`, `eval -j`,
 * the fuzz harness, `serve` and `worker`.
 *
 * Every job runs under a watchdog: a worker that passes the job's time limit (scaled to the audio
 * it has decoded so far, which it reports as it goes) is terminated and replaced, and the job is
 * answered with a TIMEOUT failure; a worker that dies (out of memory, a crash inside WASM) fails
 * only its job and is replaced. A job is cancelled by its AbortSignal (the worker aborts the
 * analysis and answers "aborted"), and the whole pool by abort().
 *
 * Why not piscina: the pool needs per-job cooperative abort (the worker stops its analysis and
 * answers, rather than being terminated mid-write to the cache), progress-driven deadlines,
 * per-job progress and preview events, and long-lived per-worker state; each is a few lines here.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { TagReport, TagSettings } from "../library/tags.js";
import type { AnalysisPreview } from "../pipeline/analyze.js";
import { type AnalysisOutcome, type BpmRange, type ErrorCode, type FeatureName, failureOf, type ModelChoice } from "../result.js";

/** What every worker loads once. */
export interface WorkerSetup {
  /** The result cache folder; null: no cache. */
  cacheDir: string | null;
}

/** A job's audio: a file (reported as `name` when given), or bytes in memory (a fuzz mutant) with the name to report. */
export type JobInput = { path: string; name?: string } | { bytes: Uint8Array; name: string };

/** What to compute for a job, and how. */
export interface JobOptions {
  /** Default: every feature. */
  features?: FeatureName[];
  bpmRange?: BpmRange;
  model?: ModelChoice;
  /** Analyse again an input whose failure is cached. */
  retryFailed?: boolean;
  /** After a successful analysis of a path, write its tags (scan --write-tags). */
  writeTags?: TagSettings | null;
}

export interface JobEvents {
  /** Cancels the job: the worker stops its analysis; the answer is "aborted". */
  signal?: AbortSignal;
  /** Seconds of audio decoded so far. */
  onProgress?: (audioSeconds: number) => void;
  /** Previews (AnalyzeOptions.onPreview); given, the worker makes them. */
  onPreview?: (preview: AnalysisPreview) => void;
}

export type JobAnswer =
  | { type: "done"; source: "cache" | "analysed"; outcome: AnalysisOutcome; tags?: TagReport }
  | { type: "aborted" };

/** Messages to a worker. */
export type ToWorker = { type: "job"; id: number; input: JobInput; options: JobOptions; previews: boolean } | { type: "abort"; id: number };

/** Messages from a worker. */
export type FromWorker =
  /** Sent once, when the worker has loaded what it needs and takes jobs. */
  | { type: "ready" }
  | ({ id: number } & JobAnswer)
  /** Seconds of audio decoded so far: moves the job's deadline. */
  | { type: "progress"; id: number; audioSeconds: number }
  | { type: "preview"; id: number; preview: AnalysisPreview };

/**
 * Seconds a job may take per minute of its audio (and for inputs under a minute). The default,
 * 30 s, is about 100 times what an analysis needs on a loaded machine (trackprobe runs a few
 * hundred times faster than real time per core), so only a stuck worker reaches it.
 */
export const DEFAULT_SECONDS_PER_AUDIO_MINUTE = 30;

/** The time limit for a job of which `audioSeconds` have been decoded. */
export function timeLimitSeconds(secondsPerAudioMinute: number, audioSeconds: number): number {
  return secondsPerAudioMinute * Math.max(1, audioSeconds / 60);
}

export interface PoolOptions {
  size: number;
  setup: WorkerSetup;
  /** Seconds allowed per minute of audio (see timeLimitSeconds); null: no time limit. */
  secondsPerAudioMinute?: number | null;
  /** The module every worker runs (default: the analysis worker, worker.ts). */
  workerUrl?: URL;
}

export const defaultJobs = () => availableParallelism();

interface Job {
  msg: Extract<ToWorker, { type: "job" }>;
  events: JobEvents;
  resolve: (r: JobAnswer) => void;
  onAbort?: () => void;
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
const WORKER_URL = new URL(FROM_SOURCE ? "./worker.ts" : "./worker.js", import.meta.url);

/** A worker written in JS starts as it is; one in TypeScript (tests, tsx) first registers tsx's loader. */
function startWorker(url: URL, setup: WorkerSetup): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url, { workerData: setup });
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: setup });
}

const nameOf = (input: JobInput) => input.name ?? (input as { path: string }).path;

export class AnalysisPool {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Workers that died in a row without finishing a job: a pool that cannot start gives up. */
  private deathsInARow = 0;
  private broken: string | null = null;

  readonly size: number;
  private readonly setup: WorkerSetup;
  private readonly secondsPerAudioMinute: number | null;
  private readonly workerUrl: URL;

  constructor(options: PoolOptions) {
    this.size = options.size;
    this.setup = options.setup;
    this.secondsPerAudioMinute = options.secondsPerAudioMinute === undefined ? DEFAULT_SECONDS_PER_AUDIO_MINUTE : options.secondsPerAudioMinute;
    this.workerUrl = options.workerUrl ?? WORKER_URL;
    for (let i = 0; i < this.size; i++) this.slots.push(this.spawn());
  }

  /** Analyses one input in some worker; never rejects (failures are outcomes). */
  run(input: JobInput, options: JobOptions = {}, events: JobEvents = {}): Promise<JobAnswer> {
    return new Promise((resolve) => {
      const msg: Job["msg"] = { type: "job", id: this.nextId++, input, options, previews: !!events.onPreview };
      if (this.closed || events.signal?.aborted) return resolve({ type: "aborted" });
      if (this.broken) return resolve(crashed(msg, this.broken));
      const job: Job = { msg, events, resolve };
      if (events.signal) {
        job.onAbort = () => this.cancel(job);
        events.signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.waiting.push(job);
      this.dispatch();
    });
  }

  /** Jobs running or waiting. */
  get busy(): number {
    return this.slots.filter((s) => s.job).length + this.waiting.length;
  }

  /** Stops: queued jobs are dropped, jobs in flight are aborted (their workers answer "aborted"). */
  abort(): void {
    this.closed = true;
    for (const w of this.waiting.splice(0)) this.settle(w, { type: "aborted" });
    for (const s of this.slots) if (s.job) s.worker.postMessage({ type: "abort", id: s.job.msg.id } satisfies ToWorker);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.slots) this.disarm(s);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private cancel(job: Job): void {
    const i = this.waiting.indexOf(job);
    if (i >= 0) {
      this.waiting.splice(i, 1);
      return this.settle(job, { type: "aborted" });
    }
    const slot = this.slots.find((s) => s.job === job);
    slot?.worker.postMessage({ type: "abort", id: job.msg.id } satisfies ToWorker);
  }

  private settle(job: Job, answer: JobAnswer): void {
    if (job.onAbort) job.events.signal?.removeEventListener("abort", job.onAbort);
    job.resolve(answer);
  }

  private spawn(): Slot {
    const worker = startWorker(this.workerUrl, this.setup);
    const slot: Slot = { worker, ready: false, job: null, startedMs: 0, watchdog: null };
    worker.unref();
    worker.on("message", (r: FromWorker) => {
      if (r.type === "ready") {
        slot.ready = true;
        return this.dispatch();
      }
      const job = slot.job;
      if (!job || job.msg.id !== r.id) return;
      if (r.type === "progress") {
        job.events.onProgress?.(r.audioSeconds);
        return this.arm(slot, r.audioSeconds);
      }
      if (r.type === "preview") return job.events.onPreview?.(r.preview);
      this.disarm(slot);
      slot.job = null;
      this.deathsInARow = 0;
      const { id: _, ...answer } = r;
      this.settle(job, answer);
      this.dispatch();
    });
    const died = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.disarm(slot);
      const job = slot.job;
      slot.job = null;
      if (this.closed) {
        if (job) this.settle(job, { type: "aborted" });
        return;
      }
      if (++this.deathsInARow > 2 * this.size + 3) {
        this.broken = `analysis workers keep dying (${why})`;
        for (const w of this.waiting.splice(0)) this.settle(w, crashed(w.msg, this.broken));
      } else this.slots[i] = this.spawn();
      if (job) this.settle(job, crashed(job.msg, `the worker analysing it died (${why})`));
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
      slot.worker.postMessage(job.msg satisfies ToWorker);
    }
    // Busy workers, and starting ones while jobs wait for them, keep the process alive.
    for (const slot of this.slots) {
      if (slot.job || this.waiting.length > 0) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  /** (Re)sets the slot's deadline for a job of which `audioSeconds` are decoded. */
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
   * The job passed its limit: its worker is replaced first (so its exit is not taken for a
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
    this.settle(job, failed(job.msg, "TIMEOUT", `analysis passed its time limit of ${limitSeconds.toFixed(0)} s (${rule}; ${decoded}) and was stopped`));
    this.dispatch();
  }
}

function failed(msg: Job["msg"], code: ErrorCode, why: string): JobAnswer {
  const file = nameOf(msg.input);
  return { type: "done", source: "analysed", outcome: failureOf(file, code, `${file}: ${why}`) };
}

function crashed(msg: Job["msg"], why: string): JobAnswer {
  return failed(msg, "INTERNAL", why);
}
