/**
 * Everything the pure-npm decoders do not read (M4A/AAC, WMA, AIFF, …) goes through an `ffmpeg`
 * subprocess when one is on the PATH (or at $TRACKPROBE_FFMPEG). ffmpeg writes 32-bit float WAV
 * to a pipe, which the streaming WAV decoder reads, so channel count and rate come with the audio.
 */
import { spawn, spawnSync } from "node:child_process";
import { TrackprobeError } from "../result.js";
import type { Source } from "./source.js";

export const ffmpegPath = (): string => process.env.TRACKPROBE_FFMPEG || "ffmpeg";

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
  const input = source.path ?? "pipe:0";
  const args = ["-nostdin", "-v", "error", "-i", input, "-map", "0:a:0", "-vn", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"];
  if (!source.path) args.splice(0, 1); // stdin is the input then
  const child = spawn(ffmpegPath(), args, { stdio: [source.path ? "ignore" : "pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  if (!source.path && child.stdin) {
    const stdin = child.stdin;
    stdin.on("error", () => {}); // ffmpeg may stop reading early; its exit status tells what went wrong
    (async () => {
      for await (const chunk of source.reader.chunks()) {
        if (!stdin.write(chunk)) await new Promise((r) => stdin.once("drain", r));
      }
      stdin.end();
    })().catch(() => stdin.destroy());
  }
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
}
