/**
 * Streaming WAV decoder: RIFF, RF64/BW64, PCM 8/16/24/32-bit integer, IEEE float 32/64,
 * WAVE_FORMAT_EXTENSIBLE, every channel count and rate within limits.ts. Also reads ffmpeg's
 * piped WAV output, whose header gives no length ("until end of stream").
 */
import { TrackprobeError } from "../result.js";
import type { DecodedChunk, StreamDecoder } from "./decoder.js";
import { checkLayout } from "./limits.js";

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;
/** fmt is 16–40 bytes and ds64 28 plus a table; more is not a WAV header. */
const MAX_FORMAT_CHUNK_BYTES = 64 * 1024;

interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  float: boolean;
  blockAlign: number;
}

export class WavDecoder implements StreamDecoder {
  /** Header bytes not parsed yet: at most one fmt/ds64 chunk, never a skipped chunk. */
  private header: Uint8Array = new Uint8Array(0);
  private riff: string | null = null;
  /** Bytes of a chunk trackprobe does not need (LIST, JUNK, …) still to skip as they stream by. */
  private skipBytes = 0;
  private format: WavFormat | null = null;
  private ds64DataSize: number | null = null;
  /** Data bytes the header promises; Infinity when it does not say. */
  private dataBytesLeft = Number.POSITIVE_INFINITY;
  private declaredDataBytes = Number.POSITIVE_INFINITY;
  private leftover: Uint8Array = new Uint8Array(0);
  private inData = false;
  private finished = false;

  constructor(private readonly name: string) {}

  /** Seconds of audio the header declares, when it declares a length. */
  get declaredSeconds(): number | null {
    if (!this.format || !Number.isFinite(this.declaredDataBytes)) return null;
    return this.declaredDataBytes / this.format.blockAlign / this.format.sampleRate;
  }

  async decode(bytes: Uint8Array): Promise<DecodedChunk> {
    if (this.finished) return empty();
    if (!this.inData) {
      const rest = this.parseHeader(bytes);
      if (rest === null) return empty();
      bytes = rest;
    }
    return this.samples(bytes);
  }

  async flush(): Promise<DecodedChunk | null> {
    if (!this.inData) {
      throw new TrackprobeError("CORRUPT", `${this.name}: WAV file ends inside its header (no audio data)`);
    }
    return null;
  }

  free(): void {}

  /**
   * Parses chunks until the data chunk; returns the bytes after its header, or null if more is
   * needed. Only fmt and ds64 are held (and they are small); every other chunk is skipped as it
   * streams by, so no header field sizes a buffer.
   */
  private parseHeader(bytes: Uint8Array): Uint8Array | null {
    if (this.skipBytes > 0) {
      const n = Math.min(this.skipBytes, bytes.length);
      this.skipBytes -= n;
      bytes = bytes.subarray(n);
      if (this.skipBytes > 0) return null;
    }
    let b = concat(this.header, bytes);
    if (this.riff === null) {
      if (b.length < 12) {
        this.header = b.slice();
        return null;
      }
      this.riff = String.fromCharCode(b[0], b[1], b[2], b[3]);
      b = b.subarray(12);
    }
    while (b.length >= 8) {
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const id = String.fromCharCode(b[0], b[1], b[2], b[3]);
      const size = view.getUint32(4, true);
      const padded = size + (size & 1); // chunks are word-aligned
      if (id === "data") {
        if (!this.format) throw new TrackprobeError("CORRUPT", `${this.name}: WAV data chunk before its fmt chunk`);
        const isUnknownSize = size === 0 || size === 0xffffffff;
        const declared = this.riff !== "RIFF" && this.ds64DataSize !== null ? this.ds64DataSize : size;
        if (!(isUnknownSize && this.riff === "RIFF")) this.dataBytesLeft = this.declaredDataBytes = declared;
        this.inData = true;
        this.header = new Uint8Array(0);
        return b.subarray(8);
      }
      if (id === "fmt " || id === "ds64") {
        if (size > MAX_FORMAT_CHUNK_BYTES) throw new TrackprobeError("CORRUPT", `${this.name}: WAV chunk "${id}" claims ${size} bytes`);
        if (b.length < 8 + size) break; // need the whole chunk
        if (id === "fmt ") this.format = this.parseFmt(view, 8, size);
        else if (size >= 16) this.ds64DataSize = view.getUint32(16, true) + view.getUint32(20, true) * 2 ** 32;
      }
      const have = b.length - 8;
      if (have < padded) {
        this.skipBytes = padded - have;
        b = new Uint8Array(0);
        break;
      }
      b = b.subarray(8 + padded);
    }
    this.header = b.slice(); // a copy: the rest of the read chunk is not kept alive by it
    return null;
  }

  private parseFmt(view: DataView, at: number, size: number): WavFormat {
    if (size < 16) throw new TrackprobeError("CORRUPT", `${this.name}: WAV fmt chunk too short`);
    let tag = view.getUint16(at, true);
    const channels = view.getUint16(at + 2, true);
    const sampleRate = view.getUint32(at + 4, true);
    const blockAlign = view.getUint16(at + 12, true);
    const bitsPerSample = view.getUint16(at + 14, true);
    if (tag === FORMAT_EXTENSIBLE && size >= 40) tag = view.getUint16(at + 24, true); // SubFormat GUID's first 2 bytes
    if (tag !== FORMAT_PCM && tag !== FORMAT_FLOAT) {
      throw new TrackprobeError("UNSUPPORTED_FORMAT", `${this.name}: WAV with compressed sample format 0x${tag.toString(16)} (ffmpeg would read it)`);
    }
    const float = tag === FORMAT_FLOAT;
    const validBits = float ? [32, 64] : [8, 16, 24, 32];
    if (!validBits.includes(bitsPerSample)) {
      throw new TrackprobeError("UNSUPPORTED_FORMAT", `${this.name}: WAV ${float ? "float" : "integer"} samples of ${bitsPerSample} bits`);
    }
    checkLayout(this.name, "WAV header", sampleRate, channels);
    if (blockAlign !== (channels * bitsPerSample) / 8) {
      throw new TrackprobeError("CORRUPT", `${this.name}: WAV header is inconsistent (${channels} channels, ${sampleRate} Hz, block ${blockAlign})`);
    }
    return { sampleRate, channels, bitsPerSample, float, blockAlign };
  }

  private samples(bytes: Uint8Array): DecodedChunk {
    const f = this.format as WavFormat;
    if (bytes.length > this.dataBytesLeft) {
      bytes = bytes.subarray(0, this.dataBytesLeft); // trailing chunks (LIST, id3) are not audio
      this.finished = true;
    }
    this.dataBytesLeft -= bytes.length;
    if (this.leftover.length) bytes = concat(this.leftover, bytes);
    const frames = Math.floor(bytes.length / f.blockAlign);
    this.leftover = bytes.slice(frames * f.blockAlign);
    const out = Array.from({ length: f.channels }, () => new Float32Array(frames));
    const view = new DataView(bytes.buffer, bytes.byteOffset, frames * f.blockAlign);
    const bytesPer = f.bitsPerSample / 8;
    let p = 0;
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < f.channels; c++, p += bytesPer) out[c][i] = readSample(view, p, f);
    }
    return { channelData: out, samplesDecoded: frames, sampleRate: f.sampleRate, errors: [] };
  }

  /** Bytes of audio the header promised but the file did not hold (0 when complete or unknown). */
  get missingBytes(): number {
    return Number.isFinite(this.dataBytesLeft) && !this.finished ? this.dataBytesLeft : 0;
  }
}

function readSample(v: DataView, p: number, f: WavFormat): number {
  switch (f.bitsPerSample) {
    case 8:
      return (v.getUint8(p) - 128) / 128;
    case 16:
      return v.getInt16(p, true) / 32768;
    case 24:
      return ((v.getInt8(p + 2) << 16) | (v.getUint8(p + 1) << 8) | v.getUint8(p)) / 8388608;
    case 32:
      return f.float ? v.getFloat32(p, true) : v.getInt32(p, true) / 2147483648;
    default:
      return v.getFloat64(p, true);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function empty(): DecodedChunk {
  return { channelData: [], samplesDecoded: 0, sampleRate: 0, errors: [] };
}
