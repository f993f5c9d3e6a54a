/**
 * Library scan benchmark (not part of `npm test`):
 *
 *   node --import tsx bench/scan.ts [--files 200] [--seconds 25] [--features list]
 *
 * Builds (once; kept in bench/out/scan-lib) a library of short mixed-format files — MP3, FLAC,
 * WAV, Ogg Vorbis and a few M4A (decoded through ffmpeg) — each a different rendering of the
 * demo track, then times with an empty cache `scan -j 1` and `scan -j 2`, and the re-scan of the
 * unchanged library; each run's peak RSS (the whole process, all worker threads) comes from
 * /usr/bin/time -f %M. Uses dist/ when built (`npx tsc`), else the sources through tsx.
 * Goals: -j 2 at least 1.8× -j 1 on 2 cores; re-scan at least 2,000 files/s.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";

const args = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const FILES = Number(arg("files", "200"));
const SECONDS = Number(arg("seconds", "25"));
const FEATURES = arg("features", "");

const root = join(import.meta.dirname, "..");
const out = join(root, "bench", "out");
const lib = join(out, `scan-lib-${FILES}x${SECONDS}s`);

const FORMATS: { ext: string; args: string[]; share: number }[] = [
  { ext: "mp3", args: ["-b:a", "192k"], share: 0.3 },
  { ext: "flac", args: [], share: 0.3 },
  { ext: "wav", args: ["-c:a", "pcm_s16le"], share: 0.2 },
  { ext: "ogg", args: ["-c:a", "libvorbis", "-q:a", "5"], share: 0.15 },
  { ext: "m4a", args: ["-c:a", "aac", "-b:a", "160k"], share: 0.05 },
];

async function buildLibrary(): Promise<void> {
  if (existsSync(join(lib, ".complete"))) return;
  rmSync(lib, { recursive: true, force: true });
  mkdirSync(lib, { recursive: true });
  const jobs: (() => Promise<void>)[] = [];
  let i = 0;
  for (const f of FORMATS) {
    const n = f === FORMATS[FORMATS.length - 1] ? FILES - i : Math.round(FILES * f.share);
    for (let k = 0; k < n; k++, i++) {
      const idx = i;
      const album = join(lib, `album${String(Math.floor(idx / 12)).padStart(2, "0")}`);
      jobs.push(async () => {
        mkdirSync(album, { recursive: true });
        const bpm = 80 + (idx * 80) / FILES;
        const wav = encodeWavFloat32(renderDemoTrack(SECONDS, 44100, bpm), 44100);
        const dst = join(album, `track${String(idx).padStart(3, "0")}.${f.ext}`);
        await new Promise<void>((resolve, reject) => {
          const p = spawn("ffmpeg", ["-v", "error", "-y", "-f", "wav", "-i", "-", ...f.args, dst], { stdio: ["pipe", "ignore", "inherit"] });
          p.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`ffmpeg ${dst}: ${c}`))));
          p.stdin.end(wav);
        });
      });
    }
  }
  process.stderr.write(`building ${FILES} files of ${SECONDS} s in ${lib} …\n`);
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: availableParallelism() }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  writeFileSync(join(lib, ".complete"), "");
  process.stderr.write(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

interface RunResult {
  label: string;
  wall: number;
  rssMb: number;
  /** User + system CPU seconds of the whole process (all threads, ffmpeg children included). */
  cpu: number;
  summary: { files: number; analysed: number; cached: number; failed: number; decoded: number; seconds: number; audioSeconds: number };
}

function run(label: string, cacheDir: string, jobs: number): RunResult {
  const useDist = existsSync(join(root, "dist", "cli", "main.js"));
  const entry = useDist ? [join(root, "bin", "trackprobe.js")] : ["--import", "tsx", join(root, "src", "cli", "main.ts")];
  const summaryFile = join(out, `scan-summary-${label}.json`);
  const cmd = [process.execPath, ...entry, "scan", lib, "--cache-dir", cacheDir, "-j", String(jobs), "-q", "--summary-json", summaryFile];
  if (FEATURES) cmd.push("--features", FEATURES);
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", ...cmd], { encoding: "utf8", maxBuffer: 1 << 28 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr}`);
  const [rssKb, user, sys] = (r.stderr.trim().split("\n").pop() ?? "").split(" ").map(Number);
  return { label, wall, rssMb: rssKb / 1024, cpu: user + sys, summary: JSON.parse(readFileSync(summaryFile, "utf8")) };
}

await buildLibrary();
const files = readdirSync(lib, { recursive: true }).filter((f) => /\.(mp3|flac|wav|ogg|m4a)$/.test(String(f))).length;
const caches = join(out, "scan-caches");
rmSync(caches, { recursive: true, force: true });
const dist = existsSync(join(root, "dist", "cli", "main.js"));
process.stderr.write(`library: ${files} files; running ${dist ? "dist/" : "src/ via tsx"}; ${availableParallelism()} cores; features: ${FEATURES || "all"}\n`);
const results: RunResult[] = [];
for (const [label, cache, j] of [
  ["j1-cold", "j1", 1],
  ["j2-cold", "j2", 2],
  ["j2-rescan", "j2", 2],
] as const) {
  const r = run(label, join(caches, cache), j);
  results.push(r);
  const s = r.summary;
  process.stderr.write(`${label}: ${s.files} files (${s.analysed} analysed, ${s.cached} cached, ${s.failed} failed) in ${s.seconds.toFixed(2)} s; wall ${r.wall.toFixed(2)} s; peak RSS ${r.rssMb.toFixed(0)} MB\n`);
}
const [j1, j2, re] = results;
const fps = (r: RunResult) => r.summary.files / r.summary.seconds;
const rt = (r: RunResult) => r.summary.audioSeconds / r.summary.seconds;
const lines = [
  `scan bench — ${files} files × ${SECONDS} s (${FORMATS.map((f) => f.ext).join("/")}), features: ${FEATURES || "all"}, ${availableParallelism()} cores, ${dist ? "dist" : "tsx"}`,
  `| run | files/s | realtime × | scan s | process wall s | CPU s (cores busy) | peak RSS MB |`,
  `|---|---|---|---|---|---|---|`,
  ...results.map(
    (r) =>
      `| ${r.label} | ${fps(r).toFixed(1)} | ${r.summary.audioSeconds ? rt(r).toFixed(0) : "—"} | ${r.summary.seconds.toFixed(2)} | ${r.wall.toFixed(2)} | ${r.cpu.toFixed(1)} (${(r.cpu / r.wall).toFixed(2)}) | ${r.rssMb.toFixed(0)} |`,
  ),
  `speed-up -j 2 / -j 1: ${(fps(j2) / fps(j1)).toFixed(2)}× (goal ≥ 1.8×); re-scan: ${fps(re).toFixed(0)} files/s (goal ≥ 2000), decoded ${re.summary.decoded}`,
];
process.stdout.write(`${lines.join("\n")}\n`);
writeFileSync(join(out, "scan-bench.md"), `${lines.join("\n")}\n`);

