/**
 * Decode any supported input once, as a stream of PCM blocks at the file's own rate and channel
 * count. The whole file is never held: bytes are read, decoded and handed on block by block.
 */
import { TrackprobeError } from "../result.js";
import { declaredLength, mpegChannelCount } from "./header-info.js";
import { createWasmDecoder, type DecodedChunk, type StreamDecoder, type WasmFormat } from "./decoder.js";
import { ffmpegWavBytes } from "./ffmpeg.js";
import { type Format, sniff } from "./sniff.js";
import type { Source } from "./source.js";
import { WavDecoder } from "./wav.js";

export interface PcmBlock {
  /** One array per channel, each `length` samples long. */
  channels: Float32Array[];
  length: number;
  sampleRate: number;
}

export interface DecodedStream {
  format: Format;
  blocks: AsyncGenerator<PcmBlock>;
}

/** Sniffs the format and returns the block stream; throws a TrackprobeError for what it cannot read. */
export async function openDecoded(source: Source, warnings: string[]): Promise<DecodedStream> {
  const s = await sniff(source.reader);
  if (s.kind === "empty") throw new TrackprobeError("EMPTY", `${source.name}: file is empty (0 bytes)`);
  if (s.kind === "text") throw new TrackprobeError("UNSUPPORTED_FORMAT", `${source.name}: this is a text file, not audio`);
  if (s.kind === "unknown") throw new TrackprobeError("UNSUPPORTED_FORMAT", `${source.name}: not a recognised audio format`);
  const head = await source.reader.peek(s.offset + 4096);
  const declared = declaredLength(s.format, head, s.offset);
  let bytes: AsyncIterable<Uint8Array>;
  let decoder: StreamDecoder;
  let wav: WavDecoder | null = null;
  if (s.native) {
    bytes = source.reader.chunks();
    decoder = s.format === "wav" ? (wav = new WavDecoder(source.name)) : await createWasmDecoder(s.format as WasmFormat);
  } else {
    bytes = ffmpegWavBytes(source, s.format.toUpperCase());
    decoder = wav = new WavDecoder(source.name);
  }
  const keepChannels = s.format === "mp3" ? mpegChannelCount(head, s.offset) : Number.POSITIVE_INFINITY;
  const blocks = blocksOf(source.name, bytes, decoder, warnings, keepChannels, () => checkLength());
  return { format: s.format, blocks };

  function checkLength(): number | null {
    if (wav?.missingBytes) return -1;
    return declared ? declared.samples / declared.sampleRate : null;
  }
}

async function* blocksOf(
  name: string,
  bytes: AsyncIterable<Uint8Array>,
  decoder: StreamDecoder,
  warnings: string[],
  keepChannels: number,
  declaredSeconds: () => number | null,
): AsyncGenerator<PcmBlock> {
  let sampleRate = 0;
  let channels = 0;
  let samples = 0;
  let errors = 0;
  let dropped = 0;
  const accept = function* (c: DecodedChunk | null): Generator<PcmBlock> {
    if (!c) return;
    errors += c.errors.length;
    if (c.samplesDecoded === 0) return;
    if (sampleRate === 0) {
      sampleRate = c.sampleRate;
      channels = c.channelData.length;
    }
    // mpg123 returns mono as two identical channels: loudness must count it once
    if (c.sampleRate !== sampleRate || c.channelData.length !== channels) {
      dropped += c.samplesDecoded / c.sampleRate; // a chained stream with another layout
      return;
    }
    samples += c.samplesDecoded;
    yield { channels: c.channelData.slice(0, keepChannels), length: c.samplesDecoded, sampleRate };
  };
  try {
    for await (const chunk of bytes) yield* accept(await decoder.decode(chunk));
    yield* accept(await decoder.flush());
  } catch (e) {
    if (e instanceof TrackprobeError) throw e;
    if (samples === 0) throw new TrackprobeError("CORRUPT", `${name}: cannot decode (${(e as Error).message})`);
    warnings.push(`decoding stopped early after ${(samples / sampleRate).toFixed(1)} s: ${(e as Error).message}`);
  } finally {
    decoder.free();
  }
  if (samples === 0) throw new TrackprobeError("CORRUPT", `${name}: no decodable audio found`);
  if (errors > 0) warnings.push(`${errors} corrupt or undecodable frame(s) were skipped`);
  if (dropped > 0) warnings.push(`${dropped.toFixed(1)} s in a different sample rate or channel layout were skipped`);
  const declared = declaredSeconds();
  const decodedSeconds = samples / sampleRate;
  if (declared === -1 || (declared !== null && decodedSeconds < declared - 0.1)) {
    const of = declared !== null && declared > 0 ? ` of ${declared.toFixed(1)} s` : "";
    warnings.push(`file is truncated: analysed the ${decodedSeconds.toFixed(1)} s${of} that are present`);
  }
}
