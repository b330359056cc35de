/** A least-recently-used map bounded by the bytes its entries declare, not by their number. */
export class ByteLru<V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used entry first.
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly onEvict?: (key: string, value: V) => void,
  ) {}

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores the value unless it alone is larger than the whole budget; evicts the least recently used to make room. */
  set(key: string, value: V, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#remove(oldest, entry);
    }
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (!entry) return false;
    this.#remove(key, entry);
    return true;
  }

  clear(): void {
    for (const [key, entry] of [...this.#entries]) this.#remove(key, entry);
  }

  #remove(key: string, entry: { value: V; bytes: number }): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    this.onEvict?.(key, entry.value);
  }
}
