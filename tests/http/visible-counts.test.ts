/** Issue 9, hole 7: the thread's commentCount and /api/v1/counts equal what a reader of the thread sees. */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = `${'v'.repeat(20)}-moderator-token-0123456789`;

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const moderate = (id: string, action: string) =>
  request(app.http).post(`/api/v1/admin/comments/${id}/${action}`).set('Authorization', `Bearer ${TOKEN}`).expect(200);

let seq = 0;
async function post(overrides: Record<string, unknown> = {}): Promise<string> {
  seq += 1;
  const res = await request(app.http).post('/api/v1/comments').send(validComment({ body: `visible count ${seq}`, ...overrides }));
  expect(res.status).toBe(201);
  return res.body.comment.id as string;
}

interface Listed {
  id: string;
  deleted?: true;
  replies?: Listed[];
}
const shown = (list: Listed[]): number => list.reduce((n, c) => n + (c.deleted ? 0 : 1) + shown(c.replies ?? []), 0);

async function readerView() {
  const thread = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
  const counts = await request(app.http).get('/api/v1/counts').query({ url: ARTICLE });
  expect(thread.status).toBe(200);
  expect(counts.status).toBe(200);
  return { listed: shown(thread.body.comments as Listed[]), commentCount: thread.body.thread.commentCount as number, counted: counts.body.counts[ARTICLE] as number };
}

describe('counts equal what a reader can see', () => {
  it('stops counting approved replies when their parent is marked spam, and counts them again once it is approved', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `mod:${TOKEN}` });
    const parent = await post();
    const reply = await post({ parentId: parent });
    await post({ parentId: reply });
    await post();
    expect(await readerView()).toEqual({ listed: 4, commentCount: 4, counted: 4 });

    await moderate(parent, 'spam');
    expect(await readerView()).toEqual({ listed: 1, commentCount: 1, counted: 1 });

    await moderate(parent, 'approve');
    expect(await readerView()).toEqual({ listed: 4, commentCount: 4, counted: 4 });
  });

  it('keeps counting the replies of a deleted comment, which shows as [deleted]', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `mod:${TOKEN}` });
    const parent = await post();
    await post({ parentId: parent });
    await moderate(parent, 'delete');
    expect(await readerView()).toEqual({ listed: 1, commentCount: 1, counted: 1 });
  });
});
