/**
 * The hold-out table: one compact row per corpus part (corpus-dev, pop909 A, pop909 B, …) and
 * one for all parts together, with the headline metric of each feature.
 */

import type { EvalFeature, EvalReport } from "./evaluate.js";

/** One row; a metric is null when its feature was not scored or no track had truth for it. */
export interface HoldoutRow {
  /** "corpus-dev", "pop909 A", "pop909 B", or "all". */
  part: string;
  /** Whether this part is a hold-out half (B): report it, never tune on it. */
  holdout: boolean;
  /** Tracks scored (expect_error tracks excluded). */
  n: number;
  acc1: number | null;
  acc2: number | null;
  /** Share of tracks where "is there a beat" was answered right (beatless tracks included). */
  pulse: number | null;
  beatF: number | null;
  cmlt: number | null;
  amlt: number | null;
  downbeatF: number | null;
  meter: number | null;
  keyMirex: number | null;
  keyExact: number | null;
  /** Tracks with truth for each scored feature; where one is below `n`, its means are over fewer. */
  nByFeature: Partial<Record<EvalFeature, number>>;
}

/** The columns of the text table: [title, key]. */
export const HOLDOUT_COLUMNS = [
  ["Acc1", "acc1"],
  ["Acc2", "acc2"],
  ["pulse", "pulse"],
  ["beatF", "beatF"],
  ["CMLt", "cmlt"],
  ["AMLt", "amlt"],
  ["downF", "downbeatF"],
  ["meter", "meter"],
  ["keyMIREX", "keyMirex"],
  ["keyExact", "keyExact"],
] as const satisfies readonly (readonly [string, keyof HoldoutRow])[];

export function holdoutRow(part: string, report: EvalReport, holdout = false): HoldoutRow {
  const s = report.summary;
  const nByFeature: Partial<Record<EvalFeature, number>> = {};
  for (const f of report.features) {
    const n = s[f]?.n;
    if (n !== undefined) nByFeature[f] = n;
  }
  return {
    part,
    holdout,
    n: report.tracks,
    acc1: s.tempo?.acc1 ?? null,
    acc2: s.tempo?.acc2 ?? null,
    pulse: s.tempo?.pulse ?? null,
    beatF: s.beats?.fMeasure ?? null,
    cmlt: s.beats?.cmlt ?? null,
    amlt: s.beats?.amlt ?? null,
    downbeatF: s.downbeats?.fMeasure ?? null,
    meter: s.meter?.accuracy ?? null,
    keyMirex: s.key?.mirexWeighted ?? null,
    keyExact: s.key?.exact ?? null,
    nByFeature,
  };
}
