#!/usr/bin/env node
/**
 * Runs `trackprobe analyze FILE --no-cache` many times and counts the runs that never finish
 * (issue 10: the Node 20 platform deadlock, nodejs/node#54918). A run that passes the time limit
 * is a hang: its native stacks are saved with gdb (when installed) and it is killed.
 *
 *   node scripts/hang-loop.mjs FILE [--runs 1000] [--parallel 2] [--timeout 30] [--node-arg X]... [--cli-arg Y]...
 *
 * Without --node-arg the CLI is started as a user starts it (bin/trackprobe.js, its shebang);
 * with --node-arg, as `node X... bin/trackprobe.js` (e.g. --node-arg=--stack-size=984 runs the
 * old, flag-less path: the launcher starts the CLI again with its flags). --cli-arg adds options
 * to `analyze` (e.g. --cli-arg=--model --cli-arg=neural: onnxruntime's native threads in the loop).
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "1000" },
    parallel: { type: "string", default: "2" },
    timeout: { type: "string", default: "30" },
    "node-arg": { type: "string", multiple: true, default: [] },
    "cli-arg": { type: "string", multiple: true, default: [] },
    stacks: { type: "string", default: "/tmp" },
  },
});
if (positionals.length !== 1) {
  process.stderr.write("usage: node scripts/hang-loop.mjs FILE [--runs N] [--parallel P] [--timeout S] [--node-arg FLAG]... [--cli-arg OPTION]...\n");
  process.exit(2);
}
const bin = fileURLToPath(new URL("../bin/trackprobe.js", import.meta.url));
const runs = Number(values.runs);
const limitMs = Number(values.timeout) * 1000;
const hasGdb = spawnSync("gdb", ["--version"]).status === 0;
let started = 0;
let finished = 0;
let hangs = 0;
let failures = 0;
const t0 = Date.now();

function once() {
  return new Promise((resolve) => {
    const n = ++started;
    // As a user runs it (the shebang), or with explicit node flags for experiments.
    const args = ["analyze", positionals[0], "--no-cache", "--format", "json", ...values["cli-arg"]];
    const [cmd, argv] = values["node-arg"].length ? [process.execPath, [...values["node-arg"], bin, ...args]] : [bin, args];
    const child = spawn(cmd, argv, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      hangs++;
      const file = `${values.stacks}/hang-${process.pid}-${n}.txt`;
      if (hasGdb) {
        const bt = spawnSync("gdb", ["-p", String(child.pid), "-batch", "-ex", "thread apply all bt"], { encoding: "utf8", timeout: 60_000 });
        writeFileSync(file, bt.stdout ?? "");
      }
      process.stderr.write(`run ${n}: HUNG after ${values.timeout} s${hasGdb ? ` (stacks: ${file})` : ""}\n`);
      child.kill("SIGKILL");
    }, limitMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      finished++;
      if (code !== 0 && code !== null) {
        failures++;
        process.stderr.write(`run ${n}: exit ${code}: ${stderr.slice(0, 400)}\n`);
      }
      if (finished % 50 === 0) process.stderr.write(`${finished}/${runs} runs, ${hangs} hung, ${failures} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
      resolve();
    });
  });
}

async function lane() {
  while (started < runs) await once();
}
await Promise.all(Array.from({ length: Number(values.parallel) }, lane));
const line = `${runs} runs of analyze ${positionals[0]} (node ${process.version}${[...values["node-arg"], ...values["cli-arg"]].map((a) => ` ${a}`).join("")}): ${hangs} hung, ${failures} failed, ${((Date.now() - t0) / 1000).toFixed(0)} s`;
process.stdout.write(`${line}\n`);
process.exit(hangs > 0 ? 1 : 0);
