/**
 * Onset-strength envelope: multi-band log-spectral flux with a SuperFlux-style maximum filter
 * across frequency (Böck & Widmer, "Maximum filter vibrato suppression for onset detection",
 * DAFx 2013), on a log-frequency band spectrum (12 bands per octave, 30 Hz–11 kHz; bins below
 * where bands get narrower than a bin are kept one band each).
 *
 * Output, one value per spectrum frame (FrontEndInfo.framesPerSecond): the summed flux and its
 * parts below 200 Hz (kick, bass), 200 Hz–2 kHz (snare body, harmony) and above 2 kHz (hats).
 */
import type { FrontEndInfo, StreamDef } from "./frontend.js";
import { GrowableF32 } from "./growable.js";
import { logBandSpectrum } from "./bands.js";

export interface OnsetStream {
  framesPerSecond: number;
  total: Float32Array;
  low: Float32Array;
  mid: Float32Array;
  high: Float32Array;
}

const LOW_MAX_HZ = 200;
const MID_MAX_HZ = 2000;

/**
 * The flux of a centred 93 ms Hann frame rises as an onset enters the frame's leading half, so
 * it peaks about a quarter frame before the onset. The envelope is delayed by this many hops
 * (2 × 11.6 ms; measured on synthetic clicks, see test/onset.test.ts) so that value i is the
 * onset strength at time i / framesPerSecond.
 */
export const ONSET_DELAY_FRAMES = 2;

function delayed(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  if (x.length > ONSET_DELAY_FRAMES) out.set(x.subarray(0, x.length - ONSET_DELAY_FRAMES), ONSET_DELAY_FRAMES);
  return out;
}

export const onsetStream: StreamDef<OnsetStream> = {
  input: "spectrum",
  create(info: FrontEndInfo) {
    const spectrum = logBandSpectrum(info);
    const { bandCount, centres } = spectrum;
    // band groups are runs of bands too: low [0, lowEnd), mid [lowEnd, midEnd), high [midEnd, bandCount)
    const lowEnd = centres.findIndex((f) => f >= LOW_MAX_HZ);
    const midEnd = centres.findIndex((f) => f >= MID_MAX_HZ);
    let prev = new Float32Array(bandCount);
    let cur = new Float32Array(bandCount);
    const total = new GrowableF32();
    const parts = [new GrowableF32(), new GrowableF32(), new GrowableF32()];
    let started = false;
    const snapshot = (): OnsetStream => ({
      framesPerSecond: info.framesPerSecond,
      total: delayed(total.toArray()),
      low: delayed(parts[0].toArray()),
      mid: delayed(parts[1].toArray()),
      high: delayed(parts[2].toArray()),
    });
    return {
      spectrum(mag) {
        spectrum.compute(mag, cur);
        const flux = (from: number, to: number) => {
          let s = 0;
          for (let b = from; b < to; b++) {
            // compare with the loudest neighbour of the previous frame: vibrato does not count
            const ref = Math.max(prev[b], b > 0 ? prev[b - 1] : 0, b + 1 < bandCount ? prev[b + 1] : 0);
            const d = cur[b] - ref;
            if (d > 0) s += d;
          }
          return s;
        };
        const sLow = started ? flux(0, lowEnd) : 0;
        const sMid = started ? flux(lowEnd, midEnd) : 0;
        const sHigh = started ? flux(midEnd, bandCount) : 0;
        started = true;
        total.push(sLow + sMid + sHigh);
        parts[0].push(sLow);
        parts[1].push(sMid);
        parts[2].push(sHigh);
        [prev, cur] = [cur, prev];
      },
      // reading the envelopes leaves them as they are: finishing is a snapshot
      finish: snapshot,
      snapshot,
    };
  },
};
