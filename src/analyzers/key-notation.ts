/**
 * Key names and DJ notations. Names use sharps (C C# D D# E F F# G G# A A# B) and major/minor.
 *
 * Camelot (Mixed In Key) and Open Key (Traktor) both number the circle of fifths, a step of one
 * being a fifth; relative keys share a number (Camelot B/A, Open Key d/m):
 *   Camelot:  C major = 8B, A minor = 8A, G major = 9B, E minor = 9A …
 *   Open Key: C major = 1d, A minor = 1m, G major = 2d, E minor = 2m …
 * The tables are written out for all 24 keys so they can be read and checked against the
 * published wheels (test/key.test.ts checks them against the circle-of-fifths rule too).
 */
import type { Mode } from "../result.js";

export const PITCH_CLASSES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"] as const;

/** Index: tonic pitch class (C = 0). */
const CAMELOT_MAJOR = ["8B", "3B", "10B", "5B", "12B", "7B", "2B", "9B", "4B", "11B", "6B", "1B"];
const CAMELOT_MINOR = ["5A", "12A", "7A", "2A", "9A", "4A", "11A", "6A", "1A", "8A", "3A", "10A"];
const OPEN_KEY_MAJOR = ["1d", "8d", "3d", "10d", "5d", "12d", "7d", "2d", "9d", "4d", "11d", "6d"];
const OPEN_KEY_MINOR = ["10m", "5m", "12m", "7m", "2m", "9m", "4m", "11m", "6m", "1m", "8m", "3m"];

/** "F# minor" for (6, "minor"). */
export function keyName(tonic: number, mode: Mode): string {
  return `${PITCH_CLASSES[mod12(tonic)]} ${mode}`;
}

export function camelot(tonic: number, mode: Mode): string {
  return (mode === "major" ? CAMELOT_MAJOR : CAMELOT_MINOR)[mod12(tonic)];
}

export function openKey(tonic: number, mode: Mode): string {
  return (mode === "major" ? OPEN_KEY_MAJOR : OPEN_KEY_MINOR)[mod12(tonic)];
}

/** Key index 0..23: 0–11 major keys on C…B, 12–23 minor keys on C…B. */
export function keyIndex(tonic: number, mode: Mode): number {
  return mod12(tonic) + (mode === "minor" ? 12 : 0);
}

export function keyOfIndex(index: number): { tonic: number; mode: Mode } {
  return { tonic: index % 12, mode: index < 12 ? "major" : "minor" };
}

const mod12 = (x: number) => ((x % 12) + 12) % 12;
