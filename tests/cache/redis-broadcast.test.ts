/** The broadcast's sync logic with in-process stand-ins for the two Redis connections (the real Redis: tests/http/cache.test.ts). */
import { EventEmitter } from 'node:events';
import { ReadCache } from '../../src/cache/read-cache.js';
import { INVALIDATE_CHANNEL, invalidateChannelFor, startRedisBroadcast, type RedisBroadcast } from '../../src/cache/redis-broadcast.js';
import { createLogger } from '../../src/logger.js';

/** One fake Redis channel: what is published reaches every subscriber, unless the line is down. */
function fakeRedis() {
  const listeners = new Set<(m: string) => void>();
  const state = { down: false, published: [] as string[] };
  const connection = () =>
    Object.assign(new EventEmitter(), {
      isOpen: true,
      isReady: true,
      connect: async () => undefined,
      close: async () => undefined,
      destroy: () => undefined,
    });
  const publisher = Object.assign(connection(), {
    async publish(channel: string, message: string) {
      expect(channel).toBe(INVALIDATE_CHANNEL);
      if (state.down) throw new Error('down');
      state.published.push(message);
      for (const l of listeners) l(message);
      return listeners.size;
    },
  });
  const subscriber = () => {
    const s = Object.assign(connection(), {
      async subscribe(_channel: string, listener: (m: string) => void) {
        listeners.add(listener);
      },
    });
    return s;
  };
  return { state, publisher, subscriber, send: (m: object) => listeners.forEach((l) => l(JSON.stringify(m))) };
}

const started: RedisBroadcast[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((b) => b.close()));
});

function setup() {
  let now = 0;
  const cache = new ReadCache({ maxBytes: 1e6, now: () => now });
  const redis = fakeRedis();
  const subscriber = redis.subscriber();
  const b = startRedisBroadcast({ cache, publisher: redis.publisher, subscriber, logger: createLogger('silent') });
  started.push(b);
  let loads = 0;
  const read = (key = 'k', thread = 't1') =>
    cache.get(key, async () => {
      loads += 1;
      return { body: Buffer.from(`v${loads}`), threadKeys: [thread] };
    });
  return { cache, redis, subscriber, b, read, advance: (ms: number) => (now += ms), loads: () => loads };
}

const flush = () => new Promise((r) => setTimeout(r, 10));

async function until(what: () => boolean, ms = 4000): Promise<void> {
  for (let waited = 0; !what(); waited += 20) {
    if (waited > ms) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

it('is in sync once its own probe comes back, and then keeps entries until invalidated', async () => {
  const { b, read, advance, loads } = setup();
  await until(() => b.synced());
  await read();
  advance(60_000);
  await read();
  expect(loads()).toBe(1);
});

it('applies other instances’ invalidations, and ignores its own and malformed messages', async () => {
  const { b, redis, read, loads } = setup();
  await until(() => b.synced());
  await read('a', 't1');
  await read('b', 't2');
  redis.send({ i: 'other', k: ['t1'] });
  redis.send({ i: 'other' });
  redis.send({ nonsense: true });
  await flush();
  await read('a', 't1');
  await read('b', 't2');
  expect(loads()).toBe(3);
  redis.send({ i: 'other', all: true });
  await read('b', 't2');
  expect(loads()).toBe(4);
});

it('publishes what it invalidates, with its instance id', async () => {
  const { b, redis } = setup();
  await b.invalidate(['https://news.example.org/a']);
  await b.invalidateAll();
  const sent = redis.state.published.map((m) => JSON.parse(m) as { i: string; k?: string[]; all?: boolean; p?: number }).filter((m) => m.p === undefined);
  expect(sent).toEqual([
    { i: expect.any(String), k: ['https://news.example.org/a'] },
    { i: expect.any(String), all: true },
  ]);
  expect(sent[0]!.i).toBe(sent[1]!.i);
});

it('out of sync (Redis lost), entries live at most a second; back in sync, everything is dropped once', async () => {
  const { b, redis, subscriber, read, advance, loads } = setup();
  await until(() => b.synced());
  redis.state.down = true;
  subscriber.emit('error', new Error('connection lost'));
  expect(b.synced()).toBe(false);
  await read();
  advance(999);
  await read();
  expect(loads()).toBe(1);
  advance(1);
  await read();
  expect(loads()).toBe(2);
  // Redis is back: the next probe comes home and the entries read while out of sync are dropped.
  redis.state.down = false;
  await until(() => b.synced());
  await read();
  expect(loads()).toBe(3);
  advance(60_000);
  await read();
  expect(loads()).toBe(3);
});

it('starts out of sync: until its first probe returns, entries are short-lived', async () => {
  const redis = fakeRedis();
  redis.state.down = true;
  let now = 0;
  const cache = new ReadCache({ maxBytes: 1e6, now: () => now });
  const b2 = startRedisBroadcast({ cache, publisher: redis.publisher, subscriber: redis.subscriber(), logger: createLogger('silent') });
  started.push(b2);
  let loads = 0;
  const read = () => cache.get('k', async () => ({ body: Buffer.from(`v${(loads += 1)}`), threadKeys: ['t1'] }));
  await read();
  now += 1000;
  await read();
  expect(b2.synced()).toBe(false);
  expect(loads).toBe(2);
});

it('publishes an invalidation made before its connection was up (the repair pass at start) once in sync', async () => {
  const redis = fakeRedis();
  // Not connected yet: publishes fail at once.
  redis.state.down = true;
  const cache = new ReadCache({ maxBytes: 1e6, now: () => 0 });
  const b2 = startRedisBroadcast({ cache, publisher: redis.publisher, subscriber: redis.subscriber(), logger: createLogger('silent') });
  started.push(b2);
  await b2.invalidate(['https://news.example.org/repaired']);
  const sent = () => redis.state.published.map((m) => JSON.parse(m) as { k?: string[]; p?: number }).filter((m) => m.p === undefined);
  expect(sent()).toEqual([]);
  redis.state.down = false;
  await until(() => b2.synced());
  await until(() => sent().length > 0);
  expect(sent()).toEqual([expect.objectContaining({ k: ['https://news.example.org/repaired'] })]);
});

it('keeps an invalidation Redis refused and publishes it when back in sync', async () => {
  const { b, redis, subscriber } = setup();
  await until(() => b.synced());
  redis.state.down = true;
  await b.invalidate(['https://news.example.org/lost']);
  subscriber.emit('error', new Error('connection lost'));
  redis.state.down = false;
  await until(() => b.synced());
  await until(() => redis.state.published.some((m) => m.includes('/lost')));
  const sent = redis.state.published.map((m) => JSON.parse(m) as { k?: string[] }).filter((m) => m.k);
  expect(sent).toEqual([expect.objectContaining({ k: ['https://news.example.org/lost'] })]);
});

describe('the channel for a Redis URL', () => {
  it('gives each database its own channel, since pub/sub channels span databases', () => {
    expect(invalidateChannelFor('redis://127.0.0.1:6379')).toBe(INVALIDATE_CHANNEL);
    expect(invalidateChannelFor('redis://127.0.0.1:6379/0')).toBe(INVALIDATE_CHANNEL);
    expect(invalidateChannelFor('redis://:secret@cache.internal:6379/3')).toBe(`${INVALIDATE_CHANNEL}:3`);
    expect(invalidateChannelFor('rediss://cache.internal/14')).toBe(`${INVALIDATE_CHANNEL}:14`);
    expect(invalidateChannelFor('redis://127.0.0.1:6379/13')).not.toBe(invalidateChannelFor('redis://127.0.0.1:6379/14'));
  });
});
