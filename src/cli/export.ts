/**
 * `trackprobe export DIR...`: dump the cached results of the files under folders, as json/ndjson/
 * csv or as a DJ program's library file (Rekordbox XML, Traktor NML); decodes nothing.
 */
import { promises as fs } from "node:fs";
import { extname, isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { engineKey } from "../cache/fingerprint.js";
import { openResultCache, resolveCacheDir } from "../cache/location.js";
import { type CachedEntry, type MemoRow, optionsKey, outcomeOf, type ResultCache, sameStamp, stampOf } from "../cache/store.js";
import { CUE_MODES, type CueMode, type ExportTrack, KEY_NOTATIONS, type KeyNotation, xmlSafePath } from "../export/common.js";
import { m3u8 } from "../export/m3u8.js";
import { rekordboxXml } from "../export/rekordbox-xml.js";
import { traktorNml } from "../export/traktor-nml.js";
import { hasAudioExtension } from "../library/walk.js";
import { type FeatureName, isFailure } from "../result.js";
import { parseFeatures } from "./analyze.js";
import { OUTPUT_FORMATS } from "./format.js";
import { parseFormat, ResultOutput } from "./scan.js";
import { UsageError } from "./usage-error.js";
import { checkOutputFile, writeFileAtomic } from "./write-atomic.js";

/** Library files of DJ programs (src/export/), written whole at the end. */
export const DJ_FORMATS = ["rekordbox-xml", "traktor-nml", "m3u8"] as const;
export type DjFormat = (typeof DJ_FORMATS)[number];
const DJ_FORMAT_OF_EXTENSION: Record<string, DjFormat> = { ".xml": "rekordbox-xml", ".nml": "traktor-nml", ".m3u8": "m3u8", ".m3u": "m3u8" };

interface ExportFlags {
  format?: string;
  output?: string;
  features?: string;
  cacheDir?: string;
  stale?: boolean;
  failed: boolean;
  keyNotation?: string;
  cues?: string;
  playlist?: string;
  comments?: boolean;
  traktorVolume?: string;
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("print the cached results of the files under folders (what `scan` stored), or write them as a Rekordbox or Traktor library; decodes nothing")
    .argument("<dirs...>", "folders (or files) whose cached results to print")
    .option(
      "-f, --format <format>",
      `output format: ${[...OUTPUT_FORMATS, ...DJ_FORMATS].join("|")} (default: from -o's extension: .xml rekordbox-xml, .nml traktor-nml, .m3u8/.m3u m3u8, .json, .ndjson, .csv, .txt; else ndjson)`,
    )
    .option("-o, --output <file>", "write to FILE (atomically) instead of standard output")
    .option("--features <list>", "only results computed with exactly these features (default: the newest result of each file)")
    .option("--cache-dir <dir>", "result cache folder (default: $TRACKPROBE_CACHE_DIR, else $XDG_CACHE_HOME/trackprobe or ~/.cache/trackprobe)")
    .option("--stale", "also print results computed by an older trackprobe (default: only this version's)")
    .option("--no-failed", "leave out files whose analysis failed (DJ formats always leave them out)")
    .option("--key-notation <notation>", `DJ formats: key text in ${KEY_NOTATIONS.join("|")} (default: what the program shows: standard "Am" for Rekordbox's Tonality, open-key "1m" for Traktor's KEY; Traktor's MUSICAL_KEY number is written either way)`)
    .option("--cues <which>", `DJ formats: ${CUE_MODES.join("|")}: each cue as a memory cue and the first 8 also as hot cues (both), only hot cues, only memory cues, or none (default: both)`)
    .option("--playlist <name>", "DJ formats and m3u8: name of the playlist holding the exported tracks (default: trackprobe)")
    .option("--comments", `DJ formats: also write key and energy ("8A - Energy 6") into the comment field (replaces the comment on import)`)
    .option("--traktor-volume <name>", 'traktor-nml: the volume name of files not under /Volumes/NAME, i.e. the macOS start-up disk (default: "Macintosh HD" when run on macOS, none elsewhere; Windows paths use their drive letter)')
    .addHelpText(
      "after",
      `
Examples:
  trackprobe export ~/Music --format csv -o library.csv
  trackprobe export ~/Music -o rekordbox.xml                 # Rekordbox: beat grid, key, cues, a playlist
  trackprobe export ~/Music -o trackprobe.nml --key-notation camelot   # Traktor
  trackprobe export ~/Music -o trackprobe.m3u8               # a playlist any DJ program imports (no grid)

DJ formats (rekordbox-xml, traktor-nml) and m3u8 hold successful analyses only (failures are
counted on standard error); files without beats get no grid. m3u8 is a playlist only: with
\`scan --write-tags\` the programs read BPM and key from the files' tags. See "Use with your DJ
software" in the README for the import steps.
Files that changed or disappeared since they were scanned are left out (scan again to update).
Exit status: 0 (also when nothing is cached), 2 bad usage.`,
    )
    .action(async (dirs: string[], flags: ExportFlags) => {
      process.exitCode = await runExport(dirs, flags);
    });
}

/** --format, else the DJ format -o's extension names; null when it is one of the result formats. */
function djFormatOf(flag: string | undefined, output: string | undefined): DjFormat | null {
  if (flag !== undefined) return (DJ_FORMATS as readonly string[]).includes(flag) ? (flag as DjFormat) : null;
  return output ? (DJ_FORMAT_OF_EXTENSION[extname(output).toLowerCase()] ?? null) : null;
}

function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag}: unknown value "${value}"; use one of ${allowed.join(", ")}`);
  return value as T;
}

async function runExport(dirs: string[], flags: ExportFlags): Promise<number> {
  const djFormat = djFormatOf(flags.format, flags.output);
  if (djFormat) return runDjExport(dirs, flags, djFormat);
  for (const [flag, set, formats] of [
    ["--key-notation", flags.keyNotation, "rekordbox-xml|traktor-nml"],
    ["--cues", flags.cues, "rekordbox-xml|traktor-nml"],
    ["--comments", flags.comments, "rekordbox-xml|traktor-nml"],
    ["--playlist", flags.playlist, DJ_FORMATS.join("|")],
    ["--traktor-volume", flags.traktorVolume, "traktor-nml"],
  ] as const) {
    if (set !== undefined) throw new UsageError(`${flag} goes with --format ${formats}`);
  }
  if (flags.format !== undefined && !(OUTPUT_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError(`unknown format "${flags.format}"; use one of ${[...OUTPUT_FORMATS, ...DJ_FORMATS].join(", ")}`);
  }
  const format = parseFormat(flags.format, "ndjson", flags.output);
  const features = parseFeatures(flags.features);
  if (flags.output) checkOutputFile(flags.output);
  // Without --features, results of different selections mix: the csv shows every feature's columns.
  const out = new ResultOutput(format, flags.output, features);
  await out.open();
  let exported = 0;
  let changed = 0;
  let missing = 0;
  for await (const f of cachedFiles(dirs, flags, features)) {
    if (f.kind === "changed") changed++;
    else if (f.kind === "missing") missing++;
    else if (f.kind === "not-audio") {
      if (flags.failed) {
        out.add({ file: f.name, error: { code: f.note === "empty" ? "EMPTY" : "UNSUPPORTED_FORMAT", message: `${f.name}: not audio (${f.note})` } });
        exported++;
      }
    } else if (f.entry.status !== "failed" || flags.failed) {
      out.add(outcomeOf(f.entry, f.name));
      exported++;
    }
  }
  await out.close();
  const notes = [changed ? `${changed} changed or gone since scanned` : "", missing ? `${missing} without a result for this version/features` : ""].filter(Boolean);
  process.stderr.write(`export: ${exported} results${notes.length ? ` (left out: ${notes.join(", ")})` : ""}\n`);
  return 0;
}

/** What the cache holds for one file under the folders (files not named like audio that are not audio are skipped). */
type CachedFile =
  | { kind: "changed" }
  | { kind: "missing" }
  | { kind: "not-audio"; name: string; note: string }
  | { kind: "entry"; row: MemoRow; name: string; entry: CachedEntry; size: number };

/**
 * Every file the cache knows under `dirs`, once each: changed or gone since it was scanned, not
 * audio, without a result for these features (and this version unless `stale`), or its entry.
 * `name` is the path as the user gave the folder (absolute, or relative to here).
 */
async function* cachedFiles(dirs: string[], flags: { cacheDir?: string; stale?: boolean }, features: FeatureName[] | undefined): AsyncGenerator<CachedFile> {
  const wanted = features ? optionsKey(features) : null;
  const engine = engineKey();
  const cache = openResultCache(resolveCacheDir(flags.cacheDir));
  const seen = new Set<string>();
  try {
    for (const dir of dirs) {
      for (const row of cache.filesUnder(resolve(dir))) {
        if (seen.has(row.path)) continue;
        seen.add(row.path);
        if (row.note && !hasAudioExtension(row.path)) continue;
        const name = isAbsolute(dir) ? row.path : relative(process.cwd(), row.path);
        const size = await sizeIfUnchanged(row);
        if (size === null) yield { kind: "changed" };
        else if (row.note) yield { kind: "not-audio", name, note: row.note };
        else {
          const entry = pick(cache, row.hash as string, engine, wanted, !!flags.stale);
          yield entry ? { kind: "entry", row, name, entry, size } : { kind: "missing" };
        }
      }
    }
  } finally {
    cache.close();
  }
}

function pick(cache: ResultCache, hash: string, engine: string, options: string | null, stale: boolean): CachedEntry | undefined {
  if (options) {
    const exact = cache.entry(hash, engine, options);
    if (exact || !stale) return exact;
  }
  const all = cache.entriesOf(hash).filter((e) => options === null || e.options === options);
  return (all.find((e) => e.engine === engine) ?? (stale ? all[0] : undefined))?.entry;
}

/** The file's size when it is as it was scanned; null when it changed or is gone. */
async function sizeIfUnchanged(row: MemoRow): Promise<number | null> {
  try {
    const st = await fs.stat(row.path, { bigint: true });
    return sameStamp(stampOf(st), row) ? Number(st.size) : null;
  } catch {
    return null;
  }
}

/**
 * The DJ formats: every successful analysis under the folders, by absolute path (the DJ program
 * finds the files by it), written whole and atomically. Failures are left out and counted.
 */
async function runDjExport(dirs: string[], flags: ExportFlags, format: DjFormat): Promise<number> {
  const keyNotation = oneOf("--key-notation", flags.keyNotation === "openkey" ? "open-key" : flags.keyNotation, KEY_NOTATIONS as readonly KeyNotation[]);
  const cues = oneOf("--cues", flags.cues, CUE_MODES as readonly CueMode[]);
  if (flags.playlist !== undefined && flags.playlist.trim() === "") throw new UsageError("--playlist needs a name");
  if (flags.traktorVolume !== undefined && format !== "traktor-nml") throw new UsageError("--traktor-volume goes with --format traktor-nml");
  if (format === "m3u8") {
    for (const [flag, set] of [
      ["--key-notation", flags.keyNotation],
      ["--cues", flags.cues],
      ["--comments", flags.comments],
    ] as const) {
      if (set !== undefined) throw new UsageError(`${flag} goes with --format rekordbox-xml|traktor-nml (an m3u8 playlist holds no key or cues)`);
    }
  }
  if (flags.output) checkOutputFile(flags.output);
  const tracks: ExportTrack[] = [];
  let failed = 0;
  let changed = 0;
  let missing = 0;
  let gridless = 0;
  for await (const f of cachedFiles(dirs, flags, parseFeatures(flags.features))) {
    if (f.kind === "changed") changed++;
    else if (f.kind === "missing") missing++;
    else if (f.kind === "not-audio") failed++; // a file named like audio that is not
    else {
      const outcome = outcomeOf(f.entry, f.row.path);
      if (isFailure(outcome)) {
        failed++;
        continue;
      }
      if (!outcome.beats || outcome.beats.length < 2) gridless++;
      tracks.push({ path: f.row.path, analysis: outcome, size: f.size });
    }
  }
  // Path order: the same library always gives the same file (and TrackIDs).
  tracks.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Paths the format cannot name exactly (traktorNml and m3u8 leave them out): counted here.
  const unnameable = format === "traktor-nml" ? tracks.filter((t) => !xmlSafePath(t.path)).length : format === "m3u8" ? tracks.filter((t) => /[\r\n]/.test(t.path)).length : 0;
  const options = { keyNotation, cues, playlistName: flags.playlist, comments: !!flags.comments };
  const text =
    format === "rekordbox-xml" ? rekordboxXml(tracks, options) : format === "traktor-nml" ? traktorNml(tracks, { ...options, volume: flags.traktorVolume }) : m3u8(tracks, options);
  if (flags.output) await writeFileAtomic(flags.output, text);
  else process.stdout.write(text);
  const notes = [
    failed ? `${failed} failed analyses` : "",
    unnameable ? `${unnameable} whose path has control characters ${format} cannot hold` : "",
    changed ? `${changed} changed or gone since scanned` : "",
    missing ? `${missing} without a result for this version/features` : "",
  ].filter(Boolean);
  const grid = gridless && format !== "m3u8" ? `; ${gridless} without a beat grid` : "";
  process.stderr.write(`export: ${tracks.length - unnameable} tracks (${format})${grid}${notes.length ? ` (left out: ${notes.join(", ")})` : ""}\n`);
  return 0;
}
