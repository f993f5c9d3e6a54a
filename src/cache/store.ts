/**
 * The result cache: one SQLite file (better-sqlite3, WAL) shared by `scan`, `analyze` and
 * `export`, by every worker thread of a scan and by concurrent scans (busy timeout).
 *
 *   files    path → (size, mtime ns, inode) stamp → content hash (or "not audio"): a re-scan of an
 *            unchanged file reads nothing but this row.
 *   results  (content hash, engine, options) → the Analysis JSON, or the failure that analysing
 *            it gave. engine = VERSION + a hash of the analysis code (fingerprint.ts); options =
 *            the sorted feature list. A moved or copied file hits the same row.
 *
 * Every result is its own transaction (autocommit), so a kill -9 loses at most the analyses in
 * flight; WAL with synchronous=NORMAL survives a killed process (not necessarily a power cut).
 * It is a cache: an unreadable or foreign-schema database is moved aside and rebuilt.
 */
import { mkdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { type Analysis, type AnalysisFailure, type AnalysisOutcome, type AnalyzerOptions, CONTENT_ERRORS, type ErrorCode, type FeatureName } from "../result.js";

const SCHEMA_VERSION = "1";
export const CACHE_FILE = "cache.sqlite";

/** What identifies a file's version on disk without reading it. */
export interface FileStamp {
  size: number;
  mtimeNs: string;
  ino: string;
}

export function stampOf(st: { size: bigint; mtimeNs: bigint; ino: bigint }): FileStamp {
  return { size: Number(st.size), mtimeNs: String(st.mtimeNs), ino: String(st.ino) };
}

export const sameStamp = (a: FileStamp, b: FileStamp) => a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;

/** A memo row: the file was audio with this hash, or was not audio (note: what it was instead). */
export interface MemoRow extends FileStamp {
  path: string;
  hash: string | null;
  format: string | null;
  note: string | null;
}

export type CachedEntry =
  | { status: "ok"; json: string; createdAt: number }
  | { status: "failed"; code: ErrorCode; message: string; createdAt: number };

/**
 * Failures worth remembering: those that describe the bytes alone (result.ts CONTENT_ERRORS), so
 * retrying gives the same. A crash (INTERNAL), a timeout or a failed read says nothing about the
 * bytes, and storing it would answer for every copy of the file from then on.
 */
export const isCacheableFailure = (code: ErrorCode) => CONTENT_ERRORS.has(code);

/** Whether an outcome may be stored under the content hash of the bytes it came from. */
export const isCacheable = (outcome: AnalysisOutcome) => !("error" in outcome) || isCacheableFailure(outcome.error.code);

/**
 * The options part of the key: the feature list, sorted, then the analyser options that change
 * the result (";bpm=MIN-MAX", ";model=neural"), so a result for another tempo range is never reused. Without
 * analyser options the key is the feature list alone (as before they existed).
 */
export const optionsKey = (features: readonly FeatureName[], options?: AnalyzerOptions | null) =>
  [...features].sort().join(",") +
  (options?.bpmRange ? `;bpm=${options.bpmRange.min}-${options.bpmRange.max}` : "") +
  (options?.model ? `;model=${options.model}` : "");

export class ResultCache {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly q;

  private constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, CACHE_FILE);
    this.db = openDatabase(this.path);
    const db = this.db;
    this.q = {
      memo: db.prepare<[string], MemoRow>(
        "SELECT path, size, mtime_ns AS mtimeNs, ino, hash, format, note FROM files WHERE path = ?",
      ),
      remember: db.prepare(
        `INSERT INTO files (path, size, mtime_ns, ino, hash, format, note, seen_at) VALUES (@path, @size, @mtimeNs, @ino, @hash, @format, @note, @now)
         ON CONFLICT(path) DO UPDATE SET size = excluded.size, mtime_ns = excluded.mtime_ns, ino = excluded.ino,
           hash = excluded.hash, format = excluded.format, note = excluded.note, seen_at = excluded.seen_at`,
      ),
      result: db.prepare<[string, string, string], { status: "ok" | "failed"; data: string; createdAt: number }>(
        "SELECT status, data, created_at AS createdAt FROM results WHERE hash = ? AND engine = ? AND options = ?",
      ),
      put: db.prepare(
        `INSERT INTO results (hash, engine, options, status, data, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(hash, engine, options) DO UPDATE SET status = excluded.status, data = excluded.data, created_at = excluded.created_at`,
      ),
      under: db.prepare<[string, string], MemoRow>(
        "SELECT path, size, mtime_ns AS mtimeNs, ino, hash, format, note FROM files WHERE path > ? AND path < ? ORDER BY path",
      ),
      resultsOf: db.prepare<[string], { engine: string; options: string; status: "ok" | "failed"; data: string; createdAt: number }>(
        "SELECT engine, options, status, data, created_at AS createdAt FROM results WHERE hash = ? ORDER BY created_at DESC",
      ),
    };
  }

  /** Opens (creating if needed) the cache in `dir`. */
  static open(dir: string): ResultCache {
    return new ResultCache(dir);
  }

  memo(path: string): MemoRow | undefined {
    return this.q.memo.get(path);
  }

  /** The memo row for `path` when it still describes the file (same size, mtime, inode). */
  memoFor(path: string, stamp: FileStamp): MemoRow | undefined {
    const m = this.q.memo.get(path);
    return m && sameStamp(m, stamp) ? m : undefined;
  }

  remember(path: string, stamp: FileStamp, what: { hash: string; format?: string } | { note: string }): void {
    this.q.remember.run({
      path,
      ...stamp,
      hash: "hash" in what ? what.hash : null,
      format: "hash" in what ? (what.format ?? null) : null,
      note: "note" in what ? what.note : null,
      now: Date.now(),
    });
  }

  entry(hash: string, engine: string, options: string): CachedEntry | undefined {
    const r = this.q.result.get(hash, engine, options);
    if (!r) return undefined;
    if (r.status === "ok") return { status: "ok", json: r.data, createdAt: r.createdAt };
    const e = JSON.parse(r.data) as { code: ErrorCode; message: string };
    // An older trackprobe stored crashes (INTERNAL) too: those say nothing about the bytes.
    if (!isCacheableFailure(e.code)) return undefined;
    return { status: "failed", code: e.code, message: e.message, createdAt: r.createdAt };
  }

  /**
   * Stores what analysing the file with content `hash` gave, and the path's memo, in one
   * transaction. Failures that could go away by themselves (unreadable, needs ffmpeg, a crash) are
   * not stored. `name` is the file name inside messages, stored without it.
   */
  record(path: string, stamp: FileStamp, hash: string, engine: string, options: string, outcome: AnalysisOutcome, format?: string): void {
    const tx = this.db.transaction(() => {
      this.remember(path, stamp, { hash, format: format ?? ("format" in outcome ? outcome.format : undefined) });
      this.put(hash, engine, options, outcome);
    });
    tx.immediate();
  }

  /**
   * Stores an outcome under its content hash alone, with no path memo (for input read once, such
   * as a pipe, whose stamp says nothing about what it will hold next time). Returns whether it
   * was stored: only results and CONTENT_ERRORS failures are.
   */
  put(hash: string, engine: string, options: string, outcome: AnalysisOutcome): boolean {
    if ("error" in outcome) {
      if (!isCacheableFailure(outcome.error.code)) return false;
      const message = stripName(outcome.error.message, outcome.file);
      this.q.put.run(hash, engine, options, "failed", JSON.stringify({ code: outcome.error.code, message }), Date.now());
    } else {
      const { file: _file, ...rest } = outcome;
      this.q.put.run(hash, engine, options, "ok", JSON.stringify(rest), Date.now());
    }
    return true;
  }

  /** Memo rows of the files at or under each of `paths` (absolute), sorted by path. */
  filesUnder(root: string): MemoRow[] {
    const exact = this.q.memo.get(root);
    const dir = root.endsWith("/") ? root : `${root}/`;
    // "/" is 0x2F and "0" 0x30: every path starting with `dir` sorts between these two.
    const rows = this.q.under.all(dir, `${dir.slice(0, -1)}0`);
    return exact ? [exact, ...rows] : rows;
  }

  /** Every stored result for a content hash, newest first. */
  entriesOf(hash: string): { engine: string; options: string; entry: CachedEntry }[] {
    return this.q.resultsOf
      .all(hash)
      .map((r) => ({
        engine: r.engine,
        options: r.options,
        entry: (r.status === "ok"
          ? { status: "ok", json: r.data, createdAt: r.createdAt }
          : { status: "failed", ...(JSON.parse(r.data) as { code: ErrorCode; message: string }), createdAt: r.createdAt }) as CachedEntry,
      }))
      .filter((e) => e.entry.status === "ok" || isCacheableFailure(e.entry.code));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** The outcome a cache entry stands for, reported under the name `file`. */
export function outcomeOf(entry: CachedEntry, file: string): AnalysisOutcome {
  if (entry.status === "ok") return { file, ...(JSON.parse(entry.json) as Omit<Analysis, "file">) };
  return { file, error: { code: entry.code, message: `${file}: ${entry.message}` } } satisfies AnalysisFailure;
}

function stripName(message: string, name: string): string {
  return message.startsWith(`${name}: `) ? message.slice(name.length + 2) : message;
}

function openDatabase(path: string): Database.Database {
  try {
    return initialise(new Database(path, { timeout: 15000 }));
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    // SQLITE_BUSY/LOCKED: another process holds it; that is not a broken cache.
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) throw e;
    if (!code.startsWith("SQLITE_") && !(e instanceof ForeignSchema)) throw e;
    const aside = `${path}.broken-${Date.now()}`;
    process.stderr.write(`trackprobe: the cache ${path} could not be used (${(e as Error).message}); moved to ${aside}, starting afresh\n`);
    for (const ext of ["", "-wal", "-shm"]) {
      try {
        renameSync(path + ext, aside + ext);
      } catch {}
    }
    return initialise(new Database(path, { timeout: 15000 }));
  }
}

class ForeignSchema extends Error {}

function initialise(db: Database.Database): Database.Database {
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS files (
        path TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        mtime_ns TEXT NOT NULL,
        ino TEXT NOT NULL,
        hash TEXT,
        format TEXT,
        note TEXT,
        seen_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS files_hash ON files (hash);
      CREATE TABLE IF NOT EXISTS results (
        hash TEXT NOT NULL,
        engine TEXT NOT NULL,
        options TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        data TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (hash, engine, options)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', '${SCHEMA_VERSION}');
    `);
    const v = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema'").get();
    if (v?.value !== SCHEMA_VERSION) throw new ForeignSchema(`cache schema ${v?.value}, expected ${SCHEMA_VERSION}`);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
