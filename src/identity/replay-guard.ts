/**
 * Single use of signed SSO payloads: the first presentation of an id claims it until the payload's expiry, later ones
 * are refused. In process memory (one instance), or in Redis with SET NX PX when REDIS_URL is set, so every instance
 * refuses a replay. Ids are stored as keyed hashes.
 */
export interface ReplayGuard {
  /** True when `id` was not seen before (it is now remembered until `expiresAt`); false for a replay. */
  claim(id: string, expiresAt: Date): Promise<boolean>;
}

const MAX_REMEMBERED = 100_000;

export function memoryReplayGuard(now: () => number): ReplayGuard {
  const seen = new Map<string, number>();
  return {
    async claim(id, expiresAt) {
      const t = now();
      // Expired ids can no longer be replayed (the payload itself is refused): forget them, oldest first.
      if (seen.size >= MAX_REMEMBERED) for (const [k, exp] of seen) if (exp <= t || seen.size >= MAX_REMEMBERED) seen.delete(k); else break;
      const known = seen.get(id);
      if (known !== undefined && known > t) return false;
      seen.set(id, expiresAt.getTime());
      return true;
    },
  };
}

/** node-redis's sendCommand fits. A Redis that does not answer refuses the sign-in (fails closed). */
export function redisReplayGuard(redis: { sendCommand(args: string[]): Promise<unknown> }, now: () => number): ReplayGuard {
  return {
    async claim(id, expiresAt) {
      const ms = Math.max(1000, expiresAt.getTime() - now());
      const reply = await redis.sendCommand(['SET', `parley:sso-jti:${id}`, '1', 'NX', 'PX', String(ms)]);
      return reply === 'OK';
    },
  };
}
