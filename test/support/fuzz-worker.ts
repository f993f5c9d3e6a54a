/**
 * The fuzz worker thread: analyses one mutant per message and says how it went (see fuzz.ts).
 * Checking the result here keeps the main thread free to notice a worker that stopped answering.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parentPort } from "node:worker_threads";
import { Ajv2020 } from "ajv/dist/2020.js";
import { analyze } from "../../src/pipeline/analyze.js";
import { TrackprobeError } from "../../src/result.js";
import type { WorkerAnswer } from "./fuzz.js";

const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "schema", "analysis.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true }).compile(schema);

/** Paths of the numbers that are NaN or infinite (JSON would turn them into null). */
export function nonFinite(x: unknown, path = "$"): string[] {
  if (typeof x === "number") return Number.isFinite(x) ? [] : [`${path}=${x}`];
  if (Array.isArray(x)) return x.flatMap((v, i) => nonFinite(v, `${path}[${i}]`));
  if (x && typeof x === "object") return Object.entries(x).flatMap(([k, v]) => nonFinite(v, `${path}.${k}`));
  return [];
}

const port = parentPort;
port?.on("message", async (m: { id: number; bytes: Uint8Array; name: string; timeoutMs: number }) => {
  const signal = AbortSignal.timeout(m.timeoutMs);
  let answer: WorkerAnswer;
  try {
    const r = await analyze(m.bytes, { name: m.name, signal });
    const bad = nonFinite(r);
    if (bad.length > 0) answer = { id: m.id, verdict: "invalid", detail: `non-finite: ${bad.slice(0, 5).join(", ")}` };
    else if (!validate(JSON.parse(JSON.stringify(r)))) answer = { id: m.id, verdict: "invalid", detail: JSON.stringify(validate.errors).slice(0, 500) };
    else answer = { id: m.id, verdict: "ok", detail: "" };
  } catch (e) {
    if (signal.aborted) answer = { id: m.id, verdict: "aborted", detail: "" };
    else if (e instanceof TrackprobeError) answer = { id: m.id, verdict: "expected", detail: e.code };
    else answer = { id: m.id, verdict: "raw", detail: `${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack?.split("\n").slice(1, 6).join("\n")}` };
  }
  port.postMessage(answer);
});
