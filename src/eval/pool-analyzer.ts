/**
 * An AnalyzeFn that runs the analyses in scan's worker threads (src/library/pool.ts) with no
 * result cache, for `trackprobe eval -j N`. Every track is analysed for all of `features` (the
 * pool's workers share one feature list); evaluation scores only what each track has truth for.
 * Features are computed independently of one another, so the scores equal those of an
 * in-process analysis. The pool's watchdog stops an analysis that hangs (TIMEOUT, scored 0).
 */
import type { FeatureName } from "../result.js";
import type { AnalyzeFn } from "./evaluate.js";

export interface PoolAnalyzer {
  analyze: AnalyzeFn;
  close(): Promise<void>;
}

export async function poolAnalyzer(size: number, features: readonly FeatureName[]): Promise<PoolAnalyzer> {
  const { WorkerPool } = await import("../library/pool.js");
  const pool = new WorkerPool({
    size,
    data: { cacheDir: null, features: [...features], retryFailed: true, writeTags: null },
  });
  const analyze: AnalyzeFn = async (path) => {
    const r = await pool.run(path);
    if (r.type === "done") return r.outcome;
    return { file: path, error: { code: "INTERNAL", message: `${path}: analysis aborted` } };
  };
  return { analyze, close: () => pool.close() };
}
