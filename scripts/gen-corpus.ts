/**
 * A synthetic development corpus with exact ground truth (see docs/corpus-gen.md):
 *
 *   node --import tsx scripts/gen-corpus.ts OUT_DIR [--count 400] [--jobs 2] [--seed 1]
 *        [--only 0,5,17] [--soundfont PATH]
 *
 * Writes OUT_DIR/audio/gen-NNN.{mp3,flac,ogg} and OUT_DIR/truth/gen-NNN.json in the layout of
 * shared/corpus-dev. Each track is composed here (style, tempo map, meter, key, chords, bass,
 * comping, melody, drums), written as a Standard MIDI File, rendered with fluidsynth and the
 * FluidR3_GM soundfont (or --soundfont: another General MIDI bank gives the same music in other
 * timbres, a test of what was fitted on FluidR3's), and encoded with ffmpeg. Everything is a function of --seed: the plan
 * (style and tempo of every track) is drawn in order from one generator, and each track's notes
 * from a generator seeded by (seed, track number), so rendering a subset or resuming gives the
 * same tracks. Tracks whose audio and truth both exist are skipped; files are written to a temp
 * name and renamed, the truth last.
 *
 * The truth grid is exact: note times are computed here in seconds from the tempo map (the MIDI
 * file runs at a fixed 120 BPM, 1000 ticks per quarter = 0.5 ms per tick), beats and downbeats are
 * the unjittered grid, notes get gaussian human timing jitter clipped to ±5–10 ms.
 *
 * From track 200 on, about 70 % of the tracks are expressive classical piano (etude, nocturne,
 * sonata, waltz-rubato, chorale): a rubato tempo curve (random walk, phrase arcs, phrase-end and
 * final ritardandos) whose grid is the truth, ±10–20 ms onset noise, melody ahead of the bass,
 * phrase dynamics and pedal-length notes. Tracks 0–199 are drawn exactly as before.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { writeFileAtomic } from "../src/cli/write-atomic.js";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

export const SF2 = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

// ---------------------------------------------------------------- random numbers

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix a seed and a number into a 32-bit seed (splitmix-style). */
export function mixSeed(seed: number, n: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(n + 0x632be5ab, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export class Rng {
  private readonly f: () => number;
  constructor(seed: number) {
    this.f = mulberry32(seed);
  }
  next(): number {
    return this.f();
  }
  range(a: number, b: number): number {
    return a + (b - a) * this.f();
  }
  /** Inclusive integer range. */
  int(a: number, b: number): number {
    return a + Math.floor(this.f() * (b - a + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.f() * xs.length)];
  }
  chance(p: number): boolean {
    return this.f() < p;
  }
  gauss(): number {
    const u = Math.max(1e-12, this.f());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.f());
  }
  logUniform(a: number, b: number): number {
    return Math.exp(this.range(Math.log(a), Math.log(b)));
  }
}

// ---------------------------------------------------------------- styles and the plan

type Format = "mp3" | "flac" | "ogg";

interface StyleDef {
  name: string;
  /** Notated beat tempo range (quarter note; dotted quarter for compound meters). */
  lo: number;
  hi: number;
}

const STYLES: readonly StyleDef[] = [
  { name: "ballad", lo: 55, hi: 80 },
  { name: "pop", lo: 80, hi: 130 },
  { name: "rock", lo: 100, hi: 190 },
  { name: "house", lo: 120, hi: 135 },
  { name: "dnb", lo: 160, hi: 180 },
  { name: "hiphop", lo: 70, hi: 95 },
  { name: "trap", lo: 130, hi: 160 },
  { name: "bossa", lo: 90, hi: 150 },
  { name: "jazz", lo: 120, hi: 220 },
  { name: "reggae", lo: 65, hi: 95 },
  { name: "waltz", lo: 80, hi: 200 },
  { name: "compound68", lo: 55, hi: 120 },
  { name: "compound128", lo: 55, hi: 100 },
  { name: "strings", lo: 55, hi: 110 },
  { name: "piano-tempo", lo: 60, hi: 140 },
];

/**
 * Expressive classical-piano styles, drawn from track CLASSICAL_FROM on (CLASSICAL_SHARE of the
 * tracks; the rest keep the mix above). Tempo is the notated beat's base tempo, drawn
 * log-uniformly in the range; the performance bends it with a rubato curve (see rubatoCurve).
 */
const CLASSICAL: readonly StyleDef[] = [
  { name: "etude", lo: 66, hi: 144 },
  { name: "nocturne", lo: 50, hi: 80 },
  { name: "sonata", lo: 110, hi: 160 },
  { name: "waltz-rubato", lo: 90, hi: 180 },
  { name: "chorale", lo: 50, hi: 88 },
];
const CLASSICAL_FROM = 200;
const CLASSICAL_SHARE = 0.7;
const isClassical = (style: string) => CLASSICAL.some((s) => s.name === style);

interface Plan {
  index: number;
  id: string;
  style: string;
  tempo: number;
  format: Format;
  seed: number;
}

/**
 * Draw every track's style and tempo in order: the tempo log-uniformly from 55–200 BPM, then the
 * style among those whose range holds it, the one used least so far (ties at random), so that
 * styles come out about equally often and each keeps its own tempo range.
 */
function makePlan(count: number, seed: number): Plan[] {
  const rng = new Rng(mixSeed(seed, 0x7fffffff));
  const used = new Map<string, number>([...STYLES, ...CLASSICAL].map((s) => [s.name, 0]));
  const plans: Plan[] = [];
  for (let i = 0; i < count; i++) {
    let tempo: number;
    let style: string;
    // (tracks before CLASSICAL_FROM draw exactly as they always did)
    if (i >= CLASSICAL_FROM && rng.next() < CLASSICAL_SHARE) {
      const least = Math.min(...CLASSICAL.map((s) => used.get(s.name)!));
      const def = rng.pick(CLASSICAL.filter((s) => used.get(s.name) === least));
      style = def.name;
      tempo = Math.round(rng.logUniform(def.lo, def.hi));
    } else {
      tempo = Math.round(rng.logUniform(55, 200));
      const ok = STYLES.filter((s) => tempo >= s.lo && tempo <= s.hi);
      const least = Math.min(...ok.map((s) => used.get(s.name)!));
      style = rng.pick(ok.filter((s) => used.get(s.name) === least)).name;
    }
    used.set(style, used.get(style)! + 1);
    const r = rng.next();
    const format: Format = r < 0.1 ? "flac" : r < 0.2 ? "ogg" : "mp3";
    plans.push({ index: i, id: `gen-${String(i).padStart(3, "0")}`, style, tempo, format, seed: mixSeed(seed, i) });
  }
  return plans;
}

// ---------------------------------------------------------------- harmony

const NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];
const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const MINOR = [0, 2, 3, 5, 7, 8, 10];

export interface Chord {
  degree: number;
  root: number; // pitch class
  pcs: number[]; // pitch classes, root first
}

export class Key {
  constructor(
    readonly tonic: number,
    readonly minor: boolean,
  ) {}
  get name(): string {
    return `${NAMES[this.tonic]} ${this.minor ? "minor" : "major"}`;
  }
  get scale(): number[] {
    return this.minor ? MINOR : MAJOR;
  }
  /** Triad (or seventh chord) on a scale degree; in minor the V chord has the raised leading tone. */
  chord(degree: number, seventh = false): Chord {
    const s = this.scale;
    const rel = (k: number) => {
      let v = s[(degree + k) % 7];
      if (this.minor && (degree + k) % 7 === 6 && degree === 4) v = 11; // harmonic minor V
      return v;
    };
    const ks = seventh ? [0, 2, 4, 6] : [0, 2, 4];
    const pcs = ks.map((k) => (this.tonic + rel(k)) % 12);
    return { degree, root: pcs[0], pcs };
  }
  /** Scale pitch classes to use for melody over a chord (raised 7th over V in minor). */
  melodyScale(ch: Chord): number[] {
    const s = this.scale.map((v) => (this.tonic + v) % 12);
    if (this.minor && ch.degree === 4) s[6] = (this.tonic + 11) % 12;
    return s;
  }
}

export const MAJOR_PROGS = [
  [0, 4, 5, 3],
  [0, 3, 4, 0],
  [5, 3, 0, 4],
  [0, 5, 3, 4],
  [0, 2, 3, 4],
  [1, 4, 0, 0],
  [0, 3, 5, 4],
  [0, 0, 3, 4],
];
export const MINOR_PROGS = [
  [0, 5, 2, 6],
  [0, 3, 4, 0],
  [0, 6, 5, 4],
  [0, 3, 6, 2],
  [0, 5, 3, 4],
  [0, 3, 0, 4],
];
const JAZZ_MAJOR = [
  [1, 4, 0, 0],
  [0, 5, 1, 4],
  [2, 5, 1, 4],
];
const JAZZ_MINOR = [
  [1, 4, 0, 0],
  [0, 3, 1, 4],
];

/** Nearest pitch with pitch class pc to the given pitch. */
export function nearestPc(pc: number, around: number): number {
  const base = around - ((((around - pc) % 12) + 12) % 12);
  return around - base > 6 ? base + 12 : base;
}

/** Close voicing of a chord with the root near `center`, notes stacked upward. */
export function voicing(ch: Chord, center: number, inversion = 0): number[] {
  const pcs = [...ch.pcs.slice(inversion), ...ch.pcs.slice(0, inversion)];
  const out: number[] = [nearestPc(pcs[0], center)];
  for (const pc of pcs.slice(1)) {
    let p = out[out.length - 1] + 1;
    while (p % 12 !== pc) p++;
    out.push(p);
  }
  return out;
}

/** Bass pitch for a pitch class, in MIDI 33–48 (A1–C3). */
export function bassPitch(pc: number, low = 33): number {
  let p = low;
  while (p % 12 !== pc) p++;
  return p;
}

// ---------------------------------------------------------------- notes, tempo map, MIDI

export interface Note {
  ch: number;
  pitch: number;
  /** Position in beats from the downbeat of bar 1 (pickup beats are negative). */
  pos: number;
  /** Length in beats (drums: ignored). */
  dur: number;
  vel: number;
  /** Expressive onset offset in seconds (melody played ahead of the bass); not part of the grid. */
  dt?: number;
}

export const DRUM_CH = 9;

/** Tempo as a function of beat position: piecewise linear between (pos, bpm) points. */
class TempoMap {
  private readonly step = 1 / 96;
  private readonly t: number[] = [];
  constructor(
    private readonly points: [number, number][],
    readonly from: number,
    to: number,
    readonly offset: number,
  ) {
    const n = Math.ceil((to - from) / this.step) + 1;
    let acc = offset;
    this.t.push(acc);
    for (let i = 1; i < n; i++) {
      const a = from + (i - 1) * this.step;
      acc += (this.step * (60 / this.bpmAt(a) + 60 / this.bpmAt(a + this.step))) / 2;
      this.t.push(acc);
    }
  }
  bpmAt(pos: number): number {
    const p = this.points;
    if (pos <= p[0][0]) return p[0][1];
    for (let i = 1; i < p.length; i++) {
      if (pos <= p[i][0]) {
        const [x0, y0] = p[i - 1];
        const [x1, y1] = p[i];
        return x1 === x0 ? y1 : y0 + ((y1 - y0) * (pos - x0)) / (x1 - x0);
      }
    }
    return p[p.length - 1][1];
  }
  timeOf(pos: number): number {
    const x = (pos - this.from) / this.step;
    const i = Math.max(0, Math.min(this.t.length - 2, Math.floor(x)));
    const f = x - i;
    if (f < 1e-9) return this.t[i];
    return this.t[i] + (this.t[i + 1] - this.t[i]) * f;
  }
}

function vlq(n: number): number[] {
  const bytes = [n & 0x7f];
  n >>>= 7;
  while (n > 0) {
    bytes.unshift((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  return bytes;
}

interface MidiEvent {
  tick: number;
  order: number; // 0 meta/program/cc, 1 note off, 2 note on
  data: number[];
}

/** A format-0 Standard MIDI File at 120 BPM, 1000 ticks per quarter: one tick = 0.5 ms. */
function writeMidi(events: MidiEvent[], endTick: number): Buffer {
  events.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const body: number[] = [];
  const push = (tick: number, data: number[], last: number) => {
    body.push(...vlq(tick - last), ...data);
  };
  let last = 0;
  push(0, [0xff, 0x51, 0x03, 0x07, 0xa1, 0x20], 0); // 500000 µs per quarter
  push(0, [0xff, 0x58, 0x04, 4, 2, 24, 8], 0);
  for (const e of events) {
    push(e.tick, e.data, last);
    last = e.tick;
  }
  push(Math.max(endTick, last), [0xff, 0x2f, 0x00], last);
  const header = Buffer.from([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x03, 0xe8]);
  const len = body.length;
  const trk = Buffer.from([0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]);
  return Buffer.concat([header, trk, Buffer.from(body)]);
}

// ---------------------------------------------------------------- composing

export interface Song {
  style: string;
  meter: number;
  /** Subdivisions per beat used for grooves: 4 (simple) or 3 (compound / triplet feel). */
  compound: boolean;
  tempo: number;
  tempoPoints: [number, number][];
  tempoNote: string;
  key: Key;
  bars: number;
  pickup: number;
  startSilence: number;
  jitterMs: number;
  hasDrums: boolean;
  chordBeats: number;
  programs: Map<number, number>;
  notes: Note[];
  facts: string[];
  /** The expressive classical-piano styles (track 200 on): rubato tempo curve, pedalled piano. */
  classical?: boolean;
}

/** The context a style's composer works in. */
class Composer {
  readonly notes: Note[] = [];
  readonly programs = new Map<number, number>();
  readonly facts: string[] = [];
  chordBeats: number;
  progA: number[];
  progB: number[];
  seventh = false;
  introBars: number;
  /** Bars (0-based) without drums in the middle (a breakdown), empty for none. */
  breakdown = new Set<number>();
  /** Bars where the melody rests. */
  melodyRests = new Set<number>();
  swing = 0; // offbeat delay as a fraction of the offbeat unit (0 = straight)
  constructor(
    readonly rng: Rng,
    readonly key: Key,
    readonly meter: number,
    readonly bars: number,
    readonly pickup: number,
  ) {
    const r = rng.next();
    this.chordBeats = r < 0.6 || meter !== 4 ? meter : r < 0.8 ? 2 : meter * 2;
    if (meter === 2 && r > 0.75) this.chordBeats = 4;
    const progs = key.minor ? MINOR_PROGS : MAJOR_PROGS;
    this.progA = rng.pick(progs);
    this.progB = rng.chance(0.5) ? rng.pick(progs) : this.progA;
    this.introBars = rng.pick([0, 2, 2, 4]);
    if (bars < 12) this.introBars = Math.min(this.introBars, 2);
  }
  get end(): number {
    return this.bars * this.meter;
  }
  /** The chord at a beat position; the last slot before the end is V, the final bar I. */
  chordAt(pos: number): Chord {
    if (pos >= this.end - 1e-9) return this.key.chord(0, this.seventh);
    if (pos < 0) return this.key.chord(4, this.seventh);
    const slot = Math.floor(pos / this.chordBeats + 1e-9);
    const lastSlot = Math.floor((this.end - 1e-9) / this.chordBeats);
    if (slot === lastSlot) return this.key.chord(4, this.seventh);
    const bar = Math.floor(pos / this.meter);
    const half = bar >= this.bars / 2 && bar < (this.bars * 3) / 4;
    const prog = half ? this.progB : this.progA;
    return this.key.chord(prog[slot % prog.length], this.seventh);
  }
  add(ch: number, pitch: number, pos: number, dur: number, vel: number): void {
    if (pitch < 0 || pitch > 127) return;
    const v = Math.max(1, Math.min(127, Math.round(vel * this.rng.range(0.9, 1.1))));
    this.notes.push({ ch, pitch, pos: this.swung(pos), dur, vel: v });
  }
  hit(pitch: number, pos: number, vel: number): void {
    this.add(DRUM_CH, pitch, pos, 0.1, vel);
  }
  /** Apply swing to 8th offbeats (swing > 0 in triplet-ish units) — only in simple meters. */
  swung(pos: number): number {
    if (this.swing === 0) return pos;
    const unit = this.swingUnit;
    const k = pos / unit;
    const kr = Math.round(k);
    if (Math.abs(k - kr) < 1e-6 && ((kr % 2) + 2) % 2 === 1) return pos + this.swing * unit;
    return pos;
  }
  swingUnit = 0.5;
  /** Compound meter: the beat divides in three. */
  compoundFeel = false;
  program(ch: number, prog: number): void {
    this.programs.set(ch, prog);
  }
  isDrumBar(bar: number): boolean {
    return bar >= this.introBars && !this.breakdown.has(bar);
  }
  isMelodyBar(bar: number): boolean {
    return bar >= this.introBars && !this.melodyRests.has(bar);
  }
}

// -- reusable parts

function partBass(c: Composer, ch: number, pattern: string, vel = 90): void {
  const rng = c.rng;
  for (let bar = 0; bar < c.bars; bar++) {
    const b0 = bar * c.meter;
    const m = c.meter;
    const at = (off: number, dur: number, which: "root" | "fifth" | "third" | "oct" = "root", v = vel) => {
      const ch0 = c.chordAt(b0 + off);
      const root = bassPitch(ch0.root);
      const p = which === "root" ? root : which === "fifth" ? bassPitch(ch0.pcs[2]) : which === "third" ? bassPitch(ch0.pcs[1]) : root + 12;
      c.add(ch, p, b0 + off, dur, v);
    };
    switch (pattern) {
      case "whole":
        for (let s = 0; s < m; s += c.chordBeats >= m ? m : c.chordBeats) at(s, Math.min(m, c.chordBeats) * 0.95);
        break;
      case "half":
        for (let s = 0; s < m; s += 2) at(s, 1.9, s === 2 && rng.chance(0.3) ? "fifth" : "root");
        break;
      case "quarters":
        for (let s = 0; s < m; s++) at(s, 0.9);
        break;
      case "eighths":
        for (let s = 0; s < m; s += 0.5) at(s, 0.45, "root", s % 1 === 0 ? vel : vel * 0.8);
        break;
      case "pop":
        at(0, 1.4);
        at(1.5, 0.45, "root", vel * 0.8);
        at(2, 0.9, rng.chance(0.5) ? "fifth" : "root");
        at(3, 0.45, "root", vel * 0.8);
        at(3.5, 0.45, rng.chance(0.5) ? "oct" : "root", vel * 0.8);
        break;
      case "offbeat": // house
        for (let s = 0; s < m; s++) at(s + 0.5, 0.4, rng.chance(0.2) ? "oct" : "root");
        break;
      case "reese": // dnb: long notes with a syncopated restrike
        at(0, 2.4);
        at(2.5, 1.4, "root", vel * 0.85);
        break;
      case "808":
        at(0, 1.4, "root", 110);
        if (rng.chance(0.6)) at(2.5, 1, "root", 100);
        break;
      case "hiphop":
        at(0, 0.9);
        at(1.75, 0.5, "root", vel * 0.85);
        at(2.5, 1.2, rng.chance(0.5) ? "fifth" : "root");
        break;
      case "bossa": {
        // root on 1, fifth on 3, with the next chord's root anticipated on the "and" of 4
        at(0, 1.4);
        at(1.5, 0.45, "fifth", vel * 0.8);
        at(2, 1.4, "fifth");
        const next = c.chordAt(b0 + m);
        if (bar < c.bars - 1 && rng.chance(0.7)) c.add(ch, bassPitch(next.root), b0 + 3.5, 0.9, vel * 0.9);
        else at(3.5, 0.45, "root", vel * 0.8);
        break;
      }
      case "walking": {
        for (let s = 0; s < m; s++) {
          const chd = c.chordAt(b0 + s);
          let p: number;
          if (s === 0) p = bassPitch(chd.root, 36);
          else if (s === m - 1) {
            const nextRoot = bassPitch(c.chordAt(b0 + m).root, 36);
            p = nextRoot + (rng.chance(0.5) ? 1 : -1);
          } else p = bassPitch(rng.pick(chd.pcs.slice(1)), 38);
          c.add(ch, p, b0 + s, 0.9, vel * (s === 0 ? 1 : 0.85));
        }
        break;
      }
      case "reggae":
        // rest on 1, riff around beat 2-4
        at(0.5, 0.45, "root", vel * 0.9);
        at(1, 0.9);
        at(2, 0.45, "third", vel * 0.85);
        at(2.5, 0.9, "fifth", vel * 0.85);
        at(3.5, 0.45, "root", vel * 0.8);
        break;
      case "oom": // waltz
        at(0, 0.9);
        break;
      case "compound": // 6/8 and 12/8: on each beat, dotted
        for (let s = 0; s < m; s++) at(s, s % 2 === 0 ? 0.95 : 0.6, s % 2 === 0 ? "root" : "fifth", s % 2 === 0 ? vel : vel * 0.8);
        break;
      case "compound-shuffle":
        for (let s = 0; s < m; s++) {
          at(s, 0.6, "root");
          at(s + 2 / 3, 0.3, s % 2 === 0 ? "fifth" : "oct", vel * 0.75);
        }
        break;
      case "pizz":
        for (let s = 0; s < m; s++) at(s, 0.5, s === 0 ? "root" : "fifth", s === 0 ? vel : vel * 0.7);
        break;
    }
  }
  // final note
  c.add(ch, bassPitch(c.key.tonic), c.end, c.meter, vel);
}

function partComp(c: Composer, ch: number, pattern: string, center = 60, vel = 70): void {
  const rng = c.rng;
  const m = c.meter;
  const chordAtPos = (pos: number, dur: number, v = vel, inv = 0) => {
    for (const p of voicing(c.chordAt(pos), center, inv)) c.add(ch, p, pos, dur, v);
  };
  for (let bar = 0; bar < c.bars; bar++) {
    const b0 = bar * m;
    switch (pattern) {
      case "pad":
        for (let s = 0; s < m; s += Math.min(m, c.chordBeats)) chordAtPos(b0 + s, Math.min(m, c.chordBeats) * 1.02, vel);
        break;
      case "quarters":
        for (let s = 0; s < m; s++) chordAtPos(b0 + s, 0.8, s === 0 ? vel : vel * 0.8);
        break;
      case "strum8":
        for (let s = 0; s < m; s += 0.5) chordAtPos(b0 + s, 0.45, s % 1 === 0 ? vel : vel * 0.75);
        break;
      case "pop": // syncopated piano comp
        for (const [s, d] of [
          [0, 1.4],
          [1.5, 1],
          [2.5, 0.9],
          [3.5, 0.45],
        ] as const)
          if (s < m) chordAtPos(b0 + s, d, s === 0 ? vel : vel * 0.85);
        break;
      case "arp8":
      case "arp16": {
        const step = pattern === "arp8" ? 0.5 : 0.25;
        const shape = [0, 1, 2, 3, 2, 1];
        let k = 0;
        for (let s = 0; s < m - 1e-9; s += step) {
          const chd = c.chordAt(b0 + s);
          const v = voicing(chd, center, 0);
          const tones = [v[0] - 12, ...v, v[0] + 12];
          const p = s === 0 ? tones[0] : tones[1 + (shape[k % shape.length] % (tones.length - 1))];
          c.add(ch, p, b0 + s, step * 2.5, s % 1 === 0 ? vel : vel * 0.8);
          k++;
        }
        break;
      }
      case "compound-arp": {
        // eighths in compound time: 3 per beat
        for (let s = 0; s < m; s++) {
          const v = voicing(c.chordAt(b0 + s), center, 0);
          const seq = rng.chance(0.5) ? [v[0] - 12, v[1], v[2]] : [v[0] - 12, v[2], v[1] + 12];
          seq.forEach((p, j) => c.add(ch, p, b0 + s + j / 3, 0.9, j === 0 ? vel : vel * 0.75));
        }
        break;
      }
      case "triplets": // 12/8 block chords on every eighth
        for (let s = 0; s < m; s++) for (let j = 0; j < 3; j++) chordAtPos(b0 + s + j / 3, 0.3, j === 0 ? vel : vel * 0.7);
        break;
      case "stab": // house offbeat stabs
        for (let s = 0; s < m; s++) if (rng.chance(0.8)) chordAtPos(b0 + s + 0.5, 0.3, vel);
        break;
      case "dnb":
        chordAtPos(b0, m * 0.98, vel);
        break;
      case "skank":
        for (let s = 0; s < m; s++) chordAtPos(b0 + s + 0.5, 0.2, vel);
        break;
      case "bubble": // reggae organ: 8th offbeats + beat pairs
        for (let s = 0; s < m; s++) chordAtPos(b0 + s + 0.5, 0.3, vel * 0.8);
        break;
      case "bossa": {
        const spots = rng.pick([
          [0, 1.5, 3],
          [0, 1.5, 2.5],
          [0.5, 1.5, 2.5, 3.5],
          [0, 1, 2.5, 3.5],
        ]);
        for (const s of spots) chordAtPos(b0 + s, 0.45, s % 1 === 0 ? vel : vel * 0.9, 1);
        break;
      }
      case "jazz": {
        const spots = rng.pick([[0], [1.5], [0, 2.5], [1.5, 3], [3.5], [0.5, 2]]);
        for (const s of spots) chordAtPos(b0 + s, rng.pick([0.4, 0.9]), vel, rng.int(0, 1));
        break;
      }
      case "pahpah": // waltz: chord on 2 and 3
        for (let s = 1; s < m; s++) chordAtPos(b0 + s, 0.6, vel * 0.8);
        break;
      case "compound-chords": // chord on each beat
        for (let s = 0; s < m; s++) chordAtPos(b0 + s, 0.9, s === 0 ? vel : vel * 0.8);
        break;
    }
  }
  // final chord
  for (const p of voicing(c.key.chord(0), center)) c.add(ch, p, c.end, c.meter * 0.95, vel);
}

/**
 * Melody: phrases of two bars from a rhythm template (beat offsets), pitches from the scale with
 * chord tones on the beats, a random walk in a range; the first phrase comes back later.
 */
function partMelody(c: Composer, ch: number, low: number, high: number, density: "sparse" | "medium" | "busy", vel = 85): void {
  const rng = c.rng;
  const m = c.meter;
  const unit = c.compoundFeel ? 1 / 3 : density === "busy" && c.swing === 0 ? 0.25 : 0.5;
  const makeRhythm = (): number[][] => {
    // per bar: list of [onset, duration]
    const out: number[][] = [];
    let s = 0;
    const p = density === "sparse" ? 0.35 : density === "medium" ? 0.55 : 0.75;
    while (s < 2 * m - 1e-9) {
      const onBeat = Math.abs(s - Math.round(s)) < 1e-9;
      if (onBeat ? rng.chance(Math.min(0.95, p + 0.3)) : rng.chance(p)) {
        const lens = [unit, unit * 2, 1, unit * 3, 2].filter((l) => s + l <= 2 * m + 1e-9);
        const d = rng.pick(lens);
        out.push([s, d]);
        s += d;
      } else s += unit;
    }
    return out;
  };
  const phrases: { rhythm: number[][]; contour: number[] }[] = [];
  for (let k = 0; k < 3; k++) phrases.push({ rhythm: makeRhythm(), contour: Array.from({ length: 64 }, () => rng.int(-2, 2)) });
  let pitch = nearestPc(c.key.tonic, (low + high) / 2 + 2);
  const pitchFor = (pos: number, onBeat: boolean, step: number): number => {
    const chd = c.chordAt(pos);
    const scale = c.key.melodyScale(chd);
    const cand: number[] = [];
    for (let p = low; p <= high; p++) if ((onBeat ? chd.pcs : scale).includes(p % 12)) cand.push(p);
    // move by `step` scale steps from the current pitch
    const idx = cand.reduce((bi, p, i) => (Math.abs(p - pitch) < Math.abs(cand[bi] - pitch) ? i : bi), 0);
    const j = Math.max(0, Math.min(cand.length - 1, idx + step));
    return cand[j];
  };
  for (let bar = 0; bar + 1 < c.bars; bar += 2) {
    const section = bar < c.bars / 2 ? 0 : bar < (c.bars * 3) / 4 ? 1 : 0;
    const ph = phrases[(section === 1 ? 1 : 0) + (bar % 8 === 6 ? 2 : 0)] ?? phrases[0];
    ph.rhythm.forEach(([s, d], j) => {
      const pos = bar * m + s;
      const b = Math.floor(pos / m);
      if (!c.isMelodyBar(b)) return;
      const onBeat = Math.abs(s - Math.round(s)) < 1e-9;
      pitch = pitchFor(pos, onBeat, ph.contour[j % 64]);
      c.add(ch, pitch, pos, d * 0.92, onBeat ? vel : vel * 0.85);
    });
  }
  // pickup: a stepwise run up to the tonic on the downbeat
  if (c.pickup > 0) {
    const scale = c.key.scale.map((v) => (c.key.tonic + v) % 12);
    const target = nearestPc(c.key.tonic, (low + high) / 2);
    let p = target;
    const seq: number[] = [];
    for (let k = 0; k < c.pickup; k++) {
      p--;
      while (!scale.includes(((p % 12) + 12) % 12)) p--;
      seq.unshift(p);
    }
    seq.forEach((q, k) => c.add(ch, q, -c.pickup + k, 0.9, vel));
    if (!c.isMelodyBar(0)) c.add(ch, target, 0, m * 0.9, vel);
  }
  c.add(ch, nearestPc(c.key.tonic, (low + high) / 2), c.end, c.meter * 0.95, vel);
}

/** A drum pattern: per instrument, positions in one bar (beats) and a velocity. */
type DrumPattern = [number, number[], number][];

export const K = 36,
  SN = 38,
  RIM = 37,
  CLAP = 39,
  CHH = 42,
  PHH = 44,
  OHH = 46,
  CRASH = 49,
  RIDE = 51,
  SHAKER = 70,
  CLAVE = 75,
  TOM_L = 45,
  TOM_H = 48;

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let x = from; x < to - 1e-9; x += step) out.push(x);
  return out;
}

function partDrums(c: Composer, pattern: (bar: number) => DrumPattern, opts: { crash?: boolean; fill?: boolean } = {}): void {
  const m = c.meter;
  for (let bar = 0; bar < c.bars; bar++) {
    if (!c.isDrumBar(bar)) continue;
    const b0 = bar * m;
    const isFillBar = opts.fill !== false && (bar % 8 === 7 || bar === c.bars - 1 || c.breakdown.has(bar + 1));
    for (const [inst, pos, v] of pattern(bar)) {
      for (const p of pos) {
        if (isFillBar && p >= m - 1 && inst !== K) continue;
        c.hit(inst, b0 + p, v);
      }
    }
    if (isFillBar) {
      const step = c.compoundFeel || c.swing > 0.3 ? 1 / 3 : 0.25;
      const toms = [TOM_H, TOM_H, SN, SN, TOM_L, TOM_L];
      let k = 0;
      for (let p = m - 1; p < m - 1e-9; p += step) c.hit(c.rng.chance(0.5) ? SN : toms[k++ % toms.length], b0 + p, 70 + 25 * ((p - (m - 1)) / 1));
    }
    const sectionStart = bar === c.introBars || bar % 8 === 0 || c.breakdown.has(bar - 1);
    if (opts.crash !== false && sectionStart && bar > 0) c.hit(CRASH, b0, 95);
  }
  if (opts.crash !== false) c.hit(CRASH, c.end, 100);
  c.hit(K, c.end, 110);
  // pickup fill
  if (c.pickup > 0 && c.introBars === 0) for (let k = 0; k < c.pickup; k++) c.hit(SN, -c.pickup + k, 80 + 10 * k);
}

// -- styles

const PIANOS = [0, 1, 2, 4, 5];
const BASSES = [32, 33, 34, 35];
const SYNTH_BASSES = [38, 39, 87];
const LEADS = [56, 65, 66, 71, 73, 68, 11, 80, 81, 22, 40, 52, 53, 60, 64];
const STRINGS = [48, 49, 50, 44, 89, 52, 91];
const GUITARS = [24, 25, 26, 27];

interface StyleResult {
  meter: number;
  compound: boolean;
  hasDrums: boolean;
  tempoPoints?: (bars: number, meter: number, pickup: number) => { points: [number, number][]; note: string };
}

/** Decide meter etc. before the Composer exists. */
function styleShape(style: string, rng: Rng): StyleResult {
  switch (style) {
    case "waltz":
      return { meter: 3, compound: false, hasDrums: rng.chance(0.4) };
    case "compound68":
      return { meter: 2, compound: true, hasDrums: rng.chance(0.6) };
    case "compound128":
      return { meter: 4, compound: true, hasDrums: rng.chance(0.75) };
    case "ballad":
      return { meter: 4, compound: false, hasDrums: rng.chance(0.4) };
    case "strings":
      return { meter: rng.chance(0.2) ? 3 : 4, compound: false, hasDrums: false };
    case "piano-tempo":
      return { meter: rng.chance(0.25) ? 3 : 4, compound: false, hasDrums: false };
    default:
      return { meter: 4, compound: false, hasDrums: true };
  }
}

function compose(c: Composer, style: string, hasDrums: boolean, tempo: number): void {
  const rng = c.rng;
  const m = c.meter;
  // channels: 0 bass, 1 comp, 2 melody, 3 extra (pad / arp / guitar)
  const mid = Math.floor(c.bars / 2);
  const maybeBreakdown = (p: number) => {
    if (c.bars >= 16 && rng.chance(p)) {
      const len = rng.pick([2, 4]);
      const start = mid - (mid % 2);
      for (let b = start; b < start + len && b < c.bars - 2; b++) c.breakdown.add(b);
      c.facts.push(`drums drop out in bars ${start + 1}-${start + len}`);
    }
  };
  switch (style) {
    case "ballad": {
      c.program(0, rng.pick([32, 33, 35, 0]));
      c.program(1, rng.pick(PIANOS.concat([24, 46])));
      c.program(2, rng.pick([73, 40, 52, 53, 68, 71, 0, 11]));
      const arp = tempo < 68 && rng.chance(0.5) ? "arp16" : "arp8";
      partComp(c, 1, arp, 60, 62);
      partBass(c, 0, "whole", 75);
      if (rng.chance(0.5)) {
        c.program(3, rng.pick(STRINGS));
        partComp(c, 3, "pad", 64, 45);
      }
      partMelody(c, 2, 64, 84, "sparse", 80);
      if (hasDrums) {
        c.introBars = Math.max(c.introBars, 2);
        partDrums(c, () => [
          [K, [0, 2.5], 70],
          [RIM, [1, 3], 60],
          [CHH, range(0, 4, 0.5), 45],
        ]);
      }
      c.facts.push(`${arp === "arp16" ? "16th" : "8th"}-note arpeggios`, hasDrums ? "light drums (side stick backbeat)" : "no drums");
      break;
    }
    case "pop":
    case "rock": {
      const rock = style === "rock";
      c.program(0, rock ? rng.pick([33, 34, 29]) : rng.pick([33, 34, 38]));
      c.program(1, rock ? rng.pick([29, 30, 27, 25]) : rng.pick([...PIANOS, 25, 27]));
      c.program(2, rng.pick(rock ? [29, 81, 30, 65, 56] : LEADS));
      const hat16 = !rock && tempo < 110 ? rng.chance(0.6) : rng.chance(0.15);
      const ride = rock && rng.chance(0.3);
      partComp(c, 1, rock ? rng.pick(["strum8", "quarters", "pad"]) : rng.pick(["pop", "quarters", "strum8", "arp8"]), rock ? 52 : 60, 68);
      partBass(c, 0, rock ? rng.pick(["eighths", "quarters"]) : rng.pick(["pop", "eighths", "half"]), 92);
      if (rng.chance(0.5)) {
        c.program(3, rng.pick(STRINGS.concat([16, 17, 18])));
        partComp(c, 3, "pad", 67, 45);
      }
      partMelody(c, 2, 62, 82, rock ? "medium" : rng.pick(["medium", "busy"]), 88);
      const kick = rng.pick([
        [0, 2],
        [0, 2.5],
        [0, 1.5, 2],
        [0, 2, 2.5],
      ]);
      partDrums(c, () => [
        [K, kick, 105],
        [SN, [1, 3], 100],
        [ride ? RIDE : CHH, range(0, 4, hat16 ? 0.25 : 0.5), 62],
      ]);
      maybeBreakdown(0.3);
      c.facts.push(`backbeat on 2 and 4, kick on ${kick.map((k) => k + 1).join(", ")}`, `${ride ? "ride" : "hi-hat"} ${hat16 ? "16ths" : "8ths"}`);
      break;
    }
    case "house": {
      const techno = rng.chance(0.5);
      c.facts.push(techno ? "techno variant" : "house variant");
      c.program(0, rng.pick(SYNTH_BASSES));
      c.program(1, rng.pick([81, 89, 90, 4, 16, 62]));
      c.program(2, rng.pick([80, 81, 84, 11, 98]));
      c.program(DRUM_CH, rng.pick([0, 24, 25]));
      partBass(c, 0, "offbeat", 95);
      partComp(c, 1, techno ? "stab" : rng.pick(["stab", "pad"]), 62, 60);
      if (!techno || rng.chance(0.3)) partMelody(c, 2, 64, 84, "medium", 75);
      c.introBars = Math.max(c.introBars, 2);
      partDrums(c, (bar) => [
        [K, [0, 1, 2, 3], 115],
        [CLAP, [1, 3], 90],
        [OHH, [0.5, 1.5, 2.5, 3.5], 70],
        [CHH, bar % 2 === 0 ? range(0, 4, 0.25).filter((p) => p % 0.5 !== 0) : [], 50],
      ], { fill: false });
      maybeBreakdown(0.3);
      c.facts.push("four-on-the-floor kick, clap on 2 and 4, open hat on the offbeats");
      break;
    }
    case "dnb": {
      c.program(0, rng.pick(SYNTH_BASSES));
      c.program(1, rng.pick([89, 91, 94, 50]));
      c.program(2, rng.pick([4, 11, 81, 73]));
      c.program(DRUM_CH, rng.pick([0, 8, 16]));
      partBass(c, 0, "reese", 95);
      partComp(c, 1, "dnb", 62, 55);
      partMelody(c, 2, 67, 86, "sparse", 70);
      const two = rng.pick([
        [0, 2.5],
        [0, 1.75, 2.5],
        [0, 0.5, 2.5, 3.75],
      ]);
      partDrums(c, () => [
        [K, two, 110],
        [SN, [1, 3], 105],
        [SN, [1.75, 3.25], 40],
        [CHH, range(0, 4, 0.5), 65],
      ]);
      maybeBreakdown(0.3);
      c.facts.push("two-step breakbeat (snare on 2 and 4 at the fast tempo), often felt at half time");
      break;
    }
    case "hiphop": {
      c.program(0, rng.pick([33, 38, 39]));
      c.program(1, rng.pick([4, 5, 0, 11, 89]));
      c.program(2, rng.pick([73, 11, 80, 4, 61]));
      if (rng.chance(0.5)) {
        c.swing = rng.range(0.1, 0.25);
        c.swingUnit = 0.25;
        c.facts.push(`swung 16ths (offbeat 16ths delayed ${(c.swing * 100).toFixed(0)} % of a 16th)`);
      }
      partBass(c, 0, "hiphop", 100);
      partComp(c, 1, rng.pick(["pad", "pop"]), 60, 60);
      partMelody(c, 2, 65, 84, "sparse", 70);
      const rolls = rng.chance(0.5);
      partDrums(c, (bar) => [
        [K, rng.pick([[0, 1.75, 2.5], [0, 0.75, 2.5], [0, 2.25, 2.75]]), 110],
        [SN, [1, 3], 100],
        [CHH, bar % 4 === 3 && rolls ? [...range(0, 3, 0.25), ...range(3, 4, 0.125)] : range(0, 4, 0.25), 55],
      ]);
      c.facts.push(`boom-bap: snare on 2 and 4, 16th hats${rolls ? " with 32nd rolls" : ""}`);
      break;
    }
    case "trap": {
      c.program(0, rng.pick([38, 39]));
      c.program(1, rng.pick([89, 91, 4, 0, 46]));
      c.program(2, rng.pick([80, 73, 11, 98]));
      c.program(DRUM_CH, rng.pick([25, 24]));
      partBass(c, 0, "808", 110);
      partComp(c, 1, "pad", 62, 55);
      partMelody(c, 2, 67, 86, "sparse", 65);
      partDrums(c, (bar) => {
        const hats =
          bar % 2 === 1
            ? [...range(0, 2, 0.5), ...range(2, 3, 1 / 6), ...range(3, 4, 0.25)]
            : range(0, 4, rng.chance(0.5) ? 0.5 : 0.25);
        return [
          [K, rng.pick([[0, 1.75], [0, 2.5, 3.25], [0, 0.75, 3.5]]), 115],
          [CLAP, [2], 105],
          [CHH, hats, 60],
        ];
      });
      c.facts.push("half-time feel: clap on beat 3 only; hats in 8ths/16ths with triplet rolls (many listeners tap half the notated tempo)");
      break;
    }
    case "bossa": {
      c.program(0, rng.pick([32, 33, 35]));
      c.program(1, rng.pick([24, 24, 0, 4, 26]));
      c.program(2, rng.pick([73, 65, 66, 11, 22, 53]));
      c.seventh = true;
      partBass(c, 0, "bossa", 85);
      partComp(c, 1, "bossa", 58, 62);
      partMelody(c, 2, 65, 84, "medium", 80);
      const clave = rng.chance(0.5)
        ? (bar: number) => (bar % 2 === 0 ? [0, 1.5, 3] : [1, 2])
        : (bar: number) => (bar % 2 === 0 ? [0, 1.5, 3] : [1, 2.5]);
      partDrums(c, (bar) => [
        [K, [0, 1.5, 2, 3.5], 70],
        [RIM, clave(bar), 80],
        [rng.chance(0.5) ? SHAKER : CHH, range(0, 4, 0.25), 45],
      ], { crash: false });
      c.facts.push("syncopated latin: bass anticipates the next chord on the and of 4, 3-2 clave on rim/claves, 7th chords");
      break;
    }
    case "jazz": {
      c.program(0, 32);
      c.program(1, rng.pick([0, 1, 4, 26, 11]));
      c.program(2, rng.pick([65, 66, 56, 57, 73, 11]));
      c.program(DRUM_CH, rng.pick([32, 40, 0]));
      c.seventh = true;
      c.progA = rng.pick(c.key.minor ? JAZZ_MINOR : JAZZ_MAJOR);
      c.progB = rng.pick(c.key.minor ? JAZZ_MINOR : JAZZ_MAJOR);
      c.swing = 1 / 3; // 8th offbeat moved from 1/2 to 2/3 of a beat
      c.swingUnit = 0.5;
      partBass(c, 0, "walking", 88);
      partComp(c, 1, "jazz", 60, 60);
      partMelody(c, 2, 62, 82, tempo > 170 ? "medium" : "busy", 85);
      partDrums(c, () => [
        [RIDE, [0, 1, 1.5, 2, 3, 3.5], 70],
        [PHH, [1, 3], 60],
        [K, [0, 1, 2, 3], 30],
      ]);
      c.facts.push("swing: triplet ride pattern (ding ding-a), hi-hat on 2 and 4, walking bass, swung 8ths (2:1)");
      break;
    }
    case "reggae": {
      c.program(0, rng.pick([33, 34, 38]));
      c.program(1, rng.pick([27, 28, 4, 16]));
      c.program(2, rng.pick([16, 17, 56, 65, 73]));
      c.program(3, rng.pick([16, 17, 18]));
      partBass(c, 0, "reggae", 100);
      partComp(c, 1, "skank", 64, 70);
      if (rng.chance(0.5)) partComp(c, 3, "bubble", 55, 45);
      partMelody(c, 2, 62, 80, "sparse", 80);
      const swingHat = rng.chance(0.5);
      if (swingHat) {
        c.swing = 0.25;
        c.swingUnit = 0.5;
      }
      partDrums(c, () => [
        [K, [2], 105],
        [RIM, [2], 95],
        [CHH, range(0, 4, 0.5), 55],
      ]);
      c.facts.push("one-drop: kick+rim on beat 3 only; offbeat skank on the 8th-note offbeats; half/double-time ambiguous", swingHat ? "lightly swung 8ths" : "straight 8ths");
      break;
    }
    case "waltz": {
      c.program(0, rng.pick([32, 42, 58, 33]));
      c.program(1, rng.pick([...PIANOS, 21, 48, 24, 46]));
      c.program(2, rng.pick([40, 73, 21, 71, 68, 22]));
      partBass(c, 0, "oom", 85);
      partComp(c, 1, "pahpah", 60, 60);
      partMelody(c, 2, 64, 86, "medium", 85);
      if (hasDrums)
        partDrums(c, () => [
          [K, [0], 90],
          [CHH, [1, 2], 55],
          [RIM, [1, 2], 40],
        ]);
      c.facts.push("3/4 waltz: bass on 1, chords on 2 and 3 (oom-pah-pah)", hasDrums ? "light drums" : "no drums");
      break;
    }
    case "compound68":
    case "compound128": {
      const twelve = style === "compound128";
      c.compoundFeel = true;
      c.swingUnit = 1 / 3;
      c.program(0, rng.pick([32, 33, 35, 42]));
      c.program(1, rng.pick([...PIANOS, 24, 25, 46, 16]));
      c.program(2, rng.pick(LEADS));
      partBass(c, 0, twelve ? rng.pick(["compound", "compound-shuffle"]) : "compound", 85);
      partComp(c, 1, twelve ? rng.pick(["triplets", "compound-arp"]) : rng.pick(["compound-arp", "compound-chords"]), 60, 62);
      partMelody(c, 2, 64, 84, "medium", 82);
      if (hasDrums) {
        const trip = range(0, c.meter, 1 / 3);
        partDrums(c, () =>
          twelve
            ? [
                [K, [0, 2], 100],
                [SN, [1, 3], 95],
                [CHH, trip, 55],
              ]
            : [
                [K, [0], 100],
                [SN, [1], 90],
                [CHH, trip, 55],
              ],
        );
      }
      c.facts.push(
        twelve ? "compound 12/8: tempo and beats are DOTTED-QUARTER beats (4 per bar, meter=4); eighth-note rate is 3x tempo" : "compound 6/8: tempo and beats are DOTTED-QUARTER beats (2 per bar, meter=2); eighth-note rate is 3x tempo",
        hasDrums ? "drums" : "no drums",
      );
      break;
    }
    case "strings": {
      c.program(1, rng.pick([48, 49, 50, 89, 52, 91, 95]));
      c.program(2, rng.pick([40, 41, 42, 73, 68, 69, 70, 52]));
      c.program(3, rng.pick([48, 49, 44, 45]));
      partComp(c, 1, "pad", 60, 70);
      const pulse = rng.chance(0.5);
      if (pulse) {
        c.program(0, rng.pick([45, 32, 46]));
        partBass(c, 0, "pizz", 75);
      } else {
        c.program(0, rng.pick([42, 43, 48]));
        partBass(c, 0, "whole", 70);
      }
      partMelody(c, 2, 62, 82, "sparse", 75);
      c.facts.push("string/pad piece with slow legato attacks, chords change on the bar", pulse ? "pizzicato/plucked bass on the beats" : "no rhythmic pulse besides the melody and chord changes");
      break;
    }
    case "piano-tempo": {
      c.program(0, rng.pick([0, 1]));
      c.program(1, c.programs.get(0)!);
      c.program(2, c.programs.get(0)!);
      partComp(c, 1, rng.pick(["arp8", "arp8", "quarters", "pad"]), 55, 60);
      partBass(c, 0, rng.pick(["whole", "half"]), 70);
      partMelody(c, 2, 64, 86, "medium", 80);
      c.facts.push("solo piano");
      break;
    }
  }
}

/** The tempo map of a "piano-tempo" track: ritardando, accelerando, both, or a sudden change. */
function rubatoMap(rng: Rng, tempo: number, bars: number, meter: number, pickup: number): { points: [number, number][]; note: string } {
  const end = bars * meter;
  const kind = rng.pick(["rit", "accel", "accel-rit", "step", "rit-atempo"]);
  const f = rng.range(0.1, 0.3);
  const pts: [number, number][] = [[-pickup, tempo]];
  const at = (bar: number) => Math.max(0, Math.min(bars, bar)) * meter;
  let note: string;
  switch (kind) {
    case "rit": {
      const from = bars - rng.int(3, 6);
      pts.push([at(from), tempo], [end, tempo * (1 - f)]);
      note = `ritardando over the last ${bars - from} bars to -${(f * 100).toFixed(0)} %`;
      break;
    }
    case "accel": {
      const from = Math.floor(bars / 3);
      const len = rng.int(2, 6);
      pts.push([at(from), tempo], [at(from + len), tempo * (1 + f)]);
      note = `accelerando from bar ${from + 1} over ${len} bars to +${(f * 100).toFixed(0)} %, then held`;
      break;
    }
    case "accel-rit": {
      const f2 = rng.range(0.1, 0.3);
      const from = Math.floor(bars / 4);
      pts.push([at(from), tempo], [at(from + 4), tempo * (1 + f)], [at(bars - 4), tempo * (1 + f)], [end, tempo * (1 + f) * (1 - f2)]);
      note = `accelerando bars ${from + 1}-${from + 4} to +${(f * 100).toFixed(0)} %, ritardando over the last 4 bars by -${(f2 * 100).toFixed(0)} %`;
      break;
    }
    case "step": {
      const at1 = Math.floor(bars / 2);
      const sign = rng.chance(0.5) ? 1 : -1;
      pts.push([at(at1), tempo], [at(at1), tempo * (1 + sign * f)]);
      note = `sudden tempo change at bar ${at1 + 1} to ${sign > 0 ? "+" : "-"}${(f * 100).toFixed(0)} %`;
      break;
    }
    default: {
      const from = Math.floor(bars / 2) - 2;
      pts.push([at(from), tempo], [at(from + 2), tempo * (1 - f)], [at(from + 2), tempo]);
      note = `ritardando over bars ${from + 1}-${from + 2} to -${(f * 100).toFixed(0)} %, then a tempo`;
      break;
    }
  }
  return { points: pts, note };
}

// ---------------------------------------------------------------- expressive classical piano

/** Classical progressions (scale degrees, 0 = I); minor degree 6 is the subtonic VII, 2 is III. */
const CL_MAJOR = [
  [0, 3, 4, 0], // I IV V I
  [0, 1, 4, 0], // I ii V I
  [0, 5, 1, 4], // I vi ii V
  [0, 3, 1, 4], // I IV ii V
  [0, 5, 3, 4], // I vi IV V
  [0, 4, 5, 2, 3, 0, 3, 4], // I V vi iii IV I IV V
  [0, 3, 6, 2, 5, 1, 4, 0], // circle of fifths
  [0, 0, 3, 4],
];
const CL_MINOR = [
  [0, 3, 4, 0], // i iv V i
  [0, 1, 4, 0], // i ii° V i
  [0, 5, 3, 4], // i VI iv V
  [0, 3, 6, 2, 5, 1, 4, 0], // circle of fifths: i iv VII III VI ii° V i
  [0, 5, 1, 4], // i VI ii° V
  [0, 3, 0, 4], // i iv i V
  [0, 6, 5, 4], // i VII VI V
];

/** A Composer whose chords come from a per-phrase plan with cadences, plus phrase dynamics. */
class ClassicalComposer extends Composer {
  slots: Chord[] = [];
  phraseBars = 4;
  /** Beat (0-based) that gets the metric accent: 0, or 1/2 in a mazurka. */
  accentBeat = 0;
  accent = 1.05;
  leadP = 0.3;
  phraseLevel: number[] = [];
  cresc = 0.15;
  override chordAt(pos: number): Chord {
    if (pos >= this.end - 1e-9) return this.key.chord(0);
    if (pos < 0) return this.key.chord(4);
    const slot = Math.floor(pos / this.chordBeats + 1e-9);
    return this.slots[Math.min(slot, this.slots.length - 1)];
  }
  get phraseBeats(): number {
    return this.phraseBars * this.meter;
  }
  /** Plan the chords phrase by phrase: half cadences on odd phrases, authentic ones on even. */
  planChords(holdLastBar: boolean): void {
    const rng = this.rng;
    const per = this.phraseBeats / this.chordBeats;
    const nPhrases = Math.ceil(this.bars / this.phraseBars);
    const pool = this.key.minor ? CL_MINOR : CL_MAJOR;
    for (let k = 0; k < nPhrases; k++) {
      const half = k % 2 === 0 && k !== nPhrases - 1;
      const deg: number[] = [];
      while (deg.length < per) deg.push(...rng.pick(pool));
      deg.length = per;
      const lastBar = holdLastBar ? Math.max(1, Math.round(this.meter / this.chordBeats)) : 1;
      const fin = half ? 4 : 0;
      for (let i = per - lastBar; i < per; i++) deg[i] = fin;
      const pre = per - lastBar - 1;
      if (pre >= 0) deg[pre] = half ? rng.pick([1, 3, 5]) : 4;
      if (!half && pre - 1 >= 1 && (deg[pre - 1] === 4 || deg[pre - 1] === 0)) deg[pre - 1] = rng.pick([1, 3]);
      for (const d of deg) this.slots.push(this.key.chord(d));
      this.phraseLevel.push(rng.range(0.82, 1.12));
    }
  }
  dyn(pos: number): number {
    const pb = this.phraseBeats;
    const k = Math.max(0, Math.min(this.phraseLevel.length - 1, Math.floor(pos / pb)));
    const x = Math.max(0, Math.min(1, (pos - k * pb) / pb));
    let d = this.phraseLevel[k] * (1 + this.cresc * (Math.sin(Math.PI * x) - 0.3));
    if (pos >= this.end - 2 * this.meter) d *= 0.9;
    const r = Math.round(pos);
    if (Math.abs(pos - r) < 1e-6) {
      const b = ((r % this.meter) + this.meter) % this.meter;
      if (b === this.accentBeat) d *= this.accent;
      else if (b === 0) d *= 1.04;
    }
    return d;
  }
  put(ch: number, pitch: number, pos: number, dur: number, vel: number, dt = 0): void {
    while (pitch < 21) pitch += 12;
    while (pitch > 108) pitch -= 12;
    const v = Math.max(1, Math.min(127, Math.round(vel * this.dyn(pos) * this.rng.range(0.93, 1.07))));
    this.notes.push({ ch, pitch, pos, dur, vel: v, dt });
  }
}

/** Chord tones from `start` upward (start included if it is one), n of them; `open` skips the first third. */
function chordRun(ch: Chord, start: number, n: number, open = false): number[] {
  const out: number[] = [];
  let p = start;
  while (!ch.pcs.includes(((p % 12) + 12) % 12)) p++;
  out.push(p);
  while (out.length < n) {
    p++;
    if (!ch.pcs.includes(p % 12)) continue;
    if (open && out.length === 1 && p % 12 === ch.pcs[1] && p - out[0] < 12) continue;
    out.push(p);
  }
  return out;
}

/** Close voicing of a chord nearest to `center` (the inversion whose middle is closest). */
function nearVoicing(ch: Chord, center: number): number[] {
  let best: number[] = voicing(ch, center, 0);
  for (let inv = 0; inv < ch.pcs.length; inv++) {
    const v = voicing(ch, center, inv);
    const mid = (v[0] + v[v.length - 1]) / 2;
    const bmid = (best[0] + best[best.length - 1]) / 2;
    if (Math.abs(mid - center) < Math.abs(bmid - center)) best = v;
  }
  return best;
}

/**
 * Continuous figuration over the piece: every `unit` beats a note from `tones(chord, k, n)` (k = the
 * note's index in its span, n = notes per span). Spans are min(chordBeats, meter, spanMax) beats;
 * notes are held to the span end like a pedalled piano (`pedal`), else `hold` beats.
 */
function figuration(
  c: ClassicalComposer,
  ch: number,
  unit: number,
  pick: (chd: Chord, k: number, n: number) => number,
  vel: number,
  opts: { pedal?: boolean; hold?: number; spanMax?: number; accentFirst?: number } = {},
): void {
  const span = Math.min(c.chordBeats, c.meter, opts.spanMax ?? 99);
  const n = Math.round(span / unit);
  for (let s0 = 0; s0 < c.end - 1e-9; s0 += span) {
    const chd = c.chordAt(s0);
    for (let k = 0; k < n; k++) {
      const pos = s0 + k * unit;
      const dur = opts.pedal !== false ? s0 + span - pos + 0.08 : (opts.hold ?? unit * 1.1);
      const onBeat = Math.abs(pos - Math.round(pos)) < 1e-6;
      c.put(ch, pick(chd, k, n), pos, dur, vel * (k === 0 ? (opts.accentFirst ?? 1.12) : onBeat ? 1 : 0.88));
    }
  }
}

/** Up-then-down sweep index over n notes. */
const sweep = (k: number, n: number) => (k <= n / 2 ? k : n - k);

/**
 * A right-hand melody in phrases: rhythm cells per bar (a parallel period reuses the antecedent's
 * rhythm), an arch contour peaking mid-phrase, chord tones on the beats, stepwise motion between,
 * a long note ending each phrase on a cadence tone. Downbeat notes are sometimes played ahead.
 */
function classicalMelody(c: ClassicalComposer, ch: number, low: number, high: number, cells: number[][][], vel: number): void {
  const rng = c.rng;
  const m = c.meter;
  const P = c.phraseBars;
  const nPhrases = Math.ceil(c.bars / P);
  let pitch = nearestPc(c.key.tonic, (low + high) / 2);
  let dir = 1;
  let prevRhythm: number[][][] = [];
  for (let k = 0; k < nPhrases; k++) {
    const barsHere = Math.min(P, c.bars - k * P);
    const rhythm = k % 2 === 1 && rng.chance(0.7) && prevRhythm.length === barsHere ? prevRhythm : Array.from({ length: barsHere }, () => rng.pick(cells));
    prevRhythm = rhythm;
    const peak = rng.range(0.55, 0.85);
    for (let b = 0; b < barsHere; b++) {
      const bar = k * P + b;
      const last = b === barsHere - 1;
      const cell = last ? (m === 4 && rng.chance(0.4) ? [[0, 1], [1, 3]] : [[0, m]]) : rhythm[b];
      for (const [s, d] of cell) {
        const pos = bar * m + s;
        const x = (b * m + s) / (barsHere * m);
        const target = low + (high - low) * (0.2 + (peak - 0.2) * Math.sin(Math.PI * x));
        const chd = c.chordAt(pos);
        const strong = Math.abs(s - Math.round(s)) < 1e-6;
        const pcs = strong ? chd.pcs : c.key.melodyScale(chd);
        const cand: number[] = [];
        for (let p = low; p <= high; p++) if (pcs.includes(p % 12)) cand.push(p);
        if (strong) {
          // nearest chord tone to a blend of the contour target and the current pitch, within a sixth
          const aim = (target + pitch * 2) / 3 + rng.range(-2, 2);
          const near = cand.filter((p) => Math.abs(p - pitch) <= 9);
          const pool = near.length ? near : cand;
          pitch = pool.reduce((a, p) => (Math.abs(p - aim) < Math.abs(a - aim) ? p : a), pool[0]);
          if (last && k === nPhrases - 1) pitch = nearestPc(c.key.tonic, pitch);
        } else {
          if (rng.chance(0.2)) dir = -dir;
          else dir = target > pitch + 1 ? 1 : target < pitch - 1 ? -1 : dir;
          const idx = cand.indexOf(cand.reduce((a, p) => (Math.abs(p - pitch) < Math.abs(a - pitch) ? p : a), cand[0]));
          let j = idx + dir;
          if (cand[idx] !== pitch) j = dir > 0 ? cand.findIndex((p) => p > pitch) : cand.length - 1 - [...cand].reverse().findIndex((p) => p < pitch);
          if (j < 0 || j >= cand.length) j = Math.max(0, Math.min(cand.length - 1, idx - dir));
          pitch = cand[j];
        }
        const dt = strong && rng.chance(c.leadP) ? -rng.range(0.008, 0.03) : 0;
        c.put(ch, pitch, pos, d * (last ? 1.05 : rng.range(0.95, 1.15)), vel * (strong ? 1 : 0.88), dt);
      }
    }
  }
  // pickup: a stepwise run up to the first note's neighbourhood
  if (c.pickup > 0) {
    const scale = c.key.scale.map((v) => (c.key.tonic + v) % 12);
    let p = nearestPc(c.key.tonic, (low + high) / 2);
    const seq: number[] = [];
    for (let k = 0; k < c.pickup; k++) {
      p--;
      while (!scale.includes(((p % 12) + 12) % 12)) p--;
      seq.unshift(p);
    }
    seq.forEach((q, k) => c.put(ch, q, -c.pickup + k, 0.95, vel * 0.9));
  }
  c.put(ch, nearestPc(c.key.tonic, pitch), c.end, m * 1.5, vel * 0.9);
}

/** The final tonic chord: low bass octave and a chord in the right hand, let ring. */
function finalChord(c: ClassicalComposer, vel: number): void {
  const b = bassPitch(c.key.tonic, 31);
  c.put(0, b, c.end, c.meter * 1.6, vel);
  c.put(0, b + 12, c.end, c.meter * 1.6, vel * 0.9);
  for (const p of nearVoicing(c.key.chord(0), 62)) c.put(1, p, c.end, c.meter * 1.6, vel * 0.85);
}

/** A left-hand bass note (with its octave below, sometimes) on each span start, held. */
function heldBass(c: ClassicalComposer, vel: number, octave: boolean): void {
  const span = Math.min(c.chordBeats, c.meter);
  for (let s0 = 0; s0 < c.end - 1e-9; s0 += span) {
    const p = bassPitch(c.chordAt(s0).root, 36);
    c.put(0, p, s0, span + 0.08, vel);
    if (octave) c.put(0, p - 12, s0, span + 0.08, vel * 0.9);
  }
}

const CELLS: Record<string, number[][][]> = {
  "nocturne-4": [
    [[0, 2], [2, 1], [3, 1]],
    [[0, 3], [3, 0.5], [3.5, 0.5]],
    [[0, 1.5], [1.5, 0.5], [2, 2]],
    [[0, 1], [1, 1], [2, 1], [3, 1]],
    [[0, 2], [2, 0.5], [2.5, 0.5], [3, 0.25], [3.25, 0.25], [3.5, 0.25], [3.75, 0.25]],
    [[0, 1.5], [1.5, 0.5], [2, 1], [3, 0.5], [3.5, 0.5]],
  ],
  "nocturne-3": [
    [[0, 2], [2, 1]],
    [[0, 1.5], [1.5, 0.5], [2, 1]],
    [[0, 3]],
    [[0, 1], [1, 1], [2, 1]],
    [[0, 2], [2, 0.5], [2.5, 0.5]],
    [[0, 1], [1, 0.5], [1.5, 0.25], [1.75, 0.25], [2, 1]],
  ],
  "waltz-3": [
    [[0, 2], [2, 1]],
    [[0, 1], [1, 1], [2, 1]],
    [[0, 3]],
    [[0, 0.5], [0.5, 0.5], [1, 0.5], [1.5, 0.5], [2, 1]],
    [[0, 1.5], [1.5, 0.5], [2, 1]],
    [[0, 1], [1, 2]],
  ],
  "mazurka-3": [
    [[0, 0.75], [0.75, 0.25], [1, 1], [2, 1]],
    [[0, 0.75], [0.75, 0.25], [1, 2]],
    [[0, 1], [1, 0.5], [1.5, 0.5], [2, 1]],
    [[0, 1 / 3], [1 / 3, 1 / 3], [2 / 3, 1 / 3], [1, 1], [2, 1]],
    [[0, 2], [2, 1]],
  ],
  "sonata-4": [
    [[0, 1], [1, 0.5], [1.5, 0.5], [2, 1], [3, 1]],
    [[0, 0.5], [0.5, 0.5], [1, 0.5], [1.5, 0.5], [2, 0.5], [2.5, 0.5], [3, 0.5], [3.5, 0.5]],
    [[0, 0.25], [0.25, 0.25], [0.5, 0.25], [0.75, 0.25], [1, 0.25], [1.25, 0.25], [1.5, 0.25], [1.75, 0.25], [2, 1], [3, 1]],
    [[0, 2], [2, 0.5], [2.5, 0.5], [3, 0.5], [3.5, 0.5]],
    [[0, 1.5], [1.5, 0.5], [2, 2]],
    [[0, 1], [1, 1], [2, 0.25], [2.25, 0.25], [2.5, 0.25], [2.75, 0.25], [3, 1]],
  ],
  "sonata-2": [
    [[0, 0.5], [0.5, 0.5], [1, 1]],
    [[0, 0.25], [0.25, 0.25], [0.5, 0.25], [0.75, 0.25], [1, 1]],
    [[0, 1], [1, 0.5], [1.5, 0.5]],
    [[0, 1.5], [1.5, 0.5]],
    [[0, 0.5], [0.5, 0.5], [1, 0.5], [1.5, 0.5]],
  ],
  "long-4": [[[0, 4]], [[0, 2], [2, 2]], [[0, 3], [3, 1]], [[0, 1], [1, 1], [2, 2]]],
  "long-3": [[[0, 3]], [[0, 2], [2, 1]], [[0, 1], [1, 2]]],
};

/**
 * The rubato tempo curve of a performance, as (beat, bpm) points every half beat: a centred
 * mixture of a slow random walk (one value per bar, smoothed), phrase arcs (accelerando into the
 * middle of each phrase) and a ritardando over the last beats of each phrase, scaled so that its
 * largest deviation is ±depth; times a final ritardando over the last bars.
 */
function rubatoCurve(
  rng: Rng,
  tempo: number,
  c: ClassicalComposer,
  depth: number,
): { points: [number, number][]; note: string } {
  const m = c.meter;
  const end = c.end;
  const pb = c.phraseBeats;
  const walk: number[] = [];
  let w = rng.gauss() * 0.5;
  for (let b = 0; b <= c.bars + 2; b++) {
    w = 0.8 * w + 0.45 * rng.gauss();
    walk.push(w);
  }
  const walkW = rng.range(0.2, 0.6);
  const arcA = rng.range(0.3, 0.8);
  const ritR = rng.range(0.5, 1.1);
  const ritBeats = Math.min(pb / 3, rng.pick([2, 3, 4]));
  const finalBars = rng.int(2, 4);
  const finalF = Math.min(0.45, depth * rng.range(0.8, 1.2) + 0.1);
  const mid = (pos: number): number => {
    const p = Math.max(0, Math.min(end, pos));
    const bf = p / m;
    const b0 = Math.floor(bf);
    const f = bf - b0;
    const sm = (1 - Math.cos(Math.PI * f)) / 2;
    let v = walkW * (walk[b0] * (1 - sm) + walk[b0 + 1] * sm);
    const k = Math.min(Math.floor(p / pb), Math.ceil(c.bars / c.phraseBars) - 1);
    const x = (p - k * pb) / pb;
    v += arcA * Math.sin(Math.PI * Math.min(1, x));
    const toEnd = (k + 1) * pb - p;
    if (toEnd < ritBeats && (k + 1) * pb < end - 1e-9) v -= ritR * (1 - toEnd / ritBeats) ** 2;
    return v;
  };
  const from = -c.pickup;
  const to = end;
  const xs: number[] = [];
  for (let p = from; p <= to + 1e-9; p += 0.5) xs.push(p);
  const raw = xs.map(mid);
  const mean = raw.reduce((a, b) => a + b, 0) / raw.length;
  const maxAbs = Math.max(1e-9, ...raw.map((v) => Math.abs(v - mean)));
  const finalFrom = end - finalBars * m;
  const points: [number, number][] = xs.map((p, i) => {
    let f = 1 + (depth * (raw[i] - mean)) / maxAbs;
    if (p > finalFrom) f *= 1 - finalF * ((p - finalFrom) / (end - finalFrom)) ** 1.6;
    return [p, tempo * Math.max(0.5, Math.min(1.5, f))];
  });
  const note =
    `rubato curve: slow random walk + ${c.phraseBars}-bar phrase arcs (accelerando into mid-phrase, ritardando over the last ${ritBeats} beats of each phrase), ` +
    `scaled to +-${(depth * 100).toFixed(0)} % around the base tempo, times a final ritardando over the last ${finalBars} bars to -${(finalF * 100).toFixed(0)} %`;
  return { points, note };
}

/** Compose one expressive classical-piano track (etude, nocturne, sonata, waltz-rubato, chorale). */
function makeClassicalSong(plan: Plan): Song {
  const rng = new Rng(plan.seed);
  const style = plan.style;
  const tempo = plan.tempo;
  const texture =
    style === "etude"
      ? rng.pick(["rh-arp16", "lh-arp16", "triplets", "alberti16", "broken-chords"])
      : style === "nocturne"
        ? rng.pick(["lh-arp8", "lh-arp8", "lh-triplets"])
        : style === "sonata"
          ? rng.pick(["alberti", "alberti", "drum-bass", "broken-octaves"])
          : style === "waltz-rubato"
            ? rng.chance(0.4)
              ? "mazurka"
              : "waltz"
            : "satb";
  let meter = 4;
  if (style === "waltz-rubato") meter = 3;
  else if (style === "chorale") meter = rng.chance(0.2) ? 3 : 4;
  else if (style === "nocturne") meter = texture === "lh-arp8" && rng.chance(0.35) ? 3 : 4;
  else if (style === "sonata") meter = rng.chance(0.25) ? 2 : 4;
  else if (style === "etude") meter = texture !== "broken-chords" && texture !== "alberti16" && rng.chance(0.15) ? 3 : 4;
  const key = new Key(rng.int(0, 11), rng.chance(0.5));
  let phraseBars = meter === 2 ? 8 : rng.chance(0.5) ? 4 : 8;
  const barSec = (meter * 60) / tempo;
  const target = rng.range(40, 62);
  const barsFor = (P: number) => {
    let b = Math.max(8, Math.round(target / barSec / P) * P);
    while (b * barSec > 66 && b - P >= 8) b -= P;
    return b;
  };
  let bars = barsFor(phraseBars);
  if (bars / phraseBars < 2 && phraseBars === 8) {
    phraseBars = 4;
    bars = barsFor(4);
  }
  const pickup = rng.chance(0.3) ? rng.int(1, Math.max(1, meter - 1)) : 0;
  const startSilence = rng.chance(0.2) ? 0 : Math.round(rng.range(0.05, 2) * 1000) / 1000;
  const c = new ClassicalComposer(rng, key, meter, bars, pickup);
  c.introBars = 0;
  c.phraseBars = phraseBars;
  c.leadP = rng.range(0.15, 0.5);
  c.cresc = rng.range(0.1, 0.3);
  // harmonic rhythm
  const r = rng.next();
  if (style === "chorale") c.chordBeats = meter === 3 || r < 0.6 ? 1 : 2;
  else if (style === "waltz-rubato") c.chordBeats = r < 0.8 ? 3 : 6;
  else if (style === "sonata") c.chordBeats = meter === 2 ? (r < 0.7 ? 2 : 4) : r < 0.5 ? 4 : 2;
  else if (texture === "broken-chords") c.chordBeats = 4;
  else c.chordBeats = meter === 4 && r < 0.3 ? 2 : meter;
  c.planChords(style === "chorale");
  const prog = rng.chance(0.08) ? (style === "nocturne" || style === "waltz-rubato" ? 8 : 6) : rng.pick([0, 0, 0, 1, 1, 2]);
  for (const ch of [0, 1, 2]) c.program(ch, prog);
  const acc = rng.range(48, 60);
  const mel = rng.range(72, 90);
  const cellKey = (name: string) => CELLS[`${name}-${meter}`] ?? CELLS[`long-${meter}`] ?? CELLS["long-4"];
  const facts: string[] = [];
  switch (texture) {
    case "rh-arp16": {
      const start = rng.int(55, 62);
      figuration(c, 1, 0.25, (chd, k, n) => chordRun(chd, start, Math.floor(n / 2) + 1)[sweep(k, n)], acc + 8);
      heldBass(c, acc + 10, true);
      facts.push("etude: continuous right-hand 16th-note arpeggios sweeping up and down over the chord, left-hand bass octaves held with the pedal");
      break;
    }
    case "lh-arp16": {
      const start = rng.int(36, 43);
      figuration(c, 0, 0.25, (chd, k, n) => chordRun(chd, bassPitch(chd.root, start), Math.floor(n / 2) + 1, true)[sweep(k, n)], acc + 6);
      classicalMelody(c, 2, 67, 86, cellKey("nocturne"), mel);
      facts.push("etude: continuous left-hand 16th-note arpeggios (pedalled), right-hand melody");
      break;
    }
    case "triplets": {
      const start = rng.int(36, 43);
      figuration(c, 0, 1 / 3, (chd, k, n) => chordRun(chd, bassPitch(chd.root, start), 6, true)[[0, 1, 2, 3, 2, 1][k % 6] + (k % 6 === 0 && k > 0 ? 1 : 0)], acc + 4);
      classicalMelody(c, 2, 65, 84, cellKey("long"), mel);
      facts.push("prelude: continuous 8th-note triplet broken chords in the left hand (pedalled), singing right-hand melody in long notes");
      break;
    }
    case "alberti16": {
      figuration(c, 1, 0.25, (chd, k) => { const v = nearVoicing(chd, 55); return [v[0], v[2], v[1], v[2]][k % 4]; }, acc, { pedal: false, hold: 0.3 });
      heldBass(c, acc + 8, false);
      classicalMelody(c, 2, 67, 86, cellKey("long"), mel);
      facts.push("etude: Alberti bass in 16ths (low-high-middle-high), held bass notes, right-hand melody");
      break;
    }
    case "broken-chords": {
      // Bach C-major-prelude figure: per half bar, bass + tenor held, then a 3-note figure twice
      for (let s0 = 0; s0 < c.end - 1e-9; s0 += 2) {
        const chd = c.chordAt(s0);
        const b = bassPitch(chd.root, 36);
        const up = chordRun(chd, b + 7, 5);
        c.put(0, b, s0, 2.05, acc + 10);
        c.put(0, up[0], s0 + 0.25, 1.8, acc);
        const fig = [up[1], up[2], up[3]];
        for (let k = 0; k < 6; k++) c.put(1, fig[k % 3], s0 + 0.5 + k * 0.25, 2 - (0.5 + k * 0.25) + 0.05, acc * (k % 3 === 0 ? 1.05 : 0.95));
      }
      facts.push("prelude: broken chords in continuous 16ths (bass, tenor, then a three-note figure twice per half bar), all held with the pedal");
      break;
    }
    case "lh-arp8":
    case "lh-triplets": {
      const trip = texture === "lh-triplets";
      const start = rng.int(33, 41);
      const pattern = trip ? [0, 1, 2, 3, 2, 1] : meter === 3 ? [0, 1, 2, 3, 2, 1] : [0, 1, 2, 3, 4, 3, 2, 1];
      figuration(c, 0, trip ? 1 / 3 : 0.5, (chd, k) => chordRun(chd, bassPitch(chd.root, start), 5, true)[pattern[k % pattern.length]], acc, { accentFirst: 1.2 });
      classicalMelody(c, 2, 65, 86, cellKey("nocturne"), mel - 4);
      facts.push(`nocturne: wide left-hand ${trip ? "8th-note triplet" : "8th-note"} arpeggios held with the pedal, singing right-hand melody with ornamental runs`);
      break;
    }
    case "alberti":
    case "drum-bass":
    case "broken-octaves": {
      const unit = meter === 2 && tempo <= 140 && texture === "alberti" ? 0.25 : 0.5;
      if (texture === "alberti")
        figuration(c, 1, unit, (chd, k) => { const v = nearVoicing(chd, 52); return [v[0], v[2], v[1], v[2]][k % 4]; }, acc, { pedal: false, hold: unit * 1.2 });
      else if (texture === "drum-bass")
        figuration(c, 1, 0.5, (chd) => nearVoicing(chd, 52)[0], acc, { pedal: false, hold: 0.45 });
      else figuration(c, 0, 0.5, (chd, k) => bassPitch(chd.root, 36) + (k % 2 === 1 ? 12 : 0), acc, { pedal: false, hold: 0.45 });
      if (texture === "drum-bass")
        for (let s0 = 0; s0 < c.end - 1e-9; s0 += 0.5) {
          const v = nearVoicing(c.chordAt(s0), 52);
          c.put(1, v[1], s0, 0.45, acc * 0.9);
          c.put(1, v[2], s0, 0.45, acc * 0.9);
        }
      if (texture !== "broken-octaves") heldBass(c, acc + 6, false);
      classicalMelody(c, 2, 67, 88, cellKey("sonata"), mel);
      facts.push(`sonata allegro: ${texture === "alberti" ? `Alberti bass in ${unit === 0.25 ? "16ths" : "8ths"}` : texture === "drum-bass" ? "repeated 8th-note chords (drum bass)" : "broken octaves in 8ths"}, right-hand melody with scale runs`);
      break;
    }
    case "waltz":
    case "mazurka": {
      const maz = texture === "mazurka";
      if (maz) {
        c.accentBeat = rng.pick([1, 2]);
        c.accent = 1.18;
      }
      const pedal = rng.chance(0.5);
      for (let bar = 0; bar < c.bars; bar++) {
        const b0 = bar * 3;
        const chd = c.chordAt(b0);
        const bp = bassPitch(chd.root, 33);
        c.put(0, bp, b0, pedal ? 3.05 : 1.1, acc + 14);
        if (maz) c.put(0, bp + 7, b0, pedal ? 3.05 : 1.1, acc + 4);
        const v = nearVoicing(c.chordAt(b0 + 1), 57);
        for (const s of [1, 2]) for (const p of v) c.put(1, p, b0 + s, pedal ? 3 - s + 0.05 : 0.8, acc);
      }
      classicalMelody(c, 2, 67, 88, cellKey(maz ? "mazurka" : "waltz"), mel);
      facts.push(maz ? `mazurka: 3/4, dotted figures, accent on beat ${c.accentBeat + 1}, bass + fifth on 1, chords on 2 and 3` : "waltz: 3/4, bass on 1, chords on 2 and 3, right-hand melody", pedal ? "pedalled" : "unpedalled chords");
      break;
    }
    case "satb": {
      // four-voice chorale: soprano melody (channel 2), alto and tenor (1), bass (0); common tones tied
      const prev = { s: nearestPc(key.tonic, 71), a: 64, t: 57, b: 45 };
      let last: Record<string, Note | null> = { s: null, a: null, t: null, b: null };
      let prevChord: Chord | null = null;
      const cb = c.chordBeats;
      for (let s0 = 0; s0 < c.end - 1e-9; s0 += cb) {
        const chd = c.chordAt(s0);
        const bar = Math.floor(s0 / meter);
        const inPhrase = bar % c.phraseBars;
        const x = (inPhrase * meter + (s0 % meter)) / (c.phraseBars * meter);
        const tones = (lo: number, hi: number) => {
          const out: number[] = [];
          for (let p = lo; p <= hi; p++) if (chd.pcs.includes(p % 12)) out.push(p);
          return out;
        };
        const nearest = (xs: number[], to: number) => xs.reduce((a, p) => (Math.abs(p - to) < Math.abs(a - to) ? p : a), xs[0]);
        const inv = rng.chance(0.2) && s0 % meter !== 0 ? 1 : 0;
        const bass = nearest(tones(40, 55).filter((p) => p % 12 === chd.pcs[inv]), prev.b);
        const sop = nearest(tones(64, 79), (prev.s * 2 + 64 + 12 * Math.sin(Math.PI * x)) / 3 + rng.range(-1.5, 1.5));
        const need = chd.pcs.filter((pc) => pc !== sop % 12 && pc !== bass % 12);
        const altoPool = tones(Math.max(55, sop - 9), sop - 1);
        const alto = nearest(altoPool.filter((p) => need.length === 0 || need.includes(p % 12)).concat(need.length ? [] : altoPool), prev.a) ?? sop - 5;
        const need2 = chd.pcs.filter((pc) => pc !== sop % 12 && pc !== bass % 12 && pc !== alto % 12);
        const tenPool = tones(Math.max(bass + 3, alto - 9), alto - 1);
        const tenor = nearest(tenPool.filter((p) => need2.length === 0 || need2.includes(p % 12)).concat(need2.length ? [] : tenPool), prev.t) ?? alto - 4;
        const voices: [string, number, number][] = [
          ["s", 2, sop],
          ["a", 1, alto],
          ["t", 1, tenor],
          ["b", 0, bass],
        ];
        const same = prevChord !== null && prevChord.degree === chd.degree;
        for (const [name, ch, p] of voices) {
          const l = last[name];
          if (l && l.pitch === p && (same || rng.chance(0.5))) {
            l.dur = s0 + cb - l.pos + 0.06; // tie the common tone
            continue;
          }
          const dt = name === "s" && rng.chance(c.leadP) ? -rng.range(0.008, 0.025) : 0;
          c.put(ch, p, s0, cb + 0.06, name === "s" ? mel * 0.85 : acc + 6, dt);
          last[name] = c.notes[c.notes.length - 1];
        }
        Object.assign(prev, { s: sop, a: alto, t: tenor, b: bass });
        prevChord = chd;
      }
      if (pickup > 0) for (let k = 0; k < pickup; k++) for (const p of nearVoicing(key.chord(4), 60)) c.put(1, p, -pickup + k, 1.02, acc);
      last = { s: null, a: null, t: null, b: null };
      facts.push(`chorale: four-voice block chords, legato, chords change every ${c.chordBeats === 1 ? "beat" : "2 beats"}, common tones tied, the cadence chord held through the last bar of each phrase`);
      break;
    }
  }
  finalChord(c, acc + 10);
  const depth = style === "waltz-rubato" || style === "nocturne" ? rng.range(0.18, 0.4) : style === "chorale" ? rng.range(0.12, 0.35) : rng.range(0.1, 0.3);
  const curve = rubatoCurve(rng, tempo, c, depth);
  facts.push(
    `GM program ${prog} (${prog === 6 ? "harpsichord" : prog === 8 ? "celesta" : "piano"})`,
    `${phraseBars}-bar phrases (half cadence, then authentic cadence), dynamics: crescendo to mid-phrase and diminuendo, soft downbeat accents`,
    `melody played ${(c.leadP * 100).toFixed(0)} % of its beat notes 8-30 ms ahead of the bass`,
    "long (pedal-like) overlapping note durations",
  );
  c.facts.push(...facts);
  return {
    style,
    meter,
    compound: false,
    tempo,
    tempoPoints: curve.points,
    tempoNote: curve.note,
    key,
    bars,
    pickup,
    startSilence,
    jitterMs: rng.int(10, 20),
    hasDrums: false,
    chordBeats: c.chordBeats,
    programs: c.programs,
    notes: c.notes,
    facts: c.facts,
    classical: true,
  };
}

/** Compose one track. */
function makeSong(plan: Plan): Song {
  if (isClassical(plan.style)) return makeClassicalSong(plan);
  const rng = new Rng(plan.seed);
  const shape = styleShape(plan.style, rng);
  const key = new Key(rng.int(0, 11), rng.chance(0.5));
  const meter = shape.meter;
  const barSec = (meter * 60) / plan.tempo;
  const target = rng.range(40, 60);
  let bars = Math.max(8, Math.round(target / barSec / 4) * 4);
  if (bars * barSec > 75) bars -= 4;
  const pickup = rng.chance(0.3) ? rng.int(1, Math.max(1, meter - 1)) : 0;
  const startSilence = rng.chance(0.2) ? 0 : Math.round(rng.range(0.05, 2) * 1000) / 1000;
  const c = new Composer(rng, key, meter, bars, pickup);
  let tempoPoints: [number, number][] = [[-pickup, plan.tempo]];
  let tempoNote = "constant tempo";
  if (plan.style === "piano-tempo") {
    const r = rubatoMap(rng, plan.tempo, bars, meter, pickup);
    tempoPoints = r.points;
    tempoNote = r.note;
  }
  compose(c, plan.style, shape.hasDrums, plan.tempo);
  const style = plan.style === "house" ? (c.facts[0].startsWith("techno") ? "techno" : "house") : plan.style;
  return {
    style,
    meter,
    compound: shape.compound,
    tempo: plan.tempo,
    tempoPoints,
    tempoNote,
    key,
    bars,
    pickup,
    startSilence,
    jitterMs: plan.style === "house" || plan.style === "trap" ? 5 : Math.round(rng.range(5, 10)),
    hasDrums: shape.hasDrums,
    chordBeats: c.chordBeats,
    programs: c.programs,
    notes: c.notes,
    facts: c.facts,
  };
}

// ---------------------------------------------------------------- rendering

export interface Rendered {
  midi: Buffer;
  beats: number[];
  downbeats: number[];
  medianBpm: number;
  variable: boolean;
  /** Where the audio is cut (with a fade): one bar after the final downbeat plus 2.5 s. */
  endS: number;
  /** Slowest and fastest local tempo (60 / inter-beat interval). */
  minBpm: number;
  maxBpm: number;
}

export function renderSong(song: Song, rng: Rng): Rendered {
  const end = song.bars * song.meter;
  const map = new TempoMap(song.tempoPoints, -song.pickup, end + song.meter + 1, song.startSilence);
  const beats: number[] = [];
  const downbeats: number[] = [];
  for (let b = -song.pickup; b <= end; b++) {
    const t = Math.round(map.timeOf(b) * 1e6) / 1e6;
    beats.push(t);
    if (b >= 0 && b % song.meter === 0) downbeats.push(t);
  }
  const ibis = beats.slice(1).map((t, i) => t - beats[i]).sort((a, b) => a - b);
  const medianBpm = 60 / ibis[Math.floor(ibis.length / 2)];
  const minBpm = 60 / ibis[ibis.length - 1];
  const maxBpm = 60 / ibis[0];
  const variable = song.tempoPoints.some(([, bpm]) => Math.abs(bpm - song.tempo) > 1e-9);

  const events: MidiEvent[] = [];
  const tick = (t: number) => Math.max(0, Math.round(t * 2000));
  // channel setup
  for (const [ch, prog] of song.programs) {
    events.push({ tick: 0, order: 0, data: [0xc0 | ch, prog & 127] });
    const vol = ch === DRUM_CH ? 100 : ch === 0 ? 100 : ch === 2 ? 95 : 80;
    events.push({ tick: 0, order: 0, data: [0xb0 | ch, 7, vol] });
    const pan = ch === 1 ? 48 : ch === 3 ? 80 : ch === 2 ? 70 : 64;
    events.push({ tick: 0, order: 0, data: [0xb0 | ch, 10, pan] });
  }
  if (song.hasDrums && !song.programs.has(DRUM_CH)) events.push({ tick: 0, order: 0, data: [0xc0 | DRUM_CH, 0] });
  const j = song.jitterMs / 1000;
  const jitter = () => Math.max(-j, Math.min(j, (rng.gauss() * j) / 2));
  // per (channel, pitch): no note-off may cut a later note-on
  const spans: { ch: number; pitch: number; on: number; off: number; vel: number }[] = [];
  for (const n of song.notes) {
    const on = map.timeOf(n.pos) + (n.dt ?? 0) + jitter();
    const off = n.ch === DRUM_CH ? on + 0.08 : map.timeOf(n.pos + n.dur) + jitter() * 0.5;
    spans.push({ ch: n.ch, pitch: n.pitch, on, off: Math.max(off, on + 0.03), vel: n.vel });
  }
  spans.sort((a, b) => a.ch - b.ch || a.pitch - b.pitch || a.on - b.on);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    const nx = spans[i + 1];
    let off = s.off;
    if (nx && nx.ch === s.ch && nx.pitch === s.pitch && off > nx.on - 0.002) off = Math.max(s.on + 0.005, nx.on - 0.002);
    events.push({ tick: tick(s.on), order: 2, data: [0x90 | s.ch, s.pitch, s.vel] });
    events.push({ tick: tick(off), order: 1, data: [0x80 | s.ch, s.pitch, 0] });
  }
  const lastOff = Math.max(...events.map((e) => e.tick));
  const midi = writeMidi(events, lastOff + 2 * 2000);
  const endS = map.timeOf(end + song.meter) + 2.5;
  return { midi, beats, downbeats, medianBpm, variable, endS, minBpm, maxBpm };
}

export function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("error", rej);
    p.on("close", (code) => (code === 0 ? res(out + err) : rej(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err.slice(-2000)}`))));
  });
}

const FORMAT_NOTE: Record<Format, string> = {
  mp3: "MP3 CBR 192k (LAME; gapless header, ffmpeg trims encoder delay)",
  flac: "FLAC 16-bit 44.1 kHz",
  ogg: "Ogg Vorbis q5",
};

async function renderTrack(plan: Plan, outDir: string, soundfont = SF2): Promise<"ok" | "skip"> {
  const audioRel = `audio/${plan.id}.${plan.format}`;
  const audioPath = join(outDir, audioRel);
  const truthPath = join(outDir, "truth", `${plan.id}.json`);
  if (existsSync(audioPath) && existsSync(truthPath)) return "skip";
  const song = makeSong(plan);
  const r = renderSong(song, new Rng(mixSeed(plan.seed, 1)));
  const work = await mkdtemp(join(tmpdir(), `gen-corpus-${plan.id}-`));
  try {
    const mid = join(work, "song.mid");
    const wav = join(work, "song.wav");
    await writeFile(mid, r.midi);
    const { peakTarget, lufs, durationS: dur } = await renderToAudio(mid, wav, audioPath, plan.format, {
      peaks: [-0.5, -1, -1, -2, -3, -6],
      rng: new Rng(mixSeed(plan.seed, 2)),
      seconds: r.endS,
      fade: `afade=t=out:st=${(r.endS - 1.5).toFixed(3)}:d=1.5`,
      soundfont,
    });
    const swing = song.facts.some((f) => /swing|swung/.test(f));
    const notes = [
      `synthetic ${song.style} (trackprobe scripts/gen-corpus.ts, seed-derived)`,
      ...song.facts,
      song.compound ? "" : "notated quarter-note tempo",
      r.variable && song.classical
        ? `TEMPO VARIES (expressive rubato): ${song.tempoNote}; base tempo ${song.tempo} BPM, local beat tempo ${r.minBpm.toFixed(1)}-${r.maxBpm.toFixed(1)} BPM (60 / inter-beat interval); tempo_bpm is the median beat tempo; beats follow the tempo curve`
        : r.variable
          ? `TEMPO VARIES: ${song.tempoNote}; tempo_bpm is the median beat tempo (start ${song.tempo} BPM); beats follow the tempo map`
          : "",
      song.pickup > 0 ? `pickup (anacrusis) of ${song.pickup} beat${song.pickup > 1 ? "s" : ""} before bar 1: beats start before the first downbeat` : "no pickup",
      `music starts at ${r.beats[0].toFixed(3)} s`,
      swing ? "swing: beats on the unswung grid" : "",
      `key ${song.key.name}${song.key.minor ? " (natural minor, major V)" : ""}; chords change every ${song.chordBeats} beats (bar = ${song.meter})`,
      FORMAT_NOTE[plan.format],
      song.classical
        ? `Beat grid from the tempo curve before humanization (onset jitter gaussian, clipped to +-${song.jitterMs} ms; melody-lead offsets not in the grid; velocities +-7% on top of the phrase dynamics); fluidsynth onset latency ~5 ms`
        : `Beat grid from the MIDI tempo map before humanization (onset jitter gaussian, clipped to +-${song.jitterMs} ms; velocities +-10%); fluidsynth onset latency ~5 ms`,
      `${song.bars} bars + final downbeat; meter ${song.compound ? (song.meter === 2 ? "6/8" : "12/8") : `${song.meter}/4`}${song.hasDrums ? "" : ", no drums"}`,
      `GM programs ${[...song.programs].map(([ch, p]) => (ch === DRUM_CH ? `drum kit ${p}` : `${p}`)).join(", ")}`,
      `rendered peak ${peakTarget} dBFS (before the 1.5 s fade at the end)`,
      soundfont === SF2 ? "" : `soundfont ${basename(soundfont)}`,
    ].filter((s) => s !== "");
    const truth = {
      id: plan.id,
      file: audioRel,
      split: "dev",
      source: "gen",
      style: song.style,
      duration_s: Math.round(dur * 1000) / 1000,
      tempo_bpm: r.variable ? Math.round(r.medianBpm * 10) / 10 : song.tempo,
      tempo_variable: r.variable,
      beats: r.beats,
      downbeats: r.downbeats,
      meter: song.meter,
      key: song.key.name,
      expect_error: false,
      notes: notes.join("; ") + ".",
      format: plan.format,
      has_drums: song.hasDrums,
      loudness_lufs: lufs,
    };
    await writeFileAtomic(truthPath, JSON.stringify(truth, null, 1) + "\n");
    return "ok";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}


/**
 * A MIDI file through fluidsynth (FluidR3_GM unless `o.soundfont` names another) to float WAV, its sample peak set to one of `peaks`
 * (dBFS, drawn with `rng`), cut to `seconds`, faded (an ffmpeg afade chain), encoded to `format`
 * through a temp file and renamed to `audioPath`. Returns the peak, the integrated loudness after
 * the gain (ffmpeg ebur128, of the first `measureSeconds` when given) and the encoded duration.
 */
export async function renderToAudio(
  mid: string,
  wav: string,
  audioPath: string,
  format: string,
  o: { peaks: number[]; rng: Rng; seconds: number; fade: string; measureSeconds?: number; soundfont?: string },
): Promise<{ peakTarget: number; lufs: number | null; durationS: number }> {
  await run("fluidsynth", ["-ni", "-g", "0.6", "-o", "audio.file.format=float", "-F", wav, "-r", "44100", o.soundfont ?? SF2, mid]);
  // level: peak to a drawn target, measured on the float render
  const peakTarget = o.rng.pick(o.peaks);
  const span = o.measureSeconds === undefined ? [] : ["-t", o.measureSeconds.toFixed(3)];
  const stats = await run("ffmpeg", ["-hide_banner", "-nostats", "-i", wav, ...span, "-af", "ebur128=peak=sample", "-f", "null", "-"]);
  const peakM = /Sample peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)/.exec(stats);
  const iM = /Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+)/.exec(stats);
  const peak = peakM && peakM[1] !== "-inf" ? Number(peakM[1]) : 0;
  const gain = peakTarget - peak;
  const lufs = iM ? Math.round((Number(iM[1]) + gain) * 10) / 10 : null;
  const tmpAudio = join(dirname(audioPath), `.${basename(audioPath)}.part`);
  const codec =
    format === "mp3"
      ? ["-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3"]
      : format === "flac"
        ? ["-c:a", "flac", "-sample_fmt", "s16", "-f", "flac"]
        : ["-c:a", "libvorbis", "-q:a", "5", "-f", "ogg"];
  await run("ffmpeg", ["-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", wav, "-t", o.seconds.toFixed(3), "-af", `volume=${gain.toFixed(2)}dB,${o.fade}`, "-map_metadata", "-1", ...codec, tmpAudio]);
  await rename(tmpAudio, audioPath);
  const durationS = Number((await run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", audioPath])).trim());
  return { peakTarget, lufs, durationS };
}

/**
 * Renders `plans` with `jobs` at a time: a track that fails is reported and counted, the others go
 * on; "skip" is a track already there (a resumed run). One line per rendered track.
 */
export async function renderAll<P extends { id: string }>(
  plans: readonly P[],
  jobs: number,
  render: (p: P) => Promise<"ok" | "skip">,
  describe: (p: P, seconds: number) => string,
): Promise<{ done: number; skipped: number; failed: number }> {
  const t0 = Date.now();
  let next = 0;
  const n = { done: 0, skipped: 0, failed: 0 };
  const worker = async () => {
    while (next < plans.length) {
      const p = plans[next++];
      const t1 = Date.now();
      try {
        if ((await render(p)) === "skip") n.skipped++;
        else {
          n.done++;
          process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${describe(p, (Date.now() - t1) / 1000)}\n`);
        }
      } catch (e) {
        n.failed++;
        process.stderr.write(`${p.id}: ${(e as Error).message}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return n;
}

/** The plans that `--only` names by track number (all of them when it is not given). */
export function onlyThese<P extends { index: number }>(plans: P[], only: string | undefined): P[] {
  if (!only) return plans;
  const keep = new Set(only.split(",").map((s) => Number(s.trim())));
  return plans.filter((p) => keep.has(p.index));
}

/** Renders a corpus into OUT/audio and OUT/truth (renderAll), then one summary line; exit code 1 if a track failed. */
export async function renderCorpus<P extends { id: string }>(
  outDir: string,
  plans: readonly P[],
  jobs: number,
  render: (p: P) => Promise<"ok" | "skip">,
  describe: (p: P, seconds: number) => string,
): Promise<void> {
  await mkdir(join(outDir, "audio"), { recursive: true });
  await mkdir(join(outDir, "truth"), { recursive: true });
  const t0 = Date.now();
  const { done, skipped, failed } = await renderAll(plans, jobs, render, describe);
  process.stdout.write(`rendered ${done}, skipped ${skipped} (already there), failed ${failed}, in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (failed > 0) process.exitCode = 1;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: "string", default: "400" },
      jobs: { type: "string", default: "2" },
      seed: { type: "string", default: "1" },
      only: { type: "string" },
      plan: { type: "boolean", default: false },
      soundfont: { type: "string", default: SF2 },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: node --import tsx scripts/gen-corpus.ts OUT_DIR [--count 200] [--jobs 2] [--seed 1] [--only 0,5] [--soundfont PATH] [--plan]\n");
    process.exit(2);
  }
  const outDir = resolve(positionals[0]);
  const soundfont = resolve(values.soundfont);
  if (!existsSync(soundfont)) {
    process.stderr.write(`gen-corpus: no soundfont at ${soundfont}\n`);
    process.exit(2);
  }
  const count = Number(values.count);
  const jobs = Math.max(1, Number(values.jobs));
  const seed = Number(values.seed);
  const plans = onlyThese(makePlan(count, seed), values.only);
  if (values.plan) {
    for (const p of plans) {
      const s = makeSong(p);
      process.stdout.write(`${p.id} ${s.style.padEnd(12)} ${String(p.tempo).padStart(3)} BPM meter ${s.meter}${s.compound ? " (compound)" : ""} ${s.key.name.padEnd(9)} ${p.format} bars ${s.bars} pickup ${s.pickup}\n`);
    }
    return;
  }
  await renderCorpus(outDir, plans, jobs, (p) => renderTrack(p, outDir, soundfont), (p, seconds) => `${p.id} ${p.style} ${p.tempo} BPM ${p.format} (${seconds.toFixed(1)} s)`);
}

// run only as a script: scripts/gen-structure.ts imports the composing and rendering pieces
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
