/**
 * Streaming loudness meter (ITU-R BS.1770-4, EBU R128). Fed native-rate, per-channel (not
 * downmixed) PCM in blocks of any size, it keeps only the compact stream the loudness analyser
 * needs:
 *  - the channel-weighted mean square of the K-weighted signal per 100 ms sub-block: BS.1770's
 *    400 ms gating blocks (75 % overlap) and EBU Tech 3342's 3 s short-term windows (10 Hz) are
 *    both means of whole sub-blocks, so nothing finer is needed;
 *  - the sample peak and the true peak (BS.1770-4 Annex 2: 4× oversampling, here with a flatter
 *    interpolator than the Annex's example filter).
 * Results are identical however the input is cut into blocks. A final sub-block shorter than
 * 100 ms is dropped (it belongs to no complete gating block either, as in libebur128/ffmpeg).
 */
import { type Biquad, kWeighting } from "../dsp/biquad.js";
import { GrowableF64 } from "./growable.js";

export interface LoudnessBlocks {
  /** Σ_channels G_c · mean(z_c²) per 100 ms sub-block, z = K-weighted signal (BS.1770-4 eq. 1–2). */
  subBlockPower: Float64Array;
  subBlockSeconds: number;
  /** Linear true peak, maximum over channels (≥ samplePeak); 0 when not measured. */
  truePeak: number;
  /** Largest |sample| over all channels. */
  samplePeak: number;
}

/**
 * BS.1770-4 channel weights G_c (Table 3) in the WAV/SMPTE channel order: 1.0 for left, right
 * and centre, 1.41 (≈ +1.5 dB) for the surrounds, 0 for LFE. Layouts as libebur128 assumes them:
 * 1–3 channels L R C; 4 = L R Ls Rs; 5 = L R C Ls Rs; 6+ = L R C LFE Ls Rs (+ more surrounds).
 */
export function channelWeights(channels: number): Float64Array {
  const w = new Float64Array(channels).fill(1);
  if (channels === 4) w[2] = w[3] = 1.41;
  else if (channels === 5) w[3] = w[4] = 1.41;
  else if (channels >= 6) {
    w[3] = 0;
    for (let c = 4; c < channels; c++) w[c] = 1.41;
  }
  return w;
}

/** States of the K-weighting filters below this magnitude are set to zero (see flushTiny). */
const TINY = 1e-25;

export class LoudnessMeter {
  private readonly filters: [Biquad, Biquad];
  /** Per channel pair: both channels' shelf inputs/outputs and high-pass outputs (2 × 6). */
  private readonly states: Float64Array[];
  /** Per channel pair: running Σz² of each channel over the current sub-block. */
  private readonly sums: Float64Array[];
  private readonly weights: Float64Array;
  private readonly power = new GrowableF64();
  private readonly peaks: PeakMeter;
  private position = 0; // samples consumed
  private subBlock = 0; // index of the sub-block being filled
  private subBlockEnd: number; // its end (first sample of the next one)

  constructor(
    private readonly sampleRate: number,
    private readonly channels: number,
    opts: { truePeak?: boolean } = {},
  ) {
    if (!(sampleRate > 0) || !(channels >= 1)) throw new RangeError(`LoudnessMeter: bad format ${sampleRate} Hz × ${channels}`);
    this.filters = kWeighting(sampleRate);
    const pairs = Math.ceil(channels / 2);
    this.states = Array.from({ length: pairs }, () => new Float64Array(12));
    this.sums = Array.from({ length: pairs }, () => new Float64Array(2));
    this.weights = channelWeights(channels);
    this.subBlockEnd = this.boundary(1);
    this.peaks = new PeakMeter(channels, opts.truePeak === true);
  }

  /** First sample of sub-block i: 100 ms sub-blocks rounded to whole samples (exact at 44.1/48 kHz). */
  private boundary(i: number): number {
    return Math.round((i * this.sampleRate) / 10);
  }

  /** Consumes samples [0, length) of each channel (the next samples of the stream). */
  push(input: Float32Array[], length: number): void {
    if (length <= 0) return;
    this.peaks.push(input, length);
    // Channels are filtered in pairs: the filter is a recursion, and two independent ones in one
    // loop keep the CPU busier (~30 % faster than two passes). A lone last channel is paired with
    // itself and counted once (weight 0 for the copy).
    let sb = this.subBlock;
    let sbEnd = this.subBlockEnd;
    for (let c = 0; c < this.channels; c += 2) {
      const d = Math.min(c + 1, this.channels - 1);
      const wc = this.weights[c];
      const wd = d === c ? 0 : this.weights[d];
      const state = this.states[c >> 1];
      const sums = this.sums[c >> 1];
      sb = this.subBlock;
      sbEnd = this.subBlockEnd;
      for (let i = 0; i < length; ) {
        const stop = Math.min(length, sbEnd - this.position);
        kWeightedSquares(this.filters, state, input[c], input[d], i, stop, sums);
        i = stop;
        if (this.position + i === sbEnd) {
          this.power.addAt(sb, (wc * sums[0] + wd * sums[1]) / (sbEnd - this.boundary(sb)));
          sums[0] = sums[1] = 0;
          flushTiny(state);
          sb++;
          sbEnd = this.boundary(sb + 1);
        }
      }
    }
    this.position += length;
    this.subBlock = sb;
    this.subBlockEnd = sbEnd;
  }

  /** Ends the stream (the interpolator's tail is flushed) and returns what was measured. */
  finish(): LoudnessBlocks {
    this.peaks.flush();
    return this.snapshot();
  }

  /** The complete 100 ms sub-blocks so far, and the peaks of the samples already through the oversampler. */
  snapshot(): LoudnessBlocks {
    return {
      subBlockPower: this.power.toArray(this.subBlock),
      subBlockSeconds: 0.1,
      truePeak: this.peaks.truePeak,
      samplePeak: this.peaks.samplePeak,
    };
  }
}

/**
 * After long digital silence the filter states decay into subnormal doubles (and can sit in a
 * limit cycle there), which makes every operation on them many times slower. A state this small
 * contributes < 1e-50 to a sub-block's power (−500 LUFS), far below the −70 LUFS gate.
 */
function flushTiny(st: Float64Array): void {
  for (let i = 0; i < st.length; i++) if (Math.abs(st[i]) < TINY) st[i] = 0;
}

/**
 * Runs samples [from, to) of channels x and y through both K-weighting stages (the shelf, then
 * the RLB high-pass, whose numerator is 1, −2, 1) and adds Σz² of each to sums[0] and sums[1]
 * (in sample order into the running sums, so the result is bit-identical however the stream is
 * cut). `st` holds, per channel, the shelf's last 2 inputs and outputs and the high-pass's last 2
 * outputs (Direct Form I, double precision). The recursive terms come last, so each recursion
 * waits for one multiply and one subtract per sample.
 */
function kWeightedSquares([shelf, hp]: [Biquad, Biquad], st: Float64Array, x: Float32Array, y: Float32Array, from: number, to: number, sums: Float64Array): void {
  const { b0, b1, b2, a1, a2 } = shelf;
  const c1 = hp.a1;
  const c2 = hp.a2;
  // p: channel x — p0, p1 shelf inputs; p2, p3 shelf outputs; p4, p5 high-pass outputs. q: channel y.
  let p0 = st[0], p1 = st[1], p2 = st[2], p3 = st[3], p4 = st[4], p5 = st[5];
  let q0 = st[6], q1 = st[7], q2 = st[8], q3 = st[9], q4 = st[10], q5 = st[11];
  let s = sums[0];
  let r = sums[1];
  for (let i = from; i < to; i++) {
    const xi = x[i];
    const yi = y[i];
    const u = b0 * xi + b1 * p0 + (b2 * p1 - a2 * p3) - a1 * p2;
    const v = b0 * yi + b1 * q0 + (b2 * q1 - a2 * q3) - a1 * q2;
    const zu = u - 2 * p2 + (p3 - c2 * p5) - c1 * p4;
    const zv = v - 2 * q2 + (q3 - c2 * q5) - c1 * q4;
    p1 = p0; p0 = xi; p3 = p2; p2 = u; p5 = p4; p4 = zu;
    q1 = q0; q0 = yi; q3 = q2; q2 = v; q5 = q4; q4 = zv;
    s += zu * zu;
    r += zv * zv;
  }
  st[0] = p0; st[1] = p1; st[2] = p2; st[3] = p3; st[4] = p4; st[5] = p5;
  st[6] = q0; st[7] = q1; st[8] = q2; st[9] = q3; st[10] = q4; st[11] = q5;
  sums[0] = s;
  sums[1] = r;
}

// ─── True peak ────────────────────────────────────────────────────────────────────────────────

/**
 * The 4× interpolator (BS.1770-4 Annex 2 allows any filter meeting its intent): a Kaiser-windowed
 * sinc, TAPS input samples per output phase, cutoff at the input's Nyquist frequency. Phase p
 * estimates the signal p/4 of a sample after input c = TAPS/2 − 1 of its window; phase 0 is the
 * sample itself (the sample peak covers it). Flat to ±0.01 dB up to 0.42·fs (18.5 kHz at 44.1 kHz)
 * — the Annex 2 example filter (12 taps per phase) ripples by ±0.24 dB, enough to read an fs/4
 * sine 0.25 dB high. Used at every rate (at ≥ 96 kHz 2× would do; 4× is never worse).
 */
const TAPS = 24; // interpolatedPeak is written out for 24
const KAISER_BETA = 6;
const CENTRE = TAPS / 2 - 1;

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 40; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

/** Coefficients of phase p (1..3), normalised to unit gain at DC. */
function interpolatorPhase(p: number): number[] {
  const h: number[] = [];
  for (let k = 0; k < TAPS; k++) {
    const tau = CENTRE + p / 4 - k; // distance from input k to the output, in samples
    const r = tau / (TAPS / 2);
    const window = besselI0(KAISER_BETA * Math.sqrt(Math.max(0, 1 - r * r))) / besselI0(KAISER_BETA);
    h.push((Math.sin(Math.PI * tau) / (Math.PI * tau)) * window);
  }
  const sum = h.reduce((s, v) => s + v, 0);
  return h.map((v) => v / sum);
}
const PHASES = [1, 2, 3].map(interpolatorPhase);

/** The interpolator's phases 1–3 (phase 0 is the identity): y_p(n) = Σ_k phases[p−1][k] · x[n − TAPS + 1 + k]. */
export const truePeakInterpolator = (): { taps: number; phases: number[][] } => ({ taps: TAPS, phases: PHASES.map((h) => [...h]) });

/**
 * Exact bounds on an interpolated value y = Σ h_k e_k from its inputs: |y| ≤ gain·M with
 * gain = Σ|h| and M = max|e|; and, writing h as α δ_c + β δ_{c+1} (its first two moments) plus a
 * sum of second differences Σ v_j (δ_j − 2δ_{j+1} + δ_{j+2}) (summation by parts),
 * |y| ≤ (|α| + |β|)·max(|e_c|, |e_{c+1}|) + Σ|v|·D2 with D2 = max|e_j − 2e_{j+1} + e_{j+2}|.
 * For smooth signals (most music, most of the time) the second is barely above the two samples
 * the output lies between, so few outputs can beat a peak already found.
 */
function phaseBound(h: number[]): { gain: number; s: number; w: number } {
  const gain = h.reduce((s, v) => s + Math.abs(v), 0);
  const sum = h.reduce((s, v) => s + v, 0);
  const beta = h.reduce((s, v, k) => s + k * v, 0) - CENTRE * sum;
  const alpha = sum - beta;
  const rest = [...h];
  rest[CENTRE] -= alpha;
  rest[CENTRE + 1] -= beta;
  const v: number[] = []; // rest = v ∗ [1, −2, 1]
  for (let k = 0; k < TAPS - 2; k++) v.push(rest[k] + 2 * (v[k - 1] ?? 0) - (v[k - 2] ?? 0));
  if (Math.abs(rest[TAPS - 2] - v[TAPS - 4] + 2 * v[TAPS - 3]) + Math.abs(rest[TAPS - 1] - v[TAPS - 3]) > 1e-12) {
    throw new Error("true-peak bound: decomposition failed");
  }
  return { gain, s: Math.abs(alpha) + Math.abs(beta), w: v.reduce((s, x) => s + Math.abs(x), 0) };
}
const BOUNDS = PHASES.map(phaseBound);
const MAX_GAIN = Math.max(...BOUNDS.map((b) => b.gain));
/** Room for rounding in the computed outputs (relative error ~1e-15), so a skip is never wrong. */
const MARGIN = 1 + 1e-9;
/** Outputs per chunk of the true-peak scan (≥ TAPS − 1, so a window spans at most 2 chunks). */
const CHUNK = 32;

/**
 * Sample peak and true peak of a multichannel stream. Every output of the interpolator depends on
 * TAPS consecutive samples; a chunk of CHUNK outputs is computed only when an exact bound on its
 * inputs could beat the peak found so far, so the result equals the brute-force maximum over all
 * interpolated values. Per block: one integer pass takes each chunk's max |sample| (float bits
 * compare as integers; branch-free, so no mispredictions) and with it the sample peak; the chunk
 * holding the largest sample is interpolated first, raising the bar to about the block's true
 * peak; then a chunk whose max·gain could beat the bar gets the finer bound (mayExceed), and only
 * one that still could is interpolated.
 */
class PeakMeter {
  samplePeak = 0;
  /** max(sample peak, every interpolated value); 0 when true peak is off. */
  truePeak = 0;
  private readonly history: Float32Array[]; // last TAPS − 1 samples of each channel
  private ext: Float32Array[] = []; // per channel: history, then the block
  private bits: Int32Array[] = []; // the same memory, as integers
  private chunkMax: Float64Array[] = []; // per channel: max |sample| of each chunk's new samples
  private flushed = false;

  constructor(
    private readonly channels: number,
    private readonly enabled: boolean,
  ) {
    this.history = Array.from({ length: channels }, () => new Float32Array(TAPS - 1));
  }

  push(input: Float32Array[], length: number): void {
    if (!this.enabled) {
      let sp = this.samplePeak;
      for (let c = 0; c < this.channels; c++) {
        const x = input[c];
        for (let i = 0; i < length; i++) {
          const a = Math.abs(x[i]);
          sp = a > sp ? a : sp;
        }
      }
      this.samplePeak = sp;
      return;
    }
    this.reserve(length);
    const chunks = Math.ceil(length / CHUNK);
    let best = -1;
    let bestC = 0;
    let bestJ = 0;
    for (let c = 0; c < this.channels; c++) {
      const e = this.ext[c];
      e.set(this.history[c]);
      e.set(input[c].subarray(0, length), TAPS - 1);
      this.history[c].set(e.subarray(length, length + TAPS - 1));
      const j = chunkMaxima(this.bits[c], length, this.chunkMax[c]);
      if (this.chunkMax[c][j] > best) {
        best = this.chunkMax[c][j];
        bestC = c;
        bestJ = j;
      }
    }
    this.samplePeak = Math.max(this.samplePeak, best);
    let peak = Math.max(this.truePeak, this.samplePeak);
    peak = interpolatedPeak(this.ext[bestC], bestJ * CHUNK, Math.min(length, (bestJ + 1) * CHUNK), peak);
    for (let c = 0; c < this.channels; c++) {
      const e = this.ext[c];
      const mx = this.chunkMax[c];
      // the first chunk's window reaches back into the history
      let previous = 0;
      for (let i = 0; i < TAPS - 1; i++) previous = Math.max(previous, Math.abs(e[i]));
      for (let j = 0; j < chunks; j++) {
        const m = Math.max(mx[j], previous); // max |e| over the chunk's window
        if (m * MAX_GAIN * MARGIN > peak && !(c === bestC && j === bestJ)) {
          const start = j * CHUNK;
          const stop = Math.min(length, start + CHUNK);
          if (mayExceed(e, this.bits[c], start, stop, m, peak)) peak = interpolatedPeak(e, start, stop, peak);
        }
        previous = mx[j];
      }
    }
    this.truePeak = peak;
  }

  /** Runs the last TAPS − 1 samples through the interpolator (zeros after the end), once. */
  flush(): void {
    if (!this.enabled || this.flushed) return;
    this.flushed = true;
    this.push(
      this.history.map(() => new Float32Array(TAPS - 1)),
      TAPS - 1,
    );
  }

  private reserve(length: number): void {
    if (this.ext.length > 0 && this.ext[0].length >= TAPS - 1 + length) return;
    const size = Math.max(length, 4096);
    this.ext = this.history.map(() => new Float32Array(TAPS - 1 + size));
    this.bits = this.ext.map((e) => new Int32Array(e.buffer));
    this.chunkMax = this.ext.map(() => new Float64Array(Math.ceil(size / CHUNK)));
  }
}

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/**
 * out[j] = max |sample| over the new samples of chunk j (bits[TAPS − 1 + j·CHUNK …]); returns the
 * index of the largest. |x| of a float32 is its bit pattern without the sign bit, and those
 * patterns order as integers, so the maximum is taken with integer arithmetic, branch-free.
 */
function chunkMaxima(bits: Int32Array, length: number, out: Float64Array): number {
  let best = 0;
  let arg = 0;
  for (let j = 0, start = TAPS - 1; start < TAPS - 1 + length; j++, start += CHUNK) {
    const stop = Math.min(TAPS - 1 + length, start + CHUNK);
    let m0 = 0;
    let m1 = 0;
    let i = start;
    for (; i + 1 < stop; i += 2) {
      const a = bits[i] & 0x7fffffff;
      const b = bits[i + 1] & 0x7fffffff;
      const u = m0 - a; // m = max(m, a): subtract the (negative) difference when a is larger
      const v = m1 - b;
      m0 -= u & (u >> 31);
      m1 -= v & (v >> 31);
    }
    if (i < stop) {
      const a = bits[i] & 0x7fffffff;
      const u = m0 - a;
      m0 -= u & (u >> 31);
    }
    const w = m0 - m1;
    i32[0] = m0 - (w & (w >> 31));
    out[j] = f32[0];
    if (out[j] > best) {
      best = out[j];
      arg = j;
    }
  }
  return arg;
}

/**
 * Whether an output in [start, stop) (inputs e[start .. stop + TAPS − 1)) could exceed `peak`, by
 * phaseBound's bounds, given m = max |e| over those inputs. The second-difference bound turns into
 * a limit on D2, so the scan is a comparison per sample that almost never succeeds (no running
 * maximum, hence no branch mispredictions) and stops at the first that does.
 */
function mayExceed(e: Float32Array, bits: Int32Array, start: number, stop: number, m: number, peak: number): boolean {
  // mc = max |e| over the samples the outputs lie between (e[n + CENTRE], e[n + CENTRE + 1])
  let mcBits = 0;
  for (let i = start + CENTRE; i <= stop + CENTRE; i++) {
    const u = mcBits - (bits[i] & 0x7fffffff);
    mcBits -= u & (u >> 31);
  }
  i32[0] = mcBits;
  const mc = f32[0];
  let limit = Infinity; // the largest D2 for which no phase can exceed the peak
  for (const b of BOUNDS) {
    if (b.gain * m * MARGIN > peak) limit = Math.min(limit, (peak / MARGIN - b.s * mc) / b.w);
  }
  if (limit === Infinity) return false;
  if (!(limit > 0)) return true;
  for (let i = start + 2; i < stop + TAPS - 1; i++) {
    if (Math.abs(e[i] - 2 * e[i - 1] + e[i - 2]) > limit) return true;
  }
  return false;
}

/**
 * Phases 1 and 3 mirror each other (h3[k] = h1[TAPS−1−k]) and phase 2 is symmetric, so with
 * s_k = e_k + e_{TAPS−1−k} and t_k = e_k − e_{TAPS−1−k} (k < TAPS/2):
 * y1 + y3 = Σ (h1_k + h1_{TAPS−1−k}) s_k, y1 − y3 = Σ (h1_k − h1_{TAPS−1−k}) t_k, y2 = Σ h2_k s_k,
 * and max(|y1|, |y3|) = (|y1 + y3| + |y1 − y3|) / 2.
 */
const HALF = TAPS / 2;
const SUM13 = Float64Array.from({ length: HALF }, (_, k) => PHASES[0][k] + PHASES[0][TAPS - 1 - k]);
const DIF13 = Float64Array.from({ length: HALF }, (_, k) => PHASES[0][k] - PHASES[0][TAPS - 1 - k]);
const SYM2 = Float64Array.from({ length: HALF }, (_, k) => 2 * PHASES[1][k]); // doubled, as the others

/**
 * max(peak, |y_p(n)|) over phases 1–3 and outputs n ∈ [start, stop), y_p(n) = Σ_k h_p[k] e[n + k]:
 * 36 multiplies per output, written out for TAPS = 24 (the loop over k costs 3× as much).
 */
function interpolatedPeak(e: Float32Array, start: number, stop: number, peak: number): number {
  const a0 = SUM13[0], a1 = SUM13[1], a2 = SUM13[2], a3 = SUM13[3], a4 = SUM13[4], a5 = SUM13[5];
  const a6 = SUM13[6], a7 = SUM13[7], a8 = SUM13[8], a9 = SUM13[9], a10 = SUM13[10], a11 = SUM13[11];
  const b0 = DIF13[0], b1 = DIF13[1], b2 = DIF13[2], b3 = DIF13[3], b4 = DIF13[4], b5 = DIF13[5];
  const b6 = DIF13[6], b7 = DIF13[7], b8 = DIF13[8], b9 = DIF13[9], b10 = DIF13[10], b11 = DIF13[11];
  const c0 = SYM2[0], c1 = SYM2[1], c2 = SYM2[2], c3 = SYM2[3], c4 = SYM2[4], c5 = SYM2[5];
  const c6 = SYM2[6], c7 = SYM2[7], c8 = SYM2[8], c9 = SYM2[9], c10 = SYM2[10], c11 = SYM2[11];
  let best = 2 * peak; // twice the running maximum, halved at the end
  for (let n = start; n < stop; n++) {
    const x0 = e[n], x1 = e[n + 1], x2 = e[n + 2], x3 = e[n + 3], x4 = e[n + 4], x5 = e[n + 5];
    const x6 = e[n + 6], x7 = e[n + 7], x8 = e[n + 8], x9 = e[n + 9], x10 = e[n + 10], x11 = e[n + 11];
    const x12 = e[n + 12], x13 = e[n + 13], x14 = e[n + 14], x15 = e[n + 15], x16 = e[n + 16], x17 = e[n + 17];
    const x18 = e[n + 18], x19 = e[n + 19], x20 = e[n + 20], x21 = e[n + 21], x22 = e[n + 22], x23 = e[n + 23];
    const s0 = x0 + x23, s1 = x1 + x22, s2 = x2 + x21, s3 = x3 + x20, s4 = x4 + x19, s5 = x5 + x18;
    const s6 = x6 + x17, s7 = x7 + x16, s8 = x8 + x15, s9 = x9 + x14, s10 = x10 + x13, s11 = x11 + x12;
    const t0 = x0 - x23, t1 = x1 - x22, t2 = x2 - x21, t3 = x3 - x20, t4 = x4 - x19, t5 = x5 - x18;
    const t6 = x6 - x17, t7 = x7 - x16, t8 = x8 - x15, t9 = x9 - x14, t10 = x10 - x13, t11 = x11 - x12;
    const sum13 =
      a0 * s0 + a1 * s1 + a2 * s2 + a3 * s3 + a4 * s4 + a5 * s5 +
      a6 * s6 + a7 * s7 + a8 * s8 + a9 * s9 + a10 * s10 + a11 * s11;
    const dif13 =
      b0 * t0 + b1 * t1 + b2 * t2 + b3 * t3 + b4 * t4 + b5 * t5 +
      b6 * t6 + b7 * t7 + b8 * t8 + b9 * t9 + b10 * t10 + b11 * t11;
    const y2 =
      c0 * s0 + c1 * s1 + c2 * s2 + c3 * s3 + c4 * s4 + c5 * s5 +
      c6 * s6 + c7 * s7 + c8 * s8 + c9 * s9 + c10 * s10 + c11 * s11;
    const m = Math.max(Math.abs(sum13) + Math.abs(dif13), Math.abs(y2));
    if (m > best) best = m;
  }
  return best / 2;
}
