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
import { hannWindow, RealFft } from "../dsp/fft.js";
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
    if (fe.spectrumSinks.length) fe.framer = new Framer(await RealFft.create(FRAME_SIZE), HOP_SIZE, fe.spectrumSinks);
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


/**
 * Cuts the mono signal into centred, Hann-windowed frames (frame i centred at sample i·hop, the
 * signal zero-padded by half a frame at both ends), and hands each magnitude spectrum on.
 */
class Framer {
  private buf: Float32Array;
  private fill: number;
  private next = 0; // start of the next frame in buf
  private index = 0;
  private total = 0; // signal samples pushed
  private readonly window: Float32Array;
  private readonly mag: Float32Array;

  constructor(
    private readonly fft: RealFft,
    private readonly hop: number,
    private readonly sinks: StreamSink<unknown>[],
  ) {
    const n = fft.size;
    this.buf = new Float32Array(n * 4 + 65536);
    this.fill = n / 2; // leading zero padding
    this.window = hannWindow(n);
    this.mag = new Float32Array(fft.bins);
  }

  push(samples: Float32Array): void {
    this.total += samples.length;
    let off = 0;
    while (off < samples.length) {
      if (this.fill === this.buf.length) this.compact();
      const n = Math.min(samples.length - off, this.buf.length - this.fill);
      this.buf.set(samples.subarray(off, off + n), this.fill);
      this.fill += n;
      off += n;
      this.emit(Number.POSITIVE_INFINITY);
    }
  }

  finish(): void {
    // frames 0 .. floor(total / hop), as with librosa's centred STFT
    const lastFrame = Math.floor(this.total / this.hop);
    const pad = new Float32Array(this.fft.size);
    while (this.index <= lastFrame) {
      if (this.fill + pad.length > this.buf.length) this.compact();
      if (this.fill + pad.length > this.buf.length) break;
      this.buf.set(pad, this.fill);
      this.fill += pad.length;
      this.emit(lastFrame);
    }
    this.fft.dispose();
  }

  dispose(): void {
    this.fft.dispose();
  }

  private emit(lastFrame: number): void {
    const n = this.fft.size;
    while (this.next + n <= this.fill && this.index <= lastFrame) {
      this.fft.windowedMagnitudes(this.buf, this.next, this.window, this.mag);
      for (const s of this.sinks) s.spectrum?.(this.mag, this.index);
      this.index++;
      this.next += this.hop;
    }
  }

  private compact(): void {
    this.buf.copyWithin(0, this.next, this.fill);
    this.fill -= this.next;
    this.next = 0;
  }
}
