/** Temporary fixture files, and compressed ones made from WAV with ffmpeg (installed by .ci/run). */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeWavFloat32 } from "../../src/audio/wav-writer.js";

export const haveFfmpeg = spawnSync("ffmpeg", ["-version"], { stdio: "ignore" }).status === 0;

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "trackprobe-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeWav(path: string, channels: Float32Array[], sampleRate: number): string {
  writeFileSync(path, encodeWavFloat32(channels, sampleRate));
  return path;
}

/** Encodes `channels` to `path` with ffmpeg; the codec follows from the extension unless given. */
export function encodeWithFfmpeg(path: string, channels: Float32Array[], sampleRate: number, codecArgs: string[] = []): string {
  const wav = `${path}.src.wav`;
  writeWav(wav, channels, sampleRate);
  execFileSync("ffmpeg", ["-v", "error", "-y", "-i", wav, ...codecArgs, path]);
  rmSync(wav);
  return path;
}
