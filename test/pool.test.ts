/**
 * The worker pool's watchdog: a file that passes its time limit is answered with TIMEOUT, its
 * worker is terminated and replaced, and the batch goes on; the limit grows with the audio a
 * worker reports decoded. Runs the pool over a stand-in worker (test/support/pool-test-worker.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type JobResult, timeLimitSeconds, WorkerPool } from "../src/library/pool.js";

const WORKER = new URL("./support/pool-test-worker.ts", import.meta.url);
const data = { cacheDir: null, features: [], retryFailed: false, writeTags: null };
const codeOf = (r: JobResult) => (r.type === "done" && "error" in r.outcome ? r.outcome.error.code : r.type);

describe("worker pool watchdog", () => {
  it("the limit is seconds per minute of audio, at least one minute's worth", () => {
    assert.equal(timeLimitSeconds(30, 0), 30);
    assert.equal(timeLimitSeconds(30, 59), 30);
    assert.equal(timeLimitSeconds(30, 210), 105);
    assert.equal(timeLimitSeconds(30, 3600), 1800);
  });

  it("a file that hangs its worker is a TIMEOUT; the worker is replaced and the batch goes on", async () => {
    // 0.01 s per minute of audio: a 0.6 s limit for a file with no audio decoded yet
    const pool = new WorkerPool({ size: 2, data, secondsPerAudioMinute: 0.6, workerUrl: WORKER });
    try {
      const t0 = performance.now();
      const results = await Promise.all(["hang-1", "a", "hang-2", "b", "c", "d"].map((p) => pool.run(p)));
      const seconds = (performance.now() - t0) / 1000;
      assert.deepEqual(results.map(codeOf), ["TIMEOUT", "CORRUPT", "TIMEOUT", "CORRUPT", "CORRUPT", "CORRUPT"]);
      const hung = results[0] as Extract<JobResult, { type: "done" }>;
      assert.match("error" in hung.outcome ? hung.outcome.error.message : "", /^hang-1: analysis passed its time limit of 1 s/);
      assert.ok(seconds < 10, `both hangs were cut at their limit (${seconds.toFixed(1)} s)`);
      // both workers hung once and were replaced: the pool still has two that answer
      const more = await Promise.all(["e", "f", "g"].map((p) => pool.run(p)));
      assert.deepEqual(more.map(codeOf), ["CORRUPT", "CORRUPT", "CORRUPT"]);
    } finally {
      await pool.close();
    }
  });

  it("decoded audio reported by the worker moves the deadline", async () => {
    // limit 0.3 s per minute of audio; the job reports 10 minutes decoded (3 s) and needs 1 s
    const pool = new WorkerPool({ size: 1, data, secondsPerAudioMinute: 0.3, workerUrl: WORKER });
    try {
      assert.equal(codeOf(await pool.run("slow:1000:600")), "CORRUPT");
      assert.equal(codeOf(await pool.run("slow:1000:10")), "TIMEOUT"); // 10 s of audio: 0.3 s
    } finally {
      await pool.close();
    }
  });

  it("no limit: a slow file is waited for", async () => {
    const pool = new WorkerPool({ size: 1, data, secondsPerAudioMinute: null, workerUrl: WORKER });
    try {
      assert.equal(codeOf(await pool.run("slow:800:0")), "CORRUPT");
    } finally {
      await pool.close();
    }
  });
});
