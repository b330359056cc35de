/**
 * The public-read cache through the HTTP API: every writer's change is visible to the read right after the write,
 * conditional reads, the cache turned off, headers identical to the uncached path, two instances sharing one store
 * (invalidations through the local Redis), and entries living at most a second while Redis cannot be reached.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createClient } from 'redis';
import express from 'express';
import request from 'supertest';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { ARTICLE, BRIEF_REDIS_WAIT, createTestApp, TEST_SECRET, validComment, type TestApp } from '../support/test-app.js';
import { heldState, signModerationLink } from '../../src/notify/moderation-link.js';
import { ANONYMOUS_NAME } from '../../src/domain/moderation.js';

const TOKEN = `${'k'.repeat(20)}-moderator-token-0123456789`;
const ADMIN_ENV = { ADMIN_TOKEN: `alice:${TOKEN}` };
const REDIS_URL = 'redis://127.0.0.1:6379/14';

const apps: TestApp[] = [];
async function start(env: Record<string, string> = {}, deps: Parameters<typeof createTestApp>[2] = {}): Promise<TestApp> {
  const app = await createTestApp({ ...ADMIN_ENV, ...env }, undefined, deps);
  apps.push(app);
  return app;
}
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

let serial = 0;
async function post(app: TestApp, overrides: Record<string, unknown> = {}) {
  const res = await request(app.http)
    .post('/api/v1/comments')
    .send(validComment({ body: `Comment number ${++serial}.`, ...overrides }));
  expect(res.status).toBe(201);
  return res.body as { comment: { id: string }; editToken: string; status: string };
}

const admin = (app: TestApp) => ({
  post: (path: string, body: object = {}) => request(app.http).post(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  patch: (path: string, body: object) => request(app.http).patch(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  put: (path: string, body: object) => request(app.http).put(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
});

interface Seen {
  ids: string[];
  bodies: string;
  count: number;
  html: string;
}

/** What a reader sees through all three cached reads. */
async function seen(app: TestApp, url = ARTICLE): Promise<Seen> {
  const thread = await request(app.http).get('/api/v1/threads').query({ url });
  expect(thread.status).toBe(200);
  const counts = await request(app.http).get('/api/v1/counts').query({ url });
  expect(counts.status).toBe(200);
  const page = await request(app.http).get('/threads/html').query({ url });
  expect(page.status).toBe(200);
  const flat = (list: { id: string; html?: string; replies?: unknown[] }[]): { id: string; html?: string }[] =>
    list.flatMap((c) => [c, ...flat((c.replies ?? []) as typeof list)]);
  const all = flat(thread.body.comments as { id: string; html?: string }[]);
  return { ids: all.map((c) => c.id), bodies: all.map((c) => c.html ?? '').join('\n'), count: counts.body.counts[url] as number, html: page.text };
}

/** Reads twice and checks the second read was a cache hit: the write that follows must invalidate, or the test fails. */
async function primed(app: TestApp, url = ARTICLE): Promise<Seen> {
  await seen(app, url);
  const hits = app.cache!.stats().hits;
  const s = await seen(app, url);
  expect(app.cache!.stats().hits).toBe(hits + 3);
  return s;
}

describe('every writer invalidates what it changes', () => {
  it('post', async () => {
    const app = await start();
    expect((await primed(app)).ids).toEqual([]);
    const { comment } = await post(app, { body: 'Hello from the post test.' });
    const after = await seen(app);
    expect(after.ids).toEqual([comment.id]);
    expect(after.count).toBe(1);
    expect(after.html).toContain('Hello from the post test.');
  });

  it('a reply posted through the no-JavaScript form', async () => {
    const app = await start();
    const { comment } = await post(app);
    await primed(app);
    const form = validComment({ body: 'A reply by form.', parentId: comment.id });
    const res = await request(app.http).post('/threads/html').type('form').send(form as Record<string, string>);
    expect(res.status).toBe(303);
    const after = await seen(app);
    expect(after.count).toBe(2);
    expect(after.html).toContain('A reply by form.');
  });

  it('author edit', async () => {
    const app = await start();
    const { comment, editToken } = await post(app, { body: 'Before the edit.' });
    expect((await primed(app)).html).toContain('Before the edit.');
    const res = await request(app.http).patch(`/api/v1/comments/${comment.id}`).set('Authorization', `Bearer ${editToken}`).send({ body: 'After the edit.' });
    expect(res.status).toBe(200);
    const after = await seen(app);
    expect(after.bodies).toContain('After the edit.');
    expect(after.html).toContain('After the edit.');
    expect(after.html).not.toContain('Before the edit.');
  });

  it('author delete', async () => {
    const app = await start();
    const { comment, editToken } = await post(app);
    expect((await primed(app)).ids).toEqual([comment.id]);
    expect((await request(app.http).delete(`/api/v1/comments/${comment.id}`).set('Authorization', `Bearer ${editToken}`)).status).toBe(204);
    const after = await seen(app);
    expect(after.ids).toEqual([]);
    expect(after.count).toBe(0);
  });

  it('moderator approve', async () => {
    const app = await start({ MODERATION: 'all' });
    const { comment, status } = await post(app);
    expect(status).toBe('pending');
    expect((await primed(app)).ids).toEqual([]);
    expect((await admin(app).post(`/comments/${comment.id}/approve`)).status).toBe(200);
    const after = await seen(app);
    expect(after.ids).toEqual([comment.id]);
    expect(after.count).toBe(1);
  });

  it.each(['spam', 'delete', 'reject'])('moderator %s', async (action) => {
    const app = await start();
    const { comment } = await post(app);
    expect((await primed(app)).count).toBe(1);
    expect((await admin(app).post(`/comments/${comment.id}/${action}`)).status).toBe(200);
    const after = await seen(app);
    expect(after.ids).toEqual([]);
    expect(after.count).toBe(0);
  });

  it('moderator ham (not spam: published)', async () => {
    const app = await start();
    const { comment } = await post(app);
    expect((await admin(app).post(`/comments/${comment.id}/spam`)).status).toBe(200);
    expect((await primed(app)).count).toBe(0);
    expect((await admin(app).post(`/comments/${comment.id}/ham`)).status).toBe(200);
    const after = await seen(app);
    expect(after.ids).toEqual([comment.id]);
    expect(after.count).toBe(1);
  });

  it('moderator restore (a deleted comment back to the queue hides the reply under it)', async () => {
    const app = await start();
    const root = await post(app);
    const reply = await post(app, { parentId: root.comment.id });
    expect((await admin(app).post(`/comments/${root.comment.id}/delete`)).status).toBe(200);
    const before = await primed(app);
    expect(before.ids).toEqual([root.comment.id, reply.comment.id]);
    expect(before.count).toBe(1);
    expect((await admin(app).post(`/comments/${root.comment.id}/restore`)).status).toBe(200);
    const after = await seen(app);
    expect(after.ids).toEqual([]);
    expect(after.count).toBe(0);
  });

  it("a moderator's decision by mail link", async () => {
    const app = await start({ MODERATION: 'all' });
    const { comment } = await post(app);
    expect((await primed(app)).ids).toEqual([]);
    const stored = (await app.storage.getComment(comment.id))!;
    const token = signModerationLink(TEST_SECRET, { commentId: comment.id, action: 'approve', expiresAt: new Date(app.clock.now + 3_600_000), state: await heldState(app.storage, stored) });
    expect((await request(app.http).post(`/moderate/${token}`)).status).toBe(200);
    expect((await seen(app)).ids).toEqual([comment.id]);
  });

  it('erase an author, anonymizing', async () => {
    const app = await start();
    await post(app, { email: 'gone@example.org', name: 'Ada Vanishing' });
    expect((await primed(app)).html).toContain('Ada Vanishing');
    expect((await admin(app).post('/authors/erase', { email: 'gone@example.org', mode: 'anonymize' })).status).toBe(200);
    const after = await seen(app);
    expect(after.count).toBe(1);
    expect(after.html).not.toContain('Ada Vanishing');
    const thread = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    expect(thread.body.comments[0].author.name).toBe(ANONYMOUS_NAME);
  });

  it('moderator bulk action', async () => {
    const app = await start();
    const a = await post(app);
    const b = await post(app);
    expect((await primed(app)).count).toBe(2);
    expect((await admin(app).post('/comments/bulk', { ids: [a.comment.id, b.comment.id], action: 'spam' })).status).toBe(200);
    expect((await seen(app)).count).toBe(0);
  });

  it('moderator edit', async () => {
    const app = await start();
    const { comment } = await post(app, { body: 'Rude words here.' });
    expect((await primed(app)).html).toContain('Rude words here.');
    expect((await admin(app).patch(`/comments/${comment.id}`, { body: 'Kind words here.' })).status).toBe(200);
    const after = await seen(app);
    expect(after.bodies).toContain('Kind words here.');
    expect(after.html).not.toContain('Rude words here.');
  });

  it('lock (which records the thread and its article URL)', async () => {
    const app = await start();
    const byId = async () => (await request(app.http).get('/api/v1/threads').query({ threadId: 'story-42' })).body.thread.url as string | null;
    expect(await byId()).toBeNull();
    const hits = app.cache!.stats().hits;
    expect(await byId()).toBeNull();
    expect(app.cache!.stats().hits).toBe(hits + 1);
    const res = await admin(app).put(`/threads?threadId=story-42&url=${encodeURIComponent(ARTICLE)}`, { locked: true });
    expect(res.status).toBe(200);
    expect(await byId()).toBe(ARTICLE);
  });

  it('erase an author', async () => {
    const app = await start();
    await post(app, { email: 'gone@example.org' });
    const other = 'https://news.example.org/2026/06/another-story';
    await post(app, { email: 'gone@example.org', url: other });
    expect((await primed(app)).count).toBe(1);
    expect((await primed(app, other)).count).toBe(1);
    expect((await admin(app).post('/authors/erase', { email: 'gone@example.org', mode: 'delete' })).status).toBe(200);
    expect((await seen(app)).count).toBe(0);
    expect((await seen(app, other)).count).toBe(0);
  });

  describe('the re-check job', () => {
    let fake: FakeAkismet;
    beforeAll(async () => {
      fake = await startFakeAkismet();
    });
    afterAll(async () => {
      await fake.close();
    });

    it('publishes a held comment and the next read shows it', async () => {
      fake.setMode('error500', 'comment-check');
      const app = await start({ AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: fake.url, AKISMET_TIMEOUT_MS: '300', AKISMET_TEST: '1' });
      const { comment, status } = await post(app);
      expect(status).toBe('pending');
      expect((await primed(app)).ids).toEqual([]);
      fake.setMode('normal');
      app.clock.advance(61_000);
      expect(await app.jobs.recheck.runOnce()).toMatchObject({ approved: 1 });
      expect((await seen(app)).ids).toEqual([comment.id]);
    });
  });
});

describe('conditional reads', () => {
  it('answers a matching If-None-Match with 304, and a stale one with the new page', async () => {
    const app = await start();
    await post(app);
    const first = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const again = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('If-None-Match', etag);
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const weakForm = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('If-None-Match', `"nope", W/${etag}`);
    expect(weakForm.status).toBe(304);
    await post(app);
    const changed = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('If-None-Match', etag);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect(changed.body.comments).toHaveLength(2);
  });

  it('answers counts conditionally too', async () => {
    const app = await start();
    const first = await request(app.http).get('/api/v1/counts').query({ url: ARTICLE });
    const again = await request(app.http).get('/api/v1/counts').query({ url: ARTICLE }).set('If-None-Match', first.headers.etag as string);
    expect(again.status).toBe(304);
  });

  it('gives every reader of the no-JavaScript page a fresh form token, and no 304', async () => {
    const app = await start();
    await post(app);
    const token = (html: string) => /name="formToken" value="([^"]+)"/.exec(html)?.[1];
    const a = await request(app.http).get('/threads/html').query({ url: ARTICLE });
    app.clock.advance(5000);
    const b = await request(app.http).get('/threads/html').query({ url: ARTICLE }).set('If-None-Match', a.headers.etag ?? '"x"');
    expect(b.status).toBe(200);
    expect(app.cache!.stats().hits).toBeGreaterThan(0);
    expect(token(a.text)).toMatch(/^v1\./);
    expect(token(b.text)).toMatch(/^v1\./);
    expect(token(a.text)).not.toBe(token(b.text));
    // The token spliced into the cached bytes is one the form accepts.
    const form = validComment({ body: 'Posted with the spliced token.', formToken: token(b.text) });
    app.clock.advance(5000);
    const res = await request(app.http).post('/threads/html').type('form').send(form as Record<string, string>);
    expect(res.status).toBe(303);
    expect(res.headers.location).toContain('posted=approved');
  });
});

describe('metrics', () => {
  it('reports hits, misses and bytes on /metrics', async () => {
    const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
    const app = await start({ METRICS_TOKEN });
    await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    const res = await request(app.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.text).toMatch(/^parley_read_cache_hits_total 1$/m);
    expect(res.text).toMatch(/^parley_read_cache_misses_total 1$/m);
    expect(res.text).toMatch(/^parley_read_cache_bytes [1-9]\d*$/m);
    expect(res.text).toMatch(/^parley_read_cache_entries 1$/m);
  });
});

describe('CACHE_MAX_MB=0', () => {
  it('turns the cache off and reads still show every write', async () => {
    const app = await start({ CACHE_MAX_MB: '0' });
    expect(app.cache).toBeNull();
    expect((await seen(app)).ids).toEqual([]);
    const { comment } = await post(app);
    expect((await seen(app)).ids).toEqual([comment.id]);
    const res = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    // Express's own weak ETag: the cache's strong one is not there.
    expect(res.headers.etag).toMatch(/^W\//);
  });

  it('loads every read of a URL it has seen below Express, fresh after each write, with the headers and ETag Express gives', async () => {
    const app = await start({ CACHE_MAX_MB: '0' });
    const get = (via: 'http' | 'express', h: Record<string, string> = {}) =>
      request(app[via]).get('/api/v1/threads').query({ url: ARTICLE }).set({ 'X-Request-Id': 'fixed-id', ...h });
    await get('http');
    const spy = jest.spyOn(app.express as unknown as { handle: (...a: unknown[]) => void }, 'handle');
    const { comment } = await post(app, { body: 'Seen without a cache.' });
    const fast = await get('http');
    const again = await get('http');
    // Only the post went through Express.
    expect(spy).toHaveBeenCalledTimes(1);
    expect(fast.body.comments.map((c: { id: string }) => c.id)).toEqual([comment.id]);
    expect(again.text).toBe(fast.text);
    const slow = await get('express');
    expect(spy).toHaveBeenCalledTimes(2);
    const rawOf = (res: unknown) => {
      const lines = (res as { res: { rawHeaders: string[] } }).res.rawHeaders;
      return lines.map((v, i) => (i % 2 === 1 && lines[i - 1] === 'Date' ? 'date' : i % 2 === 1 && lines[i - 1] === 'RateLimit' ? v.replace(/r=\d+; t=\d+/, 'r=N') : v));
    };
    expect(rawOf(fast)).toEqual(rawOf(slow));
    expect(fast.text).toBe(slow.text);
    // The ETag is the one Express's res.json gives these bytes, and a 304 answers it.
    const plain = express().get('/', (_req, res) => {
      res.json(JSON.parse(fast.text));
    });
    expect(fast.headers.etag).toBe((await request(plain).get('/')).headers.etag);
    const notModified = await get('http', { 'If-None-Match': fast.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(app.cache).toBeNull();
  });
});

describe('headers', () => {
  const ORIGIN = 'https://news.example.org';
  const volatile = new Set(['date', 'etag', 'x-request-id', 'content-length', 'ratelimit', 'connection', 'keep-alive']);
  const stable = (h: Record<string, unknown>) => Object.fromEntries(Object.entries(h).filter(([k]) => !volatile.has(k)));

  it.each([
    ['thread', '/api/v1/threads', { url: ARTICLE }],
    ['counts', '/api/v1/counts', { url: ARTICLE }],
    ['no-JavaScript page', '/threads/html', { url: ARTICLE }],
  ])('are the same from the cache as without it (%s)', async (_label, path, query) => {
    const env = { ALLOWED_ORIGINS: ORIGIN };
    const cached = await start(env);
    const plain = await start({ ...env, CACHE_MAX_MB: '0' });
    await post(cached);
    await post(plain);
    const get = (app: TestApp) => request(app.http).get(path).query(query).set('Origin', ORIGIN);
    const reference = await get(plain);
    const miss = await get(cached);
    const hits = cached.cache!.stats().hits;
    const hit = await get(cached);
    expect(cached.cache!.stats().hits).toBe(hits + 1);
    expect(reference.status).toBe(200);
    for (const res of [miss, hit]) {
      expect(res.status).toBe(200);
      expect(stable(res.headers)).toEqual(stable(reference.headers));
      expect(Object.keys(res.headers).sort()).toEqual(Object.keys(reference.headers).filter((k) => path !== '/threads/html' || k !== 'etag').sort());
    }
    if (path.startsWith('/api/')) expect(reference.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(reference.headers['content-security-policy']).toBeDefined();
    expect(reference.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keeps errors identical: a bad request is answered by the normal handler', async () => {
    const cached = await start();
    const plain = await start({ CACHE_MAX_MB: '0' });
    for (const query of [{}, { url: 'not a url' }, { url: ARTICLE, cursor: '!!bad' }, { url: ARTICLE, limit: '0' }]) {
      const a = await request(cached.http).get('/api/v1/threads').query(query);
      const b = await request(plain.http).get('/api/v1/threads').query(query);
      expect(a.status).toBe(b.status);
      expect(a.status).toBeGreaterThanOrEqual(400);
      expect(a.status).toBeLessThan(500);
      expect({ ...a.body, error: { ...a.body.error, requestId: 'x' } }).toEqual({ ...b.body, error: { ...b.body.error, requestId: 'x' } });
    }
    const page = await request(cached.http).get('/threads/html').query({ url: 'nope' });
    expect(page.status).toBe(400);
    const counts = await request(cached.http).get('/api/v1/counts').query({ url: 'nope' });
    expect(counts.status).toBe(400);
  });
});

async function probeRedis(): Promise<string | null> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    await client.close();
    return null;
  } catch (err) {
    if (client.isOpen) client.destroy();
    return err instanceof Error ? err.message : String(err);
  }
}

async function until(what: () => Promise<boolean>, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i += 1) {
    if (await what()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

const redisProblem = await probeRedis();
if (redisProblem !== null) {
  console.warn(`SKIPPED: the read cache's Redis broadcast tests need Redis at ${REDIS_URL} (${redisProblem})`);
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`Redis required: ${redisProblem}`);
}
const withRedis = redisProblem === null ? describe : describe.skip;

withRedis('several instances', () => {
  it('instance B serves the change written through instance A', async () => {
    const a = await start({ REDIS_URL });
    // With Redis, B does not watch the shared file's version (cache/external-writes.ts): only the broadcast tells it.
    const b = await start({ REDIS_URL, DATA_DIR: a.dataDir });
    await until(async () => a.cache!.synced() && b.cache!.synced());
    // A thread of its own: another run's invalidation of a shared URL on this database would also make B drop it.
    const url = `https://news.example.org/broadcast-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    await post(a, { body: 'Written through A.', url });
    expect((await primed(b, url)).count).toBe(1);
    const { comment } = await post(a, { body: 'Second, through A.', url });
    // B's clock stands still, so only the broadcast can make B drop its entry.
    await until(async () => (await seen(b, url)).ids.includes(comment.id));
    expect((await seen(b, url)).html).toContain('Second, through A.');
  });

  it('counts fast-path hits in the read limit shared through Redis', async () => {
    const env = { REDIS_URL, TRUST_PROXY: '1', RATE_LIMIT_READS_PER_MINUTE: '3' };
    const a = await start(env);
    const b = await start({ ...env, DATA_DIR: a.dataDir });
    // Getting in sync drops the cache once: prime after it.
    await until(async () => a.cache!.synced() && b.cache!.synced());
    // A fresh address per run: the Redis window outlives a quick re-run.
    const ip = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
    // And a thread of its own: Redis pub/sub channels span databases, so other runs' invalidations of ARTICLE arrive.
    const url = `https://news.example.org/rate-limit-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const read = (app: TestApp) => request(app.http).get('/api/v1/counts').query({ url }).set('X-Forwarded-For', ip);
    const primer = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
    expect((await request(a.http).get('/api/v1/counts').query({ url }).set('X-Forwarded-For', primer)).status).toBe(200);
    expect((await request(b.http).get('/api/v1/counts').query({ url }).set('X-Forwarded-For', primer)).status).toBe(200);
    const spyA = jest.spyOn(a.express as unknown as { handle: (...x: unknown[]) => void }, 'handle');
    const spyB = jest.spyOn(b.express as unknown as { handle: (...x: unknown[]) => void }, 'handle');
    const got = [await read(a), await read(b), await read(a)];
    expect(got.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(got.map((r) => /r=(\d+)/.exec(r.headers.ratelimit ?? '')?.[1])).toEqual(['2', '1', '0']);
    expect(spyA).not.toHaveBeenCalled();
    expect(spyB).not.toHaveBeenCalled();
    expect((await read(b)).status).toBe(429);
  });
});

describe('Redis unreachable', () => {
  it('serves hits while the rate-limit store is down (reads fail open), without RateLimit headers', async () => {
    const app = await start({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_READS_PER_MINUTE: '1' }, BRIEF_REDIS_WAIT);
    await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    const spy = jest.spyOn(app.express as unknown as { handle: (...x: unknown[]) => void }, 'handle');
    for (let i = 0; i < 3; i += 1) {
      const res = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
      expect(res.status).toBe(200);
      expect(res.headers.ratelimit).toBeUndefined();
    }
    expect(spy).not.toHaveBeenCalled();
  });

  it('serves entries at most a second, then reads the store again', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    const a = await start(env, BRIEF_REDIS_WAIT);
    const b = await start({ ...env, DATA_DIR: a.dataDir }, BRIEF_REDIS_WAIT);
    expect(b.cache!.synced()).toBe(false);
    expect((await primed(b)).count).toBe(0);
    await post(a);
    // Inside the second, B may serve what it had; once its clock passes the second, it cannot.
    b.clock.advance(999);
    expect((await seen(b)).count).toBe(0);
    b.clock.advance(1);
    expect((await seen(b)).count).toBe(1);
  });
});

describe('the front door (hits answered below Express)', () => {
  const ORIGIN = 'https://news.example.org';
  const ID = 'fixed-request-id-1';
  type Res = { status: number; text: string; headers: Record<string, string>; rawHeaders?: string[] } & Record<string, unknown>;
  /** Raw header lines in order, with the two values that differ per request by design made comparable. */
  const raw = (res: Res) => {
    const lines = (res as unknown as { res: { rawHeaders: string[] } }).res.rawHeaders;
    const out: string[] = [];
    for (let i = 0; i < lines.length; i += 2) {
      const name = lines[i]!;
      const value = lines[i + 1]!;
      out.push(`${name}: ${name === 'Date' ? 'date' : name === 'RateLimit' ? value.replace(/r=\d+; t=\d+/, 'r=N; t=N') : value}`);
    }
    return out;
  };
  /** Spies on the Express app: a call means the front door passed the request on. */
  const passedOn = (app: TestApp) => jest.spyOn(app.express as unknown as { handle: (...a: unknown[]) => void }, 'handle');

  it.each([
    ['thread', '/api/v1/threads', { Origin: ORIGIN }],
    ['thread, no Origin', '/api/v1/threads', {}],
    ['counts', '/api/v1/counts', { Origin: ORIGIN }],
  ])('sends byte for byte what Express sends for a hit: 200, 304 and HEAD (%s)', async (_label, path, headers) => {
    const app = await start({ ALLOWED_ORIGINS: ORIGIN });
    await post(app);
    const get = (h: object, via: 'http' | 'express', method: 'get' | 'head' = 'get') =>
      request(app[via])[method](path).query({ url: ARTICLE }).set({ ...headers, 'X-Request-Id': ID, ...h }) as unknown as Promise<Res>;
    await get({}, 'http');
    const spy = passedOn(app);
    const hits = app.cache!.stats().hits;
    const fast = await get({}, 'http');
    expect(spy).not.toHaveBeenCalled();
    expect(app.cache!.stats().hits).toBe(hits + 1);
    const slow = await get({}, 'express');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(fast.status).toBe(200);
    expect(raw(fast)).toEqual(raw(slow));
    expect(fast.text).toBe(slow.text);
    expect(fast.headers['x-request-id']).toBe(ID);
    expect(fast.headers.ratelimit).toMatch(/^"read"; r=\d+; t=\d+$/);
    if ('Origin' in headers) expect(fast.headers['access-control-allow-origin']).toBe(ORIGIN);

    const etag = fast.headers.etag!;
    const fast304 = await get({ 'If-None-Match': etag }, 'http');
    const slow304 = await get({ 'If-None-Match': etag }, 'express');
    expect([fast304.status, slow304.status]).toEqual([304, 304]);
    expect(raw(fast304)).toEqual(raw(slow304));

    const fastHead = await get({}, 'http', 'head');
    const slowHead = await get({}, 'express', 'head');
    expect([fastHead.status, slowHead.status]).toEqual([200, 200]);
    expect(raw(fastHead)).toEqual(raw(slowHead));
    expect(spy).toHaveBeenCalledTimes(3);

    // The access log has the hit's line, with the same fields and no address.
    const lines = app.logText().split('\n').filter((l) => l.includes(`"requestId":"${ID}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(Object.keys(line).sort()).toEqual(['level', 'method', 'ms', 'msg', 'requestId', 'route', 'service', 'status', 'time']);
    expect(lines.map((l) => l.route)).toEqual(Array(7).fill(path));
    expect(lines.map((l) => l.status)).toEqual([200, 200, 200, 304, 304, 200, 200]);
    expect(app.logText()).not.toContain('127.0.0.1');
  });

  it.each([
    ['thread', '/api/v1/threads', 'Written between two reads.'],
    ['counts', '/api/v1/counts', `"${ARTICLE}":1`],
  ])('loads a miss itself once the URL has loaded before: fresh after a write, with the headers Express sends (%s)', async (_label, path, fresh) => {
    const app = await start({ ALLOWED_ORIGINS: ORIGIN });
    const get = (via: 'http' | 'express') =>
      request(app[via]).get(path).query({ url: ARTICLE }).set({ Origin: ORIGIN, 'X-Request-Id': ID }) as unknown as Promise<Res>;
    await get('http');
    const spy = passedOn(app);
    await post(app, { body: 'Written between two reads.' });
    expect(spy).toHaveBeenCalledTimes(1);
    const misses = app.cache!.stats().misses;
    const fast = await get('http');
    // The post was Express's; the read after it was a miss, loaded and answered without it.
    expect(spy).toHaveBeenCalledTimes(1);
    expect(app.cache!.stats().misses).toBe(misses + 1);
    expect(fast.status).toBe(200);
    expect(fast.text).toContain(fresh);
    const slow = await get('express');
    expect(raw(fast)).toEqual(raw(slow));
    expect(fast.text).toBe(slow.text);
    const lines = app.logText().split('\n').filter((l) => l.includes(`"requestId":"${ID}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.route, l.status])).toEqual([[path, 200], [path, 200], [path, 200]]);
  });

  it('leaves input the use case refused to Express every time, counted once in the read limit', async () => {
    const app = await start({ RATE_LIMIT_READS_PER_MINUTE: '10' });
    const bad = () => request(app.http).get('/api/v1/threads').query({ url: ARTICLE, cursor: 'bm90IGEgY3Vyc29y' });
    const spy = passedOn(app);
    const answers = [await bad(), await bad(), await bad()];
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400]);
    expect(answers.map((r) => r.body.error.code)).toEqual(['validation_failed', 'validation_failed', 'validation_failed']);
    expect(answers.map((r) => /r=(\d+)/.exec(r.headers.ratelimit ?? '')?.[1])).toEqual(['9', '8', '7']);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it('counts a read whose load failed below Express once, and lets Express answer it', async () => {
    const storage = openSqliteStorage({ dataDir: ':memory:' });
    // Spied before the app takes the store (it keeps the methods it was given); passes through until told to fail.
    const original = storage.listThreadPublic.bind(storage);
    const fail = jest.spyOn(storage, 'listThreadPublic');
    const app = await createTestApp({ ...ADMIN_ENV, RATE_LIMIT_READS_PER_MINUTE: '10' }, storage);
    apps.push(app);
    const read = () => request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    expect((await read()).status).toBe(200);
    await post(app);
    // The thread loaded before, so its next miss is loaded below Express; the store fails that load and Express's.
    fail.mockClear().mockRejectedValue(new Error('the disk went away'));
    const spy = passedOn(app);
    const failed = await read();
    expect(fail).toHaveBeenCalled();
    expect(spy).toHaveBeenCalledTimes(1);
    expect(failed.status).toBe(500);
    expect(failed.body.error.code).toBe('internal_error');
    fail.mockImplementation(original);
    await post(app);
    const again = await read();
    expect(again.status).toBe(200);
    // 10, less the first read, the failed one and this one: each counted once.
    expect(/r=(\d+)/.exec(again.headers.ratelimit ?? '')?.[1]).toBe('7');
  });

  it('answers the no-JavaScript page too: the bytes and headers Express sends, with a fresh form token each time', async () => {
    const app = await start();
    await post(app, { body: 'Seen on the plain page.' });
    const get = (via: 'http' | 'express', query: Record<string, string> = { url: ARTICLE }) =>
      request(app[via]).get('/threads/html').query(query).set('X-Request-Id', ID) as unknown as Promise<Res>;
    await get('http');
    const spy = passedOn(app);
    const hits = app.cache!.stats().hits;
    const fast = await get('http');
    expect(spy).not.toHaveBeenCalled();
    expect(app.cache!.stats().hits).toBe(hits + 1);
    const slow = await get('express');
    expect(fast.status).toBe(200);
    expect(fast.text).toContain('Seen on the plain page.');
    expect(raw(fast)).toEqual(raw(slow));
    expect(fast.text).toBe(slow.text);
    expect(fast.headers['cache-control']).toBe('no-store');
    expect(fast.headers.etag).toBeUndefined();
    expect(fast.headers.ratelimit).toMatch(/^"read"; r=\d+; t=\d+$/);

    // The token is issued per request, not cached: a later page carries a later token, and it posts.
    const tokenOf = (html: string) => /name="formToken" value="([^"]+)"/.exec(html)?.[1];
    const first = tokenOf(fast.text);
    app.clock.advance(5_000);
    const later = await get('http');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(tokenOf(later.text)).toBeDefined();
    expect(tokenOf(later.text)).not.toBe(first);
    app.clock.advance(5_000);
    const posted = await request(app.http)
      .post('/api/v1/comments')
      .send(validComment({ body: 'Posted with the plain page token.', formToken: tokenOf(later.text) }));
    expect(posted.status).toBe(201);
    expect(posted.body.status).toBe('approved');
    // The post invalidated the page: the next view shows it (loaded again, then a hit).
    expect((await get('http')).text).toContain('Posted with the plain page token.');

    // Personal views (a reply link) and unknown input still go to the page handler.
    await get('http', { url: ARTICLE, replyto: 'x' });
    await get('http', { url: 'not a url' });
    // The Express view, the post, the miss after it, the reply link and the bad URL.
    expect(spy).toHaveBeenCalledTimes(5);
    const lines = app.logText().split('\n').filter((l) => l.includes(`"requestId":"${ID}"`)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.route).slice(0, 3)).toEqual(['/threads/html', '/threads/html', '/threads/html']);
  });

  it('passes refused origins and unknown input to Express, which answers as before', async () => {
    const app = await start({ ALLOWED_ORIGINS: ORIGIN });
    await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    const spy = passedOn(app);
    const refused = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('Origin', 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('origin_not_allowed');
    const crossSite = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('Sec-Fetch-Site', 'cross-site');
    expect(crossSite.status).toBe(403);
    expect((await request(app.http).get('/api/v1/threads').query({ url: 'not a url' })).status).toBe(400);
    expect((await request(app.http).post('/api/v1/threads').query({ url: ARTICLE })).status).toBe(404);
    expect(spy).toHaveBeenCalledTimes(4);
  });

  it('counts hits in the read limit shared with Express, per client address, and lets Express send the 429', async () => {
    const app = await start({ RATE_LIMIT_READS_PER_MINUTE: '4', TRUST_PROXY: '1' });
    const read = (ip: string, via: 'http' | 'express' = 'http') =>
      request(app[via]).get('/api/v1/threads').query({ url: ARTICLE }).set('X-Forwarded-For', `198.51.100.9, ${ip}`);
    const spy = passedOn(app);
    const seenBy = [await read('203.0.113.1'), await read('203.0.113.1'), await read('203.0.113.1', 'express'), await read('203.0.113.1')];
    expect(seenBy.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(seenBy.map((r) => /r=(\d+)/.exec(r.headers.ratelimit ?? '')?.[1])).toEqual(['3', '2', '1', '0']);
    expect(spy).toHaveBeenCalledTimes(2);
    const limited = await read('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    // Another client (the address the one trusted proxy saw) has its own budget, on the fast path.
    const other = await read('203.0.113.2');
    expect(other.status).toBe(200);
    expect(other.headers.ratelimit).toMatch(/r=3;/);
    expect(spy).toHaveBeenCalledTimes(3);
  });
});

describe('Cache-Control for shared caches', () => {
  const CDN = 'public, max-age=0, s-maxage=10';

  it.each([
    ['cached', {}],
    ['uncached', { CACHE_MAX_MB: '0' }],
  ])('lets a CDN keep thread pages and counts for CACHE_SHARED_MAX_AGE seconds (%s)', async (_label, env) => {
    const app = await start(env);
    for (let i = 0; i < 2; i += 1) {
      expect((await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).headers['cache-control']).toBe(CDN);
      expect((await request(app.http).get('/api/v1/counts').query({ url: ARTICLE })).headers['cache-control']).toBe(CDN);
    }
    // Personal or per-request answers stay out of shared caches.
    expect((await request(app.http).get('/api/v1/form-token').query({ url: ARTICLE })).headers['cache-control']).toBe('no-store');
    expect((await request(app.http).get('/threads/html').query({ url: ARTICLE })).headers['cache-control']).not.toMatch(/public|s-maxage/);
    expect((await request(app.http).get('/api/v1/threads').query({ url: 'nope' })).headers['cache-control'] ?? '').not.toMatch(/public|s-maxage/);
  });

  it('sends no-cache with CACHE_SHARED_MAX_AGE=0, and takes a number of seconds', async () => {
    const off = await start({ CACHE_SHARED_MAX_AGE: '0' });
    const thirty = await start({ CACHE_SHARED_MAX_AGE: '30' });
    for (let i = 0; i < 2; i += 1) {
      expect((await request(off.http).get('/api/v1/threads').query({ url: ARTICLE })).headers['cache-control']).toBe('no-cache');
      expect((await request(thirty.http).get('/api/v1/counts').query({ url: ARTICLE })).headers['cache-control']).toBe(
        'public, max-age=0, s-maxage=30',
      );
    }
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ DATA_DIR: '/tmp/x', SECRET: 's'.repeat(32), CACHE_SHARED_MAX_AGE: '301' })).toThrow(/CACHE_SHARED_MAX_AGE/);
  });

  it.each([
    ['cached', {}],
    ['uncached', { CACHE_MAX_MB: '0' }],
  ])('gives CDNs, and only CDNs, stale-while-revalidate (%s)', async (_label, env) => {
    const app = await start(env);
    const cdn = 'max-age=10, stale-while-revalidate=30';
    for (let i = 0; i < 2; i += 1) {
      for (const path of ['/api/v1/threads', '/api/v1/counts']) {
        const res = await request(app.http).get(path).query({ url: ARTICLE });
        expect(res.status).toBe(200);
        // Browsers read Cache-Control only: no stale window there, so a reader's reload after a post is fresh.
        expect(res.headers['cache-control']).toBe(CDN);
        expect(res.headers['cdn-cache-control']).toBe(cdn);
        expect(res.headers['surrogate-control']).toBe(cdn);
      }
    }
    const etag = (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).headers.etag as string;
    const notModified = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('If-None-Match', etag);
    expect(notModified.status).toBe(304);
    expect(notModified.headers['cdn-cache-control']).toBe(cdn);
    // Personal, per-request and refused answers carry none.
    for (const res of [
      await request(app.http).get('/api/v1/form-token').query({ url: ARTICLE }),
      await request(app.http).get('/threads/html').query({ url: ARTICLE }),
      await request(app.http).get('/api/v1/threads').query({ url: 'nope' }),
    ]) {
      expect(res.headers['cdn-cache-control']).toBeUndefined();
      expect(res.headers['surrogate-control']).toBeUndefined();
    }
  });

  it('sends no CDN stale window with CACHE_CDN_STALE_SECONDS=0 or CACHE_SHARED_MAX_AGE=0, and takes a number of seconds', async () => {
    const none = await start({ CACHE_CDN_STALE_SECONDS: '0' });
    const off = await start({ CACHE_SHARED_MAX_AGE: '0' });
    const long = await start({ CACHE_CDN_STALE_SECONDS: '600', CACHE_SHARED_MAX_AGE: '5' });
    for (let i = 0; i < 2; i += 1) {
      const plain = await request(none.http).get('/api/v1/threads').query({ url: ARTICLE });
      expect(plain.headers['cache-control']).toBe(CDN);
      expect(plain.headers['cdn-cache-control']).toBeUndefined();
      expect(plain.headers['surrogate-control']).toBeUndefined();
      const noCache = await request(off.http).get('/api/v1/counts').query({ url: ARTICLE });
      expect(noCache.headers['cache-control']).toBe('no-cache');
      expect(noCache.headers['cdn-cache-control']).toBeUndefined();
      expect((await request(long.http).get('/api/v1/counts').query({ url: ARTICLE })).headers['cdn-cache-control']).toBe('max-age=5, stale-while-revalidate=600');
    }
    const { loadConfig } = await import('../../src/config.js');
    expect(() => loadConfig({ DATA_DIR: '/tmp/x', SECRET: 's'.repeat(32), CACHE_CDN_STALE_SECONDS: '3601' })).toThrow(/CACHE_CDN_STALE_SECONDS/);
  });
});

describe('CACHE_MAX_MB', () => {
  it('accepts 0 to 4096 and refuses anything else', async () => {
    const { loadConfig } = await import('../../src/config.js');
    const base = { DATA_DIR: '/tmp/x', SECRET: 's'.repeat(32) };
    expect(loadConfig(base).cacheMaxBytes).toBe(64 * 1024 * 1024);
    expect(loadConfig({ ...base, CACHE_MAX_MB: '0' }).cacheMaxBytes).toBe(0);
    expect(loadConfig({ ...base, CACHE_MAX_MB: '4096' }).cacheMaxBytes).toBe(4096 * 1024 * 1024);
    expect(() => loadConfig({ ...base, CACHE_MAX_MB: '4097' })).toThrow(/CACHE_MAX_MB/);
    expect(() => loadConfig({ ...base, CACHE_MAX_MB: '-1' })).toThrow(/CACHE_MAX_MB/);
  });
});
