/** The read cache's figures on /metrics, read from the cache when scraped (nothing is counted twice on the hot path). */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ReadCacheStats } from './read-cache.js';

export function registerCacheMetrics(registry: Registry, source: { stats(): ReadCacheStats; synced(): boolean }, broadcast: boolean): void {
  const counter = (name: string, help: string, read: (s: ReadCacheStats) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(source.stats()));
      },
    });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  counter('parley_read_cache_hits_total', 'Public reads answered from the read cache.', (s) => s.hits);
  counter('parley_read_cache_misses_total', 'Public reads that had to load from the store (concurrent misses of one key share one load).', (s) => s.misses);
  gauge('parley_read_cache_bytes', 'Bytes held by the read cache (bodies plus an estimate of overhead).', () => source.stats().bytes);
  gauge('parley_read_cache_entries', 'Pages and counts held by the read cache.', () => source.stats().entries);
  if (broadcast) gauge('parley_read_cache_synced', '1 while invalidations from other instances are known to arrive (Redis), else 0: entries then live at most 1 s.', () => (source.synced() ? 1 : 0));
}
