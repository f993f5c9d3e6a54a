/**
 * The result in the shape apps used with Spotify's audio-features object (GET /v1/audio-features/:id),
 * for code written against that API. Fields trackprobe estimates are filled from the analysis;
 * the ones it does not estimate (acousticness, instrumentalness, liveness, speechiness, valence)
 * are null, never guessed.
 *
 *   tempo            tempo.bpm (BPM); null when there is no pulse
 *   key              pitch class of the tonic, 0 = C … 11 = B; −1 when no key was found (as Spotify)
 *   mode             1 major, 0 minor; null when no key was found
 *   time_signature   meter.beatsPerBar (beats per bar; 2 for compound time); null without bars
 *   loudness         integrated loudness, LUFS (EBU R128; Spotify's was an average dB level)
 *   danceability     danceability.score, 0..1 (calibrated; docs/audio-features.md)
 *   energy           energy, 0..1
 *   duration_ms      duration in milliseconds
 */
import { PITCH_CLASSES } from "../analyzers/key-notation.js";
import type { Analysis } from "../result.js";

export interface AudioFeatures {
  id: string;
  type: "audio_features";
  analysis_url: string;
  duration_ms: number;
  tempo: number | null;
  key: number;
  mode: 0 | 1 | null;
  time_signature: number | null;
  loudness: number | null;
  danceability: number | null;
  energy: number | null;
  acousticness: null;
  instrumentalness: null;
  liveness: null;
  speechiness: null;
  valence: null;
}

/** Pitch class of a tonic as results name it (sharps: C, C#, … B). */
export const pitchClassOf = (tonic: string): number => (PITCH_CLASSES as readonly string[]).indexOf(tonic);

export function audioFeaturesOf(id: string, a: Analysis): AudioFeatures {
  return {
    id,
    type: "audio_features",
    analysis_url: `/v1/analyses/${id}`,
    duration_ms: Math.round(a.duration * 1000),
    tempo: a.tempo?.bpm ?? null,
    key: a.key ? pitchClassOf(a.key.tonic) : -1,
    mode: a.key ? (a.key.mode === "major" ? 1 : 0) : null,
    time_signature: a.meter?.beatsPerBar ?? null,
    loudness: a.loudness?.integrated ?? null,
    danceability: a.danceability?.score ?? null,
    energy: a.energy ?? null,
    acousticness: null,
    instrumentalness: null,
    liveness: null,
    speechiness: null,
    valence: null,
  };
}
