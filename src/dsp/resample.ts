/**
 * Streaming mono sample-rate conversion with the Speex resampler (BSD, WASM SIMD build).
 * Quality 5 keeps aliasing far below anything the analysers can see (< -100 dB measured on
 * sines) at a fraction of the decode cost. The filter delay is removed (`skip_zeros` at the
 * start, a zero tail at the end), so output sample n lines up with input time n / outRate and the
 * output length is exactly round(inputLength * outRate / inRate).
 */
import SpeexResampler from "@echogarden/speex-resampler-wasm/simd";

interface SpeexModule {
  HEAPF32: Float32Array;
  HEAPU32: Uint32Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _speex_resampler_init(ch: number, inRate: number, outRate: number, q: number, err: number): number;
  _speex_resampler_process_float(st: number, ch: number, inp: number, inLen: number, out: number, outLen: number): number;
  _speex_resampler_skip_zeros(st: number): number;
  _speex_resampler_get_input_latency(st: number): number;
  _speex_resampler_destroy(st: number): void;
}

let modulePromise: Promise<SpeexModule> | undefined;
const loadSpeex = () => {
  modulePromise ??= (SpeexResampler as unknown as () => Promise<SpeexModule>)();
  return modulePromise;
};

/** Samples per call into WASM; blocks of any size are split into these. */
const STEP = 8192;

export class Resampler {
  private inputSeen = 0;
  private outputGiven = 0;

  private constructor(
    private readonly m: SpeexModule,
    private readonly st: number,
    readonly inRate: number,
    readonly outRate: number,
    private readonly inPtr: number,
    private readonly outPtr: number,
    private readonly lenPtr: number,
    private readonly outCapacity: number,
  ) {}

  static async create(inRate: number, outRate: number, quality = 5): Promise<Resampler> {
    const m = await loadSpeex();
    const err = m._malloc(4);
    const st = m._speex_resampler_init(1, inRate, outRate, quality, err);
    m._free(err);
    if (!st) throw new Error(`speex resampler could not be created for ${inRate} -> ${outRate} Hz`);
    m._speex_resampler_skip_zeros(st);
    const outCapacity = Math.ceil((STEP * outRate) / inRate) + 64;
    return new Resampler(m, st, inRate, outRate, m._malloc(STEP * 4), m._malloc(outCapacity * 4), m._malloc(8), outCapacity);
  }

  private out = new Float32Array(0);

  /**
   * Resamples the next block; returns the output produced so far (may be empty), in a buffer
   * that is reused by the next call.
   */
  process(input: Float32Array): Float32Array {
    this.inputSeen += input.length;
    const room = Math.ceil((input.length * this.outRate) / this.inRate) + 64 * (1 + input.length / STEP);
    if (this.out.length < room) this.out = new Float32Array(room);
    let n = 0;
    for (let off = 0; off < input.length; off += STEP) n += this.run(input.subarray(off, off + STEP), this.out, n);
    return this.out.subarray(0, n);
  }

  /** Drains the filter; returns the last samples, so the total is exactly the expected length. */
  flush(): Float32Array {
    const expected = Math.round((this.inputSeen * this.outRate) / this.inRate);
    const parts: Float32Array[] = [];
    let produced = this.outputGiven;
    const zeros = new Float32Array(Math.min(STEP, this.m._speex_resampler_get_input_latency(this.st) + 16));
    for (let guard = 0; produced < expected && guard < 64; guard++) {
      const out = new Float32Array(this.outCapacity);
      const n = this.run(zeros, out, 0);
      parts.push(out.subarray(0, n));
      produced += n;
    }
    const tail = joinParts(parts);
    const excess = this.outputGiven - expected;
    this.m._speex_resampler_destroy(this.st);
    for (const p of [this.inPtr, this.outPtr, this.lenPtr]) this.m._free(p);
    return excess > 0 ? tail.subarray(0, tail.length - excess) : tail;
  }

  /** Resamples one chunk (≤ STEP samples) into `out` at `at`; returns the samples written. */
  private run(chunk: Float32Array, out: Float32Array, at: number): number {
    const m = this.m;
    m.HEAPF32.set(chunk, this.inPtr >> 2);
    const lens = this.lenPtr >> 2;
    m.HEAPU32[lens] = chunk.length;
    m.HEAPU32[lens + 1] = this.outCapacity;
    m._speex_resampler_process_float(this.st, 0, this.inPtr, this.lenPtr, this.outPtr, this.lenPtr + 4);
    const n = m.HEAPU32[lens + 1];
    this.outputGiven += n;
    out.set(m.HEAPF32.subarray(this.outPtr >> 2, (this.outPtr >> 2) + n), at);
    return n;
  }
}

export function joinParts(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  n = 0;
  for (const p of parts) {
    out.set(p, n);
    n += p.length;
  }
  return out;
}
