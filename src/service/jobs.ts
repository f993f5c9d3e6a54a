/**
 * The service's analysis jobs, in memory: status, result, and the event log that
 * `GET /v1/analyses/:id/events` replays and then follows (queued → progress → preview → final).
 * Finished jobs are kept for `keepFinished` jobs (oldest dropped first); results also live in the
 * result cache, keyed by content, so a dropped job's audio is answered again at once.
 */
import { randomUUID } from "node:crypto";
import type { AnalysisPreview } from "../pipeline/analyze.js";
import type { AnalysisOutcome } from "../result.js";

export type JobStatus = "queued" | "running" | "done" | "failed";

export type ServiceEvent =
  | { event: "queued"; data: { id: string } }
  | { event: "progress"; data: { audioSeconds: number } }
  | { event: "preview"; data: AnalysisPreview }
  | { event: "final"; data: { status: "done" | "failed"; outcome: AnalysisOutcome } };

export interface Job {
  id: string;
  /** The name the upload gave (never a server path). */
  name: string;
  status: JobStatus;
  /** Whether the result came from the cache (no analysis ran). */
  cached: boolean;
  createdAt: number;
  finishedAt?: number;
  outcome?: AnalysisOutcome;
  /** The log replayed to a late subscriber: the newest progress only, every other event. */
  events: ServiceEvent[];
  listeners: Set<(e: ServiceEvent) => void>;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly finished: string[] = [];

  constructor(private readonly keepFinished = 1000) {}

  /** A new job (`id`: one the queue already knows, e.g. from before a server restart). */
  create(name: string, id: string = randomUUID()): Job {
    const job: Job = { id, name, status: "queued", cached: false, createdAt: Date.now(), events: [], listeners: new Set() };
    this.jobs.set(job.id, job);
    this.emit(job, { event: "queued", data: { id: job.id } });
    return job;
  }

  get(id: string): Job | undefined {
    return this.jobs.get(id);
  }

  /** Jobs queued or running. */
  get active(): number {
    let n = 0;
    for (const j of this.jobs.values()) if (j.status === "queued" || j.status === "running") n++;
    return n;
  }

  emit(job: Job, e: ServiceEvent): void {
    if (e.event === "progress") {
      job.status = "running";
      const i = job.events.findIndex((x) => x.event === "progress");
      if (i >= 0) job.events.splice(i, 1);
    }
    job.events.push(e);
    for (const l of job.listeners) l(e);
  }

  finish(job: Job, outcome: AnalysisOutcome, cached = false): void {
    const failed = "error" in outcome;
    job.status = failed ? "failed" : "done";
    job.cached = cached;
    job.outcome = outcome;
    job.finishedAt = Date.now();
    this.emit(job, { event: "final", data: { status: job.status as "done" | "failed", outcome } });
    job.listeners.clear();
    this.finished.push(job.id);
    while (this.finished.length > this.keepFinished) this.jobs.delete(this.finished.shift() as string);
  }

  /** Replays the job's events to `listener`, then passes on new ones until the final event; returns the unsubscribe. */
  follow(job: Job, listener: (e: ServiceEvent) => void): () => void {
    for (const e of job.events) listener(e);
    if (job.status === "done" || job.status === "failed") return () => {};
    job.listeners.add(listener);
    return () => job.listeners.delete(listener);
  }
}
