/**
 * Decode any supported input once, as a stream of PCM blocks at the file's own rate and channel
 * count. The whole file is never held: bytes are read, decoded and handed on block by block.
 */
import { TrackprobeError } from "../result.js";
import { declaredLayout, declaredLength, mpegChannelCount } from "./header-info.js";
import { createWasmDecoder, type DecodedChunk, type StreamDecoder, type WasmFormat } from "./decoder.js";
import { ffmpegWavBytes } from "./ffmpeg.js";
import { checkLayout, MAX_SAMPLE_MAGNITUDE, zeroCorruptSamples } from "./limits.js";
import { type Format, MAX_ID3_BYTES, sniff } from "./sniff.js";
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

/** Header bytes looked at past the sniffed offset (STREAMINFO, Xing tag, codec headers). */
const HEAD_BYTES = 4096;

/**
 * Input bytes a decoder may swallow without returning a sample before decoding stops: enough for
 * FLAC metadata with several large pictures, while a stream of junk (or /dev/zero behind an ID3
 * header) ends instead of being fed to a resyncing decoder forever.
 */
export const MAX_BYTES_WITHOUT_AUDIO = 128 * 1024 * 1024;

/** Sniffs the format and returns the block stream; throws a TrackprobeError for what it cannot read. */
export async function openDecoded(source: Source, warnings: string[]): Promise<DecodedStream> {
  const s = await sniff(source.reader);
  if (s.kind === "empty") throw new TrackprobeError("EMPTY", `${source.name}: file is empty (0 bytes)`);
  if (s.kind === "text") throw new TrackprobeError("UNSUPPORTED_FORMAT", `${source.name}: this is a text file, not audio`);
  if (s.kind === "unknown") throw new TrackprobeError("UNSUPPORTED_FORMAT", `${source.name}: not a recognised audio format`);
  // Past an ID3 tag too large to buffer, the header facts are not read (the decoder still is).
  const head = s.offset <= MAX_ID3_BYTES ? await source.reader.peek(s.offset + HEAD_BYTES) : new Uint8Array(0);
  // Refused before any decoder sees the bytes: a WASM decoder told 32767 channels or 8 Hz is
  // itself what grows.
  const layout = declaredLayout(s.format, head, s.offset);
  if (layout) checkLayout(source.name, layout.what, layout.sampleRateHz, layout.channels);
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

/** Why a decoder failed, in words: a WASM trap is the decoder crashing on corrupt data. */
function reason(e: unknown): string {
  return e instanceof WebAssembly.RuntimeError ? `the decoder crashed on corrupt data: ${e.message}` : String((e as Error)?.message ?? e);
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
  let zeroed = 0;
  let bytesSinceAudio = 0;
  const accept = function* (c: DecodedChunk | null): Generator<PcmBlock> {
    if (!c) return;
    errors += c.errors.length;
    if (c.samplesDecoded === 0) return;
    bytesSinceAudio = 0;
    if (sampleRate === 0) {
      // What the decoder reports is checked too: a header can change mid-stream, or lie past
      // what declaredLayout reads.
      checkLayout(name, "the decoded stream", c.sampleRate, c.channelData.length);
      sampleRate = c.sampleRate;
      channels = c.channelData.length;
    }
    // mpg123 returns mono as two identical channels: loudness must count it once
    if (c.sampleRate !== sampleRate || c.channelData.length !== channels) {
      dropped += c.samplesDecoded / c.sampleRate; // a chained stream with another layout
      return;
    }
    samples += c.samplesDecoded;
    const kept = c.channelData.slice(0, keepChannels);
    zeroed += zeroCorruptSamples(kept, c.samplesDecoded);
    yield { channels: kept, length: c.samplesDecoded, sampleRate };
  };
  let stoppedForJunk = false;
  try {
    for await (const chunk of bytes) {
      bytesSinceAudio += chunk.length;
      yield* accept(await decoder.decode(chunk));
      if (bytesSinceAudio > MAX_BYTES_WITHOUT_AUDIO) {
        stoppedForJunk = true;
        break;
      }
    }
    if (!stoppedForJunk) yield* accept(await decoder.flush());
  } catch (e) {
    if (e instanceof TrackprobeError) throw e;
    // A WASM decoder that trapped (RuntimeError) is dropped with this call: nothing reuses it.
    if (samples === 0) throw new TrackprobeError("CORRUPT", `${name}: cannot decode (${reason(e)})`);
    warnings.push(`decoding stopped early after ${(samples / sampleRate).toFixed(1)} s: ${reason(e)}`);
  } finally {
    // After a trap the instance's heap is garbage, and free() may trap as well: that must not
    // replace the outcome already decided (CORRUPT, or the audio decoded so far).
    try {
      decoder.free();
    } catch {}
  }
  const mb = (MAX_BYTES_WITHOUT_AUDIO / 2 ** 20).toFixed(0);
  if (samples === 0) {
    const why = stoppedForJunk ? `no audio in the first ${mb} MB` : "no decodable audio found";
    throw new TrackprobeError("CORRUPT", `${name}: ${why}`);
  }
  if (stoppedForJunk) warnings.push(`decoding stopped after ${(samples / sampleRate).toFixed(1)} s: no audio in the next ${mb} MB`);
  if (errors > 0) warnings.push(`${errors} corrupt or undecodable frame(s) were skipped`);
  if (dropped > 0) warnings.push(`${dropped.toFixed(1)} s in a different sample rate or channel layout were skipped`);
  if (zeroed > 0) {
    warnings.push(`${zeroed} corrupt sample(s) (NaN, infinite, or beyond ±2^${Math.log2(MAX_SAMPLE_MAGNITUDE)}) were set to 0`);
  }
  const declared = declaredSeconds();
  const decodedSeconds = samples / sampleRate;
  if (declared === -1 || (declared !== null && decodedSeconds < declared - 0.1)) {
    const of = declared !== null && declared > 0 ? ` of ${declared.toFixed(1)} s` : "";
    warnings.push(`file is truncated: analysed the ${decodedSeconds.toFixed(1)} s${of} that are present`);
  }
}
