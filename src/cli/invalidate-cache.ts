/**
 * After an import, running instances must drop cached pages and counts. With REDIS_URL they listen on the read
 * cache's invalidation channel (cache/redis-broadcast.ts), so one "everything" message reaches all of them. Without
 * Redis each instance's cache lives in its own memory, out of this process's reach: the operator restarts the service
 * (the README says so), or cached pages stay as they were until a write in their thread or eviction.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { invalidateChannelFor } from '../cache/redis-broadcast.js';

export type InvalidationOutcome = 'published' | 'no_redis' | 'failed';

export async function invalidateRunningCaches(redisUrl: string | null, channel?: string): Promise<InvalidationOutcome> {
  if (!redisUrl) return 'no_redis';
  channel ??= invalidateChannelFor(redisUrl);
  const client = createClient({ url: redisUrl, socket: { connectTimeout: 3000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    // The broadcast's message shape: a sender id (never an instance's own) and `all`.
    await client.publish(channel, JSON.stringify({ i: `cli-${randomUUID()}`, all: true }));
    return 'published';
  } catch {
    return 'failed';
  } finally {
    if (client.isOpen) await client.close().catch(() => undefined);
  }
}
