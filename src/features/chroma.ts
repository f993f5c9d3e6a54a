/**
 * Chroma stream: a harmonic pitch-class profile (HPCP) from the shared magnitude spectra, after
 * E. Gómez, "Tonal description of polyphonic audio for music content processing", INFORMS J. on
 * Computing 18(3), 2006:
 *
 *  - spectral peaks (local maxima between 50 Hz and 3.5 kHz), frequency refined by parabolic
 *    interpolation of the log magnitude; only *salient* peaks count — a peak must stand 12 dB
 *    (×4) above the valleys on both sides (prominence), which a windowed sinusoid does (main lobe
 *    4 bins, side lobes −31 dB) and broadband drum or noise energy rarely does: percussive frames
 *    contribute little. (Comparing with the mean of a ±8-bin neighbourhood instead rejected real
 *    partials in dense low/mid spectra, where neighbouring partials sit inside the window.) Peaks
 *    60 dB below the frame's strongest are skipped;
 *  - harmonic weighting: a peak at f also votes for the fundamentals f/2, f/3, f/4 with weights
 *    s^(h−1), so a note's overtones reinforce its own pitch class (Gómez 2006, §3.2);
 *  - 36 bins per octave with linear interpolation, folded to 12 pitch classes only at the end,
 *    once the tuning is known: the tuning (deviation of the reference pitch from A4 = 440 Hz) is
 *    the circular mean of the peaks' deviations from the equal-tempered grid, magnitude weighted
 *    (one 100-cent period wraps to itself, so a ±50-cent ambiguity is inherent and resolved as the
 *    nearest semitone);
 *  - a separate bass profile from peaks below BASS_MAX_HZ (no harmonic votes): the 2048-point
 *    frame gives 10.8 Hz bins, so low notes are not resolved as bins, but the monophonic bass
 *    line's partials are isolated peaks whose interpolated frequency is still accurate.
 *
 * Frames are summed into blocks of BLOCK_FRAMES (232 ms; 4.3 blocks/s): a 60-minute file keeps
 * ~15 600 blocks × 72 floats (~4.5 MB) while streaming, and 12 + 12 per block after folding.
 */
import type { FrontEndInfo, StreamDef } from "./frontend.js";

export interface ChromaStream {
  /** Blocks per second; block i covers frames [i·BLOCK_FRAMES, (i+1)·BLOCK_FRAMES). */
  blocksPerSecond: number;
  blockCount: number;
  /** Tuned pitch-class energy of each block, 12 per block (C, C#, … B), from all voiced peaks. */
  treble: Float32Array;
  /** Same for the bass region (peaks below BASS_MAX_HZ, no harmonic votes). */
  bass: Float32Array;
  /** Per block: summed amplitude of the salient (tonal) peaks, and of all bins in the range. */
  tonal: Float32Array;
  total: Float32Array;
  /** Estimated tuning: deviation from 440 Hz in cents (−50..50), and the A4 it implies. */
  tuningCents: number;
  referenceHz: number;
  /** How consistent the peaks' deviations are (0: none/uniform … 1: all peaks agree). */
  tuningStrength: number;
}

export interface ChromaOptions {
  blockFrames: number;
  /** Use every n-th spectrum frame: key is a slow quantity, and 2 halves the cost (no accuracy lost on corpus-dev). */
  frameStride: number;
  minHz: number;
  maxHz: number;
  bassMaxHz: number;
  /** Lowest candidate fundamental that a harmonic vote may go to. */
  minFundamentalHz: number;
  harmonics: number;
  harmonicDecay: number;
  /** Peak salience: the peak must stand this many times above the valleys on both sides. */
  salience: number;
  /** How far (bins) the valleys are looked for on each side. */
  neighbourhood: number;
  /** Peak weight: magnitude^power. */
  power: number;
}

export const CHROMA_DEFAULTS: ChromaOptions = {
  blockFrames: 20,
  frameStride: 2,
  minHz: 50,
  maxHz: 3500,
  bassMaxHz: 200,
  minFundamentalHz: 80,
  harmonics: 4,
  harmonicDecay: 0.6,
  salience: 4,
  neighbourhood: 8,
  power: 1,
};

const FINE = 36; // bins per octave while streaming
const TUNING_MIN_HZ = 150;
const PITCH_STEPS = 32;
const TUNE_STEPS = 1000;

export function createChromaStream(opts: Partial<ChromaOptions> = {}): StreamDef<ChromaStream> {
  const o = { ...CHROMA_DEFAULTS, ...opts };
  return {
    input: "spectrum",
    create(info: FrontEndInfo) {
      const binHz = info.analysisRate / info.frameSize;
      const bins = info.frameSize / 2 + 1;
      const W = o.neighbourhood;
      const salience = o.salience;
      const kLo = Math.max(2, Math.ceil(o.minHz / binHz));
      const kHi = Math.min(bins - 2, Math.floor(o.maxHz / binHz));
      const kBass = o.bassMaxHz / binHz;
      const kTune = TUNING_MIN_HZ / binHz;
      const harmShift = new Float64Array(o.harmonics); // semitones below the peak
      const harmWeight = new Float64Array(o.harmonics);
      for (let h = 1; h <= o.harmonics; h++) {
        harmShift[h - 1] = 12 * Math.log2(h);
        harmWeight[h - 1] = o.harmonicDecay ** (h - 1);
      }
      // pitch in semitones relative to C: 12·log2(f / C0) with C0 = 440·2^(−57/12)
      const logC0 = Math.log2(440) - 57 / 12;
      const minFundPitch = 12 * (Math.log2(o.minFundamentalHz) - logC0);
      // bin → pitch (semitones above C0) at 1/PITCH_STEPS-bin resolution, linearly interpolated
      const pitchOfStep = new Float64Array(bins * PITCH_STEPS + 2);
      for (let i = 1; i < pitchOfStep.length; i++) pitchOfStep[i] = 12 * (Math.log2((i / PITCH_STEPS) * binHz) - logC0);
      pitchOfStep[0] = pitchOfStep[1];
      // deviation from the semitone grid (−0.5..0.5 semitone) → unit phasor, for the circular mean
      const tuneCosTab = new Float64Array(TUNE_STEPS + 1);
      const tuneSinTab = new Float64Array(TUNE_STEPS + 1);
      for (let i = 0; i <= TUNE_STEPS; i++) {
        tuneCosTab[i] = Math.cos(2 * Math.PI * (i / TUNE_STEPS - 0.5));
        tuneSinTab[i] = Math.sin(2 * Math.PI * (i / TUNE_STEPS - 0.5));
      }

      let treble = new Float32Array(FINE * 256);
      let bass = new Float32Array(FINE * 256);
      let tonal = new Float32Array(256);
      let total = new Float32Array(256);
      let block = 0;
      let inBlock = 0;
      let tuneCos = 0;
      let tuneSin = 0;
      let tuneW = 0;

      const grow = () => {
        const g = (a: Float32Array) => {
          const b = new Float32Array(a.length * 2);
          b.set(a);
          return b;
        };
        treble = g(treble);
        bass = g(bass);
        tonal = g(tonal);
        total = g(total);
      };
      const addFine = (arr: Float32Array, base: number, pitch: number, w: number) => {
        let q = (pitch * 3) % FINE;
        if (q < 0) q += FINE;
        const j0 = Math.floor(q);
        const frac = q - j0;
        arr[base + j0] += w * (1 - frac);
        arr[base + (j0 + 1 === FINE ? 0 : j0 + 1)] += w * frac;
      };

      const snapshot = (): ChromaStream => {
        const n = inBlock > 0 ? block + 1 : block;
        const tuningCents = tuneW > 0 ? (Math.atan2(tuneSin, tuneCos) / (2 * Math.PI)) * 100 : 0;
        const tuningStrength = tuneW > 0 ? Math.hypot(tuneSin, tuneCos) / tuneW : 0;
        return {
          blocksPerSecond: info.framesPerSecond / o.blockFrames,
          blockCount: n,
          treble: foldTuned(treble, n, tuningCents),
          bass: foldTuned(bass, n, tuningCents),
          tonal: tonal.slice(0, n),
          total: total.slice(0, n),
          tuningCents,
          referenceHz: 440 * 2 ** (tuningCents / 1200),
          tuningStrength,
        };
      };
      return {
        spectrum(mag, index) {
          if (index % o.frameStride !== 0) return;
          if (block === tonal.length) grow();
          const base = block * FINE;
          let sumAll = 0;
          let frameMax = 0;
          for (let k = kLo; k <= kHi; k++) {
            sumAll += mag[k];
            if (mag[k] > frameMax) frameMax = mag[k];
          }
          // peaks more than 60 dB below the frame's strongest carry no weight worth the work
          const floor = Math.max(1e-6, frameMax * 1e-3);
          let sumTonal = 0;
          for (let k = kLo; k <= kHi; k++) {
            const m = mag[k];
            if (m < floor || m <= mag[k - 1] || m < mag[k + 1]) continue;
            // prominence: the peak over the higher of the valleys on either side (≤ W bins)
            const need = m / salience;
            let l = k - 1;
            while (l > k - W && l > 0 && mag[l - 1] < mag[l]) l--;
            if (mag[l] > need) continue;
            let r = k + 1;
            while (r < k + W && r < bins - 1 && mag[r + 1] < mag[r]) r++;
            if (mag[r] > need) continue;
            // parabolic interpolation of the log magnitude (Hann main lobe is near-Gaussian)
            const l0 = Math.log(mag[k - 1] + 1e-12);
            const l1 = Math.log(m);
            const l2 = Math.log(mag[k + 1] + 1e-12);
            const den = l0 - 2 * l1 + l2;
            const delta = den < 0 ? (0.5 * (l0 - l2)) / den : 0;
            const kf = k + delta;
            const x = kf * PITCH_STEPS;
            const xi = x | 0;
            const pitch = pitchOfStep[xi] + (x - xi) * (pitchOfStep[xi + 1] - pitchOfStep[xi]);
            const w = o.power === 1 ? m : m ** o.power;
            sumTonal += m;
            if (kf >= kTune) {
              const d = Math.round((pitch - Math.round(pitch) + 0.5) * TUNE_STEPS);
              tuneCos += w * tuneCosTab[d];
              tuneSin += w * tuneSinTab[d];
              tuneW += w;
            }
            if (kf < kBass) addFine(bass, base, pitch, w);
            for (let h = 0; h < o.harmonics; h++) {
              const p = pitch - harmShift[h];
              if (p < minFundPitch) break;
              addFine(treble, base, p, w * harmWeight[h]);
            }
          }
          tonal[block] += sumTonal;
          total[block] += sumAll;
          if (++inBlock === o.blockFrames / o.frameStride) {
            inBlock = 0;
            block++;
          }
        },
        // reading the accumulated bins (the partial block too) leaves them as they are:
        // finishing is a snapshot
        finish: snapshot,
        snapshot,
      };
    },
  };
}

/**
 * Folds 36-bin frames to 12 pitch classes around the tuned semitone centres, with a cos² window
 * 4/3 semitone wide (Gómez 2006's HPCP weighting window).
 */
export function foldTuned(fine: Float32Array, n: number, tuningCents: number): Float32Array {
  const out = new Float32Array(n * 12);
  const shift = (tuningCents / 100) * 3; // in fine bins
  const halfWidth = 2; // fine bins (2/3 semitone)
  // weights[c][j]: contribution of fine bin j to pitch class c
  const weights = new Float32Array(12 * FINE);
  for (let c = 0; c < 12; c++) {
    const centre = 3 * c + shift;
    for (let j = 0; j < FINE; j++) {
      let d = Math.abs(j - centre) % FINE;
      if (d > FINE / 2) d = FINE - d;
      if (d < halfWidth) weights[c * FINE + j] = Math.cos((Math.PI * d) / (2 * halfWidth)) ** 2;
    }
  }
  for (let i = 0; i < n; i++) {
    const fb = i * FINE;
    for (let c = 0; c < 12; c++) {
      let s = 0;
      const wb = c * FINE;
      for (let j = 0; j < FINE; j++) s += weights[wb + j] * fine[fb + j];
      out[i * 12 + c] = s;
    }
  }
  return out;
}

export const chromaStream = createChromaStream();
