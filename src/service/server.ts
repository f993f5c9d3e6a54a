/**
 * `trackprobe serve`: analysis over HTTP (fastify), on the analysis pool, through the result
 * cache. Uploads stream to a private temporary folder, hashed as they arrive; the same content
 * with the same options is answered from the cache at once; otherwise a job runs on the pool and
 * its events (queued → progress → preview → final) can be followed as Server-Sent Events.
 * Endpoints: docs/service.md and /openapi.json.
 */
import { promises as fs } from "node:fs";
import { timingSafeEqual } from "node:crypto";
import type { Readable } from "node:stream";
import cors from "@fastify/cors";
import multipart from "@fastify/multipart";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { AVAILABLE_FEATURES, parseFeatureList, resolveModel } from "../analyzers/registry.js";
import { parseBpmRange } from "../analyzers/tempo.js";
import { engineKey } from "../cache/fingerprint.js";
import { isCacheable, optionsKey, outcomeOf, type ResultCache } from "../cache/store.js";
import { sniffFile } from "../library/walk.js";
import { analyzerOptions } from "../pipeline/analyze.js";
import { AnalysisPool } from "../pool/pool.js";
import { type Analysis, type AnalysisOutcome, failureOf, TrackprobeError } from "../result.js";
import { makeTempDir } from "../temp-files.js";
import { audioFeaturesOf } from "./audio-features.js";
import { type Job, JobStore, type ServiceEvent } from "./jobs.js";
import { DEFAULT_MAX_QUEUE, DEFAULT_MAX_UPLOAD_BYTES } from "./limits.js";
import { openApiDocument } from "./openapi.js";
import { QueueRunner } from "./queue.js";
import { UploadTooLarge, receiveUpload } from "./upload.js";
import { webPage } from "./web-page.js";

export interface ServiceOptions {
  /** Worker threads analysing (default: 1). */
  jobs?: number;
  /** The result cache (null: none). The service owns it from here on and closes it. */
  cache?: ResultCache | null;
  /** Bearer token every /v1 request must carry; undefined: no authentication. */
  token?: string;
  /** Origins allowed to call the API from a browser (CORS); empty: same origin only. */
  corsOrigins?: string[];
  /** Largest upload, bytes (default 1 GiB). */
  maxUploadBytes?: number;
  /** Jobs queued or running at most; more are answered 429 (default 64). */
  maxQueue?: number;
  /** Analysis time limit, seconds per minute of audio (the pool's watchdog). */
  secondsPerAudioMinute?: number | null;
  /**
   * Redis URL: jobs go on the BullMQ queue there, for `trackprobe worker` processes on any
   * machines (queue.ts); undefined: analysed here, on this process's own pool.
   */
  redisUrl?: string;
}

/** What a 429 asks the client to wait, seconds. */
const RETRY_AFTER_SECONDS = 5;
/** A comment line on idle event streams, so proxies keep them open. */
const SSE_HEARTBEAT_MS = 15_000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface Service {
  app: FastifyInstance;
  /** Stops taking requests, aborts running jobs, removes the temporary folder, closes the cache. */
  close(): Promise<void>;
}

export async function createService(o: ServiceOptions = {}): Promise<Service> {
  const maxUpload = o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const maxQueue = o.maxQueue ?? DEFAULT_MAX_QUEUE;
  const cache = o.cache ?? null;
  const uploads = await makeTempDir("uploads");
  const store = new JobStore();
  const engine = engineKey();

  const registry = new Registry();
  const jobsTotal = new Counter({ name: "trackprobe_jobs_total", help: "Analyses answered, by how", labelNames: ["outcome"], registers: [registry] });
  const failures = new Counter({ name: "trackprobe_job_failures_total", help: "Failed analyses, by error code", labelNames: ["code"], registers: [registry] });
  const duration = new Histogram({
    name: "trackprobe_job_duration_seconds",
    help: "Time from upload to result of analysed jobs",
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [registry],
  });
  const uploadBytes = new Counter({ name: "trackprobe_upload_bytes_total", help: "Bytes received in uploads", registers: [registry] });

  /** A job's outcome, from this process's pool or from a queue worker: cached, counted, reported. */
  const complete = (id: string, name: string, hash: string, opts: string, outcome: AnalysisOutcome) => {
    if (cache && isCacheable(outcome)) cache.put(hash, engine, opts, outcome);
    if ("error" in outcome) failures.inc({ code: outcome.error.code });
    jobsTotal.inc({ outcome: "error" in outcome ? "failed" : "analysed" });
    const job = store.get(id);
    if (!job || job.status === "done" || job.status === "failed") return;
    duration.observe((Date.now() - job.createdAt) / 1000);
    store.finish(job, outcome);
  };
  const queue = o.redisUrl
    ? await QueueRunner.connect(o.redisUrl, {
        progress: (id, p) => {
          const job = store.get(id);
          if (job) store.emit(job, p.type === "progress" ? { event: "progress", data: { audioSeconds: p.audioSeconds } } : { event: "preview", data: p.preview });
        },
        completed: (id, data, outcome) => complete(id, data.name, data.hash, data.optionsKey, outcome),
      })
    : null;
  const pool = queue ? null : new AnalysisPool({ size: o.jobs ?? 1, setup: { cacheDir: null }, secondsPerAudioMinute: o.secondsPerAudioMinute });
  const active = async () => (queue ? await queue.active() : store.active);
  const workers = async () => (queue ? await queue.workers() : (pool as AnalysisPool).size);

  /** The job by id: this process's, or (with a queue) one queued before a restart, adopted. */
  const jobOf = async (req: FastifyRequest): Promise<Job> => {
    const id = (req.params as { id: string }).id;
    const known = store.get(id);
    if (known) return known;
    const found = /^[0-9a-f-]{36}$/.test(id) ? await queue?.lookup(id) : null;
    if (!found) throw new HttpError(404, "NOT_FOUND", "no such analysis (finished jobs are kept for the last 1,000, and a day in a queue)");
    const job = store.create(found.data.name, id);
    // finished while no server listened (a restart): cache it now, as its completion would have
    if (found.outcome) complete(id, found.data.name, found.data.hash, found.data.optionsKey, found.outcome);
    else if (found.state === "active") job.status = "running";
    return job;
  };

  new Gauge({ name: "trackprobe_queue_depth", help: "Jobs queued or running", registers: [registry], async collect() { this.set(await active()); } });
  new Gauge({ name: "trackprobe_workers", help: "Analysis workers (threads here; worker processes with a queue)", registers: [registry], async collect() { this.set(await workers()); } });

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // Audio bodies are streamed by the handler; multipart has its own parser.
  app.removeAllContentTypeParsers();
  await app.register(multipart, { limits: { fileSize: maxUpload, files: 1, fields: 10 } });
  app.addContentTypeParser("*", (_req, _payload, done) => done(null));
  if (o.corsOrigins?.length) await app.register(cors, { origin: o.corsOrigins, exposedHeaders: ["Location", "Retry-After"] });

  const token = o.token ? Buffer.from(o.token) : null;
  app.addHook("onRequest", async (req, reply) => {
    if (!token || !req.url.startsWith("/v1/")) return;
    const header = req.headers.authorization;
    const given = header?.startsWith("Bearer ") ? header.slice(7) : (req.query as Record<string, string | undefined>).access_token;
    const g = Buffer.from(given ?? "");
    if (g.length !== token.length || !timingSafeEqual(g, token)) {
      reply.header("WWW-Authenticate", 'Bearer realm="trackprobe"');
      return sendError(reply, new HttpError(401, "UNAUTHORIZED", "a valid bearer token is required"));
    }
  });

  app.setErrorHandler((e, _req, reply) => {
    if (e instanceof HttpError) return sendError(reply, e);
    const err = e as { statusCode?: number; code?: string; message: string };
    if (err.code === "FST_REQ_FILE_TOO_LARGE") return sendError(reply, new HttpError(413, "TOO_LARGE", `the upload is larger than the limit of ${maxUpload} bytes`));
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return sendError(reply, new HttpError(status, status === 500 ? "INTERNAL" : (err.code ?? "BAD_REQUEST"), err.message));
  });

  app.setNotFoundHandler((req, reply) => sendError(reply, new HttpError(404, "NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`)));

  app.get("/", async (_req, reply) => reply.type("text/html; charset=utf-8").send(webPage()));
  app.get("/healthz", async () => ({ status: "ok", mode: queue ? "queue" : "local", workers: await workers(), queue: await active() }));
  app.get("/metrics", async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.get("/openapi.json", async () => openApiDocument());

  app.post("/v1/analyses", async (req, reply) => {
    const q = req.query as Record<string, string | undefined>;
    // the model is resolved here ("auto" → what this server can run), so the cache key and the queue say which
    const { features, bpmRange, model } = badRequestOn(() => ({
      features: parseFeatureList(q.features),
      bpmRange: q.bpm_range === undefined ? undefined : parseBpmRange(q.bpm_range),
      model: resolveModel(q.model),
    }));
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxUpload) throw new HttpError(413, "TOO_LARGE", `the upload is larger than the limit of ${maxUpload} bytes`);
    if ((await active()) >= maxQueue) {
      reply.header("Retry-After", String(RETRY_AFTER_SECONDS));
      throw new HttpError(429, "BUSY", `the queue is full (${maxQueue} jobs); try again in ${RETRY_AFTER_SECONDS} s`);
    }
    const { body, name } = await uploadOf(req, q.name);
    let upload: Awaited<ReturnType<typeof receiveUpload>>;
    try {
      upload = await receiveUpload(body, uploads, maxUpload);
    } catch (e) {
      if (e instanceof UploadTooLarge) throw new HttpError(413, "TOO_LARGE", e.message);
      throw e;
    }
    uploadBytes.inc(upload.bytes);
    const sniffed = await sniffFile(upload.path);
    if (sniffed.kind !== "audio") {
      await fs.rm(upload.path, { force: true });
      const what = sniffed.kind === "empty" ? "the upload is empty" : sniffed.kind === "text" ? "this is text, not audio" : "not a recognised audio format";
      throw new HttpError(sniffed.kind === "empty" ? 400 : 415, sniffed.kind === "empty" ? "EMPTY" : "UNSUPPORTED_FORMAT", what, { sniffed: sniffed.kind });
    }
    const opts = optionsKey(features ?? AVAILABLE_FEATURES, analyzerOptions({ bpmRange, model }));
    const entry = cache?.entry(upload.hash, engine, opts);
    if (entry) {
      await fs.rm(upload.path, { force: true });
      const job = store.create(name);
      store.finish(job, outcomeOf(entry, name), true);
      jobsTotal.inc({ outcome: "cached" });
      return reply.code(200).send(jobView(job));
    }
    const job = store.create(name);
    if (queue) {
      try {
        await queue.submit(job.id, upload.path, { name, features, bpmRange, model, hash: upload.hash, optionsKey: opts });
      } finally {
        await fs.rm(upload.path, { force: true });
      }
    } else {
      void (async () => {
        const answer = await (pool as AnalysisPool)
          .run(
            { path: upload.path, name },
            { features, bpmRange, model },
            {
              onProgress: (audioSeconds) => store.emit(job, { event: "progress", data: { audioSeconds } }),
              onPreview: (preview) => store.emit(job, { event: "preview", data: preview }),
            },
          )
          .finally(() => fs.rm(upload.path, { force: true })); // gone before the job is reported done
        if (answer.type === "done") complete(job.id, name, upload.hash, opts, answer.outcome);
        else store.finish(job, failureOf(name, "INTERNAL", `${name}: the service stopped before the analysis ended`));
      })();
    }
    reply.header("Location", `/v1/analyses/${job.id}`);
    return reply.code(202).send(jobView(job));
  });

  app.get("/v1/analyses/:id", async (req) => jobView(await jobOf(req)));

  app.get("/v1/analyses/:id/events", async (req, reply) => {
    const job = await jobOf(req);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      ...corsHeaders(req, o.corsOrigins),
    });
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), SSE_HEARTBEAT_MS);
    let stop = () => {};
    const end = () => {
      clearInterval(heartbeat);
      stop();
      res.end();
    };
    const send = (e: ServiceEvent) => {
      res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`);
      if (e.event === "final") queueMicrotask(end);
    };
    stop = store.follow(job, send);
    req.raw.on("close", end);
  });

  app.get("/v1/audio-features/:id", async (req) => {
    const job = await jobOf(req);
    if (job.status === "queued" || job.status === "running") throw new HttpError(409, "NOT_FINISHED", `the analysis is ${job.status}`, { status: job.status });
    const outcome = job.outcome as Analysis | { error: { code: string; message: string } };
    if ("error" in outcome) throw new HttpError(422, outcome.error.code, outcome.error.message);
    return audioFeaturesOf(job.id, outcome);
  });

  await app.ready();
  return {
    app,
    async close() {
      pool?.abort();
      await app.close();
      await pool?.close();
      await queue?.close();
      cache?.close();
      await fs.rm(uploads, { recursive: true, force: true });
    },
  };
}

function sendError(reply: FastifyReply, e: HttpError) {
  // An answer before the body was read (413, 429, 401): the connection cannot carry another request.
  if (!reply.request.raw.complete) reply.header("connection", "close");
  return reply.code(e.status).type("application/json").send({ error: { code: e.code, message: e.message, ...e.extra } });
}

function jobView(job: Job) {
  const outcome = job.outcome;
  return {
    id: job.id,
    status: job.status,
    file: job.name,
    cached: job.cached,
    createdAt: new Date(job.createdAt).toISOString(),
    ...(job.finishedAt ? { finishedAt: new Date(job.finishedAt).toISOString() } : {}),
    ...(outcome && !("error" in outcome) ? { result: outcome } : {}),
    ...(outcome && "error" in outcome ? { error: outcome.error } : {}),
  };
}

/** The audio stream and the name to report: the first file of a multipart body, or the raw body. */
async function uploadOf(req: FastifyRequest, nameParam: string | undefined): Promise<{ body: Readable; name: string }> {
  if (req.isMultipart()) {
    const file = await req.file();
    if (!file) throw new HttpError(400, "NO_FILE", "the multipart body has no file part");
    return { body: file.file, name: safeName(file.filename) };
  }
  return { body: req.raw, name: safeName(nameParam) };
}

/** A client's file name, as a label only: its last path segment, printable, at most 200 characters. */
function safeName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop()?.replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, 200);
  return base || "upload";
}

/** Options parsed from a request: a BAD_OPTION is the client's mistake (400). */
function badRequestOn<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof TrackprobeError) throw new HttpError(400, "BAD_OPTION", e.message);
    throw e;
  }
}

/** CORS headers for a hijacked (event-stream) response, which the CORS plugin does not see. */
function corsHeaders(req: FastifyRequest, origins: string[] | undefined): Record<string, string> {
  const origin = req.headers.origin;
  return origin && origins?.includes(origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : {};
}
