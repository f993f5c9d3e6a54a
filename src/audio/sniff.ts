/**
 * Format detection from the bytes, never from the file name.
 */
import type { ByteReader } from "./source.js";

/** Formats trackprobe decodes itself (pure npm). */
export type NativeFormat = "wav" | "mp3" | "flac" | "ogg-vorbis" | "opus";
/** Formats recognised here but decoded through ffmpeg. */
export type FfmpegFormat = "m4a" | "aac" | "aiff" | "wma" | "ogg-flac" | "ape" | "wavpack" | "caf" | "ac3" | "webm";
export type Format = NativeFormat | FfmpegFormat;

export type Sniffed =
  | { kind: "audio"; format: Format; native: boolean; offset: number }
  | { kind: "empty" }
  | { kind: "text" }
  | { kind: "unknown" };

const NATIVE = new Set<Format>(["wav", "mp3", "flac", "ogg-vorbis", "opus"]);

/** Bytes looked at beyond any ID3v2 tag: enough for two MPEG frame headers. */
const PROBE_BYTES = 4096;
/** ID3v2 tags larger than this are not searched past (cover art is rarely over a few MB). */
export const MAX_ID3_BYTES = 64 * 1024 * 1024;

const ascii = (b: Uint8Array, at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));

export async function sniff(reader: ByteReader): Promise<Sniffed> {
  let head = await reader.peek(PROBE_BYTES);
  if (head.length === 0) return { kind: "empty" };
  let offset = 0;
  // ID3v2 may prefix MP3, but also AAC or FLAC: skip it (and any repeats) and look at what follows.
  while (head.length >= offset + 10 && ascii(head, offset, 3) === "ID3") {
    const size = synchsafe(head, offset + 6) + 10 + (head[offset + 5] & 0x10 ? 10 : 0);
    if (offset + size > MAX_ID3_BYTES) return found("mp3", offset + size);
    offset += size;
    head = await reader.peek(offset + PROBE_BYTES);
  }
  const format = detect(head, offset);
  if (format) return found(format, offset);
  if (offset > 0) return found("mp3", offset); // ID3 tag followed by junk: let the MP3 decoder resync
  return looksLikeText(head) ? { kind: "text" } : { kind: "unknown" };
}

function found(format: Format, offset: number): Sniffed {
  return { kind: "audio", format, native: NATIVE.has(format), offset };
}

function detect(b: Uint8Array, at: number): Format | null {
  const tag4 = ascii(b, at, 4);
  if ((tag4 === "RIFF" || tag4 === "RF64" || tag4 === "BW64") && ascii(b, at + 8, 4) === "WAVE") return "wav";
  if (tag4 === "fLaC") return "flac";
  if (tag4 === "OggS") return oggCodec(b, at);
  if (tag4 === "FORM" && /^AIF[FC]$/.test(ascii(b, at + 8, 4))) return "aiff";
  if (ascii(b, at + 4, 4) === "ftyp") return "m4a";
  if (tag4 === "caff") return "caf";
  if (tag4 === "MAC ") return "ape";
  if (tag4 === "wvpk") return "wavpack";
  if (b[at] === 0x30 && b[at + 1] === 0x26 && b[at + 2] === 0xb2 && b[at + 3] === 0x75) return "wma";
  if (b[at] === 0x1a && b[at + 1] === 0x45 && b[at + 2] === 0xdf && b[at + 3] === 0xa3) return "webm";
  if (b[at] === 0x0b && b[at + 1] === 0x77) return "ac3";
  // Scan a little for an MPEG sync word: files often start with a few junk or zero bytes.
  for (let i = at; i + 4 <= b.length && i < at + 2048; i++) {
    if (b[i] !== 0xff || (b[i + 1] & 0xe0) !== 0xe0) continue;
    const layer = (b[i + 1] >> 1) & 3;
    if (layer === 0 && (b[i + 1] & 0xf6) === 0xf0) return "aac"; // ADTS
    const len = mpegFrameLength(b, i);
    if (len > 0 && (i + len + 2 > b.length || (b[i + len] === 0xff && (b[i + len + 1] & 0xe0) === 0xe0))) return "mp3";
  }
  return null;
}

function oggCodec(b: Uint8Array, at: number): Format | null {
  // The first page holds the codec's identification packet right after the segment table.
  const segments = b[at + 26];
  const p = at + 27 + segments;
  if (ascii(b, p, 8) === "OpusHead") return "opus";
  if (ascii(b, p + 1, 6) === "vorbis") return "ogg-vorbis";
  if (ascii(b, p + 1, 4) === "FLAC") return "ogg-flac";
  return null;
}

const MPEG_BITRATES = [
  // [version 1 layers 1..3], [version 2/2.5 layers 1..3], kbit/s by index
  [
    [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
    [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  ],
  [
    [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  ],
];
const MPEG_RATES = [44100, 48000, 32000];

/** Length in bytes of the MPEG audio frame whose header starts at `i`, or 0 if it is not one. */
export function mpegFrameLength(b: Uint8Array, i: number): number {
  const version = (b[i + 1] >> 3) & 3; // 3: MPEG1, 2: MPEG2, 0: MPEG2.5, 1: reserved
  const layer = (b[i + 1] >> 1) & 3; // 3: layer I, 2: II, 1: III
  const bitrateIndex = b[i + 2] >> 4;
  const rateIndex = (b[i + 2] >> 2) & 3;
  if (version === 1 || layer === 0 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return 0;
  const v1 = version === 3;
  const kbps = MPEG_BITRATES[v1 ? 0 : 1][3 - layer][bitrateIndex];
  const rate = MPEG_RATES[rateIndex] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const padding = (b[i + 2] >> 1) & 1;
  if (layer === 3) return Math.floor((12 * kbps * 1000) / rate + padding) * 4;
  const samples = layer === 1 && !v1 ? 576 : 1152;
  return Math.floor(((samples / 8) * kbps * 1000) / rate) + padding;
}

function synchsafe(b: Uint8Array, at: number): number {
  return ((b[at] & 0x7f) << 21) | ((b[at + 1] & 0x7f) << 14) | ((b[at + 2] & 0x7f) << 7) | (b[at + 3] & 0x7f);
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0xc2) printable++;
  }
  return printable / n > 0.95;
}
