/**
 * Rendered drum patterns with known beats and downbeats (rhythm tests): kick, snare, hi-hat and a
 * bass note that changes every bar (so bars can be heard, as in real music), at a fixed tempo, a
 * tempo ramp, with swing, in 3/4 or 4/4, optionally after a beatless intro.
 */
export const RATE = 22050;

export interface PatternOptions {
  bpm: number;
  /** Tempo at the end (linear ramp in BPM over the pattern); default: steady. */
  endBpm?: number;
  seconds: number;
  beatsPerBar?: 3 | 4;
  /** Hi-hat subdivisions per beat (1: quarters, 2: eighths). */
  hats?: 1 | 2;
  /** Swing: the off-beat eighth delayed to this fraction of the beat (0.5 straight, 0.667 triplet). */
  swing?: number;
  /** Seconds of beatless pad before the drums start. */
  introSeconds?: number;
  /** Index of one bar that has only 2 beats (a 2/4 bar: the bar phase shifts after it). */
  shortBar?: number;
  seed?: number;
}

export interface Pattern {
  audio: Float32Array;
  beats: number[];
  downbeats: number[];
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 4294967296) * 2 - 1;
  };
}

function addKick(out: Float32Array, t: number, gain: number) {
  const i0 = Math.round(t * RATE);
  let phase = 0;
  for (let i = 0; i < 0.25 * RATE && i0 + i < out.length; i++) {
    const tt = i / RATE;
    phase += (2 * Math.PI * (45 + 90 * Math.exp(-tt * 30))) / RATE;
    out[i0 + i] += gain * Math.sin(phase) * Math.exp(-tt * 12);
  }
}

function addNoise(out: Float32Array, t: number, gain: number, decay: number, bright: boolean, rand: () => number) {
  const i0 = Math.round(t * RATE);
  let prev = 0;
  for (let i = 0; i < 0.3 * RATE && i0 + i < out.length; i++) {
    const w = rand();
    const x = bright ? w - prev : w; // first difference: a crude high-pass for hats
    prev = w;
    out[i0 + i] += gain * x * Math.exp((-i / RATE) * decay);
  }
}

function addTone(out: Float32Array, t0: number, t1: number, hz: number, gain: number) {
  const i0 = Math.round(t0 * RATE);
  const i1 = Math.min(out.length, Math.round(t1 * RATE));
  for (let i = i0; i < i1; i++) {
    const tt = (i - i0) / RATE;
    const env = Math.min(1, tt / 0.01) * Math.exp(-tt * 1.5);
    out[i] += gain * env * (Math.sin(2 * Math.PI * hz * tt) + 0.5 * Math.sin(4 * Math.PI * hz * tt));
  }
}

/** Beat times of a tempo that moves linearly (in BPM) from `bpm` to `endBpm` over `seconds`. */
export function beatTimes(bpm: number, endBpm: number, start: number, seconds: number): number[] {
  const out: number[] = [];
  let t = start;
  while (t < start + seconds) {
    out.push(t);
    const b = bpm + ((endBpm - bpm) * (t - start)) / seconds;
    t += 60 / b;
  }
  return out;
}

/** A drum pattern with a bass line; truth beats and downbeats are the rendered grid. */
export function drumPattern(o: PatternOptions): Pattern {
  const { bpm, seconds, beatsPerBar = 4, hats = 2, swing = 0.5, introSeconds = 0, seed = 7 } = o;
  const endBpm = o.endBpm ?? bpm;
  const total = introSeconds + seconds;
  const audio = new Float32Array(Math.ceil((total + 0.5) * RATE));
  const rand = rng(seed);
  if (introSeconds > 0) {
    // a slow swelling pad: sustained chord, no onsets to speak of
    const chord = [220, 277.18, 329.63];
    const n = Math.round(introSeconds * RATE);
    for (let i = 0; i < n; i++) {
      const t = i / RATE;
      const env = Math.min(1, t / 3) * Math.min(1, (introSeconds - t) / 0.5 + 0.2);
      let s = 0;
      for (const f of chord) s += Math.sin(2 * Math.PI * f * t);
      audio[i] += 0.05 * env * s;
    }
  }
  const beats = beatTimes(bpm, endBpm, introSeconds, seconds);
  const downbeats: number[] = [];
  const bassLine = [55, 73.42, 65.41, 49]; // A1 D2 C2 G1: one note per bar
  let pos = 0;
  let bar = 0;
  for (let i = 0; i < beats.length; i++) {
    const t = beats[i];
    const next = beats[i + 1] ?? t + 60 / endBpm;
    const barLength = bar === o.shortBar ? 2 : beatsPerBar;
    const vel = 0.9 + 0.1 * rand();
    if (pos === 0) {
      downbeats.push(t);
      addKick(audio, t, 0.8 * vel);
      const barEnd = beats[i + barLength] ?? t + (barLength * 60) / endBpm;
      addTone(audio, t, barEnd, bassLine[bar % bassLine.length], 0.25);
    } else if (beatsPerBar === 4 && pos === 2) {
      addKick(audio, t, 0.7 * vel);
    } else {
      addNoise(audio, t, 0.35 * vel, 25, false, rand); // snare on 2 and 4 (and on 2, 3 in 3/4)
    }
    addNoise(audio, t, 0.12, 60, true, rand);
    if (hats === 2) addNoise(audio, t + swing * (next - t), 0.08, 60, true, rand);
    if (++pos === barLength) {
      pos = 0;
      bar++;
    }
  }
  return { audio, beats, downbeats };
}

/** White noise at a moderate level. */
export function whiteNoise(seconds: number, seed = 3): Float32Array {
  const rand = rng(seed);
  return Float32Array.from({ length: Math.round(seconds * RATE) }, () => 0.3 * rand());
}
