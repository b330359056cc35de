/**
 * The public-read cache: thread pages and counts kept as ready bytes with a strong ETag computed once per fill.
 * Concurrent misses of one key share one load; an index from thread key to cache keys lets a write drop every page
 * and count that shows its thread; a generation counter keeps a load that started before an invalidation from being
 * stored after it, so a read that starts after a write's response never sees the state before the write.
 */
import { createHash } from 'node:crypto';
import { ByteLru } from './byte-lru.js';

/** What the use cases call after a write that changes what readers see (comments/ imports only this). */
export interface ReadCacheInvalidator {
  invalidate(threadKeys: readonly string[]): Promise<void>;
  invalidateAll(): Promise<void>;
}

export const NO_CACHE: ReadCacheInvalidator = {
  invalidate: async () => undefined,
  invalidateAll: async () => undefined,
};

export interface Loaded<M> {
  body: Buffer;
  /** Every thread whose change alters these bytes (a counts entry for 20 URLs lists up to 20). */
  threadKeys: readonly string[];
  meta?: M;
}

export interface CachedEntry<M> {
  body: Buffer;
  /** Strong: quoted base64url SHA-1 of the body. */
  etag: string;
  threadKeys: readonly string[];
  meta: M | undefined;
  filledAt: number;
}

export interface ReadCacheStats {
  hits: number;
  misses: number;
  bytes: number;
  entries: number;
}

/** Map and index overhead per entry, roughly; keeps many tiny count entries from slipping past the budget. */
const ENTRY_OVERHEAD_BYTES = 256;

export class ReadCache<M = unknown> implements ReadCacheInvalidator {
  readonly #lru: ByteLru<CachedEntry<M>>;
  readonly #byThread = new Map<string, Set<string>>();
  readonly #inFlight = new Map<string, Promise<CachedEntry<M>>>();
  readonly #now: () => number;
  #generation = 0;
  #maxAgeMs: number | null = null;
  #hits = 0;
  #misses = 0;

  constructor(opts: { maxBytes: number; now?: () => number }) {
    this.#now = opts.now ?? Date.now;
    this.#lru = new ByteLru<CachedEntry<M>>(opts.maxBytes, (key, entry) => {
      for (const t of entry.threadKeys) {
        const keys = this.#byThread.get(t);
        keys?.delete(key);
        if (keys?.size === 0) this.#byThread.delete(t);
      }
    });
  }

  /** The cached bytes for key, or load() them (once, however many readers ask at the same time). */
  async get(key: string, load: () => Promise<Loaded<M>>): Promise<CachedEntry<M>> {
    const cached = this.#lru.get(key);
    if (cached && (this.#maxAgeMs === null || this.#now() - cached.filledAt < this.#maxAgeMs)) {
      this.#hits += 1;
      return cached;
    }
    if (cached) this.#lru.delete(key);
    this.#misses += 1;
    const flying = this.#inFlight.get(key);
    if (flying) return flying;
    const generation = this.#generation;
    const flight = (async () => {
      const loaded = await load();
      const entry: CachedEntry<M> = {
        body: loaded.body,
        etag: `"${createHash('sha1').update(loaded.body).digest('base64url')}"`,
        threadKeys: [...new Set(loaded.threadKeys)],
        meta: loaded.meta,
        filledAt: this.#now(),
      };
      // An invalidation while loading: what was read may predate the write, so hand it to its waiters but keep none.
      if (generation === this.#generation) this.#store(key, entry);
      return entry;
    })().finally(() => {
      if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
    });
    this.#inFlight.set(key, flight);
    return flight;
  }

  /** The entry when it is cached and fresh (a hit), without loading: for the fast path, which leaves misses to get(). */
  peek(key: string): CachedEntry<M> | undefined {
    const cached = this.#lru.get(key);
    if (cached === undefined || (this.#maxAgeMs !== null && this.#now() - cached.filledAt >= this.#maxAgeMs)) return undefined;
    this.#hits += 1;
    return cached;
  }

  async invalidate(threadKeys: readonly string[]): Promise<void> {
    this.#bump();
    for (const t of threadKeys) {
      for (const key of [...(this.#byThread.get(t) ?? [])]) this.#lru.delete(key);
    }
  }

  async invalidateAll(): Promise<void> {
    this.#bump();
    this.#lru.clear();
  }

  /** null: entries live until invalidated or evicted; a number: at most this long (while invalidations may be missed). */
  setMaxAge(ms: number | null): void {
    this.#maxAgeMs = ms;
  }

  stats(): ReadCacheStats {
    return { hits: this.#hits, misses: this.#misses, bytes: this.#lru.bytes, entries: this.#lru.size };
  }

  #bump(): void {
    this.#generation += 1;
    // A reader arriving after the write must not join a load that started before it.
    this.#inFlight.clear();
  }

  #store(key: string, entry: CachedEntry<M>): void {
    const bytes = entry.body.length + key.length * 2 + ENTRY_OVERHEAD_BYTES + entry.threadKeys.reduce((n, t) => n + t.length * 2, 0);
    if (!this.#lru.set(key, entry, bytes)) return;
    for (const t of entry.threadKeys) {
      let keys = this.#byThread.get(t);
      if (!keys) this.#byThread.set(t, (keys = new Set()));
      keys.add(key);
    }
  }
}
