/**
 * Synthetic harmony with known key: chord progressions in any key, two timbres, an optional drum
 * loop and detuning — test signals for the key analyser (mono, 22.05 kHz float PCM).
 */
import { encodeWavFloat32 } from "../../src/audio/wav-writer.js";

export const RATE = 22050;

export type Timbre = "rich" | "sine";

/** A chord as scale-degree semitone offsets from the key's tonic: root first. */
export type Chord = number[];

/** Diatonic triads in semitones above the tonic. */
export const CHORDS = {
  I: [0, 4, 7],
  ii: [2, 5, 9],
  IV: [5, 9, 12],
  V: [7, 11, 14],
  vi: [9, 12, 16],
  i: [0, 3, 7],
  iv: [5, 8, 12],
  v: [7, 10, 14],
  VI: [8, 12, 15],
  III: [3, 7, 10],
  VII: [10, 14, 17],
  iii: [4, 7, 11],
} satisfies Record<string, Chord>;

export const MAJOR_CADENCE: Chord[] = [CHORDS.I, CHORDS.IV, CHORDS.V, CHORDS.I];
export const MINOR_CADENCE: Chord[] = [CHORDS.i, CHORDS.iv, CHORDS.V, CHORDS.i];

export interface ProgressionOptions {
  /** Tonic pitch class, C = 0. */
  tonic: number;
  chords: Chord[];
  /** Seconds per chord. */
  chordSeconds?: number;
  /** Times the progression is played. */
  repeats?: number;
  timbre?: Timbre;
  /** Every frequency is scaled by 2^(cents/1200). */
  detuneCents?: number;
  /**
   * Adds a melody an octave above the chords that rests where a tune in the key does: on the
   * key's tonic when the chord holds it, else on the key's fifth when it holds that, else on the
   * chord's root. It is what tells i–VI–III–VII in A minor from vi–IV–I–V in C major (the same
   * chords) by ear.
   */
  melody?: boolean;
}

/** Renders a progression: bass root (octave 2) and a close-position triad around middle C. */
export function progression(o: ProgressionOptions): Float32Array {
  const chordSeconds = o.chordSeconds ?? 1;
  const repeats = o.repeats ?? 3;
  const chordLen = Math.round(chordSeconds * RATE);
  const out = new Float32Array(chordLen * o.chords.length * repeats);
  const tune = 2 ** ((o.detuneCents ?? 0) / 1200);
  let at = 0;
  for (let r = 0; r < repeats; r++) {
    for (const chord of o.chords) {
      const root = o.tonic + chord[0];
      const bass = 36 + (((root % 12) + 12) % 12); // C2..B2
      addNote(out, at, chordLen, midiHz(bass) * tune, 0.25, o.timbre ?? "rich");
      for (const iv of chord) {
        const pc = (((o.tonic + iv) % 12) + 12) % 12;
        const midi = 60 + pc - (pc > 7 ? 12 : 0); // F3..G4
        addNote(out, at, chordLen, midiHz(midi) * tune, 0.15, o.timbre ?? "rich");
      }
      if (o.melody) {
        const degrees = chord.map((iv) => ((iv % 12) + 12) % 12);
        const degree = degrees.includes(0) ? 0 : degrees.includes(7) ? 7 : degrees[0];
        const pc = (o.tonic + degree) % 12;
        addNote(out, at, chordLen, midiHz(72 + pc - (pc > 7 ? 12 : 0)) * tune, 0.3, o.timbre ?? "rich"); // F4..G5, the loudest voice
      }
      at += chordLen;
    }
  }
  return out;
}

export const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);

const TABLE_SIZE = 4096;
const SINE = Float32Array.from({ length: TABLE_SIZE + 1 }, (_, i) => Math.sin((2 * Math.PI * i) / TABLE_SIZE));

function addNote(out: Float32Array, at: number, len: number, hz: number, amp: number, timbre: Timbre): void {
  const partials = timbre === "rich" ? 8 : 2;
  for (let h = 1; h <= partials; h++) {
    const f = hz * h;
    if (f > RATE / 2 - 500) break;
    const a = timbre === "rich" ? amp / h : h === 1 ? amp : amp * 0.08;
    const step = (f / RATE) * TABLE_SIZE;
    let phase = 0;
    for (let i = 0; i < len && at + i < out.length; i++) {
      const t = i / RATE;
      // 10 ms attack, gentle decay, 20 ms release
      const env = Math.min(1, t / 0.01, (len - i) / (0.02 * RATE)) * Math.exp(-t * (0.8 + 0.3 * h));
      out[at + i] += a * env * SINE[Math.floor(phase)];
      phase += step;
      if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
    }
  }
}

/** A deterministic rock drum loop (kick, snare, closed hats; `bpm`), `seconds` long. */
export function drumLoop(seconds: number, bpm = 120, gain = 1, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let s = seed >>> 0;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const eighth = (60 / bpm / 2) * RATE;
  for (let n = 0; n * eighth < out.length; n++) {
    const at = Math.round(n * eighth);
    // hats: high noise, 40 ms
    let prev = 0;
    for (let i = 0; i < 0.04 * RATE && at + i < out.length; i++) {
      const w = rand();
      out[at + i] += gain * 0.12 * (w - prev) * Math.exp(-i / (0.01 * RATE));
      prev = w;
    }
    const beat = n % 8;
    if (beat === 0 || beat === 4 || beat === 5) {
      // kick: 150 → 50 Hz sweep, 200 ms
      let ph = 0;
      for (let i = 0; i < 0.2 * RATE && at + i < out.length; i++) {
        const t = i / RATE;
        ph += (2 * Math.PI * (50 + 100 * Math.exp(-t / 0.03))) / RATE;
        out[at + i] += gain * 0.6 * Math.sin(ph) * Math.exp(-t / 0.06);
      }
    }
    if (beat === 2 || beat === 6) {
      // snare: noise burst with a 190 Hz body, 150 ms
      for (let i = 0; i < 0.15 * RATE && at + i < out.length; i++) {
        const t = i / RATE;
        out[at + i] += gain * (0.35 * rand() * Math.exp(-t / 0.04) + 0.2 * Math.sin(2 * Math.PI * 190 * t) * Math.exp(-t / 0.03));
      }
    }
  }
  return out;
}

/** Deterministic white noise. */
export function whiteNoise(seconds: number, amp = 0.3, seed = 7): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = amp * (s / 2 ** 31 - 1);
  }
  return out;
}

/** a + b, as long as the longer one. */
export function mix(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(Math.max(...parts.map((p) => p.length)));
  for (const p of parts) for (let i = 0; i < p.length; i++) out[i] += p[i];
  return out;
}

export { concat } from "./wav.js";

/** Mono float WAV bytes, ready for analyze(). */
export function wav(samples: Float32Array): Buffer {
  return Buffer.from(encodeWavFloat32([samples], RATE));
}

/**
 * A slow piano-ballad texture: on every beat the bass root and the chord (I–vi–IV–V, one chord
 * per 4-beat bar), on each eighth-note off-beat one softer chord tone of the arpeggio — the
 * texture of slow pop that a periodicity-only tempo reads at twice the notated tempo.
 */
const OFFBEAT_AMP = 0.2;
export function pianoBallad(bpm: number, seconds: number, tonic = 0): { audio: Float32Array; beats: number[]; downbeats: number[] } {
  const out = new Float32Array(Math.round(seconds * RATE));
  const beat = 60 / bpm;
  const bars: Chord[] = [CHORDS.I, CHORDS.vi, CHORDS.IV, CHORDS.V];
  const beats: number[] = [];
  const downbeats: number[] = [];
  const note = (t: number, midi: number, amp: number, len: number) => addNote(out, Math.round(t * RATE), Math.round(len * RATE), midiHz(midi), amp, "rich");
  for (let k = 0; (k + 1) * beat < seconds - 0.5; k++) {
    const t = 0.5 + k * beat;
    const chord = bars[Math.floor(k / 4) % bars.length];
    beats.push(t);
    if (k % 4 === 0) downbeats.push(t);
    note(t, 36 + ((tonic + chord[0]) % 12), 0.3, beat * 2);
    for (const iv of chord) note(t, 60 + ((tonic + iv) % 12), 0.1, beat);
    note(t + beat / 2, 60 + ((tonic + chord[k % 3]) % 12), OFFBEAT_AMP, beat / 2);
  }
  return { audio: out, beats, downbeats };
}
