/**
 * Songs with known sections, for the structure analyser (docs/structure.md):
 *
 *   node --import tsx scripts/gen-structure.ts OUT_DIR [--count 48] [--jobs 1] [--seed 7] [--only 0,5]
 *
 * Writes OUT_DIR/audio/struct-NNN.{flac,mp3} and OUT_DIR/truth/struct-NNN.json. Each song is an
 * arrangement of phrase-length sections (intro, verse, build, drop/chorus, breakdown, outro; 4, 8
 * or 16 bars) in one of a few dance and pop forms, composed here from the pieces of
 * scripts/gen-corpus.ts (random numbers, keys and voicings, the MIDI writer in renderSong) and
 * rendered with fluidsynth + FluidR3_GM like that corpus. The material changes where the sections
 * change — instruments, drums, chords, density, velocity — as it does in produced music, and
 * repeated sections of one kind reuse their material (same chords, motif and instruments), so the
 * truth also has repetition groups.
 *
 * Truth: section boundaries are the downbeats of the bars where a section starts (exact: the grid
 * is the MIDI tempo map before humanisation), the first section starts at 0 s (any leading
 * silence belongs to the intro) and the last ends at the end of the file. `split` alternates A
 * and B by rounds of the styles (tracks 0–5 A, 6–11 B, …), so both halves hold every style in
 * equal numbers: tune on A, report B (scripts/eval-structure.ts).
 * Resumable: tracks whose audio and truth both exist are skipped; truth is written last.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { writeFileAtomic } from "../src/cli/write-atomic.js";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  bassPitch,
  CHH,
  CLAP,
  CRASH,
  DRUM_CH,
  K,
  Key,
  MAJOR_PROGS,
  MINOR_PROGS,
  mixSeed,
  nearestPc,
  type Note,
  OHH,
  onlyThese,
  renderCorpus,
  renderSong,
  RIDE,
  Rng,
  run,
  SF2,
  SN,
  type Song,
  voicing,
} from "./gen-corpus.js";

/** The truth vocabulary: the analyser's SectionKind (a pop chorus is written as "drop"). */
export type TruthKind = "intro" | "verse" | "build" | "drop" | "breakdown" | "outro";

interface Part {
  kind: TruthKind;
  bars: number;
}

interface StyleDef {
  name: string;
  lo: number;
  hi: number;
  forms: Part[][];
}

const p = (kind: TruthKind, bars: number): Part => ({ kind, bars });

const EDM_FORMS: Part[][] = [
  [p("intro", 16), p("verse", 16), p("build", 8), p("drop", 16), p("breakdown", 16), p("build", 8), p("drop", 16), p("outro", 16)],
  [p("intro", 8), p("build", 8), p("drop", 16), p("breakdown", 8), p("build", 8), p("drop", 16), p("outro", 8)],
  [p("intro", 16), p("verse", 8), p("build", 8), p("drop", 16), p("verse", 8), p("breakdown", 8), p("build", 4), p("drop", 16), p("outro", 16)],
  [p("intro", 8), p("verse", 16), p("drop", 16), p("breakdown", 16), p("build", 8), p("drop", 16), p("outro", 8)],
];
const POP_FORMS: Part[][] = [
  [p("intro", 8), p("verse", 16), p("drop", 8), p("verse", 16), p("drop", 16), p("breakdown", 8), p("drop", 16), p("outro", 8)],
  [p("intro", 4), p("verse", 16), p("build", 4), p("drop", 16), p("verse", 16), p("build", 4), p("drop", 16), p("outro", 8)],
  [p("intro", 8), p("verse", 8), p("drop", 8), p("verse", 8), p("drop", 8), p("breakdown", 8), p("drop", 16), p("outro", 4)],
];

const STYLES: readonly StyleDef[] = [
  { name: "house", lo: 120, hi: 128, forms: EDM_FORMS },
  { name: "techno", lo: 126, hi: 134, forms: EDM_FORMS },
  { name: "trance", lo: 132, hi: 140, forms: EDM_FORMS },
  { name: "dnb", lo: 170, hi: 176, forms: EDM_FORMS },
  { name: "pop", lo: 96, hi: 124, forms: POP_FORMS },
  { name: "hiphop", lo: 84, hi: 98, forms: POP_FORMS },
];

const PADS = [88, 89, 90, 91, 94, 95, 48, 49, 50];
const LEADS = [80, 81, 84, 85, 87, 62, 63, 56, 73, 11];
const STABS = [4, 5, 16, 17, 62, 81, 0, 1, 24, 27];
const SYNTH_BASSES = [38, 39, 87, 33, 34];
const BREAK_LEADS = [0, 1, 46, 48, 52, 53, 68, 71, 73, 91];

/** Half A or B: whole rounds of the style cycle alternate. */
const splitOf = (index: number) => (Math.floor(index / STYLES.length) % 2 === 0 ? "A" : "B");

interface Plan {
  index: number;
  id: string;
  style: StyleDef;
  tempo: number;
  form: Part[];
  format: "flac" | "mp3";
  seed: number;
}

function makePlan(count: number, seed: number): Plan[] {
  const rng = new Rng(mixSeed(seed, 0));
  return Array.from({ length: count }, (_, index) => {
    const style = STYLES[index % STYLES.length];
    return {
      index,
      id: `struct-${String(index).padStart(3, "0")}`,
      style,
      tempo: Math.round(rng.range(style.lo, style.hi)),
      form: rng.pick(style.forms),
      format: rng.chance(0.7) ? "flac" : "mp3",
      seed: mixSeed(seed, index + 1),
    };
  });
}

/** The material of one section kind: chords, instruments, motif — reused wherever the kind comes back. */
interface Material {
  prog: number[];
  motif: [number, number, number][]; // [beat offset in 2 bars, duration, scale step]
}

interface Arranged {
  song: Song;
  sections: { kind: TruthKind; startBar: number; bars: number; group: string }[];
}

function arrange(plan: Plan): Arranged {
  const rng = new Rng(plan.seed);
  const key = new Key(rng.int(0, 11), rng.chance(0.5));
  const progs = key.minor ? MINOR_PROGS : MAJOR_PROGS;
  const pop = plan.style.name === "pop" || plan.style.name === "hiphop";
  const edm = !pop;
  const notes: Note[] = [];
  const programs = new Map<number, number>();
  // channels: 0 bass, 1 pad, 2 drop lead, 3 verse comp/stab, 4 arp, 5 breakdown lead, 6 verse melody
  programs.set(0, rng.pick(pop ? [33, 34, 35, 38] : SYNTH_BASSES));
  programs.set(1, rng.pick(PADS));
  programs.set(2, rng.pick(LEADS));
  programs.set(3, rng.pick(STABS));
  programs.set(4, rng.pick([81, 80, 4, 11, 98, 84]));
  programs.set(5, rng.pick(BREAK_LEADS));
  programs.set(6, rng.pick([73, 71, 65, 66, 22, 11, 52]));
  programs.set(DRUM_CH, rng.pick([0, 8, 16, 24, 25]));
  const motif = (): [number, number, number][] => {
    const out: [number, number, number][] = [];
    for (let s = 0; s < 8; ) {
      const d = rng.pick([0.5, 0.5, 1, 1, 1.5, 2]);
      if (rng.chance(0.75)) out.push([s, Math.min(d, 8 - s) * 0.9, rng.int(-2, 2)]);
      s += d;
    }
    return out;
  };
  const material = new Map<TruthKind, Material>();
  const progA = rng.pick(progs);
  let progB = rng.pick(progs);
  while (progB === progA && progs.length > 1) progB = rng.pick(progs);
  for (const k of ["intro", "verse", "build", "drop", "breakdown", "outro"] as TruthKind[]) {
    const prog = k === "drop" || k === "breakdown" ? progB : progA;
    material.set(k, { prog, motif: motif() });
  }
  const drumDensity = rng.pick([0.5, 0.25]);
  const add = (ch: number, pitch: number, pos: number, dur: number, vel: number) => {
    if (pitch < 0 || pitch > 127) return;
    notes.push({ ch, pitch, pos, dur, vel: Math.max(1, Math.min(127, Math.round(vel * rng.range(0.92, 1.08)))) });
  };
  const hit = (pitch: number, pos: number, vel: number) => add(DRUM_CH, pitch, pos, 0.1, vel);
  const chordOf = (m: Material, bar: number) => key.chord(m.prog[bar % m.prog.length]);
  const pad = (m: Material, b0: number, bar: number, vel: number, ch = 1) => {
    for (const q of voicing(chordOf(m, bar), 62)) add(ch, q, b0, 3.95, vel);
  };
  const bass = (m: Material, b0: number, bar: number, vel: number, pattern: "offbeat" | "eighths" | "whole" | "pop") => {
    const root = bassPitch(chordOf(m, bar).root);
    if (pattern === "offbeat") for (let s = 0; s < 4; s++) add(0, root, b0 + s + 0.5, 0.4, vel);
    else if (pattern === "eighths") for (let s = 0; s < 4; s += 0.5) add(0, root, b0 + s, 0.45, s % 1 === 0 ? vel : vel * 0.8);
    else if (pattern === "whole") add(0, root, b0, 3.9, vel);
    else {
      add(0, root, b0, 1.4, vel);
      add(0, root, b0 + 1.5, 0.45, vel * 0.8);
      add(0, root, b0 + 2, 0.9, vel);
      add(0, root + 12, b0 + 3.5, 0.45, vel * 0.8);
    }
  };
  const melody = (m: Material, ch: number, b0: number, bar: number, vel: number, center: number) => {
    if (bar % 2 === 1) return; // the motif spans two bars
    let pitch = nearestPc(key.tonic, center);
    for (const [s, d, step] of m.motif) {
      const chd = chordOf(m, bar + Math.floor(s / 4));
      const cand: number[] = [];
      for (let q = center - 9; q <= center + 9; q++) if (chd.pcs.includes(q % 12) || (s % 1 !== 0 && key.scale.map((v) => (key.tonic + v) % 12).includes(q % 12))) cand.push(q);
      const idx = cand.reduce((bi, q, i) => (Math.abs(q - pitch) < Math.abs(cand[bi] - pitch) ? i : bi), 0);
      pitch = cand[Math.max(0, Math.min(cand.length - 1, idx + step))];
      add(ch, pitch, b0 + s, d, vel);
    }
  };
  const arp = (m: Material, b0: number, bar: number, vel: number) => {
    const v = voicing(chordOf(m, bar), 67);
    const tones = [...v, v[0] + 12];
    for (let s = 0, k = 0; s < 4; s += 0.25, k++) add(4, tones[k % tones.length], b0 + s, 0.22, vel);
  };
  const groove = (b0: number, vel: number, full: boolean, bar: number) => {
    const four = edm || plan.style.name === "pop";
    for (const s of four && edm ? [0, 1, 2, 3] : [0, 2.5]) hit(K, b0 + s, vel);
    if (full || !edm) for (const s of [1, 3]) hit(edm ? CLAP : SN, b0 + s, vel * 0.85);
    for (let s = 0; s < 4; s += drumDensity) hit(CHH, b0 + s, vel * (s % 1 === 0 ? 0.55 : 0.45));
    if (full && edm) for (const s of [0.5, 1.5, 2.5, 3.5]) hit(OHH, b0 + s, vel * 0.6);
    if (full && !edm && bar % 2 === 0) hit(RIDE, b0, vel * 0.6);
  };

  const sections: Arranged["sections"] = [];
  const groupOf = new Map<TruthKind, string>();
  let bar0 = 0;
  for (const [si, part] of plan.form.entries()) {
    const m = material.get(part.kind)!;
    if (!groupOf.has(part.kind)) groupOf.set(part.kind, String.fromCharCode(65 + groupOf.size));
    sections.push({ kind: part.kind, startBar: bar0, bars: part.bars, group: groupOf.get(part.kind)! });
    const last = si === plan.form.length - 1;
    for (let j = 0; j < part.bars; j++) {
      const bar = bar0 + j;
      const b0 = bar * 4;
      const f = j / part.bars;
      switch (part.kind) {
        case "intro":
          if (edm) {
            groove(b0, 80, false, j);
            if (j >= part.bars / 2) pad(m, b0, j, 40);
          } else {
            pad(m, b0, j, 55, 3);
            if (j >= part.bars / 2) bass(m, b0, j, 60, "whole");
          }
          break;
        case "verse":
          groove(b0, pop ? 85 : 95, false, j);
          bass(m, b0, j, 85, edm ? "offbeat" : "pop");
          if (edm) for (let s = 0; s < 4; s++) if (s !== 1) for (const q of voicing(chordOf(m, j), 60)) add(3, q, b0 + s + 0.5, 0.3, 60);
          if (!edm) {
            pad(m, b0, j, 55, 3);
            melody(m, 6, b0, j, 75, 70);
          }
          break;
        case "build": {
          // a snare roll that doubles its rate every quarter of the build, with a crescendo
          const step = f < 0.5 ? 1 : f < 0.75 ? 0.5 : 0.25;
          for (let s = 0; s < 4; s += step) hit(SN, b0 + s, 50 + 70 * (f + s / 16));
          arp(m, b0, j, 45 + 50 * f);
          pad(m, b0, j, 50);
          if (j < part.bars - 1) for (const s of [0, 1, 2, 3]) hit(K, b0 + s, 70);
          break;
        }
        case "drop":
          groove(b0, 118, true, j);
          if (j === 0) hit(CRASH, b0, 120);
          bass(m, b0, j, 110, edm ? "eighths" : "pop");
          melody(m, 2, b0, j, 105, 74);
          if (edm) arp(m, b0, j, 65);
          else pad(m, b0, j, 70);
          break;
        case "breakdown":
          pad(m, b0, j, 60);
          melody(m, 5, b0, j, 65, 67);
          if (j >= part.bars / 2) bass(m, b0, j, 55, "whole");
          break;
        case "outro": {
          const fade = 1 - 0.5 * f;
          groove(b0, 95 * fade, f < 0.5, j);
          if (f < 0.5) bass(m, b0, j, 80 * fade, edm ? "offbeat" : "whole");
          if (!edm) pad(m, b0, j, 50 * fade, 3);
          break;
        }
      }
    }
    bar0 += part.bars;
    if (last) {
      hit(K, bar0 * 4, 100);
      for (const q of voicing(key.chord(0), 60)) add(1, q, bar0 * 4, 3.5, 50);
    }
  }
  const startSilence = rng.chance(0.3) ? 0 : Math.round(rng.range(0.05, 1) * 1000) / 1000;
  const song: Song = {
    style: plan.style.name,
    meter: 4,
    compound: false,
    tempo: plan.tempo,
    tempoPoints: [[0, plan.tempo]],
    tempoNote: "constant tempo",
    key,
    bars: bar0,
    pickup: 0,
    startSilence,
    jitterMs: 5,
    hasDrums: true,
    chordBeats: 4,
    programs,
    notes,
    facts: [],
  };
  return { song, sections };
}

async function renderTrack(plan: Plan, outDir: string): Promise<"ok" | "skip"> {
  const audioRel = `audio/${plan.id}.${plan.format}`;
  const audioPath = join(outDir, audioRel);
  const truthPath = join(outDir, "truth", `${plan.id}.json`);
  if (existsSync(audioPath) && existsSync(truthPath)) return "skip";
  const { song, sections } = arrange(plan);
  const r = renderSong(song, new Rng(mixSeed(plan.seed, 1)));
  const work = await mkdtemp(join(tmpdir(), `gen-structure-${plan.id}-`));
  try {
    const mid = join(work, "song.mid");
    const wav = join(work, "song.wav");
    await writeFile(mid, r.midi);
    await run("fluidsynth", ["-ni", "-g", "0.5", "-o", "audio.file.format=float", "-F", wav, "-r", "44100", SF2, mid]);
    // peak to −1 dBFS, measured on the float render
    const stats = await run("ffmpeg", ["-hide_banner", "-nostats", "-i", wav, "-af", "ebur128=peak=sample", "-f", "null", "-"]);
    const peakM = /Sample peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)/.exec(stats);
    const gain = -1 - (peakM && peakM[1] !== "-inf" ? Number(peakM[1]) : 0);
    const codec = plan.format === "mp3" ? ["-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3"] : ["-c:a", "flac", "-sample_fmt", "s16", "-f", "flac"];
    const tmpAudio = join(outDir, "audio", `.${plan.id}.part`);
    await run("ffmpeg", ["-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", wav, "-t", r.endS.toFixed(3), "-af", `volume=${gain.toFixed(2)}dB,afade=t=out:st=${(r.endS - 1.5).toFixed(3)}:d=1.5`, "-map_metadata", "-1", ...codec, tmpAudio]);
    await rename(tmpAudio, audioPath);
    const duration = Number((await run("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", audioPath])).trim());
    // downbeat of bar b is r.downbeats[b] (bar 0 … the final downbeat)
    const truthSections = sections.map((s, i) => ({
      start: i === 0 ? 0 : r.downbeats[s.startBar],
      end: i === sections.length - 1 ? Math.round(duration * 1000) / 1000 : r.downbeats[s.startBar + s.bars],
      kind: s.kind,
      group: s.group,
      bars: s.bars,
    }));
    const truth = {
      id: plan.id,
      file: audioRel,
      split: splitOf(plan.index),
      style: plan.style.name,
      tempo_bpm: plan.tempo,
      key: song.key.name,
      duration_s: Math.round(duration * 1000) / 1000,
      sections: truthSections,
      downbeats: r.downbeats,
      notes: `synthetic ${plan.style.name} (trackprobe scripts/gen-structure.ts); form ${plan.form.map((s) => `${s.kind} ${s.bars}`).join(", ")}; boundaries on the downbeats of the MIDI grid (before ±5 ms humanisation); GM programs ${[...song.programs].map(([c, q]) => `${c}:${q}`).join(" ")}`,
    };
    await writeFileAtomic(truthPath, JSON.stringify(truth, null, 1) + "\n");
    return "ok";
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      count: { type: "string", default: "48" },
      jobs: { type: "string", default: "1" },
      seed: { type: "string", default: "7" },
      only: { type: "string" },
    },
  });
  if (positionals.length !== 1) {
    process.stderr.write("usage: node --import tsx scripts/gen-structure.ts OUT_DIR [--count 48] [--jobs 1] [--seed 7] [--only 0,5]\n");
    process.exit(2);
  }
  const outDir = resolve(positionals[0]);
  const plans = onlyThese(makePlan(Number(values.count), Number(values.seed)), values.only);
  await renderCorpus(outDir, plans, Number(values.jobs), (q) => renderTrack(q, outDir), (q, seconds) => `${q.id} ${q.style.name} ${q.tempo} BPM (${seconds.toFixed(1)} s)`);
}

await main();
