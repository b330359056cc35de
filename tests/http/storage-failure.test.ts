/**
 * A store that cannot write (disk full, read-only, database away): posts get 503 storage_unavailable with Retry-After,
 * never 500, and /readyz says write_failed until a write succeeds again. The disk is "filled" without root tricks:
 * PRAGMA max_page_count caps the SQLite file at its current size.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import request from 'supertest';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const apps: TestApp[] = [];
afterEach(async () => {
  for (const a of apps.splice(0)) await a.close();
});

async function appOnSqlite(): Promise<{ app: TestApp; db: Database; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-full-'));
  let db: Database | undefined;
  // A short busy timeout, so the "locked by another process" case fails in 100 ms instead of 5 s.
  const storage = openSqliteStorage({ dataDir: dir, onOpen: (d) => ((db = d), d.pragma('busy_timeout = 100')) });
  const app = await createTestApp({}, storage);
  apps.push(app);
  return { app, db: db!, dir };
}

/** Big enough that every comment needs new pages (body + rendered HTML exceed one 4 KB page). */
const bigBody = (i: number) => `Comment ${i}. ${'lorem ipsum dolor sit amet '.repeat(120)}`;

describe('when the store cannot write', () => {
  it('answers posts 503 storage_unavailable with Retry-After, reports write_failed, and recovers when space returns', async () => {
    const { app, db } = await appOnSqlite();
    expect((await request(app.http).post('/api/v1/comments').send(validComment({ body: bigBody(0) }))).status).toBe(201);
    expect((await request(app.http).get('/readyz')).status).toBe(200);

    // The file may not grow any more: the disk is "full".
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);

    const full = await request(app.http).post('/api/v1/comments').send(validComment({ body: bigBody(1) }));
    expect(full.status).toBe(503);
    expect(full.body.error.code).toBe('storage_unavailable');
    expect(full.headers['retry-after']).toMatch(/^\d+$/);
    expect(app.logText()).not.toMatch(/unhandled error/);

    // Reads still work, but the instance says it cannot take writes.
    const read = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    expect(read.status).toBe(200);
    const notReady = await request(app.http).get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.body.checks.storage).toBe('write_failed');
    expect(notReady.body.failing).toContain('storage');

    // Space again: the next post is stored and readiness clears.
    db.pragma(`max_page_count = ${pages * 100}`);
    const again = await request(app.http).post('/api/v1/comments').send(validComment({ body: bigBody(2) }));
    expect(again.status).toBe(201);
    const ready = await request(app.http).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.storage).toBe('ok');
  });

  it('lets readiness try again after 30 s without a failed write, and reports write_failed again when a write fails', async () => {
    const { app, db } = await appOnSqlite();
    db.pragma('query_only = ON');
    expect((await request(app.http).post('/api/v1/comments').send(validComment())).status).toBe(503);
    app.clock.advance(29_000);
    expect((await request(app.http).get('/readyz')).body.checks.storage).toBe('write_failed');
    // A load balancer sends no traffic to a not-ready instance: without this, nothing would ever clear it.
    app.clock.advance(2_000);
    expect((await request(app.http).get('/readyz')).status).toBe(200);
    expect((await request(app.http).post('/api/v1/comments').send(validComment({ body: 'still read-only' }))).status).toBe(503);
    expect((await request(app.http).get('/readyz')).body.checks.storage).toBe('write_failed');
  });

  it('answers 503 storage_unavailable when the database became read-only', async () => {
    const { app, db } = await appOnSqlite();
    db.pragma('query_only = ON');
    const res = await request(app.http).post('/api/v1/comments').send(validComment());
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('storage_unavailable');
    expect((await request(app.http).get('/readyz')).body.checks.storage).toBe('write_failed');
  });

  it('answers 503 storage_unavailable when another process holds the write lock past the busy timeout', async () => {
    const { app, dir } = await appOnSqlite();
    const other = new BetterSqlite3(path.join(dir, 'parley.db'));
    try {
      other.exec('BEGIN IMMEDIATE');
      const res = await request(app.http).post('/api/v1/comments').send(validComment());
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('storage_unavailable');
      other.exec('ROLLBACK');
      expect((await request(app.http).post('/api/v1/comments').send(validComment())).status).toBe(201);
    } finally {
      other.close();
    }
  });
});
