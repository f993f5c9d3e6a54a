/**
 * Structure: the track's sections (intro, verse, build, drop, breakdown, outro), their repetition
 * groups and energies, and the cue points a DJ wants (docs/structure.md).
 *
 *   chroma (treble, bass), timbre (power, centroid, flatness), onset bands, loudness
 *        │ averaged per beat (per FRAME_SECONDS frame without a pulse), standardised, weighted
 *        ▼
 *   self-similarity, banded around the diagonal (dsp/segment.ts; Foote 2000, McFee & Ellis 2014)
 *        │ checkerboard-kernel novelty (Foote 2000), features smoothed over two bars first
 *        ▼
 *   candidate boundaries: every downbeat, its novelty × a phrase prior (bar number a multiple of
 *   8 / 4 / 2 on a phrase grid whose phase is the one that catches the most novelty; sections
 *   come in 4-, 8- and 16-bar phrases in dance and pop music) → peaks at least minBars apart
 *   above a threshold
 *        ▼
 *   sections: repetition groups by the distance of their mean features; kinds by energy and
 *   position (rules at `kindsOf`); energy = loudness relative to the loudest section
 *        ▼
 *   cues: first downbeat, mix in, mix out, each drop, each other section start
 *
 * Without a beat grid (no pulse) the same runs on fixed time frames and `bars` is null.
 */
import type { ChromaStream } from "../features/chroma.js";
import type { LoudnessBlocks } from "../features/loudness-meter.js";
import type { OnsetStream } from "../features/onset.js";
import type { TimbreStream } from "../features/timbre.js";
import { checkerboardNovelty, pickPeaks, selfSimilarity, smoothFrames, standardise } from "../dsp/segment.js";
import { roundTo } from "../numbers.js";
import type { Cue, CueKind, Section, SectionKind } from "../result.js";
import { defineAnalyzer } from "./contract.js";
import { barsAnalyzer, rhythmModel } from "./rhythm.js";

/** Frame length without a beat grid, seconds. */
export const FRAME_SECONDS = 0.5;

/**
 * The knobs, tuned on half A of the generated set (scripts/eval-structure.ts --tune: kernel,
 * threshold, phrase prior, smoothing); never on half B. The no-grid values are the grid ones at
 * 120 BPM.
 */
export interface StructureParams {
  /** Checkerboard half-widths, in beats (with a grid); their novelties are averaged. */
  kernelBeats: number[];
  /** The same in seconds, without a grid. */
  kernelSeconds: number[];
  /** Features are averaged over this many beats (seconds without a grid) first: within a bar chords and drums change, between sections the mix does. */
  smoothBeats: number;
  smoothSeconds: number;
  /** Phrase prior by bar number on the phrase grid: a multiple of 8, of 4, of 2, other. */
  phraseWeights: [number, number, number, number];
  /** A boundary's score must reach this fraction of the track's highest score… */
  relativeThreshold: number;
  /** …and this absolute novelty. */
  absoluteThreshold: number;
  /** Shortest section, bars (with a grid) / seconds (without). */
  minBars: number;
  minSeconds: number;
  /** Feature group weights: harmony (chroma), timbre, rhythm (onset bands), loudness. */
  weights: { harmony: number; timbre: number; rhythm: number; loudness: number };
  /** Sections whose mean features lie closer than this (RMS per weighted dimension) share a letter. */
  groupDistance: number;
}

export const STRUCTURE_DEFAULTS: StructureParams = {
  kernelBeats: [16],
  kernelSeconds: [8],
  smoothBeats: 8,
  smoothSeconds: 4,
  phraseWeights: [1, 0.7, 0.2, 0.1],
  relativeThreshold: 0.4,
  absoluteThreshold: 0.05,
  minBars: 4,
  minSeconds: 8,
  weights: { harmony: 1, timbre: 1, rhythm: 1, loudness: 1 },
  groupDistance: 0.6,
};

export interface StructureInput {
  chroma: ChromaStream;
  timbre: TimbreStream;
  onset: OnsetStream;
  loudness: LoudnessBlocks;
  /** Beat times, seconds; null without a pulse. */
  beats: number[] | null;
  downbeats: number[] | null;
  duration: number;
}

export interface Structure {
  sections: Section[];
  cues: Cue[];
}

const r3 = (x: number) => roundTo(x, 3);

/** Mean of a series (one value per frame at `fps`, frame i at i / fps) over frames in [t0, t1), else the nearest frame. */
function meanOver(prefix: Float64Array, fps: number, t0: number, t1: number): number {
  const n = prefix.length - 1;
  if (n <= 0) return 0;
  let a = Math.max(0, Math.ceil(t0 * fps - 1e-9));
  let b = Math.min(n, Math.ceil(t1 * fps - 1e-9));
  if (b <= a) {
    a = Math.min(n - 1, Math.max(0, Math.round(((t0 + t1) / 2) * fps)));
    b = a + 1;
  }
  return (prefix[b] - prefix[a]) / (b - a);
}

function prefixSum(x: ArrayLike<number>, stride = 1, offset = 0): Float64Array {
  const n = Math.floor((x.length - offset + stride - 1) / stride);
  const p = new Float64Array(Math.max(0, n) + 1);
  for (let i = 0; i < n; i++) p[i + 1] = p[i] + x[i * stride + offset];
  return p;
}

/** Per-frame feature rows for the frames [edges[k], edges[k + 1]), with each row's group. */
function frameFeatures(s: StructureInput, edges: number[], w: StructureParams["weights"]) {
  const { chroma, timbre, onset, loudness } = s;
  const treble = Array.from({ length: 12 }, (_, c) => prefixSum(chroma.treble, 12, c));
  const bass = Array.from({ length: 12 }, (_, c) => prefixSum(chroma.bass, 12, c));
  const log = (x: Float32Array, floor: number) => prefixSum(Array.from(x, (v) => Math.log10(v + floor)));
  const power = log(timbre.power, 1e-10);
  const centroid = log(timbre.centroidHz, 1);
  const flatness = prefixSum(timbre.flatness);
  const low = log(onset.low, 1e-3);
  const mid = log(onset.mid, 1e-3);
  const high = log(onset.high, 1e-3);
  const lufs = prefixSum(Array.from(loudness.subBlockPower, (v) => 10 * Math.log10(v + 1e-10)));
  const dims = 24 + 3 + 3 + 1;
  const n = edges.length - 1;
  const x = new Float32Array(n * dims);
  for (let k = 0; k < n; k++) {
    const [t0, t1] = [edges[k], edges[k + 1]];
    const row = x.subarray(k * dims, (k + 1) * dims);
    // chroma shape, not level (the level is the loudness dimension's business)
    for (const [off, pcs] of [[0, treble], [12, bass]] as const) {
      let m = 0;
      for (let c = 0; c < 12; c++) m = Math.max(m, (row[off + c] = meanOver(pcs[c], chroma.blocksPerSecond, t0, t1)));
      for (let c = 0; c < 12; c++) row[off + c] = m > 0 ? row[off + c] / m : 0;
    }
    row[24] = meanOver(power, timbre.framesPerSecond, t0, t1);
    row[25] = meanOver(centroid, timbre.framesPerSecond, t0, t1);
    row[26] = meanOver(flatness, timbre.framesPerSecond, t0, t1);
    row[27] = meanOver(low, onset.framesPerSecond, t0, t1);
    row[28] = meanOver(mid, onset.framesPerSecond, t0, t1);
    row[29] = meanOver(high, onset.framesPerSecond, t0, t1);
    row[30] = meanOver(lufs, 1 / loudness.subBlockSeconds, t0, t1);
  }
  const z = standardise(x, dims);
  // each group weighs its weight in total, however many dimensions it has
  const scale = new Float32Array(dims);
  for (let d = 0; d < dims; d++) scale[d] = d < 24 ? Math.sqrt(w.harmony / 24) : d < 27 ? Math.sqrt(w.timbre / 3) : d < 30 ? Math.sqrt(w.rhythm / 3) : Math.sqrt(w.loudness);
  for (let i = 0; i < z.length; i++) z[i] *= scale[i % dims];
  return { dims, z, n, onsetPrefix: [low, mid, high], lufsPrefix: lufs };
}

/** Average of the novelties at several kernel widths (frames): fine and coarse changes both count. */
function novelty(features: Float32Array, dims: number, widths: number[], smooth: number): Float32Array {
  const z = smoothFrames(features, dims, smooth);
  const n = Math.floor(z.length / dims);
  const maxW = Math.max(...widths.map((w) => Math.max(1, Math.round(w))));
  const ssm = selfSimilarity(z, dims, Math.min(n - 1, 2 * maxW));
  const out = new Float32Array(n);
  for (const w of widths) {
    const nv = checkerboardNovelty(ssm, w);
    for (let i = 0; i < n; i++) out[i] += nv[i] / widths.length;
  }
  return out;
}

/** The phrase prior of a boundary `bars` bars after the first downbeat. */
function phraseWeight(bars: number, w: StructureParams["phraseWeights"]): number {
  bars = ((bars % 8) + 8) % 8;
  return bars % 8 === 0 ? w[0] : bars % 4 === 0 ? w[1] : bars % 2 === 0 ? w[2] : w[3];
}

/**
 * The boundary candidates of a track and their scores: the downbeats with their novelty × phrase
 * prior (with a grid), else every frame with its novelty. Exported for scripts and tests.
 */
export function boundaryCandidates(s: StructureInput, params: StructureParams = STRUCTURE_DEFAULTS) {
  const duration = s.duration;
  const grid = s.beats && s.beats.length >= 8 && s.downbeats && s.downbeats.length >= 2 ? { beats: s.beats, downbeats: s.downbeats } : null;
  // frame edges: beats (the grid's extent padded to the track's ends) or fixed frames
  let edges: number[];
  if (grid) {
    edges = [...grid.beats];
    if (edges[0] > 0.05) edges.unshift(0);
    if (edges[edges.length - 1] < duration - 0.05) edges.push(duration);
  } else {
    edges = [];
    for (let t = 0; t < duration; t += FRAME_SECONDS) edges.push(t);
    edges.push(duration);
  }
  const f = frameFeatures(s, edges, params.weights);
  let times: number[] = [];
  let score: number[] = [];
  // shortest section and the margin kept free at the track's ends, in candidates and in seconds
  let minDistance = 1;
  let margin = params.minSeconds / 2;
  if (f.n >= 4) {
    const widths = grid ? params.kernelBeats : params.kernelSeconds.map((x) => x / FRAME_SECONDS);
    const nov = novelty(f.z, f.dims, widths, grid ? params.smoothBeats : params.smoothSeconds / FRAME_SECONDS);
    if (grid) {
      // candidates: downbeats (bar numbers from the first one, by the median bar, so that a
      // stretch without beats does not shift the phrase count)
      const db = grid.downbeats;
      const bars = db.slice(1).map((t, i) => t - db[i]).sort((a, b) => a - b);
      const bar = bars[bars.length >> 1];
      times = db;
      const raw = db.map((t) => {
        const k = frameAt(edges, t);
        // a beat either side (a downbeat estimate a beat off, a change anticipated by a fill)
        return Math.max(nov[k], nov[Math.max(0, k - 1)] * 0.9, nov[Math.min(nov.length - 1, k + 1)] * 0.9);
      });
      const barNo = db.map((t) => Math.round((t - db[0]) / bar));
      // the phrase grid's phase: the offset whose phrase starts catch the most novelty (the
      // first downbeat found need not start a phrase: a quiet first bar is often missed)
      let phase = 0;
      let best = -1;
      for (let o = 0; o < 8; o++) {
        let sum = 0;
        for (let i = 0; i < db.length; i++) sum += raw[i] * phraseWeight(barNo[i] - o, params.phraseWeights);
        if (sum > best + 1e-9) {
          best = sum;
          phase = o;
        }
      }
      score = raw.map((v, i) => v * phraseWeight(barNo[i] - phase, params.phraseWeights));
      minDistance = params.minBars;
      margin = (params.minBars * bar) / 2;
    } else {
      times = edges.slice(0, -1);
      score = Array.from(nov);
      minDistance = Math.round(params.minSeconds / FRAME_SECONDS);
    }
  }
  // a loop, not Math.max(...score): a day-long file has more candidates than a call takes arguments
  const threshold = Math.max(params.absoluteThreshold, params.relativeThreshold * score.reduce((m, v) => (v > m ? v : m), 0));
  return { grid, edges, features: f, times, score, threshold, minDistance, margin };
}

/** The frame (index into edges) that starts nearest t. */
function frameAt(edges: number[], t: number): number {
  let lo = 0;
  let hi = edges.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (edges[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1 < edges.length - 1 && edges[lo + 1] - t < t - edges[lo] ? lo + 1 : lo;
}

/** Sections and cues of a track (pure: the analyser below feeds it the streams and the grid). */
export function analyzeStructure(s: StructureInput, params: StructureParams = STRUCTURE_DEFAULTS): Structure {
  const duration = s.duration;
  if (!(duration > 0)) return { sections: [], cues: [] };
  const c = boundaryCandidates(s, params);
  const boundaries = pickPeaks(c.score, c.threshold, c.minDistance)
    .map((i) => c.times[i])
    .filter((t) => t >= c.margin && t <= duration - c.margin);
  const starts = [0, ...boundaries];
  const ends = [...boundaries, duration];
  const downbeats = c.grid?.downbeats ?? null;
  const sections = describeSections(s, c.features, c.edges, starts, ends, downbeats, params);
  return { sections, cues: cuesOf(sections, downbeats, duration) };
}

function describeSections(
  s: StructureInput,
  f: ReturnType<typeof frameFeatures>,
  edges: number[],
  starts: number[],
  ends: number[],
  downbeats: number[] | null,
  params: StructureParams,
): Section[] {
  const n = starts.length;
  const subFps = 1 / s.loudness.subBlockSeconds;
  const power = prefixSum(s.loudness.subBlockPower);
  // loudness (LUFS-like, ungated) and onset activity of each section and of its halves
  const loud = (t0: number, t1: number) => -0.691 + 10 * Math.log10(meanOver(power, subFps, t0, t1) + 1e-10);
  // drums more than notes: the low (kick) and high (hats, snare noise) onset bands, not the mid band where the melody is
  const [lowP, , highP] = f.onsetPrefix;
  const activity = (t0: number, t1: number) => (meanOver(lowP, s.onset.framesPerSecond, t0, t1) + meanOver(highP, s.onset.framesPerSecond, t0, t1)) / 2;
  const L = starts.map((t, i) => loud(t, ends[i]));
  const A = starts.map((t, i) => activity(t, ends[i]));
  const Lmax = Math.max(...L);
  // Stevens: perceived loudness doubles every 10 LU; the loudest section is 1
  const energy = L.map((l) => 2 ** ((l - Lmax) / 10));
  // intensity for the kinds: loudness and onset activity (log scale), each 0..1 over the track
  const span = (x: number[]) => {
    const lo = Math.min(...x);
    const hi = Math.max(...x);
    return x.map((v) => (hi - lo > 1e-9 ? (v - lo) / (hi - lo) : 0.5));
  };
  const lSpan = Math.max(...L) - Math.min(...L);
  const aSpan = Math.max(...A) - Math.min(...A);
  // a flat track (under 3 LU and 0.15 decades of onset activity between its sections) has no contrast to judge
  const flat = lSpan < 3 && aSpan < 0.15;
  const lN = span(L);
  const aN = span(A);
  const intensity = lN.map((v, i) => (v + aN[i]) / 2);
  const rising = starts.map((t, i) => {
    const m = (t + ends[i]) / 2;
    return loud(m, ends[i]) - loud(t, m) > 1 || activity(m, ends[i]) - activity(t, m) > 0.1;
  });
  // repetition groups: mean weighted features of each section, nearest earlier group within reach
  // one pass over the frames (frames and sections are both in time order)
  const mean = starts.map(() => new Float64Array(f.dims));
  const count = new Array<number>(n).fill(0);
  for (let k = 0, i = 0; k + 1 < edges.length; k++) {
    const mid = (edges[k] + edges[k + 1]) / 2;
    while (i + 1 < n && mid >= ends[i]) i++;
    if (mid < starts[i] || mid >= ends[i]) continue;
    for (let d = 0; d < f.dims; d++) mean[i][d] += f.z[k * f.dims + d];
    count[i]++;
  }
  for (let i = 0; i < n; i++) if (count[i]) for (let d = 0; d < f.dims; d++) mean[i][d] /= count[i];
  const totalWeight = Object.values(params.weights).reduce((a, b) => a + b, 0);
  const dist = (a: Float64Array, b: Float64Array) => {
    let ss = 0;
    for (let d = 0; d < a.length; d++) ss += (a[d] - b[d]) ** 2;
    return Math.sqrt(ss / Math.max(1e-9, totalWeight));
  };
  const groupOf: number[] = [];
  const reps: number[] = []; // first section of each group
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = params.groupDistance;
    for (let g = 0; g < reps.length; g++) {
      const d = dist(mean[i], mean[reps[g]]);
      if (d < bestD) {
        best = g;
        bestD = d;
      }
    }
    if (best < 0) {
      best = reps.length;
      reps.push(i);
    }
    groupOf.push(best);
  }
  // a flat track is all body: no quieter ends to call intro and outro, no drop
  const kinds: SectionKind[] = flat
    ? starts.map(() => "verse")
    : kindsOf(starts.map((t, i) => ({ intensity: intensity[i], activity: aN[i], rising: rising[i], seconds: ends[i] - t, group: groupOf[i], position: t / s.duration })));
  const barsIn = (t0: number, t1: number) => (downbeats ? downbeats.filter((d) => d >= t0 - 0.05 && d < t1 - 0.05).length : null);
  return starts.map((t, i) => ({
    start: r3(t),
    end: r3(ends[i]),
    kind: kinds[i],
    group: letter(groupOf[i]),
    bars: barsIn(t, ends[i]),
    energy: r3(energy[i]),
  }));
}

const letter = (g: number) => (g < 26 ? String.fromCharCode(65 + g) : `Z${g - 25}`);

/** Intensity (0..1 over the track) at or above this is high (a drop candidate)… */
const HIGH = 0.7;
/** …at or below this, low (a breakdown in the middle). */
const LOW = 0.4;
/** Onset activity (0..1 over the track) at or below this: hardly any drums (a breakdown in the middle). */
const SPARSE = 0.25;
/** The share of the track at its end where quieter sections after the last drop are outro. */
const OUTRO_SHARE = 0.2;
/** A drop stands this much above the section before it. */
const DROP_STEP = 0.2;
/** A build is at most this long, seconds (about 16 bars of a fast track, 8 of a slow one). */
const BUILD_MAX_SECONDS = 40;

/** What kindsOf reads of each section. */
export interface SectionTraits {
  /** Loudness and onset activity, each scaled 0..1 over the track's sections, averaged. */
  intensity: number;
  /** Onset activity alone, 0..1 over the track's sections. */
  activity: number;
  /** Louder or busier in its second half than in its first. */
  rising: boolean;
  seconds: number;
  group: number;
  /** Where it starts, as a fraction of the track. */
  position: number;
}

/**
 * The kind of each section, from its intensity, activity, whether it rises, and its place, in
 * this order:
 *
 * 1. build: a section under BUILD_MAX_SECONDS that rises into a high section (≥ HIGH) — the
 *    snare roll or riser before a drop;
 * 2. drop: a high section after a build, or DROP_STEP above the section before it; a high section
 *    right after a drop of the same group continues the drop;
 * 3. intro / outro: the first / last section when below HIGH (tracks start and end thinner than
 *    their body; a loud first or last section is judged as a middle one), extended over the
 *    neighbouring sections of the same group (an intro whose second half adds a pad is one intro),
 *    and the outro over the sections below HIGH that start in the last OUTRO_SHARE of the track;
 * 4. breakdown: a middle section at or below LOW, or with hardly any drums (≤ SPARSE), and a
 *    neighbour of the same group as a breakdown;
 * 5. anything else: verse (the body of the track, a pop verse or an EDM groove).
 */
export function kindsOf(traits: SectionTraits[]): SectionKind[] {
  const n = traits.length;
  const kinds: SectionKind[] = traits.map(() => "verse");
  if (n === 1) return kinds;
  const v = traits.map((t) => t.intensity);
  for (let i = 0; i + 1 < n; i++) {
    if (traits[i].rising && traits[i].seconds <= BUILD_MAX_SECONDS && v[i + 1] >= HIGH && v[i] < v[i + 1]) kinds[i] = "build";
  }
  for (let i = 1; i < n; i++) {
    if (kinds[i] === "build" || v[i] < HIGH) continue;
    if (kinds[i - 1] === "build" || v[i - 1] <= v[i] - DROP_STEP || (kinds[i - 1] === "drop" && traits[i - 1].group === traits[i].group)) kinds[i] = "drop";
  }
  if (v[0] < HIGH && kinds[0] !== "build") {
    kinds[0] = "intro";
    for (let i = 1; i < n - 1 && traits[i].group === traits[0].group && kinds[i] === "verse" && v[i] < HIGH; i++) kinds[i] = "intro";
  }
  if (v[n - 1] < HIGH) {
    kinds[n - 1] = "outro";
    // the wind-down after the last drop, in the track's last OUTRO_SHARE, is outro too
    for (let i = n - 2; i > 0 && kinds[i] === "verse" && v[i] < HIGH && (traits[i].group === traits[n - 1].group || traits[i].position >= 1 - OUTRO_SHARE); i--) kinds[i] = "outro";
  }
  for (let i = 1; i < n - 1; i++) if (kinds[i] === "verse" && (v[i] <= LOW || traits[i].activity <= SPARSE)) kinds[i] = "breakdown";
  // a breakdown's other half (the same material) is breakdown too
  for (let i = 1; i < n - 1; i++) {
    if (kinds[i] !== "verse") continue;
    if ((kinds[i - 1] === "breakdown" && traits[i - 1].group === traits[i].group) || (kinds[i + 1] === "breakdown" && traits[i + 1].group === traits[i].group)) kinds[i] = "breakdown";
  }
  return kinds;
}

const KIND_NAMES: Record<SectionKind, string> = {
  intro: "Intro",
  verse: "Verse",
  build: "Build",
  drop: "Drop",
  breakdown: "Breakdown",
  outro: "Outro",
};

/** Priority when two cues fall on one time: the more specific wins. */
const CUE_ORDER: CueKind[] = ["first-downbeat", "drop", "mix-in", "mix-out", "section"];
/** Phrase the mix-in / mix-out fall back to when there is no intro / outro section, bars. */
const MIX_PHRASE_BARS = 16;

/**
 * Cues: the first downbeat; mix in at the end of the intro (else MIX_PHRASE_BARS bars in); mix out
 * at the start of the outro (else MIX_PHRASE_BARS bars before the last downbeat); every drop; every
 * other section start (one cue for a run of intro or outro sections). One cue per time; in time order.
 */
export function cuesOf(sections: Section[], downbeats: number[] | null, duration: number): Cue[] {
  const cues: Cue[] = [];
  if (downbeats && downbeats.length) cues.push({ time: downbeats[0], kind: "first-downbeat", name: "First downbeat" });
  // the intro and the outro may each be several sections (a pad entering halfway): their whole run
  let a = 0;
  while (a < sections.length && sections[a].kind === "intro") a++;
  let b = sections.length;
  while (b > 0 && sections[b - 1].kind === "outro") b--;
  const intro = a > 0 && a < sections.length ? sections[a].start : null;
  const outro = b < sections.length && b > 0 ? sections[b].start : null;
  const phrase = downbeats && downbeats.length > 2 * MIX_PHRASE_BARS ? MIX_PHRASE_BARS : null;
  const mixIn = intro ?? (phrase ? downbeats![phrase] : null);
  const mixOut = outro ?? (phrase ? downbeats![downbeats!.length - 1 - phrase] : null);
  if (mixIn !== null && mixIn < duration / 2) cues.push({ time: mixIn, kind: "mix-in", name: "Mix in" });
  if (mixOut !== null && mixOut > duration / 2) cues.push({ time: mixOut, kind: "mix-out", name: "Mix out" });
  let drops = 0;
  for (const [i, s] of sections.entries()) {
    if (s.kind === "drop") cues.push({ time: s.start, kind: "drop", name: ++drops > 1 ? `Drop ${drops}` : "Drop" });
    else if (s.start > 0 && !(i > 0 && sections[i - 1].kind === s.kind && (s.kind === "intro" || s.kind === "outro"))) cues.push({ time: s.start, kind: "section", name: KIND_NAMES[s.kind] });
  }
  cues.sort((a, b) => a.time - b.time || CUE_ORDER.indexOf(a.kind) - CUE_ORDER.indexOf(b.kind));
  const out: Cue[] = [];
  for (const c of cues) if (!out.length || c.time - out[out.length - 1].time > 0.05) out.push({ ...c, time: r3(c.time) });
  return out;
}

export const structureAnalyzer = defineAnalyzer({
  name: "structure",
  features: ["structure"],
  fields: ["sections", "cues"],
  streams: ["chroma", "timbre", "onset", "loudness"],
  needs: { rhythm: rhythmModel, bars: barsAnalyzer },
  run({ streams, needs: { rhythm, bars }, duration, warn }) {
    if (!(duration > 0)) {
      warn("structure: no audio");
      return { sections: null, cues: null };
    }
    if (!rhythm.beats || !bars.downbeats) warn("structure: no bar grid; sections from time frames, without bars");
    const { chroma, timbre, onset, loudness } = streams;
    const s = analyzeStructure({ chroma, timbre, onset, loudness, beats: rhythm.beats, downbeats: bars.downbeats, duration });
    return { sections: s.sections, cues: s.cues };
  },
});
