// The Echogarden WASM builds ship no type declarations; their typed surfaces are declared where used.
declare module "@echogarden/pffft-wasm/simd" {
  const factory: () => Promise<unknown>;
  export default factory;
}
declare module "@echogarden/speex-resampler-wasm/simd" {
  const factory: () => Promise<unknown>;
  export default factory;
}
