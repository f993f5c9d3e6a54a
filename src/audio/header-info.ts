/**
 * Facts a file's own header declares, read from its first bytes: the length (so a file cut off
 * in the middle can be reported as such — the decoders just stop where the bytes end) and, for
 * MP3, whether it is mono (mpg123 always returns two channels).
 */
import { mpegFrameLength } from "./sniff.js";

/** Declared length in samples per channel and the rate it is counted at, or null if not declared. */
export interface DeclaredLength {
  samples: number;
  sampleRate: number;
}

export function declaredLength(format: string, head: Uint8Array, offset: number): DeclaredLength | null {
  if (format === "flac") return flacStreamInfo(head, offset);
  if (format === "mp3") return xingFrames(head, offset);
  return null;
}

/** FLAC STREAMINFO: 20-bit rate, then 36-bit total sample count (0 = unknown). */
function flacStreamInfo(b: Uint8Array, at: number): DeclaredLength | null {
  const p = at + 8; // "fLaC" + metadata block header
  if (b.length < p + 18) return null;
  const sampleRate = (b[p + 10] << 12) | (b[p + 11] << 4) | (b[p + 12] >> 4);
  const samples = (b[p + 13] & 0x0f) * 2 ** 32 + ((b[p + 14] << 24) >>> 0) + (b[p + 15] << 16) + (b[p + 16] << 8) + b[p + 17];
  return samples > 0 && sampleRate > 0 ? { samples, sampleRate } : null;
}

/** Offset of the first MPEG audio frame header at or after `at`, or -1. */
function firstMpegFrame(b: Uint8Array, at: number): number {
  for (let i = at; i + 4 < b.length; i++) if (b[i] === 0xff && (b[i + 1] & 0xe0) === 0xe0 && mpegFrameLength(b, i) > 0) return i;
  return -1;
}

/** Channel count of an MPEG audio stream from its first frame header (channel mode 3 = mono). */
export function mpegChannelCount(b: Uint8Array, at: number): number {
  const i = firstMpegFrame(b, at);
  return i >= 0 && b[i + 3] >> 6 === 3 ? 1 : 2;
}

/** Xing/Info tag in the first MPEG frame: frame count, times samples per frame. */
function xingFrames(b: Uint8Array, at: number): DeclaredLength | null {
  const i = firstMpegFrame(b, at);
  if (i < 0) return null;
  const version = (b[i + 1] >> 3) & 3;
  const mono = b[i + 3] >> 6 === 3;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const t = i + 4 + sideInfo;
  const tag = String.fromCharCode(b[t], b[t + 1], b[t + 2], b[t + 3]);
  if ((tag !== "Xing" && tag !== "Info") || !(b[t + 7] & 1)) return null;
  const frames = ((b[t + 8] << 24) >>> 0) + (b[t + 9] << 16) + (b[t + 10] << 8) + b[t + 11];
  const rate = [44100, 48000, 32000][(b[i + 2] >> 2) & 3] / (version === 3 ? 1 : version === 2 ? 2 : 4);
  return { samples: frames * (version === 3 ? 1152 : 576), sampleRate: rate };
}

/** Sample rate and channel count a header declares, before any decoder sees the bytes. */
export interface DeclaredLayout {
  /** What declared it, for messages ("Vorbis header", …). */
  what: string;
  sampleRateHz: number;
  channels: number;
}

/**
 * The layout declared by the identification header of an Ogg Vorbis or Opus stream, or by FLAC's
 * STREAMINFO; null when the format has no such header here (WAV checks its own fmt chunk, MP3's
 * frame headers can only say 1–2 channels and 8–48 kHz) or the head is too short to hold it.
 */
export function declaredLayout(format: string, b: Uint8Array, at: number): DeclaredLayout | null {
  if (format === "flac") {
    const p = at + 8; // "fLaC" + the header of the first metadata block, which must be STREAMINFO
    if (b.length < p + 18 || (b[at + 4] & 0x7f) !== 0) return null;
    const sampleRateHz = (b[p + 10] << 12) | (b[p + 11] << 4) | (b[p + 12] >> 4);
    return { what: "FLAC STREAMINFO", sampleRateHz, channels: ((b[p + 12] >> 1) & 7) + 1 };
  }
  if (format === "ogg-vorbis" || format === "opus") {
    if (b.length < at + 27) return null;
    const p = at + 27 + b[at + 26]; // first packet, right after the page's segment table
    if (format === "ogg-vorbis") {
      // 0x01 "vorbis", version u32, channels u8, rate u32 LE
      if (b.length < p + 16) return null;
      const sampleRateHz = (b[p + 12] | (b[p + 13] << 8) | (b[p + 14] << 16) | (b[p + 15] << 24)) >>> 0;
      return { what: "Vorbis identification header", sampleRateHz, channels: b[p + 11] };
    }
    // "OpusHead", version u8, channels u8, …: Opus always decodes at 48 kHz, whatever the header's
    // informational input rate says, so only the channel count matters
    if (b.length < p + 10) return null;
    return { what: "OpusHead", sampleRateHz: 48000, channels: b[p + 9] };
  }
  return null;
}
