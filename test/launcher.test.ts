/**
 * The command as installed (bin/trackprobe.js → dist/): it runs the CLI with V8's background
 * tasks off (the Node 20 platform deadlock, nodejs/node#54918), whichever way it is started, and
 * stops cleanly however it is asked to: Ctrl-C, kill -INT / -TERM of the launcher, SIGTERM to
 * the process group, kill -9 of the launcher. A run killed with -9 leaves temporary files that the
 * next run removes and that a scan never takes for music.
 */
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { renderDemoTrack } from "../src/demo-track.js";
import { tempDir, writeWav } from "./signals/files.js";

const ROOT = join(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "trackprobe.js");
const N = 12;

describe("bin/trackprobe.js", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  const lib = join(dir, "lib");
  const probe = join(dir, "probe.mjs");
  const probeLog = join(dir, "probe.log");
  /** Every node process started with this env appends its pid, parent and V8 flags to probeLog. */
  const env = { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(probe).href}`, PROBE_LOG: probeLog };

  before(() => {
    execFileSync(join(ROOT, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: ROOT }); // the bin runs dist/
    mkdirSync(lib);
    for (let i = 0; i < N; i++) writeWav(join(lib, `t${String(i).padStart(2, "0")}.wav`), renderDemoTrack(30, 44100, 90 + 5 * i), 44100);
    writeFileSync(
      probe,
      `import { appendFileSync } from "node:fs";\nappendFileSync(process.env.PROBE_LOG, JSON.stringify({ pid: process.pid, ppid: process.ppid, execArgv: process.execArgv }) + "\\n");\n`,
    );
  });

  const probed = () => {
    const rows = existsSync(probeLog) ? readFileSync(probeLog, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    writeFileSync(probeLog, "");
    return rows as { pid: number; ppid: number; execArgv: string[] }[];
  };

  it("runs the CLI with --single-threaded from its shebang, and starts itself again when run by `node`", () => {
    probed();
    assert.match(execFileSync(BIN, ["--version"], { env, encoding: "utf8" }), /^\d+\.\d+\.\d+/);
    const direct = probed();
    assert.equal(direct.length, 1, "one process");
    assert.ok(direct[0].execArgv.includes("--single-threaded"), JSON.stringify(direct));

    assert.match(execFileSync(process.execPath, [BIN, "--version"], { env, encoding: "utf8" }), /^\d+\.\d+\.\d+/);
    const [launcher, cli] = probed();
    assert.ok(!launcher.execArgv.includes("--single-threaded"));
    assert.ok(cli.execArgv.includes("--single-threaded"), "the CLI runs with the flag");
    assert.equal(cli.ppid, launcher.pid);
  });

  /** Starts `node bin/trackprobe.js scan` (launcher + CLI); resolves once `n` results are printed. */
  function startScan(n: number, extra: string[] = [], detached = false) {
    probed();
    const child = spawn(process.execPath, [BIN, "scan", lib, "--no-cache", "--features", "loudness,tempo,key", "-j", "1", ...extra], {
      env,
      detached,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stderr?.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on("exit", (code, signal) => r({ code, signal })));
    const started = new Promise<void>((resolve, reject) => {
      child.stdout?.setEncoding("utf8").on("data", (s: string) => {
        stdout += s;
        if (stdout.split("\n").length - 1 >= n) resolve();
      });
      void exited.then(() => reject(new Error(`scan ended before ${n} results: ${stderr}`)));
    });
    return { child, started, exited, out: () => ({ stdout, stderr }) };
  }

  const interruptedOnce = (stderr: string) => {
    assert.equal(stderr.match(/scan interrupted: \d+ of 12 audio files/g)?.length, 1, stderr);
    assert.equal(stderr.match(/trackprobe: stopping/g)?.length, 1, stderr);
  };

  it("kill -INT of the launcher alone stops the scan cleanly: one summary, exit 130", async () => {
    const s = startScan(2);
    await s.started;
    s.child.kill("SIGINT");
    const { code } = await s.exited;
    assert.equal(code, 130, s.out().stderr);
    interruptedOnce(s.out().stderr);
  });

  it("SIGTERM to the whole process group is one stop request: one summary, exit 143", async () => {
    const s = startScan(2, [], true);
    await s.started;
    process.kill(-(s.child.pid as number), "SIGTERM");
    const { code } = await s.exited;
    assert.equal(code, 143, s.out().stderr);
    interruptedOnce(s.out().stderr);
  });

  it("kill -9 of the launcher: the CLI it started stops too, no orphan", async () => {
    const s = startScan(1);
    await s.started;
    const cli = probed().find((p) => p.ppid === s.child.pid);
    assert.ok(cli, "the CLI process was started by the launcher");
    s.child.kill("SIGKILL");
    await s.exited;
    const t0 = Date.now();
    while (alive(cli.pid) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    assert.ok(!alive(cli.pid), "the CLI stopped");
    const printed = s.out().stdout.split("\n").filter(Boolean).length;
    assert.ok(printed < N, `it stopped when its launcher died, not at the end of the scan (${printed} of ${N} results)`);
  });

  it("a scan killed with -9 leaves its -o temp file; the next run removes it, and no scan takes temp files for music", async () => {
    const out = join(lib, "out.ndjson");
    const killed = spawn(BIN, ["scan", lib, "--no-cache", "--features", "loudness", "-j", "1", "-o", out], { stdio: "ignore" });
    const t0 = Date.now();
    while (!temps(lib).some((f) => f.startsWith(".out.ndjson.")) && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 50));
    killed.kill("SIGKILL");
    await new Promise((r) => killed.on("exit", r));
    assert.equal(temps(lib).length, 1, "the killed run's temp file is left");
    // a killed tag write leaves a copy of an audio file under a temporary name
    const tagCopy = join(lib, `.t00.wav.trackprobe-${killed.pid}-0123abcd.tmp`);
    copyFileSync(join(lib, "t00.wav"), tagCopy);
    execFileSync(BIN, ["scan", lib, "--hidden", "--no-cache", "--features", "loudness", "-q", "-o", out]);
    const files = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l).file as string);
    assert.equal(files.length, N, "only the music was scanned");
    assert.deepEqual(temps(lib), [tagCopy.split("/").pop()], "the stale -o temp file was removed (the tag copy is not -o's)");
  });
});

const temps = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

/** A process that exists and is not a zombie (a container's init may not reap orphans). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}
