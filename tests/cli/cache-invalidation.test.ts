/** After an import, running instances drop their read caches through the Redis broadcast channel. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'redis';
import { ReadCache } from '../../src/cache/read-cache.js';
import { startRedisBroadcast } from '../../src/cache/redis-broadcast.js';
import { invalidateRunningCaches } from '../../src/cli/invalidate-cache.js';
import { createLogger } from '../../src/logger.js';
import { cli } from '../support/run-cli.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'wordpress-export.xml');

async function redisUp(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(6379, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const up = await redisUp();
if (!up) console.warn('!!! Redis is not reachable on 127.0.0.1:6379: the broadcast test of the CLI is SKIPPED');
const describeRedis = up ? describe : describe.skip;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describeRedis('cache invalidation after an import', () => {
  it("makes a running instance's broadcast drop every cached page", async () => {
    // A channel of its own, so other suites' instances on this Redis are left alone.
    const channel = `parley:test:${randomBytes(6).toString('hex')}`;
    const cache = new ReadCache({ maxBytes: 1e6 });
    const base = createClient({ url: REDIS_URL });
    const broadcast = startRedisBroadcast({
      cache,
      publisher: base.duplicate(),
      subscriber: base.duplicate({ disableOfflineQueue: false }),
      logger: createLogger('silent'),
      channel,
    });
    try {
      let loads = 0;
      const read = () => cache.get('page', async () => ({ body: Buffer.from(`v${(loads += 1)}`), threadKeys: ['https://a.example/x'] }));
      // Wait until the subscription is live: its own probe comes back.
      for (let i = 0; i < 100 && !broadcast.synced(); i += 1) await new Promise((r) => setTimeout(r, 50));
      expect(broadcast.synced()).toBe(true);
      await read();
      await read();
      expect(loads).toBe(1);
      await expect(invalidateRunningCaches(REDIS_URL, channel)).resolves.toBe('published');
      for (let i = 0; i < 100 && cache.stats().entries > 0; i += 1) await new Promise((r) => setTimeout(r, 20));
      await read();
      expect(loads).toBe(2);
    } finally {
      await broadcast.close();
    }
  });
});

describe('the import command and running caches', () => {
  // On SQLite, instances on the same file see the import by themselves (tests/cache/external-writes.test.ts).
  it.each([
    ['when Redis cannot be reached', { REDIS_URL: 'redis://127.0.0.1:1' }],
    ['without REDIS_URL', {}],
  ])('says that instances on the SQLite file drop their caches by themselves %s', async (_when, env) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-cache-'));
    dirs.push(dir);
    const r = await cli(['import', 'wordpress', FIXTURE], { DATA_DIR: dir, ...env });
    expect(r.stderr).toContain('Running instances on this database file drop their read caches within a second of the import.');
    expect(r.stderr).not.toContain('restart');
  });
});
