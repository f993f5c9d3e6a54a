#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` / `npm run build` into dist/).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("trackprobe: not built yet; run `npm run build` (npm ci does it) first\n");
  process.exit(70);
}

// A scan's worker threads share this process's V8 flags. V8's concurrent GC helper threads cost
// a scan about a third of its CPU (200 files, 2 cores: -j 2 took 14.3 s, 11.2 s with single-
// threaded GC; -j 1 21.7 s → 18.2 s), and the flag can only be given at start-up: re-run with it.
// Single-file analysis gains nothing from it, so it stays a plain import.
const GC_FLAG = "--single-threaded-gc";
if (process.argv[2] === "scan" && !process.execArgv.includes(GC_FLAG)) {
  const child = spawn(process.execPath, [GC_FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  // Ctrl-C reaches the child from the terminal (same process group) and it stops cleanly; here
  // it is only ignored. Other signals are passed on. The child's exit status is ours.
  process.on("SIGINT", () => {});
  for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
} else {
  await import(entry.href);
}
