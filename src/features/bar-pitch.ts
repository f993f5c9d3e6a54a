/**
 * A cheap, coarse pitch-class stream for bar finding (meter.ts): the magnitude spectrum between
 * 100 Hz and 2.5 kHz folded onto 12 pitch classes (nearest equal-tempered semitone of each bin,
 * A4 = 440 Hz; no tuning, peak picking or harmonic weighting — it only has to show *when* the
 * harmony and the bass change, not which key it is in), summed over blocks of 4 frames
 * (46 ms, 21.5 blocks/s), of which every second frame is read (harmony does not change within
 * 23 ms). 60 minutes: ~1.1 M floats. From the shared spectra: no extra FFT.
 */
import type { FrontEndInfo, StreamDef } from "./frontend.js";
import { GrowableF32 } from "./growable.js";

export interface BarPitchStream {
  blocksPerSecond: number;
  /** 12 values per block (C … B). */
  pitch: Float32Array;
}

const BLOCK_FRAMES = 4;
const MIN_HZ = 100;
const MAX_HZ = 2500;

export const barPitchStream: StreamDef<BarPitchStream> = {
  input: "spectrum",
  create(info: FrontEndInfo) {
    const binHz = info.analysisRate / info.frameSize;
    const k0 = Math.ceil(MIN_HZ / binHz);
    const k1 = Math.min(info.frameSize / 2, Math.floor(MAX_HZ / binHz));
    const pcOfBin = new Uint8Array(k1 + 1);
    for (let k = k0; k <= k1; k++) {
      const midi = 69 + 12 * Math.log2((k * binHz) / 440);
      pcOfBin[k] = ((Math.round(midi) % 12) + 12) % 12;
    }
    const acc = new Float32Array(12);
    const out = new GrowableF32();
    let inBlock = 0;
    const flush = () => {
      for (let c = 0; c < 12; c++) out.push(acc[c]);
      acc.fill(0);
      inBlock = 0;
    };
    return {
      spectrum(mag, index) {
        if (index % 2 === 0) for (let k = k0; k <= k1; k++) acc[pcOfBin[k]] += mag[k];
        if (++inBlock === BLOCK_FRAMES) flush();
      },
      finish() {
        if (inBlock > 0) flush();
        return { blocksPerSecond: info.framesPerSecond / BLOCK_FRAMES, pitch: out.toArray() };
      },
      /** The complete blocks so far (the partial one is flushed only at the end). */
      snapshot() {
        return { blocksPerSecond: info.framesPerSecond / BLOCK_FRAMES, pitch: out.toArray() };
      },
    };
  },
};
