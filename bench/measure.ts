/**
 * Timing one whole process: wall seconds and peak RSS from GNU time, with a hard time limit.
 * A failure (non-zero exit, timeout, unparseable output) is returned, never thrown, so one tool
 * failing on one file is one error cell in the report.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Timed {
  /** Wall-clock seconds of the whole process (start-up, decode and analysis). */
  wall: number;
  /** Peak resident set size in MB (the largest single process of the tree: GNU time's %M). */
  rssMb: number;
  stdout: string;
  /** Set when the process failed: exit status, timeout, or the tool's own message. */
  error?: string;
}

const scratch = mkdtempSync(join(tmpdir(), "trackprobe-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

/** Runs `cmd` under /usr/bin/time (and `timeout`, so a hung tool is killed after `limitSeconds`). */
export function timed(cmd: string[], limitSeconds: number): Timed {
  const report = join(scratch, "time.txt");
  const r = spawnSync(
    "/usr/bin/time",
    ["-o", report, "-f", "%e %M", "timeout", "--kill-after=5", String(Math.ceil(limitSeconds)), ...cmd],
    { encoding: "utf8", maxBuffer: 1 << 28 },
  );
  let wall = Number.NaN;
  let rssMb = Number.NaN;
  try {
    // GNU time writes "Command exited with non-zero status N" before the numbers on failure.
    const last = readFileSync(report, "utf8").trim().split("\n").pop() ?? "";
    const [w, kb] = last.split(" ").map(Number);
    wall = w;
    rssMb = kb / 1024;
  } catch {
    // no report: the spawn itself failed; r.error says why
  }
  const out: Timed = { wall, rssMb, stdout: r.stdout ?? "" };
  if (r.error) out.error = r.error.message;
  else if (r.status === 124 || r.status === 137) out.error = `timed out after ${Math.ceil(limitSeconds)} s`;
  else if (r.status !== 0) out.error = `exit ${r.status}: ${lastLine(r.stderr)}`;
  return out;
}

function lastLine(text: string | null): string {
  const lines = (text ?? "").trim().split("\n").filter((l) => l.trim() !== "");
  return (lines.pop() ?? "").slice(0, 200);
}

export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
