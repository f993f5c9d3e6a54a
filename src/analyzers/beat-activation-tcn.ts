/**
 * A learned beat activation: the temporal convolutional network of training/train_tcn.py (after
 * Davies & Böck, EUSIPCO 2019; Böck & Davies, ISMIR 2020) over the band spectrogram
 * (features/bands.ts), run by onnxruntime on the whole track, in windows with their full context
 * for long tracks (TCN_WINDOW_FRAMES). One inference session per thread,
 * loaded on first use and kept. The beat model "neural" (registry.ts MODELS): `analyze(x,
 * { model: "neural" })`, `--model neural`. The model file and its card are in models/.
 * onnxruntime-node is an optional dependency: where it did not install, "auto" means "dsp".
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { InferenceSession } from "onnxruntime-node";
import type { BandStream } from "../features/bands.js";
import { type Novelty, onsetNovelty, scaledActivation } from "./beat-activation.js";
import { defineInternal } from "./contract.js";
import { TCN_LEVEL } from "./metrical-level.js";
import { TCN_PULSE } from "./pulse-gate.js";
import { TCN_PHASE } from "./beat-phase.js";
import { TrackprobeError } from "../result.js";

export const TCN_MODEL_PATH = fileURLToPath(new URL("../../models/beat-tcn.onnx", import.meta.url));

export const NEURAL_MISSING =
  'the model "neural" needs onnxruntime-node, which is not installed (ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node)';

let available: boolean | undefined;
/** Whether onnxruntime-node is installed (resolvable from here); checked once. */
export function neuralAvailable(): boolean {
  if (available === undefined) {
    try {
      createRequire(import.meta.url).resolve("onnxruntime-node");
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

let session: Promise<{ ort: typeof import("onnxruntime-node"); s: InferenceSession }> | null = null;

/** The session, created once (CPU, one thread: analyses run one per worker thread). */
function sessionOf() {
  session ??= (async () => {
    let ort: typeof import("onnxruntime-node");
    try {
      ort = await import("onnxruntime-node");
    } catch (e) {
      session = null;
      throw new TrackprobeError("BAD_OPTION", `${NEURAL_MISSING}: ${(e as Error).message.split("\n")[0]}`);
    }
    try {
      const s = await ort.InferenceSession.create(TCN_MODEL_PATH, { executionProviders: ["cpu"], intraOpNumThreads: 1, interOpNumThreads: 1 });
      return { ort, s };
    } catch (e) {
      session = null;
      throw new TrackprobeError("INTERNAL", `cannot load the neural beat model ${TCN_MODEL_PATH}: ${(e as Error).message.split("\n")[0]}`);
    }
  })();
  return session;
}

/**
 * Frames the network sees on each side of a frame: the front convolution's 1, then per residual
 * block two convolutions of kernel 5 at dilation d, 2d each (training/train_tcn.py), d = 1…1024.
 */
export const TCN_CONTEXT_FRAMES = 1 + 4 * (2 ** 11 - 1);

/**
 * Frames per inference run (~12.7 min). A longer track runs in windows of this many frames, each
 * with TCN_CONTEXT_FRAMES of real audio either side, so that memory stays bounded (one run over
 * an hour took 734 MB RSS: BENCHMARKS.md) and every frame's output is the one a single run gives —
 * zero padding reaches no frame but at the track's own ends, as in one run.
 */
export const TCN_WINDOW_FRAMES = 2 ** 16;

/** The network's beat and downbeat activations for a band spectrogram, each one value per frame. */
export async function tcnActivations(b: BandStream, windowFrames = TCN_WINDOW_FRAMES): Promise<{ beat: Float32Array; downbeat: Float32Array }> {
  const { bandCount, values } = b;
  const frames = values.length / bandCount;
  const beat = new Float32Array(frames);
  const downbeat = new Float32Array(frames);
  const { ort, s } = await sessionOf();
  for (let w0 = 0; w0 < frames; w0 += windowFrames) {
    const w1 = Math.min(frames, w0 + windowFrames);
    const c0 = Math.max(0, w0 - TCN_CONTEXT_FRAMES);
    const n = Math.min(frames, w1 + TCN_CONTEXT_FRAMES) - c0;
    const x = new Float32Array(n * bandCount);
    for (let i = 0; i < n; i++) for (let k = 0; k < bandCount; k++) x[k * n + i] = values[(c0 + i) * bandCount + k];
    const out = await s.run({ bands: new ort.Tensor("float32", x, [1, bandCount, n]) });
    const act = out.activation.data as Float32Array;
    beat.set(act.subarray(w0 - c0, w1 - c0), w0);
    downbeat.set(act.subarray(n + w0 - c0, n + w1 - c0), w0);
  }
  return { beat, downbeat };
}

/**
 * The network's share of the beat activation; the rest is the onset novelty's (both scaled by
 * scaledActivation, so they mean the same). Two detectors that err differently, averaged, as
 * madmom averages its networks (S. Böck & M. Schedl, "Enhanced beat tracking with
 * context-aware neural networks", DAFx 2011): the network alone drifted off the beat of a
 * drum-machine pattern it had never heard, the onsets alone miss beats the network finds in piano
 * pop. Chosen on the development parts (0, ¼, ½, ¾, 1; docs/accuracy.md): ½ is the largest share
 * that keeps corpus-dev's beat F.
 */
export const NETWORK_SHARE = 0.5;

/** share · network + (1 − share) · onsets, frame by frame (the onsets alone past the network's last frame). */
export function mixedActivation(network: Float32Array, onsets: Float32Array, share = NETWORK_SHARE): Float32Array {
  const out = new Float32Array(onsets.length);
  for (let i = 0; i < out.length; i++) out[i] = i < network.length ? share * network[i] + (1 - share) * onsets[i] : onsets[i];
  return out;
}

export const tcnActivation = defineInternal({
  name: "beat-activation",
  streams: ["bands"],
  needs: { onsets: onsetNovelty },
  async run({ streams, needs: { onsets } }): Promise<Novelty> {
    const { beat, downbeat } = await tcnActivations(streams.bands);
    const activation = mixedActivation(scaledActivation(beat, streams.bands.framesPerSecond), onsets.activation);
    return { framesPerSecond: onsets.framesPerSecond, flux: activation, activation, downbeat, level: TCN_LEVEL, pulse: TCN_PULSE, phase: TCN_PHASE };
  },
});

