/**
 * Reading a ground-truth corpus: one JSON file per track (see shared/corpus-dev/README.md).
 *
 * Layouts accepted by loadCorpus(dir):
 *   - DIR/truth/*.json, each `file` relative to DIR (the corpus-dev layout);
 *   - DIR/*.json, each `file` relative to DIR.
 * An absolute `file` is used as is. Fields: `file` (required), `id` (default: JSON file name
 * without .json), `tempo_bpm`, `beats`, `downbeats`, `meter`, `key`, `duration_s`,
 * `expect_error`, `source`; a missing field is the same as null ("not known"). Other fields are
 * ignored. A track whose truth has `"tempo_bpm": null` and `"beats": null` written out (not
 * missing) has no beat at all (beatless ambient, noise): its right tempo answer is "no pulse".
 */

import { readdir, readFile, stat } from "node:fs/promises";
import { basename, isAbsolute, join, resolve } from "node:path";
import { parseKey } from "./metrics.js";

export interface TruthEntry {
  /** Track id (the truth's `id`, or the truth file's name without .json). */
  id: string;
  /** The truth JSON file, absolute. */
  truthPath: string;
  /** `file` as written in the truth. */
  file: string;
  /** The audio file, absolute. */
  audioPath: string;
  durationS: number | null;
  tempoBpm: number | null;
  beats: number[] | null;
  downbeats: number[] | null;
  /** Beats per bar (2 for 6/8). */
  meter: number | null;
  /** Canonical sharp spelling, e.g. "A# minor". */
  key: string | null;
  /** The track is expected to fail analysis (e.g. a corrupt file); it is not scored. */
  expectError: boolean;
  /** Where the track comes from (`source`, e.g. "pop909"), null if not given. */
  source: string | null;
  /** The truth says there is no beat: `tempo_bpm` and `beats` both written as null. */
  beatless: boolean;
}

/** A corpus that cannot be read or whose truth is malformed; the message lists every problem. */
export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CorpusError";
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Which folder holds the truth JSON files, and which folder `file` paths are relative to. */
export async function locateTruth(dir: string): Promise<{ truthDir: string; audioRoot: string }> {
  const root = resolve(dir);
  if (!(await isDirectory(root))) throw new CorpusError(`${dir}: not a directory`);
  const truthDir = join(root, "truth");
  if (await isDirectory(truthDir)) return { truthDir, audioRoot: root };
  return { truthDir: root, audioRoot: root };
}

type Problems = string[];

function optionalNumber(
  obj: Record<string, unknown>,
  field: string,
  problems: Problems,
  check: (n: number) => string | null,
): number | null {
  const v = obj[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    problems.push(`"${field}" must be a number or null, got ${JSON.stringify(v)}`);
    return null;
  }
  const why = check(v);
  if (why) {
    problems.push(`"${field}" ${why}, got ${v}`);
    return null;
  }
  return v;
}

function optionalTimes(obj: Record<string, unknown>, field: string, problems: Problems): number[] | null {
  const v = obj[field];
  if (v === undefined || v === null) return null;
  if (!Array.isArray(v)) {
    problems.push(`"${field}" must be an array of times in seconds or null`);
    return null;
  }
  for (let i = 0; i < v.length; i++) {
    const t = v[i];
    if (typeof t !== "number" || !Number.isFinite(t) || t < 0) {
      problems.push(`"${field}"[${i}] must be a time >= 0 in seconds, got ${JSON.stringify(t)}`);
      return null;
    }
    if (i > 0 && t < v[i - 1]) {
      problems.push(`"${field}" must be in increasing order (element ${i}: ${t} after ${v[i - 1]})`);
      return null;
    }
  }
  return v as number[];
}

/** Validate one parsed truth object; throws CorpusError naming the file and every problem. */
export function parseTruth(json: unknown, truthPath: string, audioRoot: string): TruthEntry {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new CorpusError(`${truthPath}: expected a JSON object`);
  }
  const obj = json as Record<string, unknown>;
  const problems: Problems = [];

  const file = obj.file;
  if (typeof file !== "string" || file.trim() === "") {
    problems.push(`"file" must be the audio path (relative to ${audioRoot}), got ${JSON.stringify(file)}`);
  }
  let id = basename(truthPath).replace(/\.json$/i, "");
  if (obj.id !== undefined && obj.id !== null) {
    if (typeof obj.id === "string" && obj.id !== "") id = obj.id;
    else problems.push(`"id" must be a non-empty string, got ${JSON.stringify(obj.id)}`);
  }
  const positive = (n: number) => (n > 0 ? null : "must be > 0");
  const tempoBpm = optionalNumber(obj, "tempo_bpm", problems, positive);
  const durationS = optionalNumber(obj, "duration_s", problems, positive);
  const meter = optionalNumber(obj, "meter", problems, (n) =>
    Number.isInteger(n) && n > 0 ? null : "must be a positive whole number of beats per bar",
  );
  const beats = optionalTimes(obj, "beats", problems);
  const downbeats = optionalTimes(obj, "downbeats", problems);

  let key: string | null = null;
  if (obj.key !== undefined && obj.key !== null) {
    const parsed = typeof obj.key === "string" ? parseKey(obj.key) : null;
    if (parsed) key = parsed.name;
    else problems.push(`"key" must be like "A minor" or "F# major" or null, got ${JSON.stringify(obj.key)}`);
  }
  const expectError = obj.expect_error ?? false;
  if (typeof expectError !== "boolean") problems.push(`"expect_error" must be true or false`);
  const source = obj.source ?? null;
  if (source !== null && typeof source !== "string") problems.push(`"source" must be a string or null, got ${JSON.stringify(source)}`);

  if (problems.length > 0) {
    throw new CorpusError(`${truthPath}: ${problems.join("; ")}`);
  }
  const f = file as string;
  return {
    id,
    truthPath,
    file: f,
    audioPath: isAbsolute(f) ? f : resolve(audioRoot, f),
    durationS,
    tempoBpm,
    beats,
    downbeats,
    meter,
    key,
    expectError: expectError as boolean,
    source: source as string | null,
    beatless: obj.tempo_bpm === null && obj.beats === null,
  };
}

/**
 * Read and validate every truth file of a corpus, sorted by id. Problems in several files are
 * reported together in one CorpusError. Audio files are not opened here (a missing one is a
 * failed analysis for that track, which scores 0, not a corpus error).
 */
export async function loadCorpus(dir: string): Promise<TruthEntry[]> {
  const { truthDir, audioRoot } = await locateTruth(dir);
  const names = (await readdir(truthDir)).filter((n) => n.toLowerCase().endsWith(".json")).sort();
  if (names.length === 0) {
    throw new CorpusError(`${dir}: no truth files (*.json) in ${truthDir}`);
  }
  const entries: TruthEntry[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const path = join(truthDir, name);
    try {
      let json: unknown;
      try {
        json = JSON.parse(await readFile(path, "utf8"));
      } catch (e) {
        throw new CorpusError(`${path}: not valid JSON (${(e as Error).message})`);
      }
      entries.push(parseTruth(json, path, audioRoot));
    } catch (e) {
      if (!(e instanceof CorpusError)) throw e;
      errors.push(e.message);
    }
  }
  const seen = new Map<string, string>();
  for (const e of entries) {
    const other = seen.get(e.id);
    if (other) errors.push(`${e.truthPath}: id "${e.id}" is also used by ${other}`);
    seen.set(e.id, e.truthPath);
  }
  if (errors.length > 0) {
    throw new CorpusError(`invalid ground truth in ${truthDir}:\n  ${errors.join("\n  ")}`);
  }
  return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
