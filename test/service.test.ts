/**
 * `trackprobe serve` (src/service/server.ts) over real HTTP on 127.0.0.1: upload (raw and
 * multipart), the event stream (queued → preview → final), the job, the Spotify-shaped features,
 * the cache by content, limits (413, 415, 429), auth, the OpenAPI document, metrics, and that an
 * upload's name never becomes a path. Truth: the demo track (120 BPM, A minor, 4/4).
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { ResultCache } from "../src/cache/store.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { createService, type Service, type ServiceOptions } from "../src/service/server.js";
import { tempDir } from "./signals/files.js";

const demo = (seconds: number) => Buffer.from(encodeWavFloat32([renderDemoTrack(seconds, 22050, 120)[0]], 22050));
const wav70 = demo(70);

async function start(o: ServiceOptions = {}): Promise<{ service: Service; url: string }> {
  const service = await createService({ jobs: 1, ...o });
  const url = await service.app.listen({ host: "127.0.0.1", port: 0 });
  return { service, url };
}

/** The events of a Server-Sent Events response, until the server ends it. */
async function events(res: Response): Promise<{ event: string; data: any }[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((b) => b.startsWith("event:"))
    .map((b) => {
      const [e, d] = b.split("\n");
      return { event: e.slice(7), data: JSON.parse(d.slice(6)) };
    });
}

describe("trackprobe serve", () => {
  const { dir, cleanup } = tempDir();
  let svc: { service: Service; url: string };
  before(async () => {
    svc = await start({ cache: ResultCache.open(join(dir, "cache")) });
  });
  after(async () => {
    await svc.service.close();
    cleanup();
  });

  let id = "";
  it("POST raw audio: 202 and a Location; the events go queued → preview → final, with the result", async () => {
    const res = await fetch(`${svc.url}/v1/analyses?name=demo.wav`, { method: "POST", body: wav70, headers: { "content-type": "audio/wav" } });
    assert.equal(res.status, 202);
    const job = await res.json();
    id = job.id;
    assert.equal(res.headers.get("location"), `/v1/analyses/${id}`);
    assert.equal(job.status, "queued");
    assert.equal(job.file, "demo.wav");
    const es = await fetch(`${svc.url}/v1/analyses/${id}/events`);
    assert.match(es.headers.get("content-type") ?? "", /^text\/event-stream/);
    const seq = (await events(es)).map((e) => e.event).filter((e) => e !== "progress");
    assert.deepEqual(seq, ["queued", "preview", "preview", "final"]);
  });

  it("GET the job: done, with the analysis; the features in Spotify's shape", async () => {
    const job = await (await fetch(`${svc.url}/v1/analyses/${id}`)).json();
    assert.equal(job.status, "done");
    assert.equal(job.result.key.name, "A minor");
    assert.ok(Math.abs(job.result.tempo.bpm / 120 - 1) < 0.01);
    const f = await (await fetch(`${svc.url}/v1/audio-features/${id}`)).json();
    assert.deepEqual(
      { key: f.key, mode: f.mode, time_signature: f.time_signature, duration_ms: f.duration_ms, type: f.type, valence: f.valence },
      { key: 9, mode: 0, time_signature: 4, duration_ms: 70000, type: "audio_features", valence: null },
    );
    assert.ok(Math.abs(f.tempo - 120) < 1.2 && f.loudness < 0 && f.danceability > 0 && f.energy > 0);
  });

  it("the same content again (multipart this time) is answered from the cache at once: 200", async () => {
    const form = new FormData();
    form.append("file", new Blob([wav70]), "again.wav");
    const res = await fetch(`${svc.url}/v1/analyses`, { method: "POST", body: form });
    assert.equal(res.status, 200);
    const job = await res.json();
    assert.deepEqual([job.status, job.cached, job.file, job.result.key.name], ["done", true, "again.wav", "A minor"]);
    const es = (await events(await fetch(`${svc.url}/v1/analyses/${job.id}/events`))).map((e) => e.event);
    assert.deepEqual(es, ["queued", "final"]);
  });

  it("text is 415 with what it looked like; an empty body 400; bad options 400; an unknown job 404", async () => {
    const text = await fetch(`${svc.url}/v1/analyses`, { method: "POST", body: "hello, this is not audio at all\n".repeat(20) });
    assert.equal(text.status, 415);
    assert.deepEqual((await text.json()).error.sniffed, "text");
    assert.equal((await fetch(`${svc.url}/v1/analyses`, { method: "POST", body: "" })).status, 400);
    const bad = await fetch(`${svc.url}/v1/analyses?features=tempo,colour`, { method: "POST", body: wav70 });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /unknown feature "colour"/);
    assert.equal((await fetch(`${svc.url}/v1/analyses?bpm_range=200-100`, { method: "POST", body: wav70 })).status, 400);
    assert.equal((await fetch(`${svc.url}/v1/analyses/00000000-0000-0000-0000-000000000000`)).status, 404);
  });

  it("an upload's name is only a label: a path in it is cut to its last part, and uploads leave nothing behind", async () => {
    const res = await fetch(`${svc.url}/v1/analyses?name=${encodeURIComponent("../../etc/passwd")}&features=loudness`, { method: "POST", body: demo(3) });
    const job = await res.json();
    assert.equal(job.file, "passwd");
    await events(await fetch(`${svc.url}/v1/analyses/${job.id}/events`));
    const done = await (await fetch(`${svc.url}/v1/analyses/${job.id}`)).json();
    assert.equal(done.result.file, "passwd");
    const leftovers = readdirSync(tmpdir()).filter((n) => n.startsWith(`trackprobe-uploads-${process.pid}-`)).flatMap((d) => readdirSync(join(tmpdir(), d)));
    assert.deepEqual(leftovers, []);
  });

  it("/healthz, /metrics (Prometheus) and /openapi.json (every route documented)", async () => {
    assert.deepEqual(await (await fetch(`${svc.url}/healthz`)).json(), { status: "ok", mode: "local", workers: 1, queue: 0 });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    assert.match(metrics, /trackprobe_jobs_total\{outcome="analysed"\} 2/);
    assert.match(metrics, /trackprobe_jobs_total\{outcome="cached"\} 1/);
    assert.match(metrics, /trackprobe_queue_depth 0/);
    const doc = await (await fetch(`${svc.url}/openapi.json`)).json();
    assert.equal(doc.openapi, "3.1.0");
    const routes = svc.service.app.printRoutes({ commonPrefix: false });
    for (const path of ["/v1/analyses", "/v1/analyses/{id}", "/v1/analyses/{id}/events", "/v1/audio-features/{id}", "/healthz", "/metrics", "/openapi.json", "/"]) {
      assert.ok(doc.paths[path], `${path} documented`);
      assert.ok(routes.includes(path.replace(/\{id\}/, ":id").split("/").pop() as string), `${path} routed`);
    }
  });

  it("the web page is served at /", async () => {
    const res = await fetch(`${svc.url}/`);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await res.text(), /Drop an audio file here/);
  });
});

describe("trackprobe serve: limits and auth", () => {
  it("a body over the upload limit is 413, whether its length is declared or not", async () => {
    const s = await start({ maxUploadBytes: 100_000 });
    try {
      const declared = await fetch(`${s.url}/v1/analyses`, { method: "POST", body: demo(10) });
      assert.equal(declared.status, 413);
      const chunks = demo(10);
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < chunks.length; i += 16384) c.enqueue(chunks.subarray(i, i + 16384));
          c.close();
        },
      });
      const streamed = await fetch(`${s.url}/v1/analyses`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
      assert.equal(streamed.status, 413);
      assert.equal((await streamed.json()).error.code, "TOO_LARGE");
    } finally {
      await s.service.close();
    }
  });

  it("a full queue is 429 with Retry-After", async () => {
    const s = await start({ maxQueue: 1 });
    try {
      const long = demo(240);
      const first = await fetch(`${s.url}/v1/analyses`, { method: "POST", body: long });
      assert.equal(first.status, 202);
      const second = await fetch(`${s.url}/v1/analyses`, { method: "POST", body: long });
      assert.equal(second.status, 429);
      assert.equal(second.headers.get("retry-after"), "5");
      await events(await fetch(`${s.url}/v1/analyses/${(await first.json()).id}/events`));
      assert.equal((await fetch(`${s.url}/v1/analyses`, { method: "POST", body: demo(3) })).status, 202, "room again once the first is done");
    } finally {
      await s.service.close();
    }
  });

  it("with a token: /v1 needs it (header, or access_token for EventSource); health, metrics, the page and the document do not", async () => {
    const s = await start({ token: "s3cret" });
    try {
      const none = await fetch(`${s.url}/v1/analyses`, { method: "POST", body: demo(3) });
      assert.equal(none.status, 401);
      assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal((await fetch(`${s.url}/v1/analyses`, { method: "POST", body: demo(3), headers: { authorization: "Bearer wrong" } })).status, 401);
      const ok = await fetch(`${s.url}/v1/analyses?features=loudness`, { method: "POST", body: demo(3), headers: { authorization: "Bearer s3cret" } });
      assert.equal(ok.status, 202);
      const { id } = await ok.json();
      const es = await fetch(`${s.url}/v1/analyses/${id}/events?access_token=s3cret`);
      assert.equal(es.status, 200);
      assert.equal((await events(es)).at(-1)?.event, "final");
      for (const path of ["/healthz", "/metrics", "/", "/openapi.json"]) assert.equal((await fetch(`${s.url}${path}`)).status, 200, path);
    } finally {
      await s.service.close();
    }
  });

  it("CORS: an allowed origin is answered with Access-Control-Allow-Origin, another is not", async () => {
    const s = await start({ corsOrigins: ["http://app.example"] });
    try {
      const pre = await fetch(`${s.url}/v1/analyses`, { method: "OPTIONS", headers: { origin: "http://app.example", "access-control-request-method": "POST" } });
      assert.equal(pre.headers.get("access-control-allow-origin"), "http://app.example");
      const other = await fetch(`${s.url}/healthz`, { headers: { origin: "http://evil.example" } });
      assert.equal(other.headers.get("access-control-allow-origin"), null);
    } finally {
      await s.service.close();
    }
  });
});

describe("trackprobe serve, the command", () => {
  it("prints where it listens, answers, and stops cleanly on Ctrl-C; bad flags are usage errors", async () => {
    const { spawn } = await import("node:child_process");
    const { CLI_MAIN, runCli } = await import("./support/cli.js");
    const p = spawn(process.execPath, ["--import", "tsx", CLI_MAIN, "serve", "--port", "0", "--no-cache"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const address = await new Promise<string>((resolve, reject) => {
      p.stderr.on("data", (d) => {
        err += d;
        const m = /serving on (http:\/\/127\.0\.0\.1:\d+)\//.exec(err);
        if (m) resolve(m[1]);
      });
      p.on("exit", () => reject(new Error(err)));
    });
    assert.equal((await (await fetch(`${address}/healthz`)).json()).status, "ok");
    const code = await new Promise<number | null>((resolve) => {
      p.on("exit", (c) => resolve(c));
      p.kill("SIGINT");
    });
    assert.equal(code, 0, err);
    assert.equal(runCli(["serve", "--port", "http"]).code, 2);
    assert.equal(runCli(["worker"]).code, 2);
  });
});
