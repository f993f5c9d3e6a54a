/** WAV files of every layout the decoder must read, written from float channels (test fixtures). */
export interface WavLayout {
  bits: 8 | 16 | 24 | 32 | 64;
  float?: boolean;
  extensible?: boolean;
  rf64?: boolean;
  /** Data size the header claims, when it should lie. */
  claimedDataBytes?: number;
}

export function encodeWav(channels: Float32Array[], sampleRate: number, layout: WavLayout): Uint8Array {
  const { bits, float = false, extensible = false, rf64 = false } = layout;
  const ch = channels.length;
  const n = channels[0].length;
  const bytesPer = bits / 8;
  const dataBytes = n * ch * bytesPer;
  const fmtSize = extensible ? 40 : 16;
  const ds64Size = rf64 ? 8 + 28 : 0;
  const total = 12 + ds64Size + 8 + fmtSize + 8 + dataBytes;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  let p = 0;
  const str = (s: string) => {
    for (const c of s) out[p++] = c.charCodeAt(0);
  };
  const u32 = (x: number) => {
    v.setUint32(p, x, true);
    p += 4;
  };
  const u16 = (x: number) => {
    v.setUint16(p, x, true);
    p += 2;
  };
  str(rf64 ? "RF64" : "RIFF");
  u32(rf64 ? 0xffffffff : total - 8);
  str("WAVE");
  if (rf64) {
    str("ds64");
    u32(28);
    u32(total - 8);
    u32(0);
    u32(dataBytes);
    u32(0);
    u32(n);
    u32(0);
    u32(0);
  }
  str("fmt ");
  u32(fmtSize);
  u16(extensible ? 0xfffe : float ? 3 : 1);
  u16(ch);
  u32(sampleRate);
  u32(sampleRate * ch * bytesPer);
  u16(ch * bytesPer);
  u16(bits);
  if (extensible) {
    u16(22);
    u16(bits);
    u32(ch === 6 ? 0x3f : ch === 2 ? 3 : 4);
    u16(float ? 3 : 1); // SubFormat GUID starts with the format tag
    for (const b of [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]) out[p++] = b;
  }
  str("data");
  u32(rf64 ? 0xffffffff : (layout.claimedDataBytes ?? dataBytes));
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      const x = Math.max(-1, Math.min(1, channels[c][i]));
      if (float && bits === 32) v.setFloat32(p, x, true);
      else if (float) v.setFloat64(p, x, true);
      else if (bits === 8) v.setUint8(p, Math.round(x * 127) + 128);
      else if (bits === 16) v.setInt16(p, Math.round(x * 32767), true);
      else if (bits === 24) {
        const s = Math.round(x * 8388607);
        out[p] = s & 0xff;
        out[p + 1] = (s >> 8) & 0xff;
        out[p + 2] = (s >> 16) & 0xff;
      } else v.setInt32(p, Math.round(x * 2147483647), true);
      p += bytesPer;
    }
  }
  return out;
}

/** A sine of `hz` at `amplitude`, `seconds` long. */
export function sine(hz: number, seconds: number, sampleRate: number, amplitude = 0.5, phase = 0): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate + phase);
  return out;
}

/** Deterministic white noise in [-amplitude, amplitude]. */
export function whiteNoise(seconds: number, sampleRate: number, amplitude = 0.5, seed = 1): Float32Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = amplitude * (s / 2 ** 31 - 1);
  }
  return out;
}

/** The parts one after the other. */
export function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
