/**
 * A learned beat activation: the temporal convolutional network of training/train_tcn.py (after
 * Davies & Böck, EUSIPCO 2019; Böck & Davies, ISMIR 2020) over the band spectrogram
 * (features/bands.ts), run by onnxruntime on the whole track at once (its receptive field is
 * ~48 s, so windows would need overlaps as long as that). One inference session per thread,
 * loaded on first use and kept. The beat model "neural" (registry.ts MODELS): `analyze(x,
 * { model: "neural" })`, `--model neural`. The model file and its card are in models/.
 * onnxruntime-node is an optional dependency: where it did not install, "auto" means "dsp".
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { InferenceSession } from "onnxruntime-node";
import type { BandStream } from "../features/bands.js";
import { type Novelty, scaledActivation } from "./beat-activation.js";
import { defineInternal } from "./contract.js";
import { TCN_LEVEL } from "./metrical-level.js";
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

/** The network's beat and downbeat activations for a band spectrogram, each one value per frame. */
export async function tcnActivations(b: BandStream): Promise<{ beat: Float32Array; downbeat: Float32Array }> {
  const frames = b.values.length / b.bandCount;
  const x = new Float32Array(b.values.length);
  for (let i = 0; i < frames; i++) for (let k = 0; k < b.bandCount; k++) x[k * frames + i] = b.values[i * b.bandCount + k];
  const { ort, s } = await sessionOf();
  const out = await s.run({ bands: new ort.Tensor("float32", x, [1, b.bandCount, frames]) });
  const act = out.activation.data as Float32Array;
  return { beat: act.slice(0, frames), downbeat: act.slice(frames, 2 * frames) };
}

export const tcnActivation = defineInternal({
  name: "beat-activation",
  streams: ["bands"],
  needs: {},
  async run({ streams }): Promise<Novelty> {
    const { beat, downbeat } = await tcnActivations(streams.bands);
    const fps = streams.bands.framesPerSecond;
    return { framesPerSecond: fps, flux: beat, activation: scaledActivation(beat, fps), downbeat, level: TCN_LEVEL };
  },
});

