/** Second-order IIR sections (biquads), Direct Form I with double-precision state. */
export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

/** Filter state of one biquad on one channel: last two inputs and outputs. */
export type BiquadState = Float64Array;
export const newBiquadState = (): BiquadState => new Float64Array(4);

/** Filters `input[0..length)` into `output` (may be the same array), carrying `state` across calls. */
export function biquadFilter(f: Biquad, state: BiquadState, input: Float32Array, output: Float32Array, length: number): void {
  const { b0, b1, b2, a1, a2 } = f;
  let x1 = state[0];
  let x2 = state[1];
  let y1 = state[2];
  let y2 = state[3];
  for (let i = 0; i < length; i++) {
    const x = input[i];
    const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    output[i] = y;
  }
  state[0] = x1;
  state[1] = x2;
  state[2] = y1;
  state[3] = y2;
}

/**
 * The two K-weighting stages of ITU-R BS.1770-4 for any sample rate: a high-shelf (+4 dB above
 * ~1.7 kHz, the head's acoustic effect) and the RLB high-pass (~38 Hz). The analogue prototypes'
 * parameters (f0, Q, gain) are those that reproduce the standard's 48 kHz coefficients (its
 * Tables 1 and 2) to ~1e-9, as derived for libebur128; the bilinear transform with the
 * frequency pre-warped (K = tan(π f0 / fs)) maps them to `sampleRate`. Numerators and
 * denominators are normalised by a0, so a0 = 1 is implied.
 */
export function kWeighting(sampleRate: number): [Biquad, Biquad] {
  let K = Math.tan((Math.PI * 1681.974450955533) / sampleRate);
  let Q = 0.7071752369554196;
  const Vh = 10 ** (3.999843853973347 / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const shelf: Biquad = {
    b0: (Vh + (Vb * K) / Q + K * K) / a0,
    b1: (2 * (K * K - Vh)) / a0,
    b2: (Vh - (Vb * K) / Q + K * K) / a0,
    a1: (2 * (K * K - 1)) / a0,
    a2: (1 - K / Q + K * K) / a0,
  };
  K = Math.tan((Math.PI * 38.13547087602444) / sampleRate);
  Q = 0.5003270373238773;
  a0 = 1 + K / Q + K * K;
  const highPass: Biquad = { b0: 1, b1: -2, b2: 1, a1: (2 * (K * K - 1)) / a0, a2: (1 - K / Q + K * K) / a0 };
  return [shelf, highPass];
}
