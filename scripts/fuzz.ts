/**
 * The long fuzz run (test/support/fuzz.ts has the harness; test/fuzz.test.ts runs a few mutants):
 *
 *   nice node --import tsx scripts/fuzz.ts [--per-format 2000] [--seed 1] [--timeout 20]
 *        [--formats wav16,opus,...] [--save DIR] [--rss-every 250]
 *
 * Every mutant runs in this one process (a worker thread, restarted only after a hang or crash),
 * so the RSS lines show whether memory stays flat over thousands of analyses. --save writes each
 * mutant that found a bug (raw error, hang, schema-invalid) to DIR, with its description.
 * Exit status: 0 when no bug was found, 1 otherwise.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { FUZZ_FORMATS, type FuzzFormat, fuzz, rssMiB, table } from "../test/support/fuzz.js";

const { values } = parseArgs({
  options: {
    "per-format": { type: "string", default: "2000" },
    seed: { type: "string", default: "1" },
    timeout: { type: "string", default: "20" },
    formats: { type: "string", default: FUZZ_FORMATS.join(",") },
    save: { type: "string" },
    "rss-every": { type: "string", default: "250" },
  },
});
const formats = values.formats.split(",").map((f) => f.trim()) as FuzzFormat[];
for (const f of formats) {
  if (!FUZZ_FORMATS.includes(f)) {
    process.stderr.write(`unknown format ${f}; known: ${FUZZ_FORMATS.join(", ")}\n`);
    process.exit(2);
  }
}
const perFormat = Number(values["per-format"]);
const rssEvery = Number(values["rss-every"]);
if (values.save) mkdirSync(values.save, { recursive: true });
const t0 = Date.now();
const rssSamples: [number, number][] = [];
const log = (s: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${s}\n`);
log(`fuzzing ${formats.join(", ")}: ${perFormat} mutants each, seed ${values.seed}, timeout ${values.timeout} s, RSS ${rssMiB()} MiB`);

const tallies = await fuzz({
  perFormat,
  runSeed: Number(values.seed),
  timeoutMs: Number(values.timeout) * 1000,
  formats,
  onMutant(m, o, done) {
    if (o.verdict !== "ok" && o.verdict !== "expected") {
      log(`BUG ${o.verdict} ${m.format}#${m.index} (${m.description}): ${o.detail.split("\n")[0]}`);
      if (values.save) {
        const base = join(values.save, `${m.format}-${m.index}-${o.verdict}`);
        writeFileSync(`${base}.bin`, m.bytes);
        writeFileSync(`${base}.txt`, `${m.description}\n${o.detail}\n`);
      }
    }
    if (done % rssEvery === 0) {
      rssSamples.push([done, rssMiB()]);
      log(`${done} mutants, now ${m.format}; RSS ${rssMiB()} MiB`);
    }
  },
});

process.stdout.write(`\n${table(tallies)}\n\n`);
process.stdout.write(`RSS (MiB) every ${rssEvery} mutants: ${rssSamples.map(([n, r]) => `${n}:${r}`).join(" ")}\n`);
for (const t of tallies) {
  const codes = Object.entries(t.codes)
    .map(([c, n]) => `${c} ${n}`)
    .join(", ");
  process.stdout.write(`${t.format}: expected errors by code: ${codes || "none"}\n`);
  for (const b of t.bugs) process.stdout.write(`  ${b.verdict} #${b.index} (${b.description}): ${b.detail.split("\n")[0]}\n`);
}
log("done");
process.exitCode = tallies.some((t) => t.raw + t.hang + t.invalid > 0) ? 1 : 0;
