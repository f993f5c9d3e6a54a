/**
 * trackprobe's danceability value (DFA) against essentia.js `Danceability`, file by file.
 *
 *   node --import tsx bench/danceability-vs-essentia.ts [AUDIO_DIR]   (default ../shared/corpus-dev/audio)
 *   node --import tsx bench/danceability-vs-essentia.ts --generated   (the generated test signals)
 *
 * --generated renders the test signals (test/signals: machine-timed grooves and loops, drum
 * patterns, the demo track, drifting grooves, rubato piano, white noise; 30 s each) to 22.05 kHz
 * WAV files in a temporary folder and compares those. Exactly repeating loops give values of 4–8
 * in both tools: the value is 1/mean α, and their mean DFA exponent α is near 0, where a small
 * difference in α is a large difference in the value — so Pearson r is printed for the value, its
 * logarithm and 1/value (the mean α itself).
 *
 * essentia.js (AGPL, devDependency, comparison only) gets each file decoded by ffmpeg to 44.1 kHz
 * mono float, as its documentation expects. trackprobe's value goes through its own decoder and
 * front end exactly as in analyze(): native PCM → mono 22.05 kHz → the "levels" stream → DFA.
 * A third column runs trackprobe's DFA on essentia's own 44.1 kHz signal, which separates the
 * effect of the 22.05 kHz analysis rate from everything else. Dynamic complexity is compared the
 * same way (essentia.js `DynamicComplexity` vs features/levels.ts + analyzers/dynamic-complexity.ts).
 *
 * Prints the per-file table (with trackprobe's calibrated danceability.score from analyze()), Pearson
 * r and the median |difference|, the value and score ranges; writes a scatter plot to
 * bench/out/danceability-scatter.svg (-generated.svg with --generated).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SCORE_AT_0, SCORE_AT_1 } from "../src/analyzers/danceability.js";
import { detrendedFluctuation } from "../src/analyzers/dfa.js";
import { dynamicComplexity } from "../src/analyzers/dynamic-complexity.js";
import { openDecoded } from "../src/audio/decode.js";
import { openSource } from "../src/audio/source.js";
import { FrontEnd } from "../src/features/frontend.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { analyze } from "../src/pipeline/analyze.js";
import { LevelFrames, type LevelStream, levelStream } from "../src/features/levels.js";
import { groove, RATE as SIGNAL_RATE, rubatoPiano, rockTrack, whiteNoise } from "../test/signals/dance.js";
import { drumPattern } from "../test/signals/rhythm.js";

const here = dirname(fileURLToPath(import.meta.url));
const generated = process.argv[2] === "--generated";
const outSvg = join(here, generated ? "out/danceability-scatter-generated.svg" : "out/danceability-scatter.svg");

/** The generated signals as WAV files in a temporary folder (removed at exit). */
function renderGenerated(): string {
  const d = mkdtempSync(join(tmpdir(), "trackprobe-dfa-"));
  process.on("exit", () => rmSync(d, { recursive: true, force: true }));
  const S = 30;
  const demo = renderDemoTrack(S, SIGNAL_RATE);
  const signals: [string, Float32Array][] = [
    ["groove-100", groove(S, 100, 0, 7)],
    ["groove-124", groove(S, 124, 0, 9)],
    ["groove-135", groove(S, 135, 0, 11)],
    ["groove-124-drift2", groove(S, 124, 2, 32)],
    ["groove-124-drift4", groove(S, 124, 4, 34)],
    ["groove-124-drift8", groove(S, 124, 8, 38)],
    ["drums-98", drumPattern({ bpm: 98, seconds: S }).audio],
    ["drums-120", drumPattern({ bpm: 120, seconds: S }).audio],
    ["drums-3-4-150", drumPattern({ bpm: 150, seconds: S, beatsPerBar: 3 }).audio],
    ["drums-ramp-100-130", drumPattern({ bpm: 100, endBpm: 130, seconds: S }).audio],
    ["demo-120", demo[0].map((v, i) => (v + demo[1][i]) / 2)],
    ["rock-140", rockTrack(S)],
    ["rubato-piano-11", rubatoPiano(S, 11)],
    ["rubato-piano-12", rubatoPiano(S, 12)],
    ["white-noise", whiteNoise(S)],
  ];
  for (const [name, x] of signals) writeFileSync(join(d, `${name}.wav`), encodeWavFloat32([x], SIGNAL_RATE));
  return d;
}

const dir = generated ? renderGenerated() : resolve(process.argv[2] ?? join(here, "../../shared/corpus-dev/audio"));
const RATE = 44100;

interface EssentiaLike {
  arrayToVector(a: Float32Array): unknown;
  Danceability(signal: unknown): { danceability: number };
  DynamicComplexity(signal: unknown): { dynamicComplexity: number; loudness: number };
  delete?(): void;
}
const require = createRequire(import.meta.url);
const { Essentia, EssentiaWASM } = require("essentia.js") as { Essentia: new (w: unknown) => EssentiaLike; EssentiaWASM: unknown };
const essentia = new Essentia(EssentiaWASM);

function ffmpegMono(file: string): Promise<Float32Array> {
  return new Promise((ok, fail) => {
    const args = ["-v", "error", "-nostdin", "-i", file, "-map", "0:a:0", "-f", "f32le", "-ac", "1", "-ar", String(RATE), "-"];
    const p = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks: Buffer[] = [];
    let err = "";
    p.stdout.on("data", (c: Buffer) => chunks.push(c));
    p.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    p.on("error", fail);
    p.on("close", (code) => {
      if (code !== 0) return fail(new Error(`ffmpeg exited ${code}: ${err.trim()}`));
      const b = Buffer.concat(chunks);
      ok(new Float32Array(b.buffer, b.byteOffset, Math.floor(b.length / 4)).slice());
    });
  });
}

async function trackprobeLevels(file: string): Promise<LevelStream> {
  const source = await openSource(file);
  const warnings: string[] = [];
  let fe: FrontEnd | null = null;
  try {
    const decoded = await openDecoded(source, warnings);
    for await (const block of decoded.blocks) {
      fe ??= await FrontEnd.create({ levels: levelStream }, block.sampleRate, block.channels.length);
      fe.push(block);
    }
  } finally {
    await source.reader.close();
  }
  return (fe as FrontEnd).finish().levels as LevelStream;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function median(x: number[]): number {
  const s = [...x].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Row {
  name: string;
  essentia: number;
  ours: number;
  ours44: number;
  dcEssentia: number;
  dcOurs: number;
  /** trackprobe's danceability.score (analyze() with the rhythm analysers, as the CLI runs it). */
  score: number;
}

function scatterSvg(rows: Row[], r: number, mad: number): string {
  const W = 520;
  const H = 520;
  const m = 60;
  const all = rows.flatMap((x) => [x.essentia, x.ours]);
  const lo = Math.floor(Math.min(...all) * 10) / 10 - 0.1;
  const hi = Math.ceil(Math.max(...all) * 10) / 10 + 0.1;
  const sx = (v: number) => m + ((v - lo) / (hi - lo)) * (W - 2 * m);
  const sy = (v: number) => H - m - ((v - lo) / (hi - lo)) * (H - 2 * m);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<rect x="${m}" y="${m}" width="${W - 2 * m}" height="${H - 2 * m}" fill="none" stroke="#888"/>`);
  const step = hi - lo > 2 ? 0.5 : 0.2;
  for (let t = Math.ceil(lo / step) * step; t <= hi + 1e-9; t += step) {
    const lbl = t.toFixed(1);
    out.push(`<line x1="${sx(t)}" y1="${H - m}" x2="${sx(t)}" y2="${H - m + 5}" stroke="#888"/><text x="${sx(t)}" y="${H - m + 18}" text-anchor="middle">${lbl}</text>`);
    out.push(`<line x1="${m - 5}" y1="${sy(t)}" x2="${m}" y2="${sy(t)}" stroke="#888"/><text x="${m - 8}" y="${sy(t) + 4}" text-anchor="end">${lbl}</text>`);
  }
  out.push(`<line x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#bbb" stroke-dasharray="4 4"/>`);
  for (const row of rows) {
    out.push(`<circle cx="${sx(row.essentia).toFixed(1)}" cy="${sy(row.ours).toFixed(1)}" r="4" fill="#1f77b4" fill-opacity="0.8"><title>${row.name}: essentia ${row.essentia.toFixed(3)}, trackprobe ${row.ours.toFixed(3)}</title></circle>`);
    out.push(`<text x="${(sx(row.essentia) + 6).toFixed(1)}" y="${(sy(row.ours) - 4).toFixed(1)}" font-size="9" fill="#555">${row.name.replace(/\.[^.]+$/, "")}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 18}" text-anchor="middle">essentia.js Danceability (44.1 kHz)</text>`);
  out.push(`<text x="16" y="${H / 2}" text-anchor="middle" transform="rotate(-90 16 ${H / 2})">trackprobe danceability.value (22.05 kHz)</text>`);
  out.push(`<text x="${W / 2}" y="30" text-anchor="middle" font-size="13">Danceability (DFA): r = ${r.toFixed(4)}, median |diff| = ${mad.toFixed(4)}, n = ${rows.length}</text>`);
  out.push("</svg>");
  return out.join("\n");
}

const files = readdirSync(dir)
  .filter((f) => /\.(mp3|flac|ogg|m4a|wav|opus|aiff?)$/i.test(f))
  .sort();
const rows: Row[] = [];
const pad = (s: string, n: number) => s.padEnd(n);
const num = (x: number, w = 9) => x.toFixed(4).padStart(w);
console.log(`${pad("file", 34)} ${"essentia".padStart(9)} ${"ours".padStart(9)} ${"diff".padStart(9)} ${"ours@44k".padStart(9)} ${"DC ess".padStart(9)} ${"DC ours".padStart(9)} ${"score".padStart(9)}`);
for (const f of files) {
  const path = join(dir, f);
  const pcm = await ffmpegMono(path);
  const vec = essentia.arrayToVector(pcm);
  const ess = essentia.Danceability(vec).danceability;
  const dcEss = essentia.DynamicComplexity(vec).dynamicComplexity;
  const levels44 = new LevelFrames(RATE);
  levels44.push(pcm);
  const ours44 = detrendedFluctuation(levels44.finish().frameStd)?.value ?? Number.NaN;
  const levels = await trackprobeLevels(path);
  const ours = detrendedFluctuation(levels.frameStd)?.value ?? Number.NaN;
  const dcOurs = dynamicComplexity(levels.complexityDb)?.complexity ?? Number.NaN;
  const score = (await analyze(path, { features: ["danceability"] })).danceability?.score ?? Number.NaN;
  const row = { name: basename(f), essentia: ess, ours, ours44, dcEssentia: dcEss, dcOurs, score };
  rows.push(row);
  console.log(`${pad(row.name, 34)} ${num(ess)} ${num(ours)} ${num(ours - ess)} ${num(ours44)} ${num(dcEss)} ${num(dcOurs)} ${num(score)}`);
}
const r = pearson(
  rows.map((x) => x.essentia),
  rows.map((x) => x.ours),
);
const mad = median(rows.map((x) => Math.abs(x.ours - x.essentia)));
const r44 = pearson(
  rows.map((x) => x.essentia),
  rows.map((x) => x.ours44),
);
const mad44 = median(rows.map((x) => Math.abs(x.ours44 - x.essentia)));
const log = (x: number[]) => x.map(Math.log);
const inv = (x: number[]) => x.map((v) => 1 / v);
const ess = rows.map((x) => x.essentia);
const ours = rows.map((x) => x.ours);
const range = (x: number[]) => `${Math.min(...x).toFixed(2)}–${Math.max(...x).toFixed(2)}`;
const rDc = pearson(
  rows.map((x) => x.dcEssentia),
  rows.map((x) => x.dcOurs),
);
const madDc = median(rows.map((x) => Math.abs(x.dcOurs - x.dcEssentia)));
console.log(`\ndanceability, trackprobe (22.05 kHz front end) vs essentia.js: Pearson r = ${r.toFixed(4)}, median |diff| = ${mad.toFixed(4)}  (target r ≥ 0.95, ≤ 0.1)`);
console.log(`danceability, trackprobe DFA on essentia's 44.1 kHz signal:     Pearson r = ${r44.toFixed(4)}, median |diff| = ${mad44.toFixed(4)}`);
console.log(`danceability, trackprobe vs essentia.js, on log(value): Pearson r = ${pearson(log(ess), log(ours)).toFixed(4)}; on 1/value (mean α): r = ${pearson(inv(ess), inv(ours)).toFixed(4)}`);
console.log(`danceability value range: essentia.js ${range(ess)}, trackprobe ${range(ours)}`);
const scores = rows.map((x) => x.score);
console.log(`danceability score (0..1, calibrated; ${SCORE_AT_0.toFixed(2)}–${SCORE_AT_1.toFixed(2)} possible): ${range(scores)}, median ${median(scores).toFixed(2)}`);
console.log(`dynamic complexity (LU), trackprobe vs essentia.js:            Pearson r = ${rDc.toFixed(4)}, median |diff| = ${madDc.toFixed(4)}`);
mkdirSync(dirname(outSvg), { recursive: true });
writeFileSync(outSvg, scatterSvg(rows, r, mad));
console.log(`scatter plot: ${outSvg}`);
