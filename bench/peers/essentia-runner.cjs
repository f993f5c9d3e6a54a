/**
 * One essentia.js algorithm on one file, in its own process (so the bench can time it and read its
 * peak RSS): decodes the file with ffmpeg to 44.1 kHz float (mono, or stereo for loudness), runs
 * the algorithm, prints one JSON object on stdout.
 *
 *   node bench/peers/essentia-runner.cjs ALGORITHM FILE
 *   ALGORITHM: rhythm-multifeature | rhythm-degara | key-edma | key-temperley | key-bgate | danceability | loudness
 *
 * essentia.js is AGPL: it is a devDependency used here for comparison only, never from src/.
 * CommonJS on purpose: essentia.js 0.1.3 loads through `require`.
 */
"use strict";
const { spawn } = require("node:child_process");

const SAMPLE_RATE = 44100;
const ALGORITHMS = ["rhythm-multifeature", "rhythm-degara", "key-edma", "key-temperley", "key-bgate", "danceability", "loudness"];

/** ffmpeg → interleaved Float32Array at 44.1 kHz with `channels` channels. */
function decode(file, channels) {
  return new Promise((resolve, reject) => {
    const args = ["-v", "error", "-nostdin", "-i", file, "-map", "0:a:0", "-f", "f32le", "-ac", String(channels), "-ar", String(SAMPLE_RATE), "-"];
    const p = spawn("ffmpeg", args, { stdio: ["ignore", "pipe", "pipe"] });
    const chunks = [];
    let bytes = 0;
    let err = "";
    p.stdout.on("data", (c) => {
      chunks.push(c);
      bytes += c.length;
    });
    p.stderr.on("data", (c) => {
      err += c;
    });
    p.on("error", reject);
    p.on("close", (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}: ${err.trim().slice(0, 300)}`));
      const out = new Float32Array(Math.floor(bytes / 4));
      const view = new Uint8Array(out.buffer);
      let at = 0;
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i];
        view.set(c.subarray(0, Math.min(c.length, view.length - at)), at);
        at += c.length;
        chunks[i] = null;
      }
      resolve(out);
    });
  });
}

function deinterleave(x) {
  const n = x.length >> 1;
  const l = new Float32Array(n);
  const r = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    l[i] = x[2 * i];
    r[i] = x[2 * i + 1];
  }
  return [l, r];
}

async function main() {
  const [algorithm, file] = process.argv.slice(2);
  if (!ALGORITHMS.includes(algorithm) || !file) {
    process.stderr.write(`usage: essentia-runner.cjs (${ALGORITHMS.join("|")}) FILE\n`);
    process.exit(2);
  }
  const t0 = performance.now();
  const { Essentia, EssentiaWASM } = require("essentia.js");
  const essentia = new Essentia(EssentiaWASM);
  const t1 = performance.now();
  const stereo = algorithm === "loudness";
  const pcm = await decode(file, stereo ? 2 : 1);
  const audioSeconds = pcm.length / (stereo ? 2 : 1) / SAMPLE_RATE;
  const t2 = performance.now();
  const out = { algorithm, file, audioSeconds };
  if (algorithm.startsWith("rhythm-")) {
    const signal = essentia.arrayToVector(pcm);
    const r = essentia.RhythmExtractor2013(signal, 208, algorithm.slice("rhythm-".length), 40);
    out.bpm = r.bpm;
    out.beats = Array.from(essentia.vectorToArray(r.ticks));
    out.confidence = r.confidence;
  } else if (algorithm.startsWith("key-")) {
    const signal = essentia.arrayToVector(pcm);
    const u = undefined; // essentia.js defaults for every parameter but the profile
    const r = essentia.KeyExtractor(signal, u, u, u, u, u, u, u, u, algorithm.slice("key-".length));
    out.key = `${r.key} ${r.scale}`;
    out.strength = r.strength;
  } else if (algorithm === "danceability") {
    const signal = essentia.arrayToVector(pcm);
    const r = essentia.Danceability(signal);
    out.danceability = r.danceability;
  } else {
    const [l, r] = deinterleave(pcm);
    const res = essentia.LoudnessEBUR128(essentia.arrayToVector(l), essentia.arrayToVector(r));
    out.integratedLoudness = res.integratedLoudness;
    out.loudnessRange = res.loudnessRange;
  }
  const t3 = performance.now();
  out.seconds = { load: (t1 - t0) / 1000, decode: (t2 - t1) / 1000, algorithm: (t3 - t2) / 1000 };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().then(
  () => process.exit(0),
  (e) => {
    // The stack first; the last line is the one the bench shows in its error cell.
    if (e && e.stack) process.stderr.write(`${e.stack}\n`);
    let heap = "";
    try {
      const { EssentiaWASM } = require("essentia.js");
      const bytes = EssentiaWASM.HEAPU8 ? EssentiaWASM.HEAPU8.length : 0;
      if (bytes) heap = ` at a ${(bytes / 2 ** 20).toFixed(0)} MiB WASM heap (limit 2048 MiB)`;
    } catch {
      // essentia.js did not load: the message says so
    }
    const message = e && e.message ? e.message.split("\n")[0] : String(e);
    // Emscripten's abort() of a release build says nothing more; near the heap limit it is a failed allocation.
    const text = /^abort\(/.test(message) ? `essentia.js WASM abort${heap}: out of memory` : `${message}${heap}`;
    process.stderr.write(`essentia-runner: ${text}\n`);
    process.exit(1);
  },
);
