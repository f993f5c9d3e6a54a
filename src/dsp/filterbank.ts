/** Filterbanks on FFT bins: pure functions of the frame size and rate. */

/** Maps FFT bins to log-spaced bands: `bandOfBin[k]` (−1 for bins outside), and each band's centre. */
export function logBands(frameSize: number, rate: number, bandsPerOctave: number, fMin: number, fMax: number) {
  const binHz = rate / frameSize;
  const bins = frameSize / 2 + 1;
  const bandOfBin = new Int32Array(bins).fill(-1);
  const centres: number[] = [];
  let band = -1;
  let lastEdge = -1;
  for (let k = 1; k < bins; k++) {
    const f = k * binHz;
    if (f < fMin || f > fMax) continue;
    const edge = Math.floor(bandsPerOctave * Math.log2(f / fMin));
    if (edge !== lastEdge) {
      band++;
      centres.push(f);
      lastEdge = edge;
    }
    bandOfBin[k] = band;
  }
  return { bandOfBin, bandCount: band + 1, centres: Float64Array.from(centres) };
}
