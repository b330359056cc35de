/**
 * Invalidations shared between instances through Redis pub/sub. Each instance publishes what it invalidates on one
 * channel and applies what the others publish (its own messages come back too, and are skipped by instance id).
 *
 * A message lost while Redis is unreachable would leave a page stale forever, so the cache trusts its entries only
 * while this instance is known to be in sync: it publishes a probe every second and counts as synced while its own
 * probe comes back. Out of sync (at start-up, when Redis goes away, when probes stop coming back), entries live at
 * most `unsyncedTtlMs`; back in sync, everything is dropped once, since messages may have been missed meanwhile.
 * The other way round, an invalidation this instance could not publish (before its connection is up, as the storage's
 * repair pass at start, or while Redis is away) is kept and published once back in sync, so other instances hear it.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { ReadCache, ReadCacheInvalidator } from './read-cache.js';
import { closeRedis } from '../redis-close.js';

export const INVALIDATE_CHANNEL = 'parley:cache:invalidate';

/**
 * The channel for one Redis URL. Pub/sub channels span a server's databases, so deployments that share one Redis in
 * different databases would drop each other's pages: each database has its own channel (database 0 keeps the plain name).
 */
export function invalidateChannelFor(redisUrl: string): string {
  let db = 0;
  try {
    const n = Number(new URL(redisUrl).pathname.replace(/^\//, '') || '0');
    if (Number.isInteger(n) && n > 0) db = n;
  } catch {
    // Not a URL: node-redis would refuse it before anything is published.
  }
  return db === 0 ? INVALIDATE_CHANNEL : `${INVALIDATE_CHANNEL}:${db}`;
}

const PROBE_INTERVAL_MS = 1000;
/** No own probe back for this long: out of sync. */
const SYNC_TIMEOUT_MS = 2500;
const ERROR_LOG_INTERVAL_MS = 60_000;
/** More unsent thread keys than this are sent as one "everything". */
const MAX_UNSENT_KEYS = 1000;

interface Message {
  /** Sender's instance id. */
  i: string;
  /** Thread keys; absent with `all`. */
  k?: string[];
  all?: true;
  /** A probe (sync check), carries nothing to invalidate. */
  p?: number;
}

/** What is used of a node-redis client. */
export interface RedisConnection {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  on(event: 'error' | 'end' | 'reconnecting', listener: (err?: unknown) => void): unknown;
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): void;
}

export interface SubscriberClient extends RedisConnection {
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
}

export interface PublisherClient extends RedisConnection {
  publish(channel: string, message: string): Promise<unknown>;
}

export interface RedisBroadcast extends ReadCacheInvalidator {
  synced(): boolean;
  close(): Promise<void>;
}

export interface RedisBroadcastDeps {
  cache: ReadCache;
  /**
   * A connection of its own, not yet connected, whose commands fail at once while disconnected. Not the rate limiter's
   * client: a publish waiting on a slow Redis must not queue ahead of its commands or of the readiness PING.
   */
  publisher: PublisherClient;
  /** A connection of its own, in subscriber mode: `client.duplicate({ disableOfflineQueue: false })`, not yet connected. */
  subscriber: SubscriberClient;
  logger: Logger;
  unsyncedTtlMs?: number;
  channel?: string;
}

export function startRedisBroadcast({ cache, publisher, subscriber, logger, unsyncedTtlMs = 1000, channel = INVALIDATE_CHANNEL }: RedisBroadcastDeps): RedisBroadcast {
  const id = randomUUID();
  let synced = false;
  let lastProbeBack = 0;
  let probeSeq = 0;
  let lastErrorLog = 0;
  let closed = false;
  cache.setMaxAge(unsyncedTtlMs);

  const logError = (err: unknown, msg: string) => {
    if (Date.now() - lastErrorLog < ERROR_LOG_INTERVAL_MS) return;
    lastErrorLog = Date.now();
    logger.error({ err }, msg);
  };

  const outOfSync = (why: string) => {
    if (!synced) return;
    synced = false;
    cache.setMaxAge(unsyncedTtlMs);
    logger.warn({ why }, `read cache out of sync with other instances: entries live at most ${unsyncedTtlMs} ms`);
  };

  // Invalidations not known to have reached Redis, published again once back in sync.
  const unsent = { keys: new Set<string>(), all: false };
  const remember = (m: Omit<Message, 'i'>) => {
    if (m.all === true) unsent.all = true;
    for (const k of m.k ?? []) unsent.keys.add(k);
    if (unsent.all || unsent.keys.size > MAX_UNSENT_KEYS) {
      unsent.all = true;
      unsent.keys.clear();
    }
  };

  // Before the connection is up, or while Redis is away, a publish fails at once (no offline queue): remembered.
  const publish = (m: Omit<Message, 'i'>): Promise<void> => {
    const invalidation = m.p === undefined;
    return publisher.publish(channel, JSON.stringify({ i: id, ...m })).then(
      () => undefined,
      (err: unknown) => {
        if (invalidation) remember(m);
        outOfSync('publish failed');
        logError(err, 'read cache: could not publish an invalidation');
      },
    );
  };

  const sendUnsent = () => {
    if (!unsent.all && unsent.keys.size === 0) return;
    const m = unsent.all ? { all: true as const } : { k: [...unsent.keys] };
    unsent.all = false;
    unsent.keys.clear();
    void publish(m);
  };

  const onMessage = (raw: string) => {
    let m: Message;
    try {
      m = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null || typeof m.i !== 'string') return;
    if (m.i === id) {
      if (typeof m.p !== 'number') return;
      lastProbeBack = Date.now();
      if (!synced) {
        // Back in sync: whatever was published while we could not hear it is unknown, so drop everything once.
        synced = true;
        void cache.invalidateAll();
        cache.setMaxAge(null);
        sendUnsent();
        logger.info('read cache in sync with other instances');
      }
      return;
    }
    if (m.all === true) void cache.invalidateAll();
    else if (Array.isArray(m.k)) void cache.invalidate(m.k.filter((k): k is string => typeof k === 'string'));
  };

  subscriber.on('error', (err: unknown) => {
    outOfSync('subscriber error');
    logError(err, 'read cache: Redis subscriber unavailable');
  });
  subscriber.on('end', () => outOfSync('subscriber closed'));
  subscriber.on('reconnecting', () => outOfSync('subscriber reconnecting'));
  publisher.on('error', (err: unknown) => logError(err, 'read cache: Redis publisher unavailable'));
  publisher.connect().catch((err: unknown) => logError(err, 'read cache: Redis publisher could not connect'));
  subscriber
    .connect()
    .then(
      // Probe at once, so a healthy start is in sync within a round trip rather than at the next tick.
      () => subscriber.subscribe(channel, onMessage).then(() => publish({ p: 0 })),
      (err: unknown) => logError(err, 'read cache: Redis subscriber could not connect'),
    )
    .catch((err: unknown) => logError(err, 'read cache: could not subscribe'));

  const timer = setInterval(() => {
    if (synced && Date.now() - lastProbeBack > SYNC_TIMEOUT_MS) outOfSync('probes not coming back');
    probeSeq += 1;
    void publish({ p: probeSeq });
  }, PROBE_INTERVAL_MS);
  timer.unref();

  return {
    synced: () => synced,
    async invalidate(threadKeys) {
      await cache.invalidate(threadKeys);
      // Not awaited: the command is on the wire at once, and a slow Redis must not hold up the write's response.
      if (threadKeys.length > 0) void publish({ k: [...threadKeys] });
    },
    async invalidateAll() {
      await cache.invalidateAll();
      void publish({ all: true });
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      await Promise.all([subscriber, publisher].map((c) => closeRedis(c)));
    },
  };
}

