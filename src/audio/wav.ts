/**
 * Streaming WAV decoder: RIFF, RF64/BW64, PCM 8/16/24/32-bit integer, IEEE float 32/64,
 * WAVE_FORMAT_EXTENSIBLE, any channel count and rate. Also reads ffmpeg's piped WAV output,
 * whose header gives no length ("until end of stream").
 */
import { TrackprobeError } from "../result.js";
import type { DecodedChunk, StreamDecoder } from "./decoder.js";

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

interface WavFormat {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  float: boolean;
  blockAlign: number;
}

export class WavDecoder implements StreamDecoder {
  private header: Uint8Array = new Uint8Array(0);
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
      this.header = concat(this.header, bytes);
      const rest = this.parseHeader();
      if (rest === null) return empty();
      this.header = new Uint8Array(0);
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

  /** Parses chunks until the data chunk; returns the bytes after its header, or null if more is needed. */
  private parseHeader(): Uint8Array | null {
    const b = this.header;
    if (b.length < 12) return null;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const riff = String.fromCharCode(b[0], b[1], b[2], b[3]);
    let pos = 12;
    while (pos + 8 <= b.length) {
      const id = String.fromCharCode(b[pos], b[pos + 1], b[pos + 2], b[pos + 3]);
      const size = view.getUint32(pos + 4, true);
      if (id === "data") {
        if (!this.format) throw new TrackprobeError("CORRUPT", `${this.name}: WAV data chunk before its fmt chunk`);
        const isUnknownSize = size === 0 || size === 0xffffffff;
        const declared = riff !== "RIFF" && this.ds64DataSize !== null ? this.ds64DataSize : size;
        if (!(isUnknownSize && riff === "RIFF")) this.dataBytesLeft = this.declaredDataBytes = declared;
        this.inData = true;
        return b.subarray(pos + 8);
      }
      if (pos + 8 + size > b.length) {
        if (size > 16 * 1024 * 1024) throw new TrackprobeError("CORRUPT", `${this.name}: WAV chunk "${id}" claims ${size} bytes`);
        return null; // need the whole chunk
      }
      if (id === "fmt ") this.format = this.parseFmt(view, pos + 8, size);
      else if (id === "ds64" && size >= 16) this.ds64DataSize = view.getUint32(pos + 16, true) + view.getUint32(pos + 20, true) * 2 ** 32;
      pos += 8 + size + (size & 1); // chunks are word-aligned
    }
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
    if (channels < 1 || sampleRate < 1000 || sampleRate > 768000 || blockAlign !== (channels * bitsPerSample) / 8) {
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
