/** The timing decorator changes nothing but the metrics (its contract run is in sqlite.test.ts). */
import { describe, expect, it } from '@jest/globals';
import { instrumentStorage } from '../../src/storage/instrumented-storage.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { makeComment, uniqueThreadKey } from '../support/comment-factory.js';

describe('instrumented storage', () => {
  it('times every call by operation and outcome, and passes results and errors through unchanged', async () => {
    const seen: [string, string, number][] = [];
    const inner = openSqliteStorage({ dataDir: ':memory:' });
    const storage = instrumentStorage(inner, (op, outcome, seconds) => seen.push([op, outcome, seconds]));
    expect(storage.kind).toBe('sqlite');

    const c = makeComment({ threadKey: uniqueThreadKey() });
    await storage.insertComment(c);
    expect(await storage.getComment(c.id)).toEqual(await inner.getComment(c.id));

    // The same comment twice: whatever the adapter throws arrives as is.
    const direct = await inner.insertComment(c).catch((e: unknown) => e);
    const decorated = await storage.insertComment(c).catch((e: unknown) => e);
    expect(decorated).toBeInstanceOf((direct as object).constructor);
    expect(decorated).toMatchObject({ message: (direct as Error).message });

    expect(seen.map(([op, outcome]) => `${op}:${outcome}`)).toEqual(['insertComment:ok', 'getComment:ok', 'insertComment:error']);
    for (const [, , seconds] of seen) expect(seconds).toBeGreaterThanOrEqual(0);
    await storage.close();
  });

  it('never lets a failing observer break a storage call', async () => {
    const storage = instrumentStorage(openSqliteStorage({ dataDir: ':memory:' }), () => {
      throw new Error('metrics broke');
    });
    await expect(storage.ping()).resolves.toBeUndefined();
    await storage.close();
  });
});
