/** Where the result cache lives: --cache-dir, else $TRACKPROBE_CACHE_DIR, else the XDG cache dir. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

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
