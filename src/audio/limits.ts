/**
 * What trackprobe accepts as audio, whatever the format: one place for the limits every decoder's
 * header and output are held to (docs/robustness.md explains the choices).
 */
import { TrackprobeError } from "../result.js";

/**
 * Sample rates outside 1 kHz..768 kHz are refused. Below 1 kHz nothing musical can be analysed
 * (and a bogus 8 Hz header turns a 30 s file into 8 hours of analysis); 768 kHz is the highest
 * rate real converters and DAWs write (DXD ×2, 16 × 48 kHz).
 */
export const MIN_SAMPLE_RATE_HZ = 1000;
export const MAX_SAMPLE_RATE_HZ = 768_000;

/**
 * At most 64 channels: 7th-order Ambisonics (64) and every consumer layout fit; each channel
 * costs the loudness meter and the decoders per-channel state, so a header claiming 32767
 * channels must not be taken at its word (it cost 740 MB on a 480 KB file).
 */
export const MAX_CHANNELS = 64;

/**
 * Samples whose magnitude is above this (or NaN/±Inf) are corrupt data and are set to 0. Float
 * audio may exceed full scale, even integer samples stored unscaled in float files (up to 2^31),
 * so the bound is 2^32 (+193 dBFS); below it every sum of squares the analysis forms (FFT frames,
 * 400 ms loudness blocks at 768 kHz) stays far inside float32 range, so every number stays finite.
 */
export const MAX_SAMPLE_MAGNITUDE = 2 ** 32;

/** Throws for a sample rate or channel count trackprobe does not analyse. `what` names the source. */
export function checkLayout(name: string, what: string, sampleRateHz: number, channels: number): void {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new TrackprobeError("CORRUPT", `${name}: ${what} declares a sample rate of ${sampleRateHz} Hz`);
  }
  if (sampleRateHz < MIN_SAMPLE_RATE_HZ || sampleRateHz > MAX_SAMPLE_RATE_HZ) {
    throw new TrackprobeError(
      "UNSUPPORTED_FORMAT",
      `${name}: ${what} declares a sample rate of ${sampleRateHz} Hz (supported: ${MIN_SAMPLE_RATE_HZ}..${MAX_SAMPLE_RATE_HZ} Hz)`,
    );
  }
  if (!Number.isInteger(channels) || channels < 1) {
    throw new TrackprobeError("CORRUPT", `${name}: ${what} declares ${channels} channels`);
  }
  if (channels > MAX_CHANNELS) {
    throw new TrackprobeError("UNSUPPORTED_FORMAT", `${name}: ${what} declares ${channels} channels (at most ${MAX_CHANNELS} are supported)`);
  }
}

/**
 * Sets every non-finite or absurdly large sample of the block to 0, in place; returns how many
 * were. One branch-light pass (NaN fails the comparison too), cheap next to decoding.
 */
export function zeroCorruptSamples(channels: Float32Array[], length: number): number {
  let bad = 0;
  for (const ch of channels) {
    for (let i = 0; i < length; i++) {
      const x = ch[i];
      if (!(x <= MAX_SAMPLE_MAGNITUDE && x >= -MAX_SAMPLE_MAGNITUDE)) {
        ch[i] = 0;
        bad++;
      }
    }
  }
  return bad;
}
