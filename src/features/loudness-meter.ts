/**
 * Streaming loudness meter (ITU-R BS.1770-4, EBU R128): fed native-rate, per-channel PCM in
 * blocks of any size, it keeps only the compact stream the loudness analyser needs:
 *  - the channel-weighted mean square of the K-weighted signal per 100 ms sub-block (400 ms
 *    gating blocks and 3 s short-term windows are sums of these), and
 *  - the true peak: maximum of the 4× oversampled signal (BS.1770-4 Annex 2 interpolator).
 * Results do not depend on how the input is cut into blocks.
 */
import { type Biquad, kWeighting } from "../dsp/biquad.js";
import { GrowableF64 } from "./growable.js";

export interface LoudnessBlocks {
  /** Σ_channels G_c · mean(z_c²) per 100 ms sub-block (a last partial sub-block is dropped). */
  subBlockPower: Float64Array;
  subBlockSeconds: number;
  /** Linear true peak, maximum over channels (≥ samplePeak); 0 when not measured. */
  truePeak: number;
  samplePeak: number;
}

/**
 * BS.1770-4 channel weights in the WAV/SMPTE channel order (L R C LFE Ls Rs …): 1.0 for the
 * front channels, 1.41 (+1.5 dB) for the surrounds, and the LFE channel left out.
 */
export function channelWeights(channels: number): Float64Array {
  const w = new Float64Array(channels).fill(1);
  if (channels >= 6) {
    w[3] = 0;
    for (let c = 4; c < channels; c++) w[c] = 1.41;
  } else if (channels === 5) {
    w[3] = w[4] = 1.41;
  }
  return w;
}

/**
 * BS.1770-4 Annex 2: the 48-tap interpolating FIR for 4× oversampling, as 4 phases of 12 taps.
 * Phases 2 and 3 are phases 1 and 0 reversed.
 */
const PHASE_0 = [
  0.001708984375, 0.010986328125, -0.0196533203125, 0.033203125, -0.0594482421875, 0.1373291015625, 0.97216796875,
  -0.102294921875, 0.0476074218750, -0.0266113281250, 0.0148925781250, -0.00830078125,
];
const PHASE_1 = [
  -0.0291748046875, 0.029296875, -0.0517578125, 0.0891113281250, -0.166503906250, 0.465087890625, 0.77978515625,
  -0.2003173828125, 0.1015625, -0.0582275390625, 0.0330810546875, -0.0189208984375,
];
const PHASES = [PHASE_0, PHASE_1, [...PHASE_1].reverse(), [...PHASE_0].reverse()].map((p) => Float64Array.from(p));
const TAPS = 12;
/** max over phases of Σ|h|: an interpolated value never exceeds this times the largest input in its window. */
const TRUE_PEAK_GAIN = Math.max(...PHASES.map((p) => p.reduce((s, h) => s + Math.abs(h), 0)));
/** Outputs per chunk in the true-peak scan: chunks whose inputs cannot beat the peak are skipped. */
const CHUNK = 64;

export class LoudnessMeter {
  private readonly filters: [Biquad, Biquad];
  private readonly states: Float64Array[]; // per channel pair: both stages' last inputs/outputs
  private readonly weights: Float64Array;
  private readonly sums: Float64Array[]; // per channel pair, running Σ z² of the current sub-block
  private readonly power = new GrowableF64();
  private position = 0; // samples consumed
  private subBlock = 0; // index of the sub-block being filled
  private subBlockEnd: number;
  private readonly history: Float32Array[]; // last TAPS−1 samples of each channel, for the FIR
  private peak = 0;
  private ext = new Float32Array(0);
  private samplePeak = 0;

  constructor(
    private readonly sampleRate: number,
    private readonly channels: number,
    private readonly opts: { truePeak?: boolean } = {},
  ) {
    this.filters = kWeighting(sampleRate);
    const pairs = Math.ceil(channels / 2);
    this.states = Array.from({ length: pairs }, () => new Float64Array(12));
    this.weights = channelWeights(channels);
    this.sums = Array.from({ length: pairs }, () => new Float64Array(2));
    this.subBlockEnd = this.boundary(1);
    this.history = Array.from({ length: channels }, () => new Float32Array(TAPS - 1));
  }

  /** First sample of sub-block i (100 ms sub-blocks, rounded to whole samples at any rate). */
  private boundary(i: number): number {
    return Math.round((i * this.sampleRate) / 10);
  }

  push(input: Float32Array[], length: number): void {
    for (let c = 0; c < this.channels; c++) this.trackPeaks(c, input[c], length);
    // channels go through the filter in pairs: two independent recursions in one loop run
    // nearly as fast as one (a lone last channel is paired with itself and counted once)
    let subBlock = this.subBlock;
    let subBlockEnd = this.subBlockEnd;
    for (let c = 0; c < this.channels; c += 2) {
      const d = Math.min(c + 1, this.channels - 1);
      const wd = d === c ? 0 : this.weights[d];
      const sums = this.sums[c >> 1];
      let sb = this.subBlock;
      let sbEnd = this.subBlockEnd;
      for (let i = 0; i < length; ) {
        const stop = Math.min(length, sbEnd - this.position);
        kWeightedSquares(this.filters, this.states[c >> 1], input[c], input[d], i, stop, sums);
        i = stop;
        if (this.position + i === sbEnd) {
          this.power.addAt(sb, (this.weights[c] * sums[0] + wd * sums[1]) / (sbEnd - this.boundary(sb)));
          sums.fill(0);
          sb++;
          sbEnd = this.boundary(sb + 1);
        }
      }
      subBlock = sb;
      subBlockEnd = sbEnd;
    }
    this.position += length;
    this.subBlock = subBlock;
    this.subBlockEnd = subBlockEnd;
  }

  finish(): LoudnessBlocks {
    return {
      subBlockPower: this.power.toArray(this.subBlock),
      subBlockSeconds: 0.1,
      truePeak: this.opts.truePeak ? Math.max(this.peak, this.samplePeak) : 0,
      samplePeak: this.samplePeak,
    };
  }

  /**
   * Sample peak, and the true peak where the inputs could exceed the peak found so far: one pass
   * takes the maximum |x| of each chunk of CHUNK samples; a chunk's interpolated outputs depend on
   * it and the TAPS−1 samples before it, so they are computed only when TRUE_PEAK_GAIN times the
   * larger of its and the previous chunk's maximum can beat the peak.
   */
  private trackPeaks(c: number, x: Float32Array, length: number): void {
    const hist = this.history[c];
    const truePeak = this.opts.truePeak === true;
    let ext = this.ext;
    if (truePeak) {
      // ext = the previous TAPS−1 samples of this channel, then this block: output n uses ext[n .. n+TAPS)
      if (ext.length < TAPS - 1 + length) ext = this.ext = new Float32Array(TAPS - 1 + length);
      ext.set(hist);
      ext.set(x.subarray(0, length), TAPS - 1);
    }
    let sp = this.samplePeak;
    let peak = Math.max(this.peak, sp);
    let previous = 0;
    for (let i = 0; i < TAPS - 1; i++) previous = Math.max(previous, Math.abs(hist[i]));
    for (let start = 0; start < length; start += CHUNK) {
      const stop = Math.min(length, start + CHUNK);
      let m = 0;
      for (let i = start; i < stop; i++) {
        const a = x[i] < 0 ? -x[i] : x[i];
        if (a > m) m = a;
      }
      if (m > sp) sp = m;
      if (m > peak) peak = m;
      if (truePeak && Math.max(m, previous) * TRUE_PEAK_GAIN > peak) peak = interpolatedPeak(ext, start, stop, peak);
      previous = m;
    }
    this.samplePeak = sp;
    this.peak = peak;
    if (truePeak) hist.set(ext.subarray(length, length + TAPS - 1));
  }
}

const [P0, P1] = [PHASE_0, PHASE_1];
/**
 * Largest |value| of the 4 interpolation phases for outputs [start, stop), or `peak` if larger.
 * Unrolled: the 12 inputs are loaded once and shared by the 4 phases (phases 2 and 3 are 1 and 0
 * reversed).
 */
function interpolatedPeak(e: Float32Array, start: number, stop: number, peak: number): number {
  for (let n = start; n < stop; n++) {
    const x0 = e[n], x1 = e[n + 1], x2 = e[n + 2], x3 = e[n + 3], x4 = e[n + 4], x5 = e[n + 5];
    const x6 = e[n + 6], x7 = e[n + 7], x8 = e[n + 8], x9 = e[n + 9], x10 = e[n + 10], x11 = e[n + 11];
    const y0 = P0[0] * x0 + P0[1] * x1 + P0[2] * x2 + P0[3] * x3 + P0[4] * x4 + P0[5] * x5 + P0[6] * x6 + P0[7] * x7 + P0[8] * x8 + P0[9] * x9 + P0[10] * x10 + P0[11] * x11;
    const y3 = P0[11] * x0 + P0[10] * x1 + P0[9] * x2 + P0[8] * x3 + P0[7] * x4 + P0[6] * x5 + P0[5] * x6 + P0[4] * x7 + P0[3] * x8 + P0[2] * x9 + P0[1] * x10 + P0[0] * x11;
    const y1 = P1[0] * x0 + P1[1] * x1 + P1[2] * x2 + P1[3] * x3 + P1[4] * x4 + P1[5] * x5 + P1[6] * x6 + P1[7] * x7 + P1[8] * x8 + P1[9] * x9 + P1[10] * x10 + P1[11] * x11;
    const y2 = P1[11] * x0 + P1[10] * x1 + P1[9] * x2 + P1[8] * x3 + P1[7] * x4 + P1[6] * x5 + P1[5] * x6 + P1[4] * x7 + P1[3] * x8 + P1[2] * x9 + P1[1] * x10 + P1[0] * x11;
    const m = Math.max(Math.abs(y0), Math.abs(y1), Math.abs(y2), Math.abs(y3));
    if (m > peak) peak = m;
  }
  return peak;
}

/**
 * Runs samples [from, to) of channels x and y through both K-weighting stages (shelf, then the
 * RLB high-pass whose numerator is 1, −2, 1) and adds Σz² of each to sums[0] and sums[1].
 * `st` holds, per channel, the shelf's last 2 inputs and outputs and the high-pass's last 2 outputs.
 */
function kWeightedSquares([shelf, hp]: [Biquad, Biquad], st: Float64Array, x: Float32Array, y: Float32Array, from: number, to: number, sums: Float64Array): void {
  const { b0, b1, b2, a1, a2 } = shelf;
  const c1 = hp.a1;
  const c2 = hp.a2;
  let p0 = st[0], p1 = st[1], p2 = st[2], p3 = st[3], p4 = st[4], p5 = st[5];
  let q0 = st[6], q1 = st[7], q2 = st[8], q3 = st[9], q4 = st[10], q5 = st[11];
  let s = 0;
  let r = 0;
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const u = b0 * xi + b1 * p0 + b2 * p1 - a1 * p2 - a2 * p3;
    const v = b0 * yi + b1 * q0 + b2 * q1 - a1 * q2 - a2 * q3;
    const zu = u - 2 * p2 + p3 - c1 * p4 - c2 * p5;
    const zv = v - 2 * q2 + q3 - c1 * q4 - c2 * q5;
    p1 = p0; p0 = xi; p3 = p2; p2 = u; p5 = p4; p4 = zu;
    q1 = q0; q0 = yi; q3 = q2; q2 = v; q5 = q4; q4 = zv;
    s += zu * zu;
    r += zv * zv;
  }
  st[0] = p0; st[1] = p1; st[2] = p2; st[3] = p3; st[4] = p4; st[5] = p5;
  st[6] = q0; st[7] = q1; st[8] = q2; st[9] = q3; st[10] = q4; st[11] = q5;
  sums[0] += s;
  sums[1] += r;
}
