/**
 * A post whose answer is lost (the comment is stored, then the connection drops) and that the author sends again.
 * The store is the real SQLite adapter behind a fault-injecting decorator: its first insert succeeds, then fails.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { StorageUnavailableError } from '../../src/domain/errors.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';

function answerLostOnFirstInsert(storage: Storage): Storage {
  let lost = false;
  return new Proxy(storage, {
    get(target, prop, receiver) {
      if (prop !== 'insertComment') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Storage['insertComment']>) => {
        await target.insertComment(...args);
        if (!lost) {
          lost = true;
          throw new StorageUnavailableError();
        }
      };
    },
  });
}

describe('retrying a post whose answer was lost', () => {
  let app: TestApp;
  afterEach(async () => {
    await app.close();
  });

  it('returns the original comment and a working edit token to a retry with the same idempotency key', async () => {
    app = await createTestApp({}, answerLostOnFirstInsert(openSqliteStorage({ dataDir: ':memory:' })));
    const post = validComment({ body: 'Sent twice, stored once.', idempotencyKey: 'k-0123456789abcdef-retry' });
    // A reader's page cached before the post, which the lost attempt did not get to refresh: the retry does.
    expect((await request(app.http).get('/api/v1/threads').query({ url: post.url })).body.comments).toEqual([]);
    expect((await request(app.http).post('/api/v1/comments').send(post)).status).toBe(503);
    const retry = await request(app.http).post('/api/v1/comments').send(post);
    expect(retry.status).toBe(201);
    const again = await request(app.http).post('/api/v1/comments').send(post);
    expect(again.body.comment.id).toBe(retry.body.comment.id);
    expect(again.body.editToken).toBe(retry.body.editToken);
    const thread = await request(app.http).get('/api/v1/threads').query({ url: post.url });
    expect(thread.body.comments.map((c: { id: string }) => c.id)).toEqual([retry.body.comment.id]);
    const edit = await request(app.http)
      .patch(`/api/v1/comments/${retry.body.comment.id}`)
      .set('Authorization', `Bearer ${retry.body.editToken}`)
      .send({ body: 'Sent twice, stored once, edited.' });
    expect(edit.status).toBe(200);
  });

  it('answers a retry without the key, or with another key, 409 duplicate_comment', async () => {
    app = await createTestApp({}, answerLostOnFirstInsert(openSqliteStorage({ dataDir: ':memory:' })));
    const post = validComment({ body: 'Sent twice without a key.', idempotencyKey: 'k-0123456789abcdef-first' });
    expect((await request(app.http).post('/api/v1/comments').send(post)).status).toBe(503);
    for (const retry of [{ ...post, idempotencyKey: undefined }, { ...post, idempotencyKey: 'k-0123456789abcdef-other' }]) {
      const res = await request(app.http).post('/api/v1/comments').send(retry);
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 409, code: 'duplicate_comment' });
    }
  });

  it('answers 409 to a late retry of a comment its author has deleted since, instead of returning it', async () => {
    app = await createTestApp({}, answerLostOnFirstInsert(openSqliteStorage({ dataDir: ':memory:' })));
    const post = validComment({ body: 'Sent, deleted, then retried.', idempotencyKey: 'k-0123456789abcdef-late' });
    expect((await request(app.http).post('/api/v1/comments').send(post)).status).toBe(503);
    const retry = await request(app.http).post('/api/v1/comments').send(post);
    expect(retry.status).toBe(201);
    const del = await request(app.http).delete(`/api/v1/comments/${retry.body.comment.id}`).set('Authorization', `Bearer ${retry.body.editToken}`);
    expect(del.status).toBe(204);
    const late = await request(app.http).post('/api/v1/comments').send(post);
    expect({ status: late.status, code: late.body.error?.code }).toEqual({ status: 409, code: 'duplicate_comment' });
  });

  it('drops the cached page when a moderator decision applied but its answer was lost', async () => {
    const TOKEN = 'post-retry-moderator-token-0123456789';
    const storage = openSqliteStorage({ dataDir: ':memory:' });
    const lossy = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop !== 'updateComment') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<Storage['updateComment']>) => {
          const updated = await target.updateComment(...args);
          if (args[1].status === 'rejected') throw new StorageUnavailableError();
          return updated;
        };
      },
    });
    app = await createTestApp({ ADMIN_TOKEN: `alice:${TOKEN}` }, lossy);
    const posted = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'Soon rejected.' }));
    const read = async () => (await request(app.http).get('/api/v1/threads').query({ url: validComment().url })).body.comments.length;
    expect(await read()).toBe(1);
    const rejected = await request(app.http).post(`/api/v1/admin/comments/${posted.body.comment.id}/reject`).set('Authorization', `Bearer ${TOKEN}`).send({});
    expect(rejected.status).toBe(503);
    expect(await read()).toBe(0);
  });

  /** The real store, whose `method` applies its write and then fails once `armed` is set (the answer is lost). */
  function losingAnswersOf(method: 'insertComment' | 'updateComment' | 'setThreadLocked') {
    const storage = openSqliteStorage({ dataDir: ':memory:' });
    const state = { armed: false };
    const lossy = new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop !== method) return Reflect.get(target, prop, receiver);
        return async (...args: unknown[]) => {
          const result = await (target[method] as (...a: unknown[]) => Promise<unknown>)(...args);
          if (state.armed) throw new StorageUnavailableError();
          return result;
        };
      },
    });
    return { lossy, state };
  }

  const TOKEN = 'post-retry-moderator-token-0123456789';
  const thread = async () => (await request(app.http).get('/api/v1/threads').query({ url: validComment().url })).body as { thread: { locked: boolean }; comments: { html: string }[] };
  const html = async () => (await thread()).comments.map((c) => c.html).join('\n');
  it.each([
    ['a post without an idempotency key', 'insertComment', async () => request(app.http).post('/api/v1/comments').send(validComment({ body: 'Stored, answer lost.' })), async () => expect(await html()).toContain('Stored, answer lost.')],
    ["an author's edit", 'updateComment', async (c: { id: string; editToken: string }) => request(app.http).patch(`/api/v1/comments/${c.id}`).set('Authorization', `Bearer ${c.editToken}`).send({ body: 'Edited, answer lost.' }), async () => expect(await html()).toContain('Edited, answer lost.')],
    ["an author's delete", 'updateComment', async (c: { id: string; editToken: string }) => request(app.http).delete(`/api/v1/comments/${c.id}`).set('Authorization', `Bearer ${c.editToken}`), async () => expect((await thread()).comments).toHaveLength(0)],
    ["a moderator's edit", 'updateComment', async (c: { id: string }) => request(app.http).patch(`/api/v1/admin/comments/${c.id}`).set('Authorization', `Bearer ${TOKEN}`).send({ body: 'Moderated, answer lost.' }), async () => expect(await html()).toContain('Moderated, answer lost.')],
    ['a lock', 'setThreadLocked', async () => request(app.http).put(`/api/v1/admin/threads?url=${encodeURIComponent(String(validComment().url))}`).set('Authorization', `Bearer ${TOKEN}`).send({ locked: true }), async () => expect((await thread()).thread.locked).toBe(true)],
  ] as const)('drops the cached page when %s applied but its answer was lost', async (_name, method, write, shows) => {
    const { lossy, state } = losingAnswersOf(method);
    app = await createTestApp({ ADMIN_TOKEN: `alice:${TOKEN}` }, lossy);
    const first = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'The first comment.' }));
    expect(first.status).toBe(201);
    // Read twice: the page is cached before the write.
    expect(await html()).toContain('The first comment.');
    const hits = app.cache!.stats().hits;
    await thread();
    expect(app.cache!.stats().hits).toBe(hits + 1);
    state.armed = true;
    const res = await write({ id: first.body.comment.id, editToken: first.body.editToken });
    expect(res.status).toBe(503);
    await shows();
  });

  it('refuses a short or malformed idempotency key', async () => {
    app = await createTestApp();
    const res = await request(app.http).post('/api/v1/comments').send(validComment({ idempotencyKey: 'short' }));
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'validation_failed' });
  });
});
