/**
 * Content hash of a file: SHA-256 of every byte, streamed in 1 MiB reads (node:crypto, no
 * dependency). Measured here: ~1.8 GB/s (SHA extensions), xxh64 in WASM ~5.7 GB/s; both are far
 * faster than the disk and than decoding (~0.5 s for a 5-minute MP3), and a re-scan of an
 * unchanged file does not hash at all (the path/size/mtime memo answers), so the collision-proof
 * hash costs nothing that matters.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";

const CHUNK = 1 << 20;

export async function hashFile(path: string): Promise<string> {
  const handle = await fs.open(path, "r");
  try {
    const h = createHash("sha256");
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
    return h.digest("hex");
  } finally {
    await handle.close();
  }
}
