/** An append-only Float32 sequence that grows by doubling (feature streams of unknown length). */
export class GrowableF32 {
  private data: Float32Array;
  length = 0;

  constructor(capacity = 1024) {
    this.data = new Float32Array(capacity);
  }

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** The values pushed so far, trimmed to length (a copy that owns its memory). */
  toArray(): Float32Array {
    return this.data.slice(0, this.length);
  }
}
