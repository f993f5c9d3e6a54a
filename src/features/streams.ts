/**
 * Every feature stream the front end can produce, by name. An analyser names the streams it
 * reads (analyzers/registry.ts); the front end builds only those.
 */
import { type LoudnessBlocks, LoudnessMeter } from "./loudness-meter.js";
import { type ChromaStream, chromaStream } from "./chroma.js";
import type { StreamDef } from "./frontend.js";
import { type OnsetStream, onsetStream } from "./onset.js";
import { type BarPitchStream, barPitchStream } from "./bar-pitch.js";
import { type LevelStream, levelStream } from "./levels.js";
import { type TimbreStream, timbreStream } from "./timbre.js";
import { type BandStream, bandStream } from "./bands.js";

export interface Streams {
  loudness: LoudnessBlocks;
  onset: OnsetStream;
  chroma: ChromaStream;
  /** Coarse pitch classes at 21.5 blocks/s for bar finding (rhythm). */
  barPitch: BarPitchStream;
  /** 10 ms and 200 ms level frames of the mono signal (danceability DFA, dynamic complexity). */
  levels: LevelStream;
  /** Spectral centroid, flatness and power at 10.8 frames/s (energy). */
  timbre: TimbreStream;
  /** Log-frequency band spectrogram at the spectrum frame rate (a learned beat activation's input). */
  bands: BandStream;
}
export type StreamName = keyof Streams;

export const STREAMS: { [K in StreamName]: StreamDef<Streams[K]> } = {
  loudness: {
    input: "pcm",
    create(info) {
      const meter = new LoudnessMeter(info.sampleRate, info.channels, { truePeak: true });
      return { pcm: (b) => meter.push(b.channels, b.length), finish: () => meter.finish(), snapshot: () => meter.snapshot() };
    },
  },
  onset: onsetStream,
  chroma: chromaStream,
  barPitch: barPitchStream,
  levels: levelStream,
  timbre: timbreStream,
  bands: bandStream,
};
