/**
 * Input sources: a path, bytes, or a readable stream, all turned into one async byte stream with
 * a look-ahead buffer, so the format can be sniffed from the first bytes without reading the file
 * twice and without holding it whole.
 */
import { createReadStream, promises as fs } from "node:fs";
import type { Readable } from "node:stream";
import { TrackprobeError } from "../result.js";

export type AudioInput = string | Uint8Array | NodeJS.ReadableStream | Readable;

/** Bytes read per step from a file. Large enough to keep syscalls cheap, small enough to stream. */
export const READ_CHUNK_BYTES = 256 * 1024;

export interface Source {
  /** What to call this input in messages and results. */
  name: string;
  /** The file path, when the input is a file (ffmpeg can then seek in it). */
  path?: string;
  /** Total byte length when known. */
  byteLength?: number;
  reader: ByteReader;
}

export async function openSource(input: AudioInput, name?: string): Promise<Source> {
  if (typeof input === "string") {
    const path = input;
    let stat: import("node:fs").Stats;
    try {
      stat = await fs.stat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") throw new TrackprobeError("NOT_FOUND", `${path}: no such file`);
      throw new TrackprobeError("UNREADABLE", `${path}: cannot read (${code ?? String(e)})`);
    }
    if (stat.isDirectory()) throw new TrackprobeError("UNREADABLE", `${path}: is a directory, not an audio file`);
    const handle = await fs.open(path, "r").catch((e: NodeJS.ErrnoException) => {
      throw new TrackprobeError("UNREADABLE", `${path}: cannot read (${e.code ?? String(e)})`);
    });
    await handle.close();
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    return { name: name ?? path, path, byteLength: stat.size, reader: new ByteReader(iterate(stream, path)) };
  }
  if (input instanceof Uint8Array) {
    return { name: name ?? "<buffer>", byteLength: input.length, reader: new ByteReader(sliceBytes(input)) };
  }
  return { name: name ?? "<stream>", reader: new ByteReader(iterate(input as Readable, name ?? "<stream>")) };
}

async function* sliceBytes(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += READ_CHUNK_BYTES) yield bytes.subarray(i, i + READ_CHUNK_BYTES);
}

async function* iterate(stream: AsyncIterable<unknown>, name: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) {
      if (typeof chunk === "string") yield Buffer.from(chunk);
      else yield chunk as Uint8Array;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrackprobeError("UNREADABLE", `${name}: read failed (${code ?? (e as Error).message})`);
  }
}

/**
 * Pull-based reader over an async byte stream: `peek(n)` looks ahead without consuming,
 * `chunks()` then yields everything (the peeked bytes first).
 */
export class ByteReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes from the current position (fewer only at end of input). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) {
        this.pending.push(r.value);
        this.pendingBytes += r.value.length;
      }
    }
    if (this.pending.length === 1) return this.pending[0].subarray(0, n);
    const joined = Buffer.concat(this.pending);
    this.pending = [joined];
    return joined.subarray(0, n);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    const head = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const c of head) yield c;
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) yield r.value;
    }
  }

  /** Stop reading (closes the underlying stream). */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}
