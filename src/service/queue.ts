/**
 * The distributed path of `trackprobe serve --redis URL` and `trackprobe worker --redis URL`, on
 * BullMQ (Redis). The server puts each upload's bytes in Redis under the job's id (with a time to
 * live) and the job on the queue; any number of workers on any machines take jobs, read the bytes
 * from Redis (no shared file system), analyse them on their own analysis pool, report progress and
 * previews through the job's progress, and return the outcome (a result or a failure value) as the
 * job's return value. The server turns completions into cached results and events.
 *
 * Faults: a worker killed mid-job stops renewing its lock; after LOCK_MS BullMQ's stalled-job check
 * puts the job back in the queue and another worker takes it (at most MAX_STALLS times; a file
 * that keeps killing workers then fails, reported, not retried forever). A failed analysis is not
 * an exception: it completes with a failure outcome and is never retried. Queued jobs live in
 * Redis, so a server restart loses none; the restarted server finds earlier jobs by id.
 */
import { promises as fs } from "node:fs";
import { Queue, QueueEvents, Worker, type Job as QueueJob } from "bullmq";
import { Redis } from "ioredis";
import type { AnalysisPreview } from "../pipeline/analyze.js";
import { AnalysisPool } from "../pool/pool.js";
import { type AnalysisOutcome, type BpmRange, type FeatureName, failureOf, type ModelName } from "../result.js";

export const QUEUE_NAME = "trackprobe-analyses";
/** A worker's lock on its job, renewed at half this while it lives. */
export const LOCK_MS = 10_000;
/** How often workers look for jobs whose worker died. */
const STALLED_CHECK_MS = 5_000;
/** Times a job may lose its worker before it fails. */
const MAX_STALLS = 2;
/** How long an upload's bytes wait in Redis for a worker. */
const AUDIO_TTL_SECONDS = 24 * 3600;
/** How long finished jobs stay in Redis (for GET by id after a server restart). */
const KEEP_FINISHED_SECONDS = 24 * 3600;

const audioKey = (id: string) => `trackprobe:audio:${id}`;

/**
 * A Redis connection whose errors (Redis down, restarting) are reported on standard error at most
 * every 10 s instead of as unhandled events; ioredis reconnects by itself.
 */
function connect(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null });
  let lastMs = 0;
  r.on("error", (e: Error) => {
    if (Date.now() - lastMs < 10_000) return;
    lastMs = Date.now();
    process.stderr.write(`trackprobe: redis ${url}: ${e.message} (retrying)\n`);
  });
  return r;
}

/** What a queued job carries (the audio itself is in Redis under audioKey(id)). */
export interface QueuedAnalysis {
  name: string;
  features?: FeatureName[];
  bpmRange?: BpmRange;
  model?: ModelName;
  /** Content hash and options key: where the server files the result in its cache. */
  hash: string;
  optionsKey: string;
}

export type QueueProgress = { type: "progress"; audioSeconds: number } | { type: "preview"; preview: AnalysisPreview };

export interface QueueRunnerEvents {
  progress(id: string, p: QueueProgress): void;
  completed(id: string, data: QueuedAnalysis, outcome: AnalysisOutcome): void;
}

/** The server's side: enqueue, follow, look up. */
export class QueueRunner {
  private readonly queue: Queue;
  private readonly events: QueueEvents;
  private readonly redis: Redis;
  private readonly eventsRedis: Redis;

  private constructor(url: string, on: QueueRunnerEvents) {
    this.redis = connect(url);
    this.eventsRedis = connect(url);
    this.queue = new Queue(QUEUE_NAME, { connection: this.redis });
    this.events = new QueueEvents(QUEUE_NAME, { connection: this.eventsRedis });
    this.events.on("progress", ({ jobId, data }) => on.progress(jobId, data as QueueProgress));
    this.events.on("completed", async ({ jobId, returnvalue }) => {
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      await this.redis.del(audioKey(jobId));
      on.completed(jobId, job.data as QueuedAnalysis, outcomeOf(returnvalue, job.data as QueuedAnalysis));
    });
    this.events.on("failed", async ({ jobId, failedReason }) => {
      const job = await this.queue.getJob(jobId);
      if (!job) return;
      await this.redis.del(audioKey(jobId));
      const data = job.data as QueuedAnalysis;
      on.completed(jobId, data, failureOf(data.name, "INTERNAL", `${data.name}: ${failedReason}`));
    });
  }

  static async connect(url: string, on: QueueRunnerEvents): Promise<QueueRunner> {
    const r = new QueueRunner(url, on);
    await r.queue.waitUntilReady();
    await r.events.waitUntilReady();
    return r;
  }

  async submit(id: string, audioPath: string, data: QueuedAnalysis): Promise<void> {
    await this.redis.set(audioKey(id), await fs.readFile(audioPath), "EX", AUDIO_TTL_SECONDS);
    await this.queue.add("analyse", data, {
      jobId: id,
      attempts: 1,
      removeOnComplete: { age: KEEP_FINISHED_SECONDS },
      removeOnFail: { age: KEEP_FINISHED_SECONDS },
    });
  }

  /** Jobs waiting or running, over every server and worker. */
  async active(): Promise<number> {
    const c = await this.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  workers(): Promise<number> {
    return this.queue.getWorkersCount();
  }

  /** A job this server may not have seen (queued before a restart): its state, and its outcome when finished. */
  async lookup(id: string): Promise<{ data: QueuedAnalysis; state: string; outcome?: AnalysisOutcome } | null> {
    const job = await this.queue.getJob(id);
    if (!job) return null;
    const state = await job.getState();
    const data = job.data as QueuedAnalysis;
    if (state === "completed") return { data, state, outcome: outcomeOf(job.returnvalue, data) };
    if (state === "failed") return { data, state, outcome: failureOf(data.name, "INTERNAL", `${data.name}: ${job.failedReason}`) };
    return { data, state };
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    this.redis.disconnect();
    this.eventsRedis.disconnect();
  }
}

const outcomeOf = (v: unknown, data: QueuedAnalysis): AnalysisOutcome =>
  v && typeof v === "object" && "file" in v ? (v as AnalysisOutcome) : failureOf(data.name, "INTERNAL", `${data.name}: the worker returned no result`);

export interface QueueWorkerOptions {
  /** Analyses at a time on this machine. */
  jobs: number;
  secondsPerAudioMinute?: number | null;
}

/** A worker's side: take jobs, analyse them on a local pool, return outcomes. */
export class QueueWorker {
  private constructor(
    private readonly worker: Worker,
    private readonly pool: AnalysisPool,
    private readonly connections: Redis[],
  ) {}

  static async start(url: string, o: QueueWorkerOptions): Promise<QueueWorker> {
    const redis = connect(url);
    const workerRedis = connect(url);
    const pool = new AnalysisPool({ size: o.jobs, setup: { cacheDir: null }, secondsPerAudioMinute: o.secondsPerAudioMinute });
    const worker = new Worker(
      QUEUE_NAME,
      async (job: QueueJob) => {
        const data = job.data as QueuedAnalysis;
        const bytes = await redis.getBuffer(audioKey(job.id as string));
        if (!bytes) return failureOf(data.name, "UNREADABLE", `${data.name}: the upload is no longer in the queue's store (expired)`);
        const answer = await pool.run(
          { bytes, name: data.name },
          { features: data.features, bpmRange: data.bpmRange, model: data.model },
          {
            onProgress: (audioSeconds) => void job.updateProgress({ type: "progress", audioSeconds } satisfies QueueProgress),
            onPreview: (preview) => void job.updateProgress({ type: "preview", preview } satisfies QueueProgress),
          },
        );
        if (answer.type === "aborted") throw new Error("the worker stopped before the analysis ended");
        return answer.outcome;
      },
      {
        connection: workerRedis,
        concurrency: o.jobs,
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
        maxStalledCount: MAX_STALLS,
      },
    );
    await worker.waitUntilReady();
    return new QueueWorker(worker, pool, [redis, workerRedis]);
  }

  /** Finishes the jobs in hand, then stops. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.pool.close();
    for (const r of this.connections) r.disconnect();
  }
}
