/**
 * The engine key of cached results: VERSION plus a short hash of the analysis code itself (the
 * audio/, dsp/, features/, analyzers/ and pipeline/ modules and result.ts, as .ts under tsx or .js
 * from dist/). A change to any analyser therefore invalidates its cached results even when nobody
 * bumped VERSION — during development as much as after an upgrade. The CLI, cache and library
 * code are not part of it: changing how results are stored or printed keeps them. The model
 * files (models/*.onnx) are part of it too: a retrained network invalidates what it computed.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { VERSION } from "../result.js";

const CODE_DIRS = ["audio", "dsp", "features", "analyzers", "pipeline"];
const CODE_FILES = ["result", "numbers"];
/** Learned models, beside src/ and dist/. */
const MODEL_DIR = "../models";

let memo: string | null = null;

export function engineKey(): string {
  memo ??= `${VERSION}+${codeHash().slice(0, 12)}`;
  return memo;
}

function codeHash(): string {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
  const h = createHash("sha256");
  const files: string[] = CODE_FILES.map((f) => `${f}${ext}`);
  for (const d of CODE_DIRS) {
    let names: string[] = [];
    try {
      names = readdirSync(join(root, d));
    } catch {
      continue;
    }
    for (const n of names) if (n.endsWith(ext) && !n.endsWith(".d.ts")) files.push(`${d}/${n}`);
  }
  try {
    for (const n of readdirSync(join(root, MODEL_DIR))) if (n.endsWith(".onnx")) files.push(`${MODEL_DIR}/${n}`);
  } catch {
    // no models folder
  }
  for (const f of files.sort()) {
    h.update(f);
    h.update("\0");
    try {
      h.update(readFileSync(join(root, f)));
    } catch {
      h.update("missing");
    }
    h.update("\0");
  }
  return h.digest("hex");
}
