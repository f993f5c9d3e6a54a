/**
 * Test signals with a known order of danceability and energy (mono, 22.05 kHz float PCM):
 * a steady four-on-the-floor groove, the same groove with a randomly drifting tempo, rubato
 * solo-piano-like notes, white noise, a loud dense rock-like track and a quiet sparse ballad.
 */
export const RATE = 22050;

/** Deterministic uniform random numbers in [0, 1) (xorshift32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

function addKick(out: Float32Array, t: number, gain: number): void {
  const i0 = Math.round(t * RATE);
  const n = Math.min(Math.round(0.25 * RATE), out.length - i0);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const s = i / RATE;
    phase += (2 * Math.PI * (50 + 100 * Math.exp(-s / 0.03))) / RATE;
    out[i0 + i] += gain * Math.exp(-s / 0.08) * Math.sin(phase);
  }
}

function addNoiseBurst(out: Float32Array, t: number, gain: number, decay: number, rand: () => number, highpass: boolean): void {
  const i0 = Math.round(t * RATE);
  const n = Math.min(Math.round(decay * 6 * RATE), out.length - i0);
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const w = rand() * 2 - 1;
    const v = highpass ? w - prev : w;
    prev = w;
    out[i0 + i] += gain * Math.exp(-i / RATE / decay) * v;
  }
}

/** A decaying harmonic tone (piano-like when `partials` fall off; organ-like when sustained). */
function addTone(out: Float32Array, t: number, hz: number, seconds: number, gain: number, decay: number, partials = 6): void {
  const i0 = Math.round(t * RATE);
  const n = Math.min(Math.round(seconds * RATE), out.length - i0);
  for (let h = 1; h <= partials; h++) {
    const f = hz * h;
    if (f >= RATE / 2) break;
    const w = (2 * Math.PI * f) / RATE;
    const g = gain / h;
    for (let i = 0; i < n; i++) out[i0 + i] += g * Math.exp(-i / RATE / (decay / h ** 0.5)) * Math.sin(w * i);
  }
}

function addDistortedChord(out: Float32Array, t: number, rootHz: number, seconds: number, gain: number): void {
  const i0 = Math.round(t * RATE);
  const n = Math.min(Math.round(seconds * RATE), out.length - i0);
  const freqs = [rootHz, rootHz * 1.5, rootHz * 2];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const f of freqs) s += (((i * f) / RATE) % 1) * 2 - 1; // sawtooth
    out[i0 + i] += gain * Math.tanh(4 * s); // overdrive
  }
}

/**
 * Kick on every beat, snare on 2 and 4, closed hats on eighths, a bass note per beat. `drift`:
 * the tempo follows a random walk of this many BPM per beat (0 = a steady grid).
 */
export function groove(seconds: number, bpm: number, drift = 0, seed = 7): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  let t = 0.1;
  let tempo = bpm;
  for (let beat = 0; t < seconds - 0.3; beat++) {
    const period = 60 / tempo;
    addKick(out, t, 0.6);
    if (beat % 2 === 1) addNoiseBurst(out, t, 0.3, 0.05, rand, false);
    addNoiseBurst(out, t, 0.08, 0.015, rand, true);
    addNoiseBurst(out, t + period / 2, 0.08, 0.015, rand, true);
    addTone(out, t + period / 2, 55 * (beat % 8 < 4 ? 1 : 1.335), period / 2, 0.15, 0.2, 3);
    t += period;
    if (drift > 0) tempo = Math.min(bpm * 1.35, Math.max(bpm / 1.35, tempo + (rand() * 2 - 1) * drift));
  }
  return out;
}

/** Rubato solo piano: notes and chords at irregular times (0.25–1.4 s apart), varied loudness. */
export function rubatoPiano(seconds: number, seed = 11): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  const scale = [0, 2, 4, 5, 7, 9, 11];
  let t = 0.2;
  while (t < seconds - 1) {
    const notes = rand() < 0.3 ? 3 : 1;
    const gain = 0.05 + 0.15 * rand();
    for (let k = 0; k < notes; k++) {
      const midi = 55 + scale[Math.floor(rand() * 7)] + 12 * Math.floor(rand() * 2);
      addTone(out, t + 0.01 * k, 440 * 2 ** ((midi - 69) / 12), 1.5, gain, 0.6, 6);
    }
    t += 0.25 + 1.15 * rand() ** 1.5;
  }
  return out;
}

export function whiteNoise(seconds: number, gain = 0.2, seed = 5): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  for (let i = 0; i < out.length; i++) out[i] = gain * (rand() * 2 - 1);
  return out;
}

/** Loud, dense, bright: overdriven power chords on every eighth, kick, snare, open hats, 140 BPM. */
export function rockTrack(seconds: number, seed = 13): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  const period = 60 / 140;
  const roots = [82.4, 82.4, 110, 98];
  for (let beat = 0, t = 0.05; t < seconds - 0.3; beat++, t += period) {
    const root = roots[Math.floor(beat / 4) % 4];
    addDistortedChord(out, t, root, period / 2, 0.12);
    addDistortedChord(out, t + period / 2, root, period / 2, 0.12);
    addKick(out, t, 0.5);
    if (beat % 2 === 1) addNoiseBurst(out, t, 0.45, 0.08, rand, false);
    addNoiseBurst(out, t, 0.15, 0.06, rand, true);
    addNoiseBurst(out, t + period / 2, 0.15, 0.06, rand, true);
  }
  let peak = 0;
  for (const v of out) peak = Math.max(peak, Math.abs(v));
  for (let i = 0; i < out.length; i++) out[i] *= 0.95 / peak;
  return out;
}

/** Quiet and sparse: a soft, slow, pure-toned melody with chords every 2 s, about −35 dBFS RMS. */
export function balladTrack(seconds: number, seed = 17): Float32Array {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  const scale = [0, 2, 4, 7, 9];
  for (let t = 0.2; t < seconds - 2; t += 2) {
    for (const iv of [0, 4, 7]) addTone(out, t, 220 * 2 ** (iv / 12), 2, 0.006, 1.2, 2);
    const midi = 69 + scale[Math.floor(rand() * 5)];
    addTone(out, t + 1, 440 * 2 ** ((midi - 69) / 12), 1, 0.008, 0.8, 2);
  }
  return out;
}

/**
 * A chorale with rubato: four-voice block chords (I–vi–IV–V in C), one per beat, legato (each
 * sounds until the next) with a soft 40 ms attack, the tempo a random walk of ±`drift` BPM per beat
 * around `bpm` (kept within ±30 %), onsets jittered by up to ±15 ms. Returns the beat times (the
 * chord onsets before jitter).
 */
export function rubatoChorale(seconds: number, bpm = 64, drift = 3, seed = 23): { audio: Float32Array; beats: number[] } {
  const out = new Float32Array(Math.round(seconds * RATE));
  const rand = rng(seed);
  const chords = [
    [48, 55, 64, 72],
    [45, 57, 64, 72],
    [41, 57, 65, 72],
    [43, 55, 62, 71],
  ];
  const beats: number[] = [];
  let t = 0.3;
  let tempo = bpm;
  for (let beat = 0; t < seconds - 1; beat++) {
    beats.push(t);
    const period = 60 / tempo;
    const at = t + (rand() * 2 - 1) * 0.015;
    for (const midi of chords[Math.floor(beat / 2) % 4]) {
      const hz = 440 * 2 ** ((midi - 69) / 12);
      const i0 = Math.round(at * RATE);
      const n = Math.min(Math.round((period + 0.05) * RATE), out.length - i0);
      for (let h = 1; h <= 4; h++) {
        const w = (2 * Math.PI * hz * h) / RATE;
        for (let i = 0; i < n; i++) {
          const attack = Math.min(1, i / (0.04 * RATE));
          const release = Math.min(1, (n - i) / (0.05 * RATE));
          out[i0 + i] += (0.05 / h) * attack * release * Math.sin(w * i);
        }
      }
    }
    t += period;
    tempo = Math.min(bpm * 1.3, Math.max(bpm / 1.3, tempo + (rand() * 2 - 1) * drift));
  }
  return { audio: out, beats };
}
