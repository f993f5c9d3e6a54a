/**
 * Content hash of a file: SHA-256 of every byte, streamed in 1 MiB reads (node:crypto, no
 * dependency). Measured here: ~1.8 GB/s (SHA extensions), xxh64 in WASM ~5.7 GB/s; both are far
 * faster than the disk and than decoding (~0.5 s for a 5-minute MP3), and a re-scan of an
 * unchanged file does not hash at all (the path/size/mtime memo answers), so the collision-proof
 * hash costs nothing that matters.
 *
 * ContentHasher computes the same hash on the bytes as a decode reads them: what cannot be read
 * twice (a pipe, a device) is hashed while it is analysed.
 */
import { createHash, type Hash } from "node:crypto";
import { promises as fs } from "node:fs";
import type { ByteTap } from "../audio/source.js";

const CHUNK = 1 << 20;
const ALGORITHM = "sha256";

/** The content hash of a regular file (never call it on a FIFO: opening one waits for a writer). */
export async function hashFile(path: string): Promise<string> {
  return (await hashFileAndLength(path)).hash;
}

/** The content hash of bytes in memory (the same hash as of a file holding them). */
export function hashBytes(bytes: Uint8Array): string {
  return createHash(ALGORITHM).update(bytes).digest("hex");
}

/** The content hash and the number of bytes it covers (which may differ from what stat said). */
export async function hashFileAndLength(path: string): Promise<{ hash: string; bytes: number }> {
  const handle = await fs.open(path, "r");
  try {
    const h = createHash(ALGORITHM);
    const buf = Buffer.allocUnsafe(CHUNK);
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      h.update(buf.subarray(0, bytesRead));
    }
    return { hash: h.digest("hex"), bytes };
  } finally {
    await handle.close();
  }
}

/** The content hash, fed as the input is read (a ByteTap for analyze()). */
export class ContentHasher implements ByteTap {
  private readonly h: Hash = createHash(ALGORITHM);
  private ended = false;
  private hex: string | null = null;
  bytes = 0;

  update(bytes: Uint8Array): void {
    if (this.ended) return;
    this.h.update(bytes);
    this.bytes += bytes.length;
  }

  end(): void {
    this.ended = true;
  }

  /** The hash of every byte, or null when the input was not read to its end. */
  digest(): string | null {
    if (!this.ended) return null;
    this.hex ??= this.h.digest("hex");
    return this.hex;
  }
}
