/**
 * trackprobe's temporary files and folders: one naming scheme carrying the writer's pid, so that
 * what a run killed with -9 left behind is recognised (a scan skips it) and removed by the next
 * run, while those of live processes are left alone.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { isTempName, makeTempDir, removeStaleTemps, tempPathFor } from "../src/temp-files.js";
import { tempDir } from "./signals/files.js";

/** The pid of a process that has ended. */
const deadPid = () => spawnSync(process.execPath, ["-e", ""]).pid as number;

describe("temporary files", () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it("are named beside their file with this process's pid, and recognised", () => {
    const tmp = tempPathFor(join(dir, "out.json"));
    assert.match(basename(tmp), new RegExp(`^\\.out\\.json\\.trackprobe-${process.pid}-[0-9a-f]{8}\\.tmp$`));
    assert.ok(isTempName(basename(tmp)));
    assert.ok(isTempName(".song.mp3.trackprobe-0123abcd.tmp"), "the name tag writing used before");
    assert.ok(!isTempName("song.mp3") && !isTempName(".song.mp3") && !isTempName(".x.trackprobe-12-zz.tmp"));
  });

  it("of dead processes are removed before the same file is written again; live ones and others stay", async () => {
    const out = join(dir, "lib.ndjson");
    const dead = `.lib.ndjson.trackprobe-${deadPid()}-0123abcd.tmp`;
    const mine = basename(tempPathFor(out));
    const otherFile = `.other.ndjson.trackprobe-${deadPid()}-0123abcd.tmp`;
    for (const n of [dead, mine, otherFile]) writeFileSync(join(dir, n), "x");
    await removeStaleTemps(out);
    const left = readdirSync(dir);
    assert.ok(!left.includes(dead), "a dead run's temp file of this output is removed");
    assert.ok(left.includes(mine), "this process's own is kept");
    assert.ok(left.includes(otherFile), "another output's is not touched");
  });

  it("private folders: a dead process's are removed when the next one is made", async () => {
    const root = join(dir, "tmp");
    mkdirSync(root);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = root;
    try {
      mkdirSync(join(root, `trackprobe-spool-${deadPid()}-AbCdEf`));
      mkdirSync(join(root, `trackprobe-spool-${process.pid}-live00`));
      mkdirSync(join(root, "someone-else"));
      const made = await makeTempDir("spool");
      assert.match(basename(made), new RegExp(`^trackprobe-spool-${process.pid}-`));
      assert.deepEqual(readdirSync(root).sort(), [basename(made), `trackprobe-spool-${process.pid}-live00`, "someone-else"].sort());
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });
});
