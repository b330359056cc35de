/**
 * Ids remembered until they expire, shared by every instance: single use of signed SSO payloads (the first
 * presentation of an id claims it, later ones are refused) and revoked commenter sessions (a signed-out session is
 * remembered until it would have expired). In process memory (one instance), or in Redis with SET NX PX when
 * REDIS_URL is set, so every instance sees the same ids. Ids are stored as keyed hashes.
 */
export interface ReplayGuard {
  /** True when `id` was not seen before (it is now remembered until `expiresAt`); false for a replay. */
  claim(id: string, expiresAt: Date): Promise<boolean>;
  /** True while `id` is remembered (claimed and not yet expired). */
  has(id: string): Promise<boolean>;
}

const MAX_REMEMBERED = 100_000;

export function memoryReplayGuard(now: () => number): ReplayGuard {
  const seen = new Map<string, number>();
  const has = (id: string, t: number) => {
    const known = seen.get(id);
    return known !== undefined && known > t;
  };
  return {
    async claim(id, expiresAt) {
      const t = now();
      // Expired ids can no longer be replayed (the payload itself is refused): forget them, oldest first.
      if (seen.size >= MAX_REMEMBERED) for (const [k, exp] of seen) if (exp <= t || seen.size >= MAX_REMEMBERED) seen.delete(k); else break;
      if (has(id, t)) return false;
      seen.set(id, expiresAt.getTime());
      return true;
    },
    async has(id) {
      return has(id, now());
    },
  };
}

/**
 * node-redis's sendCommand fits; `prefix` names the set (one per use). A Redis that does not answer rejects, and the
 * callers fail closed (no sign-in, no session) rather than accept a replay or a revoked session.
 */
export function redisReplayGuard(redis: { sendCommand(args: string[]): Promise<unknown> }, now: () => number, prefix = 'parley:sso-jti:'): ReplayGuard {
  return {
    async claim(id, expiresAt) {
      const ms = Math.max(1000, expiresAt.getTime() - now());
      const reply = await redis.sendCommand(['SET', `${prefix}${id}`, '1', 'NX', 'PX', String(ms)]);
      return reply === 'OK';
    },
    async has(id) {
      return (await redis.sendCommand(['EXISTS', `${prefix}${id}`])) === 1;
    },
  };
}
