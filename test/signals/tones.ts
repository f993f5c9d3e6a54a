/** Tone sequences and music-like material with known structure, for the loudness tests. */
import { concat, sine } from "./wav.js";

/** Concatenated sine segments, each [peak level dBFS, seconds], phase continuous within a segment. */
export function sineSequence(rate: number, segments: [number, number][], hz = 1000): Float32Array {
  return concat(...segments.map(([db, s]) => sine(hz, s, rate, 10 ** (db / 20))));
}

/** A small deterministic generator (LCG) of uniform values in [−1, 1). */
function uniform(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

/**
 * Pink-ish noise (Paul Kellet's economy filter on white noise, −3 dB/octave within ~0.5 dB)
 * cut into bursts of 0.3–2.3 s whose levels jump between −45 and −5 dB, with short gaps.
 */
export function noiseBursts(rate: number, seconds: number, seed: number): Float32Array {
  const next = uniform(seed);
  const out = new Float32Array(Math.round(rate * seconds));
  let b0 = 0, b1 = 0, b2 = 0;
  let end = 0;
  let gain = 0;
  for (let i = 0; i < out.length; i++) {
    if (i >= end) {
      end = i + Math.round(rate * (0.3 + 2 * (0.5 + 0.5 * next())));
      gain = next() < -0.8 ? 0 : 10 ** ((-25 + 20 * next()) / 20);
    }
    const w = next();
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = gain * 0.25 * (b0 + b1 + b2 + w * 0.1848);
  }
  return out;
}

/**
 * Music-like mixture: a decaying kick, noise hats, a chord of 3 harmonic-rich tones changing
 * every bar, and a slow swell of the whole mix (so loudness range is non-trivial).
 */
export function musicLike(rate: number, seconds: number, seed: number, level = 0.25): Float32Array {
  const next = uniform(seed);
  const out = new Float32Array(Math.round(rate * seconds));
  const notes = [110, 146.83, 164.81, 220, 261.63, 329.63, 392, 523.25];
  let lp = 0;
  for (let i = 0; i < out.length; i++) {
    const t = i / rate;
    const white = next();
    lp = 0.97 * lp + 0.03 * white;
    const beat = (t * 2) % 1; // 120 BPM
    const kick = Math.exp(-beat * 12) * Math.sin(2 * Math.PI * 80 * beat * (1 - beat / 2));
    const hat = Math.exp(-((t * 4) % 1) * 30) * white * 0.3;
    const bar = Math.floor(t / 2) % notes.length;
    let chord = 0;
    for (let k = 0; k < 3; k++) {
      const f = notes[(bar + 2 * k) % notes.length];
      const ph = 2 * Math.PI * f * t + seed + k;
      chord += (Math.sin(ph) + 0.3 * Math.sin(2 * ph) + 0.15 * Math.sin(5 * ph)) / (k + 1);
    }
    const swell = 0.35 + 0.65 * (0.5 + 0.5 * Math.sin((2 * Math.PI * t) / 17 + seed));
    out[i] = level * swell * (0.8 * kick + hat + 0.25 * chord + 0.5 * lp);
  }
  return out;
}

/** `x` scaled so that its largest |sample| is `peak`. */
export function normalise(x: Float32Array, peak: number): Float32Array {
  let m = 0;
  for (const v of x) m = Math.max(m, Math.abs(v));
  return m === 0 ? x : x.map((v) => (v * peak) / m);
}
