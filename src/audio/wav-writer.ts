/** Encodes PCM as a 32-bit float WAV file (used for the demo track, tests and benchmarks). */
export function encodeWavFloat32(channels: Float32Array[], sampleRate: number): Uint8Array {
  const n = channels[0].length;
  const ch = channels.length;
  const dataBytes = n * ch * 4;
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const str = (at: number, s: string) => {
    for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
  };
  str(0, "RIFF");
  v.setUint32(4, 36 + dataBytes, true);
  str(8, "WAVE");
  str(12, "fmt ");
  v.setUint32(16, 16, true);
  v.setUint16(20, 3, true); // IEEE float
  v.setUint16(22, ch, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * ch * 4, true);
  v.setUint16(32, ch * 4, true);
  v.setUint16(34, 32, true);
  str(36, "data");
  v.setUint32(40, dataBytes, true);
  let p = 44;
  for (let i = 0; i < n; i++) for (let c = 0; c < ch; c++, p += 4) v.setFloat32(p, channels[c][i], true);
  return out;
}
