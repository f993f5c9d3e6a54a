/** Runs the trackprobe command line from source (through tsx), as a user would, in a child process. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const CLI_MAIN = join(import.meta.dirname, "..", "..", "src", "cli", "main.ts");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: Uint8Array; env?: Record<string, string> } = {}): CliRun {
  const r = spawnSync(process.execPath, ["--import", "tsx", CLI_MAIN, ...args], {
    input: opts.input,
    env: { ...process.env, ...opts.env },
    encoding: "buffer",
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}
