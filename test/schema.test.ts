/** The published JSON schema accepts real results and failures, and rejects what is not v1. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import { analyze } from "../src/pipeline/analyze.js";
import { FEATURE_NAMES } from "../src/result.js";

const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "schema", "analysis.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true }).compile(schema);
const check = (o: unknown) => {
  const ok = validate(o);
  return ok ? "" : JSON.stringify(validate.errors, null, 1);
};

describe("analysis.schema.json", () => {
  it("accepts a full analysis of the demo track (every feature)", async () => {
    const r = await analyze(encodeWavFloat32(renderDemoTrack(20), 44100), { name: "demo.wav" });
    // a feature is its field, except structure (sections and cues)
    for (const f of FEATURE_NAMES) assert.ok((f === "structure" ? "sections" : f) in r, `${f} missing from a full analysis`);
    assert.equal(check(JSON.parse(JSON.stringify(r))), "");
  });
  it("accepts the nulls of silence, and a failure object", async () => {
    const r = await analyze(encodeWavFloat32([new Float32Array(44100 * 5)], 44100), { name: "silence.wav" });
    assert.equal(check(JSON.parse(JSON.stringify(r))), "");
    assert.equal(check({ file: "x.mp3", error: { code: "EMPTY", message: "x.mp3: file is empty (0 bytes)" } }), "");
  });
  it("rejects unknown fields and malformed values", () => {
    const base = { file: "a", format: "wav", duration: 1, sampleRate: 44100, channels: 2, warnings: [], timings: { decode: 0, features: 0, analyzers: 0 }, version: "0.1.0" };
    assert.equal(check(base), "");
    assert.notEqual(check({ ...base, bogus: 1 }), "");
    assert.notEqual(check({ ...base, key: { tonic: "Db", mode: "major", name: "Db major", camelot: "3B", openKey: "8d", confidence: 0.5, candidates: [] } }), "");
    assert.notEqual(check({ ...base, tempo: { bpm: -5, confidence: 0.5, candidates: [] } }), "");
  });
});
