/** Append-only typed sequences that grow by doubling (feature streams of unknown length). */
type Typed = Float32Array | Float64Array;

class Growable<T extends Typed> {
  private data: T;
  length = 0;

  constructor(private readonly make: (n: number) => T, capacity = 1024) {
    this.data = make(capacity);
  }

  private ensure(n: number): void {
    if (n <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < n) size *= 2;
    const next = this.make(size);
    next.set(this.data);
    this.data = next;
  }

  push(v: number): void {
    this.ensure(this.length + 1);
    this.data[this.length++] = v;
  }

  /** Adds `v` to element `i` (zero until first touched), extending the length as needed. */
  addAt(i: number, v: number): void {
    this.ensure(i + 1);
    this.data[i] += v;
    if (i >= this.length) this.length = i + 1;
  }

  /** The first `n` values (default: all pushed), as a copy that owns its memory. */
  toArray(n = this.length): T {
    return this.data.slice(0, n) as T;
  }
}

export class GrowableF32 extends Growable<Float32Array> {
  constructor(capacity = 1024) {
    super((n) => new Float32Array(n), capacity);
  }
}

export class GrowableF64 extends Growable<Float64Array> {
  constructor(capacity = 1024) {
    super((n) => new Float64Array(n), capacity);
  }
}
