/** Builds the real app on a real SQLite store in a temp dir, with a controllable clock and a captured log. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Storage } from '../../src/storage/storage.js';

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

export interface TestApp extends App {
  /** Every log line written so far, as raw JSON text. */
  logText(): string;
  clock: { now: number; advance(ms: number): void };
  dataDir: string;
}

export async function createTestApp(env: Record<string, string> = {}, storage?: Storage): Promise<TestApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-app-'));
  const config = loadConfig({ DATA_DIR: dataDir, SECRET: TEST_SECRET, LOG_LEVEL: 'info', ...env });
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logged += chunk.toString('utf8');
      cb();
    },
  });
  const clock = {
    now: Date.parse('2026-06-01T10:00:00.000Z'),
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

export function validComment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: ARTICLE, name: 'Ada Lovelace', email: 'ada@example.org', body: 'First! *Nice* article.', ...overrides };
}
