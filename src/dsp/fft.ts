/**
 * Real FFT magnitudes with PFFFT (BSD, WASM SIMD build): ~3x a pure-JS FFT here.
 * One instance per frame size; its input/output buffers live in WASM memory and are reused.
 */
import PFFFT from "@echogarden/pffft-wasm/simd";

interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(p: number): void;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_FORWARD = 0;

let modulePromise: Promise<PffftModule> | undefined;
const loadPffft = () => {
  modulePromise ??= (PFFFT as unknown as () => Promise<PffftModule>)();
  return modulePromise;
};

export class RealFft {
  readonly bins: number;

  private constructor(
    private readonly m: PffftModule,
    readonly size: number,
    private readonly setup: number,
    private readonly inPtr: number,
    private readonly outPtr: number,
    private readonly workPtr: number,
  ) {
    this.bins = size / 2 + 1;
  }

  /** `size` must be a power of two ≥ 32 (PFFFT's constraint for real transforms). */
  static async create(size: number): Promise<RealFft> {
    const m = await loadPffft();
    const setup = m._pffft_new_setup(size, PFFFT_REAL);
    if (!setup) throw new Error(`PFFFT cannot do a real FFT of size ${size}`);
    const alloc = () => m._pffft_aligned_malloc(size * 4);
    return new RealFft(m, size, setup, alloc(), alloc(), alloc());
  }

  /**
   * Magnitude spectrum |X[k]|, k = 0..size/2, of `frame` (length `size`, already windowed),
   * written into `out` (length `bins`).
   */
  magnitudes(frame: Float32Array, out: Float32Array): void {
    this.m.HEAPF32.set(frame, this.inPtr >> 2);
    this.magnitudesOfInput(out);
  }

  /**
   * Magnitudes of `signal[from .. from+size)` times `window`: the windowed frame is written
   * straight into WASM memory (no intermediate copy).
   */
  windowedMagnitudes(signal: Float32Array, from: number, window: Float32Array, out: Float32Array): void {
    const h = this.m.HEAPF32;
    const at = this.inPtr >> 2;
    for (let i = 0; i < this.size; i++) h[at + i] = signal[from + i] * window[i];
    this.magnitudesOfInput(out);
  }

  private magnitudesOfInput(out: Float32Array): void {
    this.m._pffft_transform_ordered(this.setup, this.inPtr, this.outPtr, this.workPtr, PFFFT_FORWARD);
    const h = this.m.HEAPF32;
    const o = this.outPtr >> 2;
    // Ordered real output: [X0.re, X(n/2).re, X1.re, X1.im, X2.re, X2.im, ...]
    out[0] = Math.abs(h[o]);
    out[this.bins - 1] = Math.abs(h[o + 1]);
    for (let k = 1, p = o + 2; k < this.bins - 1; k++, p += 2) {
      const re = h[p];
      const im = h[p + 1];
      out[k] = Math.sqrt(re * re + im * im);
    }
  }

  dispose(): void {
    this.m._pffft_destroy_setup(this.setup);
    for (const p of [this.inPtr, this.outPtr, this.workPtr]) this.m._pffft_aligned_free(p);
  }
}

/** Periodic Hann window, scaled so a full-scale sine at a bin centre has magnitude 0.5. */
export function hannWindow(size: number): Float32Array {
  const w = new Float32Array(size);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / size);
    sum += w[i];
  }
  for (let i = 0; i < size; i++) w[i] /= sum;
  return w;
}
