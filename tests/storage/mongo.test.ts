/**
 * The storage contract against MongoDB (or FerretDB). Server: MONGODB_URI if set, else mongodb-memory-server,
 * else the suite skips loudly; with REQUIRE_MONGO=1 (as in .ci/run) a missing server fails instead.
 * Each run uses its own database, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it, jest } from '@jest/globals';
import mongoose from 'mongoose';
import { AppError } from '../../src/domain/errors.js';
import { openMongoStorage, type MongoRepairCounts, type MongoWriteStep } from '../../src/storage/mongo/mongo-storage.js';
import { StorageUnavailableError } from '../../src/domain/errors.js';
import type { Comment } from '../../src/domain/comment.js';
import type { AuditEntry } from '../../src/domain/moderation.js';
import { createModels } from '../../src/storage/mongo/models.js';
import type { Storage } from '../../src/storage/storage.js';
import { makeComment, makeReply, testId, uniqueThreadKey } from '../support/comment-factory.js';
import { describeStorageContract } from './storage-contract.js';
import { describeTransferBatchContract } from './transfer-batch-contract.js';
import request from 'supertest';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { signSsoJwt, ssoClaims, SSO_SECRET } from '../support/sso-token.js';

// FerretDB's SQLite handler on a loaded machine answers an indexed find in hundreds of milliseconds (README, on npm
// test): generous limits, so a slow server fails no test that a correct store would pass.
jest.setTimeout(180_000);
const SLOW_SERVER_MS = 30_000;

// Bounded: the first run downloads a mongod (~100 MB); with no network it fails within seconds.
const MEMORY_SERVER_TIMEOUT_MS = 60_000;

/** Puts `db` in place of the URI's database path, keeping hosts, credentials and options. */
function withDatabase(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`MONGODB_URI is not a mongodb:// URI: ${uri.replace(/\/\/[^@/]*@/, '//***@')}`);
  return `${m[1]}/${db}${m[3] ?? ''}`;
}

interface MongoTarget {
  uri: string;
  source: string;
  stop: () => Promise<void>;
}

async function startMemoryServer(): Promise<MongoTarget | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    // Tests never reach the internet: use a mongod already on this machine (MONGOMS_SYSTEM_BINARY or the cache), never download one.
    process.env.MONGOMS_RUNTIME_DOWNLOAD ??= 'false';
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const starting = MongoMemoryServer.create();
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no mongod within ${MEMORY_SERVER_TIMEOUT_MS} ms`)), MEMORY_SERVER_TIMEOUT_MS);
    });
    let timedOut = false;
    // If the timeout wins, a server that starts later is stopped rather than left behind.
    starting.then((late) => timedOut && late.stop(), () => undefined);
    const server = await Promise.race([starting, timeout]).catch((err: unknown) => {
      timedOut = true;
      throw err;
    });
    return { uri: server.getUri(), source: 'mongodb-memory-server', stop: async () => void (await server.stop()) };
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').slice(0, 240);
    return `mongodb-memory-server could not start a mongod: ${reason}`;
  } finally {
    clearTimeout(timer);
  }
}

async function findMongo(): Promise<MongoTarget | string> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) return { uri: fromEnv, source: 'MONGODB_URI', stop: async () => undefined };
  return startMemoryServer();
}

const found = await findMongo();

if (typeof found !== 'string') {
  const dbName = `parley_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const uri = withDatabase(found.uri, dbName);

  afterAll(async () => {
    const conn = await mongoose.createConnection(uri).asPromise();
    try {
      await conn.dropDatabase();
    } finally {
      await conn.close();
      await found.stop();
    }
  });

  describeStorageContract(`mongo (${found.source})`, () => openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));
  describeTransferBatchContract(`mongo (${found.source})`, () => openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));

  describe('the service on MongoDB (HTTP smoke test)', () => {
    const TOKEN = 'mongo-smoke-moderator-token-0123456789';
    let app: TestApp | undefined;
    afterAll(async () => {
      await app?.close();
    });

    it('posts, nests, holds, moderates and counts through the HTTP API', async () => {
      app = await createTestApp({ ADMIN_TOKEN: `smoke:${TOKEN}`, MODERATION: 'first-time' }, await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));
      const url = `${uniqueThreadKey('smoke')}?p=1`;
      const first = await request(app.http).post('/api/v1/comments').send(validComment({ url, body: 'first on mongo' }));
      expect(first.status).toBe(201);
      expect(first.body.status).toBe('pending');
      const queue = await request(app.http).get('/api/v1/admin/comments?status=pending').set('Authorization', `Bearer ${TOKEN}`);
      expect(queue.body.comments.map((c: { id: string }) => c.id)).toContain(first.body.comment.id);
      await request(app.http).post(`/api/v1/admin/comments/${first.body.comment.id}/approve`).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      // A returning commenter proves it with the commenter token its approved comment earned.
      const mine = await request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: first.body.comment.id, editToken: first.body.editToken }] });
      const commenterToken = mine.body.comments[0].commenterToken as string;
      const reply = await request(app.http).post('/api/v1/comments').send(validComment({ url, body: 'reply on mongo', parentId: first.body.comment.id, commenterToken }));
      expect(reply.body.status).toBe('approved');
      const thread = await request(app.http).get('/api/v1/threads').query({ url });
      expect(thread.body.thread.commentCount).toBe(2);
      expect(thread.body.comments[0].replies[0].id).toBe(reply.body.comment.id);
      const counts = await request(app.http).get('/api/v1/counts').query({ url });
      expect(counts.body.counts[url]).toBe(2);
      expect(JSON.stringify([first.body, thread.body, counts.body])).not.toContain('ada@example.org');
      expect((await request(app.http).get('/readyz')).body.checks.storage).toBe('ok');
    });

    it('signs a moderator account in, moderates with the session and CSRF token, and refuses it once disabled', async () => {
      await app?.close();
      app = await createTestApp({ ADMIN_TOKEN: `smoke:${TOKEN}`, MODERATION: 'all' }, await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));
      const email = `${testId('mod')}@newsroom.example`.toLowerCase();
      const added = await request(app.http).post('/api/v1/admin/moderators').set('Authorization', `Bearer ${TOKEN}`).send({ email, name: 'Mongo Mod', role: 'moderator', password: 'correct horse battery staple' });
      expect(added.status).toBe(201);
      const signIn = await request(app.http).post('/api/v1/admin/session').send({ email, password: 'correct horse battery staple' });
      expect(signIn.status).toBe(200);
      const cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
      const posted = await request(app.http).post('/api/v1/comments').send(validComment({ url: uniqueThreadKey('mod-session'), body: 'held on mongo' }));
      const approve = () => request(app!.http).post(`/api/v1/admin/comments/${posted.body.comment.id}/approve`).set('Cookie', cookie);
      expect((await approve().send({})).status).toBe(403);
      expect((await approve().set('X-CSRF-Token', signIn.body.csrfToken).send({})).status).toBe(200);
      const audit = await request(app.http).get(`/api/v1/admin/audit?commentId=${posted.body.comment.id}`).set('Authorization', `Bearer ${TOKEN}`);
      expect(audit.body.entries[0]).toMatchObject({ action: 'approve', actor: `Mongo Mod [${added.body.moderator.id}]` });
      await request(app.http).post(`/api/v1/admin/moderators/${added.body.moderator.id}/disable`).set('Authorization', `Bearer ${TOKEN}`).expect(200);
      expect((await request(app.http).get('/api/v1/admin/session').set('Cookie', cookie)).status).toBe(401);
    });

    it('stores one of eight identical comments posted at once and answers the other seven 409 duplicate_comment', async () => {
      const concurrent = await createTestApp({}, await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));
      try {
        const url = `${uniqueThreadKey('dup')}?p=1`;
        const same = validComment({ url, body: 'Eight times at once, on mongo.' });
        const responses = await Promise.all(Array.from({ length: 8 }, () => request(concurrent.http).post('/api/v1/comments').send(same)));
        expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
        expect(responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'duplicate_comment')).toBe(true);
        const counts = await request(concurrent.http).get('/api/v1/counts').query({ url });
        expect(counts.body.counts[url]).toBe(1);
      } finally {
        await concurrent.close();
      }
    });
  });

  describe('signed-in commenters on MongoDB (HTTP)', () => {
    it('posts with an SSO session, lists, exports and deletes my comments, and never returns the email', async () => {
      const app = await createTestApp({ SSO_SECRET, SSO_BADGE: 'Member' }, await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS }));
      try {
        const url = `${uniqueThreadKey('sso')}?p=1`;
        const exchanged = await request(app.http)
          .post('/api/v1/sso/session')
          .send({ token: await signSsoJwt(ssoClaims(app.clock.now, { sub: `mongo-${randomBytes(4).toString('hex')}`, picture: 'https://img.example/m.png' })) });
        const auth = `Bearer ${exchanged.body.session as string}`;
        const posted = [];
        for (const body of ['one on mongo', 'two on mongo']) {
          const { name: _n, email: _e, ...rest } = validComment({ url, body });
          posted.push(await request(app.http).post('/api/v1/comments').set('Authorization', auth).send(rest));
          app.clock.advance(1000);
        }
        expect(posted.map((r) => r.status)).toEqual([201, 201]);
        const thread = await request(app.http).get('/api/v1/threads').query({ url });
        expect(thread.body.comments[0].author).toMatchObject({ name: 'Grace Hopper', badge: 'Member', avatarUrl: 'https://img.example/m.png' });
        const mine = await request(app.http).get('/api/v1/me/comments').query({ limit: 1 }).set('Authorization', auth);
        expect(mine.body.comments.map((c: { id: string }) => c.id)).toEqual([posted[1]!.body.comment.id]);
        const next = await request(app.http).get('/api/v1/me/comments').query({ limit: 1, cursor: mine.body.nextCursor }).set('Authorization', auth);
        expect(next.body.comments.map((c: { id: string }) => c.id)).toEqual([posted[0]!.body.comment.id]);
        await request(app.http).delete(`/api/v1/me/comments/${posted[0]!.body.comment.id}`).set('Authorization', auth).expect(204);
        const exported = await request(app.http).get('/api/v1/me/comments/export').set('Authorization', auth);
        expect(exported.body.comments.map((c: { body: string }) => c.body)).toEqual(['two on mongo']);
        const after = await request(app.http).get('/api/v1/threads').query({ url });
        expect(after.body.comments.map((c: { id: string }) => c.id)).toEqual([posted[1]!.body.comment.id]);
        expect(JSON.stringify([posted.map((r) => r.body), thread.body, mine.body, exported.body])).not.toContain('grace.sso');
      } finally {
        await app.close();
      }
    });
  });

  describe('mongo adapter', () => {
    let storage: Storage;
    let raw: mongoose.Connection;

    afterAll(async () => {
      await storage?.close();
      await raw?.close();
    });

    async function open(): Promise<Storage> {
      storage ??= await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS });
      raw ??= await mongoose.createConnection(uri).asPromise();
      return storage;
    }

    /** An operator smuggled in where a string belongs must fail validation or match nothing, never widen the query. */
    async function expectRefusedOrEmpty<T>(read: Promise<T>, isEmpty: (value: T) => boolean): Promise<void> {
      const outcome = await read.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('error' in outcome) {
        expect(outcome.error).toBeInstanceOf(AppError);
        expect((outcome.error as AppError).code).toBe('validation_failed');
      } else {
        expect(isEmpty(outcome.value)).toBe(true);
      }
    }

    it('does not interpret query operators smuggled into thread keys or ids', async () => {
      const s = await open();
      const victimKey = uniqueThreadKey('victim');
      await s.ensureThread({ key: victimKey, url: victimKey, now: new Date() });
      const victim = makeComment({ threadKey: victimKey });
      await s.insertComment(victim);

      const injections = [{ $ne: null }, { $gt: '' }, { $regex: '.*' }, { $exists: true }, { $in: [victimKey] }];
      for (const injected of injections) {
        const key = injected as unknown as string;
        await expectRefusedOrEmpty(s.getThread(key), (t) => t === undefined);
        await expectRefusedOrEmpty(s.getComment(key), (c) => c === undefined);
        await expectRefusedOrEmpty(s.updateComment(key, { status: 'spam' }), (c) => c === undefined);
        await expectRefusedOrEmpty(
          s.listThread({ threadKey: key, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 }),
          (p) => p.roots.length === 0 && p.replies.length === 0,
        );
        await expectRefusedOrEmpty(
          s.countByThreads({ threadKeys: [key], statuses: ['approved'] }),
          (m) => [...m.values()].every((n) => n === 0),
        );
      }
      // Nothing above touched the victim.
      expect(await s.getComment(victim.id)).toEqual(victim);
    });

    it('refuses an operator in place of a thread key with a validation error', async () => {
      const s = await open();
      const err = await s.getThread({ $ne: null } as unknown as string).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('validation_failed');
      const countErr = await s
        .countByThreads({ threadKeys: [{ $ne: null } as unknown as string], statuses: ['approved'] })
        .catch((e: unknown) => e);
      expect((countErr as AppError).code).toBe('validation_failed');
    });

    it('creates the indexes a thread page and the counts need', async () => {
      await open();
      const db = raw.db;
      if (!db) throw new Error('no database handle');
      const keys = (await db.collection('comments').listIndexes().toArray()).map((ix) => JSON.stringify(ix.key));
      expect(keys).toEqual(
        expect.arrayContaining([
          JSON.stringify({ threadKey: 1, depth: 1, createdAt: 1, _id: 1 }),
          JSON.stringify({ rootId: 1, createdAt: 1, _id: 1 }),
          JSON.stringify({ threadKey: 1, status: 1 }),
        ]),
      );
    });

    it('builds every index each schema declares, on every collection, and no other', async () => {
      await open();
      const db = raw.db;
      if (!db) throw new Error('no database handle');
      const models = createModels(raw);
      for (const model of Object.values(models) as mongoose.Model<unknown>[]) {
        const declared = (model.schema.indexes() as [Record<string, unknown>, { name?: unknown; unique?: unknown }][])
          .map(([key, options]) => ({ name: String(options.name), key: JSON.stringify(key), unique: options.unique === true }))
          .sort((a, b) => a.name.localeCompare(b.name));
        const present = (await db.collection(model.collection.collectionName).listIndexes().toArray())
          .filter((ix) => ix.name !== '_id_')
          .map((ix) => ({ name: String(ix.name), key: JSON.stringify(ix.key), unique: ix.unique === true }))
          .sort((a, b) => a.name.localeCompare(b.name));
        expect({ collection: model.collection.collectionName, indexes: present }).toEqual({
          collection: model.collection.collectionName,
          indexes: declared,
        });
      }
      expect(Object.keys(models).sort()).toEqual(['audit', 'bans', 'comments', 'intents', 'moderatorSessions', 'moderators', 'outbox', 'outboxClaims', 'subscribers', 'subscriptions', 'threadCounts', 'threads']);
    });

    it('gives comments stored before dedupe keys one at open, idempotently, and still refuses their duplicates', async () => {
      const legacyUri = withDatabase(found.uri, `${dbName}_legacy`);
      const legacy = await mongoose.createConnection(legacyUri).asPromise();
      try {
        const threadKey = uniqueThreadKey('legacy');
        const recent = new Date();
        // Two identical comments from before the rule was enforced by the database, both without a key.
        const docs = [0, 1].map(() => {
          const c = makeComment({ threadKey, body: 'said twice long ago', createdAt: recent });
          return { _id: c.id, threadKey, parentId: null, rootId: c.id, depth: 0, status: 'approved', author: c.author, body: c.body, html: c.html,
            createdAt: c.createdAt, editedAt: null, editTokenHash: null, context: c.context, spamCheck: 'none', spamReasons: [], recheck: null, history: [] };
        });
        await legacy.collection('comments').insertMany(docs as unknown as Record<string, unknown>[]);
        const first = await openMongoStorage({ uri: legacyUri });
        await first.close();
        const second = await openMongoStorage({ uri: legacyUri });
        try {
          const keys = (await legacy.collection('comments').find({}).toArray()).map((d) => d.dedupeKey);
          expect(keys.sort()).toEqual(docs.map((d) => `legacy:${d._id}`).sort());
          const again = makeComment({ threadKey, body: 'said twice long ago', createdAt: new Date(recent.getTime() + 1000) });
          const err = await second.insertComment(again, { duplicateSince: new Date(recent.getTime() - 1000) }).catch((e: unknown) => e);
          expect((err as AppError).code).toBe('duplicate_comment');
        } finally {
          await second.close();
        }
      } finally {
        await legacy.dropDatabase();
        await legacy.close();
      }
    });

    it('reports an unreachable server as storage_unavailable', async () => {
      const err = await openMongoStorage({ uri: 'mongodb://127.0.0.1:9/parley_unreachable?serverSelectionTimeoutMS=300' }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('storage_unavailable');
    });

    it('reports operations on a closed store as storage_unavailable', async () => {
      const s = await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS });
      await s.close();
      const err = await s.getComment(testId()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('storage_unavailable');
    });
  });

  describe('mongo adapter: public counts kept in thread_counts', () => {
    const opened: Storage[] = [];
    afterAll(async () => {
      mongoose.set('debug', false);
      for (const s of opened) await s.close().catch(() => undefined);
    });
    const openStore = async () => {
      const s = await openMongoStorage({ uri, timeoutMs: SLOW_SERVER_MS });
      opened.push(s);
      return s;
    };

    /** The collection and method of every query mongoose sends while `work` runs. */
    async function queriesOf(work: () => Promise<unknown>): Promise<string[]> {
      const seen: string[] = [];
      mongoose.set('debug', (collection: string, method: string) => void seen.push(`${collection}.${method}`));
      try {
        await work();
      } finally {
        mongoose.set('debug', false);
      }
      return seen;
    }

    it('reads a thread page with two finds and the public count with one find, no aggregate', async () => {
      const s = await openStore();
      const threadKey = uniqueThreadKey('reads');
      await s.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
      const root = makeComment({ threadKey });
      const hidden = makeComment({ threadKey, status: 'pending' });
      await s.insertComment(root);
      await s.insertComment(hidden);
      await s.insertComment(makeReply(root));
      await s.insertComment(makeReply(hidden));
      expect(await queriesOf(() => s.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 50 }))).toEqual(['comments.find', 'comments.find']);
      let counts = new Map<string, number>();
      expect(await queriesOf(async () => (counts = await s.countVisible([threadKey, uniqueThreadKey('none')])))).toEqual(['thread_counts.find']);
      // The reply below the held comment is not counted.
      expect(counts.get(threadKey)).toBe(2);
    });

    it('keeps counts right when two instances move statuses of one thread at once, round after round', async () => {
      const [a, b] = [await openStore(), await openStore()];
      const threadKey = uniqueThreadKey('moves');
      await a.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
      const roots = Array.from({ length: 10 }, () => makeComment({ threadKey, status: 'pending' }));
      const replies = roots.map((r) => makeReply(r));
      for (const c of [...roots, ...replies]) await a.insertComment(c);
      const statusOf = new Map<string, Comment['status']>([...roots, ...replies].map((c) => [c.id, c.status]));
      const expected = () => {
        const visible = (c: Comment) => statusOf.get(c.id) === 'approved';
        const hides = (c: Comment) => ['pending', 'spam', 'rejected'].includes(statusOf.get(c.id)!);
        return roots.filter(visible).length + replies.filter((r, i) => visible(r) && !hides(roots[i]!)).length;
      };
      const moves: Comment['status'][] = ['approved', 'spam', 'approved', 'pending', 'approved', 'deleted', 'approved'];
      for (const [round, to] of moves.entries()) {
        // Every comment of one kind moves at once, half through each instance.
        const movers = round % 2 === 0 ? roots : [...roots, ...replies.slice(0, 5)];
        await Promise.all(movers.map((c, i) => (i % 2 === 0 ? a : b).updateComment(c.id, { status: to })));
        for (const c of movers) statusOf.set(c.id, to);
        const want = expected();
        expect({ round, a: (await a.countVisible([threadKey])).get(threadKey), b: (await b.countVisible([threadKey])).get(threadKey) }).toEqual({ round, a: want, b: want });
      }
    });

    it('counts every thread stored before counts were kept at the first open, once', async () => {
      const legacyUri = withDatabase(found.uri, `${dbName}_counts`);
      const first = await openMongoStorage({ uri: legacyUri });
      const threadKey = uniqueThreadKey('backfill');
      await first.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
      const root = makeComment({ threadKey });
      await first.insertComment(root);
      await first.insertComment(makeReply(root));
      await first.close();
      const conn = await mongoose.createConnection(legacyUri).asPromise();
      try {
        // As stored by a version that kept no counts.
        await conn.db!.collection('thread_counts').deleteMany({});
        const repairs: MongoRepairCounts[] = [];
        const logger = { info: (o: object) => void ('repaired' in o && repairs.push((o as { repaired: MongoRepairCounts }).repaired)), warn: () => undefined };
        const upgraded = await openMongoStorage({ uri: legacyUri, logger });
        expect(repairs[0]?.counted).toBe(1);
        expect((await upgraded.countVisible([threadKey])).get(threadKey)).toBe(2);
        expect(upgraded.repairedAtOpen?.threadKeys).toContain(threadKey);
        await upgraded.close();
        const again = await openMongoStorage({ uri: legacyUri, logger });
        expect(repairs[1]?.counted).toBe(0);
        await again.close();
      } finally {
        await conn.dropDatabase();
        await conn.close();
      }
    });
  });

  describe('mongo adapter: every crash point between two writes is repaired at the next open', () => {
    // A database of its own: these tests open a store again and again, each open running the repair pass, and on
    // FerretDB that took 16 s in the shared database (the contract's ~2,000 comments) against 6 s in an empty one.
    const uri = withDatabase(found.uri, `${dbName}_crash`);
    const opened: Storage[] = [];
    afterAll(async () => {
      for (const s of opened) await s.close().catch(() => undefined);
      const conn = await mongoose.createConnection(uri).asPromise();
      try {
        await conn.dropDatabase();
      } finally {
        await conn.close();
      }
    });

    /** A store whose `at` write is the last one it makes: the process "dies" right after it. */
    async function crashingAfter(at: MongoWriteStep): Promise<Storage> {
      const s = await openMongoStorage({
        uri,
        timeoutMs: SLOW_SERVER_MS,
        afterWrite: (step) => {
          if (step === at) throw new Error(`simulated crash after ${step}`);
        },
      });
      opened.push(s);
      return s;
    }

    /** The next start: a plain open runs the repair pass; its log line carries the counts. */
    async function restart(): Promise<{ storage: Storage; repaired: MongoRepairCounts }> {
      let repaired: MongoRepairCounts | undefined;
      const logger = {
        info: (o: object) => {
          if ('repaired' in o) repaired = (o as { repaired: MongoRepairCounts }).repaired;
        },
        warn: () => undefined,
      };
      const s = await openMongoStorage({ uri, logger, timeoutMs: SLOW_SERVER_MS });
      opened.push(s);
      if (!repaired) throw new Error('no repair log line');
      return { storage: s, repaired };
    }

    async function threadWithComment(label: string): Promise<Comment> {
      const s = await restart();
      const threadKey = uniqueThreadKey(label);
      await s.storage.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
      const c = makeComment({ threadKey, status: 'pending', author: { ...makeComment({ threadKey }).author, emailKey: testId('ek') } });
      await s.storage.insertComment(c);
      return c;
    }

    function auditFor(c: Comment, action: 'approve' | 'erase_author' = 'approve'): AuditEntry {
      return action === 'approve'
        ? { id: testId('a'), at: new Date(), actor: 'alice', action, commentId: c.id, threadKey: c.threadKey, from: 'pending', to: 'approved', reason: null }
        : { id: testId('a'), at: new Date(), actor: 'alice', action, commentId: null, threadKey: null, from: null, to: null, reason: 'delete' };
    }

    it.each(['comment-inserted', 'thread-touched'] as const)(
      'gives the thread its lastCommentAt after a crash after %s',
      async (at) => {
        const s = await crashingAfter(at);
        const threadKey = uniqueThreadKey('crash-thread');
        await s.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
        const c = makeComment({ threadKey, createdAt: new Date('2026-03-01T12:00:00.000Z') });
        await expect(s.insertComment(c, { duplicateSince: new Date('2026-02-28T12:00:00.000Z') })).rejects.toThrow('simulated crash');
        expect(await s.getComment(c.id)).toEqual(c);
        if (at === 'comment-inserted') expect((await s.getThread(threadKey))?.lastCommentAt).toBeNull();

        const { storage, repaired } = await restart();
        expect(repaired.threads).toBeGreaterThanOrEqual(1);
        expect((await storage.getThread(threadKey))?.lastCommentAt).toEqual(c.createdAt);
        // Repaired once: the marker is gone, so the next start finds nothing of this comment to do.
        expect((await restart()).repaired.threads).toBe(0);
      },
    );

    it.each(['decision-applied', 'audit-written'] as const)(
      'writes the audit entry of a decision exactly once after a crash after %s',
      async (at) => {
        const c = await threadWithComment('crash-audit');
        const s = await crashingAfter(at);
        const entry = auditFor(c);
        await expect(s.updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', audit: entry })).rejects.toThrow('simulated crash');
        expect((await s.getComment(c.id))?.status).toBe('approved');
        const before = (await s.listAudit({ commentId: c.id, cursor: null, limit: 10 })).entries;
        expect(before).toHaveLength(at === 'decision-applied' ? 0 : 1);

        const { storage, repaired } = await restart();
        expect(repaired.audits).toBeGreaterThanOrEqual(1);
        expect((await storage.listAudit({ commentId: c.id, cursor: null, limit: 10 })).entries).toEqual([entry]);
        expect((await restart()).repaired.audits).toBe(0);
      },
    );

    it('writes a decision and its audit entry together, and neither when the status moved meanwhile', async () => {
      const c = await threadWithComment('audit-ok');
      const { storage } = await restart();
      const entry = auditFor(c);
      expect((await storage.updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', audit: entry }))?.status).toBe('approved');
      const late = auditFor(c);
      expect(await storage.updateComment(c.id, { status: 'rejected' }, { ifStatus: 'pending', audit: late })).toBeUndefined();
      expect((await storage.listAudit({ commentId: c.id, cursor: null, limit: 10 })).entries).toEqual([entry]);
      expect((await restart()).repaired.audits).toBe(0);
    });

    it.each(['erase-recorded', 'erase-applied'] as const)('finishes an author erase and its audit entry after a crash after %s', async (at) => {
      const first = await threadWithComment('crash-erase');
      const { storage: setup } = await restart();
      const second = makeComment({ threadKey: first.threadKey, author: first.author, body: 'another one' });
      await setup.insertComment(second);
      const s = await crashingAfter(at);
      const entry = auditFor(first, 'erase_author');
      await expect(s.eraseAuthor({ emailKey: first.author.emailKey, mode: 'delete', audit: entry })).rejects.toThrow('simulated crash');
      expect(await s.listByAuthor(first.author.emailKey)).toHaveLength(at === 'erase-recorded' ? 2 : 0);

      const { storage, repaired } = await restart();
      expect(repaired.erasures).toBeGreaterThanOrEqual(1);
      expect(await storage.listByAuthor(first.author.emailKey)).toEqual([]);
      for (const c of [first, second]) {
        const after = await storage.getComment(c.id);
        expect({ status: after?.status, body: after?.body, email: after?.author.email }).toEqual({ status: 'deleted', body: '', email: '' });
      }
      const audits = (await storage.listAudit({ cursor: null, limit: 500 })).entries.filter((e) => e.id === entry.id);
      expect(audits).toEqual([{ ...entry, reason: 'delete: 2 comments' }]);
      expect((await restart()).repaired.erasures).toBe(0);
    });

    it.each(['decision-applied', 'audit-written'] as const)('finishes a ban and an unban with their audit entries after a crash after %s', async (at) => {
      const ban = { id: testId('b'), kind: 'email' as const, hash: testId('h'), prefix: null, reason: null, createdAt: new Date(), expiresAt: null, actor: 'alice' };
      const entry = (action: 'ban' | 'unban'): AuditEntry => ({ id: testId('a'), at: new Date(), actor: 'alice', action, commentId: null, threadKey: null, from: null, to: null, reason: null });
      const banned = entry('ban');
      await expect((await crashingAfter(at)).insertBan(ban, { audit: banned })).rejects.toThrow('simulated crash');
      const unbanned = entry('unban');
      const crashed = await crashingAfter(at);
      await expect(crashed.deleteBan(ban.id, { audit: unbanned })).rejects.toThrow('simulated crash');
      // Until the repair the ban holds: its removal is not done yet.
      expect((await crashed.findActiveBan({ hashes: [ban.hash], now: new Date() }))?.id).toBe(ban.id);
      const { storage } = await restart();
      expect(await storage.listBans()).not.toContainEqual(expect.objectContaining({ id: ban.id }));
      const logged = (await storage.listAudit({ cursor: null, limit: 500 })).entries.filter((e) => e.id === banned.id || e.id === unbanned.id);
      expect(logged.map((e) => e.action).sort()).toEqual(['ban', 'unban']);
    });

    it.each(['decision-applied', 'audit-written'] as const)('writes the audit entry of a thread lock once after a crash after %s', async (at) => {
      const key = uniqueThreadKey('crash-lock');
      const locked: AuditEntry = { id: testId('a'), at: new Date(), actor: 'alice', action: 'lock_thread', commentId: null, threadKey: key, from: null, to: null, reason: null };
      await expect((await crashingAfter(at)).setThreadLocked({ key, url: key, now: new Date() }, true, { audit: locked })).rejects.toThrow('simulated crash');
      const { storage, repaired } = await restart();
      expect(repaired.audits).toBeGreaterThanOrEqual(1);
      expect((await storage.getThread(key))?.locked).toBe(true);
      expect((await storage.listAudit({ cursor: null, limit: 500 })).entries.filter((e) => e.id === locked.id)).toEqual([locked]);
    });

    it.each(['comment-inserted', 'thread-touched', 'audit-written', 'count-written'] as const)(
      "finishes a moderator's reply, its audit entry, its thread and its count after a crash after %s",
      async (at) => {
        const root = await threadWithComment('crash-reply');
        await (await restart()).storage.updateComment(root.id, { status: 'approved' });
        const s = await crashingAfter(at);
        const reply = makeReply(root, { status: 'approved', createdAt: new Date(root.createdAt.getTime() + 1000), author: { name: 'alice', email: '', emailKey: '', website: null, avatar: 'a', moderator: true } });
        const entry: AuditEntry = { id: testId('a'), at: new Date(), actor: 'alice', action: 'reply', commentId: reply.id, threadKey: reply.threadKey, from: null, to: 'approved', reason: null };
        await expect(s.insertComment(reply, { audit: entry })).rejects.toThrow('simulated crash');

        const { storage, repaired } = await restart();
        expect(repaired.threads).toBeGreaterThanOrEqual(1);
        expect(storage.repairedAtOpen?.threadKeys).toContain(reply.threadKey);
        expect((await storage.listAudit({ commentId: reply.id, cursor: null, limit: 10 })).entries).toEqual([entry]);
        expect((await storage.getThread(reply.threadKey))?.lastCommentAt).toEqual(reply.createdAt);
        expect((await storage.countVisible([reply.threadKey])).get(reply.threadKey)).toBe(2);
        const next = await restart();
        expect([next.repaired.threads, next.repaired.audits]).toEqual([0, 0]);
      },
    );

    it.each(['decision-applied', 'audit-written'] as const)('recounts the thread of a decision after a crash after %s', async (at) => {
      const c = await threadWithComment('crash-count');
      const s = await crashingAfter(at);
      await expect(s.updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', audit: auditFor(c) })).rejects.toThrow('simulated crash');
      // The decision is stored, its count not yet.
      expect((await s.countVisible([c.threadKey])).get(c.threadKey)).toBe(0);
      const { storage } = await restart();
      expect((await storage.countVisible([c.threadKey])).get(c.threadKey)).toBe(1);
      expect(storage.repairedAtOpen?.threadKeys).toContain(c.threadKey);
    });

    it('answers a retried post whose first answer was lost with the original comment and edit token', async () => {
      let failNext = true;
      const storage = await openMongoStorage({
        uri,
        timeoutMs: SLOW_SERVER_MS,
        afterWrite: (step) => {
          // The comment is stored, then the connection drops before the author hears back.
          if (step === 'comment-inserted' && failNext) {
            failNext = false;
            throw new StorageUnavailableError();
          }
        },
      });
      const app = await createTestApp({}, storage);
      try {
        const url = `${uniqueThreadKey('retry')}?p=1`;
        const post = validComment({ url, body: 'Posted once, answered once.', idempotencyKey: 'retry-key-0123456789abcdef' });
        expect((await request(app.http).post('/api/v1/comments').send(post)).status).toBe(503);
        const retry = await request(app.http).post('/api/v1/comments').send(post);
        expect(retry.status).toBe(201);
        const page = await request(app.http).get('/api/v1/threads').query({ url });
        expect(page.body.comments.map((c: { id: string }) => c.id)).toEqual([retry.body.comment.id]);
        // Without the key a retry is a duplicate, as before.
        expect((await request(app.http).post('/api/v1/comments').send({ ...post, idempotencyKey: undefined })).status).toBe(409);
        const edited = await request(app.http)
          .patch(`/api/v1/comments/${retry.body.comment.id}`)
          .set('Authorization', `Bearer ${retry.body.editToken}`)
          .send({ body: 'Posted once, edited after the retry.' });
        expect(edited.status).toBe(200);
      } finally {
        await app.close();
      }
    });
  });
} else if (process.env.REQUIRE_MONGO === '1') {
  describe('mongo storage', () => {
    it('needs a MongoDB server (REQUIRE_MONGO=1)', () => {
      throw new Error(
        `REQUIRE_MONGO=1 but no MongoDB server is reachable (${found}). ` +
          'Set MONGODB_URI, e.g. MONGODB_URI=$(scripts/start-ferretdb.sh 27099 /tmp/ferret-dev | tail -n 1).',
      );
    });
  });
} else {
  const line = '!'.repeat(78);
  // Straight to stderr: Jest shows no console output of a skipped suite when it runs more than one file.
  process.stderr.write(
    `\n${line}\n!!  MongoDB storage suite SKIPPED: no MongoDB server.\n!!  ${found}\n` +
      '!!  To run it: MONGODB_URI=$(scripts/start-ferretdb.sh 27099 /tmp/ferret-dev | tail -n 1) npm test -- tests/storage/mongo.test.ts\n' +
      `!!  (.ci/run provides a server and sets REQUIRE_MONGO=1, where a missing server fails the build.)\n${line}\n`,
  );
  describe.skip('storage contract: mongo (SKIPPED: no MongoDB server, see the warning above)', () => {
    it('runs the storage contract against MongoDB', () => undefined);
  });
}
