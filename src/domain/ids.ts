/**
 * Comment, audit and account ids: ULIDs (they sort by creation time; the monotonic factory keeps ids ordered within one
 * millisecond). ulid's own generator asks the OS for one random byte per character (crypto.getRandomValues, 16
 * calls per id, about 4 % of a post's CPU in the bench's profile); this one reads them from a pool that one
 * randomFillSync refills every 4,096 bytes. The same kernel randomness, one byte a character as ulid does it.
 */
import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

const POOL_BYTES = 4096;

/** A PRNG for ulid: a fraction in [0, 1) from one pooled cryptographic random byte (k / 256). */
export function pooledRandom(poolBytes = POOL_BYTES): () => number {
  const pool = Buffer.alloc(poolBytes);
  let next = poolBytes;
  return () => {
    if (next === poolBytes) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

/** A ULID generator; `at` is the creation time (the service's clock), so ids sort with createdAt. */
export function ulidFactory(): (at?: number) => string {
  return monotonicFactory(pooledRandom());
}
