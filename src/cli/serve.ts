/** `trackprobe serve` (the HTTP API and web page, src/service/server.ts) and `trackprobe worker` (src/service/queue.ts). */
import type { Command } from "commander";
import { CacheDirError, openResultCache, resolveCacheDir } from "../cache/location.js";
import type { ResultCache } from "../cache/store.js";
import { DEFAULT_SECONDS_PER_AUDIO_MINUTE } from "../pool/pool.js";
import { DEFAULT_MAX_QUEUE, DEFAULT_MAX_UPLOAD_BYTES } from "../service/limits.js";
import { onStopRequest } from "./signals.js";
import { UsageError } from "./usage-error.js";

interface ServeFlags {
  host: string;
  port: string;
  jobs: string;
  token?: string;
  corsOrigin?: string;
  maxUploadMb: string;
  maxQueue: string;
  timeout: string;
  cache: boolean;
  cacheDir?: string;
  redis?: string;
}

export const DEFAULT_PORT = 7070;

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("serve the HTTP API and a web page: upload audio, follow the analysis, read the result")
    .option("--host <host>", "address to listen on (127.0.0.1: this machine only; 0.0.0.0: every interface)", "127.0.0.1")
    .option("--port <port>", "port to listen on (0: any free port, printed at start)", String(DEFAULT_PORT))
    .option("-j, --jobs <n>", "analyses at a time (worker threads; with --redis the workers do the analyses)", "1")
    .option("--redis <url>", "put jobs on the BullMQ queue in this Redis (redis://host:port) for `trackprobe worker` processes on any machines")
    .option("--token <token>", "require `Authorization: Bearer TOKEN` on /v1 requests (default: $TRACKPROBE_TOKEN; none: no authentication)")
    .option("--cors-origin <origins>", "comma-separated origins allowed to call the API from a browser (default: same origin only)")
    .option("--max-upload-mb <mb>", "largest upload, MB (larger: 413)", String(DEFAULT_MAX_UPLOAD_BYTES / 2 ** 20))
    .option("--max-queue <n>", "jobs queued or running at most (more: 429 with Retry-After)", String(DEFAULT_MAX_QUEUE))
    .option("--timeout <seconds>", "time limit per minute of audio; a job past it is stopped (TIMEOUT)", String(DEFAULT_SECONDS_PER_AUDIO_MINUTE))
    .option("--no-cache", "neither read nor write the result cache")
    .option("--cache-dir <dir>", "result cache folder (default: as for analyze and scan)")
    .addHelpText(
      "after",
      `
Endpoints: POST /v1/analyses (the audio as the body, or multipart), GET /v1/analyses/ID,
GET /v1/analyses/ID/events (Server-Sent Events), GET /v1/audio-features/ID (Spotify's shape),
/healthz, /metrics (Prometheus), /openapi.json, and the web page at /.

Examples:
  trackprobe serve                               # http://127.0.0.1:${DEFAULT_PORT}/
  curl --data-binary @song.mp3 'http://127.0.0.1:${DEFAULT_PORT}/v1/analyses?name=song.mp3'
  TRACKPROBE_TOKEN=secret trackprobe serve --host 0.0.0.0 -j 4
  trackprobe serve --redis redis://127.0.0.1:6379      # and on each machine that analyses:
  trackprobe worker --redis redis://127.0.0.1:6379 -j 4`,
    )
    .action(async (flags: ServeFlags) => {
      process.exitCode = await runServe(flags);
    });
}

const positive = (text: string, option: string, min = 1): number => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`${option} must be a number ≥ ${min}, got "${text}"`);
  return n;
};

async function runServe(flags: ServeFlags): Promise<number> {
  const port = positive(flags.port, "--port", 0);
  if (!Number.isInteger(port) || port > 65535) throw new UsageError(`--port must be 0..65535, got "${flags.port}"`);
  const jobs = Math.floor(positive(flags.jobs, "--jobs"));
  const maxUploadBytes = Math.floor(positive(flags.maxUploadMb, "--max-upload-mb", 0.001) * 2 ** 20);
  const maxQueue = Math.floor(positive(flags.maxQueue, "--max-queue"));
  const secondsPerAudioMinute = positive(flags.timeout, "--timeout", 0.001);
  const token = flags.token ?? process.env.TRACKPROBE_TOKEN ?? undefined;
  let cache: ResultCache | null = null;
  if (flags.cache) {
    try {
      cache = openResultCache(resolveCacheDir(flags.cacheDir));
    } catch (e) {
      if (flags.cacheDir !== undefined || !(e instanceof CacheDirError)) throw e;
      process.stderr.write(`trackprobe: result cache not used: ${e.message}\n`);
    }
  }
  // loaded here, not at start-up: every other command would pay for fastify, BullMQ and ioredis
  const { createService } = await import("../service/server.js");
  const service = await createService({
    jobs,
    cache,
    token: token || undefined,
    corsOrigins: flags.corsOrigin?.split(",").map((s) => s.trim()).filter(Boolean),
    maxUploadBytes,
    maxQueue,
    secondsPerAudioMinute,
    redisUrl: flags.redis,
  });
  let address: string;
  try {
    address = await service.app.listen({ host: flags.host, port });
  } catch (e) {
    await service.close();
    throw new UsageError(`cannot listen on ${flags.host}:${port}: ${(e as Error).message}`);
  }
  const analysing = flags.redis ? `jobs on the queue at ${flags.redis}` : `${jobs} worker${jobs > 1 ? "s" : ""}`;
  process.stderr.write(`trackprobe: serving on ${address}/ (${analysing}${token ? ", token required" : ""}${cache ? `, cache ${cache.path}` : ", no cache"}); Ctrl-C stops\n`);
  await stopRequested();
  process.stderr.write("trackprobe: stopping\n");
  await service.close();
  return 0;
}

const stopRequested = () =>
  new Promise<void>((resolve) => {
    const off = onStopRequest(() => {
      off();
      resolve();
    });
  });

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("analyse the jobs `trackprobe serve --redis URL` queues (run on any number of machines)")
    .requiredOption("--redis <url>", "the Redis the server queues on (redis://host:port)")
    .option("-j, --jobs <n>", "analyses at a time on this machine (worker threads)", "1")
    .option("--timeout <seconds>", "time limit per minute of audio; a job past it fails with TIMEOUT", String(DEFAULT_SECONDS_PER_AUDIO_MINUTE))
    .addHelpText(
      "after",
      `
The worker reads each job's audio from Redis (no shared file system), analyses it, and returns
the result to the server, which caches it. A worker that dies mid-job loses nothing: after about
10 s the job goes back to the queue and another worker takes it. Ctrl-C finishes the jobs in hand.`,
    )
    .action(async (flags: { redis: string; jobs: string; timeout: string }) => {
      const jobs = Math.floor(positive(flags.jobs, "--jobs"));
      const { QueueWorker } = await import("../service/queue.js");
      const worker = await QueueWorker.start(flags.redis, { jobs, secondsPerAudioMinute: positive(flags.timeout, "--timeout", 0.001) });
      process.stderr.write(`trackprobe: worker on ${flags.redis}, ${jobs} analysis${jobs > 1 ? "es" : ""} at a time; Ctrl-C stops\n`);
      await stopRequested();
      process.stderr.write("trackprobe: worker stopping (finishing the jobs in hand)\n");
      await worker.close();
      process.exitCode = 0;
    });
}
