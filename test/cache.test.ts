/**
 * The result cache: location, hashing, the engine key, the SQLite store (memo, results, failures,
 * recovery from a broken file) and analyzeCached() (hit, changed file, failures, --retry-failed).
 */
import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { analyzeCached } from "../src/cache/cached-analyze.js";
import { engineKey } from "../src/cache/fingerprint.js";
import { hashFile } from "../src/cache/hash.js";
import { defaultCacheDir, resolveCacheDir } from "../src/cache/location.js";
import { CACHE_FILE, optionsKey, outcomeOf, ResultCache } from "../src/cache/store.js";
import { type Analysis, CONTENT_ERRORS, VERSION } from "../src/result.js";
import { tempDir, writeWav } from "./signals/files.js";
import { sine } from "./signals/wav.js";
import { CLI_MAIN, runCli } from "./support/cli.js";

describe("cache location", () => {
  it("--cache-dir, then $TRACKPROBE_CACHE_DIR, then $XDG_CACHE_HOME/trackprobe, then ~/.cache/trackprobe", () => {
    assert.equal(resolveCacheDir("/x/y", { TRACKPROBE_CACHE_DIR: "/a" }), "/x/y");
    assert.equal(defaultCacheDir({ TRACKPROBE_CACHE_DIR: "/a", XDG_CACHE_HOME: "/b" }), "/a");
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: "/b" }), "/b/trackprobe");
    assert.match(defaultCacheDir({ XDG_CACHE_HOME: "relative/ignored" }), /\/\.cache\/trackprobe$/);
    assert.match(defaultCacheDir({}), /\/\.cache\/trackprobe$/);
  });
});

describe("hashing and the engine key", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  it("hashFile is the SHA-256 of every byte (also past the 1 MiB read size)", async () => {
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(join(dir, "f.bin"), bytes);
    assert.equal(await hashFile(join(dir, "f.bin")), createHash("sha256").update(bytes).digest("hex"));
  });
  it("the engine key is VERSION plus a code hash, stable within a process", () => {
    assert.match(engineKey(), new RegExp(`^${VERSION.replace(/\./g, "\\.")}\\+[0-9a-f]{12}$`));
    assert.equal(engineKey(), engineKey());
  });
});

const fakeAnalysis = (file: string): Analysis => ({
  file,
  format: "wav",
  duration: 1,
  sampleRate: 44100,
  channels: 1,
  loudness: { integrated: -20, range: 1, truePeak: -3 },
  warnings: [],
  timings: { decode: 0.1, features: 0.1, analyzers: 0.1 },
  version: VERSION,
});

describe("ResultCache", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const stamp = { size: 10, mtimeNs: "123", ino: "7" };

  it("remembers path → hash while size, mtime and inode match", () => {
    const c = ResultCache.open(dir);
    c.remember("/m/a.wav", stamp, { hash: "h1", format: "wav" });
    assert.equal(c.memoFor("/m/a.wav", stamp)?.hash, "h1");
    assert.equal(c.memoFor("/m/a.wav", { ...stamp, size: 11 }), undefined);
    assert.equal(c.memoFor("/m/a.wav", { ...stamp, mtimeNs: "124" }), undefined);
    assert.equal(c.memoFor("/m/a.wav", { ...stamp, ino: "8" }), undefined);
    c.close();
  });

  it("stores results by (hash, engine, options), under any path name", () => {
    const c = ResultCache.open(dir);
    c.record("/m/a.wav", stamp, "h1", "E", "loudness", fakeAnalysis("a.wav"));
    const e = c.entry("h1", "E", "loudness");
    assert.equal(e?.status, "ok");
    const o = outcomeOf(e as NonNullable<typeof e>, "elsewhere/copy.wav") as Analysis;
    assert.equal(o.file, "elsewhere/copy.wav");
    assert.deepEqual({ ...o, file: "a.wav" }, fakeAnalysis("a.wav"));
    assert.equal(c.entry("h1", "E2", "loudness"), undefined, "another engine misses");
    assert.equal(c.entry("h1", "E", "key,loudness"), undefined, "other options miss");
    c.close();
  });

  it("stores failures that depend on the bytes (name re-attached), not passing ones", () => {
    const c = ResultCache.open(dir);
    c.record("/m/b.mp3", stamp, "h2", "E", "o", { file: "x/b.mp3", error: { code: "CORRUPT", message: "x/b.mp3: truncated" } });
    const e = c.entry("h2", "E", "o");
    assert.deepEqual(outcomeOf(e as NonNullable<typeof e>, "y/b.mp3"), { file: "y/b.mp3", error: { code: "CORRUPT", message: "y/b.mp3: truncated" } });
    c.record("/m/c.mp3", stamp, "h3", "E", "o", { file: "c.mp3", error: { code: "UNREADABLE", message: "c.mp3: EACCES" } });
    assert.equal(c.entry("h3", "E", "o"), undefined);
    assert.equal(c.memoFor("/m/c.mp3", stamp)?.hash, "h3", "the hash is still remembered");
    c.close();
  });

  it("lists the files under a folder, not its look-alike siblings", () => {
    const c = ResultCache.open(dir);
    for (const p of ["/lib/a/1.mp3", "/lib/a/sub/2.mp3", "/lib/ab/3.mp3", "/lib/a0.mp3", "/lib/a"]) c.remember(p, stamp, { note: "text" });
    assert.deepEqual(c.filesUnder("/lib/a").map((r) => r.path), ["/lib/a", "/lib/a/1.mp3", "/lib/a/sub/2.mp3"]);
    c.close();
  });

  it("several connections share it (WAL); a corrupt cache file is moved aside and rebuilt", () => {
    const a = ResultCache.open(dir);
    const b = ResultCache.open(dir);
    a.record("/m/d.wav", stamp, "h4", "E", "o", fakeAnalysis("d.wav"));
    assert.equal(b.entry("h4", "E", "o")?.status, "ok");
    a.close();
    b.close();
    const broken = tempDir();
    try {
      writeFileSync(join(broken.dir, CACHE_FILE), "this is not a database ".repeat(100));
      const origWrite = process.stderr.write;
      let said = "";
      process.stderr.write = ((s: string) => ((said += s), true)) as typeof process.stderr.write;
      let c: ResultCache;
      try {
        c = ResultCache.open(broken.dir);
      } finally {
        process.stderr.write = origWrite;
      }
      assert.match(said, /could not be used .* moved to/);
      c.remember("/x", stamp, { note: "text" });
      assert.equal(c.memoFor("/x", stamp)?.note, "text");
      c.close();
    } finally {
      broken.cleanup();
    }
  });
});

describe("analyzeCached", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const cacheDir = join(dir, "cache");
  const f = writeWav(join(dir, "tone.wav"), [sine(440, 1, 44100, 0.3)], 44100);
  const bad = join(dir, "bad.wav");
  writeFileSync(bad, Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"), Buffer.alloc(40, 0xff)]));

  it("analyses once; the second call is answered from the cache, same result", async () => {
    const c = ResultCache.open(cacheDir);
    const r1 = await analyzeCached(f, c, { features: ["loudness"] });
    assert.equal(r1.source, "analysed");
    const r2 = await analyzeCached(f, c, { features: ["loudness"] });
    assert.equal(r2.source, "cache");
    assert.deepEqual(r2.outcome, r1.outcome);
    assert.equal(r2.hash, createHash("sha256").update(readFileSync(f)).digest("hex"));
    const r3 = await analyzeCached(f, c, { features: ["loudness", "key"] });
    assert.equal(r3.source, "analysed", "other features are another entry");
    c.close();
  });

  it("a changed file is analysed again; same bytes under a new mtime are a hit by content", async () => {
    const c = ResultCache.open(cacheDir);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    assert.equal((await analyzeCached(f, c, { features: ["loudness"] })).source, "cache", "same content hash");
    writeWav(f, [sine(440, 1, 44100, 0.6)], 44100);
    const r = await analyzeCached(f, c, { features: ["loudness"] });
    assert.equal(r.source, "analysed");
    c.close();
  });

  it("failures are cached and returned until retryFailed", async () => {
    const c = ResultCache.open(cacheDir);
    const r1 = await analyzeCached(bad, c, { features: ["loudness"] });
    assert.ok("error" in r1.outcome, "bad.wav fails");
    assert.equal(r1.source, "analysed");
    const r2 = await analyzeCached(bad, c, { features: ["loudness"] });
    assert.equal(r2.source, "cache");
    assert.deepEqual(r2.outcome, r1.outcome);
    const r3 = await analyzeCached(bad, c, { features: ["loudness"], retryFailed: true });
    assert.equal(r3.source, "analysed");
    c.close();
  });

  it("without a cache it just analyses; a missing file is a NOT_FOUND outcome", async () => {
    assert.equal((await analyzeCached(f, null, { features: ["loudness"] })).source, "analysed");
    const c = ResultCache.open(cacheDir);
    const r = await analyzeCached(join(dir, "nope.wav"), c, { features: ["loudness"] });
    assert.equal("error" in r.outcome && r.outcome.error.code, "NOT_FOUND");
    c.close();
  });

  it("options key is the sorted feature list, then the tempo range when one is given", () => {
    assert.equal(optionsKey(["tempo", "key", "loudness"]), "key,loudness,tempo");
    assert.equal(optionsKey(["tempo"], { bpmRange: { min: 70, max: 140 } }), "tempo;bpm=70-140");
  });

  it("a result for another tempo range is not reused; the same range is", async () => {
    const c = ResultCache.open(cacheDir);
    const plain = await analyzeCached(f, c, { features: ["tempo"] });
    const r1 = await analyzeCached(f, c, { features: ["tempo"], bpmRange: { min: 70, max: 140 } });
    assert.equal(r1.source, "analysed", "a range is another entry");
    assert.deepEqual("options" in r1.outcome && r1.outcome.options, { bpmRange: { min: 70, max: 140 } });
    assert.equal((await analyzeCached(f, c, { features: ["tempo"], bpmRange: { min: 70, max: 140 } })).source, "cache");
    assert.equal((await analyzeCached(f, c, { features: ["tempo"], bpmRange: { min: 100, max: 200 } })).source, "analysed");
    const again = await analyzeCached(f, c, { features: ["tempo"] });
    assert.equal(again.source, "cache");
    assert.deepEqual(again.outcome, plain.outcome);
    c.close();
  });
});

describe("what is cached, and input read once (issue 10)", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const cacheDir = join(dir, "cache");
  const stamp = { size: 10, mtimeNs: "1", ino: "2" };
  const sha256 = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

  it("stores only results and CONTENT_ERRORS failures: never INTERNAL, TIMEOUT, UNREADABLE, NEEDS_FFMPEG", () => {
    const c = ResultCache.open(cacheDir);
    try {
      for (const code of ["EMPTY", "UNSUPPORTED_FORMAT", "CORRUPT", "INTERNAL", "TIMEOUT", "UNREADABLE", "NEEDS_FFMPEG", "NOT_FOUND"] as const) {
        c.record(`/m/${code}`, stamp, `h-${code}`, "E", "o", { file: "f", error: { code, message: "f: x" } });
        assert.equal(c.entry(`h-${code}`, "E", "o") !== undefined, CONTENT_ERRORS.has(code), code);
      }
    } finally {
      c.close();
    }
  });

  it("an INTERNAL failure that an older trackprobe stored is not answered from the cache", () => {
    const c = ResultCache.open(cacheDir);
    const db = new Database(join(cacheDir, CACHE_FILE));
    try {
      db.prepare("INSERT INTO results (hash, engine, options, status, data, created_at) VALUES (?, ?, ?, 'failed', ?, 0)").run("old", "E", "o", JSON.stringify({ code: "INTERNAL", message: "crash" }));
      assert.equal(c.entry("old", "E", "o"), undefined);
      assert.deepEqual(c.entriesOf("old"), []);
    } finally {
      db.close();
      c.close();
    }
  });

  it("a copy found by its content is a cache hit that also records its path, so export lists it", async () => {
    const a = join(dir, "A");
    const b = join(dir, "B");
    mkdirSync(a);
    mkdirSync(b);
    const names = ["one.wav", "two.wav"];
    names.forEach((n, i) => writeWav(join(a, n), [sine(330 + 110 * i, 0.5, 22050, 0.3)], 22050));
    const c = ResultCache.open(cacheDir);
    try {
      for (const n of names) assert.equal((await analyzeCached(join(a, n), c, { features: ["loudness"] })).source, "analysed");
      for (const n of names) copyFileSync(join(a, n), join(b, n));
      for (const n of names) assert.equal((await analyzeCached(join(b, n), c, { features: ["loudness"] })).source, "cache");
      const rows = c.filesUnder(resolve(b));
      assert.deepEqual(rows.map((r) => [r.path, r.hash, r.format]), names.map((n) => [resolve(b, n), sha256(join(a, n)), "wav"]));
      const again = await analyzeCached(join(b, names[0]), c, { features: ["loudness"] });
      assert.equal(again.source, "cache", "answered by the memo now");
    } finally {
      c.close();
    }
  });

  it("scan A, copy the files to B, scan B: export B lists them all", { timeout: 120_000 }, () => {
    const a = join(dir, "SA");
    const b = join(dir, "SB");
    mkdirSync(a);
    mkdirSync(b);
    const names = ["x.wav", "y.wav", "z.wav"];
    names.forEach((n, i) => writeWav(join(a, n), [sine(200 * (i + 1), 0.5, 22050, 0.3)], 22050));
    const cache = join(dir, "scan-cache");
    const scan = (d: string) => runCli(["scan", d, "--cache-dir", cache, "--features", "loudness", "-j", "1", "-q"]);
    assert.equal(scan(a).code, 0);
    for (const n of names) copyFileSync(join(a, n), join(b, n));
    assert.equal(scan(b).code, 0);
    const out = runCli(["export", b, "--cache-dir", cache, "--format", "ndjson"]);
    assert.equal(out.code, 0, out.stderr);
    const files = out.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { file: string }).file);
    assert.deepEqual(files.map((f) => basename(f)).sort(), names);
  });

  it("/dev/zero through the cache: UNSUPPORTED_FORMAT at once, nothing hashed forever, nothing stored", { skip: !existsSync("/dev/zero"), timeout: 15_000 }, async () => {
    const c = ResultCache.open(cacheDir);
    try {
      const r = await analyzeCached("/dev/zero", c, { features: ["loudness"] });
      assert.equal("error" in r.outcome && r.outcome.error.code, "UNSUPPORTED_FORMAT");
      assert.equal(r.hash, undefined, "not read to its end: no hash");
      assert.equal(c.memo("/dev/zero"), undefined);
    } finally {
      c.close();
    }
  });

  it("a /proc file (stat says 0 bytes, reading gives more) is read once, never memoised by its stamp", { skip: !existsSync("/proc/self/status") }, async () => {
    const c = ResultCache.open(cacheDir);
    try {
      const r = await analyzeCached("/proc/self/status", c, { features: ["loudness"] });
      assert.equal("error" in r.outcome && r.outcome.error.code, "UNSUPPORTED_FORMAT");
      assert.match(r.hash ?? "", /^[0-9a-f]{64}$/, "hashed while read");
      assert.equal(c.memo("/proc/self/status"), undefined);
    } finally {
      c.close();
    }
  });

  it("a named pipe is read once, hashed as it is decoded: the result is filed under the real content hash", { timeout: 30_000 }, async () => {
    const wav = writeWav(join(dir, "piped.wav"), [sine(523.25, 1, 22050, 0.3)], 22050);
    const fifo = join(dir, "piped.fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", wav, fifo], { stdio: "ignore" });
    const written = new Promise((r) => writer.on("close", r));
    const c = ResultCache.open(cacheDir);
    try {
      const piped = await analyzeCached(fifo, c, { features: ["loudness"] });
      await written;
      assert.ok(!("error" in piped.outcome), JSON.stringify(piped.outcome));
      assert.equal(piped.hash, sha256(wav));
      assert.equal(c.memo(resolve(fifo)), undefined, "no path memo for a pipe");
      const file = await analyzeCached(wav, c, { features: ["loudness"] });
      assert.equal(file.source, "cache");
      assert.deepEqual({ ...file.outcome, file: "" }, { ...piped.outcome, file: "" });
    } finally {
      c.close();
    }
  });

  it("`analyze <(cat x.wav)` reads the pipe once: a result, not EMPTY; a scan of x.wav is not told it is empty", { timeout: 60_000 }, async () => {
    const wav = writeWav(join(dir, "subst.wav"), [sine(392, 1, 22050, 0.3)], 22050);
    const cache = join(dir, "subst-cache");
    const r = spawnSync("bash", ["-c", `"$0" --import tsx "$1" analyze --cache-dir "$2" --features loudness --format json <(cat "$3")`, process.execPath, CLI_MAIN, cache, wav], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const parsed = JSON.parse(r.stdout) as { loudness?: unknown; error?: unknown } | { loudness?: unknown; error?: unknown }[];
    const outcome = Array.isArray(parsed) ? parsed[0] : parsed;
    assert.ok(outcome.loudness && !outcome.error, r.stdout);
    const c = ResultCache.open(cache);
    try {
      const file = await analyzeCached(wav, c, { features: ["loudness"] }); // as a scan does: no retry of failures
      assert.ok(!("error" in file.outcome), JSON.stringify(file.outcome));
    } finally {
      c.close();
    }
  });
});

describe("every input kind is read once and can be cached (issue 12)", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const bytes = readFileSync(writeWav(join(dir, "tone.wav"), [sine(440, 3, 22050, 0.5)], 22050));
  const hash = createHash("sha256").update(bytes).digest("hex");
  const chunks = function* () {
    for (let i = 0; i < bytes.length; i += 4096) yield bytes.subarray(i, i + 4096);
  };

  it("a Buffer: analysed once, then answered from the cache under its content hash", async () => {
    const c = ResultCache.open(join(dir, "c1"));
    try {
      const first = await analyzeCached(bytes, c, { features: ["loudness"] });
      const second = await analyzeCached(bytes, c, { features: ["loudness"] });
      assert.deepEqual([first.source, second.source], ["analysed", "cache"]);
      assert.equal(first.hash, hash);
      assert.equal((second.outcome as Analysis).file, "<buffer>");
      assert.deepEqual((second.outcome as Analysis).loudness, (first.outcome as Analysis).loudness);
    } finally {
      c.close();
    }
  });

  it("a stream is hashed while it is decoded; the same bytes as a Buffer or a file are then cache hits", async () => {
    const c = ResultCache.open(join(dir, "c2"));
    try {
      const { Readable } = await import("node:stream");
      const streamed = await analyzeCached(Readable.from(chunks()), c, { features: ["loudness"], name: "upload" });
      assert.equal(streamed.source, "analysed");
      assert.equal(streamed.hash, hash);
      assert.equal((streamed.outcome as Analysis).file, "upload");
      assert.equal((await analyzeCached(bytes, c, { features: ["loudness"] })).source, "cache");
      assert.equal((await analyzeCached(join(dir, "tone.wav"), c, { features: ["loudness"] })).source, "cache");
    } finally {
      c.close();
    }
  });

  it("a stream cancelled part-way stores nothing", async () => {
    const c = ResultCache.open(join(dir, "c3"));
    try {
      const { Readable } = await import("node:stream");
      const ac = new AbortController();
      const slow = Readable.from(
        (async function* () {
          let k = 0;
          for (const b of chunks()) {
            if (k++ === 4) ac.abort(new Error("cancelled"));
            yield b;
            await new Promise((r) => setTimeout(r, 1));
          }
        })(),
      );
      await assert.rejects(analyzeCached(slow, c, { features: ["loudness"], signal: ac.signal }), /cancelled/);
      assert.deepEqual(c.entriesOf(hash), []);
    } finally {
      c.close();
    }
  });
});
