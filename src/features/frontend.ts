/**
 * The streaming front end: fed native PCM blocks once, it drives every feature stream that the
 * requested analysers need, in a single pass:
 *
 *   native PCM ──► "pcm" streams (loudness: needs every channel at the file's own rate)
 *        │ downmix to mono, resample to ANALYSIS_RATE (only if a stream needs it)
 *        ▼
 *   mono 22.05 kHz ──► "mono" streams (time-domain features)
 *        │ Hann-windowed frames, one FFT each (only if a stream needs it)
 *        ▼
 *   magnitude spectra ──► "spectrum" streams (onset envelope, chroma, band energies)
 *
 * A stream is added in streams.ts; nothing here changes, and no stream adds a decode or an FFT.
 */
import type { PcmBlock } from "../audio/decode.js";
import { RealFft } from "../dsp/fft.js";
import { Framer } from "../dsp/stft.js";
import { Resampler } from "../dsp/resample.js";

/** Rate of the mono analysis signal: 0–11 kHz holds everything rhythm and harmony need. */
export const ANALYSIS_RATE = 22050;
/** STFT frame: 93 ms, 10.8 Hz bins, resolves semitones from about 180 Hz up. */
export const FRAME_SIZE = 2048;
/** STFT hop: 11.6 ms, 86.13 frames per second. */
export const HOP_SIZE = 256;

export interface FrontEndInfo {
  /** The file's own rate and channel count. */
  sampleRate: number;
  channels: number;
  analysisRate: number;
  frameSize: number;
  hopSize: number;
  /** Spectrum frames per second; frame i is centred at i / framesPerSecond seconds. */
  framesPerSecond: number;
}

export type StreamInput = "pcm" | "mono" | "spectrum";

/** A consumer of one of the front end's signals, producing a compact feature stream. */
export interface StreamSink<T> {
  /** Native PCM block (input "pcm"). */
  pcm?(block: PcmBlock): void;
  /** Mono analysis-rate samples (input "mono"); the array is reused after the call. */
  mono?(samples: Float32Array): void;
  /** Magnitude spectrum of frame `index` (input "spectrum"); `mag` is reused after the call. */
  spectrum?(mag: Float32Array, index: number): void;
  finish(): T;
  /**
   * The stream over the input so far, leaving the sink as it was (a preview); absent: the stream
   * cannot be previewed. What finish() returns later is the same with or without snapshots.
   */
  snapshot?(): T;
}

export interface StreamDef<T> {
  input: StreamInput;
  create(info: FrontEndInfo): StreamSink<T>;
}

export class FrontEnd {
  private readonly pcmSinks: StreamSink<unknown>[] = [];
  private readonly monoSinks: StreamSink<unknown>[] = [];
  private readonly spectrumSinks: StreamSink<unknown>[] = [];
  private readonly named: { name: string; sink: StreamSink<unknown> }[] = [];
  private resampler: Resampler | null = null;
  private framer: Framer | null = null;
  /** Seconds spent in this front end (features), as opposed to waiting for decoded audio. */
  seconds = 0;
  samples = 0;

  private constructor(readonly info: FrontEndInfo) {}

  static async create(defs: Record<string, StreamDef<unknown>>, sampleRate: number, channels: number): Promise<FrontEnd> {
    const info: FrontEndInfo = {
      sampleRate,
      channels,
      analysisRate: ANALYSIS_RATE,
      frameSize: FRAME_SIZE,
      hopSize: HOP_SIZE,
      framesPerSecond: ANALYSIS_RATE / HOP_SIZE,
    };
    const fe = new FrontEnd(info);
    for (const [name, def] of Object.entries(defs)) {
      const sink = def.create(info);
      fe.named.push({ name, sink });
      (def.input === "pcm" ? fe.pcmSinks : def.input === "mono" ? fe.monoSinks : fe.spectrumSinks).push(sink);
    }
    const needMono = fe.monoSinks.length + fe.spectrumSinks.length > 0;
    if (needMono && sampleRate !== ANALYSIS_RATE) fe.resampler = await Resampler.create(sampleRate, ANALYSIS_RATE);
    if (fe.spectrumSinks.length) {
      const sinks = fe.spectrumSinks;
      fe.framer = new Framer(await RealFft.create(FRAME_SIZE), HOP_SIZE, (mag, index) => {
        for (const s of sinks) s.spectrum?.(mag, index);
      });
    }
    return fe;
  }

  push(block: PcmBlock): void {
    const t0 = performance.now();
    this.samples += block.length;
    for (const s of this.pcmSinks) s.pcm?.(block);
    if (this.monoSinks.length + this.spectrumSinks.length > 0) {
      const mono = this.downmix(block);
      this.mono(this.resampler ? this.resampler.process(mono) : mono);
    }
    this.seconds += (performance.now() - t0) / 1000;
  }

  private ended = false;

  /** Ends the stream; returns every stream's output by name. */
  finish(): Record<string, unknown> {
    this.ended = true;
    const t0 = performance.now();
    if (this.resampler) this.mono(this.resampler.flush());
    this.framer?.finish();
    const out: Record<string, unknown> = {};
    for (const { name, sink } of this.named) out[name] = sink.finish();
    this.seconds += (performance.now() - t0) / 1000;
    return out;
  }

  /**
   * Every named stream that can be previewed, over the input pushed so far (samples still inside
   * the resampler or the STFT framer are not in it); the front end goes on as if not asked.
   */
  snapshot(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const { name, sink } of this.named) if (sink.snapshot) out[name] = sink.snapshot();
    return out;
  }

  /**
   * Releases the WASM state of a front end that will not be finished (an aborted analysis): the
   * resampler and FFT live in process-wide WASM heaps, which would otherwise keep it for good.
   */
  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    this.resampler?.flush(); // flushing is what frees a Resampler
    this.framer?.dispose();
  }

  private mixBuffer = new Float32Array(0);

  /** Mean of the channels, in a buffer reused from block to block. */
  private downmix(block: PcmBlock): Float32Array {
    const { channels, length } = block;
    if (channels.length === 1) return channels[0].subarray(0, length);
    if (this.mixBuffer.length < length) this.mixBuffer = new Float32Array(length);
    const out = this.mixBuffer.subarray(0, length);
    if (channels.length === 2) {
      const [a, b] = channels;
      for (let i = 0; i < length; i++) out[i] = 0.5 * (a[i] + b[i]);
      return out;
    }
    out.set(channels[0].subarray(0, length));
    for (let c = 1; c < channels.length; c++) {
      const ch = channels[c];
      for (let i = 0; i < length; i++) out[i] += ch[i];
    }
    const g = 1 / channels.length;
    for (let i = 0; i < length; i++) out[i] *= g;
    return out;
  }

  private mono(samples: Float32Array): void {
    if (samples.length === 0) return;
    for (const s of this.monoSinks) s.mono?.(samples);
    this.framer?.push(samples);
  }
}
