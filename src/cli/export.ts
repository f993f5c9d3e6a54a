/** `trackprobe export DIR...`: dump the cached results of the files under folders; decodes nothing. */
import { promises as fs } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { engineKey } from "../cache/fingerprint.js";
import { openResultCache, resolveCacheDir } from "../cache/location.js";
import { type CachedEntry, type MemoRow, optionsKey, outcomeOf, type ResultCache, sameStamp, stampOf } from "../cache/store.js";
import { hasAudioExtension } from "../library/walk.js";
import { parseFeatures } from "./analyze.js";
import { OUTPUT_FORMATS } from "./format.js";
import { parseFormat, ResultOutput } from "./scan.js";
import { checkOutputFile } from "./write-atomic.js";

interface ExportFlags {
  format?: string;
  output?: string;
  features?: string;
  cacheDir?: string;
  stale?: boolean;
  failed: boolean;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("print the cached results of the files under folders (what `scan` stored), decoding nothing")
    .argument("<dirs...>", "folders (or files) whose cached results to print")
    .option("-f, --format <format>", `output format: ${OUTPUT_FORMATS.join("|")} (default: from -o's extension, else ndjson)`)
    .option("-o, --output <file>", "write to FILE (atomically) instead of standard output")
    .option("--features <list>", "only results computed with exactly these features (default: the newest result of each file)")
    .option("--cache-dir <dir>", "result cache folder (default: $TRACKPROBE_CACHE_DIR, else $XDG_CACHE_HOME/trackprobe or ~/.cache/trackprobe)")
    .option("--stale", "also print results computed by an older trackprobe (default: only this version's)")
    .option("--no-failed", "leave out files whose analysis failed")
    .addHelpText(
      "after",
      `
Files that changed or disappeared since they were scanned are left out (scan again to update).
Exit status: 0 (also when nothing is cached), 2 bad usage.`,
    )
    .action(async (dirs: string[], flags: ExportFlags) => {
      process.exitCode = await runExport(dirs, flags);
    });
}

async function runExport(dirs: string[], flags: ExportFlags): Promise<number> {
  const format = parseFormat(flags.format, "ndjson", flags.output);
  const features = parseFeatures(flags.features);
  const wanted = features ? optionsKey(features) : null;
  if (flags.output) checkOutputFile(flags.output);
  const engine = engineKey();
  const cache = openResultCache(resolveCacheDir(flags.cacheDir));
  // Without --features, results of different selections mix: the csv shows every feature's columns.
  const out = new ResultOutput(format, flags.output, features);
  await out.open();
  let exported = 0;
  let changed = 0;
  let missing = 0;
  const seen = new Set<string>();
  try {
    for (const dir of dirs) {
      for (const row of cache.filesUnder(resolve(dir))) {
        if (seen.has(row.path)) continue;
        seen.add(row.path);
        if (row.note && !hasAudioExtension(row.path)) continue;
        const name = isAbsolute(dir) ? row.path : relative(process.cwd(), row.path);
        if (!(await unchanged(row))) {
          changed++;
          continue;
        }
        if (row.note) {
          if (flags.failed) {
            out.add({ file: name, error: { code: row.note === "empty" ? "EMPTY" : "UNSUPPORTED_FORMAT", message: `${name}: not audio (${row.note})` } });
            exported++;
          }
          continue;
        }
        const entry = pick(cache, row.hash as string, engine, wanted, !!flags.stale);
        if (!entry) {
          missing++;
          continue;
        }
        if (entry.status === "failed" && !flags.failed) continue;
        out.add(outcomeOf(entry, name));
        exported++;
      }
    }
  } finally {
    cache.close();
  }
  await out.close();
  const notes = [changed ? `${changed} changed or gone since scanned` : "", missing ? `${missing} without a result for this version/features` : ""].filter(Boolean);
  process.stderr.write(`export: ${exported} results${notes.length ? ` (left out: ${notes.join(", ")})` : ""}\n`);
  return 0;
}

function pick(cache: ResultCache, hash: string, engine: string, options: string | null, stale: boolean): CachedEntry | undefined {
  if (options) {
    const exact = cache.entry(hash, engine, options);
    if (exact || !stale) return exact;
  }
  const all = cache.entriesOf(hash).filter((e) => options === null || e.options === options);
  return (all.find((e) => e.engine === engine) ?? (stale ? all[0] : undefined))?.entry;
}

async function unchanged(row: MemoRow): Promise<boolean> {
  try {
    return sameStamp(stampOf(await fs.stat(row.path, { bigint: true })), row);
  } catch {
    return false;
  }
}
