/**
 * An upload streamed to a file in the service's private temporary folder, hashed as it is written
 * (the content hash the result cache is keyed by: the bytes are read once), with a size limit
 * checked as the bytes arrive. The client's file name is only reported, never used as a path.
 */
import { createHash } from "node:crypto";
import { createWriteStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";

export class UploadTooLarge extends Error {
  constructor(readonly limitBytes: number) {
    super(`the upload is larger than the limit of ${limitBytes} bytes`);
  }
}

export interface Upload {
  path: string;
  bytes: number;
  hash: string;
}

export async function receiveUpload(body: Readable, dir: string, limitBytes: number): Promise<Upload> {
  const path = join(dir, `upload-${randomBytes(8).toString("hex")}`);
  const h = createHash("sha256");
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      if (bytes > limitBytes) return done(new UploadTooLarge(limitBytes));
      h.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: "wx", mode: 0o600 }));
  } catch (e) {
    await fs.rm(path, { force: true });
    throw e;
  }
  return { path, bytes, hash: h.digest("hex") };
}
