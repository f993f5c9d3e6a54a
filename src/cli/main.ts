#!/usr/bin/env node
/** The `trackprobe` command line. One file per command; this one wires them together. */
import { Command, CommanderError } from "commander";
import { CacheDirError } from "../cache/location.js";
import { TrackprobeError, VERSION } from "../result.js";
import { registerAnalyze } from "./analyze.js";
import { registerEval } from "./eval.js";
import { registerExport } from "./export.js";
import { registerScan } from "./scan.js";
import { registerServe, registerWorker } from "./serve.js";
import { watchLauncher } from "./signals.js";
import { CliError } from "./usage-error.js";

/** Exit status when the reader of standard output went away: what a program killed by SIGPIPE reports. */
const EXIT_PIPE_CLOSED = 141;

/**
 * A first argument made of letters only (`scna`, `exprot`, `analyse`) is always a command name,
 * never a file: with `analyze` as the default command a typo would otherwise be analysed as a
 * file that does not exist. Files given without a command need a dot, a slash or a glob
 * character (`song.mp3`, `./Intro`, `*.flac`), or `trackprobe analyze NAME`.
 */
const COMMAND_WORD = /^[A-Za-z][A-Za-z-]*$/;

export async function main(argv: string[]): Promise<number> {
  watchLauncher();
  const first = argv[2];
  const program = new Command("trackprobe")
    .description("Fast music analysis: tempo, beat grid, key, loudness (EBU R128), danceability, energy")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // One line, in the same form as trackprobe's own errors.
      outputError: (s, write) => {
        let line = s.trim().replace(/^error: /, "trackprobe: ").replace(/\n\(Did you mean/, " (did you mean").replace(/\n/g, " ");
        if (line.startsWith("trackprobe: unknown command")) line += `; for a file of that name: trackprobe analyze ${first}`;
        write(`${line}\n`);
      },
    });
  registerAnalyze(program, { isDefault: first === undefined || !COMMAND_WORD.test(first) });
  registerEval(program);
  registerScan(program);
  registerExport(program);
  registerServe(program);
  registerWorker(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof CliError) {
      process.stderr.write(`trackprobe: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof TrackprobeError && e.code === "BAD_OPTION") {
      process.stderr.write(`trackprobe: ${e.message}\n`);
      return 2;
    }
    if (e instanceof CacheDirError) {
      process.stderr.write(`trackprobe: ${e.message} (--cache-dir DIR for another folder, --no-cache for none)\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * A closed standard output (`trackprobe … | head -1`) is not an error to report: stop at once and
 * quietly, for every command. Without a listener the EPIPE 'error' event crashes the process
 * with a stack trace. Other write errors (a full disk behind `> file`) get one line.
 */
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && stream === process.stdout) process.stderr.write(`trackprobe: cannot write to standard output: ${e.message}\n`);
    process.exit(e.code === "EPIPE" ? EXIT_PIPE_CLOSED : 1);
  });
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
