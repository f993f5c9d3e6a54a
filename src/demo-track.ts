/**
 * A synthesised example track with known truth, so `trackprobe analyze` with no argument (and the
 * benchmarks) have music to work on without shipping audio: drums (kick on every beat, snare on
 * 2 and 4, closed hats on eighths), a bass line and a chord pad over i–iv–V–i in A minor.
 */
export interface DemoTruth {
  bpm: number;
  key: string;
  beatsPerBar: number;
}

export const DEMO_TRUTH: DemoTruth = { bpm: 120, key: "A minor", beatsPerBar: 4 };

const midiHz = (m: number) => 440 * 2 ** ((m - 69) / 12);
// A minor, i–iv–V–i: Am, Dm, E (with its leading tone G#), Am — MIDI notes, root first
const CHORDS = [
  [57, 60, 64],
  [50, 53, 57],
  [52, 56, 59],
  [57, 60, 64],
];

export function renderDemoTrack(seconds: number, sampleRate = 44100, bpm = DEMO_TRUTH.bpm): Float32Array[] {
  const n = Math.round(seconds * sampleRate);
  const left = new Float32Array(n);
  const right = new Float32Array(n);
  const beat = 60 / bpm;
  let seed = 12345;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 31 - 1;
  };
  const add = (start: number, dur: number, gainL: number, gainR: number, sample: (t: number) => number) => {
    const i0 = Math.round(start * sampleRate);
    const i1 = Math.min(n, i0 + Math.round(dur * sampleRate));
    for (let i = i0; i < i1; i++) {
      const s = sample((i - i0) / sampleRate);
      left[i] += gainL * s;
      right[i] += gainR * s;
    }
  };
  const beats = Math.floor(seconds / beat);
  for (let b = 0; b < beats; b++) {
    const t = b * beat;
    const bar = Math.floor(b / 4);
    const chord = CHORDS[bar % 4];
    add(t, 0.3, 0.5, 0.5, (u) => Math.sin(2 * Math.PI * (50 + 100 * Math.exp(-u * 30)) * u) * Math.exp(-u * 12)); // kick
    if (b % 2 === 1) add(t, 0.2, 0.25, 0.25, (u) => (noise() * 0.7 + Math.sin(2 * Math.PI * 190 * u) * 0.3) * Math.exp(-u * 20)); // snare
    for (const off of [0, beat / 2]) add(t + off, 0.05, 0.06, 0.1, (u) => noise() * Math.exp(-u * 80)); // hats
    const bassHz = midiHz(chord[0] - 12);
    add(t, beat * 0.9, 0.25, 0.25, (u) => Math.sin(2 * Math.PI * bassHz * u) * Math.min(1, u * 200) * Math.exp(-u * 2));
    if (b % 4 === 0) {
      for (const m of chord) {
        const hz = midiHz(m);
        add(t, beat * 4, 0.06, 0.06, (u) => {
          const env = Math.min(1, u * 20) * Math.exp(-u * 0.4);
          return env * (Math.sin(2 * Math.PI * hz * u) + 0.5 * Math.sin(4 * Math.PI * hz * u) + 0.25 * Math.sin(6 * Math.PI * hz * u));
        });
      }
    }
  }
  return [left, right];
}
