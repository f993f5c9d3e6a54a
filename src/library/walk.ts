/**
 * Walking a music library: every regular file under the given folders, depth first in name
 * order. Symbolic links are followed (libraries are often assembled from links) but each folder
 * is entered once, by device and inode, so a link loop ends; a file reached twice (hard link,
 * link to a file) is listed once. FIFOs, sockets and devices are never opened, nor trackprobe's
 * own temporary files (a killed run's output or tag copy: they are not music). Problems are
 * events, not exceptions: one unreadable folder does not stop the walk.
 */
import { type BigIntStats, promises as fs } from "node:fs";
import { extname, join } from "node:path";
import { type Sniffed, sniff } from "../audio/sniff.js";
import { ByteReader } from "../audio/source.js";
import { isTempName } from "../temp-files.js";

export type WalkEvent =
  | { type: "file"; path: string; stat: BigIntStats }
  /** Something that is not looked at, and why (not an error of the scan). */
  | { type: "skip"; path: string; reason: string }
  /** A folder or file that could not be read. */
  | { type: "error"; path: string; code: string; message: string };

export interface WalkOptions {
  /** Enter folders and list files whose names start with "." (default: false). */
  hidden?: boolean;
}

export async function* walk(roots: readonly string[], options: WalkOptions = {}): AsyncGenerator<WalkEvent> {
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();
  for (const root of roots) {
    yield* visit(root, true);
  }

  async function* visit(path: string, isRoot: boolean): AsyncGenerator<WalkEvent> {
    let st: BigIntStats;
    try {
      st = await fs.stat(path, { bigint: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? "EIO";
      if (code === "ENOENT" && !isRoot) {
        const link = await fs.lstat(path).catch(() => null);
        if (link?.isSymbolicLink()) return yield { type: "skip", path, reason: "broken symbolic link" };
      }
      if (code === "ELOOP") return yield { type: "skip", path, reason: "symbolic link loop" };
      return yield { type: "error", path, code, message: `${path}: ${code === "ENOENT" ? "no such file or folder" : `cannot read (${code})`}` };
    }
    const id = `${st.dev}:${st.ino}`;
    if (st.isDirectory()) {
      if (seenDirs.has(id)) return yield { type: "skip", path, reason: "folder already visited (symbolic link loop or duplicate)" };
      seenDirs.add(id);
      let names: string[];
      try {
        names = await fs.readdir(path);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? "EIO";
        return yield { type: "error", path, code, message: `${path}: cannot list the folder (${code})` };
      }
      names.sort();
      for (const n of names) {
        if (!options.hidden && n.startsWith(".")) continue;
        if (isTempName(n)) {
          yield { type: "skip", path: join(path, n), reason: "trackprobe temporary file" };
          continue;
        }
        yield* visit(join(path, n), false);
      }
      return;
    }
    if (!st.isFile()) return yield { type: "skip", path, reason: "not a regular file (FIFO, socket or device)" };
    if (seenFiles.has(id)) return yield { type: "skip", path, reason: "same file already listed under another name" };
    seenFiles.add(id);
    yield { type: "file", path, stat: st };
  }
}

/** File name extensions of audio: a file named so whose content is not audio is reported. */
const AUDIO_EXTENSIONS = new Set(
  "mp3 mp2 flac ogg oga opus wav wave m4a m4b mp4 aac aif aiff aifc wma ape wv caf ac3 webm mka alac".split(" "),
);
export const hasAudioExtension = (path: string) => AUDIO_EXTENSIONS.has(extname(path).slice(1).toLowerCase());

const SNIFF_CHUNK = 16 * 1024;

/** What the first bytes of a file say it is (reads a few KiB; more only past a large ID3 tag). */
export async function sniffFile(path: string): Promise<Sniffed> {
  const handle = await fs.open(path, "r");
  try {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const buf = Buffer.allocUnsafe(SNIFF_CHUNK);
        const { bytesRead } = await handle.read(buf, 0, SNIFF_CHUNK, null);
        if (bytesRead === 0) return;
        yield buf.subarray(0, bytesRead);
      }
    }
    return await sniff(new ByteReader(chunks()));
  } finally {
    await handle.close();
  }
}
