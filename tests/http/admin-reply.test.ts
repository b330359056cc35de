/** Moderators reply from the admin page: published at once, badged, named with the token's label, audited, cached reads see it. */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = 'alice-moderator-token-0123456789abcdef';
const ADMIN_ENV = { ADMIN_TOKEN: `Alice Smith:${TOKEN}` };

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const reply = (id: string, body: unknown) =>
  request(app.http).post(`/api/v1/admin/comments/${encodeURIComponent(id)}/reply`).set('Authorization', `Bearer ${TOKEN}`).send(body as object);
const thread = async () => (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body;

describe('a moderator reply', () => {
  it('is published at once, even under MODERATION=all, with the Moderator mark and the token label as name', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'first-time' });
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'a question' }))).body.comment.id as string;
    await request(app.http).post(`/api/v1/admin/comments/${parent}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({});
    // The read cache now holds the thread without the reply.
    expect((await thread()).comments[0].replies).toEqual([]);

    const res = await reply(parent, { body: 'Thanks, **fixed**.' });
    expect(res.status).toBe(201);
    expect(res.body.comment).toMatchObject({ status: 'approved', parentId: parent, author: { name: 'Alice Smith', email: '', moderator: true }, html: '<p>Thanks, <strong>fixed</strong>.</p>\n', ip: null });
    expect(res.body.comment.spam.reasons).toEqual([]);

    const t = await thread();
    expect(t.thread.commentCount).toBe(2);
    const [shown] = t.comments[0].replies;
    expect(shown).toMatchObject({ id: res.body.comment.id, parentId: parent, author: { name: 'Alice Smith', moderator: true } });
    expect(Object.keys(shown.author).sort()).toEqual(['avatar', 'moderator', 'name', 'website']);
    // A reader's comment carries no mark at all.
    expect(t.comments[0].author).not.toHaveProperty('moderator');
  });

  it('is never held: no first-time rule, no spam checks, whatever the mode', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'all', MAX_LINKS: '0', BANNED_WORDS: 'casino' });
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'hello' }))).body.comment.id as string;
    const res = await reply(parent, { body: 'See https://docs.example.org about casino links.' });
    expect(res.status).toBe(201);
    expect(res.body.comment.status).toBe('approved');
  });

  it('is audited under the moderator’s label', async () => {
    app = await createTestApp({ ...ADMIN_ENV });
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment())).body.comment.id as string;
    const id = (await reply(parent, { body: 'noted' })).body.comment.id as string;
    const audit = await request(app.http).get(`/api/v1/admin/audit?commentId=${id}`).set('Authorization', `Bearer ${TOKEN}`);
    expect(audit.body.entries).toEqual([expect.objectContaining({ actor: 'Alice Smith', action: 'reply', commentId: id, to: 'approved' })]);
  });

  it('shows in the no-JavaScript thread page too', async () => {
    app = await createTestApp({ ...ADMIN_ENV, ALLOWED_ORIGINS: 'https://news.example.org' });
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment())).body.comment.id as string;
    expect((await reply(parent, { body: 'from the desk' })).status).toBe(201);
    const page = await request(app.http).get('/threads/html').query({ url: ARTICLE });
    expect(page.text).toMatch(/<span class="who">Alice Smith<\/span> <span class="mod">Moderator<\/span>/);
    expect(page.text).toMatch(/from the desk/);
  });

  it.each([
    ['an empty body', { body: '   ' }, 400],
    ['no body', {}, 400],
    ['an unknown field', { body: 'x', status: 'pending' }, 400],
    ['a body that is not text', { body: 42 }, 400],
  ])('answers %s with 400', async (_label, body, status) => {
    app = await createTestApp({ ...ADMIN_ENV });
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment())).body.comment.id as string;
    const res = await reply(parent, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('answers 404 for an unknown or deleted parent and 401 without a token', async () => {
    app = await createTestApp({ ...ADMIN_ENV });
    expect((await reply('nope', { body: 'x' })).status).toBe(404);
    const parent = (await request(app.http).post('/api/v1/comments').send(validComment())).body.comment.id as string;
    await request(app.http).post(`/api/v1/admin/comments/${parent}/delete`).set('Authorization', `Bearer ${TOKEN}`).send({});
    expect((await reply(parent, { body: 'x' })).body.error.code).toBe('comment_not_found');
    expect((await request(app.http).post(`/api/v1/admin/comments/${parent}/reply`).send({ body: 'x' })).status).toBe(401);
  });
});
