/**
 * `npm run bench`: speed and memory of the whole CLI process on generated music, side by side with
 * ffmpeg's decode of the same file in the same run (the floor no analyser can go below).
 *
 * Needs ffmpeg (to make the MP3s and as the reference) and GNU time (/usr/bin/time, for peak RSS).
 * Options: --quick (3.5-min file only), --runs N (repetitions; the median wall time is shown).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";

const OUT = join(import.meta.dirname, "out");
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const runs = Number(args[args.indexOf("--runs") + 1]) || 3;
const CLI = join(import.meta.dirname, "..", "bin", "trackprobe.js");

interface Row {
  file: string;
  tool: string;
  audioSeconds: number;
  wallSeconds: number;
  peakRssMb: number;
}

function need(cmd: string, hint: string) {
  if (spawnSync(cmd, ["--version"], { stdio: "ignore" }).error) {
    console.error(`bench: ${cmd} is needed (${hint})`);
    process.exit(2);
  }
}

/** Generates the 3.5-minute demo MP3 and a 60-minute one made by looping it. */
function makeFiles(): { name: string; path: string; seconds: number }[] {
  mkdirSync(OUT, { recursive: true });
  const short = join(OUT, "demo-3.5min.mp3");
  const long = join(OUT, "demo-60min.mp3");
  if (!existsSync(short)) {
    const wav = join(OUT, "demo-3.5min.wav");
    writeFileSync(wav, encodeWavFloat32(renderDemoTrack(210), 44100));
    execFileSync("ffmpeg", ["-v", "error", "-y", "-i", wav, "-c:a", "libmp3lame", "-b:a", "192k", short]);
  }
  if (!quick && !existsSync(long)) {
    execFileSync("ffmpeg", ["-v", "error", "-y", "-stream_loop", "-1", "-i", join(OUT, "demo-3.5min.wav"), "-t", "3600", "-c:a", "libmp3lame", "-b:a", "192k", long]);
  }
  const files = [{ name: "3.5 min MP3", path: short, seconds: 210 }];
  if (!quick) files.push({ name: "60 min MP3", path: long, seconds: 3600 });
  return files;
}

/** Runs a command under GNU time; returns wall seconds and peak RSS in MB. */
function timed(cmd: string[]): { wall: number; rssMb: number } {
  const r = spawnSync("/usr/bin/time", ["-f", "%e %M", ...cmd], { encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr}`);
  const [wall, kb] = r.stderr.trim().split("\n").pop()!.split(" ").map(Number);
  return { wall, rssMb: kb / 1024 };
}

function measure(tool: string, file: { name: string; seconds: number }, cmd: string[]): Row {
  const samples = Array.from({ length: runs }, () => timed(cmd));
  const walls = samples.map((s) => s.wall).sort((a, b) => a - b);
  return {
    file: file.name,
    tool,
    audioSeconds: file.seconds,
    wallSeconds: walls[Math.floor(walls.length / 2)],
    peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
  };
}

need("ffmpeg", "apt-get install ffmpeg");
if (!existsSync("/usr/bin/time")) {
  console.error("bench: /usr/bin/time is needed for peak RSS (apt-get install time)");
  process.exit(2);
}
if (!existsSync(join(import.meta.dirname, "..", "dist", "cli", "main.js"))) execFileSync("npm", ["run", "-s", "build"], { stdio: "inherit" });

const rows: Row[] = [];
for (const f of makeFiles()) {
  rows.push(measure("ffmpeg decode (-f null)", f, ["ffmpeg", "-v", "error", "-threads", "1", "-i", f.path, "-f", "null", "-"]));
  rows.push(measure("trackprobe loudness", f, ["node", CLI, "analyze", f.path, "--features", "loudness", "--format", "json"]));
  rows.push(measure("trackprobe all features", f, ["node", CLI, "analyze", f.path, "--format", "json"]));
}

const floor = new Map(rows.filter((r) => r.tool.startsWith("ffmpeg")).map((r) => [r.file, r.wallSeconds]));
const header = ["file", "tool", "audio s", "wall s", "realtime ×", "peak RSS MB", "× ffmpeg decode"];
const table = rows.map((r) => [
  r.file,
  r.tool,
  r.audioSeconds.toFixed(0),
  r.wallSeconds.toFixed(2),
  (r.audioSeconds / r.wallSeconds).toFixed(0),
  r.peakRssMb.toFixed(0),
  (r.wallSeconds / (floor.get(r.file) ?? Number.NaN)).toFixed(2),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
console.log(`\nmachine: ${cpus()[0]?.model ?? "?"} × ${cpus().length}, node ${process.version}; median of ${runs} runs; whole processes, single-threaded`);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const t of table) console.log(line(t));
