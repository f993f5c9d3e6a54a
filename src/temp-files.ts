/**
 * The temporary files trackprobe writes beside a file before renaming them into place (atomic
 * output, tag writing), and its private temporary folders (spooled streams). One naming scheme
 * with the writer's pid, so that a scan never takes them for music, and a run killed with -9 has
 * its leftovers removed by the next run that writes the same file or makes the same kind of folder.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";

/** `.NAME.trackprobe-PID-RANDOM.tmp` (before 0.2: `.NAME.trackprobe-RANDOM.tmp`, without the pid). */
const TEMP_NAME = /^\..+\.trackprobe-(?:(\d+)-)?[0-9a-f]{8}\.tmp$/;

/** A fresh temporary path in the same folder as `path` (same file system: rename is atomic). */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.trackprobe-${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
}

/** Whether a file name is one of trackprobe's temporary files. */
export function isTempName(name: string): boolean {
  return TEMP_NAME.test(name);
}

/**
 * Removes the temporary files left beside `path` by trackprobe processes that no longer run
 * (a run killed with -9 cannot clean up after itself). Best effort: errors are ignored.
 */
export async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.trackprobe-`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m?.[1] || !name.startsWith(prefix) || isRunning(Number(m[1]))) continue;
    await fs.rm(join(dir, name), { force: true }).catch(() => {});
  }
}

/**
 * A fresh private folder in the system's temporary folder for `purpose` (e.g. a spooled stream).
 * Folders of the same purpose left by processes that no longer run are removed first.
 */
export async function makeTempDir(purpose: string): Promise<string> {
  const prefix = `trackprobe-${purpose}-`;
  const names = await fs.readdir(tmpdir()).catch(() => [] as string[]);
  for (const name of names) {
    const pid = name.startsWith(prefix) ? /^(\d+)-/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid && !isRunning(Number(pid))) await fs.rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => {});
  }
  return fs.mkdtemp(join(tmpdir(), `${prefix}${process.pid}-`));
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
