#!/usr/bin/env -S node --single-threaded
// Runs the compiled CLI (built by `npm ci` / `npm run build` into dist/).
//
// --single-threaded: V8 runs no background tasks (JIT compilation, GC helpers, WASM compilation
// all on the JS thread). On Node 20, V8's background TurboFan jobs can wait for a GC that only the
// main thread runs while the main thread, its event loop empty, blocks in NodePlatform::DrainTasks
// waiting for them: a deadlock at 0 % CPU (nodejs/node#54918; 4 of 200 runs of `analyze` hung
// here under load). With no background tasks there is nothing to wait for. It also gives a scan's
// worker threads single-threaded GC, which was a third of their CPU (200 files, 2 cores: -j 2
// 14.3 s → 11.2 s). The shebang passes the flag; started another way (`node bin/trackprobe.js`),
// the CLI starts itself again with it.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("trackprobe: not built yet; run `npm run build` (npm ci does it) first\n");
  process.exit(70);
}

const FLAG = "--single-threaded";
if (process.execArgv.includes(FLAG)) {
  await import(entry.href);
} else {
  // The child is in our process group, so a terminal's Ctrl-C reaches it directly; signals sent to
  // this process alone are passed on (the CLI takes a repeat within a moment as the same request).
  // The IPC channel closes when this process dies, even by kill -9: the CLI then stops cleanly
  // rather than running on as an orphan.
  const child = spawn(process.execPath, [FLAG, ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGHUP" ? 1 : 15)));
}
