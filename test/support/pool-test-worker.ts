/**
 * A stand-in analysis worker for the pool's own tests: it answers by the job's path, so a test can
 * have a job hang (a busy loop that never yields, as a decoder stuck in WASM would), take time
 * while reporting decoded audio, or finish at once.
 *   "hang…"             never answers
 *   "slow:<ms>:<audio>" reports <audio> seconds decoded at once, answers after <ms>
 *   anything else       answers at once (a CORRUPT failure, so no Analysis has to be made up)
 */
import { parentPort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../../src/pool/pool.js";

const port = parentPort;
if (!port) throw new Error("runs as a worker thread");
const send = (m: FromWorker) => port.postMessage(m);

port.on("message", (job: ToWorker) => {
  if (job.type !== "job" || !("path" in job.input)) return;
  const path = job.input.path;
  const reply = (): void => send({ type: "done", id: job.id, source: "analysed", outcome: { file: path, error: { code: "CORRUPT", message: "test" } } });
  if (path.startsWith("hang")) for (;;);
  const slow = /^slow:(\d+):(\d+)$/.exec(path);
  if (!slow) return reply();
  send({ type: "progress", id: job.id, audioSeconds: Number(slow[2]) });
  setTimeout(reply, Number(slow[1]));
});
send({ type: "ready" });
