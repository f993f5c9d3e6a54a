/**
 * Boundary F-measures of the structure analyser on a set made by scripts/gen-structure.ts:
 *
 *   node --import tsx scripts/eval-structure.ts DIR [--split A|B|all] [--tune] [--no-grid] [--jobs 2]
 *
 * Scores each track with mir_eval.segment.detection semantics (src/eval/metrics.ts
 * segmentDetection: ±0.5 s and ±3 s, trim = false) and the share of the track's time whose
 * section kind is right; prints per-track lines and the means. `--tune` grid-searches a few
 * StructureParams on half A only (it refuses B: B is for reporting) and prints the best; the
 * defaults in src/analyzers/structure.ts are set from it by hand. `--no-grid` drops the beats and
 * downbeats: the time-frame path a track without a pulse takes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { plan } from "../src/analyzers/registry.js";
import { runSteps } from "../src/analyzers/contract.js";
import { analyzeStructure, STRUCTURE_DEFAULTS, type StructureInput, type StructureParams } from "../src/analyzers/structure.js";
import { matchEventCount, segmentDetection, segmentPairwise } from "../src/eval/metrics.js";
import { decodeStreams } from "../src/pipeline/analyze.js";
import type { Section } from "../src/result.js";

interface Truth {
  id: string;
  file: string;
  split: "A" | "B";
  style: string;
  duration_s: number;
  sections: { start: number; end: number; kind: Section["kind"]; group: string; bars: number }[];
}

interface Loaded {
  truth: Truth;
  input: StructureInput;
}

async function load(dir: string, truth: Truth): Promise<Loaded> {
  const { steps, streams } = plan(["structure", "beats", "downbeats"]);
  const decoded = await decodeStreams(join(dir, truth.file), streams);
  const duration = decoded.samples / decoded.sampleRate;
  // run the rhythm analysers only (the structure step is re-run per parameter set below)
  const fields = await runSteps(steps.filter((s) => s.analyzer.name !== "structure"), decoded.streams, { options: {}, duration, warnings: [] });
  const st = decoded.streams as Required<typeof decoded.streams>;
  return {
    truth,
    input: { chroma: st.chroma, timbre: st.timbre, onset: st.onset, loudness: st.loudness, beats: fields.beats ?? null, downbeats: fields.downbeats ?? null, duration },
  };
}

/** Seconds of reference kind → estimated kind, summed over the tracks scored. */
const confusion = new Map<string, number>();

interface Score {
  f05: number;
  f3: number;
  p05: number;
  r05: number;
  kind: number;
  /** Pairwise F of the repetition letters (mir_eval.segment.pairwise). */
  group: number;
  /** Drop cues against the truth's drop starts, ±0.5 s (one-to-one): hits, cues, true drops. */
  dropHits: number;
  dropCues: number;
  drops: number;
  nEst: number;
  nRef: number;
}

function score(l: Loaded, params: StructureParams, record = false): Score {
  const { sections: est, cues } = analyzeStructure(l.input, params);
  const ref = l.truth.sections;
  const iv = (s: { start: number; end: number }[]) => s.map((x) => [x.start, x.end] as [number, number]);
  const a = segmentDetection(iv(ref), iv(est), 0.5);
  const b = segmentDetection(iv(ref), iv(est), 3);
  // kind agreement, sampled every 0.1 s
  let same = 0;
  let all = 0;
  for (let t = 0.05; t < l.truth.duration_s; t += 0.1) {
    const r = ref.find((s) => t >= s.start && t < s.end);
    const e = est.find((s) => t >= s.start && t < s.end);
    if (!r || !e) continue;
    all++;
    if (r.kind === e.kind) same++;
    if (record) confusion.set(`${r.kind}>${e.kind}`, (confusion.get(`${r.kind}>${e.kind}`) ?? 0) + 0.1);
  }
  // the estimate ends at the decoded length, the truth at ffprobe's: make them end together
  const end = ref[ref.length - 1].end;
  const estIv = iv(est);
  estIv[estIv.length - 1][1] = end;
  const g = segmentPairwise(iv(ref), ref.map((x) => x.group), estIv, est.map((x) => x.group));
  const trueDrops = ref.filter((x) => x.kind === "drop").map((x) => x.start);
  const dropCues = cues.filter((c) => c.kind === "drop").map((c) => c.time);
  const dropHits = matchEventCount(trueDrops, dropCues, 0.5);
  return {
    f05: a.fMeasure,
    f3: b.fMeasure,
    p05: a.precision,
    r05: a.recall,
    kind: all ? same / all : 0,
    group: g.fMeasure,
    dropHits,
    dropCues: dropCues.length,
    drops: trueDrops.length,
    nEst: est.length,
    nRef: ref.length,
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function summary(scores: Score[]) {
  return {
    f05: mean(scores.map((s) => s.f05)),
    f3: mean(scores.map((s) => s.f3)),
    p05: mean(scores.map((s) => s.p05)),
    r05: mean(scores.map((s) => s.r05)),
    kind: mean(scores.map((s) => s.kind)),
    group: mean(scores.map((s) => s.group)),
    // over all tracks: share of true drops with a drop cue, share of drop cues on a true drop
    dropRecall: scores.reduce((a, s) => a + s.dropHits, 0) / Math.max(1, scores.reduce((a, s) => a + s.drops, 0)),
    dropPrecision: scores.reduce((a, s) => a + s.dropHits, 0) / Math.max(1, scores.reduce((a, s) => a + s.dropCues, 0)),
    sections: `${mean(scores.map((s) => s.nEst)).toFixed(1)} est / ${mean(scores.map((s) => s.nRef)).toFixed(1)} ref`,
  };
}

/**
 * The parameter sets --tune tries: the first grid (kernel half-widths [16, 32], [16], [32],
 * [8, 16, 32] beats × thresholds 0.3–0.5 × three phrase priors × smoothing 4 or 8 beats) chose
 * [16], 0.4, [1, 0.7, 0.2, 0.1], 8; this is the finer second pass around it.
 */
function* grid(): Generator<StructureParams> {
  for (const relativeThreshold of [0.35, 0.4, 0.45, 0.5])
    for (const phraseWeights of [[1, 0.7, 0.2, 0.1], [1, 0.6, 0.15, 0.1], [1, 0.8, 0.25, 0.1]] as [number, number, number, number][])
      for (const smoothBeats of [6, 8, 12]) yield { ...STRUCTURE_DEFAULTS, relativeThreshold, phraseWeights, smoothBeats };
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      split: { type: "string", default: "A" },
      tune: { type: "boolean", default: false },
      "no-grid": { type: "boolean", default: false },
      jobs: { type: "string", default: "2" },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: node --import tsx scripts/eval-structure.ts DIR [--split A|B|all] [--tune]\n");
    process.exit(2);
  }
  const dir = resolve(positionals[0]);
  if (values.tune && values.split !== "A") throw new Error("--tune runs on half A only: half B is for reporting");
  const truths = readdirSync(join(dir, "truth"))
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, "truth", f), "utf8")) as Truth)
    .filter((t) => values.split === "all" || t.split === values.split);
  const loaded: Loaded[] = [];
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: Number(values.jobs) }, async () => {
      while (next < truths.length) loaded.push(await load(dir, truths[next++]));
    }),
  );
  loaded.sort((a, b) => a.truth.id.localeCompare(b.truth.id));
  if (values["no-grid"]) for (const l of loaded) l.input = { ...l.input, beats: null, downbeats: null };
  process.stderr.write(`loaded ${loaded.length} tracks in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  if (values.tune) {
    const results: { p: StructureParams; s: ReturnType<typeof summary> }[] = [];
    for (const p of grid()) results.push({ p, s: summary(loaded.map((l) => score(l, p))) });
    // rank by the mean of the two F-measures
    results.sort((a, b) => b.s.f05 + b.s.f3 - (a.s.f05 + a.s.f3));
    for (const r of results.slice(0, 8)) process.stdout.write(`${JSON.stringify(r.s)} ${JSON.stringify({ k: r.p.kernelBeats, t: r.p.relativeThreshold, ph: r.p.phraseWeights, sm: r.p.smoothBeats, w: r.p.weights })}\n`);
    return;
  }
  const scores = loaded.map((l) => {
    const s = score(l, STRUCTURE_DEFAULTS, true);
    process.stdout.write(`${l.truth.id} ${l.truth.style.padEnd(7)} F0.5 ${s.f05.toFixed(2)} F3 ${s.f3.toFixed(2)} kind ${s.kind.toFixed(2)} group ${s.group.toFixed(2)} sections ${s.nEst}/${s.nRef}\n`);
    return s;
  });
  const kinds = ["intro", "verse", "build", "drop", "breakdown", "outro"];
  process.stdout.write(`kinds, seconds (rows: truth, columns: estimate)\n${"".padEnd(10)}${kinds.map((k) => k.padStart(10)).join("")}\n`);
  for (const r of kinds) process.stdout.write(`${r.padEnd(10)}${kinds.map((e) => (confusion.get(`${r}>${e}`) ?? 0).toFixed(0).padStart(10)).join("")}\n`);
  process.stdout.write(`split ${values.split} (${loaded.length} tracks): ${JSON.stringify(summary(scores))}\n`);
}

await main();
