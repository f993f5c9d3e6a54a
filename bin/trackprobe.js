#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` / `npm run build` into dist/).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("trackprobe: not built yet; run `npm run build` (npm ci does it) first\n");
  process.exit(70);
}
await import(entry.href);
