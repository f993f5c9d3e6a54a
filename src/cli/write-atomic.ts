/** Writes a file through a temporary file in the same folder and a rename: never half-written. */
import { accessSync, constants, promises as fs, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { removeStaleTemps, tempPathFor } from "../temp-files.js";
import { CliError, UsageError } from "./usage-error.js";

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await removeStaleTemps(path);
  const tmp = tempPathFor(path);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Checks, before any work, that an output file can be written: its folder exists and is
 * writable (the temporary file and the rename need only that), and it is not itself a folder.
 * Throws a UsageError naming the option: finding out after an hour of scanning is too late.
 */
export function checkOutputFile(path: string, option = "-o"): void {
  const dir = dirname(resolve(path));
  const fail = (why: string) => {
    throw new UsageError(`${option} ${path}: ${why}`);
  };
  if (path.endsWith("/")) fail("is a folder, not a file");
  try {
    if (statSync(path).isDirectory()) fail("is a folder, not a file");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") fail((e as Error).message); // those: told below
  }
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    fail(code === "ENOENT" ? `the folder ${dir} does not exist` : code === "ENOTDIR" ? `${dir} is not a folder` : (e as Error).message);
  }
  if (!st?.isDirectory()) fail(`${dir} is not a folder`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    fail(`the folder ${dir} is not writable`);
  }
}
