/**
 * One interface for every streaming decoder, and the WASM decoders (MP3, FLAC, Ogg Vorbis, Opus)
 * from the wasm-audio-decoders family, which all take bytes in arbitrary chunks and return PCM.
 */
import { FLACDecoder } from "@wasm-audio-decoders/flac";
import { OggVorbisDecoder } from "@wasm-audio-decoders/ogg-vorbis";
import { MPEGDecoder } from "mpg123-decoder";
import { OggOpusDecoder } from "ogg-opus-decoder";

export interface DecodeError {
  message: string;
}

export interface DecodedChunk {
  channelData: Float32Array[];
  samplesDecoded: number;
  sampleRate: number;
  errors: DecodeError[];
}

export interface StreamDecoder {
  decode(bytes: Uint8Array): Promise<DecodedChunk>;
  /** Returns what the decoder still holds at end of input. */
  flush(): Promise<DecodedChunk | null>;
  free(): void;
}

interface WasmDecoder {
  ready: Promise<void>;
  decode(bytes: Uint8Array): DecodedChunk | Promise<DecodedChunk>;
  flush?(): DecodedChunk | Promise<DecodedChunk>;
  free(): void;
}

export type WasmFormat = "mp3" | "flac" | "ogg-vorbis" | "opus";

const constructors: Record<WasmFormat, () => WasmDecoder> = {
  mp3: () => new MPEGDecoder() as unknown as WasmDecoder, // gapless: trims LAME encoder delay/padding
  flac: () => new FLACDecoder() as unknown as WasmDecoder,
  "ogg-vorbis": () => new OggVorbisDecoder() as unknown as WasmDecoder,
  opus: () => new OggOpusDecoder() as unknown as WasmDecoder,
};

/**
 * A fresh WASM instance per stream (the compiled module is shared, the memory is not). An
 * instance that trapped (WebAssembly.RuntimeError: out-of-bounds access, divide by zero, …) is
 * poisoned: its heap may be corrupt, so it is never called again — not even free(), its memory
 * goes with the instance to the garbage collector.
 */
export async function createWasmDecoder(format: WasmFormat): Promise<StreamDecoder> {
  const d = constructors[format]();
  await d.ready;
  let trapped: WebAssembly.RuntimeError | null = null;
  const guarded = async <T>(call: () => T | Promise<T>): Promise<T> => {
    if (trapped) throw trapped;
    try {
      return await quietly(call);
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) trapped = e;
      throw e;
    }
  };
  return {
    decode: (bytes) => guarded(() => d.decode(bytes)),
    flush: () => guarded(async () => (d.flush ? d.flush() : null)),
    free: () => {
      if (!trapped) d.free();
    },
  };
}

/**
 * Runs a decoder call with console.error/warn muted: these decoders print every corrupt frame to
 * the console, while trackprobe reports them once, as a warning in the result.
 */
async function quietly<T>(call: () => T | Promise<T>): Promise<T> {
  const { error, warn } = console;
  console.error = console.warn = () => {};
  try {
    return await call();
  } finally {
    console.error = error;
    console.warn = warn;
  }
}
