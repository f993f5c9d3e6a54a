/**
 * Input sources: a path, bytes, or a readable stream, all turned into one async byte stream with
 * a look-ahead buffer, so the format can be sniffed from the first bytes without reading the file
 * twice and without holding it whole.
 *
 * A path that is not a regular file (a named pipe, `<(cmd)`, /dev/stdin, a character device) is
 * read exactly once, through a non-blocking descriptor: opening a FIFO that has no writer does
 * not block, and such a FIFO ends with a clear error instead of waiting forever.
 */
import { constants, createReadStream, promises as fs } from "node:fs";
import type { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { TrackprobeError } from "../result.js";

export type AudioInput = string | Uint8Array | NodeJS.ReadableStream | Readable;

/** Bytes read per step from a file. Large enough to keep syscalls cheap, small enough to stream. */
export const READ_CHUNK_BYTES = 256 * 1024;

/** How long a named pipe may stay without a writer (or without a byte) before it is given up. */
export const FIFO_WRITER_WAIT_MS = 2000;
/** Longest pause between polls of a non-blocking descriptor that has nothing to read yet. */
const MAX_POLL_INTERVAL_MS = 20;

export interface Source {
  /** What to call this input in messages and results. */
  name: string;
  /** The file path, when the input is a regular file (ffmpeg can then open and seek in it). */
  path?: string;
  /** Total byte length when known. */
  byteLength?: number;
  reader: ByteReader;
}

/** Sees every byte of the input once, in order; `end()` only when the input was read to its end. */
export interface ByteTap {
  update(bytes: Uint8Array): void;
  end(): void;
}

export interface SourceOptions {
  /** Stops reading: a pending read rejects with the signal's reason. */
  signal?: AbortSignal;
  tap?: ByteTap;
}

export async function openSource(input: AudioInput, name?: string, options: SourceOptions = {}): Promise<Source> {
  const { signal, tap } = options;
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
    if (stat.isFIFO() || stat.isCharacterDevice() || stat.isSocket()) {
      // No `path`: the bytes come once, through this reader (ffmpeg gets a spooled copy).
      return { name: name ?? path, reader: new ByteReader(readNonBlocking(path, stat.isFIFO(), signal), { signal, tap }) };
    }
    const handle = await fs.open(path, "r").catch((e: NodeJS.ErrnoException) => {
      throw new TrackprobeError("UNREADABLE", `${path}: cannot read (${e.code ?? String(e)})`);
    });
    await handle.close();
    const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
    return {
      name: name ?? path,
      path: stat.isFile() ? path : undefined,
      byteLength: stat.size,
      reader: new ByteReader(iterate(stream, path), { signal, tap, destroy: () => stream.destroy() }),
    };
  }
  if (input instanceof Uint8Array) {
    return { name: name ?? "<buffer>", byteLength: input.length, reader: new ByteReader(sliceBytes(input), { signal, tap }) };
  }
  const stream = input as Readable;
  return {
    name: name ?? "<stream>",
    reader: new ByteReader(iterate(stream, name ?? "<stream>"), { signal, tap, destroy: () => stream.destroy?.() }),
  };
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
 * Reads a FIFO or character device through an O_NONBLOCK descriptor, polling while it has
 * nothing to give: the open never blocks, and a read never occupies a thread-pool thread for
 * good. A FIFO reads 0 bytes while no writer has opened it: it gets FIFO_WRITER_WAIT_MS for one
 * to appear, then fails; once bytes came, 0 bytes is the end.
 */
async function* readNonBlocking(path: string, fifo: boolean, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((e: NodeJS.ErrnoException) => {
    throw new TrackprobeError("UNREADABLE", `${path}: cannot read (${e.code ?? String(e)})`);
  });
  try {
    let total = 0;
    let waitMs = 1;
    const t0 = Date.now();
    const buf = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    for (;;) {
      signal?.throwIfAborted();
      let n: number;
      try {
        n = (await handle.read(buf, 0, buf.length, null)).bytesRead;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "EAGAIN" && code !== "EWOULDBLOCK") throw new TrackprobeError("UNREADABLE", `${path}: read failed (${code ?? String(e)})`);
        n = -1; // nothing yet, the writer is still there
      }
      if (n > 0) {
        total += n;
        waitMs = 1;
        yield Buffer.from(buf.subarray(0, n)); // a copy: buf is read into again
        continue;
      }
      if (n === 0 && (total > 0 || !fifo)) return;
      if (n === 0 && Date.now() - t0 > FIFO_WRITER_WAIT_MS) {
        throw new TrackprobeError("UNREADABLE", `${path}: named pipe with nothing written to it within ${FIFO_WRITER_WAIT_MS / 1000} s (no writer?)`);
      }
      await sleep(waitMs, undefined, { signal });
      waitMs = Math.min(waitMs * 2, MAX_POLL_INTERVAL_MS);
    }
  } finally {
    await handle.close();
  }
}

interface ReaderOptions extends SourceOptions {
  /** Releases the underlying stream at once (a pending read may never settle on its own). */
  destroy?: () => void;
}

/**
 * Pull-based reader over an async byte stream: `peek(n)` looks ahead without consuming,
 * `chunks()` then yields everything (the peeked bytes first).
 */
export class ByteReader {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private done = false;
  private pulling = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly options: ReaderOptions = {},
  ) {
    this.it = source[Symbol.asyncIterator]();
  }

  /** Up to `n` bytes from the current position (fewer only at end of input). */
  async peek(n: number): Promise<Uint8Array> {
    while (this.pendingBytes < n && !this.done) {
      const r = await this.next();
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
      const r = await this.next();
      if (r.done) this.done = true;
      else if (r.value.length > 0) yield r.value;
    }
  }

  /** Stop reading (closes the underlying stream). */
  async close(): Promise<void> {
    if (this.pulling) {
      // An aborted read is still pending: release the stream, do not wait for that read.
      this.options.destroy?.();
      this.it.return?.().catch(() => {});
      return;
    }
    await this.it.return?.();
  }

  /** The next chunk from the stream: through the tap, and abortable. */
  private async next(): Promise<IteratorResult<Uint8Array>> {
    const { signal, tap } = this.options;
    signal?.throwIfAborted();
    this.pulling = true;
    const read = this.it.next();
    read.then(
      () => (this.pulling = false),
      () => (this.pulling = false),
    );
    let r: IteratorResult<Uint8Array>;
    if (!signal) r = await read;
    else {
      let onAbort = () => {};
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
      });
      try {
        r = await Promise.race([read, aborted]);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
    if (r.done) tap?.end();
    else tap?.update(r.value);
    return r;
  }
}
