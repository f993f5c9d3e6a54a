/**
 * What the DJ-software exports (rekordbox-xml.ts, traktor-nml.ts) share: the input (a file's
 * absolute path and its Analysis), the beat grid as DJ programs store it (anchors with a BPM and
 * the anchor's beat in the bar), key notations and the cue selection. Pure functions: no I/O.
 */
import { basename, extname } from "node:path";
import { camelot, keyIndex, openKey, PITCH_CLASSES } from "../analyzers/key-notation.js";
import type { Analysis, Cue, Mode } from "../result.js";

/** One exported file: its absolute path on this machine and its analysis. */
export interface ExportTrack {
  path: string;
  analysis: Analysis;
  /** File size in bytes, when known (Rekordbox's Size). */
  size?: number;
}

export const KEY_NOTATIONS = ["standard", "camelot", "open-key"] as const;
export type KeyNotation = (typeof KEY_NOTATIONS)[number];

export const CUE_MODES = ["both", "hot", "memory", "none"] as const;
/**
 * Which cues are written: each cue as a memory cue and the first eight also as hot cues A–H
 * ("both"), only the hot cues, only memory cues, or none.
 */
export type CueMode = (typeof CUE_MODES)[number];

export interface DjExportOptions {
  /** Key notation of the key text (Rekordbox Tonality, Traktor INFO KEY); default: the program's own. */
  keyNotation?: KeyNotation;
  /** Name of the playlist holding the exported tracks. */
  playlistName?: string;
  cues?: CueMode;
  /** Also write "8A - Energy 6" (key and energy 1–10) into the comment field. */
  comments?: boolean;
}

export const DEFAULT_PLAYLIST = "trackprobe";

/** Hot cue slots DJ programs have (Rekordbox A–H, Traktor 1–8). */
export const HOT_CUE_SLOTS = 8;

// ---------------------------------------------------------------------------------------------
// Keys

/**
 * Key names as DJ software spells them: flats where the Camelot wheel (Mixed In Key) uses them,
 * "m" for minor ("Abm", "F#", "C"). Index: tonic pitch class (C = 0).
 */
const MAJOR_NAMES = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
const MINOR_NAMES = ["Cm", "Dbm", "Dm", "Ebm", "Em", "Fm", "F#m", "Gm", "Abm", "Am", "Bbm", "Bm"];

/** Tonic pitch class (C = 0) of a key name such as "F#" or "A#". */
export function tonicIndex(tonic: string): number {
  const i = (PITCH_CLASSES as readonly string[]).indexOf(tonic);
  if (i < 0) throw new Error(`unknown tonic "${tonic}"`);
  return i;
}

/** The key of an analysis as text in a notation; null without a key. */
export function keyText(a: Analysis, notation: KeyNotation): string | null {
  if (!a.key) return null;
  const t = tonicIndex(a.key.tonic);
  const mode: Mode = a.key.mode;
  if (notation === "camelot") return camelot(t, mode);
  if (notation === "open-key") return openKey(t, mode);
  return (mode === "major" ? MAJOR_NAMES : MINOR_NAMES)[t];
}

/**
 * Traktor's MUSICAL_KEY VALUE: 0–11 the major keys on C…B, 12–23 the minor keys on C…B
 * (Traktor's own files: INFO KEY="10m", i.e. C minor, goes with MUSICAL_KEY VALUE="12").
 */
export function traktorKeyValue(a: Analysis): number | null {
  return a.key ? keyIndex(tonicIndex(a.key.tonic), a.key.mode) : null;
}

/** "8A - Energy 6": Mixed In Key's comment convention (energy 1–10 from the 0..1 score). */
export function commentText(a: Analysis, notation: KeyNotation): string | null {
  const parts: string[] = [];
  const k = keyText(a, notation);
  if (k) parts.push(k);
  if (a.energy != null) parts.push(`Energy ${Math.min(10, Math.max(1, Math.round(a.energy * 10)))}`);
  return parts.length ? parts.join(" - ") : null;
}

// ---------------------------------------------------------------------------------------------
// Beat grid

/** A grid anchor: from `time` on, beats every 60/bpm s; the beat at `time` is `beatInBar` (1-based). */
export interface GridMarker {
  /** Seconds. */
  time: number;
  bpm: number;
  beatInBar: number;
}

export interface BeatGrid {
  beatsPerBar: number;
  /** One marker for a steady tempo; one per tempo change otherwise (first at or before the first downbeat). */
  markers: GridMarker[];
  /** The BPM of a single-tempo grid: a least-squares fit over all beats (Traktor's one TEMPO). */
  bpm: number;
  /**
   * Markers for a program whose grid has one BPM throughout (Traktor): all at `bpm`, one more
   * wherever that grid would stray from the detected beats (the same as `markers` when steady).
   */
  fixedBpmMarkers: GridMarker[];
  /** Whether `markers` follow a tempo that changes (the tempo curve is not steady). */
  dynamic: boolean;
}

/**
 * How far (s) a dynamic grid segment may stray from any detected beat inside it before a new
 * marker starts: below what a DJ hears as flamming (~20 ms) and above beat-tracker jitter.
 */
export const DYNAMIC_GRID_TOLERANCE = 0.015;

/**
 * Grid markers a one-BPM program (Traktor) gets at most, unless even the loosest tolerance below
 * needs more: they share its cue list with the cues. A guess at what stays usable, not a
 * documented limit.
 */
export const MAX_FIXED_BPM_MARKERS = 64;
/** Tolerances (s) tried in turn for one-BPM markers; past 40 ms a grid no longer helps beatmatching. */
export const FIXED_BPM_TOLERANCES = [DYNAMIC_GRID_TOLERANCE, 0.02, 0.025, 0.03, 0.04];

/** Below this many beats (two bars) a tempo curve is not followed: too few beats to tell. */
const MIN_SEGMENT_BEATS = 4;

/**
 * The beat grid of an analysis, or null when it has no beats (failed, silent, or tempo/beats
 * not among the features). Anchored on the first downbeat so that marker's beatInBar is 1; with
 * no downbeats, on the first beat.
 */
export function beatGridOf(a: Analysis): BeatGrid | null {
  const beats = a.beats;
  if (!beats || beats.length < 2) return null;
  const beatsPerBar = a.meter?.beatsPerBar && a.meter.beatsPerBar > 0 ? a.meter.beatsPerBar : 4;
  const index = beatIndices(beats);
  // Beat positions in the bar, counted on the gap-filled indices from the first downbeat.
  const first = firstDownbeat(beats, a.downbeats ?? []);
  const barOf = (i: number) => ((((index[i] - index[first]) % beatsPerBar) + beatsPerBar) % beatsPerBar) + 1;
  const fit = lineFit(index, beats, 0, beats.length - 1);
  const bpm = 60 / fit.slope;
  const steady = a.tempoCurve ? a.tempoCurve.steady : true;
  if (steady || beats.length < 2 * MIN_SEGMENT_BEATS) {
    // One anchor on the fitted line at the first downbeat: the whole track lines up, not just its
    // start. A fitted time before 0 moves a bar on (a grid cannot start before the audio).
    let time = fit.at(index[first]);
    while (time < 0) time += beatsPerBar * fit.slope;
    const markers = [{ time, bpm, beatInBar: 1 }];
    return { beatsPerBar, markers, bpm, fixedBpmMarkers: markers, dynamic: false };
  }
  const markers: GridMarker[] = [];
  // The first marker is the first downbeat (beat 1 of its bar); DJ programs extend a grid backwards
  // from its first marker, which covers the pickup beats before it.
  let s = first;
  while (s < beats.length - 1) {
    let e = Math.min(beats.length - 1, s + 1);
    // Extend while a straight grid from beat s to beat e+1 stays within tolerance of every beat in between.
    while (e + 1 < beats.length && fitsStraight(index, beats, s, e + 1)) e++;
    const period = (beats[e] - beats[s]) / (index[e] - index[s]);
    markers.push({ time: beats[s], bpm: 60 / period, beatInBar: barOf(s) });
    s = e;
  }
  const dynamic = markers.length > 1;
  let fixedBpmMarkers = [{ ...markers[0], bpm }];
  if (dynamic) {
    // Tighter first; a looser tolerance where the tempo moves so much that markers would crowd the cue list.
    for (const tolerance of FIXED_BPM_TOLERANCES) {
      fixedBpmMarkers = fixedTempoMarkers(beats, index, first, fit.slope, barOf, tolerance);
      if (fixedBpmMarkers.length <= MAX_FIXED_BPM_MARKERS) break;
    }
  }
  return { beatsPerBar, markers, bpm, fixedBpmMarkers, dynamic };
}

/**
 * One-BPM markers from beat `first` on: each re-anchors the phase on a detected beat, and the next
 * starts at the first beat the grid (period s) from the last marker misses by more than the tolerance.
 */
function fixedTempoMarkers(beats: number[], index: number[], first: number, period: number, barOf: (i: number) => number, tolerance: number): GridMarker[] {
  const markers: GridMarker[] = [];
  let s = first;
  for (;;) {
    markers.push({ time: beats[s], bpm: 60 / period, beatInBar: barOf(s) });
    let e = s + 1;
    while (e < beats.length && Math.abs(beats[s] + (index[e] - index[s]) * period - beats[e]) <= tolerance) e++;
    if (e >= beats.length) return markers;
    s = e;
  }
}

/** Whether every beat between s and e lies within tolerance of the straight grid through beats s and e. */
function fitsStraight(index: number[], beats: number[], s: number, e: number): boolean {
  const period = (beats[e] - beats[s]) / (index[e] - index[s]);
  for (let k = s + 1; k < e; k++) {
    if (Math.abs(beats[s] + (index[k] - index[s]) * period - beats[k]) > DYNAMIC_GRID_TOLERANCE) return false;
  }
  return true;
}

/**
 * Beat numbers with gaps filled: a tracker that lost the beat for a few seconds leaves a gap of
 * several periods, which the grid must count as several beats.
 */
export function beatIndices(beats: readonly number[]): number[] {
  const gaps = beats.slice(1).map((b, i) => b - beats[i]);
  const period = [...gaps].sort((x, y) => x - y)[Math.floor(gaps.length / 2)];
  const index = [0];
  for (let i = 1; i < beats.length; i++) index.push(index[i - 1] + Math.max(1, Math.round(gaps[i - 1] / period)));
  return index;
}

/** Index (into beats) of the first downbeat; 0 without downbeats. */
function firstDownbeat(beats: readonly number[], downbeats: readonly number[]): number {
  if (downbeats.length === 0) return 0;
  const d = downbeats[0];
  let best = 0;
  for (let i = 1; i < beats.length; i++) if (Math.abs(beats[i] - d) < Math.abs(beats[best] - d)) best = i;
  return best;
}

/** Least-squares line time = intercept + slope × index over beats s..e. */
function lineFit(index: number[], beats: number[], s: number, e: number): { slope: number; at: (i: number) => number } {
  const n = e - s + 1;
  let mx = 0;
  let my = 0;
  for (let k = s; k <= e; k++) {
    mx += index[k];
    my += beats[k];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let k = s; k <= e; k++) {
    sxy += (index[k] - mx) * (beats[k] - my);
    sxx += (index[k] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, at: (i) => my + slope * (i - mx) };
}

// ---------------------------------------------------------------------------------------------
// Cues

export interface ExportCue extends Cue {
  /** Hot cue slot 0–7, or null for a memory cue. */
  hotCue: number | null;
}

/**
 * The cue markers to write, in time order: per mode, each cue as a memory cue and/or the first
 * eight as hot cues. Cues outside the track are dropped (a DJ program would reject them).
 */
export function exportCues(a: Analysis, mode: CueMode = "both"): ExportCue[] {
  if (mode === "none" || !a.cues) return [];
  const cues = a.cues.filter((c) => c.time >= 0 && c.time <= a.duration).sort((x, y) => x.time - y.time);
  const out: ExportCue[] = [];
  if (mode === "both" || mode === "hot") cues.slice(0, HOT_CUE_SLOTS).forEach((c, i) => out.push({ ...c, hotCue: i }));
  if (mode === "both" || mode === "memory") for (const c of cues) out.push({ ...c, hotCue: null });
  return out.sort((x, y) => x.time - y.time || (x.hotCue ?? 99) - (y.hotCue ?? 99));
}

// ---------------------------------------------------------------------------------------------
// Files

/** The track's title for the DJ program's list: the file name without its extension (tags are not read). */
export function titleOf(path: string): string {
  const name = basename(path.replace(/\\/g, "/"));
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

/** Whether a path is a Windows one ("C:\…" or "C:/…"): its drive letter is kept as a volume. */
export const WINDOWS_PATH = /^([A-Za-z]:)[\\/]/;

/** The path's folders and file name, without the root or a drive letter. */
export function pathParts(path: string): { drive: string | null; parts: string[] } {
  const m = WINDOWS_PATH.exec(path);
  const rest = m ? path.slice(2) : path;
  return { drive: m ? m[1] : null, parts: rest.split(m ? /[\\/]+/ : /\/+/).filter(Boolean) };
}

/**
 * Control characters: XML 1.0 cannot hold most of them at all, and a tab or line break in an
 * attribute comes back as a space (attribute-value normalisation), so a path with one cannot be
 * written exactly into an XML attribute.
 */
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** Whether a path can go into an XML attribute as it is (no control characters). */
export const xmlSafePath = (path: string) => !/[\u0000-\u001f\u007f]/.test(path);

/** Display text for an XML attribute (titles, cue and playlist names): control characters become spaces. */
export const displayText = (s: string) => s.replace(CONTROL, " ");

/** Fixed decimals without a trailing "-0" for tiny negatives. */
export function fixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}
