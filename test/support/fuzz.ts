/**
 * Fuzzing analyze(): small generated files of every format, mutated (bit flips, byte overwrites,
 * header-field corruption, truncation, splices) with the container checksums recomputed where a
 * format has them (Ogg page CRC-32, FLAC frame CRC-8/CRC-16), so the mutants reach the codecs
 * instead of being dropped by the container parser. Each mutant runs through analyze() on the
 * analysis pool (src/pool/pool.ts: a worker thread under its watchdog), and is classified:
 *
 *   ok        an Analysis that the JSON schema accepts and whose numbers are all finite
 *   expected  a TrackprobeError (the input is bad and says so)
 *   raw       any other error (INTERNAL), or a crashed worker: a bug
 *   hang      no answer within the time limit (the worker had to be terminated: TIMEOUT)
 *   invalid   an Analysis that the schema rejects or that holds NaN/Infinity: a bug
 *
 * Used by test/fuzz.test.ts (a few mutants, fixed seed) and scripts/fuzz.ts (thousands).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { encodeWavFloat32 } from "../../src/audio/wav-writer.js";
import { AnalysisPool } from "../../src/pool/pool.js";
import { renderDemoTrack } from "../../src/demo-track.js";
import { encodeWav } from "../signals/wav.js";

export const FUZZ_FORMATS = ["wav16", "wavf32", "mp3", "flac", "ogg-vorbis", "opus", "m4a"] as const;
export type FuzzFormat = (typeof FUZZ_FORMATS)[number];

/** Seconds of the seed files: long enough for every analyser to run, short enough to be quick. */
export const SEED_SECONDS = 1.5;

// ---------------------------------------------------------------------------------------------
// Randomness: deterministic, so a mutant is reproduced from (format, seed, index).

export type Rand = () => number;

/** mulberry32: uniform [0, 1) from a 32-bit seed. */
export function rng(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (r: Rand, n: number) => Math.floor(r() * n);
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)];

/** The seed of mutant `index` of `format` in a run seeded `runSeed`. */
export function mutantSeed(runSeed: number, format: FuzzFormat, index: number): number {
  let h = (runSeed ^ 0x9e3779b9) >>> 0;
  for (const c of `${format}#${index}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

// ---------------------------------------------------------------------------------------------
// Checksums.

const OGG_CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/** Ogg page CRC-32: polynomial 0x04C11DB7, initial 0, not reflected, no final xor. */
export function oggCrc(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) c = ((c << 8) ^ OGG_CRC_TABLE[((c >>> 24) ^ b[i]) & 0xff]) >>> 0;
  return c;
}

/**
 * Recomputes the CRC of every Ogg page as the (mutated) bytes now lay it out: walks the pages
 * by their own segment tables, and resyncs on the next "OggS" where a page header is broken.
 */
export function fixOggCrcs(b: Uint8Array): void {
  let p = 0;
  while (p + 27 <= b.length) {
    if (b[p] !== 0x4f || b[p + 1] !== 0x67 || b[p + 2] !== 0x67 || b[p + 3] !== 0x53) {
      p++;
      continue;
    }
    const segments = b[p + 26];
    if (p + 27 + segments > b.length) return;
    let length = 27 + segments;
    for (let i = 0; i < segments; i++) length += b[p + 27 + i];
    const end = Math.min(p + length, b.length);
    b.fill(0, p + 22, p + 26);
    const crc = oggCrc(b, p, end);
    new DataView(b.buffer, b.byteOffset + p + 22, 4).setUint32(0, crc, true);
    p = end;
  }
}

export function crc8(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  }
  return c;
}

export function crc16(b: Uint8Array, start: number, end: number): number {
  let c = 0;
  for (let i = start; i < end; i++) {
    c ^= b[i] << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x8005) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}

/** Length of the FLAC frame header at `p` (CRC-8 byte included), or 0 if it is not one. */
export function flacFrameHeaderLength(b: Uint8Array, p: number): number {
  if (p + 5 > b.length || b[p] !== 0xff || (b[p + 1] & 0xfe) !== 0xf8) return 0;
  const blockCode = b[p + 2] >> 4;
  const rateCode = b[p + 2] & 0x0f;
  const first = b[p + 4];
  let utf8 = 1;
  if (first >= 0x80) {
    utf8 = 0;
    for (let m = 0x80; first & m && utf8 < 8; m >>= 1) utf8++;
    if (utf8 < 2 || utf8 > 7) return 0;
  }
  const extra = (blockCode === 6 ? 1 : blockCode === 7 ? 2 : 0) + (rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0);
  const length = 4 + utf8 + extra + 1;
  return p + length <= b.length ? length : 0;
}

/** Start offsets of the frames of a well-formed FLAC file (header CRC-8 checked). */
export function flacFrameStarts(b: Uint8Array): number[] {
  let p = 4;
  for (;;) {
    if (p + 4 > b.length) return [];
    const last = b[p] & 0x80;
    p += 4 + ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]);
    if (last) break;
  }
  const starts: number[] = [];
  for (; p + 6 < b.length; p++) {
    const n = flacFrameHeaderLength(b, p);
    if (n > 0 && crc8(b, p, p + n - 1) === b[p + n - 1]) starts.push(p);
  }
  return starts;
}

/**
 * Recomputes the header CRC-8 and frame CRC-16 of the frames that start at `starts` (found in the
 * unmutated file: a mutation may have broken the sync code the decoder would look for).
 */
export function fixFlacCrcs(b: Uint8Array, starts: number[]): void {
  for (let i = 0; i < starts.length; i++) {
    const p = starts[i];
    const end = i + 1 < starts.length ? starts[i + 1] : b.length;
    if (end > b.length || end - p < 8) break;
    const n = flacFrameHeaderLength(b, p);
    if (n > 0 && p + n < end) b[p + n - 1] = crc8(b, p, p + n - 1);
    const crc = crc16(b, p, end - 2);
    b[end - 2] = crc >> 8;
    b[end - 1] = crc & 0xff;
  }
}

// ---------------------------------------------------------------------------------------------
// Seed files.

export interface Seed {
  format: FuzzFormat;
  bytes: Uint8Array;
  /** Header fields worth corrupting: offset, size in bytes, byte order. */
  fields: Field[];
  /** FLAC: the frame starts, for recomputing the CRCs. */
  flacFrames?: number[];
}

export interface Field {
  name: string;
  offset: number;
  size: 1 | 2 | 3 | 4;
  littleEndian: boolean;
}

/** Container extension and ffmpeg codec arguments of each compressed seed format. */
const FFMPEG_ENCODINGS = {
  mp3: ["mp3", ["-c:a", "libmp3lame", "-b:a", "96k"]],
  flac: ["flac", ["-c:a", "flac", "-frame_size", "1152"]],
  "ogg-vorbis": ["ogg", ["-c:a", "libvorbis", "-q:a", "2"]],
  opus: ["opus", ["-c:a", "libopus", "-b:a", "64k"]],
  m4a: ["m4a", ["-c:a", "aac", "-b:a", "96k"]],
} as const satisfies Record<string, readonly [string, readonly string[]]>;

/** Makes one seed file per format (compressed ones with ffmpeg, which must be installed). */
export function makeSeeds(formats: readonly FuzzFormat[] = FUZZ_FORMATS): Seed[] {
  const channels = renderDemoTrack(SEED_SECONDS, 44100);
  const dir = mkdtempSync(join(tmpdir(), "trackprobe-fuzz-"));
  try {
    const wavPath = join(dir, "seed.wav");
    writeFileSync(wavPath, encodeWavFloat32(channels, 44100));
    const viaFfmpeg = ([ext, args]: readonly [string, readonly string[]]) => {
      const out = join(dir, `seed.${ext}`);
      execFileSync("ffmpeg", ["-v", "error", "-y", "-i", wavPath, "-map_metadata", "-1", ...args, out]);
      return new Uint8Array(readFileSync(out));
    };
    return formats.map((format): Seed => {
      const encode = FFMPEG_ENCODINGS[format as keyof typeof FFMPEG_ENCODINGS];
      const bytes =
        format === "wav16" ? encodeWav(channels, 44100, { bits: 16 }) : format === "wavf32" ? encodeWavFloat32(channels, 44100) : viaFfmpeg(encode);
      const seed: Seed = { format, bytes, fields: headerFields(format, bytes) };
      if (format === "flac") seed.flacFrames = flacFrameStarts(bytes);
      return seed;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const le = (name: string, offset: number, size: Field["size"]): Field => ({ name, offset, size, littleEndian: true });
const be = (name: string, offset: number, size: Field["size"]): Field => ({ name, offset, size, littleEndian: false });

/** Where each format keeps the header fields that size buffers or steer the decoder. */
export function headerFields(format: FuzzFormat, b: Uint8Array): Field[] {
  switch (format) {
    case "wav16":
    case "wavf32":
      return [
        le("RIFF size", 4, 4),
        le("fmt size", 16, 4),
        le("format tag", 20, 2),
        le("channels", 22, 2),
        le("sample rate", 24, 4),
        le("byte rate", 28, 4),
        le("block align", 32, 2),
        le("bits per sample", 34, 2),
        le("data size", 40, 4),
      ];
    case "flac": {
      const f = [be("block header", 4, 4), be("min block", 8, 2), be("max block", 10, 2), be("min frame", 12, 3), be("max frame", 15, 3)];
      f.push(be("rate/channels/bps", 18, 4), be("total samples", 22, 4));
      const frames = flacFrameStarts(b);
      for (const p of frames.slice(0, 3)) f.push(be("frame block/rate", p + 2, 1), be("frame channels/bps", p + 3, 1), be("frame number", p + 4, 1));
      const mid = frames[Math.floor(frames.length / 2)];
      if (mid) f.push(be("mid frame block/rate", mid + 2, 1), be("mid frame channels/bps", mid + 3, 1));
      return f;
    }
    case "ogg-vorbis":
    case "opus": {
      const f: Field[] = [];
      const pages = oggPages(b);
      for (const p of pages.slice(0, 4)) {
        f.push(le("page flags", p + 5, 1), le("granule", p + 6, 4), le("granule high", p + 10, 4), le("page sequence", p + 18, 4), le("segments", p + 26, 1));
        f.push(le("first lacing", p + 27, 1));
      }
      const last = pages[pages.length - 1];
      f.push(le("last granule", last + 6, 4), le("last segments", last + 26, 1));
      const id = 27 + b[26];
      if (format === "ogg-vorbis") {
        f.push(le("vorbis version", id + 7, 4), le("vorbis channels", id + 11, 1), le("vorbis rate", id + 12, 4), le("vorbis blocksizes", id + 28, 1));
        const setup = pages[1] !== undefined ? pages[1] + 27 + b[pages[1] + 26] : -1;
        if (setup > 0) f.push(le("comment vendor length", setup + 7, 4));
      } else {
        f.push(le("opus version", id + 8, 1), le("opus channels", id + 9, 1), le("opus pre-skip", id + 10, 2), le("opus input rate", id + 12, 4));
        f.push(le("opus gain", id + 16, 2), le("opus mapping family", id + 18, 1));
        if (pages[2] !== undefined) f.push(le("first audio TOC", pages[2] + 27 + b[pages[2] + 26], 1));
      }
      return f;
    }
    case "mp3": {
      const f: Field[] = [];
      const frames: number[] = [];
      for (let i = 0; i + 4 < b.length && frames.length < 4; i++) if (b[i] === 0xff && (b[i + 1] & 0xe0) === 0xe0) frames.push(i);
      for (const p of frames) f.push(be("frame header", p + 1, 1), be("frame bitrate/rate", p + 2, 1), be("frame mode", p + 3, 1));
      const xing = findAscii(b, "Xing", 0, 512) >= 0 ? findAscii(b, "Xing", 0, 512) : findAscii(b, "Info", 0, 512);
      if (xing >= 0) f.push(be("xing flags", xing + 4, 4), be("xing frames", xing + 8, 4), be("xing bytes", xing + 12, 4));
      return f;
    }
    case "m4a": {
      const f: Field[] = [];
      for (const a of mp4Atoms(b, 0, b.length, 0)) {
        f.push(be(`${a.type} size`, a.at, 4));
        if (a.type === "mdhd" || a.type === "mvhd") f.push(be(`${a.type} timescale`, a.at + 20, 4), be(`${a.type} duration`, a.at + 24, 4));
        if (a.type === "mp4a") f.push(be("mp4a channels", a.at + 24, 2), be("mp4a bits", a.at + 26, 2), be("mp4a rate", a.at + 32, 2));
        if (a.type === "stsz") f.push(be("stsz uniform size", a.at + 12, 4), be("stsz count", a.at + 16, 4), be("stsz first", a.at + 20, 4));
        if (a.type === "stco") f.push(be("stco count", a.at + 12, 4), be("stco first", a.at + 16, 4));
        if (a.type === "stsc") f.push(be("stsc count", a.at + 12, 4), be("stsc samples per chunk", a.at + 20, 4));
        if (a.type === "stts") f.push(be("stts count", a.at + 12, 4), be("stts delta", a.at + 20, 4));
        if (a.type === "esds") f.push(be("esds config", a.at + 12, 4), be("esds audio config", a.at + 36, 2));
      }
      return f;
    }
  }
}

function findAscii(b: Uint8Array, s: string, from: number, to: number): number {
  outer: for (let i = from; i + s.length <= Math.min(b.length, to); i++) {
    for (let k = 0; k < s.length; k++) if (b[i + k] !== s.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

function oggPages(b: Uint8Array): number[] {
  const pages: number[] = [];
  let p = 0;
  while (p + 27 <= b.length && findAscii(b, "OggS", p, p + 4) === p) {
    pages.push(p);
    let length = 27 + b[p + 26];
    for (let i = 0; i < b[p + 26]; i++) length += b[p + 27 + i];
    p += length;
  }
  return pages;
}

const MP4_CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl", "udta", "edts"]);

function mp4Atoms(b: Uint8Array, start: number, end: number, depth: number): { at: number; type: string }[] {
  const out: { at: number; type: string }[] = [];
  let p = start;
  while (p + 8 <= end && depth < 8) {
    const size = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
    const type = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    out.push({ at: p, type });
    if (size < 8) break;
    if (MP4_CONTAINERS.has(type)) out.push(...mp4Atoms(b, p + 8, Math.min(end, p + size), depth + 1));
    if (type === "stsd") out.push(...mp4Atoms(b, p + 16, Math.min(end, p + size), depth + 1));
    if (type === "mp4a") out.push(...mp4Atoms(b, p + 36, Math.min(end, p + size), depth + 1));
    p += size;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutations.

export interface Mutant {
  format: FuzzFormat;
  index: number;
  bytes: Uint8Array;
  /** What was done, to reproduce and to read in a report. */
  description: string;
}

const INTERESTING = [0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

/** One mutant of `seed`, fully determined by `mutantSeed`. */
export function mutate(seed: Seed, index: number, seedValue: number): Mutant {
  const r = rng(seedValue);
  const b = new Uint8Array(seed.bytes);
  const steps: string[] = [];
  const headerRegion = Math.min(b.length, 1024);
  const position = () => (r() < 0.5 ? int(r, headerRegion) : int(r, b.length));
  let length = b.length;
  const rounds = r() < 0.25 ? 2 : 1;
  for (let round = 0; round < rounds; round++) {
    const kind = r();
    if (kind < 0.3) {
      const flips = pick(r, [1, 1, 2, 4, 8, 16]);
      for (let i = 0; i < flips; i++) {
        const at = position();
        const bit = int(r, 8);
        b[at] ^= 1 << bit;
        steps.push(`flip ${at}.${bit}`);
      }
    } else if (kind < 0.45) {
      const n = 1 + int(r, 4);
      for (let i = 0; i < n; i++) {
        const at = position();
        b[at] = r() < 0.5 ? int(r, 256) : pick(r, [0, 0xff, 0x7f, 0x80, 1]);
        steps.push(`byte ${at}=${b[at]}`);
      }
    } else if (kind < 0.75 && seed.fields.length > 0) {
      const f = pick(r, seed.fields);
      if (f.offset + f.size > b.length) continue;
      const old = readField(b, f);
      const max = 2 ** (8 * f.size) - 1;
      const choice = r();
      let value: number;
      if (choice < 0.5) value = pick(r, INTERESTING);
      else if (choice < 0.65) value = old + pick(r, [-1, 1, -2, 2]);
      else if (choice < 0.8) value = pick(r, [old * 2, Math.floor(old / 2), old * 16, old ^ 0x80]);
      else value = Math.floor(r() * (max + 1));
      value = ((value % (max + 1)) + (max + 1)) % (max + 1);
      writeField(b, f, value);
      steps.push(`field ${f.name}@${f.offset}: ${old} -> ${value}`);
    } else if (kind < 0.9) {
      length = Math.max(0, Math.min(length, r() < 0.3 ? int(r, headerRegion) : int(r, b.length)));
      steps.push(`truncate ${length}`);
    } else {
      const n = 1 + int(r, 256);
      const from = int(r, Math.max(1, b.length - n));
      const to = int(r, Math.max(1, b.length - n));
      b.copyWithin(to, from, from + n);
      steps.push(`splice ${from}+${n} -> ${to}`);
    }
  }
  let out = b.subarray(0, length);
  // Recompute the checksums most of the time, so the mutation reaches the codec; keep some
  // mutants with stale ones, which the container parser must reject or skip.
  if ((seed.format === "ogg-vorbis" || seed.format === "opus") && r() < 0.85) {
    fixOggCrcs(out);
    steps.push("ogg crc fixed");
  }
  if (seed.format === "flac" && seed.flacFrames && r() < 0.85) {
    fixFlacCrcs(out, seed.flacFrames.filter((p) => p < length));
    steps.push("flac crc fixed");
  }
  out = new Uint8Array(out); // detached from the untruncated buffer
  return { format: seed.format, index, bytes: out, description: steps.join("; ") };
}

function readField(b: Uint8Array, f: Field): number {
  let v = 0;
  for (let i = 0; i < f.size; i++) {
    const byte = b[f.offset + (f.littleEndian ? f.size - 1 - i : i)];
    v = v * 256 + byte;
  }
  return v;
}

function writeField(b: Uint8Array, f: Field, value: number): void {
  for (let i = 0; i < f.size; i++) {
    const byte = Math.floor(value / 256 ** i) & 0xff;
    b[f.offset + (f.littleEndian ? i : f.size - 1 - i)] = byte;
  }
}

// ---------------------------------------------------------------------------------------------
// Running mutants.

export type Verdict = "ok" | "expected" | "raw" | "hang" | "invalid";

export interface Outcome {
  verdict: Verdict;
  /** Error code (expected), error name and message (raw), schema errors (invalid). */
  detail: string;
  ms: number;
}

const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "schema", "analysis.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true }).compile(schema);

/** Paths of the numbers that are NaN or infinite (JSON would turn them into null). */
export function nonFinite(x: unknown, path = "$"): string[] {
  if (typeof x === "number") return Number.isFinite(x) ? [] : [`${path}=${x}`];
  if (Array.isArray(x)) return x.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (x && typeof x === "object") return Object.entries(x).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

/**
 * Runs mutants one at a time on the analysis pool (one worker, no cache). The pool's watchdog
 * stops a mutant at `timeoutMs` (per minute of audio; the seeds are shorter): its worker is
 * terminated and replaced, and the mutant is a hang.
 */
export class FuzzRunner {
  private readonly pool: AnalysisPool;

  constructor(private readonly timeoutMs: number) {
    this.pool = new AnalysisPool({ size: 1, setup: { cacheDir: null }, secondsPerAudioMinute: timeoutMs / 1000 });
  }

  async run(m: Mutant): Promise<Outcome> {
    const t0 = performance.now();
    const answer = await this.pool.run({ bytes: new Uint8Array(m.bytes), name: `${m.format}#${m.index}` });
    const ms = performance.now() - t0;
    if (answer.type === "aborted") return { verdict: "hang", detail: "aborted", ms };
    const r = answer.outcome;
    if ("error" in r) {
      const { code, message } = r.error;
      if (code === "TIMEOUT") return { verdict: "hang", detail: message, ms };
      if (code === "INTERNAL") return { verdict: "raw", detail: message.split("\n").slice(0, 6).join("\n"), ms };
      return { verdict: "expected", detail: code, ms };
    }
    const bad = nonFinite(r);
    if (bad.length > 0) return { verdict: "invalid", detail: `non-finite: ${bad.slice(0, 5).join(", ")}`, ms };
    if (!validate(JSON.parse(JSON.stringify(r)))) return { verdict: "invalid", detail: JSON.stringify(validate.errors).slice(0, 500), ms };
    return { verdict: "ok", detail: "", ms };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Tally of one format's mutants. */
export interface Tally {
  format: FuzzFormat;
  mutants: number;
  ok: number;
  expected: number;
  raw: number;
  hang: number;
  invalid: number;
  /** Resident set size (whole process, workers included), MiB, at the start and end. */
  rssStartMiB: number;
  rssEndMiB: number;
  /** The first few bugs found: mutant, description, detail. */
  bugs: { index: number; verdict: Verdict; description: string; detail: string }[];
  /** Counts of the TrackprobeError codes. */
  codes: Record<string, number>;
}

export const rssMiB = () => Math.round(process.memoryUsage().rss / 2 ** 20);

export interface FuzzOptions {
  perFormat: number;
  runSeed: number;
  timeoutMs: number;
  formats?: readonly FuzzFormat[];
  /** Called after each mutant (progress, RSS logging, saving bugs). */
  onMutant?: (m: Mutant, o: Outcome, done: number) => void;
}

export async function fuzz(options: FuzzOptions): Promise<Tally[]> {
  const seeds = makeSeeds(options.formats);
  const runner = new FuzzRunner(options.timeoutMs);
  const tallies: Tally[] = [];
  let done = 0;
  try {
    for (const seed of seeds) {
      const t: Tally = { format: seed.format, mutants: 0, ok: 0, expected: 0, raw: 0, hang: 0, invalid: 0, rssStartMiB: rssMiB(), rssEndMiB: 0, bugs: [], codes: {} };
      tallies.push(t);
      for (let i = 0; i < options.perFormat; i++) {
        const m = mutate(seed, i, mutantSeed(options.runSeed, seed.format, i));
        const o = await runner.run(m);
        t.mutants++;
        t[o.verdict]++;
        if (o.verdict === "expected") t.codes[o.detail] = (t.codes[o.detail] ?? 0) + 1;
        else if (o.verdict !== "ok" && t.bugs.length < 20) t.bugs.push({ index: i, verdict: o.verdict, description: m.description, detail: o.detail });
        options.onMutant?.(m, o, ++done);
      }
      t.rssEndMiB = rssMiB();
    }
  } finally {
    await runner.close();
  }
  return tallies;
}

/** The tallies as a Markdown table. */
export function table(tallies: Tally[]): string {
  const rows = [
    "| format | mutants | ok | expected errors | raw errors | hangs | schema-invalid | RSS start → end (MiB) |",
    "|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const t of tallies) {
    rows.push(`| ${t.format} | ${t.mutants} | ${t.ok} | ${t.expected} | ${t.raw} | ${t.hang} | ${t.invalid} | ${t.rssStartMiB} → ${t.rssEndMiB} |`);
  }
  return rows.join("\n");
}
