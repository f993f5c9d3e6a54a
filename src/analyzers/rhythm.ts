/**
 * Tempo and beat grid: the rhythm model (internal analyser "rhythm"), computed once per analysis,
 * and the three public analysers that report it: tempo, beats (with the tempo curve), and bars
 * (downbeats and meter, meter.ts).
 *
 *   beat activation (beat-activation.ts, or another provider)
 *        ├─► tempo salience + prior (tempo.ts) ─► candidate tempi
 *        ├─► metrical-level choice between the candidate and its ×2 / ×3 / ×½ / ×⅓ relatives
 *        │   (×½ by a logistic model over the fast grid's off-beats and harmonic rhythm: metrical-level.ts)
 *        └─► beat-state-space HMM (beat-tracker.ts) restricted to [T/1.4, 1.4·T], so the tempo
 *            may drift (ritardando, live playing, ramps) but not jump to another metrical level
 *               ─► beats, BPM refined from the beat times, tempo curve (one point per 4 beats)
 *               ─► pulse / no pulse: a logistic model over the grid and the onsets (pulse-gate.ts)
 *               ─► ×⅔ when the grid is at 3/2 of a triplet-divided beat (threeTwoAccent)
 *               ─► on the beat or half a beat off: a logistic model over the contrasts of bands
 *                   and harmonic change between the beats and their midpoints (beat-phase.ts)
 *
 * "No pulse" (silence, noise, beatless ambient) gives null and a reason, never a made-up tempo.
 */
import type { OnsetStream } from "../features/onset.js";
import type { BpmRange, Tempo, TempoCurve } from "../result.js";
import type { BarPitchStream } from "../features/bar-pitch.js";
import { trackBeats } from "./beat-tracker.js";
import { defineAnalyzer, defineInternal } from "./contract.js";
import { beatFeatures, estimateMeter, isTripleBar } from "./meter.js";
import { levelFeatures, slowLevelProbability } from "./metrical-level.js";
import { interp, lagCorrelation } from "../dsp/series.js";
import { beatNovelty, type Novelty, onsetNovelty, spectralFluxActivation } from "./beat-activation.js";
import { alternativeOf, localPeriodicity, MAX_BPM, MIN_BPM, salienceAt, saliencePeaks, type TempoSalience, tempoCandidates, tempoSalience } from "./tempo.js";
import { clamp01, roundTo } from "../numbers.js";
import { type PulseFeatures, pulseFeatures, pulseProbability } from "./pulse-gate.js";
import { type OnsetPulse, onsetPulse, onsetPulseDescriptors } from "./pulse.js";
import { offBeatProbability, phaseFeatures, shiftedHalfBeat } from "./beat-phase.js";

const round1 = (x: number) => roundTo(x, 1);
const round3 = (x: number) => roundTo(x, 3);

export interface Rhythm {
  tempo: Tempo | null;
  /** Beat times, seconds (null when there is no pulse). */
  beats: number[] | null;
  tempoCurve: TempoCurve | null;
  /** Why tempo/beats are null. */
  reason: string | null;
  /** The beat divides in three (6/8, 12/8, triplet feel) rather than two. */
  compound: boolean;
  novelty: Novelty;
  /** The pulse model's descriptors and probability (pulse-gate.ts); null where it was not reached. */
  pulse: { probability: number; features: PulseFeatures } | null;
}

/**
 * Where the beat evidence behind tempo.confidence starts: onset periodicity and grid alignment at
 * or below these give 0. (They were once gates; whether there is a beat at all is now the pulse
 * model's decision, pulse-gate.ts, and rubato music below them is reported with low confidence.)
 */
const EVIDENCE_PERIODICITY_FLOOR = 0.2;
const EVIDENCE_ALIGNMENT_FLOOR = 0.12;
/** Tempo freedom of the beat tracker around the chosen tempo (exclusive of ×⅔ and ×3/2). */
const TEMPO_FREEDOM = 1.4;
/** Fastest tempo a metrical-level change may move to (notated beats above this are rare). */
const MAX_NOTATED_BPM = 220;
/** Triple pulses at least this even (weaker pulses / first) are beats, not subdivisions. */
const EVEN_TRIPLE = 0.6;
/**
 * A triple-looking bar whose strongest third of midpoints is at least this strong against the
 * beats (threeTwoAccent) is a grid at 3/2 of the beat: the middle of 0.61–0.82, the range that
 * moves the same tracks of the development parts (7 right, 1 wrong; docs/accuracy.md).
 */
const THREE_TWO_MIN = 0.7;
/** Harmonic change repeating every 2 beats (autocorrelation above this) makes the bar 2 beats. */
const DOUBLE_MIN = 0.2;
/** How far outside the first and last clear onset a beat moved by half a beat may lie (s). */
const EDGE_SLACK_S = 0.05;
/** Beats per tempo-curve point. */
const CURVE_BEATS = 4;


export interface RhythmOptions {
  /**
   * Report the reading inside this range: the chosen tempo's related reading (×2, ×½, ×3, ×⅓,
   * ×3/2, ×⅔, ×4, ×¼) in the range with the most periodicity, else the strongest periodicity in
   * the range; the beat tracker then keeps to the range (±4 %).
   */
  bpmRange?: BpmRange;
  /**
   * Whether the learned metrical-level model (metrical-level.ts) may halve the tempo; default
   * true. False gives the reading it starts from — what scripts/lab.ts fit-level fits it on.
   */
  halving?: boolean;
  /**
   * Whether the pulse model (pulse-gate.ts) may answer "no pulse"; default true. False tracks
   * beats in anything, with the model's descriptors in Rhythm.pulse — what scripts/lab.ts
   * fit-pulse fits it on.
   */
  pulseGate?: boolean;
  /**
   * Whether the beat-phase model (beat-phase.ts) may move the grid by half a beat; default true.
   * False gives the tracked grid — what scripts/lab.ts fit-phase fits it on.
   */
  phase?: boolean;
}

/** Related readings a tempo range may move the tempo to, simplest first (ties go to the first). */
const RANGE_RATIOS = [1, 2, 1 / 2, 3, 1 / 3, 3 / 2, 2 / 3, 4, 1 / 4] as const;
/** How far the beat tracker may drift outside a given tempo range. */
const RANGE_SLACK = 1.04;

/**
 * The rhythm model of one track. `novelty` is the beat activation (default: the spectral-flux
 * novelty of `onset`): it gives the tempo salience, the pulse gates and the beat grid. The
 * onsets' own novelty (`onsets`, the same object by default) says where the music starts and
 * ends, and gives the periodicity cues of the metrical level, whatever the activation: a learned
 * activation's own periodicity is surest on the music it was trained on, so a level model fitted
 * on it there trusts it more than unseen music bears out (a 120 BPM drum loop read at 60). The onset bands and the bar pitch stream give the
 * metrical-level and bar evidence.
 */
export function analyzeRhythm(
  onset: OnsetStream,
  barPitch?: BarPitchStream,
  options: RhythmOptions = {},
  novelty: Novelty = beatNovelty(onset),
  onsets: Novelty = novelty,
  descriptors: OnsetPulse = onsetPulse(onset),
): Rhythm {
  const fps = novelty.framesPerSecond;
  const none = (reason: string, pulse: Rhythm["pulse"] = null): Rhythm => ({ tempo: null, beats: null, tempoCurve: null, reason, compound: false, novelty, pulse });
  const n = novelty.flux.length;
  if (n < 4 * fps) return none("the audio is too short to find a beat (under 4 s)");
  let energy = 0;
  for (let i = 0; i < n; i++) energy += novelty.flux[i];
  if (energy / n < 1e-4) return none("no onsets: the audio is silent or has no rhythmic events");
  const ts = tempoSalience(novelty);
  const peaks = saliencePeaks(ts, 8);
  if (peaks.length === 0) return none("no periodicity in the onsets");
  const bpm0 = peaks[0].bpm;
  const periodicity = Math.max(salienceAt(ts, bpm0), localPeriodicity(novelty));
  // metrical level: the salience peak, moved to a faster level when the bar structure says so
  let chosen = bpm0;
  let compound = isCompound(ts, chosen);
  let tracked = track(novelty, chosen);
  const beats0 = Array.from(tracked.frames, (f) => f / fps);
  if (compound) {
    // three equal pulses per "beat" are beats of a triple bar (3/4 at 3× the tempo); a strong
    // first pulse and weaker second and third are the eighths of compound time (6/8)
    const even = tripleEvenness(onset, beats0);
    if (even > EVEN_TRIPLE && chosen * 3 <= MAX_NOTATED_BPM) {
      chosen *= 3;
      compound = false;
      tracked = track(novelty, chosen);
    }
  } else if (barPitch && chosen * 2 <= MAX_NOTATED_BPM) {
    // harmony changing every 2 beats (not 4) means those "beats" are half notes: the bar is two
    // of them, the beat twice as fast (drum & bass and trap half-time feels, fast jazz)
    const f = beatFeatures(onset, beats0, barPitch);
    if (lagCorrelation(f.change, 2) > DOUBLE_MIN) {
      chosen *= 2;
      tracked = track(novelty, chosen);
    }
  }
  // beats only where the music is: from the first to the last clear onset (as madmom decodes only
  // between the first and last activation above its threshold); breaks inside keep their beats
  const [first, last] = activeRange(onsets.flux);
  const inMusic = (frames: Int32Array, bpm: number) => {
    const halfBeat = (30 * fps) / bpm;
    return frames.filter((f) => f >= first - halfBeat && f <= last + halfBeat);
  };
  // the slower octave when the fast grid's phases say its every other beat is an off-beat
  if (options.halving !== false && !compound && chosen / 2 >= MIN_BPM) {
    const beats = Array.from(inMusic(tracked.frames, chosen), (f) => f / fps);
    const x = levelFeatures(onset, beats, barPitch, onsets === novelty ? ts : tempoSalience(onsets), chosen / 2);
    if (x && slowLevelProbability(x, novelty.level.weights) > novelty.level.threshold) {
      chosen /= 2;
      tracked = track(novelty, chosen);
    }
  }
  const range = options.bpmRange;
  if (range) {
    const moved = intoRange(ts, chosen, range);
    if (moved !== chosen) {
      chosen = moved;
      compound = isCompound(ts, chosen);
      tracked = track(novelty, chosen, range);
    }
  }
  let frames = inMusic(tracked.frames, chosen);
  if (frames.length < 4) return none("too few beats found");
  // is there a beat at all: the pulse model over the onsets and the grid found in them
  const features = pulseFeatures(descriptors, novelty.activation, frames);
  const pulse = { probability: pulseProbability(features, novelty.pulse), features };
  if (options.pulseGate !== false && !(pulse.probability > novelty.pulse.threshold)) {
    const f = features;
    return none(
      `no steady pulse: pulse probability ${pulse.probability.toFixed(2)} (grid alignment ${f.alignment.toFixed(2)}, ` +
        `interval regularity ${f.ioiRegularity.toFixed(2)}, ${Math.exp(f.logOnsetRate).toFixed(1)} onsets/s, ` +
        `pulse clarity ${f.clarity.toFixed(2)}, stability ${f.stability.toFixed(2)})`,
      pulse,
    );
  }
  // the grid at 3/2 of the beat: its bar looks triple and every third midpoint is a beat. After
  // the pulse gate, which was fitted on the grids before this move (moved, a beatless pad's grid
  // can look steadier); not out of the user's range
  const slower = (chosen * 2) / 3;
  if (!compound && slower >= MIN_BPM && (!range || (slower >= range.min && slower <= range.max))) {
    const grid = Array.from(frames, (f) => f / fps);
    if (isTripleBar(onset, grid, barPitch) && threeTwoAccent(onset, grid) > THREE_TWO_MIN) {
      // the beat found is triple-divided: compound when its salience says so, as for a range move
      chosen = slower;
      compound = isCompound(ts, chosen);
      tracked = track(novelty, chosen, range);
      frames = inMusic(tracked.frames, chosen);
      if (frames.length < 4) return none("too few beats found");
    }
  }
  // on the beat or on the off-beat: the grid moves to its midpoints when the cues say so
  let beats = Array.from(frames, (f) => round3(f / fps));
  if (options.phase !== false && offBeatProbability(phaseFeatures(onset, barPitch, beats), novelty.phase) > novelty.phase.threshold) {
    // the moved grid keeps to the music itself (its first and last clear onset, ±EDGE_SLACK_S)
    beats = shiftedHalfBeat(beats)
      .filter((t) => t >= Math.max(0, first / fps - EDGE_SLACK_S) && t <= Math.min((n - 1) / fps, last / fps + EDGE_SLACK_S))
      .map(round3);
  }
  const curve = tempoCurve(beats);
  const bpm = curve.steady ? steadyBpm(beats) : median(curve.points.map((p) => p.bpm));
  // beat evidence: is there a beat at all (tempo.confidence also weighs the alternatives: tempo.ts)
  const evidence = clamp01(smooth((periodicity - EVIDENCE_PERIODICITY_FLOOR) / 0.45) ** 0.5 * smooth((features.alignment - EVIDENCE_ALIGNMENT_FLOOR) / 0.4) ** 0.5);
  const reading = tempoCandidates(ts, bpm, evidence);
  return {
    tempo: {
      bpm: round1(bpm),
      confidence: round3(reading.confidence),
      candidates: reading.candidates,
      alternative: alternativeOf(round1(bpm), reading.candidates),
    },
    beats,
    tempoCurve: curve,
    reason: null,
    compound,
    novelty,
    pulse,
  };
}

/** The reading of `bpm` inside `range` (RhythmOptions.bpmRange). */
export function intoRange(ts: TempoSalience, bpm: number, range: BpmRange): number {
  let best = 0;
  let bestS = -1;
  for (const k of RANGE_RATIOS) {
    const b = bpm * k;
    if (b < range.min || b > range.max) continue;
    if (k === 1) return b;
    const s = salienceAt(ts, b);
    if (s > bestS) {
      best = b;
      bestS = s;
    }
  }
  if (best > 0) return best;
  // no related reading in the range: its strongest periodicity
  for (let i = 0; i < ts.bpm.length; i++) {
    if (ts.bpm[i] >= range.min && ts.bpm[i] <= range.max && ts.salience[i] > bestS) {
      best = ts.bpm[i];
      bestS = ts.salience[i];
    }
  }
  return best > 0 ? best : Math.sqrt(range.min * range.max);
}

function track(novelty: Novelty, bpm: number, range?: BpmRange) {
  return trackBeats(novelty.activation, {
    framesPerSecond: novelty.framesPerSecond,
    minBpm: Math.max(MIN_BPM * 0.8, bpm / TEMPO_FREEDOM, range ? range.min / RANGE_SLACK : 0),
    maxBpm: Math.min(MAX_BPM * 1.2, bpm * TEMPO_FREEDOM, range ? range.max * RANGE_SLACK : Infinity),
    numTempi: 200, // every integer interval in range (duplicates merge)
    transitionLambda: 100,
    observationLambda: 16,
  });
}

/** The largest summed onset strength of `bands` within ±2 frames (±23 ms) of time t. */
function onsetPeak(bands: Float32Array[], fps: number, t: number): number {
  const c = Math.round(t * fps);
  let m = 0;
  for (let k = Math.max(0, c - 2); k <= Math.min(bands[0].length - 1, c + 2); k++) {
    let v = 0;
    for (const b of bands) v += b[k];
    if (v > m) m = v;
  }
  return m;
}

/** Mean mid+high onset strength at ⅓ and ⅔ of each beat relative to that at the beat. */
export function tripleEvenness(onset: OnsetStream, beats: number[]): number {
  const at = (t: number) => onsetPeak([onset.mid, onset.high], onset.framesPerSecond, t);
  let s0 = 0;
  let s12 = 0;
  for (let i = 0; i + 1 < beats.length; i++) {
    const d = beats[i + 1] - beats[i];
    s0 += at(beats[i]);
    s12 += (at(beats[i] + d / 3) + at(beats[i] + (2 * d) / 3)) / 2;
  }
  return s0 > 0 ? s12 / s0 : 0;
}

/**
 * A grid at 3/2 of the beat (two thirds of a triplet-divided beat taken for the beat: a 12/8
 * ballad's quarter-note triplet) has every third of its midpoints on a beat. The mean onset
 * strength (`total`: all bands) at the midpoints of the strongest of the three phases, over the
 * mean at the grid's beats: near 1 or above there, well below 1 where the midpoints are off-beats.
 */
export function threeTwoAccent(onset: OnsetStream, beats: number[]): number {
  const at = (t: number) => onsetPeak([onset.total], onset.framesPerSecond, t);
  let onBeats = 0;
  const mids = [0, 0, 0];
  const count = [0, 0, 0];
  for (let i = 0; i + 1 < beats.length; i++) {
    onBeats += at(beats[i]);
    mids[i % 3] += at((beats[i] + beats[i + 1]) / 2);
    count[i % 3]++;
  }
  const n = beats.length - 1;
  if (n < 3 || onBeats <= 0) return 0;
  return Math.max(...mids.map((m, p) => m / count[p])) / (onBeats / n);
}

/** First and last frame whose novelty exceeds 10 % of its 99th percentile. */
function activeRange(flux: Float32Array): [number, number] {
  const sorted = Float32Array.from(flux).sort();
  const thr = 0.1 * sorted[Math.floor(0.99 * (sorted.length - 1))];
  let first = 0;
  while (first < flux.length - 1 && flux[first] <= thr) first++;
  let last = flux.length - 1;
  while (last > first && flux[last] <= thr) last--;
  return [first, last];
}

/** Ternary beat division: the onsets correlate more at ⅓ and ⅔ of the beat than at ½. */
export function isCompound(ts: TempoSalience, bpm: number): boolean {
  const p = (60 * ts.framesPerSecond) / bpm;
  const at = (x: number) => Math.max(interp(ts.acf, x - 0.5), interp(ts.acf, x), interp(ts.acf, x + 0.5));
  const half = at(p / 2);
  const third = (at(p / 3) + at((2 * p) / 3)) / 2;
  return third > half + 0.05 && third > 0.15;
}

/** BPM of a steady grid: least-squares slope of beat time against beat index. */
function steadyBpm(beats: number[]): number {
  const n = beats.length;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sx += i;
    sy += beats[i];
    sxx += i * i;
    sxy += i * beats[i];
  }
  const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return 60 / slope;
}

/** Local tempo, one point per CURVE_BEATS beats; steady when the middle 80 % stay within ±2 %. */
export function tempoCurve(beats: number[]): TempoCurve {
  const points: { time: number; bpm: number }[] = [];
  for (let i = 0; i + CURVE_BEATS < beats.length; i += CURVE_BEATS) {
    const span = beats[i + CURVE_BEATS] - beats[i];
    points.push({ time: beats[i], bpm: round1((60 * CURVE_BEATS) / span) });
  }
  if (points.length === 0 && beats.length > 1) {
    points.push({ time: beats[0], bpm: round1((60 * (beats.length - 1)) / (beats[beats.length - 1] - beats[0])) });
  }
  const sorted = points.map((p) => p.bpm).sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))];
  const spread = sorted.length ? q(0.9) - q(0.1) : 0;
  const med = sorted.length ? q(0.5) : 0;
  return { steady: spread <= 0.04 * med, spread: round1(spread), points };
}

function median(x: number[]): number {
  const s = [...x].sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}
/** Smoothstep on [0, 1]. */
const smooth = (x: number) => {
  const t = clamp01(x);
  return t * t * (3 - 2 * t);
};

/** The rhythm model: one per analysis, read by the tempo, beats and bar analysers below. */
export const rhythmModel = defineInternal({
  name: "rhythm",
  streams: ["onset", "barPitch"],
  needs: { activation: spectralFluxActivation, onsets: onsetNovelty, descriptors: onsetPulseDescriptors },
  run: ({ streams, needs, options }) => analyzeRhythm(streams.onset, streams.barPitch, { bpmRange: options.bpmRange }, needs.activation, needs.onsets, needs.descriptors),
});

export const tempoAnalyzer = defineAnalyzer({
  name: "tempo",
  features: ["tempo"],
  fields: ["tempo"],
  streams: [],
  needs: { rhythm: rhythmModel },
  run({ needs: { rhythm }, warn }) {
    if (!rhythm.tempo) warn(`tempo: ${rhythm.reason}`);
    return { tempo: rhythm.tempo };
  },
});

/** The beat grid follows tempo drift; the tempo curve comes with it. */
export const beatsAnalyzer = defineAnalyzer({
  name: "beats",
  features: ["beats"],
  fields: ["beats", "tempoCurve"],
  streams: [],
  needs: { rhythm: rhythmModel },
  run({ needs: { rhythm }, warn }) {
    if (!rhythm.beats) warn(`beats: ${rhythm.reason}`);
    return { beats: rhythm.beats, tempoCurve: rhythm.tempoCurve };
  },
});

export const barsAnalyzer = defineAnalyzer({
  name: "bars",
  features: ["downbeats", "meter"],
  fields: ["downbeats", "meter"],
  streams: ["onset", "barPitch"],
  needs: { rhythm: rhythmModel },
  run({ streams, needs: { rhythm }, warn }) {
    const m = rhythm.beats ? estimateMeter(streams.onset, rhythm.beats, rhythm.compound, streams.barPitch, rhythm.novelty) : null;
    if (!m) warn(`meter: ${rhythm.reason ?? "too few beats to find bars"}`);
    return { downbeats: m ? m.downbeats : null, meter: m ? m.meter : null };
  },
});
