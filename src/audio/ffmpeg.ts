/**
 * Everything the pure-npm decoders do not read (M4A/AAC, WMA, AIFF, …) goes through an `ffmpeg`
 * subprocess when one is on the PATH (or at $TRACKPROBE_FFMPEG). ffmpeg writes 32-bit float WAV
 * to a pipe, which the streaming WAV decoder reads, so channel count and rate come with the audio.
 *
 * ffmpeg always reads a file: these containers may need to seek (an MP4 whose index, the moov
 * atom, comes after the audio cannot be read from a pipe), so input that is not a regular file
 * is first spooled to a temporary file, removed afterwards whatever happens.
 */
import { spawn, spawnSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { TrackprobeError } from "../result.js";
import { makeTempDir } from "../temp-files.js";
import type { Source } from "./source.js";

export const ffmpegPath = (): string => process.env.TRACKPROBE_FFMPEG || "ffmpeg";

/** Largest stream spooled for ffmpeg; past it the input is refused (pass a file instead). */
export const MAX_SPOOL_BYTES = 4 * 2 ** 30;

const availability = new Map<string, boolean>();
export function hasFfmpeg(): boolean {
  let available = availability.get(ffmpegPath());
  if (available === undefined) {
    const r = spawnSync(ffmpegPath(), ["-version"], { stdio: "ignore" });
    available = r.status === 0;
    availability.set(ffmpegPath(), available);
  }
  return available;
}

/** Streams the first audio track of `source` as float WAV bytes. */
export async function* ffmpegWavBytes(source: Source, formatName: string): AsyncGenerator<Uint8Array> {
  if (!hasFfmpeg()) {
    throw new TrackprobeError(
      "NEEDS_FFMPEG",
      `${source.name}: ${formatName} audio is read through ffmpeg, which is not installed (install ffmpeg or set TRACKPROBE_FFMPEG)`,
    );
  }
  let spoolDir: string | null = null;
  try {
    let input = source.path;
    if (input === undefined) {
      spoolDir = await makeTempDir("spool");
      input = join(spoolDir, "input");
      await spool(source, input);
    }
    // "file:" so that a name such as "concat:a|b" is never taken for an ffmpeg protocol
    const args = ["-nostdin", "-v", "error", "-i", `file:${input}`, "-map", "0:a:0", "-vn", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"];
    const child = spawn(ffmpegPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4000) stderr += d.toString();
    });
    const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
    let bytes = 0;
    try {
      for await (const chunk of child.stdout as NodeJS.ReadableStream) {
        bytes += chunk.length;
        yield chunk as Uint8Array;
      }
    } finally {
      if (child.exitCode === null) child.kill();
    }
    const code = await exited;
    if (code !== 0 && bytes === 0) {
      const reason = stderr.trim().split("\n").pop() || `exit code ${code}`;
      throw new TrackprobeError("CORRUPT", `${source.name}: ffmpeg could not decode this ${formatName} file: ${reason}`);
    }
  } finally {
    if (spoolDir) await fs.rm(spoolDir, { recursive: true, force: true });
  }
}

/** Copies the rest of the source (from its first byte: peeked bytes included) to `path`. */
async function spool(source: Source, path: string): Promise<void> {
  const out = await fs.open(path, "wx", 0o600);
  try {
    let bytes = 0;
    for await (const chunk of source.reader.chunks()) {
      bytes += chunk.length;
      if (bytes > MAX_SPOOL_BYTES) {
        throw new TrackprobeError("UNREADABLE", `${source.name}: a stream over ${MAX_SPOOL_BYTES / 2 ** 30} GiB cannot be spooled for ffmpeg (give a file path)`);
      }
      await out.write(chunk);
    }
  } finally {
    await out.close();
  }
}
