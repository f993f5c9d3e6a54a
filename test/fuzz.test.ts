/**
 * A short fuzz run (the long one: scripts/fuzz.ts): 30 mutants of a small generated file of every
 * format, fixed seed, each through analyze() in a worker thread under a watchdog. Every mutant
 * must give a schema-valid result or a TrackprobeError: no raw error, no hang, no NaN.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { haveFfmpeg } from "./signals/files.js";
import { crc16, crc8, FUZZ_FORMATS, flacFrameStarts, fuzz, makeSeeds, mutantSeed, mutate, oggCrc, table } from "./support/fuzz.js";

describe("fuzz harness", () => {
  it("checksums: Ogg CRC-32, FLAC CRC-8 and CRC-16 of the standard check string", () => {
    const check = new TextEncoder().encode("123456789");
    assert.equal(oggCrc(check, 0, check.length), 0x89a1897f); // CRC-32/MPEG-2 variant with init 0 (CRC-32/OGG)
    assert.equal(crc8(check, 0, check.length), 0xf4); // CRC-8 (poly 0x07)
    assert.equal(crc16(check, 0, check.length), 0xfee8); // CRC-16/UMTS (poly 0x8005, init 0)
  });
  it("mutants are reproducible from (format, seed, index) and differ from the seed", { skip: !haveFfmpeg }, () => {
    const [seed] = makeSeeds(["flac"]);
    assert.ok(flacFrameStarts(seed.bytes).length > 10, "the FLAC frames are found");
    const a = mutate(seed, 3, mutantSeed(1, "flac", 3));
    const b = mutate(seed, 3, mutantSeed(1, "flac", 3));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.bytes, seed.bytes);
  });
});

describe("fuzz: 30 mutants per format", { skip: !haveFfmpeg && "ffmpeg makes the seed files" }, () => {
  it("no raw error, no hang, no schema-invalid result", { timeout: 300_000 }, async () => {
    const tallies = await fuzz({ perFormat: 30, runSeed: 20240601, timeoutMs: 30_000, formats: FUZZ_FORMATS });
    const bugs = tallies.flatMap((t) => t.bugs.map((b) => `${t.format}#${b.index} ${b.verdict} (${b.description}): ${b.detail}`));
    assert.deepEqual(bugs, [], `\n${table(tallies)}`);
    for (const t of tallies) assert.equal(t.ok + t.expected, 30, t.format);
    // the mutants reach the decoders: some still decode, and some are refused
    for (const t of tallies) assert.ok(t.ok > 0, `${t.format}: no mutant decoded`);
    assert.ok(tallies.reduce((n, t) => n + t.expected, 0) > 0, "no mutant was refused");
  });
});
