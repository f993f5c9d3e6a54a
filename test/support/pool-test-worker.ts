/**
 * A stand-in scan worker for the pool's own tests: it answers by the job's path, so a test can
 * have a file hang (a busy loop that never yields, as a decoder stuck in WASM would), take time
 * while reporting decoded audio, or finish at once.
 *   "hang…"             never answers
 *   "slow:<ms>:<audio>" reports <audio> seconds decoded at once, answers after <ms>
 *   anything else       answers at once (a CORRUPT failure, so no Analysis has to be made up)
 */
import { parentPort } from "node:worker_threads";
import type { JobMessage, WorkerReply } from "../../src/library/pool.js";

const port = parentPort;
if (!port) throw new Error("runs as a worker thread");

port.on("message", (job: JobMessage | { type: "abort" }) => {
  if (job.type !== "job") return;
  const reply = (): void =>
    port.postMessage({ type: "done", id: job.id, source: "analysed", outcome: { file: job.path, error: { code: "CORRUPT", message: "test" } } } satisfies WorkerReply);
  if (job.path.startsWith("hang")) for (;;);
  const slow = /^slow:(\d+):(\d+)$/.exec(job.path);
  if (!slow) return reply();
  port.postMessage({ type: "progress", id: job.id, audioSeconds: Number(slow[2]) } satisfies WorkerReply);
  setTimeout(reply, Number(slow[1]));
});
port.postMessage({ type: "ready" } satisfies WorkerReply);
