/** Builds the real app on a real SQLite store in a temp dir, with a controllable clock and a captured log. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App, type AppDeps } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Storage } from '../../src/storage/storage.js';
import { issueFormToken } from '../../src/spam/form-token.js';
import { resolveThread } from '../../src/domain/thread.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface TestApp extends App {
  /** Every log line written so far, as raw JSON text. */
  logText(): string;
  clock: { now: number; advance(ms: number): void };
  dataDir: string;
}

/** The production defaults (5 posts a minute per IP…) would trip ordinary tests; rate-limit tests pass their own. */
const GENEROUS_RATE_LIMITS = {
  RATE_LIMIT_POSTS_PER_MINUTE: '10000',
  RATE_LIMIT_POSTS_PER_HOUR: '10000',
  RATE_LIMIT_POSTS_PER_EMAIL_PER_HOUR: '10000',
  RATE_LIMIT_READS_PER_MINUTE: '10000',
  RATE_LIMIT_ADMIN_PER_MINUTE: '10000',
  RATE_LIMIT_EDITS_PER_MINUTE: '10000',
  RATE_LIMIT_EDITS_PER_HOUR: '10000',
  RATE_LIMIT_SIGNIN_PER_MINUTE: '10000',
  RATE_LIMIT_SIGNIN_FAILURES_PER_HOUR: '10000',
  RATE_LIMIT_SIGNIN_ACCOUNT_FAILURES_PER_HOUR: '10000',
};

/**
 * For an app whose REDIS_URL nothing answers: start-up gives up waiting for Redis after 0.1 s instead of 2 s (it goes
 * on without Redis either way, which is what those tests are about).
 */
export const BRIEF_REDIS_WAIT: Pick<AppDeps, 'redisStartWaitMs'> = { redisStartWaitMs: 100 };

export async function createTestApp(env: Record<string, string> = {}, storage?: Storage, deps: Pick<AppDeps, 'redisStartWaitMs' | 'externalWritesIntervalMs'> = {}): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-app-'));
  // MODERATION=none: tests of other features see their comments published; moderation tests set their mode.
  const config = loadConfig({
    DATA_DIR: dataDir,
    SECRET: TEST_SECRET,
    LOG_LEVEL: 'info',
    MODERATION: 'none',
    ...GENEROUS_RATE_LIMITS,
    ...env,
  });
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString('utf8');
      cb();
    },
  });
  const clock = {
    now: TEST_EPOCH,
    advance(ms: number) {
      clock.now += ms;
    },
  };
  const app = await createApp({
    config,
    secret: config.secret ?? TEST_SECRET,
    logger: createLogger(config.logLevel, sink),
    clock: () => new Date(clock.now),
    ...(storage ? { storage } : {}),
    ...deps,
  });
  return {
    ...app,
    clock,
    dataDir,
    logText: () => logged,
    async close() {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const ARTICLE = 'https://news.example.org/2026/06/a-story';

/** When the tests' clock starts; form tokens in validComment() are issued a minute before. */
export const TEST_EPOCH = Date.parse('2026-06-01T10:00:00.000Z');

/**
 * A complete, valid comment with a form token for its thread, issued a minute before the test clock starts (so it is
 * neither too fast nor expired). Pass `formToken: undefined` to post without one.
 */
export function validComment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { url: ARTICLE, name: 'Ada Lovelace', email: 'ada@example.org', body: 'First! *Nice* article.', ...overrides };
  if (!('formToken' in overrides)) {
    try {
      const ref = resolveThread({ url: base.url as string | undefined, threadId: base.threadId as string | undefined }, { allowedOrigins: null });
      base.formToken = issueFormToken(TEST_SECRET, ref.key, new Date(TEST_EPOCH - 60_000));
    } catch {
      // An invalid thread on purpose: the test is about that, not about the token.
    }
  }
  return base;
}
