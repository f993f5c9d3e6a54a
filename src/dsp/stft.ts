import { hannWindow, type RealFft } from "./fft.js";

/**
 * Cuts the mono signal into centred, Hann-windowed frames (frame i centred at sample i·hop, the
 * signal zero-padded by half a frame at both ends), and hands each magnitude spectrum on: the
 * streaming STFT of the front end.
 */
export class Framer {
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
    /** Called with each frame's magnitude spectrum (reused after the call) and the frame's index. */
    private readonly onFrame: (mag: Float32Array, index: number) => void,
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
      this.onFrame(this.mag, this.index);
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
