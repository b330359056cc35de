/**
 * Two Parley instances on one MongoDB and one Redis, as the README's scale-out section runs them.
 * Needs MONGODB_URI (FerretDB or MongoDB; a database of its own is used and dropped) and Redis at 127.0.0.1:6379
 * (database 13, flushed). Skips loudly without them; REQUIRE_MONGO=1 (as in .ci/run) makes a missing server fail.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { createClient } from 'redis';
import request from 'supertest';
import { openMongoStorage } from '../src/storage/mongo/mongo-storage.js';
import { createTestApp, validComment, type TestApp } from './support/test-app.js';
import { makeComment, uniqueThreadKey } from './support/comment-factory.js';

const REDIS_URL = 'redis://127.0.0.1:6379/13';
const TOKEN = 'scale-out-moderator-token-0123456789';

function withDatabase(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

async function probeRedis(): Promise<string | null> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.flushDb();
    await client.close();
    return null;
  } catch (err) {
    if (client.isOpen) client.destroy();
    return `Redis at ${REDIS_URL}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const mongoUri = process.env.MONGODB_URI;
const missing = !mongoUri ? 'MONGODB_URI is not set' : await probeRedis();

/** Reads until `done` holds: B's read cache is invalidated by a Redis broadcast, which arrives a moment later. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !done(value); i += 1) {
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  return value;
}

if (missing === null && mongoUri) {
  describe('scale-out: two instances on one MongoDB and one Redis', () => {
    const uri = withDatabase(mongoUri, `parley_scale_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`);
    const env = { REDIS_URL, TRUST_PROXY: '1', ADMIN_TOKEN: `alice:${TOKEN}`, RATE_LIMIT_POSTS_PER_MINUTE: '3' };
    let a: TestApp;
    let b: TestApp;
    let aClosed = false;

    beforeAll(async () => {
      a = await createTestApp(env, await openMongoStorage({ uri }));
      b = await createTestApp(env, await openMongoStorage({ uri }));
    });
    afterAll(async () => {
      if (!aClosed) await a?.close();
      await b?.close();
      const conn = await mongoose.createConnection(uri).asPromise();
      await conn.dropDatabase();
      await conn.close();
    });

    let ipSerial = 0;
    const post = (app: TestApp, body: Record<string, unknown>, ip = `198.51.100.${++ipSerial}`) =>
      request(app.http).post('/api/v1/comments').set('X-Forwarded-For', ip).send(body);
    const threadIds = (app: TestApp, url: string) => async () =>
      ((await request(app.http).get('/api/v1/threads').query({ url })).body.comments as { id: string }[]).map((c) => c.id);

    it('shows a comment posted on A to readers of B, and hides it on B when a moderator on A rejects it', async () => {
      const url = `${uniqueThreadKey('scale')}?p=1`;
      // B has the empty thread in its read cache before A's post.
      expect(await threadIds(b, url)()).toEqual([]);
      const posted = await post(a, validComment({ url, body: 'Posted on A.' }));
      expect(posted.status).toBe(201);
      const id = posted.body.comment.id as string;
      expect(await eventually(threadIds(b, url), (ids) => ids.includes(id))).toEqual([id]);

      await request(a.http).post(`/api/v1/admin/comments/${id}/reject`).set('Authorization', `Bearer ${TOKEN}`).send({}).expect(200);
      expect(await eventually(threadIds(b, url), (ids) => !ids.includes(id))).toEqual([]);
      // The decision's audit entry is there for a moderator on B too.
      const audit = await request(b.http).get('/api/v1/admin/audit').query({ commentId: id }).set('Authorization', `Bearer ${TOKEN}`);
      expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['reject']);
    });

    it('shows on B, once a restarted instance has repaired it, a comment an instance stored just before it died', async () => {
      const url = `${uniqueThreadKey('repair')}?p=1`;
      const counts = async () => (await request(b.http).get('/api/v1/counts').query({ url })).body.counts[url] as number;
      // B has the empty thread and its count in its read cache.
      expect(await threadIds(b, url)()).toEqual([]);
      expect(await counts()).toBe(0);
      // An instance dies between the comment's insert and the writes after it: no one told B's cache.
      const dying = await openMongoStorage({
        uri,
        afterWrite: (step) => {
          if (step === 'comment-inserted') throw new Error('simulated crash');
        },
      });
      const threadKey = (await request(b.http).get('/api/v1/threads').query({ url })).body.thread.key as string;
      await dying.ensureThread({ key: threadKey, url: null, now: new Date() });
      const stored = makeComment({ threadKey, createdAt: new Date() });
      await expect(dying.insertComment(stored)).rejects.toThrow('simulated crash');
      await dying.close();
      expect(await threadIds(b, url)()).toEqual([]);
      // The restart's repair pass recounts the thread and has every instance drop it from its read cache.
      const c = await createTestApp(env, await openMongoStorage({ uri }));
      try {
        expect(await eventually(threadIds(b, url), (ids) => ids.includes(stored.id))).toEqual([stored.id]);
        expect(await eventually(counts, (n) => n === 1)).toBe(1);
      } finally {
        await c.close();
      }
    });

    it('shares the post rate limit between A and B', async () => {
      const url = `${uniqueThreadKey('limit')}?p=1`;
      const ip = '203.0.113.77';
      const codes: number[] = [];
      for (const [app, n] of [[a, 1], [b, 2], [a, 3], [b, 4]] as const) codes.push((await post(app, validComment({ url, body: `Limited ${n}.` }), ip)).status);
      expect(codes).toEqual([201, 201, 201, 429]);
    });

    it('loses no acknowledged comment when A stops while posts are arriving', async () => {
      const url = `${uniqueThreadKey('stop')}?p=1`;
      const send = (i: number) => post(a, validComment({ url, body: `In flight ${i}.` })).then((r) => r, () => null);
      const answered = await Promise.all([0, 1, 2, 3].map(send));
      // Stop A while more requests are in flight.
      const sent = [4, 5, 6, 7, 8, 9, 10, 11].map(send);
      aClosed = true;
      await a.close();
      const answers = [...answered, ...(await Promise.all(sent))];
      const acknowledged = answers.filter((r) => r?.status === 201).map((r) => r!.body.comment.id as string);
      const onB = await request(b.http).get('/api/v1/threads').query({ url, limit: 100 });
      const stored = (onB.body.comments as { id: string }[]).map((c) => c.id);
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(stored).toEqual(expect.arrayContaining(acknowledged));
      // What A did not acknowledge is refused as unavailable (or the connection dropped): the author retries on B.
      for (const r of answers) if (r && r.status !== 201) expect(r.status).toBeGreaterThanOrEqual(500);
    });
  });
} else if (process.env.REQUIRE_MONGO === '1') {
  describe('scale-out', () => {
    it('needs MongoDB and Redis (REQUIRE_MONGO=1)', () => {
      throw new Error(`REQUIRE_MONGO=1 but the scale-out test cannot run: ${missing}.`);
    });
  });
} else {
  const line = '!'.repeat(78);
  console.warn(`\n${line}\n!!  Scale-out test SKIPPED: ${missing}.\n!!  To run it: MONGODB_URI=mongodb://127.0.0.1:27018/x npm test -- tests/scale-out.test.ts\n${line}\n`);
  describe.skip('scale-out (SKIPPED: no MongoDB or Redis, see the warning above)', () => {
    it('runs two instances on one MongoDB and one Redis', () => undefined);
  });
}
