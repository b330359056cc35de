/** Issue 12, "On the site": a locked thread says so before anyone writes, and the server renders a preview. */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = `${'k'.repeat(20)}-moderator-token-0123456789`;
let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const lock = (locked: boolean) =>
  request(app.http).put(`/api/v1/admin/threads?url=${encodeURIComponent(ARTICLE)}`).set('Authorization', `Bearer ${TOKEN}`).send({ locked });

describe('a locked thread', () => {
  it('says locked in the public thread data, also through the read cache, and false once unlocked', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `alice:${TOKEN}` });
    const thread = async () => (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.thread.locked as boolean;
    expect(await thread()).toBe(false);
    expect((await lock(true)).status).toBe(200);
    expect(await thread()).toBe(true);
    expect((await lock(false)).status).toBe(200);
    expect(await thread()).toBe(false);
  });

  it('shows "Comments are closed." on /threads/html instead of the form', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `alice:${TOKEN}` });
    expect((await request(app.http).post('/api/v1/comments').send(validComment())).status).toBe(201);
    const page = () => request(app.http).get('/threads/html').query({ url: ARTICLE });
    const open = await page();
    expect(open.text).toContain('<form method="post"');
    expect(open.text).not.toContain('Comments are closed.');
    await lock(true);
    const closed = await page();
    expect(closed.status).toBe(200);
    expect(closed.text).toContain('Comments are closed.');
    expect(closed.text).not.toContain('<form');
    // The comments themselves are still shown.
    expect(closed.text).toContain('<ol class="list">');
  });

  it('does not invite a first comment on a locked empty thread', async () => {
    app = await createTestApp({ ADMIN_TOKEN: `alice:${TOKEN}` });
    await lock(true);
    const page = await request(app.http).get('/threads/html').query({ url: ARTICLE });
    expect(page.text).toContain('Comments are closed.');
    expect(page.text).not.toContain('Be the first');
  });
});

describe('POST /api/v1/preview', () => {
  it('renders Markdown through the comment pipeline: links made safe, raw HTML escaped', async () => {
    app = await createTestApp();
    const res = await request(app.http).post('/api/v1/preview').send({ body: '**bold** [x](https://example.org) <script>alert(1)</script>' });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.html).toContain('<strong>bold</strong>');
    expect(res.body.html).toMatch(/<a href="https:\/\/example\.org"[^>]*rel="[^"]*nofollow/);
    expect(res.body.html).not.toContain('<script>');
    // Nothing is stored.
    expect((await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.thread.commentCount).toBe(0);
  });

  it('validates the body like a comment: missing, empty, too long, unknown fields', async () => {
    app = await createTestApp();
    for (const body of [{}, { body: '' }, { body: 'x'.repeat(10_001) }, { body: 'ok', extra: 1 }, { body: 5 }]) {
      const res = await request(app.http).post('/api/v1/preview').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('counts against the read rate limit', async () => {
    app = await createTestApp({ RATE_LIMIT_READS_PER_MINUTE: '2' });
    const preview = () => request(app.http).post('/api/v1/preview').send({ body: 'hi' });
    expect((await preview()).status).toBe(200);
    expect((await preview()).status).toBe(200);
    const third = await preview();
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('rate_limited');
  });

  it('is described in the OpenAPI document', async () => {
    app = await createTestApp();
    const doc = (await request(app.http).get('/api/v1/openapi.json')).body;
    expect(doc.paths['/api/v1/preview'].post.operationId).toBe('previewComment');
    expect(doc.components.schemas.ThreadResponse.properties.thread.properties.locked).toEqual({ type: 'boolean' });
  });
});
