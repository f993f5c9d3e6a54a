/**
 * The distributed service: `serve --redis` with `trackprobe worker` processes on a Redis the test
 * starts on a loopback port (Debian's redis-server; `.ci/run` installs it). A worker killed with
 * -9 mid-job loses nothing (the job goes back to the queue and the other worker does it); a server
 * restart loses no queued job; every job is done once, with the right result, and cached.
 * Truth: the demo track (120 BPM, A minor) at different lengths (different content hashes).
 * Skipped, saying why, where redis-server is not installed.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { ResultCache } from "../src/cache/store.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { Queue } from "bullmq";
import { QUEUE_NAME } from "../src/service/queue.js";
import { createService, type Service } from "../src/service/server.js";
import { tempDir } from "./signals/files.js";
import { CLI_MAIN } from "./support/cli.js";

const hasRedis = spawnSync("redis-server", ["--version"]).status === 0;
const skip = hasRedis ? false : "redis-server is not installed (apt-get install redis-server)";

const demo = (seconds: number) => Buffer.from(encodeWavFloat32([renderDemoTrack(seconds, 22050, 120)[0]], 22050));

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });

/** Starts a program and resolves when its output shows `ready`. */
function startProcess(cmd: string, args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    const see = (d: Buffer) => {
      out += d;
      if (ready.test(out)) resolve(p);
    };
    p.stdout?.on("data", see);
    p.stderr?.on("data", see);
    p.on("exit", (code) => reject(new Error(`${cmd} exited (${code}) before it was ready: ${out}`)));
  });
}

const startWorker = (redisUrl: string) => startProcess(process.execPath, ["--import", "tsx", CLI_MAIN, "worker", "--redis", redisUrl], /worker on /);

async function waitFor<T>(what: string, get: () => Promise<T | undefined>, seconds = 90): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("serve --redis with workers on the queue", { skip, timeout: 240_000 }, () => {
  const { dir, cleanup } = tempDir();
  let redis: ChildProcess | undefined;
  let redisUrl = "";
  const workers: ChildProcess[] = [];
  let service: Service | undefined;
  let url = "";

  const startService = async () => {
    service = await createService({ redisUrl, cache: ResultCache.open(join(dir, "cache")) });
    url = await service.app.listen({ host: "127.0.0.1", port: 0 });
  };
  const post = async (seconds: number, name: string) => {
    const res = await fetch(`${url}/v1/analyses?name=${name}&features=tempo,key`, { method: "POST", body: demo(seconds) });
    assert.equal(res.status, 202);
    return (await res.json()).id as string;
  };
  const finished = (id: string) =>
    waitFor(`job ${id}`, async () => {
      const j = await (await fetch(`${url}/v1/analyses/${id}`)).json();
      return j.status === "done" || j.status === "failed" ? j : undefined;
    });
  const checkDone = (j: { status: string; result?: { tempo: { bpm: number }; key: { name: string } } }, name: string) => {
    assert.equal(j.status, "done", `${name}: ${JSON.stringify(j).slice(0, 300)}`);
    assert.ok(Math.abs((j.result?.tempo.bpm ?? 0) / 120 - 1) < 0.01, `${name} tempo`);
    assert.equal(j.result?.key.name, "A minor", `${name} key`);
  };

  before(async () => {
    const port = await freePort();
    redisUrl = `redis://127.0.0.1:${port}`;
    redis = await startProcess("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], /Ready to accept connections/);
    await startService();
  });
  after(async () => {
    for (const w of workers) w.kill("SIGKILL");
    await service?.close();
    redis?.kill("SIGKILL");
    cleanup();
  });

  it("a worker killed with -9 mid-job loses nothing: the other worker does its job; every job is done once", async () => {
    const a = await startWorker(redisUrl);
    workers.push(a);
    // one long job first: its first preview says the only worker is in the middle of it
    const ids = [await post(400, "one.wav")];
    const events = await fetch(`${url}/v1/analyses/${ids[0]}/events`);
    const reader = events.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    let seen = "";
    while (!seen.includes("event: preview")) seen += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.ok(!seen.includes("event: final"), "killed before the job ended");
    a.kill("SIGKILL");
    ids.push(await post(201, "two.wav"), await post(202, "three.wav"));
    workers.push(await startWorker(redisUrl));
    const jobs = await Promise.all(ids.map(finished));
    jobs.forEach((j, i) => checkDone(j, ids[i]));
    // the first job lost its worker once and was started twice; the others once
    const queue = new Queue(QUEUE_NAME, { connection: { url: redisUrl } });
    try {
      const counts = await Promise.all(ids.map(async (id) => {
        const j = await queue.getJob(id);
        return [j?.stalledCounter, j?.attemptsStarted];
      }));
      assert.deepEqual(counts, [[1, 2], [0, 1], [0, 1]]);
    } finally {
      await queue.close();
    }
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /trackprobe_jobs_total\{outcome="analysed"\} 3\n/, "three jobs answered, each once");
    // the results are in the server's cache: the same bytes again are answered at once
    const again = await fetch(`${url}/v1/analyses?features=tempo,key`, { method: "POST", body: demo(400) });
    assert.equal(again.status, 200);
    assert.equal((await again.json()).cached, true);
  });

  it("a file that fails is reported once, not retried", async () => {
    const bad = Buffer.alloc(4096); // a WAV header that declares no channels: the analysis fails
    bad.write("RIFF", 0);
    bad.writeUInt32LE(4088, 4);
    bad.write("WAVEfmt ", 8);
    bad.writeUInt32LE(16, 16);
    bad.writeUInt16LE(1, 20);
    bad.writeUInt32LE(44100, 24);
    const res = await fetch(`${url}/v1/analyses?name=bad.wav`, { method: "POST", body: bad });
    assert.equal(res.status, 202);
    const { id } = await res.json();
    const job = await finished(id);
    assert.deepEqual([job.status, job.error.code], ["failed", "UNSUPPORTED_FORMAT"]);
    const queue = new Queue(QUEUE_NAME, { connection: { url: redisUrl } });
    try {
      assert.equal((await queue.getJob(id))?.attemptsStarted, 1);
    } finally {
      await queue.close();
    }
  });

  it("a server restart loses no queued job: the new server finds them by id and caches their results", async () => {
    const ids = [await post(150, "four.wav"), await post(151, "five.wav")];
    await service?.close();
    service = undefined;
    await new Promise((r) => setTimeout(r, 500));
    await startService();
    const jobs = await Promise.all(ids.map(finished));
    jobs.forEach((j, i) => checkDone(j, ids[i]));
    assert.deepEqual(jobs.map((j) => j.file), ["four.wav", "five.wav"]);
    const again = await fetch(`${url}/v1/analyses?features=tempo,key`, { method: "POST", body: demo(151) });
    assert.equal((await again.json()).cached, true);
    const health = await (await fetch(`${url}/healthz`)).json();
    assert.deepEqual([health.mode, health.queue], ["queue", 0]);
  });
});
