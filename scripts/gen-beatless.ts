/**
 * A generated corpus of BEATLESS music with exact truth (see docs/corpus-beatless.md):
 *
 *   node --import tsx scripts/gen-beatless.ts OUT_DIR [--count-per-half 30] [--jobs 2] [--seed 1]
 *        [--only 0,5,117] [--plan]
 *
 * Writes OUT_DIR/audio/amb-NNN.{mp3,flac,ogg} and OUT_DIR/truth/amb-NNN.json in the layout of
 * shared/corpus-dev, with `source: "gen"` so that `trackprobe eval` splits it into halves by the
 * hundreds digit (amb-000… = half A, amb-100… = half B). The truth says there is no pulse:
 * `tempo_bpm`, `beats`, `downbeats` and `meter` are null; `key` is the tonal centre when the piece
 * has one (a drone or chords in a key), else null.
 *
 * Why: issue 11 ("Pulse refused") asks that "no pulse" stay for silence, noise and beatless
 * ambient, not for rubato piano, legato strings or chorales. A gate that decides this needs
 * beatless music in numbers, not one ambient file, and it must not be trivially easy: these pieces
 * have note onsets (chord changes, sparse notes, arpeggio clouds, accents), only never on a grid.
 * Every event time is drawn from a non-periodic process (Poisson, log-normal inter-onset times,
 * log-uniform chord lengths), in seconds, so there is no tempo to be found by construction.
 *
 * Styles (drawn so each half holds each style equally often):
 *   pads         GM pads 88–95 / strings, choir 48–53; chords held 4–20 s, changes at random
 *                times, crossfaded between two channels with expression (CC 11) ramps; swells
 *   sparse       piano/celesta/harp/vibraphone/bells notes at Poisson-random times (rate
 *                0.3–3 /s, slowly drifting), random velocities, over a pad or alone
 *   arp-cloud    free-time arpeggio gestures: log-normal inter-onset times (wide spread), no grid
 *   drone        evolving drone with slow volume/expression/brightness automation (CC 7/11/74
 *                plus the SoundFont filter-cutoff NRPN) and occasional non-periodic accents
 *   noise        noise-like GM effects (seashore, breath, rain, atmosphere) with a drone
 *
 * Everything follows from --seed: the plan is drawn in order from one generator, each track's
 * events from a generator seeded by (seed, track number), so a subset or a resumed run gives the
 * same tracks. Tracks whose audio and truth both exist are skipped; files are written to a temp
 * name and renamed, the truth last. Rendering (fluidsynth + FluidR3_GM, ffmpeg) is as in
 * scripts/gen-corpus.ts.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { writeFileAtomic } from "../src/cli/write-atomic.js";
import { Key, mixSeed, nearestPc, onlyThese, renderCorpus, renderToAudio, Rng, voicing, type Chord } from "./gen-corpus.js";

export const BEATLESS_STYLES = ["pads", "sparse", "arp-cloud", "drone", "noise"] as const;
export type BeatlessStyle = (typeof BEATLESS_STYLES)[number];
type Format = "mp3" | "flac" | "ogg";

export interface BeatlessPlan {
  index: number;
  id: string;
  style: BeatlessStyle;
  durationS: number;
  format: Format;
  seed: number;
}

/**
 * The plan: ids 0…n-1 (half A) and 100…100+n-1 (half B); within each half the style is the
 * least-used one so far (ties at random), the duration log-uniform in 45–120 s.
 */
export function makeBeatlessPlan(perHalf: number, seed: number): BeatlessPlan[] {
  const rng = new Rng(mixSeed(seed, 0x7ffffffe));
  const plans: BeatlessPlan[] = [];
  for (const base of [0, 100]) {
    const used = new Map<string, number>(BEATLESS_STYLES.map((s) => [s, 0]));
    for (let k = 0; k < perHalf; k++) {
      const i = base + k;
      const least = Math.min(...used.values());
      const style = rng.pick(BEATLESS_STYLES.filter((s) => used.get(s) === least));
      used.set(style, used.get(style)! + 1);
      const durationS = Math.round(rng.logUniform(45, 120) * 10) / 10;
      const r = rng.next();
      const format: Format = r < 0.1 ? "flac" : r < 0.2 ? "ogg" : "mp3";
      plans.push({ index: i, id: `amb-${String(i).padStart(3, "0")}`, style, durationS, format, seed: mixSeed(seed, i) });
    }
  }
  return plans;
}

// ---------------------------------------------------------------- events in seconds

export interface TimedNote {
  ch: number;
  pitch: number;
  on: number;
  off: number;
  vel: number;
}
export interface TimedCc {
  ch: number;
  t: number;
  cc: number;
  value: number;
}

export interface BeatlessPiece {
  style: BeatlessStyle;
  durationS: number;
  /** The tonal centre, or null (atonal cloud, bare-fifth drone, noise). */
  key: Key | null;
  programs: Map<number, number>;
  notes: TimedNote[];
  ccs: TimedCc[];
  facts: string[];
}

/** Poisson process times in [t0, t1) whose rate (events/s) is rateAt(t) (thinning). */
export function poissonTimes(rng: Rng, t0: number, t1: number, rateAt: (t: number) => number, rateMax: number): number[] {
  const out: number[] = [];
  let t = t0;
  for (;;) {
    t += -Math.log(Math.max(1e-12, 1 - rng.next())) / rateMax;
    if (t >= t1) return out;
    if (rng.next() * rateMax < rateAt(t)) out.push(t);
  }
}

/** Log-normal draw with the given median (seconds) and log-standard-deviation sigma. */
export function logNormal(rng: Rng, median: number, sigma: number): number {
  return median * Math.exp(sigma * rng.gauss());
}

/** A slow random curve in [0, 1] over [0, dur]: smoothed random values at random knots. */
function slowCurve(rng: Rng, dur: number, meanGapS: number): (t: number) => number {
  const knots: [number, number][] = [[0, rng.next()]];
  let t = 0;
  while (t < dur) {
    t += meanGapS * rng.range(0.4, 1.8);
    knots.push([t, rng.next()]);
  }
  return (x: number) => {
    for (let i = 1; i < knots.length; i++) {
      if (x <= knots[i][0]) {
        const [a, va] = knots[i - 1];
        const [b, vb] = knots[i];
        const f = (x - a) / (b - a);
        const s = (1 - Math.cos(Math.PI * f)) / 2; // cosine ease: no corners
        return va + (vb - va) * s;
      }
    }
    return knots[knots.length - 1][1];
  };
}

/** CC ramps sampled every 40–80 ms (jittered, so the control stream itself has no period). */
function ccCurve(rng: Rng, ccs: TimedCc[], ch: number, cc: number, t0: number, t1: number, f: (t: number) => number): void {
  let t = t0;
  let last = -1;
  while (t <= t1) {
    const v = Math.max(0, Math.min(127, Math.round(f(t))));
    if (v !== last) ccs.push({ ch, t, cc, value: v });
    last = v;
    t += rng.range(0.04, 0.08);
  }
}

/**
 * Random diatonic chord sequence that establishes the tonic: the tonic chord first, last and on
 * about every other change (as ambient pieces circle a tonic), the others from IV, V, vi, ii
 * (minor: iv, V, VI, VII). The mediant, which pulls towards the relative key, is left out.
 */
function chordWalk(rng: Rng, key: Key, n: number): Chord[] {
  const others = key.minor ? [3, 4, 5, 6] : [3, 4, 5, 1];
  const out: Chord[] = [];
  for (let i = 0; i < n; i++) {
    const prevTonic = out.length > 0 && out[out.length - 1].degree === 0;
    const d = i === 0 || i === n - 1 ? 0 : !prevTonic && rng.chance(0.75) ? 0 : rng.pick(others.filter((x) => out.length === 0 || x !== out[out.length - 1].degree));
    out.push(key.chord(d, rng.chance(0.3)));
  }
  return out;
}

/** Segment boundaries: lengths log-uniform in [lo, hi] s (not periodic), covering [0, dur]. */
function segments(rng: Rng, dur: number, lo: number, hi: number): [number, number][] {
  const out: [number, number][] = [];
  let t = 0;
  while (t < dur - 1) {
    let len = rng.logUniform(lo, hi);
    if (dur - (t + len) < lo * 0.6) len = dur - t;
    out.push([t, Math.min(dur, t + len)]);
    t += len;
  }
  return out;
}

const PADS = [88, 89, 90, 91, 92, 93, 94, 95];
const STRINGS_CHOIR = [48, 49, 50, 51, 52, 53];
const SPARSE_INSTR = [0, 1, 8, 9, 10, 11, 14, 46, 108, 112, 98];
const CLOUD_INSTR = [0, 4, 5, 8, 11, 12, 24, 46, 98, 108];
const DRONE_INSTR = [88, 89, 90, 91, 92, 94, 95, 48, 49, 50, 52, 53, 19, 20];
const NOISE_FX: [number, string][] = [
  [122, "seashore"],
  [121, "breath noise"],
  [96, "FX rain"],
  [99, "FX atmosphere"],
  [123, "bird tweet"],
  [97, "FX soundtrack"],
];

/** A pad/string/choir layer: chords from `chords` over `segs`, crossfaded between ch a and ch b. */
function padLayer(
  rng: Rng,
  p: BeatlessPiece,
  chA: number,
  chB: number,
  program: number,
  chords: Chord[],
  segs: [number, number][],
  center: number,
  level: number,
): void {
  p.programs.set(chA, program);
  p.programs.set(chB, program);
  segs.forEach(([s, e], i) => {
    const ch = i % 2 === 0 ? chA : chB;
    const fadeIn = Math.min(rng.range(1, 4), (e - s) / 2);
    const overlap = i < segs.length - 1 ? rng.range(0.8, 4) : 0; // crossfade into the next chord
    const off = Math.min(p.durationS + 3, e + overlap);
    const inv = rng.int(0, 2);
    const pitches = voicing(chords[i], center, inv);
    if (rng.chance(0.5)) pitches.unshift(nearestPc(chords[i].root, center - 12)); // a bass under it
    for (const pitch of pitches) {
      // voices enter a little apart (0–600 ms), as players would, not together on a grid
      const on = Math.max(0, s - (i > 0 ? overlap * 0.3 : 0)) + rng.range(0, 0.6);
      p.notes.push({ ch, pitch, on, off: Math.max(on + 1, off), vel: rng.int(45, 95) });
    }
    // expression: rise over fadeIn, a swell or two inside, fall over the overlap
    const swell = slowCurve(rng, off - s, rng.range(3, 9));
    const startT = Math.max(0, s - overlap * 0.3);
    ccCurve(rng, p.ccs, ch, 11, startT, off, (t) => {
      const rise = Math.min(1, (t - startT) / fadeIn);
      const fall = overlap > 0 ? Math.min(1, Math.max(0, (off - t) / overlap)) : 1;
      return 127 * level * Math.max(0, rise) * fall * (0.55 + 0.45 * swell(t - s));
    });
  });
}

function setupFx(p: BeatlessPiece, rng: Rng): void {
  for (const ch of p.programs.keys()) {
    p.ccs.push({ ch, t: 0, cc: 91, value: rng.int(60, 127) }); // reverb send: ambient space
    p.ccs.push({ ch, t: 0, cc: 93, value: rng.int(0, 60) });
    p.ccs.push({ ch, t: 0, cc: 10, value: rng.int(30, 98) });
  }
}

/** Compose one beatless piece (pure: a function of the plan). */
export function composeBeatless(plan: BeatlessPlan): BeatlessPiece {
  const rng = new Rng(plan.seed);
  const dur = plan.durationS;
  const tonal = plan.style === "noise" ? rng.chance(0.5) : rng.chance(0.85);
  const key = new Key(rng.int(0, 11), rng.chance(0.5));
  const p: BeatlessPiece = { style: plan.style, durationS: dur, key: tonal ? key : null, programs: new Map(), notes: [], ccs: [], facts: [] };
  const scalePcs = (k: Key) => k.scale.map((v) => (k.tonic + v) % 12);
  /** Pitches to draw from: the key's scale (or pentatonic), or, atonal, a random pitch set. */
  const pool = (lo: number, hi: number): number[] => {
    let pcs: number[];
    if (!tonal) {
      pcs = rng.chance(0.5) ? [0, 2, 4, 6, 8, 10].map((v) => (v + key.tonic) % 12) : Array.from({ length: 12 }, (_, i) => i).filter(() => rng.chance(0.6));
    } else if (rng.chance(0.4)) {
      pcs = (key.minor ? [0, 3, 5, 7, 10] : [0, 2, 4, 7, 9]).map((v) => (v + key.tonic) % 12);
    } else pcs = scalePcs(key);
    const out: number[] = [];
    for (let m = lo; m <= hi; m++) if (pcs.includes(m % 12)) out.push(m);
    return out;
  };
  /** A chord for an atonal piece: pitch classes from the atonal pool (at least 3). */
  const atonalChord = (from: number, to: number): Chord => {
    let pcs = pool(0, 11).slice(from, to);
    if (pcs.length < 3) pcs = [0, 2, 6, 8].map((v) => (v + key.tonic + rng.int(0, 11)) % 12).slice(0, 3);
    return { degree: 0, root: pcs[0], pcs };
  };
  /** A tonic drone (root + fifth, with the third only when tonal) over the whole piece. */
  const drone = (ch: number, program: number, center: number, level: number, withThird: boolean) => {
    p.programs.set(ch, program);
    const root = nearestPc(key.tonic, center);
    const pitches = [root, root + 7, ...(withThird ? [root + (key.minor ? 15 : 16)] : []), ...(rng.chance(0.5) ? [root - 12] : [])];
    // retriggered at random times (log-uniform 8–30 s) so sample loops do not run forever
    for (const [s, e] of segments(rng, dur, 8, 30)) {
      for (const pitch of pitches) {
        const on = s + rng.range(0, 1.5);
        p.notes.push({ ch, pitch, on, off: Math.min(dur + 3, e + rng.range(1, 3)), vel: rng.int(50, 90) });
      }
    }
    const f = slowCurve(rng, dur, rng.range(6, 15));
    ccCurve(rng, p.ccs, ch, 11, 0, dur, (t) => 127 * level * (0.5 + 0.5 * f(t)));
  };

  switch (plan.style) {
    case "pads": {
      const prog = rng.chance(0.6) ? rng.pick(PADS) : rng.pick(STRINGS_CHOIR);
      const segs = segments(rng, dur, 4, 20);
      const chords = tonal ? chordWalk(rng, key, segs.length) : segs.map(() => atonalChord(0, 4));
      padLayer(rng, p, 0, 1, prog, chords, segs, rng.int(52, 64), rng.range(0.7, 1));
      let second = "";
      if (rng.chance(0.5)) {
        const prog2 = rng.pick([...PADS, ...STRINGS_CHOIR].filter((x) => x !== prog));
        const segs2 = segments(rng, dur, 4, 20);
        const chords2 = tonal ? chordWalk(rng, key, segs2.length) : segs2.map(() => atonalChord(1, 4));
        padLayer(rng, p, 2, 3, prog2, chords2, segs2, rng.int(64, 76), rng.range(0.4, 0.8));
        second = `; a second layer (GM ${prog2}) with its own independent chord-change times`;
      }
      p.facts.push(`pads: GM ${prog}, chords held ${segs.length} segments of 4-20 s (log-uniform, non-periodic), crossfaded between two channels with CC11 ramps and swells, voices entering 0-0.6 s apart${second}`);
      break;
    }
    case "sparse": {
      const prog = rng.pick(SPARSE_INSTR);
      p.programs.set(0, prog);
      const rate = rng.logUniform(0.3, 3);
      const drift = slowCurve(rng, dur, rng.range(8, 20));
      const rateAt = (t: number) => rate * (0.4 + 1.2 * drift(t));
      const times = poissonTimes(rng, rng.range(0.2, 2), dur - 1, rateAt, rate * 1.6);
      let pitches = pool(rng.int(55, 62), rng.int(80, 96));
      if (pitches.length < 4) pitches = Array.from({ length: 25 }, (_, i) => 60 + i);
      // tonal: the tonic weighs 3, its third and fifth 2 (a tonal centre, not just a scale),
      // and the first and last notes are the tonic
      const tonicPcs = tonal ? key.chord(0).pcs : [];
      const weight = (q: number) => (!tonal ? 1 : q % 12 === key.tonic ? 3 : tonicPcs.includes(q % 12) ? 2 : 1);
      const weighted = (xs: number[]) => {
        let r = rng.next() * xs.reduce((a, q) => a + weight(q), 0);
        for (const q of xs) if ((r -= weight(q)) < 0) return q;
        return xs[xs.length - 1];
      };
      const tonics = pitches.filter((q) => q % 12 === key.tonic);
      let prev = tonal && tonics.length > 0 ? tonics[Math.floor(tonics.length / 2)] : pitches[Math.floor(pitches.length / 2)];
      times.forEach((t, k) => {
        // mostly steps and small leaps from the last note, sometimes a jump
        const cand = pitches.filter((q) => Math.abs(q - prev) <= (rng.chance(0.2) ? 24 : 7));
        const near = tonics.filter((q) => Math.abs(q - prev) <= 12);
        const pitch = tonal && (k === 0 || k === times.length - 1) && near.length > 0 ? near[0] : weighted(cand.length > 0 ? cand : pitches);
        prev = pitch;
        p.notes.push({ ch: 0, pitch, on: t, off: t + rng.range(0.3, 4), vel: rng.int(25, 115) });
        if (rng.chance(0.12)) {
          const other = weighted(pitches);
          p.notes.push({ ch: 0, pitch: other, on: t + rng.range(0, 0.04), off: t + rng.range(0.3, 3), vel: rng.int(25, 100) });
        }
      });
      if (prog <= 1) {
        // sustain pedal on piano, changed at random times
        for (const [s] of segments(rng, dur, 3, 12)) {
          p.ccs.push({ ch: 0, t: Math.max(0, s - 0.05), cc: 64, value: 0 }, { ch: 0, t: s + 0.02, cc: 64, value: 127 });
        }
      }
      let over = "alone";
      if (rng.chance(0.6)) {
        const padProg = rng.pick([...PADS, ...STRINGS_CHOIR]);
        const segs = segments(rng, dur, 6, 20);
        const chords = tonal ? chordWalk(rng, key, segs.length) : segs.map(() => atonalChord(0, 3));
        padLayer(rng, p, 1, 2, padProg, chords, segs, rng.int(48, 60), rng.range(0.35, 0.7));
        over = `over a pad (GM ${padProg}, chords 6-20 s at random times)`;
      }
      p.facts.push(`sparse: GM ${prog} notes at Poisson-random times (mean rate ${rate.toFixed(2)}/s, drifting x0.4-1.6), ${times.length} onsets, velocities 25-115, ${over}`);
      break;
    }
    case "arp-cloud": {
      const voices = rng.int(1, 2);
      const segs = segments(rng, dur, 5, 18);
      const chords = tonal ? chordWalk(rng, key, segs.length) : segs.map(() => atonalChord(0, 4));
      const chordAt = (t: number) => chords[Math.max(0, segs.findIndex(([s, e]) => t >= s && t < e))] ?? chords[chords.length - 1];
      const desc: string[] = [];
      for (let v = 0; v < voices; v++) {
        const prog = rng.pick(CLOUD_INSTR);
        p.programs.set(v, prog);
        const median = rng.logUniform(0.09, 0.45);
        const sigma = rng.range(0.5, 1.0);
        const lo = rng.int(48, 60);
        const hi = lo + rng.int(18, 30);
        let t = rng.range(0.3, 3);
        let count = 0;
        while (t < dur - 1) {
          // a gesture: a run up or down through chord tones, then a rest of 0.5–6 s
          const ch = chordAt(t);
          const tones: number[] = [];
          for (let m = lo; m <= hi; m++) if (ch.pcs.includes(m % 12)) tones.push(m);
          if (tones.length < 2) for (const m of pool(lo, hi)) tones.push(m);
          const len = rng.int(3, 14);
          let idx = rng.int(0, tones.length - 1);
          let dir = rng.chance(0.5) ? 1 : -1;
          for (let k = 0; k < len && t < dur - 1; k++) {
            p.notes.push({ ch: v, pitch: tones[idx], on: t, off: t + rng.range(0.4, 3), vel: rng.int(30, 105) });
            count++;
            idx += dir * (rng.chance(0.8) ? 1 : 2);
            if (idx < 0 || idx >= tones.length) {
              dir = -dir;
              idx = Math.max(0, Math.min(tones.length - 1, idx + 2 * dir));
            }
            t += Math.min(2.5, Math.max(0.03, logNormal(rng, median, sigma)));
          }
          t += rng.logUniform(0.5, 6);
        }
        desc.push(`GM ${prog} (${count} notes, inter-onset log-normal median ${(median * 1000).toFixed(0)} ms sigma ${sigma.toFixed(2)})`);
      }
      if (rng.chance(0.5)) {
        const padProg = rng.pick(PADS);
        padLayer(rng, p, 3, 4, padProg, chords, segs, rng.int(48, 60), rng.range(0.3, 0.6));
        desc.push(`pad GM ${padProg} on the same random-length chords`);
      }
      p.facts.push(`arp-cloud: free-time arpeggio gestures through chord tones (chords held 5-18 s at random times), gestures of 3-14 notes with rests of 0.5-6 s: ${desc.join("; ")}`);
      break;
    }
    case "drone": {
      const prog = rng.pick(DRONE_INSTR);
      drone(0, prog, rng.int(40, 52), 0.9, tonal);
      // automation: volume (CC7), brightness (CC74 and the SoundFont filter-cutoff NRPN)
      const vol = slowCurve(rng, dur, rng.range(8, 25));
      ccCurve(rng, p.ccs, 0, 7, 0, dur, (t) => 60 + 60 * vol(t));
      const bright = slowCurve(rng, dur, rng.range(6, 20));
      ccCurve(rng, p.ccs, 0, 74, 0, dur, (t) => 20 + 100 * bright(t));
      nrpnFilter(rng, p.ccs, 0, dur, bright);
      const upper = rng.chance(0.6);
      if (upper) {
        const prog2 = rng.pick([...PADS, ...STRINGS_CHOIR]);
        const segs = segments(rng, dur, 8, 25);
        const chords = tonal ? chordWalk(rng, key, segs.length) : segs.map(() => atonalChord(0, 3));
        padLayer(rng, p, 1, 2, prog2, chords, segs, rng.int(60, 72), rng.range(0.3, 0.6));
      }
      // occasional accents at Poisson times (mean gap 6–20 s): gong/timpani/bells/low piano
      const accProg = rng.pick([47, 14, 0, 119, 11, 112]);
      p.programs.set(5, accProg);
      const gap = rng.range(6, 20);
      const acc = poissonTimes(rng, 2, dur - 3, () => 1 / gap, 1 / gap);
      for (const t of acc) p.notes.push({ ch: 5, pitch: nearestPc(key.tonic, rng.pick([36, 48, 60, 72])) + rng.pick([0, 0, 7, 12]), on: t, off: t + rng.range(1, 5), vel: rng.int(50, 115) });
      p.facts.push(`drone: GM ${prog} on the tonic and fifth${tonal ? " and third" : " (no third)"}, retriggered at random times, slow CC7/CC11/CC74 and filter-cutoff (NRPN) automation${upper ? ", an upper pad layer on random-length chords" : ""}; ${acc.length} accents (GM ${accProg}) at Poisson times, mean gap ${gap.toFixed(1)} s`);
      break;
    }
    case "noise": {
      const fx = rng.pick(NOISE_FX);
      const fx2 = rng.chance(0.5) ? rng.pick(NOISE_FX.filter((x) => x !== fx)) : null;
      const layers = [fx, ...(fx2 ? [fx2] : [])];
      layers.forEach(([prog], li) => {
        const ch = 6 + li;
        p.programs.set(ch, prog);
        // noise notes at random pitches (different sample-loop speeds), retriggered at random times
        for (const [s, e] of segments(rng, dur, 4, 20)) {
          for (let k = rng.int(1, 3); k > 0; k--) {
            const on = s + rng.range(0, 2);
            p.notes.push({ ch, pitch: rng.int(45, 80), on, off: Math.min(dur + 2, e + rng.range(0.5, 3)), vel: rng.int(50, 110) });
          }
        }
        const f = slowCurve(rng, dur, rng.range(4, 12));
        ccCurve(rng, p.ccs, ch, 11, 0, dur, (t) => 127 * (0.3 + 0.7 * f(t)));
      });
      const prog = rng.pick(DRONE_INSTR);
      drone(0, prog, rng.int(40, 55), rng.range(0.5, 0.9), tonal);
      p.facts.push(`noise: GM effects ${layers.map(([n, name]) => `${n} (${name})`).join(" + ")} at random pitches, retriggered at random times, slow CC11 waves, over a drone (GM ${prog}, tonic and fifth${tonal ? " and third" : ", no third"})`);
      break;
    }
  }
  setupFx(p, rng);
  if (!tonal) p.facts.push("no tonal centre (whole-tone, random pitch sets or a bare fifth): key null");
  return p;
}

/**
 * Filter cut-off automation through the SoundFont NRPN (MSB 120, generator 8 = initialFilterFc,
 * FluidSynth scales the data by 2 cents): an offset of -4000…0 cents following `f` in [0, 1].
 */
function nrpnFilter(rng: Rng, ccs: TimedCc[], ch: number, dur: number, f: (t: number) => number): void {
  ccs.push({ ch, t: 0, cc: 99, value: 120 }, { ch, t: 0, cc: 98, value: 8 });
  let t = 0.01;
  let last = -1;
  while (t <= dur) {
    const cents = -4000 * (1 - f(t));
    const data = Math.max(0, Math.min(16383, Math.round(8192 + cents / 2)));
    if (data !== last) ccs.push({ ch, t, cc: 6, value: data >> 7 }, { ch, t, cc: 38, value: data & 127 });
    last = data;
    t += rng.range(0.08, 0.16);
  }
}

/**
 * How periodic a set of event times is: the largest phase coherence |mean exp(2πi t/P)| over
 * periods P in [pMinS, pMaxS] (1 ms steps), the circular statistic of a Rayleigh test (Fisher 1993,
 * "Statistical Analysis of Circular Data"). Events on a grid of period P (or a divisor of it)
 * give a value near 1; Poisson times give about 1/sqrt(n) at any one period.
 */
export function maxPhaseCoherence(times: readonly number[], pMinS = 0.3, pMaxS = 2): { coherence: number; periodS: number } {
  let best = { coherence: 0, periodS: pMinS };
  if (times.length === 0) return best;
  for (let P = pMinS; P <= pMaxS + 1e-9; P += 0.001) {
    let c = 0;
    let s = 0;
    for (const t of times) {
      const a = (2 * Math.PI * t) / P;
      c += Math.cos(a);
      s += Math.sin(a);
    }
    const r = Math.hypot(c, s) / times.length;
    if (r > best.coherence) best = { coherence: r, periodS: P };
  }
  return best;
}

/** Onset times of a piece: note-ons sorted, those within 30 ms of the previous merged (a chord). */
export function onsetTimes(p: BeatlessPiece): number[] {
  const ts = p.notes.map((n) => n.on).sort((a, b) => a - b);
  const out: number[] = [];
  for (const t of ts) if (out.length === 0 || t - out[out.length - 1] > 0.03) out.push(t);
  return out;
}

// ---------------------------------------------------------------- MIDI

function vlq(n: number): number[] {
  const bytes = [n & 0x7f];
  n >>>= 7;
  while (n > 0) {
    bytes.unshift((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  return bytes;
}

/** A format-0 SMF at 120 BPM, 1000 ticks per quarter (0.5 ms per tick), as gen-corpus writes. */
export function pieceMidi(p: BeatlessPiece): Buffer {
  const ev: { tick: number; order: number; data: number[] }[] = [];
  const tick = (t: number) => Math.max(0, Math.round(t * 2000));
  for (const [ch, prog] of p.programs) {
    ev.push({ tick: 0, order: 0, data: [0xc0 | ch, prog & 127] });
    ev.push({ tick: 0, order: 0, data: [0xb0 | ch, 7, 100] });
  }
  for (const c of p.ccs) ev.push({ tick: tick(c.t), order: 0, data: [0xb0 | c.ch, c.cc, c.value] });
  // per (channel, pitch): no note-off may cut a later note-on
  const spans = [...p.notes].sort((a, b) => a.ch - b.ch || a.pitch - b.pitch || a.on - b.on);
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i];
    if (s.pitch < 0 || s.pitch > 127) continue;
    const nx = spans[i + 1];
    let off = Math.max(s.off, s.on + 0.03);
    if (nx && nx.ch === s.ch && nx.pitch === s.pitch && off > nx.on - 0.002) off = Math.max(s.on + 0.005, nx.on - 0.002);
    ev.push({ tick: tick(s.on), order: 2, data: [0x90 | s.ch, s.pitch, Math.max(1, Math.min(127, s.vel))] });
    ev.push({ tick: tick(off), order: 1, data: [0x80 | s.ch, s.pitch, 0] });
  }
  ev.sort((a, b) => a.tick - b.tick || a.order - b.order);
  const body: number[] = [];
  let last = 0;
  body.push(...vlq(0), 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20);
  for (const e of ev) {
    body.push(...vlq(e.tick - last), ...e.data);
    last = e.tick;
  }
  body.push(...vlq(Math.max(0, tick(p.durationS + 4) - last)), 0xff, 0x2f, 0x00);
  const header = Buffer.from([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x03, 0xe8]);
  const len = body.length;
  const trk = Buffer.from([0x4d, 0x54, 0x72, 0x6b, (len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255]);
  return Buffer.concat([header, trk, Buffer.from(body)]);
}

// ---------------------------------------------------------------- truth and rendering

const FORMAT_NOTE: Record<Format, string> = {
  mp3: "MP3 CBR 192k (LAME; gapless header, ffmpeg trims encoder delay)",
  flac: "FLAC 16-bit 44.1 kHz",
  ogg: "Ogg Vorbis q5",
};

/** The truth object of a rendered piece (pure; the corpus-dev fields, no pulse). */
export function beatlessTruth(plan: BeatlessPlan, p: BeatlessPiece, durationS: number, peakDb: number, lufs: number | null): Record<string, unknown> {
  const notes = [
    `synthetic beatless ${p.style} (trackprobe scripts/gen-beatless.ts, seed-derived)`,
    ...p.facts,
    "NO PULSE by construction: every onset time is drawn from a non-periodic process (Poisson, log-normal, log-uniform segment lengths) in seconds, no grid; tempo_bpm, beats, downbeats and meter are null",
    p.key ? `tonal centre ${p.key.name} (chords, drone and notes in that key; the tonic chord first, last and on about every other change; sparse notes weighted to the tonic triad)` : "",
    `GM programs ${[...new Set(p.programs.values())].join(", ")}; reverb send 60-127`,
    FORMAT_NOTE[plan.format],
    `rendered peak ${peakDb} dBFS (1.5 s fade-in and 3 s fade-out)`,
  ].filter((s) => s !== "");
  return {
    id: plan.id,
    file: `audio/${plan.id}.${plan.format}`,
    split: "dev",
    source: "gen",
    style: p.style,
    duration_s: Math.round(durationS * 1000) / 1000,
    tempo_bpm: null,
    tempo_variable: false,
    beats: null,
    downbeats: null,
    meter: null,
    key: p.key ? p.key.name : null,
    expect_error: false,
    notes: notes.join("; ") + ".",
    format: plan.format,
    has_drums: false,
    loudness_lufs: lufs,
  };
}

async function renderBeatless(plan: BeatlessPlan, outDir: string): Promise<"ok" | "skip"> {
  const audioRel = `audio/${plan.id}.${plan.format}`;
  const audioPath = join(outDir, audioRel);
  const truthPath = join(outDir, "truth", `${plan.id}.json`);
  if (existsSync(audioPath) && existsSync(truthPath)) return "skip";
  const piece = composeBeatless(plan);
  const work = await mkdtemp(join(tmpdir(), `gen-beatless-${plan.id}-`));
  try {
    const mid = join(work, "piece.mid");
    const wav = join(work, "piece.wav");
    await writeFile(mid, pieceMidi(piece));
    const d = plan.durationS;
    const { peakTarget, lufs, durationS: dur } = await renderToAudio(mid, wav, audioPath, plan.format, {
      peaks: [-1, -1, -2, -3, -6, -10],
      rng: new Rng(mixSeed(plan.seed, 2)),
      seconds: d,
      measureSeconds: d,
      fade: `afade=t=in:st=0:d=1.5,afade=t=out:st=${(d - 3).toFixed(3)}:d=3`,
    });
    await writeFileAtomic(truthPath, JSON.stringify(beatlessTruth(plan, piece, dur, peakTarget, lufs), null, 1) + "\n");
    return "ok";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "count-per-half": { type: "string", default: "30" },
      jobs: { type: "string", default: "2" },
      seed: { type: "string", default: "1" },
      only: { type: "string" },
      plan: { type: "boolean", default: false },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: node --import tsx scripts/gen-beatless.ts OUT_DIR [--count-per-half 30] [--jobs 2] [--seed 1] [--only 0,117] [--plan]\n");
    process.exit(2);
  }
  const outDir = resolve(positionals[0]);
  const perHalf = Math.max(1, Math.min(100, Number(values["count-per-half"])));
  const jobs = Math.max(1, Number(values.jobs));
  const plans = onlyThese(makeBeatlessPlan(perHalf, Number(values.seed)), values.only);
  if (values.plan) {
    for (const p of plans) {
      const s = composeBeatless(p);
      process.stdout.write(`${p.id} ${s.style.padEnd(10)} ${p.durationS.toFixed(1).padStart(6)} s ${(s.key?.name ?? "-").padEnd(9)} ${p.format} notes ${s.notes.length}\n`);
    }
    return;
  }
  await renderCorpus(outDir, plans, jobs, (p) => renderBeatless(p, outDir), (p, seconds) => `${p.id} ${p.style} ${p.durationS} s ${p.format} (${seconds.toFixed(1)} s)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
