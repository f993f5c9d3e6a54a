/**
 * The analysis pool (src/pool/pool.ts). Its watchdog: a job that passes its time limit is answered
 * with TIMEOUT, its worker is terminated and replaced, and the batch goes on; the limit grows with
 * the audio a worker reports decoded (over a stand-in worker, test/support/pool-test-worker.ts).
 * With the real worker: a job of bytes, progress and previews as events, and cancelling a job
 * that runs or waits.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AnalysisPool, type JobAnswer, timeLimitSeconds } from "../src/pool/pool.js";
import type { AnalysisPreview } from "../src/pipeline/analyze.js";
import { encodeWavFloat32 } from "../src/audio/wav-writer.js";
import { renderDemoTrack } from "../src/demo-track.js";
import type { Analysis } from "../src/result.js";

const WORKER = new URL("./support/pool-test-worker.ts", import.meta.url);
const setup = { cacheDir: null };
const codeOf = (r: JobAnswer) => (r.type === "done" && "error" in r.outcome ? r.outcome.error.code : r.type);
const stub = (size: number, secondsPerAudioMinute: number | null) => new AnalysisPool({ size, setup, secondsPerAudioMinute, workerUrl: WORKER });
const path = (p: string) => ({ path: p });

describe("analysis pool watchdog", () => {
  it("the limit is seconds per minute of audio, at least one minute's worth", () => {
    assert.equal(timeLimitSeconds(30, 0), 30);
    assert.equal(timeLimitSeconds(30, 59), 30);
    assert.equal(timeLimitSeconds(30, 210), 105);
    assert.equal(timeLimitSeconds(30, 3600), 1800);
  });

  it("a file that hangs its worker is a TIMEOUT; the worker is replaced and the batch goes on", async () => {
    // 0.01 s per minute of audio: a 0.6 s limit for a file with no audio decoded yet
    const pool = stub(2, 0.6);
    try {
      const t0 = performance.now();
      const results = await Promise.all(["hang-1", "a", "hang-2", "b", "c", "d"].map((p) => pool.run(path(p))));
      const seconds = (performance.now() - t0) / 1000;
      assert.deepEqual(results.map(codeOf), ["TIMEOUT", "CORRUPT", "TIMEOUT", "CORRUPT", "CORRUPT", "CORRUPT"]);
      const hung = results[0] as Extract<JobAnswer, { type: "done" }>;
      assert.match("error" in hung.outcome ? hung.outcome.error.message : "", /^hang-1: analysis passed its time limit of 1 s/);
      assert.ok(seconds < 10, `both hangs were cut at their limit (${seconds.toFixed(1)} s)`);
      // both workers hung once and were replaced: the pool still has two that answer
      const more = await Promise.all(["e", "f", "g"].map((p) => pool.run(path(p))));
      assert.deepEqual(more.map(codeOf), ["CORRUPT", "CORRUPT", "CORRUPT"]);
    } finally {
      await pool.close();
    }
  });

  it("decoded audio reported by the worker moves the deadline", async () => {
    // limit 0.3 s per minute of audio; the job reports 10 minutes decoded (3 s) and needs 1 s
    const pool = stub(1, 0.3);
    try {
      assert.equal(codeOf(await pool.run(path("slow:1000:600"))), "CORRUPT");
      assert.equal(codeOf(await pool.run(path("slow:1000:10"))), "TIMEOUT"); // 10 s of audio: 0.3 s
    } finally {
      await pool.close();
    }
  });

  it("no limit: a slow file is waited for", async () => {
    const pool = stub(1, null);
    try {
      assert.equal(codeOf(await pool.run(path("slow:800:0"))), "CORRUPT");
    } finally {
      await pool.close();
    }
  });
});

describe("analysis pool with the real worker", () => {
  const long = Buffer.from(encodeWavFloat32(renderDemoTrack(70, 22050, 120), 22050));

  it("analyses bytes, reporting previews as events; the answer is the analysis", async () => {
    const pool = new AnalysisPool({ size: 1, setup });
    try {
      const previews: AnalysisPreview[] = [];
      const r = await pool.run({ bytes: long, name: "upload.wav" }, { features: ["tempo", "key"] }, { onPreview: (p) => previews.push(p) });
      assert.equal(r.type, "done");
      const a = (r as Extract<JobAnswer, { type: "done" }>).outcome as Analysis;
      assert.equal(a.file, "upload.wav");
      assert.equal(a.key?.name, "A minor");
      assert.deepEqual(previews.map((p) => Math.floor(p.audioSeconds / 30)), [1, 2]);
    } finally {
      await pool.close();
    }
  });

  it("a running job is cancelled by its signal (the worker stops and answers), a waiting one at once; the pool goes on", async () => {
    const pool = new AnalysisPool({ size: 1, setup });
    try {
      const running = new AbortController();
      const waiting = new AbortController();
      const first = pool.run({ bytes: long, name: "a" }, {}, { signal: running.signal, onPreview: () => running.abort() });
      const second = pool.run({ bytes: long, name: "b" }, {}, { signal: waiting.signal });
      waiting.abort();
      assert.deepEqual(await second, { type: "aborted" });
      assert.deepEqual(await first, { type: "aborted" });
      const after = await pool.run({ bytes: long, name: "c" }, { features: ["loudness"] });
      assert.equal(after.type === "done" && "loudness" in after.outcome, true);
    } finally {
      await pool.close();
    }
  });
});
