/**
 * An AnalyzeFn that runs the analyses in the analysis pool's worker threads (src/pool/pool.ts)
 * with no result cache, for `trackprobe eval -j N`. Every track is analysed for all of
 * `features`; evaluation scores only what each track has truth for.
 * Features are computed independently of one another, so the scores equal those of an
 * in-process analysis. The pool's watchdog stops an analysis that hangs (TIMEOUT, scored 0).
 */
import { type FeatureName, failureOf, type ModelChoice } from "../result.js";
import type { AnalyzeFn } from "./evaluate.js";

export interface PoolAnalyzer {
  analyze: AnalyzeFn;
  close(): Promise<void>;
}

export async function poolAnalyzer(size: number, features: readonly FeatureName[], model?: ModelChoice): Promise<PoolAnalyzer> {
  const { AnalysisPool } = await import("../pool/pool.js");
  const pool = new AnalysisPool({ size, setup: { cacheDir: null } });
  const analyze: AnalyzeFn = async (path) => {
    const r = await pool.run({ path }, { features: [...features], model });
    if (r.type === "done") return r.outcome;
    return failureOf(path, "INTERNAL", `${path}: analysis aborted`);
  };
  return { analyze, close: () => pool.close() };
}
