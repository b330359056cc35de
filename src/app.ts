/** Composition root: the only file that wires concrete parts (storage, spam checks, Redis, clock, ids, jobs). */
import type { Express } from 'express';
import { createClient } from 'redis';
import { monotonicFactory } from 'ulid';
import { createCommentService } from './comments/comment-service.js';
import type { Config } from './config.js';
import { createHttpApp } from './http/create-http-app.js';
import { createRateLimiters } from './http/rate-limit.js';
import { createRecheckJob } from './jobs/recheck-job.js';
import { createRetentionJob } from './jobs/retention-job.js';
import { startScheduler, type Scheduler } from './jobs/scheduler.js';
import type { Logger } from './logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createAkismetClient, type AkismetClient } from './spam/akismet.js';
import { akismetCheck } from './spam/akismet-check.js';
import { formTokenCheck } from './spam/form-token.js';
import { honeypotCheck } from './spam/honeypot.js';
import { createPipeline, type NamedCheck } from './spam/pipeline.js';
import { bannedWordsCheck, linksCheck } from './spam/rules.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';

export interface AppDeps {
  config: Readonly<Config>;
  /** The resolved server secret (config.secret or the one stored in DATA_DIR). */
  secret: string;
  logger: Logger;
  /** Tests may pass an already-open store (for example MongoDB); otherwise it is opened from config. */
  storage?: Storage;
  clock?: () => Date;
}

export interface App {
  http: Express;
  storage: Storage;
  metrics: Metrics;
  akismet: AkismetClient | null;
  /** Background work; main.ts schedules it, tests call runOnce() directly. */
  jobs: {
    recheck: ReturnType<typeof createRecheckJob>;
    retention: ReturnType<typeof createRetentionJob>;
  };
  startJobs(): void;
  close(): Promise<void>;
}

const RECHECK_INTERVAL_MS = 30_000;
const RETENTION_INTERVAL_MS = 3_600_000;

export async function createApp(deps: AppDeps): Promise<App> {
  const { config, secret, logger } = deps;
  const storage = deps.storage ?? (await openStorage(config, logger));
  const clock = deps.clock ?? (() => new Date());
  const metrics = createMetrics({ processMetrics: true });
  metrics.setUncheckedSource(() => storage.countUnchecked());

  const akismet = config.akismet.key
    ? createAkismetClient({
        key: config.akismet.key,
        blog: config.publicUrl ?? 'http://localhost',
        endpoint: config.akismet.endpoint,
        timeoutMs: config.akismet.timeoutMs,
        isTest: config.akismet.isTest,
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

  // ULIDs sort by creation time, and the monotonic factory keeps ids ordered within one millisecond.
  const ulid = monotonicFactory();
  const service = createCommentService({
    storage,
    clock,
    newId: () => ulid(clock().getTime()),
    spam: createPipeline(checks, metrics.pipelineObserver),
    onCommentCreated: (status) => metrics.commentsCreated.inc({ status }),
    settings: {
      secret,
      avatars: config.avatars,
      maxDepth: config.maxDepth,
      editWindowMinutes: config.editWindowMinutes,
      threadPolicy: { allowedOrigins: config.allowedOrigins },
      moderation: config.moderation,
      minSubmitSeconds: config.minSubmitSeconds,
      formTokenMaxAgeHours: config.formTokenMaxAgeHours,
    },
  });

  const jobs = {
    recheck: createRecheckJob({
      storage,
      // Without Akismet nothing is ever stored unchecked; the job then has nothing to do.
      check: akismetStep ?? { name: 'none', run: async () => undefined },
      clock,
      publishOrHold: service.publishOrHold,
      logger,
    }),
    retention: createRetentionJob({ storage, clock, retentionDays: config.retentionDays, logger }),
  };
  let scheduler: Scheduler | null = null;

  const redis = config.redisUrl ? await openRedis(config.redisUrl, logger) : null;
  const rateLimiters = createRateLimiters({
    limits: config.rateLimits,
    redis,
    secret,
    logger,
    onLimited: (limiter) => metrics.rateLimited.inc({ limiter }),
  });
  const http = createHttpApp({ service, logger, trustProxy: config.trustProxy, rateLimiters });
  return {
    http,
    storage,
    metrics,
    akismet,
    jobs,
    startJobs() {
      scheduler ??= startScheduler(
        [
          { ...jobs.recheck, intervalMs: RECHECK_INTERVAL_MS },
          { ...jobs.retention, intervalMs: RETENTION_INTERVAL_MS },
        ],
        logger,
      );
    },
    async close() {
      try {
        await scheduler?.stop();
        await storage.close();
      } finally {
        if (redis?.isOpen) await redis.close();
      }
    },
  };
}

const REDIS_START_WAIT_MS = 2000;

/**
 * The rate-limit store's client. Commands fail at once while disconnected (no offline queue: a request must not
 * wait for Redis), the client keeps reconnecting in the background, and start-up waits for it only briefly.
 */
async function openRedis(url: string, logger: Logger): Promise<ReturnType<typeof createClient>> {
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
    timer = setTimeout(() => resolve(false), REDIS_START_WAIT_MS);
  });
  if (!(await Promise.race([connected, waited]))) logger.warn('redis not reachable at start-up; retrying in the background');
  clearTimeout(timer);
  return client;
}
