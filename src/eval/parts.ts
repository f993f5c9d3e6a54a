/**
 * Corpus parts: which table each track of an eval run is scored in.
 *
 * A corpus is one part, named after its folder ("corpus-dev"), unless it is split into two fixed
 * halves by track id, as shared/corpus-pop909/README.md asks ("How to use it without fooling
 * yourself"): half A = ids whose hundreds digit is even (0xx, 2xx, 4xx, 6xx, 8xx), half B = odd
 * (1xx, 3xx, …). Parameters are chosen on A; B is the hold-out that is reported. A track is split
 * when its truth says `source: "pop909"` or `"gen"` (scripts/gen-corpus.ts), or for every track with `--halves`.
 */

import { basename, resolve } from "node:path";
import type { TruthEntry } from "./corpus.js";

export type Half = "A" | "B";
export type SplitChoice = Half | "all";

/** The `source` whose corpora are split into halves without being asked. */
export const SPLIT_SOURCES: readonly string[] = ["pop909", "gen"];

/** The song number of an id: its last run of digits ("pop909-105" → 105); null when it has none. */
export function idNumber(id: string): number | null {
  const m = /(\d+)(?!.*\d)/.exec(id);
  return m ? Number.parseInt(m[1], 10) : null;
}

/** The half of a song number: A when its hundreds digit is even, B when odd. */
export function halfOfNumber(n: number): Half {
  return Math.floor(n / 100) % 2 === 0 ? "A" : "B";
}

/** The half of a track id (see idNumber), or null when the id has no number. */
export function halfOf(id: string): Half | null {
  const n = idNumber(id);
  return n === null ? null : halfOfNumber(n);
}

/** A corpus's name in tables: the folder's name ("corpus-dev"), or "." resolved. */
export function corpusName(dir: string): string {
  return basename(resolve(dir)) || dir;
}

export interface CorpusInput {
  /** The folder as given on the command line. */
  dir: string;
  entries: TruthEntry[];
}

export interface Part {
  /** "corpus-dev", "pop909 A", "pop909 B". */
  name: string;
  corpus: string;
  dir: string;
  /** The half, for a split corpus; null for a whole corpus. */
  half: Half | null;
  entries: TruthEntry[];
}

export interface PartOptions {
  /** Keep only this half of split corpora (unsplit corpora are kept whole). Default "all". */
  split?: SplitChoice;
  /** Split every corpus into halves by id, not only those whose truth says source "pop909" or "gen". */
  halves?: boolean;
  /**
   * Keep only these tracks: an exact id, or, for a track that is split into halves, a number
   * equal to its id's number ("5" = "pop909-005").
   */
  only?: readonly string[];
  /** Keep at most this many tracks per part (the first ones by id). */
  limit?: number;
}

/** An --only item matches an id exactly, or the number of a split track's id when it is all digits. */
function matchesOnly(id: string, isSplit: boolean, item: string): boolean {
  if (id === item) return true;
  return isSplit && /^\d+$/.test(item) && idNumber(id) === Number.parseInt(item, 10);
}

/**
 * Group the corpora's tracks into parts, in command-line order, with half A before half B.
 * Throws PartError for an --only item that names no track, or for a track that must be split but
 * whose id has no number. A half that --split asks for is kept even when it has no tracks (yet),
 * so that the table shows it unmeasured, except under --only; other empty parts are dropped. Two
 * corpora with the same folder name get "name (2)" etc.
 */
export function assignParts(corpora: readonly CorpusInput[], options: PartOptions = {}): Part[] {
  const split = options.split ?? "all";
  const only = options.only && options.only.length > 0 ? options.only : null;
  const isSplit = (e: TruthEntry) => options.halves === true || (e.source !== null && SPLIT_SOURCES.includes(e.source));
  if (only) {
    const all = corpora.flatMap((c) => c.entries);
    const unknown = only.filter((item) => !all.some((e) => matchesOnly(e.id, isSplit(e), item)));
    if (unknown.length > 0) throw new PartError(`--only: no track with id ${unknown.map((u) => `"${u}"`).join(", ")}`);
  }
  const parts: Part[] = [];
  const names = new Map<string, number>();
  const noNumber: string[] = [];
  for (const c of corpora) {
    let corpus = corpusName(c.dir);
    const seen = (names.get(corpus) ?? 0) + 1;
    names.set(corpus, seen);
    if (seen > 1) corpus = `${corpus} (${seen})`;
    const whole: TruthEntry[] = [];
    const halves: Record<Half, TruthEntry[]> = { A: [], B: [] };
    const splitCorpus = c.entries.some(isSplit);
    for (const e of c.entries) {
      if (only && !only.some((item) => matchesOnly(e.id, isSplit(e), item))) continue;
      if (!isSplit(e)) {
        whole.push(e);
        continue;
      }
      const half = halfOf(e.id);
      if (half === null) noNumber.push(`${c.dir}: ${e.id}`);
      else halves[half].push(e);
    }
    const limit = (list: TruthEntry[]) => (options.limit === undefined ? list : list.slice(0, options.limit));
    const push = (name: string, half: Half | null, list: TruthEntry[]) => {
      const keepEmpty = half !== null && splitCorpus && !only;
      if (list.length > 0 || keepEmpty) parts.push({ name, corpus, dir: c.dir, half, entries: limit(list) });
    };
    push(corpus, null, whole);
    if (split !== "B") push(`${corpus} A`, "A", halves.A);
    if (split !== "A") push(`${corpus} B`, "B", halves.B);
  }
  if (noNumber.length > 0) {
    throw new PartError(`cannot split into halves A/B by id: no number in the id of ${noNumber.join(", ")}`);
  }
  return parts;
}

/** Parts cannot be formed from what was asked (an unknown --only id, an id without a number). */
export class PartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartError";
  }
}
