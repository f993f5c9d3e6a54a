/**
 * The analyser contract (analyzers/contract.ts): the plan fails loudly on a cycle, a missing
 * dependency or an unknown feature; an analyser reads only the streams it declared and must
 * return every field it declared; a beat-activation provider replaces the default by name and
 * the rhythm analysers decode it; the registry agrees with FEATURE_NAMES and the JSON schema.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type Analyzer, defineAnalyzer, defineInternal, planAnalyzers, runSteps } from "../src/analyzers/contract.js";
import { ANALYZERS, AVAILABLE_FEATURES, plan } from "../src/analyzers/registry.js";
import { spectralFluxActivation } from "../src/analyzers/beat-activation.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { optionsKey } from "../src/cache/store.js";
import { analyze, decodeStreams } from "../src/pipeline/analyze.js";
import { FEATURE_NAMES, type ModelChoice, TrackprobeError } from "../src/result.js";
import { SPECTRAL_FLUX_LEVEL } from "../src/analyzers/metrical-level.js";
import { SPECTRAL_FLUX_PULSE } from "../src/analyzers/pulse-gate.js";
import { SPECTRAL_FLUX_PHASE } from "../src/analyzers/beat-phase.js";
import { drumPattern, RATE } from "./signals/rhythm.js";

const ctx = () => ({ options: {}, duration: 1, warnings: [] as string[] });

describe("analyser contract: the plan", () => {
  it("orders every analyser after what it needs", () => {
    const { steps } = plan(["danceability", "energy"]);
    const names = steps.map((s) => s.analyzer.name);
    for (const s of steps) {
      for (const dep of Object.values(s.needs)) assert.ok(names.indexOf(dep.name) < names.indexOf(s.analyzer.name), `${dep.name} before ${s.analyzer.name}`);
    }
    assert.deepEqual(new Set(names), new Set(["onset-pulse", "onset-descriptors", "onset-novelty", "beat-activation", "rhythm", "danceability", "loudness", "energy"]));
    // the onset descriptors are computed once, for the rhythm model's pulse decision and for danceability and energy
    assert.equal(names.filter((n) => n === "onset-pulse").length, 1);
  });

  it("a circular dependency fails at plan time, naming the cycle", () => {
    const needsA: Record<string, Analyzer> = {};
    const a = defineInternal({ name: "a", streams: [], needs: needsA, run: () => 1 });
    const b = defineAnalyzer({ name: "b", features: ["tempo"], fields: ["tempo"], streams: [], needs: { a }, run: () => ({ tempo: null }) });
    needsA.b = b;
    assert.throws(() => planAnalyzers([b], ["tempo"]), (e: unknown) => e instanceof TrackprobeError && /cycle: b → a → b/.test(e.message));
  });

  it("a missing dependency (an import cycle leaves it undefined) fails at plan time", () => {
    const b = defineAnalyzer({
      name: "b",
      features: ["tempo"],
      fields: ["tempo"],
      streams: [],
      needs: { rhythm: undefined as unknown as Analyzer },
      run: () => ({ tempo: null }),
    });
    assert.throws(() => planAnalyzers([b], ["tempo"]), /"b" needs "rhythm", which is not an analyser/);
  });

  it("a feature no analyser provides, or two provide, fails at plan time", () => {
    assert.throws(() => planAnalyzers([], ["tempo"]), (e: unknown) => e instanceof TrackprobeError && e.code === "BAD_OPTION");
    const t = () => defineAnalyzer({ name: "t", features: ["tempo"], fields: ["tempo"], streams: [], needs: {}, run: () => ({ tempo: null }) });
    assert.throws(() => planAnalyzers([t(), t()], ["tempo"]), /provided by t and t/);
  });
});

describe("analyser contract: the runner", () => {
  it("an analyser cannot read a stream it did not declare", async () => {
    const sneaky = defineAnalyzer({
      name: "sneaky",
      features: ["loudness"],
      fields: ["loudness"],
      streams: ["onset"],
      needs: {},
      run: ({ streams }) => {
        void (streams as unknown as Record<string, unknown>).chroma;
        return { loudness: null };
      },
    });
    const { steps } = planAnalyzers([sneaky], ["loudness"]);
    await assert.rejects(runSteps(steps, {}, ctx()), /"sneaky" reads the stream "chroma", which it did not declare/);
  });

  it("an analyser must return every field it declared", async () => {
    const lazy = defineAnalyzer({
      name: "lazy",
      features: ["key"],
      fields: ["key", "tuning"],
      streams: [],
      needs: {},
      run: () => ({ key: null }) as never,
    });
    await assert.rejects(runSteps(planAnalyzers([lazy], ["key"]).steps, {}, ctx()), /"lazy" did not return its field "tuning"/);
  });

  it("hands each analyser its needs' outputs, and async stages are awaited", async () => {
    const base = defineInternal({ name: "base", streams: [], needs: {}, run: async () => 41 });
    const top = defineAnalyzer({
      name: "top",
      features: ["energy"],
      fields: ["energy"],
      streams: [],
      needs: { base },
      run: ({ needs }) => ({ energy: needs.base + 1 }),
    });
    assert.deepEqual(await runSteps(planAnalyzers([top], ["energy"]).steps, {}, ctx()), { energy: 42 });
  });
});

describe("beat-activation seam", () => {
  it("a provider of the same name replaces the spectral flux, and tempo decodes it", async () => {
    // the audio is a 120 BPM pattern; the replacement activation pulses at 100 BPM
    const { audio } = drumPattern({ bpm: 120, seconds: 30 });
    const d = await decodeStreams(Buffer.from(encodeWavFloat32([audio], RATE)), ["onset", "barPitch"]);
    const onset = d.streams.onset as NonNullable<typeof d.streams.onset>;
    const fps = onset.framesPerSecond;
    const pulses = new Float32Array(onset.total.length);
    for (let t = 0.5; t * fps < pulses.length; t += 60 / 100) pulses[Math.round(t * fps)] = 0.9;
    const impulses = defineInternal({
      name: "beat-activation",
      streams: [],
      needs: {},
      run: () => ({ framesPerSecond: fps, flux: pulses, activation: pulses, level: SPECTRAL_FLUX_LEVEL, pulse: SPECTRAL_FLUX_PULSE, phase: SPECTRAL_FLUX_PHASE }),
    });
    const replaced = planAnalyzers(ANALYZERS, ["tempo"], [impulses]);
    assert.ok(replaced.steps.some((s) => s.analyzer === impulses));
    assert.ok(!replaced.steps.some((s) => s.analyzer === spectralFluxActivation));
    const own = await runSteps(plan(["tempo"]).steps, d.streams, ctx());
    const other = await runSteps(replaced.steps, d.streams, ctx());
    assert.ok(Math.abs((own.tempo?.bpm ?? 0) / 120 - 1) < 0.02, `own activation: ${own.tempo?.bpm}`);
    // a reading of the replacement's pulses (100 BPM or its half: the onsets, which the metrical
    // level reads, contradict this activation, and its 3/2 rule may take the grid to 67, tracked
    // on the pulses at 50), never the audio's 120 or 60
    const bpm = other.tempo?.bpm ?? 0;
    assert.ok([100, 50].some((r) => Math.abs(bpm / r - 1) < 0.02), `replaced activation: ${bpm}`);
  });

  it("an unknown model is a BAD_OPTION; a chosen one is in the result options and the cache key", async () => {
    const wav = Buffer.from(encodeWavFloat32([drumPattern({ bpm: 120, seconds: 6 }).audio], RATE));
    await assert.rejects(analyze(wav, { features: ["tempo"], model: "nope" as ModelChoice }), (e: unknown) => e instanceof TrackprobeError && e.code === "BAD_OPTION");
    const r = await analyze(wav, { features: ["tempo"], model: "dsp" });
    assert.equal(r.options, undefined, "the default is not an option");
    assert.notEqual(optionsKey(["tempo"], { model: "neural" }), optionsKey(["tempo"], null));
  });
});

describe("registry", () => {
  it("answers exactly FEATURE_NAMES, one analyser per feature", () => {
    assert.deepEqual([...AVAILABLE_FEATURES].sort(), [...FEATURE_NAMES].sort());
  });

  it("every field an analyser declares is in the published schema", () => {
    const schema = (JSON.parse(readFileSync(new URL("../schema/analysis.schema.json", import.meta.url), "utf8")) as { $defs: { analysis: { properties: Record<string, unknown> } } }).$defs.analysis;
    for (const a of plan(FEATURE_NAMES).steps.map((s) => s.analyzer)) {
      for (const f of a.fields) assert.ok(f in schema.properties, `${a.name}: "${f}" is not in schema/analysis.schema.json`);
    }
  });
});
