/**
 * Level frames of the mono analysis signal — the only time-domain statistics that danceability
 * and energy need, so the raw signal is never kept (a 60-minute file gives 360 000 + 18 000
 * numbers, about 1.5 MB):
 *
 * - `frameStd`: the standard deviation of every 10 ms frame (n − 1 denominator), the series
 *   s(n) that detrended fluctuation analysis integrates (Streich & Herrera 2005; Essentia's
 *   `Danceability` computes the same from the raw signal). Frame i covers samples
 *   [⌊i·rate/100⌋, ⌊(i+1)·rate/100⌋): exactly 10 ms on average at 22.05 kHz (220/221 samples),
 *   so the DFA time scales do not depend on the rate.
 * - `complexityDb`: Streich's dynamic-complexity loudness curve (Essentia `DynamicComplexity`):
 *   the signal through a first-order high-pass ("cheap B-weighting", ≈ 200 Hz corner), squared,
 *   smoothed by a leaky integrator with a 35 ms time constant and read at the end of every 200 ms
 *   frame, in dB (floor SILENCE_DB ≈ −121.9 dB). Essentia's filter coefficients are for 44.1 kHz; here the pole is
 *   mapped to the analysis rate (p = 0.9719^(44100/rate), b0 = (1 + p)/2) so the corner stays put.
 *
 * One pass per sample, no allocation per block (outputs grow by doubling).
 */
import type { FrontEndInfo, StreamDef } from "./frontend.js";
import { GrowableF32 } from "./growable.js";

export interface LevelStream {
  /** 10 ms frames per second (100). */
  stdFramesPerSecond: number;
  /** Standard deviation of each complete 10 ms frame. */
  frameStd: Float32Array;
  /** 200 ms frames per second (5). */
  complexityFramesPerSecond: number;
  /** B-weighted, 35 ms-smoothed power at the end of each complete 200 ms frame, dB (≥ SILENCE_DB). */
  complexityDb: Float32Array;
}

const STD_FRAME_SECONDS = 0.01;
const DC_FRAME_SECONDS = 0.2;
const DC_TIME_CONSTANT = 0.035;
/** Essentia's high-pass pole at 44.1 kHz. */
const DC_POLE_44K = 0.9719;
/**
 * Essentia floors the level at −90 dB of the *unnormalised* leaky sum Σ c^k·y², which is
 * 1/(1 − c) ≈ 31.9 dB above the smoothed mean power at 44.1 kHz (essentia.js 0.1.3 behaves so:
 * its complexity values are reproduced only with this floor); the same floor on the normalised
 * power, whatever the rate: 1e-9 · (1 − c₄₄.₁).
 */
export const SILENCE_DB = -90 + 10 * Math.log10(1 - Math.exp(-1 / (DC_TIME_CONSTANT * 44100)));
const SILENCE_POWER = 10 ** (SILENCE_DB / 10);

/** The level-frame accumulator; exported for tests and for the bench (any rate). */
export class LevelFrames {
  private readonly std = new GrowableF32(4096);
  private readonly dc = new GrowableF32(256);
  private readonly stdFramesPerSecond: number;
  private readonly rate: number;
  // 10 ms frames
  private stdIndex = 0;
  private stdStart = 0;
  private stdEnd: number;
  private sum = 0;
  private sumSq = 0;
  // 200 ms frames
  private readonly dcFrame: number;
  private dcEnd: number;
  private readonly pole: number;
  private readonly b0: number;
  private readonly leak: number;
  private readonly gain: number;
  private xPrev = 0;
  private yPrev = 0;
  private power = 0;
  /** Samples consumed. */
  private pos = 0;

  constructor(rate: number) {
    this.rate = rate;
    this.stdFramesPerSecond = 1 / STD_FRAME_SECONDS;
    this.stdEnd = this.stdBoundary(1);
    this.dcFrame = Math.floor(DC_FRAME_SECONDS * rate);
    this.dcEnd = this.dcFrame;
    this.pole = DC_POLE_44K ** (44100 / rate);
    this.b0 = (1 + this.pole) / 2;
    this.leak = Math.exp(-1 / (DC_TIME_CONSTANT * rate));
    this.gain = 1 - this.leak;
  }

  private stdBoundary(i: number): number {
    return Math.floor((i * this.rate) / this.stdFramesPerSecond);
  }

  push(samples: Float32Array): void {
    const n = samples.length;
    const { pole, b0, leak, gain } = this;
    let i = 0;
    let sum = this.sum;
    let sumSq = this.sumSq;
    let xPrev = this.xPrev;
    let yPrev = this.yPrev;
    let power = this.power;
    while (i < n) {
      const stop = Math.min(n, i + (this.stdEnd - this.pos), i + (this.dcEnd - this.pos));
      const from = i;
      for (; i < stop; i++) {
        const x = samples[i];
        sum += x;
        sumSq += x * x;
        const y = b0 * (x - xPrev) + pole * yPrev;
        xPrev = x;
        yPrev = y;
        power = leak * power + gain * y * y;
      }
      this.pos += i - from;
      if (this.pos === this.stdEnd) {
        const len = this.stdEnd - this.stdStart;
        const v = (sumSq - (sum * sum) / len) / (len - 1);
        this.std.push(v > 0 ? Math.sqrt(v) : 0);
        sum = 0;
        sumSq = 0;
        this.stdIndex++;
        this.stdStart = this.stdEnd;
        this.stdEnd = this.stdBoundary(this.stdIndex + 1);
      }
      if (this.pos === this.dcEnd) {
        this.dc.push(power < SILENCE_POWER ? SILENCE_DB : 10 * Math.log10(power));
        this.dcEnd += this.dcFrame;
      }
    }
    this.sum = sum;
    this.sumSq = sumSq;
    this.xPrev = xPrev;
    this.yPrev = yPrev;
    this.power = power;
  }

  /** The complete frames so far (a trailing partial frame is dropped, as Essentia does). */
  finish(): LevelStream {
    return {
      stdFramesPerSecond: this.stdFramesPerSecond,
      frameStd: this.std.toArray(),
      complexityFramesPerSecond: 1 / DC_FRAME_SECONDS,
      complexityDb: this.dc.toArray(),
    };
  }
}

export const levelStream: StreamDef<LevelStream> = {
  input: "mono",
  create(info: FrontEndInfo) {
    const frames = new LevelFrames(info.analysisRate);
    return { mono: (s) => frames.push(s), finish: () => frames.finish() };
  },
};
