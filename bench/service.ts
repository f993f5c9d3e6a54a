/**
 * The service section of `npm run bench` (also runnable alone: `node --import tsx bench/service.ts
 * CLI_MAIN_JS`): trackprobe serve over loopback against `scan` on the same files, in one run.
 *
 *   - throughput: 8 distinct 60-s WAVs uploaded at once to `serve -j 1` and `-j 2` (and to
 *     `serve --redis` with 1 and 2 `worker` processes when redis-server is installed), files/s
 *     from the first upload to the last result, against `scan -j 1` and `-j 2` of the same files
 *     (fresh cache each run);
 *   - latency on the 3.5-minute bench MP3: upload → first preview, upload → result;
 *   - memory under load: 50 uploads of a 10 MB WAV at once to `serve -j 1`; the server's RSS
 *     before, and its peak (VmHWM) after all are answered.
 * Every server and worker is its own process (the CLI as built for the bench), started fresh.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { table } from "./report.js";

const NODE_FLAGS = ["--single-threaded"];

function startNode(cli: string, args: string[], ready: RegExp): Promise<{ p: ChildProcess; out: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...NODE_FLAGS, cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let out = "";
    p.stderr?.on("data", (d) => {
      out += d;
      if (ready.test(out)) resolve({ p, out });
    });
    p.on("exit", (code) => reject(new Error(`${args[0]} exited (${code}): ${out}`)));
  });
}

const stop = (p: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (p.exitCode !== null) return resolve();
    p.on("exit", () => resolve());
    p.kill("SIGTERM");
  });

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

async function serve(cli: string, args: string[]): Promise<{ p: ChildProcess; url: string }> {
  const { p, out } = await startNode(cli, ["serve", "--port", "0", "--no-cache", ...args], /serving on (http:\/\/[^ ]+)\//);
  return { p, url: (/serving on (http:\/\/[^ ]+)\//.exec(out) as RegExpExecArray)[1] };
}

/** Posts a file and resolves with the times (ms since `t0`) of its first preview and its result. */
async function analyse(url: string, body: Buffer, t0: number): Promise<{ preview: number; final: number }> {
  const res = await fetch(`${url}/v1/analyses`, { method: "POST", body: body as Uint8Array<ArrayBuffer> });
  const job = (await res.json()) as { id: string; status: string };
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${JSON.stringify(job).slice(0, 200)}`);
  const es = await fetch(`${url}/v1/analyses/${job.id}/events`);
  const reader = (es.body as ReadableStream<Uint8Array>).getReader();
  let text = "";
  let preview = Number.NaN;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
    if (Number.isNaN(preview) && text.includes("event: preview")) preview = performance.now() - t0;
  }
  if (!text.includes('"status":"done"')) throw new Error(`job ${job.id} did not succeed: ${text.slice(-300)}`);
  return { preview, final: performance.now() - t0 };
}

async function throughput(url: string, files: Buffer[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(files.map((f) => analyse(url, f, t0)));
  return files.length / ((performance.now() - t0) / 1000);
}

function scanRate(cli: string, dir: string, jobs: number, n: number): number {
  const cache = join(tmpdir(), `trackprobe-bench-scan-${process.pid}-${jobs}`);
  rmSync(cache, { recursive: true, force: true });
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [...NODE_FLAGS, cli, "scan", dir, "-j", String(jobs), "--cache-dir", cache, "-q"], { stdio: "ignore" });
  const s = (performance.now() - t0) / 1000;
  rmSync(cache, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`scan -j ${jobs} exited ${r.status}`);
  return n / s;
}

const rssMb = (pid: number, field: "VmRSS" | "VmHWM") => {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

export async function serviceSection(cli: string, longMp3: string | null, log: (s: string) => void = () => {}): Promise<string[]> {
  const dir = join(tmpdir(), `trackprobe-bench-service-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  try {
    // 8 distinct files: the demo track at 8 tempi, 60 s, 22.05 kHz mono WAV (about 5 MB each)
    const files = Array.from({ length: 8 }, (_, i) => {
      const bytes = Buffer.from(encodeWavFloat32([renderDemoTrack(60, 22050, 100 + 5 * i)[0]], 22050));
      writeFileSync(join(dir, `track-${i}.wav`), bytes);
      return bytes;
    });
    const rows: string[][] = [];
    const fps = (x: number) => x.toFixed(2);
    for (const jobs of [1, 2]) {
      log(`bench: service · scan -j ${jobs}`);
      const scan = scanRate(cli, dir, jobs, files.length);
      log(`bench: service · serve -j ${jobs}`);
      const s = await serve(cli, ["-j", String(jobs)]);
      const rate = await throughput(s.url, files);
      await stop(s.p);
      rows.push([`${jobs}`, `serve -j ${jobs}`, fps(rate), fps(scan), (rate / scan).toFixed(2)]);
    }
    const redis = spawnSync("redis-server", ["--version"]).status === 0;
    if (redis) {
      const port = await freePort();
      const r = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
      await new Promise((res) => setTimeout(res, 500));
      const url = `redis://127.0.0.1:${port}`;
      try {
        for (const n of [1, 2]) {
          log(`bench: service · serve --redis with ${n} worker process(es)`);
          const s = await serve(cli, ["--redis", url]);
          const workers = await Promise.all(Array.from({ length: n }, () => startNode(cli, ["worker", "--redis", url], /worker on /)));
          const rate = await throughput(s.url, files);
          await Promise.all([s.p, ...workers.map((w) => w.p)].map(stop));
          const scan = rows[n - 1][3];
          rows.push([`${n}`, `serve --redis, ${n} worker process${n > 1 ? "es" : ""}`, fps(rate), scan, (rate / Number(scan)).toFixed(2)]);
        }
      } finally {
        r.kill("SIGKILL");
      }
    }
    const out = ["## Service", ""];
    out.push("`trackprobe serve` over loopback, 8 distinct 60-s WAVs uploaded at once, files/s from the first upload to the last result; `scan` of the same 8 files in a fresh cache, whole process.", "");
    out.push(...table(["analyses at a time", "service", "service files/s", "scan files/s (same -j)", "service ÷ scan"], rows, (c) => c >= 2), "");
    if (!redis) out.push("(`serve --redis` rows skipped: redis-server is not installed.)", "");

    if (longMp3) {
      log("bench: service · latency on the 3.5-min file");
      const s = await serve(cli, ["-j", "1"]);
      const body = readFileSync(longMp3);
      const lat: { preview: number; final: number }[] = [];
      for (let i = 0; i < 3; i++) lat.push(await analyse(s.url, body, performance.now()));
      await stop(s.p);
      const med = (k: "preview" | "final") => lat.map((l) => l[k]).sort((a, b) => a - b)[1] / 1000;
      out.push("Latency on the 3.5-minute bench MP3 (`serve -j 1`, no cache, median of 3): upload → first preview (tempo, key, loudness of the first 30 s) and upload → result.", "");
      out.push(...table(["file", "first preview s", "result s"], [["3.5 min MP3", med("preview").toFixed(2), med("final").toFixed(2)]], (c) => c >= 1), "");
    }

    log("bench: service · 50 uploads of 10 MB at once");
    const big = Buffer.from(encodeWavFloat32([renderDemoTrack(113, 22050, 120)[0]], 22050));
    const s = await serve(cli, ["-j", "1"]);
    const before = rssMb(s.p.pid as number, "VmRSS");
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 50 }, () => analyse(s.url, big, t0)));
    const wall = (performance.now() - t0) / 1000;
    const peak = rssMb(s.p.pid as number, "VmHWM");
    await stop(s.p);
    out.push(
      `Memory under load: 50 uploads of the same ${(big.length / 2 ** 20).toFixed(1)} MB WAV at once to \`serve -j 1\` (${(50 * big.length / 2 ** 20).toFixed(0)} MB in all; uploads stream to disk, one analysis at a time).`,
      "",
    );
    out.push(...table(["server RSS before MB", "server peak RSS MB", "all 50 answered in s"], [[before.toFixed(0), peak.toFixed(0), wall.toFixed(1)]], () => true), "");
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const cli = process.argv[2];
  if (!cli) {
    console.error("usage: node --import tsx bench/service.ts CLI_MAIN_JS [MP3]");
    process.exit(2);
  }
  console.log((await serviceSection(cli, process.argv[3] ?? null, (s) => console.error(s))).join("\n"));
}
