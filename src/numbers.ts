/** Numeric helpers shared across the code, defined once. */

/** x rounded to `digits` decimals (as results report numbers). */
export const roundTo = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** x clipped to 0..1; NaN gives 0 (a ratio of nothing to nothing counts as none). */
export const clamp01 = (x: number): number => (x > 0 ? (x < 1 ? x : 1) : 0);
