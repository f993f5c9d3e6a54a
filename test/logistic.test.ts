/**
 * The logistic regression that fits the analysers' learned weights (scripts/logistic.ts): on
 * data drawn from a known logistic model it recovers the weights within 0.25, and part weights
 * count as repeated rows.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fitLogistic } from "../scripts/logistic.js";

function draw(n: number, truth: number[], seed: number) {
  let s = seed;
  const rand = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [1, rand() * 4 - 2, rand() * 4 - 2];
    const p = 1 / (1 + Math.exp(-row.reduce((z, v, j) => z + v * truth[j], 0)));
    X.push(row);
    y.push(rand() < p ? 1 : 0);
  }
  return { X, y };
}

describe("fitLogistic", () => {
  it("recovers the weights of the model the data came from", () => {
    const truth = [-0.5, 1.5, -1];
    const { X, y } = draw(20000, truth, 3);
    const w = fitLogistic(X, y, new Array(y.length).fill(1), 0);
    truth.forEach((t, j) => assert.ok(Math.abs(w[j] - t) < 0.25, `w${j} ${w[j].toFixed(3)} vs ${t}`));
  });

  it("a row of weight 2 counts as two rows", () => {
    const { X, y } = draw(300, [0.3, 1, 0.5], 9);
    const once = fitLogistic([...X, X[0]], [...y, y[0]], new Array(y.length + 1).fill(1), 1);
    const weighted = fitLogistic(X, y, y.map((_, i) => (i === 0 ? 2 : 1)), 1);
    once.forEach((v, j) => assert.ok(Math.abs(v - weighted[j]) < 1e-9));
  });
});
