/** Where the result cache lives: --cache-dir, else $TRACKPROBE_CACHE_DIR, else the XDG cache dir. */
import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { CACHE_FILE as CACHE_FILE_NAME, ResultCache } from "./store.js";

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRACKPROBE_CACHE_DIR) return resolve(env.TRACKPROBE_CACHE_DIR);
  const xdg = env.XDG_CACHE_HOME;
  // XDG: a relative $XDG_CACHE_HOME is invalid and must be ignored.
  if (xdg && xdg.startsWith("/")) return join(xdg, "trackprobe");
  return join(homedir(), ".cache", "trackprobe");
}

export function resolveCacheDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ? resolve(flag) : defaultCacheDir(env);
}

/** The cache folder cannot be created or written; the message names the folder and why. */
export class CacheDirError extends Error {
  override name = "CacheDirError";
}

/**
 * Creates `dir` (and its missing parents) and checks that it is a writable folder, or throws a
 * CacheDirError with a one-line reason.
 *
 * Not `mkdirSync(dir, { recursive: true })`: Node's recursive mkdir never returns when a parent
 * exists but refuses children with ENOENT (procfs: `/proc/nope` spins forever at 100 % CPU,
 * nodejs/node's mkdir-p retries the child after the parent "exists"). Here each level is made
 * once, and an ENOENT after its parent exists is final.
 */
export function ensureCacheDir(dir: string): string {
  const abs = resolve(dir);
  try {
    makeDir(abs);
    if (!statSync(abs).isDirectory()) throw new CacheDirError(`cache folder ${abs}: not a folder`);
    accessSync(abs, constants.W_OK | constants.X_OK);
  } catch (e) {
    if (e instanceof CacheDirError) throw e;
    throw new CacheDirError(`cache folder ${abs}: ${reason(e)}`);
  }
  return abs;
}

function makeDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    const parent = dirname(dir);
    if (code !== "ENOENT" || parent === dir) throw e;
    makeDir(parent);
    try {
      mkdirSync(dir); // once: the parent exists now, so a second ENOENT will not go away
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code !== "EEXIST") throw e2;
    }
  }
}

const REASONS: Record<string, string> = {
  ENOENT: "cannot be created there",
  ENOTDIR: "a part of the path is a file, not a folder",
  EACCES: "permission denied",
  EPERM: "not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EEXIST: "exists and is not a folder",
};

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code && code in REASONS ? REASONS[code] : (e as Error).message;
}

/** ensureCacheDir, then the cache itself; any failure is a CacheDirError with a one-line reason. */
export function openResultCache(dir: string): ResultCache {
  const abs = ensureCacheDir(dir);
  try {
    return ResultCache.open(abs);
  } catch (e) {
    throw new CacheDirError(`cache ${join(abs, CACHE_FILE_NAME)}: ${(e as Error).message.split("\n")[0]}`);
  }
}
