/**
 * Rate limits (express-rate-limit 8): posting per IP (minute and hour) and per email, an author's edits and deletes
 * per IP (minute and hour), reading per IP, admin per IP.
 * With Redis, every limiter has its own RedisStore and key prefix, so the limits hold across instances; without
 * it, each limiter counts in process memory. Keys never hold an email and, like the IP hashes elsewhere, never a
 * raw IP: both go through the server's keyed hash before they reach a store.
 */
import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type RateLimitInfo, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { Config } from '../config.js';
import { AppError } from '../domain/errors.js';
import { keyedHash, normalizeEmail } from '../domain/privacy.js';
import type { Logger } from '../logger.js';
import { sendError } from './error-handler.js';
import { commenterOf } from './readers/commenter-auth.js';

/** The one thing the stores need from a Redis client (node-redis's `sendCommand` fits). */
export interface RedisLike {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RateLimitDeps {
  limits: Config['rateLimits'];
  redis: RedisLike | null;
  secret: string;
  logger: Logger;
  /** Called with the limiter's name on every 429, for the metrics endpoint. */
  onLimited?: (limiter: string) => void;
  /** RATE_LIMIT_READER_LINKS_PER_MINUTE (config.notify); 10 when not given. */
  readerLinksPerMinute?: number;
  /** How long a limiter waits for Redis (REDIS_TIMEOUT_MS); tests of a hung store wait less. */
  redisTimeoutMs?: number;
}

export interface RateLimiters {
  /** Before body parsing on POST /api/v1/comments: per minute, then per hour. */
  postPerIp: RequestHandler[];
  /**
   * After body parsing on POST /api/v1/comments. Counts only posts that were accepted (status below 400): a request that fails
   * validation (or is refused for any other reason) costs the address nothing, so a stranger cannot lock someone
   * out by sending bad requests with their email. Sends no RateLimit headers: they would tell anyone how many
   * times an address posted this hour.
   */
  postPerEmail: RequestHandler;
  /**
   * After the session is opened on POST /api/v1/comments: a signed-in commenter's posts per hour (the per-email budget,
   * RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR), keyed by their identity, whatever address or IP they post from.
   */
  postPerIdentity: RequestHandler;
  /** An author's PATCH and DELETE of /api/v1/comments/:id, per IP: per minute, then per hour. Mount before body parsing. */
  editPerIp: RequestHandler[];
  /** Counts GET and HEAD, and POST /comments/mine; mount it on the public API. */
  read: RequestHandler;
  /** The read limiter for a request answered below Express (http/readers/fast-hit.ts): the same store, keys and headers. */
  readHit: ReadHit;
  admin: RequestHandler;
  /**
   * The confirm and unsubscribe links of reader mails, per IP. Only refused requests count (a forged, expired or
   * malformed link): token guessing is slowed down, while a mail provider's servers, which send the RFC 8058
   * one-click POSTs of all their users from a few addresses, are never refused a valid unsubscribe.
   */
  readerLink: RequestHandler;
}

const READ_COUNTED = Symbol('parley.readCounted');

/**
 * The front door (readers/fast-hit.ts) counted this read already and hands it to Express only because its load failed:
 * Express's read limiter must not count it a second time.
 */
export function markReadCounted(req: object): void {
  (req as { [READ_COUNTED]?: true })[READ_COUNTED] = true;
}

function readCountedBelowExpress(req: object): boolean {
  return (req as { [READ_COUNTED]?: true })[READ_COUNTED] === true;
}

/**
 * Counts one read by the client at this address (req.ip as Express would compute it). `limited`: over the limit; the
 * caller lets Express answer (its limiter counts once more and sends the 429). Otherwise the RateLimit headers the
 * read limiter would have set (none when the store failed: reads fail open).
 */
export type ReadHit = (ip: string) => Promise<{ limited: true } | { limited: false; headers: ReadonlyArray<readonly [string, string]> }>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const MESSAGE = 'Too many requests. Please wait a moment and try again.';
/** A limiter that waits longer than this for Redis costs more than it protects: the request goes on (or is refused, for admin). */
const REDIS_TIMEOUT_MS = 1000;
const STORE_ERROR_LOG_INTERVAL_MS = 60_000;

type Keyed = (req: Request) => string;

export function createRateLimiters(deps: RateLimitDeps): RateLimiters {
  const { limits, secret } = deps;
  // IPv6 clients are grouped by /56 (one household or site); the result is hashed so a shared Redis holds no IPs.
  const byIp: Keyed = (req) => keyedHash(ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '', 56), secret, 'ratelimit-ip');
  const byEmail: Keyed = (req) => keyedHash(normalizeEmail(bodyEmail(req) ?? ''), secret, 'ratelimit-email');
  const make = (name: string, limit: number, windowMs: number, keyGenerator: Keyed, opts: LimiterOptions = {}) =>
    createLimiter(deps, { name, limit, windowMs, keyGenerator, ...opts });

  const readStore = newStore(deps, 'read');
  let readLogError: (err: unknown) => void = () => undefined;
  const read = make('read', limits.readsPerMinute, MINUTE, byIp, {
    skip: (req) => !isRead(req) || readCountedBelowExpress(req),
    store: readStore,
    onStoreError: (logError) => (readLogError = logError),
  });

  // Store outages, decided per audience. Reads and posts fail open: a Redis hiccup must not take the comments of
  // every site offline, and a post let through still meets the whole spam pipeline (honeypot, form token, rules,
  // Akismet, first-time moderation), so an outage admits volume, never unchecked content. Admin fails closed
  // (503): its limiter is what slows down token guessing, and moderation can wait for Redis to come back.
  return {
    postPerIp: [
      make('post-ip-minute', limits.postsPerMinute, MINUTE, byIp),
      make('post-ip-hour', limits.postsPerHour, HOUR, byIp),
    ],
    // No string email: validation answers 400, and there is nothing to key on.
    postPerEmail: make('post-email-hour', limits.postsPerEmailPerHour, HOUR, byEmail, {
      skip: (req) => !bodyEmail(req),
      countOnlyAccepted: true,
      private: true,
    }),
    postPerIdentity: make('post-identity-hour', limits.postsPerEmailPerHour, HOUR, (req) => keyedHash(commenterOf(req)?.key ?? '', secret, 'ratelimit-identity'), {
      skip: (req) => commenterOf(req) === undefined,
      countOnlyAccepted: true,
      private: true,
    }),
    // Every edit runs the whole spam pipeline again (Akismet included), so edits get their own per-IP budget.
    // Refused ones count too: a wrong edit token is a guess worth slowing down.
    editPerIp: [
      make('edit-ip-minute', limits.editsPerMinute, MINUTE, byIp, { skip: notEdit }),
      make('edit-ip-hour', limits.editsPerHour, HOUR, byIp, { skip: notEdit }),
    ],
    read,
    readHit: readHitCounter({ store: readStore, name: 'read', limit: limits.readsPerMinute, windowMs: MINUTE, secret, logError: (err) => readLogError(err) }),
    admin: make('admin', limits.adminPerMinute, MINUTE, byIp, { failOpen: false }),
    readerLink: make('reader-link', deps.readerLinksPerMinute ?? 10, MINUTE, byIp, { countOnlyRefused: true }),
  };
}

interface LimiterOptions {
  skip?: (req: Request) => boolean;
  failOpen?: boolean;
  /**
   * Take back the hit of any request that ends with a status of 400 or more, or is aborted (express-rate-limit's
   * skipFailedRequests): only accepted requests use up the allowance.
   */
  countOnlyAccepted?: boolean;
  /** The other way round (skipSuccessfulRequests): only requests answered 400 or more use up the allowance. */
  countOnlyRefused?: boolean;
  /** No RateLimit/RateLimit-Policy headers, and a Retry-After of the whole window (not when the first hit was). */
  private?: boolean;
  /** The limiter's store, when someone else needs it too (readHit); otherwise made here. */
  store?: Store;
  /** Receives the limiter's throttled store-error log, for the fast path's own store calls. */
  onStoreError?: (logError: (err: unknown) => void) => void;
}

function newStore(deps: RateLimitDeps, name: string): Store {
  return deps.redis ? redisStore(deps.redis, `parley:rl:${name}:`, deps.redisTimeoutMs ?? REDIS_TIMEOUT_MS) : new MemoryStore();
}

const notEdit = (req: Request): boolean => req.method !== 'PATCH' && req.method !== 'DELETE';
/**
 * GET and HEAD, the widget's POST /comments/mine (a read sent as POST so edit tokens stay out of URLs), and POST
 * /preview (renders text, stores nothing).
 */
const isRead = (req: Request): boolean =>
  req.method === 'GET' || req.method === 'HEAD' || (req.method === 'POST' && (req.path === '/comments/mine' || req.path === '/preview'));

function createLimiter(
  deps: RateLimitDeps,
  o: { name: string; limit: number; windowMs: number; keyGenerator: Keyed } & LimiterOptions,
): RequestHandler {
  const { name, windowMs } = o;
  const failOpen = o.failOpen ?? true;
  const log = deps.logger.child({ limiter: name });
  let lastStoreErrorLog = 0;
  const logStoreError = (err: unknown, msg?: string) => {
    const now = Date.now();
    if (now - lastStoreErrorLog < STORE_ERROR_LOG_INTERVAL_MS) return;
    lastStoreErrorLog = now;
    log.error({ err }, msg ?? 'rate limiter error');
  };
  o.onStoreError?.((err) => logStoreError(err, 'express-rate-limit: error from store, allowing request without rate-limiting.'));
  const limiter = rateLimit({
    windowMs,
    limit: o.limit,
    standardHeaders: o.private ? false : 'draft-8',
    legacyHeaders: false,
    identifier: name,
    keyGenerator: o.keyGenerator,
    ...(o.skip ? { skip: o.skip } : {}),
    // The default test of success is a status below 400: the no-JavaScript form answers an accepted post with a 303.
    ...(o.countOnlyAccepted ? { skipFailedRequests: true } : {}),
    ...(o.countOnlyRefused ? { skipSuccessfulRequests: true } : {}),
    passOnStoreError: failOpen,
    store: o.store ?? newStore(deps, name),
    // During an outage every request fails the same way: one line a minute is enough.
    logger: {
      warn: (err: unknown, msg?: string) => log.warn({ err }, msg ?? 'rate limiter warning'),
      error: logStoreError,
    },
    handler: (req, res) => {
      deps.onLimited?.(name);
      const resetTime = o.private ? undefined : (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      const seconds = resetTime ? Math.ceil((resetTime.getTime() - Date.now()) / 1000) : Math.ceil(windowMs / 1000);
      res.set('Retry-After', String(Math.max(1, seconds)));
      sendError(res, new AppError('rate_limited', MESSAGE));
    },
  });
  if (failOpen) return limiter;
  // Fail closed: the store's error becomes a 503 in the common shape instead of an unexplained 500.
  return (req, res, next) =>
    limiter(req, res, (err?: unknown) => {
      if (err === undefined || err === null) return next();
      log.error({ err }, 'rate-limit store unavailable: request refused');
      next(new AppError('storage_unavailable', 'This service is briefly unavailable. Please try again shortly.'));
    });
}

/** Keys of recent client addresses: a hit then costs no keyed hash. Bounded by starting over when full. */
const IP_KEYS_MAX = 10_000;

/**
 * express-rate-limit's middleware, for one store, without Express: the same key, the same increment and the same
 * draft-8 headers (name, remaining, reset, policy with the partition key: express-rate-limit 8's format).
 */
function readHitCounter(o: { store: Store; name: string; limit: number; windowMs: number; secret: string; logError: (err: unknown) => void }): ReadHit {
  const { store, name, limit, windowMs, secret } = o;
  const windowSeconds = Math.ceil(windowMs / 1000);
  const keys = new Map<string, { key: string; policy: string }>();
  const keyOf = (ip: string) => {
    let known = keys.get(ip);
    if (known === undefined) {
      const key = keyedHash(ipKeyGenerator(ip, 56), secret, 'ratelimit-ip');
      const pk = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
      known = { key, policy: `"${name}"; q=${limit}; w=${windowSeconds}; pk=:${pk}:` };
      if (keys.size >= IP_KEYS_MAX) keys.clear();
      keys.set(ip, known);
    }
    return known;
  };
  return async (ip) => {
    const { key, policy } = keyOf(ip);
    let totalHits: number;
    let resetTime: Date | undefined;
    try {
      ({ totalHits, resetTime } = await store.increment(key));
    } catch (err) {
      o.logError(err);
      return { limited: false, headers: [] };
    }
    if (totalHits > limit) return { limited: true };
    const reset = resetTime ? Math.max(0, Math.ceil((resetTime.getTime() - Date.now()) / 1000)) : windowSeconds;
    return {
      limited: false,
      headers: [
        ['RateLimit', `"${name}"; r=${Math.max(limit - totalHits, 0)}; t=${reset}`],
        ['RateLimit-Policy', policy],
      ],
    };
  };
}

function bodyEmail(req: Request): string | undefined {
  const email: unknown = (req.body as Record<string, unknown> | undefined)?.email;
  return typeof email === 'string' && email.trim() !== '' ? email : undefined;
}

function redisStore(redis: RedisLike, prefix: string, timeoutMs: number): RedisStore {
  return new RedisStore({
    prefix,
    sendCommand: async (...args: string[]) => {
      try {
        return (await withTimeout(redis.sendCommand(args), timeoutMs)) as RedisReply;
      } catch (err) {
        // rate-limit-redis keeps the promise of its start-up SCRIPT LOAD forever: if Redis is down then, every later
        // EVALSHA would fail even after Redis is back. Answering with the SHA1 Redis would have returned lets the
        // first EVALSHA get NOSCRIPT instead, on which the store reloads the script itself.
        if (args[0] === 'SCRIPT' && args[1] === 'LOAD' && args[2] !== undefined) {
          return createHash('sha1').update(args[2]).digest('hex');
        }
        throw err;
      }
    },
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Sign-in at /admin (moderator accounts, issue 15) ----

export interface SignInLimiters {
  /** Every attempt, per IP; mount before body parsing. */
  perIp: RequestHandler;
  /**
   * Failures only (a successful sign-in takes its hit back), after body parsing: per account and IP (low), then per
   * account from every IP together (high, against distributed guessing). A stranger failing from their own addresses
   * uses up only the per-account allowance, which is set high, so they cannot easily lock a moderator out; the
   * moderator's own address keeps its separate per-account-and-IP allowance.
   */
  failures: RequestHandler[];
}

/** `accountOf` reads the normalised account name from the parsed body (undefined: the request is not counted). */
export function createSignInLimiters(
  deps: RateLimitDeps,
  limits: { perMinute: number; failuresPerHour: number; accountFailuresPerHour: number },
  accountOf: (req: Request) => string | undefined,
): SignInLimiters {
  const ipKey = (req: Request) => ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? '', 56);
  const account = (req: Request) => keyedHash(accountOf(req) ?? '', deps.secret, 'ratelimit-signin-account');
  const failuresOnly = { failOpen: false, skip: (req: Request) => accountOf(req) === undefined, countOnlyRefused: true, private: true };
  return {
    perIp: createLimiter(deps, { name: 'signin-ip-minute', limit: limits.perMinute, windowMs: MINUTE, keyGenerator: (req) => keyedHash(ipKey(req), deps.secret, 'ratelimit-ip'), failOpen: false }),
    failures: [
      createLimiter(deps, { name: 'signin-account-ip-hour', limit: limits.failuresPerHour, windowMs: HOUR, keyGenerator: (req) => keyedHash(`${account(req)}\n${ipKey(req)}`, deps.secret, 'ratelimit-signin-account-ip'), ...failuresOnly }),
      createLimiter(deps, { name: 'signin-account-hour', limit: limits.accountFailuresPerHour, windowMs: HOUR, keyGenerator: account, ...failuresOnly }),
    ],
  };
}
