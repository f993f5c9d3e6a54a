/**
 * The temporary files trackprobe writes beside a file before renaming them into place (atomic
 * output, tag writing). One naming scheme, so that a scan never takes them for music, and a run
 * killed with -9 has its leftovers removed by the next run that writes the same file.
 */
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
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

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
