/**
 * Meter and downbeats from beat-synchronous features, after the feature-based downbeat trackers
 * of Davies & Plumbley ("A spectral difference approach to downbeat extraction in musical
 * audio", EUSIPCO 2006), Klapuri, Eronen & Astola (2006), Peeters & Papadopoulos (2011) and the
 * beat-synchronous bar-position model of Krebs, Böck & Widmer (ISMIR 2013/2015):
 *
 *  - per beat: low-band onset strength (kick, bass note entries), mid/high onset strength, and
 *    harmonic change — the distance between the pitch-class content of the beat and the one
 *    before it (chords and bass notes change on the downbeat more than anywhere else);
 *  - meter M ∈ {3, 4} (2 for compound time): the lag, in beats, at which the beat-synchronous
 *    pattern repeats best (beat-level self-similarity; 6 and 8 count towards 3 and 4);
 *  - downbeats: the bar position of every beat by Viterbi over a cyclic chain of positions that
 *    earns each downbeat its accent (low onsets, harmonic change) and charges BAR_SWITCH_COST for
 *    a jump — the bar-pointer idea (Whiteley, Cemgil & Godsill 2006; Krebs, Böck & Widmer 2013)
 *    on the beat level, so that the phase follows bars that shift mid-song;
 *  - with a learned beat activation, its downbeat output at each beat joins the accent and the
 *    pattern (the network's own bar evidence, as in Böck, Krebs & Widmer, ISMIR 2016, where a
 *    bar-pointer model decodes a network's beat and downbeat activations jointly).
 *
 * 6/8 and 12/8 are reported with the dotted-quarter beat: beatsPerBar 2 (6/8) — see rhythm.ts.
 */
import type { OnsetStream } from "../features/onset.js";
import type { Meter } from "../result.js";

export interface BarFeatures {
  /** Pitch-class profile per block (12 floats per block), blocks at `blocksPerSecond`. */
  pitch?: Float32Array;
  blocksPerSecond?: number;
}

export interface MeterEstimate {
  meter: Meter;
  downbeats: number[];
}

/** Max of x over frames [c − w, c + w]. */
function peakNear(x: Float32Array, c: number, w: number): number {
  let m = 0;
  for (let k = Math.max(0, c - w); k <= Math.min(x.length - 1, c + w); k++) if (x[k] > m) m = x[k];
  return m;
}

function zscore(x: Float64Array): Float64Array {
  const n = x.length;
  let m = 0;
  for (let i = 0; i < n; i++) m += x[i];
  m /= n || 1;
  let v = 0;
  for (let i = 0; i < n; i++) v += (x[i] - m) ** 2;
  const sd = Math.sqrt(v / (n || 1)) || 1;
  return x.map((y) => (y - m) / sd);
}

/**
 * The pitch-class content of each beat (12 per beat, unnormalised): the sum of the blocks from
 * the beat to the next (the last beat as long as the one before it), at least one block each.
 */
export function beatPitchProfiles(pitch: Float32Array, blocksPerSecond: number, beats: readonly number[]): Float64Array {
  const n = beats.length;
  const nb = pitch.length / 12;
  const prof = new Float64Array(n * 12);
  for (let i = 0; i < n; i++) {
    const t0 = beats[i];
    const t1 = i + 1 < n ? beats[i + 1] : beats[i] + (beats[i] - (beats[i - 1] ?? beats[i] - 0.5));
    const b0 = Math.max(0, Math.floor(t0 * blocksPerSecond));
    const b1 = Math.min(nb, Math.max(b0 + 1, Math.floor(t1 * blocksPerSecond)));
    for (let b = b0; b < b1; b++) for (let k = 0; k < 12; k++) prof[i * 12 + k] += pitch[b * 12 + k];
  }
  return prof;
}

/** Beat-synchronous features: one row per beat. */
export function beatFeatures(onset: OnsetStream, beats: number[], bar?: BarFeatures) {
  const fps = onset.framesPerSecond;
  const n = beats.length;
  const low = new Float64Array(n);
  const mid = new Float64Array(n);
  const high = new Float64Array(n);
  const change = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.round(beats[i] * fps);
    low[i] = peakNear(onset.low, c, 2);
    mid[i] = peakNear(onset.mid, c, 2);
    high[i] = peakNear(onset.high, c, 2);
  }
  if (bar?.pitch && bar.blocksPerSecond) {
    const prof = beatPitchProfiles(bar.pitch, bar.blocksPerSecond, beats);
    for (let i = 0; i < n; i++) {
      let norm = 0;
      for (let k = 0; k < 12; k++) norm += prof[i * 12 + k] ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let k = 0; k < 12; k++) prof[i * 12 + k] /= norm;
    }
    for (let i = 1; i < n; i++) {
      let d = 0;
      for (let k = 0; k < 12; k++) d += prof[i * 12 + k] * prof[(i - 1) * 12 + k];
      change[i] = 1 - d;
    }
    change[0] = change[1] ?? 0;
  }
  return { low, mid, high, change };
}

/**
 * What moving the bar phase costs, in accent units (z-scores): the cost of 10, 15, … 30 with the
 * best mean downbeat F over the development parts (corpus-dev, POP909 A, generated A, each
 * weighted equally; docs/accuracy.md). Near 0 every strong off-beat would start a bar; ∞ is one
 * phase for the whole track.
 */
export const BAR_SWITCH_COST = 15;

/**
 * Weight of a learned downbeat activation (Novelty.downbeat) in the downbeat accent and the
 * pattern similarity, against 1 for harmonic change: of 0, 0.5, 1, 2, 4 and 8, the one with the
 * best mean downbeat F over the development parts (scripts/lab.ts fit-bars, docs/accuracy.md).
 * 0 for the current models/beat-tcn.onnx: its downbeat output won on its own training songs and
 * lost more on corpus-dev (the weight was 0.5 for the model before it); refit for a new model.
 */
export const DOWNBEAT_ACTIVATION_WEIGHT = 0;

/** A per-frame downbeat activation (a learned network's) and its frame rate. */
export interface DownbeatActivation {
  downbeat?: Float32Array;
  framesPerSecond: number;
}

/** Mean product of each z-scored row with itself `lag` beats later, over the rows. */
function patternSimilarity(rows: Float64Array[], lag: number): number {
  let s = 0;
  let c = 0;
  for (const z of rows) {
    for (let i = 0; i + lag < z.length; i++) {
      s += z[i] * z[i + lag];
      c++;
    }
  }
  return c ? s / c : 0;
}

/**
 * How well the beat-synchronous pattern repeats every 3 beats (and 6) against every 4 (and 8),
 * each against the other's lags: the meter is 3 when score3 > score4.
 */
function barScores(rows: Float64Array[]): { score3: number; score4: number } {
  const sim = (L: number) => patternSimilarity(rows, L);
  return { score3: (sim(3) + sim(6)) / 2 - (sim(2) + sim(4)) / 4, score4: (sim(4) + sim(8)) / 2 - (sim(3) + sim(6)) / 4 };
}

/** Does the beat pattern (onsets, harmonic change) repeat every 3 beats rather than every 4? */
export function isTripleBar(onset: OnsetStream, beats: number[], bar?: BarFeatures): boolean {
  if (beats.length < 8) return false;
  const f = beatFeatures(onset, beats, bar);
  const { score3, score4 } = barScores([f.low, f.mid, f.high, ...(bar?.pitch ? [f.change] : [])].map(zscore));
  return score3 > score4;
}

export function estimateMeter(
  onset: OnsetStream,
  beats: number[],
  compound: boolean,
  bar?: BarFeatures,
  learned?: DownbeatActivation,
  downbeatWeight = DOWNBEAT_ACTIVATION_WEIGHT,
): MeterEstimate | null {
  const n = beats.length;
  if (n < 8) return null;
  const f = beatFeatures(onset, beats, bar);
  const hasChange = !!bar?.pitch;
  const zl = zscore(f.low);
  const zm = zscore(f.mid);
  const zh = zscore(f.high);
  const zc = hasChange ? zscore(f.change) : new Float64Array(n);
  const hasLearned = !!learned?.downbeat && downbeatWeight > 0;
  const zd = new Float64Array(n);
  if (hasLearned) {
    const d = learned.downbeat as Float32Array;
    const z = zscore(Float64Array.from(beats, (t) => peakNear(d, Math.round(t * learned.framesPerSecond), 2)));
    for (let i = 0; i < n; i++) zd[i] = downbeatWeight * z[i];
  }
  const rows = [zl, zm, zh, ...(hasChange ? [zc] : []), ...(hasLearned ? [zd] : [])];
  const { score3, score4 } = barScores(rows);
  let M: number;
  let conf: number;
  if (compound) {
    M = 2;
    conf = 0.5;
  } else {
    M = score3 > score4 ? 3 : 4;
    conf = Math.min(1, Math.abs(score3 - score4) * 2);
  }
  // downbeat accent: low onset + harmonic change at the bar start
  const accent = new Float64Array(n);
  for (let i = 0; i < n; i++) accent[i] = 0.5 * zl[i] + (hasChange ? zc[i] : 0) + 0.25 * zm[i] + zd[i];
  const barLen = compound ? 2 : M;
  // the mean accent of each fixed phase: how clear the bar is over the whole track (confidence)
  const phaseScores: number[] = [];
  for (let p = 0; p < barLen; p++) {
    let s = 0;
    let c = 0;
    for (let i = p; i < n; i += barLen) {
      s += accent[i];
      c++;
    }
    phaseScores.push(s / (c || 1));
  }
  const sortedS = [...phaseScores].sort((a, b) => b - a);
  const phaseConf = Math.min(1, Math.max(0, (sortedS[0] - (sortedS[1] ?? 0)) / 1.5));
  const downbeats: number[] = [];
  // the bar phase may move where the accents say so for long enough (a 2-beat bar, a beat the
  // tracker dropped)
  const position = barPositions(accent, barLen, BAR_SWITCH_COST);
  for (let i = 0; i < n; i++) if (position[i] === 0) downbeats.push(beats[i]);
  return {
    meter: { beatsPerBar: M, confidence: Math.round(Math.sqrt(conf * phaseConf) * 1000) / 1000 },
    downbeats,
  };
}

/**
 * Bar position of every beat (0 = downbeat): Viterbi over a cyclic chain of bar positions, the
 * position advancing by one per beat or jumping elsewhere at `switchCost` (in accent units);
 * a downbeat earns its accent.
 */
export function barPositions(accent: ArrayLike<number>, barLen: number, switchCost: number): Int8Array {
  const n = accent.length;
  const out = new Int8Array(n);
  if (n === 0) return out;
  let d = Array.from({ length: barLen }, (_, s) => (s === 0 ? accent[0] : 0));
  const back = new Int8Array(n * barLen);
  for (let i = 1; i < n; i++) {
    const next = new Array<number>(barLen);
    for (let s = 0; s < barLen; s++) {
      let best = Number.NEGATIVE_INFINITY;
      let arg = 0;
      for (let r = 0; r < barLen; r++) {
        const v = d[r] - ((r + 1) % barLen === s ? 0 : switchCost);
        if (v > best) {
          best = v;
          arg = r;
        }
      }
      next[s] = best + (s === 0 ? accent[i] : 0);
      back[i * barLen + s] = arg;
    }
    d = next;
  }
  let s = d.indexOf(Math.max(...d));
  for (let i = n - 1; i >= 0; i--) {
    out[i] = s;
    s = back[i * barLen + s];
  }
  return out;
}
