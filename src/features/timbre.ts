/**
 * Coarse timbre of the track for `energy`: every 8th magnitude spectrum (one 93 ms frame every
 * 93 ms — contiguous, not overlapping, 10.8 frames per second; global statistics need no more)
 * gives its mean power, its spectral centroid and its spectral flatness:
 *
 *   power     = (1/K) Σ_k |X_k|²                    k over bins 1..K (DC dropped)
 *   centroid  = Σ f_k |X_k| / Σ |X_k|               Hz (brightness)
 *   flatness  = exp((1/K) Σ ln(|X_k|² + ε)) / (power + ε)   (0 = pure tones … 1 = white noise)
 *
 * The geometric mean multiplies 16 bins at a time (1e-12¹⁶ and 1e6¹⁶ stay inside double range) and takes one logarithm per group, so a frame
 * costs ~65 logarithms rather than 1024.
 */
import type { FrontEndInfo, StreamDef } from "./frontend.js";
import { GrowableF32 } from "./growable.js";

export interface TimbreStream {
  framesPerSecond: number;
  power: Float32Array;
  centroidHz: Float32Array;
  flatness: Float32Array;
}

/** Spectrum frames per timbre frame. */
export const TIMBRE_DECIMATION = 8;
/** Power floor inside the geometric mean (about −120 dB for a full-scale sine of 0.5). */
const EPS = 1e-12;
const GROUP = 16;

export const timbreStream: StreamDef<TimbreStream> = {
  input: "spectrum",
  create(info: FrontEndInfo) {
    const bins = info.frameSize / 2 + 1;
    const binHz = info.analysisRate / info.frameSize;
    const power = new GrowableF32(512);
    const centroid = new GrowableF32(512);
    const flatness = new GrowableF32(512);
    const k0 = 1;
    const count = bins - k0;
    return {
      spectrum(mag, index) {
        if (index % TIMBRE_DECIMATION !== 0) return;
        let sp = 0;
        let sm = 0;
        let sfm = 0;
        let logSum = 0;
        let prod = 1;
        let g = 0;
        for (let k = k0; k < bins; k++) {
          const m = mag[k];
          const p = m * m;
          sp += p;
          sm += m;
          sfm += k * m;
          prod *= p + EPS;
          if (++g === GROUP) {
            logSum += Math.log(prod);
            prod = 1;
            g = 0;
          }
        }
        logSum += Math.log(prod);
        const mean = sp / count;
        power.push(mean);
        centroid.push(sm > 0 ? (sfm / sm) * binHz : 0);
        flatness.push(Math.exp(logSum / count) / (mean + EPS));
      },
      finish() {
        return {
          framesPerSecond: info.framesPerSecond / TIMBRE_DECIMATION,
          power: power.toArray(),
          centroidHz: centroid.toArray(),
          flatness: flatness.toArray(),
        };
      },
    };
  },
};
