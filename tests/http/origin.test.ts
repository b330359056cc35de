/**
 * One origin rule for everything another site can make a visitor's browser send: the readers' API and the
 * no-JavaScript form post (issue 9, hole 2).
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const SITE = 'https://news.example.org';
const OWN = 'https://comments.example.org';
const EVIL = 'https://evil.example';

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const restricted = () => createTestApp({ ALLOWED_ORIGINS: SITE, PUBLIC_URL: OWN });
let n = 0;
const form = () => validComment({ name: 'Visitor', email: 'visitor@example.org', body: `Posted from somewhere (${++n}).` }) as Record<string, string>;
const formPost = (headers: Record<string, string>) => request(app.http).post('/threads/html').set(headers).type('form').send(form());
const commentCount = async () => (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.thread.commentCount as number;

describe('the no-JavaScript form post', () => {
  it('refuses a cross-site form post (what a browser sends when another site auto-submits the form) with an HTML 403, storing nothing', async () => {
    app = await restricted();
    const res = await formPost({ Origin: EVIL, 'Sec-Fetch-Site': 'cross-site', 'Sec-Fetch-Mode': 'navigate', 'Sec-Fetch-Dest': 'document' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<!doctype html>');
    expect(res.text).toContain('from another site');
    expect(await commentCount()).toBe(0);
  });

  it('refuses a cross-site post without an Origin header, and a post from a disallowed origin without Sec-Fetch-Site', async () => {
    app = await restricted();
    expect((await formPost({ 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await formPost({ Origin: EVIL })).status).toBe(403);
    expect((await formPost({ Origin: 'null', 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect(await commentCount()).toBe(0);
  });

  it('accepts the form posted from this service’s own page, from an allowed site, and from servers without an Origin', async () => {
    app = await restricted();
    expect((await formPost({ Origin: OWN, 'Sec-Fetch-Site': 'same-origin' })).status).toBe(303);
    expect((await formPost({ Origin: SITE, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(303);
    expect((await formPost({})).status).toBe(303);
    expect(await commentCount()).toBe(3);
  });

  it('accepts a cross-site form post when ALLOWED_ORIGINS is unset (any origin), like the API', async () => {
    app = await createTestApp();
    expect((await formPost({ Origin: EVIL, 'Sec-Fetch-Site': 'cross-site' })).status).toBe(303);
  });
});

describe('the readers’ API', () => {
  it('refuses a cross-site request that carries no Origin when ALLOWED_ORIGINS is set', async () => {
    app = await restricted();
    const post = await request(app.http).post('/api/v1/comments').set('Sec-Fetch-Site', 'cross-site').send(validComment());
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe('origin_not_allowed');
    const read = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE }).set('Sec-Fetch-Site', 'same-site');
    expect(read.status).toBe(200);
    expect(await commentCount()).toBe(0);
  });
});
