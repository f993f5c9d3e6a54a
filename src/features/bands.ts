/**
 * Log-frequency band spectrogram: per spectrum frame, log(1 + γ·|X|) summed over the bands of
 * dsp/filterbank.ts (12 per octave, 30 Hz–11 kHz; the onset stream's bands), frame-major. The
 * input of a learned beat activation (Böck, Krebs & Widmer's filtered log spectrogram, as madmom
 * and Beat This! feed their networks): the training data (training/) is made by this same code,
 * so training and inference cannot drift.
 */
import { logBands } from "../dsp/filterbank.js";
import type { FrontEndInfo, StreamDef } from "./frontend.js";
import { GrowableF32 } from "./growable.js";

export interface BandStream {
  framesPerSecond: number;
  bandCount: number;
  /** Frame-major: frame i's bands at [i·bandCount, (i + 1)·bandCount). */
  values: Float32Array;
  /** Each band's centre frequency, Hz. */
  centresHz: Float64Array;
}

export const BANDS_PER_OCTAVE = 12;
export const BANDS_MIN_HZ = 30;
/** Log compression log(1 + γ·|X|) with the window normalised to unit sum (a full-scale sine is 0.5). */
export const BANDS_LOG_GAIN = 1000;

/**
 * The log band spectrum of one frame, the one place for its bands and compression: read by the
 * onset stream (its flux) and the band stream (a network's input).
 */
export function logBandSpectrum(info: FrontEndInfo) {
  const { bandOfBin, bandCount, centres } = logBands(info.frameSize, info.analysisRate, BANDS_PER_OCTAVE, BANDS_MIN_HZ, info.analysisRate / 2);
  // bands are runs of consecutive bins: [first[b], first[b + 1])
  const first = new Int32Array(bandCount + 1);
  for (let k = bandOfBin.length - 1; k >= 0; k--) if (bandOfBin[k] >= 0) first[bandOfBin[k]] = k;
  first[bandCount] = bandOfBin.lastIndexOf(bandCount - 1) + 1;
  return {
    bandCount,
    centres,
    /** Writes frame `mag`'s log band magnitudes into `out` (bandCount values). */
    compute(mag: Float32Array, out: Float32Array): void {
      for (let b = 0; b < bandCount; b++) {
        let sum = 0;
        for (let k = first[b]; k < first[b + 1]; k++) sum += mag[k];
        out[b] = Math.log1p(BANDS_LOG_GAIN * sum);
      }
    },
  };
}

export const bandStream: StreamDef<BandStream> = {
  input: "spectrum",
  create(info: FrontEndInfo) {
    const spectrum = logBandSpectrum(info);
    const { bandCount, centres } = spectrum;
    const values = new GrowableF32(1 << 16);
    const frame = new Float32Array(bandCount);
    const snapshot = (): BandStream => ({ framesPerSecond: info.framesPerSecond, bandCount, values: values.toArray(), centresHz: centres });
    return {
      spectrum(mag) {
        spectrum.compute(mag, frame);
        for (let b = 0; b < bandCount; b++) values.push(frame[b]);
      },
      // reading the values leaves them as they are: finishing is a snapshot
      finish: snapshot,
      snapshot,
    };
  },
};
