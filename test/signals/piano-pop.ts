/**
 * Slow pop as a piano arrangement (the texture of POP909's songs): a left hand in even eighth
 * notes, all at one loudness (root, fifth, third, fifth, root an octave up, fifth, third, fifth),
 * held by the sustain pedal to the end of the bar; one chord per 4-beat bar (I–V–vi–IV); and a
 * right-hand tune of three half-bar-long notes a bar, partly off the beat. Its onsets pulse at
 * twice the notated tempo in every band; the harmony, held for a bar, says where the slow beat is.
 */
import { CHORDS, type Chord, midiHz, RATE } from "./chords.js";

export { RATE };

const TABLE_SIZE = 4096;
const SINE = Float32Array.from({ length: TABLE_SIZE + 1 }, (_, i) => Math.sin((2 * Math.PI * i) / TABLE_SIZE));

/** A decaying piano-like tone (harmonics 1/h, 8 ms attack), added into `out`. */
function tone(out: Float32Array, t: number, seconds: number, midi: number, amp: number): void {
  const at = Math.round(t * RATE);
  const len = Math.round(seconds * RATE);
  for (let h = 1; h <= 6; h++) {
    const f = midiHz(midi) * h;
    if (f > RATE / 2 - 500) break;
    const step = (f / RATE) * TABLE_SIZE;
    let phase = 0;
    for (let i = 0; i < len && at + i < out.length; i++) {
      const s = i / RATE;
      const env = Math.min(1, s / 0.008, (len - i) / (0.02 * RATE)) * Math.exp(-s * (0.6 + 0.4 * h));
      out[at + i] += (amp / h) * env * SINE[Math.floor(phase)];
      phase += step;
      if (phase >= TABLE_SIZE) phase -= TABLE_SIZE;
    }
  }
}

export function pianoPop(bpm: number, seconds: number, tonic = 7): { audio: Float32Array; beats: number[]; downbeats: number[] } {
  const out = new Float32Array(Math.round(seconds * RATE));
  const beat = 60 / bpm;
  const bars: Chord[] = [CHORDS.I, CHORDS.V, CHORDS.vi, CHORDS.IV];
  // the tune: per bar, eighth-note slots (0..7) that start a note, and which chord tone it is
  const tune: [number, number][][] = [
    [[0, 2], [3, 1], [4, 0]],
    [[0, 1], [2, 2], [5, 1]],
    [[0, 0], [3, 1], [4, 2]],
    [[0, 2], [2, 1], [4, 0]],
  ];
  const beats: number[] = [];
  const downbeats: number[] = [];
  const start = 0.5;
  const pc = (iv: number) => (((tonic + iv) % 12) + 12) % 12;
  for (let k = 0; start + (k + 1) * beat < seconds - 0.5; k++) {
    const t = start + k * beat;
    beats.push(t);
    if (k % 4 === 0) downbeats.push(t);
  }
  for (let e = 0; start + (e + 1) * (beat / 2) < seconds - 0.5; e++) {
    const t = start + e * (beat / 2);
    const bar = Math.floor(e / 8);
    const chord = bars[bar % bars.length];
    const slot = e % 8;
    // left hand: the root in octave 2 on beat 1, in octave 3 on beat 3; fifth (G3..E4) and third between
    const fifth = 55 + pc(chord[2]) - (pc(chord[2]) > 4 ? 12 : 0);
    const lh = [36 + pc(chord[0]), fifth, 48 + pc(chord[1]), fifth, 48 + pc(chord[0]), fifth, 48 + pc(chord[1]), fifth][slot];
    // the sustain pedal holds the left hand to the end of the bar (it is changed with the chord)
    const pedal = (8 - slot) * (beat / 2);
    tone(out, t, pedal, lh, 0.2);
    const note = tune[bar % tune.length].find(([s]) => s === slot);
    if (note) tone(out, t, 2 * beat, 72 + pc(chord[note[1]]) - (pc(chord[note[1]]) > 7 ? 12 : 0), 0.22);
  }
  return { audio: out, beats, downbeats };
}
