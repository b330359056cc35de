/** Composition root: the only file that wires concrete parts (storage, spam checks, Redis, clock, ids, jobs). */
import type { RequestListener } from 'node:http';
import { Router, type Express } from 'express';
import type { createClient } from 'redis';
import { closeRedis } from './redis-close.js';
import { NO_CACHE, ReadCache, type ReadCacheInvalidator, type ReadCacheStats } from './cache/read-cache.js';
import { invalidateChannelFor, startRedisBroadcast, type RedisBroadcast } from './cache/redis-broadcast.js';
import { registerCacheMetrics } from './cache/cache-metrics.js';
import { watchExternalWrites } from './cache/external-writes.js';
import { cachedReads } from './http/readers/cached-read.js';
import { publicReadCacheHeaders } from './http/readers/cache-control.js';
import { createCommentService } from './comments/comment-service.js';
import { ulidFactory } from './domain/ids.js';
import { createModerationService, type ModerationService, type SpamFeedback } from './comments/moderation-service.js';
import { adminPage } from './http/admin/page.js';
import { adminRoutes } from './http/admin/routes.js';
import type { Config } from './config.js';
import { createHttpApp, securityHeaders } from './http/create-http-app.js';
import { fastHitFront } from './http/readers/fast-hit.js';
import { publicCors } from './http/cors.js';
import { adminApi } from './http/admin/openapi.js';
import { createOpenApiDocument, opsApi, publicApi } from './http/ops/openapi.js';
import { opsRoutes } from './http/ops/routes.js';
import { akismetReadiness, redisReadiness, storageCheck } from './http/ops/readiness.js';
import { createRateLimiters, createSignInLimiters } from './http/rate-limit.js';
import { signInAccountOf } from './http/admin/session-routes.js';
import { createModeratorAccounts } from './moderators/moderator-accounts.js';
import { createModeratorSessions } from './moderators/moderator-sessions.js';
import { siteRoutes } from './http/site/routes.js';
import { createRecheckJob } from './jobs/recheck-job.js';
import { createRetentionJob } from './jobs/retention-job.js';
import { createOutboxJob } from './jobs/outbox-job.js';
import { webhookDeliveryRoutes } from './http/admin/webhooks.js';
import { moderationLinkRoutes } from './http/admin/moderation-link-routes.js';
import { readerLinkRoutes } from './http/readers/reader-link-routes.js';
import { createNotifications } from './notify/notifications.js';
import { countEnqueued } from './notify/outbox-metrics.js';
import { startScheduler, type Scheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { AKISMET_REVERIFY_MS, createAkismetClient, type AkismetClient } from './spam/akismet.js';
import { akismetCheck, akismetInputOf, spamInputOfStored } from './spam/akismet-check.js';
import { formTokenCheck } from './spam/form-token.js';
import { honeypotCheck } from './spam/honeypot.js';
import { createPipeline, type NamedCheck } from './spam/pipeline.js';
import { bannedWordsCheck, linksCheck } from './spam/rules.js';
import { instrumentStorage } from './storage/instrumented-storage.js';
import { openStorage } from './storage/open-storage.js';
import { createWriteHealth } from './storage/write-health.js';
import type { Storage } from './storage/storage.js';
import { commenterSessions } from './identity/commenter-session.js';
import { memoryReplayGuard, redisReplayGuard } from './identity/replay-guard.js';
import { ssoVerifier } from './identity/sso.js';
import { commenterSession } from './http/readers/commenter-auth.js';
import { identityRoutes } from './http/readers/identity-routes.js';
import { identityApi } from './http/readers/identity-openapi.js';
import { oidcSignIn } from './identity/oidc.js';
import { sealer } from './identity/sealed.js';
import { OIDC_CALLBACK_PATH, OIDC_START_PATH, oidcRoutes } from './http/site/oidc-routes.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The resolved server secret (config.secret or the one stored in DATA_DIR). */
  secret: string;
  logger: Logger;
  /** Tests may pass an already-open store (for example MongoDB); otherwise it is opened from config. */
  storage?: Storage;
  clock?: () => Date;
  /** How long start-up waits for Redis before going on without it (2 s); tests of an unreachable Redis wait less. */
  redisStartWaitMs?: number;
  /** How often the read cache checks for writes of other processes to the SQLite file (1 s). */
  externalWritesIntervalMs?: number;
}

export interface App {
  /** The front door (http/readers/fast-hit.ts) in front of the Express app: what npm start serves. */
  http: RequestListener;
  /** The Express app behind it, for tests that compare the two paths. */
  express: Express;
  storage: Storage;
  metrics: Metrics;
  akismet: AkismetClient | null;
  moderation: ModerationService;
  /** The public-read cache; null with CACHE_MAX_MB=0. `synced` is false without Redis broadcast or while out of sync. */
  cache: { stats(): ReadCacheStats; synced(): boolean } | null;
  /** Background work; main.ts schedules it, tests call runOnce() directly. */
  jobs: {
    recheck: ReturnType<typeof createRecheckJob>;
    retention: ReturnType<typeof createRetentionJob>;
    outbox: ReturnType<typeof createOutboxJob>;
  };
  /** `outboxIntervalMs`: tests that go through the scheduler tick the outbox faster than production does. */
  startJobs(opts?: { outboxIntervalMs?: number }): void;
  close(): Promise<void>;
}

const RECHECK_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 3_600_000;
const OUTBOX_INTERVAL_MS = 5_000;

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, secret, logger } = deps;
  const metrics = createMetrics({ processMetrics: true });
  const clock = deps.clock ?? (() => new Date());
  // Every storage call is timed for /metrics and feeds the write health /readyz reports; nothing else changes.
  const writeHealth = createWriteHealth({ now: () => clock().getTime() });
  const timed = instrumentStorage(deps.storage ?? (await openStorage(config, logger)), (op, outcome, seconds, error) => {
    metrics.observeStorage(op, outcome, seconds);
    writeHealth.observe(op, outcome, error);
  });
  const storage = countEnqueued(timed, metrics.observeEnqueued);
  metrics.setUncheckedSource(() => storage.countUnchecked());
  metrics.setOutboxPendingSource(() => storage.countPendingOutbox());

  const akismet = config.akismet.key
    ? createAkismetClient({
        key: config.akismet.key,
        blog: config.publicUrl ?? 'http://localhost',
        endpoint: config.akismet.endpoint,
        timeoutMs: config.akismet.timeoutMs,
        isTest: config.akismet.isTest,
        lang: config.akismet.lang,
        logger,
        clock,
      })
    : null;
  if (akismet) {
    // Verified once at start; an invalid key holds comments as unchecked rather than publishing them.
    const status = await akismet.verifyKey();
    if (status === 'invalid') logger.error('AKISMET_KEY was rejected by Akismet: every comment is held as unchecked until it is fixed');
    else if (status === 'unreachable') logger.warn('Akismet is unreachable at start-up: comments are held as unchecked until it answers');
    else logger.info('Akismet key verified');
  } else {
    logger.warn('AKISMET_KEY is not set: comments are checked by local rules only');
  }
  const akismetStep = akismet ? akismetCheck(akismet, config.publicUrl) : null;

  // The order of the spam pipeline: cheap local checks first, the network last.
  const checks: NamedCheck[] = [
    honeypotCheck(),
    formTokenCheck({ secret, minSubmitSeconds: config.minSubmitSeconds, maxAgeHours: config.formTokenMaxAgeHours }),
    linksCheck(config.maxLinks),
    ...[bannedWordsCheck(config.bannedWords)].filter((c): c is NamedCheck => c !== null),
    ...(akismetStep ? [akismetStep] : []),
  ];

  // Opened before the services: the read cache's broadcast needs it, and the services need the cache.
  const redis = config.redisUrl ? await openRedis(config.redisUrl, logger, deps.redisStartWaitMs ?? REDIS_START_WAIT_MS) : null;
  const readCache = config.cacheMaxBytes > 0 ? new ReadCache({ maxBytes: config.cacheMaxBytes, now: () => clock().getTime() }) : null;
  const broadcast: RedisBroadcast | null =
    readCache && redis && config.redisUrl
      ? startRedisBroadcast({
          cache: readCache,
          // Connections of its own, retrying for ever: node-redis's default strategy gives up for good after one connect
          // timeout (a blackholed host). The subscriber's SUBSCRIBE must wait for the connection, and duplicate() would
          // inherit disableOfflineQueue; publishes should fail at once instead.
          publisher: redis.duplicate({ socket: { reconnectStrategy: keepRetrying } }),
          subscriber: redis.duplicate({ disableOfflineQueue: false, socket: { reconnectStrategy: keepRetrying } }),
          logger,
          channel: invalidateChannelFor(config.redisUrl),
        })
      : null;
  const cache: ReadCacheInvalidator = broadcast ?? readCache ?? NO_CACHE;
  // Another process writing to the same SQLite file (an import, a restore): this instance's cached pages are dropped.
  // Not with Redis: writers then broadcast what they change (instances, imports), and while Redis is unreachable
  // entries live at most a second anyway; a whole-cache drop for every other instance's post would only cost hits.
  const dataVersion = storage.dataVersion?.bind(storage);
  const externalWrites =
    readCache && dataVersion && !broadcast
      ? watchExternalWrites({
          version: dataVersion,
          onChange: () => void readCache.invalidateAll(),
          intervalMs: deps.externalWritesIntervalMs ?? EXTERNAL_WRITES_INTERVAL_MS,
          onError: (err) => logger.debug({ err }, 'could not read the database version'),
        })
      : null;
  if (readCache) registerCacheMetrics(metrics.registry, { stats: () => readCache.stats(), synced: () => broadcast?.synced() ?? false }, broadcast !== null);

  // What the storage's repair pass at open changed (MongoDB): other instances may still serve it from their caches.
  // Published once this instance's broadcast is connected (cache/redis-broadcast.ts keeps what it could not send yet).
  const repaired = storage.repairedAtOpen;
  if (repaired?.all) await cache.invalidateAll();
  else if (repaired && repaired.threadKeys.length > 0) await cache.invalidate(repaired.threadKeys);

  // ULIDs sort by creation time, and the monotonic factory keeps ids ordered within one millisecond (domain/ids.ts).
  const ulid = ulidFactory();
  const notifications = createNotifications({ config, storage, clock, newId: () => ulid(clock().getTime()), logger, secret });
  const notifier = notifications.notifier;
  const service = createCommentService({
    storage,
    clock,
    newId: () => ulid(clock().getTime()),
    spam: createPipeline(checks, metrics.pipelineObserver),
    onCommentCreated: (status) => metrics.commentsCreated.inc({ status }),
    cache,
    notifier,
    settings: {
      secret,
      avatars: config.avatars,
      maxDepth: config.maxDepth,
      editWindowMinutes: config.editWindowMinutes,
      threadPolicy: { allowedOrigins: config.allowedOrigins },
      moderation: config.moderation,
      minSubmitSeconds: config.minSubmitSeconds,
      formTokenMaxAgeHours: config.formTokenMaxAgeHours,
      replyNotifications: notifications.readers !== null,
      guests: config.commenters.guests,
    },
  });

  // --- signed-in commenters: sealed, revocable sessions, host-site SSO (single-use payloads); both lists shared through Redis when set
  const remembered = (prefix: string) => (redis ? redisReplayGuard(redis, () => clock().getTime(), prefix) : memoryReplayGuard(() => clock().getTime()));
  const sessions = commenterSessions({ secret, hours: config.commenters.sessionHours, clock, revoked: remembered('parley:session-revoked:') });
  const { ssoSecret } = config.commenters;
  const verifySso = ssoSecret
    ? ssoVerifier({
        secret: ssoSecret,
        serverSecret: secret,
        badge: config.commenters.ssoBadge,
        trusted: config.commenters.ssoTrusted,
        replay: remembered('parley:sso-jti:'),
        clock,
      })
    : null;
  // OpenID Connect: config.ts requires PUBLIC_URL and ALLOWED_ORIGINS with it.
  const { oidc } = config.commenters;
  const oidcPages =
    oidc && config.publicUrl && config.allowedOrigins
      ? oidcRoutes({
          oidc: oidcSignIn({
            settings: { ...oidc, redirectUri: config.publicUrl + OIDC_CALLBACK_PATH },
            serverSecret: secret,
            states: sealer({ secret, purpose: 'oidc-state', clock }),
            onFailure: (err) => logger.warn({ err: { name: (err as Error)?.name, message: (err as Error)?.message } }, 'OpenID Connect sign-in failed'),
          }),
          sessions,
          allowedOrigins: config.allowedOrigins,
          publicUrl: config.publicUrl,
          // Declared further down; requests come only after createApp returns.
          limiter: (req, res, next) => rateLimiters.read(req, res, next),
        })
      : null;
  const identity = {
    session: commenterSession(sessions),
    routes: identityRoutes({ service, sessions, verifySso, getThread: (key) => storage.getThread(key), clock }),
    signIn: { guests: config.commenters.guests, oidc: oidcPages && config.publicUrl ? config.publicUrl + OIDC_START_PATH : null },
  };

  const jobs = {
    recheck: createRecheckJob({
      storage,
      // Without Akismet nothing is ever stored unchecked; the job then has nothing to do.
      check: akismetStep ?? { name: 'none', run: async () => undefined },
      clock,
      publishOrHold: service.publishOrHold,
      logger,
      cache,
      notifier,
    }),
    retention: createRetentionJob({ storage, clock, retentionDays: config.retentionDays, logger }),
    outbox: createOutboxJob({
      outbox: storage,
      clock,
      logger,
      channels: notifications.channels,
      keepDays: config.retentionDays,
      observe: metrics.observeDelivery,
      sweep: () => notifier.sweep(),
    }),
  };
  let scheduler: Scheduler | null = null;

  // Moderators' spam/ham decisions go back to Akismet with the commenter's original context, never the moderator's.
  const feedback: SpamFeedback | null = akismet
    ? {
        spam: (c, url, reporter) => akismet.submitSpam({ ...akismetInputOf(spamInputOfStored(c, url), config.publicUrl), ...(reporter ? { reporter } : {}) }),
        ham: (c, url, reporter) => akismet.submitHam({ ...akismetInputOf(spamInputOfStored(c, url), config.publicUrl), ...(reporter ? { reporter } : {}) }),
      }
    : null;
  const moderation = createModerationService({ storage, clock, newId: () => ulid(clock().getTime()), secret, feedback, logger, cache, maxDepth: config.maxDepth, notifier });
  // Moderator accounts (issue 15): sign-in at /admin with sessions; ADMIN_TOKEN stays for automation.
  const accounts = createModeratorAccounts({ storage, clock, newId: () => ulid(clock().getTime()) });
  const moderatorSessions = createModeratorSessions({ storage, clock, secret, idleMinutes: config.moderatorSessions.idleMinutes, absoluteHours: config.moderatorSessions.hours });
  let adminOn = config.adminTokens.length > 0;
  // Until there is a token or an account, the admin API is a 404 and /admin says how to start; an account added later
  // with the CLI turns them on without a restart (asked at most once a request until then).
  const adminEnabled = async () => (adminOn ||= (await storage.listModerators()).length > 0);
  if (config.adminTokens.length === 0) logger.warn('ADMIN_TOKEN is not set: the admin API and moderation page take moderator accounts only (add one with `node dist/cli.js moderators add`)');
  else logger.info({ moderators: config.adminTokens.map((t) => t.label) }, 'admin API enabled');

  const rateLimitDeps = {
    limits: config.rateLimits,
    redis,
    secret,
    logger,
    onLimited: (limiter: string) => metrics.rateLimited.inc({ limiter }),
    readerLinksPerMinute: config.notify.readerLinksPerMinute,
  };
  const rateLimiters = createRateLimiters(rateLimitDeps);
  // The confirm and unsubscribe links of reader mails (reply notifications); absent when those are off.
  const readerLinks = notifications.readers ? [readerLinkRoutes({ readers: notifications.readers, limiter: rateLimiters.readerLink })] : [];
  const admin = adminRoutes(
    moderation,
    {
      tokens: config.adminTokens,
      accounts,
      sessions: moderatorSessions,
      logger,
      publicUrl: config.publicUrl,
      signInLimiters: createSignInLimiters(rateLimitDeps, config.signInLimits, signInAccountOf),
      enabled: adminEnabled,
    },
    (router) => webhookDeliveryRoutes(router, storage, clock),
  );
  const ops = opsRoutes({
    readiness: [
      storageCheck(storage, writeHealth),
      akismetReadiness(akismet, { reverifyMs: AKISMET_REVERIFY_MS, now: () => clock().getTime() }),
      redisReadiness(redis && { ping: () => redis.ping() }),
    ],
    metrics: { registry: metrics.registry, token: config.metricsToken },
    openApiDocument: createOpenApiDocument([publicApi, opsApi, adminApi, identityApi], { serverUrl: config.publicUrl }),
  });
  const threadPolicy = { allowedOrigins: config.allowedOrigins };
  const readCacheHeaders = publicReadCacheHeaders(config.cacheSharedMaxAge, config.cacheCdnStaleSeconds);
  // With the cache off too: thread pages and counts are then loaded for every request, still below Express.
  const fastReads = cachedReads({ cache: readCache, service, threadPolicy, cacheHeaders: readCacheHeaders });
  const expressApp = createHttpApp({
    service,
    logger,
    trustProxy: config.trustProxy,
    rateLimiters,
    ops,
    observeRequest: metrics.observeRequest,
    publicCors: publicCors({ allowedOrigins: config.allowedOrigins, publicUrl: config.publicUrl }),
    site: Router().use(...(oidcPages ? [oidcPages] : []), moderationLinkRoutes({ moderation, getComment: (id) => storage.getComment(id), audit: storage, secret, clock }), ...readerLinks, siteRoutes({ service, publicUrl: config.publicUrl, allowedOrigins: config.allowedOrigins, avatars: config.avatars, rateLimiters, logger, cachedThreadPage: readCache ? fastReads.threadPage : undefined })),
    cachedReads: fastReads,
    publicReadCacheHeaders: readCacheHeaders,
    identity,
    admin,
    adminPage: adminPage({ enabled: adminEnabled }),
  });
  // The two busiest reads are answered below Express (hits, and loads of URLs Express accepted before); the
  // no-JavaScript page's hits too. Everything else goes through Express.
  const http: RequestListener = fastHitFront({
    express: expressApp,
    keyOf: fastReads.keyOf,
    fillOf: fastReads.fillOf,
    pageOf: readCache ? fastReads.pageOf : undefined,
    peek: (key) => readCache?.peek(key),
    cacheHeaders: readCacheHeaders,
    securityHeaders: securityHeaders(),
    allowedOrigins: config.allowedOrigins,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    readHit: rateLimiters.readHit,
    logger,
    observeRequest: metrics.observeRequest,
  });
  return {
    http,
    express: expressApp,
    storage,
    metrics,
    akismet,
    jobs,
    moderation,
    cache: readCache ? { stats: () => readCache.stats(), synced: () => broadcast?.synced() ?? false } : null,
    startJobs(opts = {}) {
      scheduler ??= startScheduler(
        [
          { ...jobs.recheck, intervalMs: RECHECK_INTERVAL_MS },
          { ...jobs.retention, intervalMs: RETENTION_INTERVAL_MS },
          // tick, not runOnce: one slow receiver must not hold the next pass (and the mail it would claim) back.
          { name: jobs.outbox.name, runOnce: jobs.outbox.tick, intervalMs: opts.outboxIntervalMs ?? OUTBOX_INTERVAL_MS },
          { name: 'outbox-prune', runOnce: jobs.outbox.prune, intervalMs: RETENTION_INTERVAL_MS },
        ],
        logger,
      );
    },
    async close() {
      try {
        await scheduler?.stop();
        await jobs.outbox.drain();
        await moderation.drain();
        notifications.close();
        externalWrites?.stop();
        await storage.close();
      } finally {
        await broadcast?.close();
        if (redis?.isOpen) await closeRedis(redis);
      }
    },
  };
}

const REDIS_START_WAIT_MS = 2000;
const EXTERNAL_WRITES_INTERVAL_MS = 1000;
const keepRetrying = (retries: number) => Math.min(2 ** retries * 50, 1000);

/**
 * The rate-limit store's client. Commands fail at once while disconnected (no offline queue: a request must not
 * wait for Redis), the client keeps reconnecting in the background, and start-up waits for it only briefly.
 */
async function openRedis(url: string, logger: Logger, startWaitMs: number): Promise<ReturnType<typeof createClient>> {
  // Imported only with REDIS_URL: node-redis is some 580 modules (a large part of an idle process's memory).
  const { createClient } = await import('redis');
  const client = createClient({ url, disableOfflineQueue: true });
  let lastLogged = 0;
  // Without an 'error' listener node-redis throws; while Redis is down it reports every reconnect attempt.
  client.on('error', (err: unknown) => {
    if (Date.now() - lastLogged < 60_000) return;
    lastLogged = Date.now();
    logger.error({ err }, 'redis unavailable: rate limits are not shared until it is back');
  });
  client.on('ready', () => {
    if (lastLogged !== 0) logger.info('redis connected again');
    lastLogged = 0;
  });
  const connected = client.connect().then(
    () => true,
    (err: unknown) => {
      logger.error({ err }, 'redis connection failed');
      return false;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), startWaitMs);
  });
  if (!(await Promise.race([connected, waited]))) logger.warn('redis not reachable at start-up; retrying in the background');
  clearTimeout(timer);
  return client;
}
