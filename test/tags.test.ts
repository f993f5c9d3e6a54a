/**
 * `scan --write-tags`: BPM and key written into MP3 (ID3v2), FLAC (Vorbis comments) and M4A,
 * read back with music-metadata; every other tag kept; the audio bytes unchanged (hashed
 * without decoding: MP3 frames after the ID3v2 tag, FLAC frames after the metadata blocks);
 * --dry-run changes nothing; a re-scan after tagging decodes nothing and rewrites nothing.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { parseFile } from "music-metadata";
import { renderDemoTrack } from "../src/demo-track.js";
import { stampOf } from "../src/cache/store.js";
import { fieldsFor, opusOutputGainDb, tagValuesOf, writeTags } from "../src/library/tags.js";
import type { Analysis, AnalysisOutcome } from "../src/result.js";
import { encodeWithFfmpeg, haveFfmpeg, tempDir } from "./signals/files.js";
import { runCli } from "./support/cli.js";

const cli = (args: string[]) => runCli(args);

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const fileHash = (p: string) => sha(readFileSync(p));

/** The MPEG frames: everything after the ID3v2 tag(s) and before a trailing ID3v1 tag. */
function mp3Audio(b: Buffer): Buffer {
  let at = 0;
  while (b.toString("latin1", at, at + 3) === "ID3") {
    const size = ((b[at + 6] & 0x7f) << 21) | ((b[at + 7] & 0x7f) << 14) | ((b[at + 8] & 0x7f) << 7) | (b[at + 9] & 0x7f);
    at += 10 + size + (b[at + 5] & 0x10 ? 10 : 0);
  }
  let end = b.length;
  if (b.toString("latin1", end - 128, end - 125) === "TAG") end -= 128;
  return b.subarray(at, end);
}

/** The FLAC frames: everything after the last metadata block. */
function flacAudio(b: Buffer): Buffer {
  assert.equal(b.toString("latin1", 0, 4), "fLaC");
  let at = 4;
  for (;;) {
    const last = b[at] & 0x80;
    const len = (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
    at += 4 + len;
    if (last) return b.subarray(at);
  }
}

const meta = ["-metadata", "title=Night Drive", "-metadata", "artist=The Testers", "-metadata", "album=Fixtures", "-metadata", "comment=keep me"];

describe("--write-tags", { skip: haveFfmpeg ? false : "ffmpeg is not on PATH (needed to make MP3/FLAC/M4A files)" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const cacheDir = join(dir, "cache");
  const mp3 = join(lib, "song.mp3");
  const flac = join(lib, "song.flac");
  const m4a = join(lib, "song.m4a");
  let before0: Record<string, string> = {};
  let audio0: Record<string, string> = {};

  before(() => {
    mkdirSync(lib);
    const track = renderDemoTrack(12, 44100, 120); // 120 BPM, A minor
    encodeWithFfmpeg(mp3, track, 44100, ["-b:a", "160k", ...meta]);
    encodeWithFfmpeg(flac, track, 44100, meta);
    encodeWithFfmpeg(m4a, track, 44100, ["-c:a", "aac", "-b:a", "128k", ...meta]);
    before0 = { mp3: fileHash(mp3), flac: fileHash(flac), m4a: fileHash(m4a) };
    audio0 = { mp3: sha(mp3Audio(readFileSync(mp3))), flac: sha(flacAudio(readFileSync(flac))) };
  });

  const scanArgs = (...extra: string[]) => ["scan", lib, "--cache-dir", cacheDir, "--features", "tempo,key", "-j", "2", ...extra];

  it("--dry-run reports what it would write and changes no byte", () => {
    const r = cli(scanArgs("--write-tags", "--dry-run", "--summary-json", join(dir, "s0.json")));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /would write BPM \d+, key [A-G]#?m? to .*song\.mp3/);
    assert.deepEqual({ mp3: fileHash(mp3), flac: fileHash(flac), m4a: fileHash(m4a) }, before0);
    assert.equal(JSON.parse(readFileSync(join(dir, "s0.json"), "utf8")).tags["would-write"], 3);
  });

  it("writes BPM and key, keeps every other tag and the audio bytes", async () => {
    const r = cli(scanArgs("--write-tags", "--summary-json", join(dir, "s1.json")));
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Analysis);
    const summary = JSON.parse(readFileSync(join(dir, "s1.json"), "utf8"));
    assert.equal(summary.tags.written, 3);
    assert.equal(summary.decoded, 0, "the dry run had filled the cache");
    for (const path of [mp3, flac, m4a]) {
      const res = results.find((o) => o.file === path) as Analysis;
      assert.ok(res.tempo && res.key, `tempo and key found for ${path}`);
      const want = tagValuesOf(res, "standard");
      const m = await parseFile(path);
      assert.equal(m.common.title, "Night Drive");
      assert.equal(m.common.artist, "The Testers");
      assert.equal(m.common.album, "Fixtures");
      assert.equal(m.common.bpm, Number(want.bpm), path);
      if (path === m4a) {
        // music-metadata has no common.key mapping for MP4: read the iTunes atom itself
        assert.equal(m.native.iTunes.find((t) => t.id === "----:com.apple.iTunes:initialkey")?.value, want.key);
      } else assert.equal(m.common.key, want.key, path);
      assert.equal(want.key, `${res.key.tonic}${res.key.mode === "minor" ? "m" : ""}`);
    }
    const mp3Meta = await parseFile(mp3);
    // ffmpeg stores the comment as TXXX:comment; it is kept, and the tag stays ID3v2.4
    assert.equal(mp3Meta.native["ID3v2.4"]?.find((t) => t.id === "TXXX:comment")?.value, "keep me");
    const flacMeta = await parseFile(flac);
    const vorbis = flacMeta.native.vorbis;
    assert.ok(vorbis.some((t) => t.id === "INITIALKEY") && vorbis.some((t) => t.id === "BPM") && vorbis.some((t) => t.id === "KEY"));
    assert.equal(sha(mp3Audio(readFileSync(mp3))), audio0.mp3, "MP3 frames unchanged");
    assert.equal(sha(flacAudio(readFileSync(flac))), audio0.flac, "FLAC frames unchanged");
  });

  it("a re-scan decodes nothing (the result follows the retagged file) and rewrites nothing", () => {
    const mtimes = [mp3, flac, m4a].map((p) => statSync(p).mtimeMs);
    const r = cli(scanArgs("--write-tags", "--summary-json", join(dir, "s2.json")));
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(join(dir, "s2.json"), "utf8"));
    assert.equal(s.decoded, 0);
    assert.equal(s.tags.unchanged, 3);
    assert.deepEqual([mp3, flac, m4a].map((p) => statSync(p).mtimeMs), mtimes);
    const plain = cli(scanArgs("--summary-json", join(dir, "s3.json")));
    assert.equal(plain.code, 0);
    assert.equal(JSON.parse(readFileSync(join(dir, "s3.json"), "utf8")).cached, 3);
  });

  it("--key-notation camelot / openkey (replacing the key written before: --overwrite-tags)", async () => {
    assert.equal(cli(scanArgs("--write-tags", "--key-notation", "camelot")).code, 0);
    const res = JSON.parse(cli(["export", mp3, "--cache-dir", cacheDir, "--features", "tempo,key"]).stdout) as Analysis;
    assert.notEqual((await parseFile(mp3)).common.key, res.key?.camelot, "kept: the file has a key already");
    assert.equal(cli(scanArgs("--write-tags", "--key-notation", "camelot", "--overwrite-tags")).code, 0);
    assert.equal((await parseFile(mp3)).common.key, res.key?.camelot);
    assert.equal(cli(scanArgs("--write-tags", "--key-notation", "openkey", "--overwrite-tags")).code, 0);
    assert.equal((await parseFile(flac)).common.key, res.key?.openKey);
    assert.equal(sha(flacAudio(readFileSync(flac))), audio0.flac);
  });

  it("writeTags leaves a file alone that changed since it was analysed, and other formats", async () => {
    const copy = join(dir, "copy.mp3");
    copyFileSync(mp3, copy);
    const stamp = stampOf(statSync(copy, { bigint: true }));
    writeFileSync(copy, Buffer.concat([readFileSync(copy), Buffer.alloc(10)]));
    const h = fileHash(copy);
    const r = await writeTags(copy, "mp3", { bpm: "99", key: "C" }, { expect: stamp, overwrite: true });
    assert.equal(r.report.action, "skipped");
    assert.equal(fileHash(copy), h);
    assert.equal((await writeTags(copy, "wav", { bpm: "99", key: "C" })).report.action, "skipped");
  });
});

describe("--write-tags adds only what it says, keeps what files have, --replaygain", { skip: haveFfmpeg ? false : "ffmpeg is not on PATH" }, () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const cacheDir = join(dir, "cache");
  const plain = join(lib, "plain.mp3"); // ID3v2 only
  const tagged = join(lib, "tagged.mp3"); // ID3v1 too, and a BPM and key of its own
  const flac = join(lib, "song.flac");
  const opus = join(lib, "song.opus");
  const m4a = join(lib, "song.m4a");
  const hasId3v1 = (p: string) => {
    const b = readFileSync(p);
    return b.toString("latin1", b.length - 128, b.length - 125) === "TAG";
  };
  const scan = (...extra: string[]) => {
    const summary = join(dir, "summary.json");
    const r = cli(["scan", lib, "--cache-dir", cacheDir, "--features", "tempo,key,loudness", "-j", "2", "--write-tags", "--summary-json", summary, ...extra]);
    assert.equal(r.code, 0, r.stderr);
    const results = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as AnalysisOutcome);
    const of = (p: string) => results.find((o) => o.file === p) as Analysis;
    return { of, summary: JSON.parse(readFileSync(summary, "utf8")) as { tags: Record<string, number> } };
  };

  before(() => {
    mkdirSync(lib);
    const track = renderDemoTrack(12, 44100, 120);
    encodeWithFfmpeg(plain, track, 44100, ["-b:a", "160k", ...meta]);
    encodeWithFfmpeg(tagged, track, 44100, ["-b:a", "160k", "-write_id3v1", "1", "-metadata", "TBPM=99", "-metadata", "TKEY=C", ...meta]);
    encodeWithFfmpeg(flac, track, 44100, meta);
    encodeWithFfmpeg(opus, track, 44100, ["-c:a", "libopus", "-b:a", "96k", ...meta]);
    encodeWithFfmpeg(m4a, track, 44100, ["-c:a", "aac", "-b:a", "128k", ...meta]);
    assert.ok(!hasId3v1(plain) && hasId3v1(tagged));
  });

  it("no ID3v1 tag is added to an MP3 that had none; one that had it keeps it", async () => {
    scan();
    assert.ok(!hasId3v1(plain), "no ID3v1 tag added");
    assert.deepEqual((await parseFile(plain)).format.tagTypes, ["ID3v2.4"]);
    assert.ok(hasId3v1(tagged), "the ID3v1 tag it had is kept");
    assert.deepEqual((await parseFile(tagged)).format.tagTypes, ["ID3v2.4", "ID3v1"]);
  });

  it("values a file already has are kept (counted as kept); --overwrite-tags replaces them", async () => {
    const before = await parseFile(tagged);
    assert.equal(before.common.bpm, 99, "kept by the first scan");
    assert.equal(before.common.key, "C");
    const again = scan();
    assert.ok((again.summary.tags.kept ?? 0) >= 1, JSON.stringify(again.summary.tags));
    const over = scan("--overwrite-tags");
    const want = tagValuesOf(over.of(tagged), "standard");
    const m = await parseFile(tagged);
    assert.equal(m.common.bpm, Number(want.bpm));
    assert.equal(m.common.key, want.key);
    assert.notEqual(want.bpm, "99");
  });

  it("--replaygain: ReplayGain 2.0 track gain (−18 LUFS − integrated) and true peak (linear); Opus: R128_TRACK_GAIN", async () => {
    const { of } = scan("--replaygain");
    for (const p of [plain, tagged, flac, m4a]) {
      const l = of(p).loudness;
      assert.ok(l?.integrated != null && l.truePeak != null, p);
      const m = await parseFile(p);
      const gain = m.common.replaygain_track_gain?.dB;
      assert.ok(gain !== undefined && Math.abs(gain - (-18 - l.integrated)) <= 0.0051, `${p}: gain ${gain}, loudness ${l.integrated}`);
      const peak = m.common.replaygain_track_peak?.ratio;
      assert.ok(peak !== undefined && Math.abs(peak - 10 ** (l.truePeak / 20)) < 1e-6, `${p}: peak ${peak}, true peak ${l.truePeak} dBTP`);
    }
    const l = of(opus).loudness;
    assert.ok(l?.integrated != null);
    const vorbis = (await parseFile(opus)).native.vorbis;
    assert.equal(vorbis.find((t) => t.id === "R128_TRACK_GAIN")?.value, String(Math.round(256 * (-23 - l.integrated))));
    assert.ok(!vorbis.some((t) => t.id.startsWith("REPLAYGAIN_")), "RFC 7845: no REPLAYGAIN_* in Opus");
  });

  it("R128_TRACK_GAIN is relative to the Opus header's output gain", async () => {
    // An Ogg page whose packet is an OpusHead with output gain +3 dB (768 in Q7.8).
    const page = Buffer.alloc(27 + 1 + 19);
    page.write("OggS", 0, "latin1");
    page[26] = 1; // one segment
    page[27] = 19;
    page.write("OpusHead", 28, "latin1");
    page.writeInt16LE(768, 28 + 16);
    const file = join(dir, "head.opus");
    writeFileSync(file, page);
    assert.equal(await opusOutputGainDb(file), 3);
    assert.equal(await opusOutputGainDb(opus), 0);
    const values = { bpm: null, key: null, loudness: { integrated: -20, truePeak: -1 } };
    assert.equal(fieldsFor("opus", values, 3).r128TrackGain, String(-6 * 256));
    assert.equal(fieldsFor("opus", values, 0).r128TrackGain, String(-3 * 256));
    assert.deepEqual([fieldsFor("mp3", values).trackGain, fieldsFor("mp3", values).trackPeak], ["2.00 dB", (10 ** (-1 / 20)).toFixed(6)]);
  });

  it("--replaygain and --overwrite-tags go with --write-tags; --replaygain needs loudness", () => {
    assert.equal(cli(["scan", lib, "--cache-dir", cacheDir, "--replaygain"]).code, 2);
    assert.equal(cli(["scan", lib, "--cache-dir", cacheDir, "--overwrite-tags"]).code, 2);
    const r = cli(["scan", lib, "--cache-dir", cacheDir, "--write-tags", "--replaygain", "--features", "tempo"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--replaygain needs loudness/);
  });
});
