/**
 * Readiness: may this instance take traffic? A required check that fails makes it not ready (503); an optional one
 * (a dependency the service works around, like Redis for rate limits) only marks it degraded, still 200: an outage
 * shared by every instance must not pull them all from the load balancer at once. Each check is bounded (a check that does not answer in time reads
 * "timeout" and fails), all run at once, so GET /readyz answers within about one check timeout whatever hangs.
 * The checks only see the small interfaces below; app.ts hands in the concrete storage, Akismet client and Redis.
 */

export interface CheckState {
  /** False makes /readyz answer 503 and name this check. */
  ready: boolean;
  /** What /readyz shows for this check, e.g. ok, valid, not_configured, unavailable, timeout. */
  state: string;
}

export interface ReadinessCheck {
  name: string;
  /** True: the service keeps working without it, so failing makes the instance degraded, not unready. */
  optional?: boolean;
  run(): Promise<CheckState>;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  checks: Record<string, string>;
  /** Present when not ready: the required checks that failed. */
  failing?: string[];
  /** Present when an optional check failed: the instance serves, with less (e.g. no rate limits on reads and posts). */
  degraded?: string[];
}

export const READINESS_CHECK_TIMEOUT_MS = 1000;

export async function runReadiness(checks: readonly ReadinessCheck[], timeoutMs = READINESS_CHECK_TIMEOUT_MS): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map(async (c) => [c, await bounded(c, timeoutMs)] as const));
  const down = (optional: boolean) => results.filter(([c, r]) => !r.ready && (c.optional ?? false) === optional).map(([c]) => c.name);
  const failing = down(false);
  const degraded = down(true);
  const report: ReadinessReport = {
    status: failing.length === 0 ? 'ready' : 'not_ready',
    checks: Object.fromEntries(results.map(([c, r]) => [c.name, r.state])),
  };
  if (failing.length > 0) report.failing = failing;
  if (degraded.length > 0) report.degraded = degraded;
  return report;
}

async function bounded(check: ReadinessCheck, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckState>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, state: 'timeout' }), timeoutMs);
  });
  try {
    const run = check.run().catch((): CheckState => ({ ready: false, state: 'unavailable' }));
    return await Promise.race([run, timeout]);
  } catch {
    // check.run itself threw synchronously.
    return { ready: false, state: 'unavailable' };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The store answers a round trip (SELECT 1 on SQLite, ping on MongoDB), and its last write did not fail for want of
 * storage (a full disk still answers reads): 'write_failed' until a write succeeds again.
 */
export function storageCheck(storage: { ping(): Promise<void> }, writes?: { failing(): boolean }): ReadinessCheck {
  return {
    name: 'storage',
    async run() {
      await storage.ping();
      if (writes?.failing()) return { ready: false, state: 'write_failed' };
      return { ready: true, state: 'ok' };
    },
  };
}

export interface AkismetKeySource {
  keyStatus(): 'unknown' | 'valid' | 'invalid' | 'unreachable';
  verifyKey(): Promise<unknown>;
}

/**
 * The Akismet key as last verified. Only a key Akismet rejected makes the instance not ready: comments would all be
 * held, so an operator must look. Akismet being unreachable is degraded but ready — comments are held as unchecked
 * and re-checked later, never lost. While the key is invalid, a probe re-verifies it in the background at most every
 * `reverifyMs`, so readiness recovers when the key is reactivated even if no comment arrives (a not-ready instance
 * gets no traffic that would re-verify it otherwise).
 */
export function akismetReadiness(akismet: AkismetKeySource | null, options: { reverifyMs: number; now: () => number }): ReadinessCheck {
  let lastReverify = options.now();
  return {
    name: 'akismet',
    async run() {
      if (!akismet) return { ready: true, state: 'not_configured' };
      const status = akismet.keyStatus();
      if (status === 'invalid' && options.now() - lastReverify >= options.reverifyMs) {
        lastReverify = options.now();
        void akismet.verifyKey().catch(() => undefined);
      }
      return { ready: status !== 'invalid', state: status };
    },
  };
}

/**
 * A PING through the client the rate limiters use (commands fail at once while it is disconnected). Optional: while
 * Redis is down, reads and posts pass their limiters (fail open) and only the admin API refuses (fail closed), so
 * the instance is degraded, not unready.
 */
export function redisReadiness(redis: { ping(): Promise<unknown> } | null): ReadinessCheck {
  return {
    name: 'redis',
    optional: true,
    async run() {
      if (!redis) return { ready: true, state: 'not_configured' };
      await redis.ping();
      return { ready: true, state: 'ok' };
    },
  };
}
