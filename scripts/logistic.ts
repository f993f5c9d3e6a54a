/**
 * Weighted L2-regularised logistic regression by Newton's method (IRLS), for the handful of
 * weights the analysers learn from development data (scripts/lab.ts fit-level).
 * Rows include their own bias column; the bias is not regularised.
 */
export function fitLogistic(X: readonly number[][], y: readonly number[], w: readonly number[], l2 = 1, iterations = 30): number[] {
  const d = X[0]?.length ?? 0;
  const b = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, () => new Array<number>(d).fill(0));
    for (let i = 0; i < X.length; i++) {
      let z = 0;
      for (let j = 0; j < d; j++) z += b[j] * X[i][j];
      const p = 1 / (1 + Math.exp(-z));
      const r = w[i] * (p - y[i]);
      const s = w[i] * p * (1 - p);
      for (let j = 0; j < d; j++) {
        g[j] += r * X[i][j];
        for (let k = 0; k < d; k++) H[j][k] += s * X[i][j] * X[i][k];
      }
    }
    for (let j = 1; j < d; j++) {
      g[j] += l2 * b[j];
      H[j][j] += l2;
    }
    const step = solve(H, g);
    for (let j = 0; j < d; j++) b[j] -= step[j];
  }
  return b;
}

/** Solves A x = v by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(A: number[][], v: number[]): number[] {
  const n = v.length;
  const M = A.map((row, i) => [...row, v[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}
