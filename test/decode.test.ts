/**
 * Decoding: every supported layout and format, and every kind of bad input the issue lists.
 * Truth comes from the signal written: length, rate, channel count and the samples themselves.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { openDecoded } from "../src/audio/decode.js";
import { createWasmDecoder } from "../src/audio/decoder.js";
import { FIFO_WRITER_WAIT_MS, openSource } from "../src/audio/source.js";
import { analyze } from "../src/pipeline/analyze.js";
import { TrackprobeError } from "../src/result.js";
import { encodeWithFfmpeg, haveFfmpeg, tempDir, writeWav } from "./signals/files.js";
import { encodeWav, sine, whiteNoise } from "./signals/wav.js";
import { fixOggCrcs, makeSeeds, mutantSeed, mutate } from "./support/fuzz.js";

interface Decoded {
  format: string;
  sampleRate: number;
  channels: Float32Array[];
  warnings: string[];
}

async function decodeAll(input: string | Uint8Array | Readable): Promise<Decoded> {
  const warnings: string[] = [];
  const source = await openSource(input);
  const d = await openDecoded(source, warnings);
  const parts: Float32Array[][] = [];
  let sampleRate = 0;
  for await (const b of d.blocks) {
    sampleRate = b.sampleRate;
    parts.push(b.channels.map((c) => c.slice(0, b.length)));
  }
  const channels = parts[0].map((_, c) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p[c].length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p[c], at);
      at += p[c].length;
    }
    return out;
  });
  return { format: d.format, sampleRate, channels, warnings };
}

async function rejectsWith(p: Promise<unknown>, code: string, text: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof TrackprobeError, `expected TrackprobeError, got ${e}`);
    assert.equal(e.code, code);
    assert.match(e.message, text);
    return true;
  });
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe("WAV layouts", () => {
  const left = sine(440, 0.25, 44100, 0.5);
  const right = sine(660, 0.25, 44100, 0.25);
  const cases: [string, Parameters<typeof encodeWav>[2], number][] = [
    ["8-bit", { bits: 8 }, 1 / 100],
    ["16-bit", { bits: 16 }, 1 / 30000],
    ["24-bit", { bits: 24 }, 1e-6],
    ["32-bit int", { bits: 32 }, 1e-7],
    ["32-bit float", { bits: 32, float: true }, 0],
    ["64-bit float", { bits: 64, float: true }, 1e-7],
    ["extensible 24-bit", { bits: 24, extensible: true }, 1e-6],
    ["RF64 16-bit", { bits: 16, rf64: true }, 1 / 30000],
  ];
  for (const [name, layout, tol] of cases) {
    it(`reads ${name} exactly (±${tol})`, async () => {
      const d = await decodeAll(encodeWav([left, right], 44100, layout));
      assert.equal(d.format, "wav");
      assert.equal(d.sampleRate, 44100);
      assert.equal(d.channels.length, 2);
      assert.equal(d.channels[0].length, left.length);
      assert.ok(maxAbsDiff(d.channels[0], left) <= tol + 1e-9);
      assert.ok(maxAbsDiff(d.channels[1], right) <= tol + 1e-9);
      assert.deepEqual(d.warnings, []);
    });
  }

  it("reads 6-channel, 24-bit/96 kHz and 8 kHz mono files", async () => {
    const six = Array.from({ length: 6 }, (_, c) => sine(200 * (c + 1), 0.2, 48000));
    const d6 = await decodeAll(encodeWav(six, 48000, { bits: 16, extensible: true }));
    assert.equal(d6.channels.length, 6);
    assert.ok(maxAbsDiff(d6.channels[5], six[5]) < 1e-4);
    const hi = await decodeAll(encodeWav([sine(1000, 0.2, 96000)], 96000, { bits: 24 }));
    assert.equal(hi.sampleRate, 96000);
    assert.equal(hi.channels[0].length, 19200);
    const lo = await decodeAll(encodeWav([sine(300, 0.5, 8000)], 8000, { bits: 16 }));
    assert.equal(lo.sampleRate, 8000);
    assert.equal(lo.channels[0].length, 4000);
  });

  it("warns when the header claims more data than the file holds", async () => {
    const bytes = encodeWav([sine(440, 1, 44100)], 44100, { bits: 16, claimedDataBytes: 44100 * 2 * 10 });
    const d = await decodeAll(bytes);
    assert.equal(d.channels[0].length, 44100);
    assert.match(d.warnings.join(), /truncated/);
  });

  it("reads a file cut off mid-sample and warns", async () => {
    const bytes = encodeWav([sine(440, 1, 44100)], 44100, { bits: 16 });
    const d = await decodeAll(bytes.subarray(0, 44 + 20001));
    assert.equal(d.channels[0].length, 10000);
    assert.match(d.warnings.join(), /truncated/);
  });
});

describe("bad input", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it("zero-byte file: EMPTY", async () => {
    const p = join(dir, "empty.mp3");
    writeFileSync(p, "");
    await rejectsWith(decodeAll(p), "EMPTY", /empty\.mp3: file is empty/);
  });
  it("text file named .mp3: UNSUPPORTED_FORMAT, says it is text", async () => {
    const p = join(dir, "notes.mp3");
    writeFileSync(p, "These are my notes about the song.\nNot audio at all.\n".repeat(20));
    await rejectsWith(decodeAll(p), "UNSUPPORTED_FORMAT", /notes\.mp3: this is a text file/);
  });
  it("random bytes: UNSUPPORTED_FORMAT", async () => {
    const bytes = new Uint8Array(5000).map((_, i) => (i * 7919 + 13) % 251);
    await rejectsWith(decodeAll(bytes), "UNSUPPORTED_FORMAT", /not a recognised audio format/);
  });
  it("missing file: NOT_FOUND", async () => {
    await rejectsWith(decodeAll(join(dir, "nope.flac")), "NOT_FOUND", /nope\.flac: no such file/);
  });
  it("a directory: UNREADABLE", async () => {
    await rejectsWith(decodeAll(dir), "UNREADABLE", /is a directory/);
  });
  it("WAV header only: CORRUPT", async () => {
    await rejectsWith(decodeAll(encodeWav([sine(1, 0.1, 8000)], 8000, { bits: 16 }).subarray(0, 30)), "CORRUPT", /header/);
  });
  it("digital silence, white noise and a 0.5 s clip decode to the right length", async () => {
    for (const sig of [new Float32Array(44100), whiteNoise(2, 44100), sine(440, 0.5, 44100)]) {
      const d = await decodeAll(encodeWav([sig], 44100, { bits: 16 }));
      assert.equal(d.channels[0].length, sig.length);
    }
  });
  it("reads from a stream and from bytes alike", async () => {
    const bytes = encodeWav([sine(440, 0.3, 22050)], 22050, { bits: 16 });
    const a = await decodeAll(Readable.from([bytes.subarray(0, 7), bytes.subarray(7, 1000), bytes.subarray(1000)]));
    const b = await decodeAll(bytes);
    assert.deepEqual(a.channels[0], b.channels[0]);
  });
});

describe("compressed formats", { skip: !haveFfmpeg && "ffmpeg is needed to make the fixtures" }, () => {
  const { dir, cleanup } = tempDir();
  const rate = 44100;
  const signal = [sine(440, 3, rate, 0.4), sine(554.37, 3, rate, 0.3)];
  const files: Record<string, string> = {};
  before(() => {
    files.mp3 = encodeWithFfmpeg(join(dir, "a.mp3"), signal, rate, ["-c:a", "libmp3lame", "-b:a", "192k"]);
    files.flac = encodeWithFfmpeg(join(dir, "a.flac"), signal, rate);
    files.ogg = encodeWithFfmpeg(join(dir, "a.ogg"), signal, rate, ["-c:a", "libvorbis"]);
    files.opus = encodeWithFfmpeg(join(dir, "a.opus"), signal, rate, ["-c:a", "libopus"]);
    files.m4a = encodeWithFfmpeg(join(dir, "a.m4a"), signal, rate, ["-c:a", "aac"]);
    files.aiff = encodeWithFfmpeg(join(dir, "a.aiff"), signal, rate);
  });
  after(cleanup);

  const expect: [string, string, number, number][] = [
    // key, format, rate, tolerance in samples on the length (lossy codecs pad)
    ["mp3", "mp3", 44100, 0],
    ["flac", "flac", 44100, 0],
    ["ogg", "ogg-vorbis", 44100, 0],
    ["opus", "opus", 48000, 0],
    ["m4a", "m4a", 44100, 2048],
    ["aiff", "aiff", 44100, 0],
  ];
  for (const [key, format, sr, tol] of expect) {
    it(`${key}: detected as ${format}, decoded to the exact length, the same sound`, async () => {
      const d = await decodeAll(files[key]);
      assert.equal(d.format, format);
      assert.equal(d.sampleRate, sr);
      assert.equal(d.channels.length, 2);
      const expected = Math.round(3 * sr);
      assert.ok(Math.abs(d.channels[0].length - expected) <= tol, `${d.channels[0].length} samples, expected ${expected}`);
      // amplitude of the 440 Hz sine survives the codec (RMS of 0.4 sine = 0.283)
      let e = 0;
      const mid = d.channels[0].subarray(sr, 2 * sr);
      for (const x of mid) e += x * x;
      assert.ok(Math.abs(Math.sqrt(e / mid.length) - 0.283) < 0.01);
      assert.deepEqual(d.warnings, []);
    });
  }

  it("mp3 with a 3 MB ID3v2 tag (cover art) in front", async () => {
    const mp3 = readFileSync(files.mp3);
    const tagBytes = 3 * 1024 * 1024;
    const tag = new Uint8Array(10 + tagBytes);
    tag.set([0x49, 0x44, 0x33, 4, 0, 0]);
    tag.set([(tagBytes >> 21) & 0x7f, (tagBytes >> 14) & 0x7f, (tagBytes >> 7) & 0x7f, tagBytes & 0x7f], 6);
    const d = await decodeAll(Buffer.concat([tag, mp3]));
    assert.equal(d.format, "mp3");
    assert.equal(d.channels[0].length, 3 * rate);
  });

  it("mp3 and flac cut off in the middle: what is there, with a warning", async () => {
    for (const key of ["mp3", "flac"]) {
      const bytes = readFileSync(files[key]);
      const d = await decodeAll(bytes.subarray(0, Math.floor(bytes.length / 2)));
      const seconds = d.channels[0].length / d.sampleRate;
      assert.ok(seconds > 1 && seconds < 2, `${key}: ${seconds} s`);
      assert.match(d.warnings.join(), /truncated/, key);
    }
  });

  it("mp3 with corrupted bytes mid-stream: decodes the rest and warns", async () => {
    const bytes = Buffer.from(readFileSync(files.mp3));
    for (let i = 20000; i < 24000; i++) bytes[i] = (i * 31) & 0xff;
    const d = await decodeAll(bytes);
    const seconds = d.channels[0].length / d.sampleRate;
    assert.ok(seconds > 2.5, `${seconds} s`);
    assert.match(d.warnings.join(), /corrupt/);
  });

  it("without ffmpeg, M4A gives a clear NEEDS_FFMPEG error", async () => {
    const saved = process.env.TRACKPROBE_FFMPEG;
    process.env.TRACKPROBE_FFMPEG = "/nonexistent/ffmpeg";
    try {
      await rejectsWith(decodeAll(files.m4a), "NEEDS_FFMPEG", /M4A audio is read through ffmpeg, which is not installed/);
    } finally {
      if (saved === undefined) delete process.env.TRACKPROBE_FFMPEG;
      else process.env.TRACKPROBE_FFMPEG = saved;
    }
  });

  it("AIFF from a stream goes through ffmpeg too", async () => {
    const d = await decodeAll(Readable.from([readFileSync(files.aiff)]));
    assert.equal(d.format, "aiff");
    assert.equal(d.channels[0].length, 3 * rate);
  });
});

it("writes the fixture writer's 16-bit WAV like any other file", async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = writeWav(join(dir, "x.wav"), [sine(100, 0.1, 16000)], 16000);
    assert.equal((await decodeAll(p)).channels[0].length, 1600);
  } finally {
    cleanup();
  }
});

it("mono MP3 decodes to one channel (loudness must not count it twice)", { skip: !haveFfmpeg }, async () => {
  const { dir, cleanup } = tempDir();
  try {
    const p = encodeWithFfmpeg(join(dir, "mono.mp3"), [sine(440, 1, 44100)], 44100, ["-c:a", "libmp3lame", "-ac", "1"]);
    const d = await decodeAll(p);
    assert.equal(d.channels.length, 1);
    assert.equal(d.channels[0].length, 44100);
  } finally {
    cleanup();
  }
});

describe("limits on what a header may declare (issue 10)", { skip: !haveFfmpeg && "ffmpeg is needed to make the fixtures" }, () => {
  const seeds = haveFfmpeg ? Object.fromEntries(makeSeeds(["ogg-vorbis", "opus", "flac"]).map((s) => [s.format, s.bytes])) : {};
  /** The first packet of the first Ogg page (the codec's identification header). */
  const idPacket = (b: Uint8Array) => 27 + b[26];
  const patched = (bytes: Uint8Array, edit: (b: Uint8Array, view: DataView) => void) => {
    const b = new Uint8Array(bytes);
    edit(b, new DataView(b.buffer));
    fixOggCrcs(b);
    return b;
  };

  for (const rate of [8, 1, 2147483647]) {
    it(`Ogg Vorbis declaring ${rate} Hz: UNSUPPORTED_FORMAT, at once`, { timeout: 20_000 }, async () => {
      const b = patched(seeds["ogg-vorbis"], (_, v) => v.setUint32(idPacket(seeds["ogg-vorbis"]) + 12, rate, true));
      // an 8 Hz rate made a 1.5 s file 8 hours long: analysing it never ended
      await rejectsWith(analyze(b, { name: "v.ogg" }), "UNSUPPORTED_FORMAT", new RegExp(`Vorbis identification header declares a sample rate of ${rate} Hz \\(supported: 1000\\.\\.768000 Hz\\)`));
    });
  }
  it("Ogg Vorbis declaring 0 or 200 channels: CORRUPT / UNSUPPORTED_FORMAT from the header", async () => {
    const at = idPacket(seeds["ogg-vorbis"]) + 11;
    await rejectsWith(decodeAll(patched(seeds["ogg-vorbis"], (b) => (b[at] = 0))), "CORRUPT", /Vorbis identification header declares 0 channels/);
    await rejectsWith(decodeAll(patched(seeds["ogg-vorbis"], (b) => (b[at] = 200))), "UNSUPPORTED_FORMAT", /declares 200 channels \(at most 64/);
  });
  it("OpusHead declaring 0 or 255 channels: refused from the header", async () => {
    const at = idPacket(seeds.opus) + 9;
    await rejectsWith(decodeAll(patched(seeds.opus, (b) => (b[at] = 0))), "CORRUPT", /OpusHead declares 0 channels/);
    await rejectsWith(decodeAll(patched(seeds.opus, (b) => (b[at] = 255))), "UNSUPPORTED_FORMAT", /OpusHead declares 255 channels/);
  });
  it("FLAC STREAMINFO declaring 0 Hz or 500 Hz: refused; 48 kHz in place of 44.1 kHz is read", async () => {
    const withRate = (hz: number) => {
      const b = new Uint8Array(seeds.flac);
      b[18] = hz >> 12;
      b[19] = (hz >> 4) & 0xff;
      b[20] = ((hz & 0x0f) << 4) | (b[20] & 0x0f);
      return b;
    };
    await rejectsWith(decodeAll(withRate(0)), "CORRUPT", /FLAC STREAMINFO declares a sample rate of 0 Hz/);
    await rejectsWith(decodeAll(withRate(500)), "UNSUPPORTED_FORMAT", /FLAC STREAMINFO declares a sample rate of 500 Hz/);
    assert.equal((await decodeAll(withRate(48000))).channels.length, 2);
  });
  it("WAV: 64 channels are read, 65 are refused; 1000 Hz is read, 999 Hz is refused", async () => {
    const tone = sine(440, 0.05, 8000, 0.1);
    assert.equal((await decodeAll(encodeWav(Array.from({ length: 64 }, () => tone), 8000, { bits: 16 }))).channels.length, 64);
    await rejectsWith(decodeAll(encodeWav(Array.from({ length: 65 }, () => tone), 8000, { bits: 16 })), "UNSUPPORTED_FORMAT", /WAV header declares 65 channels \(at most 64/);
    assert.equal((await decodeAll(encodeWav([sine(100, 0.5, 1000)], 1000, { bits: 16 }))).sampleRate, 1000);
    await rejectsWith(decodeAll(encodeWav([sine(100, 0.5, 999)], 999, { bits: 16 })), "UNSUPPORTED_FORMAT", /999 Hz \(supported: 1000/);
  });
  it("WAV 16-bit claiming 32767 channels: refused from the header", async () => {
    const b = encodeWav([sine(440, 0.5, 48000)], 48000, { bits: 16 });
    const v = new DataView(b.buffer);
    v.setUint16(22, 32767, true);
    v.setUint16(32, 32767 * 2, true); // block align overflows 16 bits, as in the reported file
    await assert.rejects(decodeAll(b), (e: unknown) => e instanceof TrackprobeError && e.code === "UNSUPPORTED_FORMAT" && /32767 channels/.test(e.message));
  });
  it("WAV: a 20 MB chunk before fmt is streamed past (it used to be buffered, then refused over 16 MB)", async () => {
    const wav = encodeWav([sine(440, 0.5, 22050)], 22050, { bits: 16 });
    const junkBytes = 20 * 1024 * 1024;
    const header = new Uint8Array(8);
    header.set([0x4a, 0x55, 0x4e, 0x4b]); // "JUNK"
    new DataView(header.buffer).setUint32(4, junkBytes, true);
    async function* stream() {
      yield wav.subarray(0, 12);
      yield header;
      for (let left = junkBytes; left > 0; left -= 1 << 20) yield new Uint8Array(Math.min(left, 1 << 20));
      yield wav.subarray(12);
    }
    const d = await decodeAll(Readable.from(stream()));
    assert.equal(d.channels[0].length, 11025);
  });
  it("a WASM decoder that crashes on a corrupt frame gives CORRUPT (or the audio before it), never its RuntimeError", async () => {
    // Opus mutants with valid page CRCs make libopus trap now and then (~2 %); free() on the
    // trapped instance then traps as well, and that used to replace the outcome.
    const seed = makeSeeds(["opus"])[0];
    let crashes = 0;
    for (let i = 0; i < 400 && crashes < 2; i++) {
      const m = mutate(seed, i, mutantSeed(7, "opus", i));
      const warnings: string[] = [];
      try {
        const d = await openDecoded(await openSource(m.bytes), warnings);
        for await (const _ of d.blocks);
        if (warnings.some((w) => /decoder crashed on corrupt data/.test(w))) crashes++;
      } catch (e) {
        assert.ok(e instanceof TrackprobeError, `mutant ${i} (${m.description}): ${(e as Error).stack}`);
        if (/decoder crashed on corrupt data/.test(e.message)) crashes++;
      }
    }
    assert.ok(crashes >= 1, "no mutant made the decoder crash: the test proves nothing");
  });
});

describe("reading what is not a regular file (issue 10)", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  it("/dev/zero: UNSUPPORTED_FORMAT at once (sniffing reads a few KB)", { skip: !existsSync("/dev/zero"), timeout: 10_000 }, async () => {
    await rejectsWith(decodeAll("/dev/zero"), "UNSUPPORTED_FORMAT", /not a recognised audio format/);
  });
  it("a named pipe nobody writes to: UNREADABLE after a short wait, not a hang", { timeout: 15_000 }, async () => {
    const fifo = join(dir, "nobody.fifo");
    execFileSync("mkfifo", [fifo]);
    const t0 = Date.now();
    await rejectsWith(decodeAll(fifo), "UNREADABLE", /named pipe with nothing written to it/);
    assert.ok(Date.now() - t0 < FIFO_WRITER_WAIT_MS + 2000);
  });
  it("a named pipe with a writer is read once, like a file", { timeout: 15_000 }, async () => {
    const tone = [sine(440, 1, 22050, 0.3)];
    const wav = writeWav(join(dir, "tone.wav"), tone, 22050);
    const fifo = join(dir, "tone.fifo");
    execFileSync("mkfifo", [fifo]);
    const writer = spawn("sh", ["-c", 'sleep 0.3; cat "$1" > "$2"', "sh", wav, fifo], { stdio: "ignore" });
    const written = new Promise((r) => writer.on("close", r));
    const d = await decodeAll(fifo);
    await written;
    assert.deepEqual(d.channels[0], (await decodeAll(wav)).channels[0]);
  });
  it("M4A with its index (moov) at the end, from a stream: spooled to a temporary file for ffmpeg, which is removed", { skip: !haveFfmpeg }, async () => {
    // 10 s: a file this large no longer fits the buffer ffmpeg can seek back in on a pipe
    const m4a = encodeWithFfmpeg(join(dir, "moov-last.m4a"), [sine(440, 10, 44100, 0.4)], 44100, ["-c:a", "aac"]);
    const bytes = readFileSync(m4a);
    const moov = bytes.indexOf("moov");
    const mdat = bytes.indexOf("mdat");
    assert.ok(moov > mdat, "ffmpeg wrote moov after mdat, as without +faststart");
    const spoolRoot = join(dir, "tmp");
    mkdirSync(spoolRoot);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = spoolRoot;
    try {
      const d = await decodeAll(Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]));
      assert.equal(d.format, "m4a");
      assert.ok(Math.abs(d.channels[0].length - 10 * 44100) <= 2048, `${d.channels[0].length} samples`);
      assert.deepEqual(readdirSync(spoolRoot), [], "the spool is removed");
      await rejectsWith(decodeAll(Readable.from([bytes.subarray(0, mdat + 100)])), "CORRUPT", /ffmpeg could not decode/);
      assert.deepEqual(readdirSync(spoolRoot), [], "the spool is removed after a failure too");
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});

it("a WASM decoder that trapped is never called again, not even free() (its heap may be corrupt)", { skip: !haveFfmpeg }, async () => {
  const seed = makeSeeds(["opus"])[0];
  for (let i = 0; i < 400; i++) {
    const m = mutate(seed, i, mutantSeed(7, "opus", i));
    const d = await createWasmDecoder("opus");
    let trap: unknown = null;
    try {
      await d.decode(m.bytes);
      await d.flush();
    } catch (e) {
      trap = e;
    }
    if (!(trap instanceof WebAssembly.RuntimeError)) {
      d.free();
      continue;
    }
    await assert.rejects(d.decode(m.bytes), (e) => e === trap, "the same error, without entering the instance again");
    assert.doesNotThrow(() => d.free());
    return;
  }
  assert.fail("no mutant made the decoder trap: the test proves nothing");
});
