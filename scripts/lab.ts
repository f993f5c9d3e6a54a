/**
 * Development lab for the analysers (not shipped): decode and run the front end once per corpus
 * track, keep the feature streams on disk, then score the analysers on the saved streams in
 * seconds instead of minutes. The scores are the same as `trackprobe eval` gives (same parts,
 * same metrics); only the decode and front end are skipped.
 *
 *   node --import tsx scripts/lab.ts cache DIR... --out /tmp/streams [--shard 0/2]
 *   node --import tsx scripts/lab.ts eval DIR... --streams /tmp/streams [--split A] [--rows]
 *   node --import tsx scripts/lab.ts fit-level DIR... --streams /tmp/streams [--model neural] [--cv 0.2,0.4,1]
 *   node --import tsx scripts/lab.ts fit-pulse DIR... --streams /tmp/streams   (beatless corpora among the DIRs)
 *   node --import tsx scripts/lab.ts fit-phase DIR... --streams /tmp/streams [--model neural]
 *   node --import tsx scripts/lab.ts audited-downbeats /tmp/pop909 --streams /tmp/streams --audit AUDIT.json   (scripts/audit-pop909.py)
 *   node --import tsx scripts/lab.ts audited-keys /tmp/pop909 --streams /tmp/streams --audit AUDIT.json        (audit-pop909.py --keys)
 *
 * The hold-out discipline holds here too: `eval` scores half A unless `--split B|all` is given.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { Command } from "commander";
import { DEFAULT_MODEL, MODELS, plan } from "../src/analyzers/registry.js";
import { beatNovelty, type Novelty } from "../src/analyzers/beat-activation.js";
import { estimateMeter } from "../src/analyzers/meter.js";
import { beatFMeasure, downbeatFMeasure, mirexKeyScore } from "../src/eval/metrics.js";
import { midpoints, offBeatProbability, PHASE_FEATURES, type PhaseFeatures, phaseContrasts, phaseFeatures, shiftedHalfBeat } from "../src/analyzers/beat-phase.js";
import { loadCorpus } from "../src/eval/corpus.js";
import { type EvalFeature, EVAL_FEATURES, evaluateRows, reportOf } from "../src/eval/evaluate.js";
import { HOLDOUT_COLUMNS, holdoutRow } from "../src/eval/holdout.js";
import { assignParts, type SplitChoice } from "../src/eval/parts.js";
import { decodeStreams } from "../src/pipeline/analyze.js";
import { runSteps } from "../src/analyzers/contract.js";
import type { Streams } from "../src/features/streams.js";
import { analyzeRhythm, type RhythmOptions } from "../src/analyzers/rhythm.js";
import { LEVEL_FEATURES, levelFeatures } from "../src/analyzers/metrical-level.js";
import { tempoSalience } from "../src/analyzers/tempo.js";
import { fitLogistic } from "./logistic.js";
import { PULSE_FEATURES, type PulseFeatures, pulseProbability } from "../src/analyzers/pulse-gate.js";
import { type Analysis, type AnalysisOutcome, type FeatureName, type ModelName, VERSION } from "../src/result.js";

const FEATURES: FeatureName[] = ["tempo", "beats", "downbeats", "meter", "key"];

const streamFile = (dir: string, audioPath: string) => join(dir, `${basename(audioPath)}.streams`);

async function computeStreams(audioPath: string, withBands = false): Promise<{ streams: Partial<Streams>; duration: number }> {
  const d = await decodeStreams(audioPath, [...plan(FEATURES).streams, ...(withBands ? (["bands"] as const) : [])]);
  return { streams: d.streams, duration: d.samples / d.sampleRate };
}

/** Runs the registry's analysers for FEATURES on saved streams, as analyze() does. */
async function analyseStreams(file: string, saved: { streams: Partial<Streams>; duration: number }, model?: ModelName): Promise<Analysis> {
  const { steps } = plan(FEATURES, { model });
  const result: Analysis = {
    file,
    format: "lab",
    duration: saved.duration,
    sampleRate: 0,
    channels: 0,
    warnings: [],
    timings: { decode: 0, features: 0, analyzers: 0 },
    version: VERSION,
  };
  Object.assign(result, await runSteps(steps, saved.streams, { options: {}, duration: result.duration, warnings: result.warnings }));
  return result;
}

const program = new Command("lab");
program
  .command("cache")
  .argument("<dirs...>")
  .requiredOption("--out <dir>")
  .option("--shard <i/n>", "this process's share of the tracks", "0/1")
  .option("--split <half>", "A, B or all: which halves of split corpora to cache", "all")
  .option("--with-bands", "also keep the band spectrogram (for a learned beat activation)")
  .action(async (dirs: string[], o: { out: string; shard: string; split: SplitChoice; withBands?: boolean }) => {
    const [i, n] = o.shard.split("/").map(Number);
    await mkdir(o.out, { recursive: true });
    const corpora = await Promise.all(dirs.map(async (dir) => ({ dir, entries: await loadCorpus(dir) })));
    const entries = assignParts(corpora, { split: o.split }).flatMap((p) => p.entries).filter((e) => !e.expectError);
    let k = 0;
    for (const e of entries) {
      if (k++ % n !== i) continue;
      const out = streamFile(o.out, e.audioPath);
      if (await stat(out).then(() => true, () => false)) continue;
      const t0 = performance.now();
      const saved = await computeStreams(e.audioPath, o.withBands);
      await writeFile(`${out}.tmp`, serialize(saved));
      await rename(`${out}.tmp`, out);
      console.error(`${e.id} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  });

program
  .command("eval")
  .argument("<dirs...>")
  .requiredOption("--streams <dir>")
  .option("--split <half>", "A, B or all", "A")
  .option("--rows", "print one row per track")
  .option("--features <list>", "features to score", EVAL_FEATURES.join(","))
  .option("--model <name>", "the beat model (neural needs streams cached --with-bands)", DEFAULT_MODEL)
  .action(async (dirs: string[], o: { streams: string; split: SplitChoice; rows?: boolean; features: string; model: ModelName }) => {
    const features = o.features.split(",") as EvalFeature[];
    const corpora = await Promise.all(dirs.map(async (dir) => ({ dir, entries: await loadCorpus(dir) })));
    const parts = assignParts(corpora, { split: o.split });
    const analyse = async (audioPath: string): Promise<AnalysisOutcome> => {
      const saved = deserialize(await readFile(streamFile(o.streams, audioPath)));
      return analyseStreams(audioPath, saved, o.model);
    };
    const header = ["part".padEnd(12), "n".padStart(4), ...HOLDOUT_COLUMNS.map(([t]) => t.padStart(8))].join(" ");
    const lines: string[] = [header];
    for (const part of parts) {
      const rows = await evaluateRows(part.entries, analyse, { features, trimSeconds: 0 });
      if (o.rows) {
        for (const r of rows) console.log(JSON.stringify({ id: r.id, ...r.scores, est: r.estimate, truth: r.truth }));
      }
      const row = holdoutRow(part.name, reportOf(rows, features, 0), part.half === "B");
      lines.push([part.name.padEnd(12), String(row.n).padStart(4), ...HOLDOUT_COLUMNS.map(([, k]) => (row[k] === null ? "–" : (row[k] as number).toFixed(3)).padStart(8))].join(" "));
    }
    console.log(lines.join("\n"));
  });

/** Each selected track's saved streams and truth, by part (half A unless `split` says otherwise). */
async function* tracksOf(dirs: string[], streamsDir: string, split: SplitChoice) {
  const corpora = await Promise.all(dirs.map(async (dir) => ({ dir, entries: await loadCorpus(dir) })));
  for (const part of assignParts(corpora, { split })) {
    for (const e of part.entries) {
      if (e.expectError) continue;
      const saved = deserialize(await readFile(streamFile(streamsDir, e.audioPath))) as { streams: Streams };
      yield { part: part.name, entry: e, streams: saved.streams };
    }
  }
}

/** The rhythm model on saved streams with a beat activation, as the plan would run it. */
async function rhythmOf(name: ModelName, streams: Streams, options: RhythmOptions = {}) {
  const provider = MODELS[name];
  if (!provider) throw new Error(`unknown model "${name}"`);
  const onsets = beatNovelty(streams.onset);
  const activation = (await provider.run({ streams, needs: { onsets }, options: {}, duration: 0, warn: () => {} })) as Novelty;
  return analyzeRhythm(streams.onset, streams.barPitch, options, activation, onsets);
}

/** Sample weights that give every part the same total weight (mean weight 1). */
function partWeights(parts: string[]): number[] {
  const count = new Map<string, number>();
  for (const p of parts) count.set(p, (count.get(p) ?? 0) + 1);
  return parts.map((p) => parts.length / (count.size * (count.get(p) as number)));
}
/** Folds of cross-validation (fit-level --cv, fit-phase's threshold). */
const CV_FOLDS = 5;
/** The fold of each sample: every CV_FOLDS-th track of each part is a fold. */
function foldsOf(samples: readonly { part: string }[]): number[] {
  const seen = new Map<string, number>();
  return samples.map((s) => {
    const i = seen.get(s.part) ?? 0;
    seen.set(s.part, i + 1);
    return i % CV_FOLDS;
  });
}
const fmt = (w: number[]) => `[${w.map((x) => Math.round(x * 1000) / 1000).join(", ")}]`;

program
  .command("fit-level")
  .description("fit a metrical-level model (metrical-level.ts LevelModel) for a beat activation on development data")
  .argument("<dirs...>")
  .requiredOption("--streams <dir>")
  .option("--model <name>", "the beat model whose activation the level model is fitted for", DEFAULT_MODEL)
  .option("--keep <part>", "the part whose Acc1 the threshold may not lower (the issue lets nothing on corpus-dev drop)", "corpus-dev")
  .option("--l2 <x>", "L2 penalty of the weights (0.4: the best cross-validated Acc1 that keeps corpus-dev's, for both models; --cv, docs/accuracy.md)", "0.4")
  .option("--cv <list>", "instead of fitting, the 5-fold cross-validated Acc1 of each L2 penalty in the list")
  .action(async (dirs: string[], o: { streams: string; model: ModelName; keep: string; l2: string; cv?: string }) => {
    const samples: { part: string; truth: number; C: number; row: number[] | null; label: number | null }[] = [];
    for await (const { part, entry, streams } of tracksOf(dirs, o.streams, "A")) {
      if (!entry.tempoBpm) continue;
      const r = await rhythmOf(o.model, streams, { halving: false });
      if (!r.tempo || !r.beats) {
        // no tempo: scored 0 by eval, so counted here too
        samples.push({ part, truth: entry.tempoBpm, C: 0, row: null, label: null });
        continue;
      }
      const C = r.tempo.bpm;
      const x = levelFeatures(streams.onset, r.beats, streams.barPitch, tempoSalience(beatNovelty(streams.onset)), C / 2);
      const within = (b: number) => Math.abs((entry.tempoBpm as number) / b - 1) <= 0.04;
      const row = x ? [1, ...LEVEL_FEATURES.map((k) => x[k]), x.slowOctave ** 2] : null;
      samples.push({ part, truth: entry.tempoBpm, C, row, label: within(C / 2) ? 1 : within(C) ? 0 : null });
    }
    type Sample = (typeof samples)[number];
    const fitOn = (set: Sample[], l2: number) => {
      const train = set.filter((s) => s.row && s.label !== null);
      return fitLogistic(train.map((s) => s.row as number[]), train.map((s) => s.label as number), partWeights(train.map((s) => s.part)), l2);
    };
    const prob = (w: number[], row: number[]) => 1 / (1 + Math.exp(-row.reduce((z, v, j) => z + v * w[j], 0)));
    const right = (s: Sample, w: number[], t: number) => {
      const est = s.row && prob(w, s.row) > t ? s.C / 2 : s.C;
      return Math.abs(est / s.truth - 1) <= 0.04 ? 1 : 0;
    };
    const acc1 = (set: Sample[], hit: (s: Sample) => number) => {
      const acc = new Map<string, number[]>();
      for (const s of set) acc.set(s.part, [...(acc.get(s.part) ?? []), hit(s)]);
      return new Map([...acc].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
    };
    const line = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ");
    // the best mean over the parts among the thresholds that give the kept part its best Acc1
    const choose = (set: Sample[], w: number[], log: boolean) => {
      let best = { threshold: 0.5, kept: -1, score: -1 };
      for (let t = 0.5; t <= 0.9001; t += 0.05) {
        const means = acc1(set, (s) => right(s, w, t));
        const score = [...means.values()].reduce((a, b) => a + b, 0) / means.size;
        if (log) console.log(`threshold ${t.toFixed(2)}: ${line(means)}`);
        const kept = means.get(o.keep) ?? 0;
        if (kept > best.kept + 1e-9 || (kept > best.kept - 1e-9 && score > best.score + 1e-9)) best = { threshold: Math.round(t * 100) / 100, kept, score };
      }
      return best.threshold;
    };
    if (o.cv) {
      // k-fold: each track's decision by the weights and threshold fitted on the other folds
      // (every 5th track of each part is a fold), for each penalty
      const fold = foldsOf(samples);
      for (const l2 of o.cv.split(",").map(Number)) {
        const hits = new Map<Sample, number>();
        for (let k = 0; k < CV_FOLDS; k++) {
          const train = samples.filter((_, i) => fold[i] !== k);
          const w = fitOn(train, l2);
          const t = choose(train, w, false);
          samples.forEach((s, i) => fold[i] === k && hits.set(s, right(s, w, t)));
        }
        console.log(`l2 ${l2}: cross-validated Acc1 ${line(acc1(samples, (s) => hits.get(s) as number))}`);
      }
      return;
    }
    const w = fitOn(samples, Number(o.l2));
    const threshold = choose(samples, w, true);
    console.log(`{ weights: ${fmt(w)}, threshold: ${threshold} }`);
  });

program
  .command("fit-bars")
  .description("choose meter.ts's DOWNBEAT_ACTIVATION_WEIGHT for a learned activation on development data")
  .argument("<dirs...>")
  .requiredOption("--streams <dir>")
  .option("--model <name>", "the (learned) beat model", "neural")
  .action(async (dirs: string[], o: { streams: string; model: ModelName }) => {
    const weights = [0, 0.5, 1, 2, 4, 8];
    const scores = new Map<string, number[][]>();
    for await (const { part, entry, streams } of tracksOf(dirs, o.streams, "A")) {
      if (!entry.downbeats) continue;
      const r = await rhythmOf(o.model, streams);
      const row = weights.map((w) => {
        const m = r.beats ? estimateMeter(streams.onset, r.beats, r.compound, streams.barPitch, r.novelty, w) : null;
        return downbeatFMeasure(entry.downbeats as number[], m?.downbeats ?? null);
      });
      scores.set(part, [...(scores.get(part) ?? []), row]);
    }
    const mean = (rows: number[][], j: number) => rows.reduce((a, r) => a + r[j], 0) / rows.length;
    weights.forEach((w, j) => {
      const means = [...scores.values()].map((rows) => mean(rows, j));
      console.log(`weight ${w}: ${[...scores.keys()].map((k, i) => `${k} ${means[i].toFixed(3)}`).join(", ")}  mean ${(means.reduce((a, b) => a + b, 0) / means.length).toFixed(3)}`);
    });
  });

/** One song of scripts/audit-pop909.py's --json: the MIDI's bar phase (offset in beats, evidence ratio) and, with --keys, its notes' key. */
interface SongAudit {
  id: string;
  offset: number;
  ratio: number;
  notesKey?: string;
}
async function readAudit(path: string): Promise<Map<string, SongAudit>> {
  return new Map((JSON.parse(await readFile(path, "utf8")) as SongAudit[]).map((r) => [r.id, r]));
}

program
  .command("audited-downbeats")
  .description("downbeat F on POP909 against its labels and against labels moved to where the MIDI puts the bar (scripts/audit-pop909.py --json)")
  .argument("<pop909>")
  .requiredOption("--streams <dir>")
  .requiredOption("--audit <json>", "scripts/audit-pop909.py's --json output")
  .option("--split <half>", "A or B (B only to report, never to choose)", "A")
  .option("--clear <ratio>", "move a song's labels only where the MIDI's evidence is at least this many times the labelled phase's", "1.5")
  .option("--model <name>", "the beat model", DEFAULT_MODEL)
  .action(async (dir: string, o: { streams: string; audit: string; split: SplitChoice; clear: string; model: ModelName }) => {
    const audit = await readAudit(o.audit);
    let labelled = 0;
    let audited = 0;
    let moved = 0;
    let n = 0;
    for await (const { entry, streams } of tracksOf([dir], o.streams, o.split)) {
      if (!entry.downbeats || !entry.beats) continue;
      const r = await rhythmOf(o.model, streams);
      const est = r.beats ? (estimateMeter(streams.onset, r.beats, r.compound, streams.barPitch, r.novelty)?.downbeats ?? null) : null;
      const a = audit.get(entry.id);
      let truth = entry.downbeats;
      if (a && a.offset !== 0 && a.ratio >= Number(o.clear)) {
        // the labelled downbeats moved `offset` beats along the labelled beats
        const beats = entry.beats;
        truth = entry.downbeats.map((d) => beats.indexOf(d) + a.offset).filter((i) => i >= a.offset && i < beats.length).map((i) => beats[i]);
        moved++;
      }
      labelled += downbeatFMeasure(entry.downbeats, est);
      audited += downbeatFMeasure(truth, est);
      n++;
    }
    console.log(`POP909 ${o.split} (${o.model}), ${n} songs, ${moved} with labels moved: downbeat F ${(labelled / n).toFixed(3)} against the labels, ${(audited / n).toFixed(3)} against the audited labels`);
  });

program
  .command("audited-keys")
  .description("key MIREX on POP909: the notes' key (scripts/audit-pop909.py --keys) and trackprobe's against the labels and against each other")
  .argument("<pop909>")
  .requiredOption("--streams <dir>")
  .requiredOption("--audit <json>", "scripts/audit-pop909.py --keys --json output")
  .option("--split <half>", "A or B (B only to report, never to choose)", "A")
  .action(async (dir: string, o: { streams: string; audit: string; split: SplitChoice }) => {
    const audit = await readAudit(o.audit);
    const sum = { notesLabel: 0, oursLabel: 0, oursNotes: 0, oursLabelAgreeing: 0 };
    let n = 0;
    let agreeing = 0;
    for await (const { entry, streams } of tracksOf([dir], o.streams, o.split)) {
      const notes = audit.get(entry.id)?.notesKey;
      if (!entry.key || !notes) continue;
      const ours = (await analyseStreams(entry.audioPath, { streams, duration: 0 })).key?.name ?? null;
      sum.notesLabel += mirexKeyScore(entry.key, notes);
      sum.oursLabel += mirexKeyScore(entry.key, ours);
      sum.oursNotes += mirexKeyScore(notes, ours);
      if (notes === entry.key) {
        sum.oursLabelAgreeing += mirexKeyScore(entry.key, ours);
        agreeing++;
      }
      n++;
    }
    const f = (x: number, d: number) => (x / d).toFixed(3);
    console.log(
      `POP909 ${o.split}, ${n} songs: the notes' key against the label ${f(sum.notesLabel, n)}; trackprobe against the label ${f(sum.oursLabel, n)}, ` +
        `against the notes' key ${f(sum.oursNotes, n)}, against the label where notes and label agree ${f(sum.oursLabelAgreeing, agreeing)} (${agreeing} songs)`,
    );
  });

program
  .command("fit-pulse")
  .description("fit pulse-gate.ts's PULSE_GATE (is there a beat at all) on development data, beatless corpora included")
  .argument("<dirs...>")
  .requiredOption("--streams <dir>")
  .option("--model <name>", "the beat model whose tracked grid the descriptors read", DEFAULT_MODEL)
  .option("--l2 <n>", "L2 penalty on the standardised weights", "10")
  .action(async (dirs: string[], o: { streams: string; model: ModelName; l2: string }) => {
    const samples: { part: string; x: number[]; label: number }[] = [];
    const refusedEarly = new Map<string, number>();
    for await (const { part, entry, streams } of tracksOf(dirs, o.streams, "A")) {
      if (entry.tempoBpm === null && !entry.beatless) continue;
      const r = await rhythmOf(o.model, streams, { pulseGate: false });
      if (!r.pulse) {
        // refused before the model (silence, too short, no onsets): "no pulse" whatever the weights
        refusedEarly.set(part, (refusedEarly.get(part) ?? 0) + 1);
        continue;
      }
      samples.push({ part, x: PULSE_FEATURES.map((k) => (r.pulse as NonNullable<typeof r.pulse>).features[k]), label: entry.beatless ? 0 : 1 });
    }
    // standardise, fit, and give the weights back in raw feature units
    const d = PULSE_FEATURES.length;
    const mean = Array.from({ length: d }, (_, j) => samples.reduce((a, s) => a + s.x[j], 0) / samples.length);
    const sd = Array.from({ length: d }, (_, j) => Math.sqrt(samples.reduce((a, s) => a + (s.x[j] - mean[j]) ** 2, 0) / samples.length) || 1);
    const rows = samples.map((s) => [1, ...s.x.map((v, j) => (v - mean[j]) / sd[j])]);
    const ws = fitLogistic(rows, samples.map((s) => s.label), partWeights(samples.map((s) => s.part)), Number(o.l2));
    const raw = [ws[0] - ws.slice(1).reduce((a, w, j) => a + (w * mean[j]) / sd[j], 0), ...ws.slice(1).map((w, j) => w / sd[j])];
    console.log(`standardised weights ${fmt(ws)} (bias, ${PULSE_FEATURES.join(", ")})`);
    if (refusedEarly.size > 0) console.log(`refused before the model: ${[...refusedEarly].map(([k, v]) => `${k} ${v}`).join(", ")}`);
    let best = { threshold: 0.5, score: -1 };
    for (const t of [0.3, 0.4, 0.5, 0.6, 0.7]) {
      const acc = new Map<string, number[]>();
      for (const s of samples) {
        const p = pulseProbability(Object.fromEntries(PULSE_FEATURES.map((k, j) => [k, s.x[j]])) as unknown as PulseFeatures, { weights: raw, threshold: t });
        acc.set(s.part, [...(acc.get(s.part) ?? []), (p > t ? 1 : 0) === s.label ? 1 : 0]);
      }
      const means = [...acc.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
      const score = means.reduce((a, b) => a + b, 0) / means.length;
      console.log(`threshold ${t.toFixed(2)}: pulse right ${[...acc.keys()].map((k, i) => `${k} ${means[i].toFixed(3)}`).join(", ")}  mean ${score.toFixed(3)}`);
      if (score > best.score + 1e-9) best = { threshold: t, score };
    }
    console.log(`{ weights: ${fmt(raw.map((w) => Math.round(w * 10000) / 10000))}, threshold: ${best.threshold} }`);
  });

program
  .command("fit-phase")
  .description("fit beat-phase.ts's PhaseModel (on the beat or half a beat off) for a beat activation on development data")
  .argument("<dirs...>")
  .requiredOption("--streams <dir>")
  .option("--model <name>", "the beat model whose grids the model is fitted on", DEFAULT_MODEL)
  .option("--keep <part>", "the part whose beat F the threshold may not lower", "corpus-dev")
  .option("--l2 <x>", "L2 penalty of the weights", "1")
  .action(async (dirs: string[], o: { streams: string; model: ModelName; keep: string; l2: string }) => {
    // per track: the contrasts of the tracked grid and of its midpoints, and the beat F of each
    const samples: { part: string; x: number[]; shifted: number[]; fOn: number; fOff: number }[] = [];
    for await (const { part, entry, streams } of tracksOf(dirs, o.streams, "A")) {
      if (!entry.beats) continue;
      const r = await rhythmOf(o.model, streams, { phase: false });
      if (!r.beats || r.beats.length < 8) continue;
      const mids = midpoints(r.beats);
      const x = phaseFeatures(streams.onset, streams.barPitch, r.beats);
      const shifted = phaseContrasts(streams.onset, streams.barPitch, mids, r.beats.slice(1));
      samples.push({
        part,
        x: PHASE_FEATURES.map((k) => x[k]),
        shifted: PHASE_FEATURES.map((k) => shifted[k]),
        fOn: beatFMeasure(entry.beats, r.beats),
        fOff: beatFMeasure(entry.beats, shiftedHalfBeat(r.beats)),
      });
    }
    // symmetric training: the phase that scores (F ≥ 0.8, the other < 0.5) is the beat
    type Sample = (typeof samples)[number];
    const fitOn = (set: Sample[]) => {
      const rows: number[][] = [];
      const labels: number[] = [];
      const parts: string[] = [];
      for (const s of set) {
        const onRight = s.fOn >= 0.8 && s.fOff < 0.5;
        if (!onRight && !(s.fOff >= 0.8 && s.fOn < 0.5)) continue;
        rows.push([1, ...s.x], [1, ...s.shifted]);
        labels.push(onRight ? 1 : 0, onRight ? 0 : 1);
        parts.push(s.part, s.part);
      }
      return fitLogistic(rows, labels, partWeights(parts), Number(o.l2)).slice(1);
    };
    const pOff = (weights: number[], s: Sample) => offBeatProbability(Object.fromEntries(PHASE_FEATURES.map((k, j) => [k, s.x[j]])) as unknown as PhaseFeatures, { weights, threshold: 1 });
    // the threshold is chosen on out-of-fold probabilities (5 folds, every 5th track of each
    // part): a handful of off-beat tracks decide it, and in-sample they flatter every threshold
    const oof = new Map<Sample, number>();
    const fold = foldsOf(samples);
    for (let k = 0; k < CV_FOLDS; k++) {
      const w = fitOn(samples.filter((_, i) => fold[i] !== k));
      samples.forEach((s, i) => fold[i] === k && oof.set(s, pOff(w, s)));
    }
    const weights = fitOn(samples).map((v) => Math.round(v * 1000) / 1000);
    console.log(`${samples.length} tracks, ${samples.filter((s) => s.fOff >= 0.8 && s.fOn < 0.5).length} tracked off the beat`);
    let best = { threshold: 1, kept: -1, score: -1 };
    for (const t of [0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
      const acc = new Map<string, number[]>();
      let moved = 0;
      for (const s of samples) {
        const move = (oof.get(s) as number) > t;
        if (move) moved++;
        acc.set(s.part, [...(acc.get(s.part) ?? []), move ? s.fOff : s.fOn]);
      }
      const means = new Map([...acc].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
      const score = [...means.values()].reduce((a, b) => a + b, 0) / means.size;
      console.log(`threshold ${t.toFixed(2)}: cross-validated beat F ${[...means].map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}  mean ${score.toFixed(3)}  (${moved} moved)`);
      const kept = Math.round((means.get(o.keep) ?? 0) * 1000);
      if (kept > best.kept || (kept === best.kept && score > best.score + 1e-9)) best = { threshold: t, kept, score };
    }
    console.log(`{ weights: ${fmt(weights)}, threshold: ${best.threshold} }`);
  });

await program.parseAsync();
