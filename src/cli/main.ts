#!/usr/bin/env node
/** The `trackprobe` command line. One file per command; this one wires them together. */
import { Command, CommanderError } from "commander";
import { TrackprobeError, VERSION } from "../result.js";
import { registerAnalyze } from "./analyze.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerScan } from "./scan.js";
import { watchLauncher } from "./signals.js";
import { UsageError } from "./usage-error.js";

export async function main(argv: string[]): Promise<number> {
  watchLauncher();
  const program = new Command("trackprobe")
    .description("Fast music analysis: tempo, beat grid, key, loudness (EBU R128), danceability, energy")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerAnalyze(program);
  registerEval(program);
  registerScan(program);
  registerExport(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof UsageError || (e instanceof TrackprobeError && e.code === "BAD_OPTION")) {
      process.stderr.write(`trackprobe: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`trackprobe: internal error: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 70;
  },
);
