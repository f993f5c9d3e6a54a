/**
 * Training data for the learned beat activation: each development track's band spectrogram
 * (features/bands.ts — the product's own front end, so training and inference see the same
 * numbers) and its beat and downbeat times. Half A only: POP909 and the generated corpus are split
 * by id (src/eval/parts.ts) and only their A halves are exported; half B stays held out.
 *
 *   node --import tsx training/export.ts DIR... --out /tmp/train-data [--shard 0/2]
 *
 * Writes, per track, ID.f32 (frames × bands, float32, frame-major) and ID.json
 * ({ framesPerSecond, bandCount, frames, beats, downbeats, part }), and is resumable (a track whose
 * files exist is skipped).
 */
import { mkdir, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { loadCorpus } from "../src/eval/corpus.js";
import { assignParts } from "../src/eval/parts.js";
import type { BandStream } from "../src/features/bands.js";
import { decodeStreams } from "../src/pipeline/analyze.js";

const program = new Command("export")
  .argument("<dirs...>")
  .requiredOption("--out <dir>")
  .option("--shard <i/n>", "this process's share of the tracks", "0/1")
  .action(async (dirs: string[], o: { out: string; shard: string }) => {
    const [i, n] = o.shard.split("/").map(Number);
    await mkdir(o.out, { recursive: true });
    const corpora = await Promise.all(dirs.map(async (dir) => ({ dir, entries: await loadCorpus(dir) })));
    let k = 0;
    for (const part of assignParts(corpora, { split: "A" })) {
      if (part.half === "B") throw new Error(`refusing to export hold-out half ${part.name}`);
      for (const e of part.entries) {
        if (e.expectError || !e.beats || e.beats.length < 8) continue;
        if (k++ % n !== i) continue;
        const meta = join(o.out, `${e.id}.json`);
        if (await stat(meta).then(() => true, () => false)) continue;
        const t0 = performance.now();
        const d = await decodeStreams(e.audioPath, ["bands"]);
        const b = d.streams.bands as BandStream;
        const frames = b.values.length / b.bandCount;
        await writeFile(join(o.out, `${e.id}.f32`), Buffer.from(b.values.buffer, b.values.byteOffset, b.values.byteLength));
        const json = { id: e.id, part: part.name, framesPerSecond: b.framesPerSecond, bandCount: b.bandCount, frames, beats: e.beats, downbeats: e.downbeats ?? [] };
        await writeFile(`${meta}.tmp`, JSON.stringify(json));
        await rename(`${meta}.tmp`, meta);
        console.error(`${e.id} ${frames} frames ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    }
  });

await program.parseAsync();
