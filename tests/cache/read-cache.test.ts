import fc from 'fast-check';
import { ByteLru } from '../../src/cache/byte-lru.js';
import { ReadCache, type Loaded } from '../../src/cache/read-cache.js';

const bytes = (s: string) => Buffer.from(s);
const loaded = (s: string, threadKeys: string[] = ['t1']): Loaded<unknown> => ({ body: bytes(s), threadKeys });

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('ByteLru', () => {
  it('evicts the least recently used entries once the byte budget is exceeded', () => {
    const evicted: string[] = [];
    const lru = new ByteLru<string>(100, (k) => evicted.push(k));
    lru.set('a', 'A', 40);
    lru.set('b', 'B', 40);
    lru.get('a');
    lru.set('c', 'C', 40);
    expect(evicted).toEqual(['b']);
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.bytes).toBe(80);
  });

  it('refuses an entry larger than the whole budget without evicting others', () => {
    const lru = new ByteLru<string>(100);
    lru.set('a', 'A', 60);
    expect(lru.set('huge', 'H', 101)).toBe(false);
    expect(lru.get('a')).toBe('A');
  });

  it('never holds more bytes than its budget (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 0, max: 300 }), fc.boolean())),
        (max, ops) => {
          const lru = new ByteLru<number>(max);
          const model = new Map<string, number>();
          for (const [key, size, isDelete] of ops) {
            if (isDelete) {
              lru.delete(key);
              model.delete(key);
            } else if (lru.set(key, size, size)) model.set(key, size);
            else model.delete(key);
            expect(lru.bytes).toBeLessThanOrEqual(max);
            expect(lru.bytes).toBeGreaterThanOrEqual(0);
          }
          // Whatever it still holds is what was last stored under that key.
          for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) {
            const v = lru.get(key);
            if (v !== undefined) expect(v).toBe(model.get(key));
          }
        },
      ),
      { seed: 42, numRuns: Number(process.env.FC_RUNS ?? 200) },
    );
  });
});

describe('ReadCache', () => {
  it('stays within its byte budget, dropping the least recently used page', async () => {
    const cache = new ReadCache({ maxBytes: 3000 });
    let loads = 0;
    const load = (s: string) => async () => {
      loads += 1;
      return loaded(s.repeat(1000), [s]);
    };
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(cache.stats().bytes).toBeLessThanOrEqual(3000);
    expect(loads).toBe(3);
    await cache.get('c', load('c'));
    expect(loads).toBe(3);
    await cache.get('a', load('a'));
    expect(loads).toBe(4);
  });

  it('gives every entry a strong ETag of its bytes, the same for the same bytes', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    const a = await cache.get('a', async () => loaded('same'));
    const b = await cache.get('b', async () => loaded('same'));
    const c = await cache.get('c', async () => loaded('other'));
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(b.etag).toBe(a.etag);
    expect(c.etag).not.toBe(a.etag);
  });

  it('serves concurrent misses of one key with a single load', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    const gate = deferred<Loaded<unknown>>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return gate.promise;
    };
    const all = Promise.all(Array.from({ length: 10 }, () => cache.get('k', load)));
    gate.resolve(loaded('body'));
    const entries = await all;
    expect(loads).toBe(1);
    expect(new Set(entries.map((e) => e.body.toString()))).toEqual(new Set(['body']));
  });

  it('passes a failed load to every waiter and keeps nothing', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    await expect(cache.get('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const e = await cache.get('k', async () => loaded('ok'));
    expect(e.body.toString()).toBe('ok');
  });

  it('does not store a load that started before an invalidation, nor let later readers join it', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    const before = deferred<Loaded<unknown>>();
    const first = cache.get('k', () => before.promise);
    await cache.invalidate(['t1']);
    let secondLoads = 0;
    const second = cache.get('k', async () => {
      secondLoads += 1;
      return loaded('after');
    });
    before.resolve(loaded('before'));
    expect((await first).body.toString()).toBe('before');
    expect((await second).body.toString()).toBe('after');
    expect(secondLoads).toBe(1);
    // What is kept is the load that started after the invalidation.
    expect((await cache.get('k', async () => loaded('third'))).body.toString()).toBe('after');
  });

  it('drops every page and count that shows an invalidated thread, and nothing else', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    await cache.get('page-t1', async () => loaded('p1', ['t1']));
    await cache.get('page-t2', async () => loaded('p2', ['t2']));
    await cache.get('counts', async () => loaded('c', ['t3', 't1', 't2']));
    await cache.invalidate(['t1']);
    const reloaded: string[] = [];
    const get = (key: string) =>
      cache.get(key, async () => {
        reloaded.push(key);
        return loaded(`${key}-new`, ['t2']);
      });
    await get('page-t1');
    await get('page-t2');
    await get('counts');
    expect(reloaded.sort()).toEqual(['counts', 'page-t1']);
  });

  it('invalidateAll drops everything', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    await cache.get('a', async () => loaded('a', ['t1']));
    await cache.invalidateAll();
    expect(cache.stats().entries).toBe(0);
  });

  it('with a maximum age, serves an entry only that long (by its clock)', async () => {
    let now = 1_000;
    const cache = new ReadCache({ maxBytes: 1e6, now: () => now });
    cache.setMaxAge(1000);
    let n = 0;
    const load = async () => loaded(`v${(n += 1)}`);
    expect((await cache.get('k', load)).body.toString()).toBe('v1');
    now += 999;
    expect((await cache.get('k', load)).body.toString()).toBe('v1');
    now += 1;
    expect((await cache.get('k', load)).body.toString()).toBe('v2');
    cache.setMaxAge(null);
    now += 1_000_000;
    expect((await cache.get('k', load)).body.toString()).toBe('v2');
  });

  it('counts hits and misses', async () => {
    const cache = new ReadCache({ maxBytes: 1e6 });
    await cache.get('a', async () => loaded('a'));
    await cache.get('a', async () => loaded('a'));
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
  });
});
