import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { PublicComment, ThreadResponse } from '../../src/http/readers/dto.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

let app: TestApp;
beforeEach(async () => {
  app = await createTestApp();
});
afterEach(async () => {
  await app.close();
});

const post = (body: unknown) => request(app.http).post('/api/v1/comments').send(body as object);
const thread = (query: Record<string, string | number>) => request(app.http).get('/api/v1/threads').query(query);

let seq = 0;
/** Posts a valid comment; each gets its own body unless one is given (the same body twice is a duplicate). */
async function postOk(overrides: Record<string, unknown> = {}) {
  seq += 1;
  const res = await post(validComment({ body: `Comment number ${seq}`, ...overrides }));
  expect(res.status).toBe(201);
  return res.body as { comment: PublicComment; status: string; editToken: string };
}

describe('POST /api/v1/comments', () => {
  it('stores one of eight identical comments posted at once and answers the other seven 409 duplicate_comment', async () => {
    const same = validComment({ body: 'Eight times at once, the same words.' });
    const responses = await Promise.all(Array.from({ length: 8 }, () => post(same)));
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(responses.filter((r) => r.status === 409).every((r) => r.body.error.code === 'duplicate_comment')).toBe(true);
    const page = await thread({ url: ARTICLE });
    expect((page.body as ThreadResponse).comments.filter((c) => c.html.includes('Eight times at once'))).toHaveLength(1);
  });

  it('stores a valid comment and answers 201 with its public shape, status and an edit token', async () => {
    const res = await post(validComment());
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('approved');
    expect(typeof res.body.editToken).toBe('string');
    expect(res.body.editToken.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(res.body.comment).sort()).toEqual(['author', 'createdAt', 'editedAt', 'html', 'id', 'parentId']);
    expect(res.body.comment).toMatchObject({
      parentId: null,
      author: { name: 'Ada Lovelace', website: null },
      html: '<p>First! <em>Nice</em> article.</p>\n',
      editedAt: null,
    });
    expect(Object.keys(res.body.comment.author).sort()).toEqual(['avatar', 'name', 'website']);

    const read = await thread({ url: ARTICLE });
    expect(read.status).toBe(200);
    expect(read.body.comments.map((c: PublicComment) => c.id)).toEqual([res.body.comment.id]);
    expect(read.body.thread).toEqual({ key: ARTICLE, url: ARTICLE, commentCount: 1, locked: false });
  });

  it.each(['name', 'email', 'body'])('answers 400 naming %s when it is missing', async (field) => {
    const body = validComment();
    delete body[field];
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.fields).toEqual({ [field]: 'required' });
    expect((await thread({ url: ARTICLE })).body.comments).toHaveLength(0);
  });

  it('answers 400 naming the url when neither url nor threadId is given', async () => {
    const res = await post(validComment({ url: undefined }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ url: 'required' });
  });

  it('names every bad field at once', async () => {
    const res = await post({ url: ARTICLE, name: '   ', email: 'not-an-email', website: 'javascript:alert(1)', body: '' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ name: 'required', email: 'invalid', website: 'invalid', body: 'required' });
  });

  it.each([
    ['a 101-character name', 'name', 'x'.repeat(101), 'too_long'],
    ['a blank name', 'name', '  \t ', 'required'],
    ['a 258-character email', 'email', `${'a'.repeat(245)}@example.org`, 'too_long'],
    ['an email without domain', 'email', 'ada@', 'invalid'],
    ['an email without @', 'email', 'ada example.org', 'invalid'],
    ['a 10,001-character body', 'body', 'x'.repeat(10_001), 'too_long'],
    ['a blank body', 'body', '\n\n  ', 'required'],
    ['an ftp website', 'website', 'ftp://example.org', 'invalid'],
    ['a javascript: website', 'website', 'javascript:alert(1)', 'invalid'],
    ['a website that is no URL', 'website', 'not a url', 'invalid'],
    ['an operator object as name', 'name', { $ne: null }, 'invalid'],
    ['an array as email', 'email', ['a@b.co', 'c@d.co'], 'invalid'],
    ['a number as parentId', 'parentId', 42, 'invalid'],
  ])('rejects %s', async (_label, field, value, code) => {
    const res = await post(validComment({ [field as string]: value }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields[field as string]).toBe(code);
  });

  it('accepts limits measured in characters, not bytes or UTF-16 units', async () => {
    const res = await post(validComment({ name: '😀'.repeat(100), body: 'x'.repeat(5000) + '😀'.repeat(5000) }));
    expect(res.status).toBe(201);
    expect(res.body.comment.author.name).toBe('😀'.repeat(100));
  });

  it('trims the name and keeps an http(s) website', async () => {
    const { comment } = await postOk({ name: '  Grace  ', website: 'https://grace.example/about' });
    expect(comment.author?.name).toBe('Grace');
    expect(comment.author?.website).toBe('https://grace.example/about');
  });

  it('refuses unknown fields', async () => {
    const res = await post(validComment({ isAdmin: true, status: 'approved' }));
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ isAdmin: 'unknown_field', status: 'unknown_field' });
  });

  it('accepts the no-JavaScript form post (application/x-www-form-urlencoded) with blank optional fields', async () => {
    const res = await request(app.http)
      .post('/api/v1/comments')
      .type('form')
      .send({ url: ARTICLE, name: 'Form User', email: 'form@example.org', website: '', body: 'Posted without JS', parentId: '' });
    expect(res.status).toBe(201);
    expect(res.body.comment.author.website).toBeNull();
  });

  it('answers 415 to other content types', async () => {
    const res = await request(app.http).post('/api/v1/comments').set('Content-Type', 'text/plain').send('name=x');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('answers 413 to a body over 32 KB', async () => {
    const res = await post(validComment({ body: 'x'.repeat(33 * 1024) }));
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers 400 invalid_json to malformed JSON, without echoing it', async () => {
    const res = await request(app.http).post('/api/v1/comments').set('Content-Type', 'application/json').send('{"name": "secret@leak.example",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(res.text).not.toContain('secret@leak.example');
  });

  it('answers 400 to a JSON body that is not an object', async () => {
    const res = await request(app.http).post('/api/v1/comments').set('Content-Type', 'application/json').send('["a"]');
    expect(res.status).toBe(400);
  });

  it('renders Markdown to safe HTML and keeps raw HTML inert', async () => {
    const { comment } = await postOk({ body: '<script>alert(1)</script> [x](javascript:alert(1)) **bold** https://example.org' });
    expect(comment.html).not.toMatch(/<script|href="javascript/i);
    expect(comment.html).toContain('&lt;script&gt;');
    expect(comment.html).toContain('<strong>bold</strong>');
    expect(comment.html).toContain('<a href="https://example.org" rel="nofollow ugc noopener noreferrer">');
  });

  it('gives every error the same shape with the request id', async () => {
    const res = await post({}).set('X-Request-Id', 'req-123');
    expect(res.status).toBe(400);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toEqual({
      error: { code: 'validation_failed', message: expect.any(String), fields: expect.any(Object), requestId: 'req-123' },
    });
  });

  it('answers 404 with the error shape for unknown endpoints', async () => {
    const res = await request(app.http).get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('replies', () => {
  it('nests a reply under its parent in the thread', async () => {
    const parent = await postOk();
    const reply = await postOk({ parentId: parent.comment.id, name: 'Bob', body: 'I agree' });
    expect(reply.comment.parentId).toBe(parent.comment.id);
    const read = await thread({ url: ARTICLE });
    expect(read.body.comments).toHaveLength(1);
    expect(read.body.comments[0].replies.map((r: PublicComment) => r.id)).toEqual([reply.comment.id]);
    expect(read.body.thread.commentCount).toBe(2);
  });

  it('answers 404 for an unknown parent', async () => {
    const res = await post(validComment({ parentId: '01HZZZZZZZZZZZZZZZZZZZZZZZ' }));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('parent_not_found');
  });

  it('answers 404 for a parent in another thread', async () => {
    const other = await postOk({ url: 'https://news.example.org/other' });
    const res = await post(validComment({ parentId: other.comment.id }));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('parent_not_found');
  });

  it('answers 404 for a parent that is no longer visible', async () => {
    const parent = await postOk();
    await request(app.http).delete(`/api/v1/comments/${parent.comment.id}`).set('Authorization', `Bearer ${parent.editToken}`).expect(204);
    const res = await post(validComment({ parentId: parent.comment.id }));
    expect(res.status).toBe(404);
  });

  it('attaches replies below the depth cap to the deepest allowed ancestor', async () => {
    // MAX_DEPTH 5: levels 0..4. Replying to a level-4 comment attaches to its level-3 parent.
    const chain = [await postOk()];
    for (let i = 0; i < 6; i += 1) chain.push(await postOk({ parentId: chain[chain.length - 1]!.comment.id, body: `level ${i + 1}` }));
    const ids = chain.map((c) => c.comment.id);
    expect(chain[4]!.comment.parentId).toBe(ids[3]);
    expect(chain[5]!.comment.parentId).toBe(ids[3]);
    expect(chain[6]!.comment.parentId).toBe(ids[3]);

    const read = await thread({ url: ARTICLE });
    let depth = 0;
    let node: PublicComment | undefined = read.body.comments[0];
    while (node?.replies?.length) {
      depth += 1;
      node = node.replies[0];
    }
    expect(depth).toBe(4);
  });

  it('honours a smaller MAX_DEPTH', async () => {
    await app.close();
    app = await createTestApp({ MAX_DEPTH: '2' });
    const root = await postOk();
    const r1 = await postOk({ parentId: root.comment.id });
    const r2 = await postOk({ parentId: r1.comment.id });
    expect(r2.comment.parentId).toBe(root.comment.id);
  });
});

describe('GET /api/v1/threads', () => {
  it('returns an empty thread for an article without comments', async () => {
    const res = await thread({ url: 'https://news.example.org/quiet' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      thread: { key: 'https://news.example.org/quiet', url: 'https://news.example.org/quiet', commentCount: 0, locked: false },
      comments: [],
      nextCursor: null,
    });
  });

  it('puts the same article in one thread whatever tracking parameters, fragment or trailing slash the URL has', async () => {
    await postOk({ url: `${ARTICLE}/?utm_source=twitter&fbclid=abc#comments` });
    await postOk({ url: 'HTTPS://NEWS.EXAMPLE.ORG:443/2026/06/a-story' });
    const res = await thread({ url: ARTICLE });
    expect(res.body.comments).toHaveLength(2);
  });

  it('keeps WordPress ?p= permalinks apart', async () => {
    await postOk({ url: 'https://blog.example/?p=1' });
    await postOk({ url: 'https://blog.example/?p=2' });
    expect((await thread({ url: 'https://blog.example/?p=1' })).body.comments).toHaveLength(1);
  });

  it('uses an explicit threadId as the thread key', async () => {
    await postOk({ url: undefined, threadId: 'article-42' });
    await postOk({ url: ARTICLE, threadId: 'article-42' });
    const res = await thread({ threadId: 'article-42' });
    expect(res.body.comments).toHaveLength(2);
    expect(res.body.thread).toMatchObject({ key: 'id:article-42', url: ARTICLE, commentCount: 2 });
    expect((await thread({ url: ARTICLE })).body.comments).toHaveLength(0);
  });

  it('pages over top-level comments with a cursor, replies included, never skipping or repeating', async () => {
    const roots: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const r = await postOk({ body: `root ${i}` });
      roots.push(r.comment.id);
      await postOk({ parentId: r.comment.id, body: `reply to ${i}` });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await thread({ url: ARTICLE, limit: 3, ...(cursor ? { cursor } : {}) });
      expect(res.status).toBe(200);
      const body = res.body as ThreadResponse;
      for (const c of body.comments) {
        seen.push(c.id);
        expect(c.replies).toHaveLength(1);
      }
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(roots);
  });

  it('sorts newest first on request', async () => {
    const a = await postOk({ body: 'a' });
    app.clock.advance(1000);
    const b = await postOk({ body: 'b' });
    const res = await thread({ url: ARTICLE, sort: 'newest' });
    expect(res.body.comments.map((c: PublicComment) => c.id)).toEqual([b.comment.id, a.comment.id]);
  });

  it.each([
    [{ url: ARTICLE, sort: 'random' }, 'sort'],
    [{ url: ARTICLE, limit: 0 }, 'limit'],
    [{ url: ARTICLE, limit: 101 }, 'limit'],
    [{ url: ARTICLE, limit: 'ten' }, 'limit'],
    [{ url: ARTICLE, cursor: 'garbage' }, 'cursor'],
    [{ url: 'javascript:alert(1)' }, 'url'],
    [{}, 'url'],
  ])('answers 400 to %j naming %s', async (query, field) => {
    const res = await thread(query as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(field);
  });

  it('refuses articles of origins outside ALLOWED_ORIGINS with 403', async () => {
    await app.close();
    app = await createTestApp({ ALLOWED_ORIGINS: 'https://news.example.org, https://blog.example.org' });
    expect((await post(validComment())).status).toBe(201);
    const res = await post(validComment({ url: 'https://evil.example/page' }));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('origin_not_allowed');
    expect((await thread({ url: 'https://evil.example/page' })).status).toBe(403);
  });
});

describe('GET /api/v1/counts', () => {
  it('counts public comments per URL, keyed by the URLs as asked', async () => {
    const a = 'https://news.example.org/a';
    const b = 'https://news.example.org/b';
    const root = await postOk({ url: a });
    await postOk({ url: a, parentId: root.comment.id });
    const res = await request(app.http).get('/api/v1/counts').query(`url=${encodeURIComponent(a + '?utm_medium=x')}&url=${encodeURIComponent(b)}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ counts: { [`${a}?utm_medium=x`]: 2, [b]: 0 } });
  });

  it('accepts 100 URLs and refuses 101', async () => {
    const urls = Array.from({ length: 101 }, (_, i) => `url=${encodeURIComponent(`https://news.example.org/${i}`)}`);
    expect((await request(app.http).get(`/api/v1/counts?${urls.slice(0, 100).join('&')}`)).status).toBe(200);
    expect((await request(app.http).get(`/api/v1/counts?${urls.join('&')}`)).status).toBe(400);
  });

  it('names an invalid URL', async () => {
    const res = await request(app.http).get('/api/v1/counts').query('url=https%3A%2F%2Fok.example%2F&url=ftp%3A%2F%2Fbad');
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ 'url[1]': 'invalid' });
  });

  it('answers 400 without any url', async () => {
    expect((await request(app.http).get('/api/v1/counts')).status).toBe(400);
  });
});

describe('editing and deleting one’s own comment', () => {
  const patch = (id: string, token: string | undefined, body: unknown) => {
    const r = request(app.http).patch(`/api/v1/comments/${id}`).send(body as object);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };
  const del = (id: string, token?: string) => {
    const r = request(app.http).delete(`/api/v1/comments/${id}`);
    return token === undefined ? r : r.set('Authorization', `Bearer ${token}`);
  };

  it('edits the body with the edit token within the window', async () => {
    const { comment, editToken } = await postOk({ body: 'First! *Nice* article.' });
    app.clock.advance(60_000);
    const res = await patch(comment.id, editToken, { body: 'Edited **text**' });
    expect(res.status).toBe(200);
    expect(res.body.comment.html).toBe('<p>Edited <strong>text</strong></p>\n');
    expect(res.body.comment.editedAt).toBe(new Date(app.clock.now).toISOString());
    const read = await thread({ url: ARTICLE });
    expect(read.body.comments[0].html).toContain('Edited');
    const stored = await app.storage.getComment(comment.id);
    expect(stored?.history.map((h) => h.body)).toEqual(['First! *Nice* article.']);
  });

  it('answers 401 without a token and 403 with another comment’s token', async () => {
    const a = await postOk();
    const b = await postOk();
    expect((await patch(a.comment.id, undefined, { body: 'x' })).status).toBe(401);
    const wrong = await patch(a.comment.id, b.editToken, { body: 'x' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
    expect((await del(a.comment.id, b.editToken)).status).toBe(403);
    expect((await thread({ url: ARTICLE })).body.comments).toHaveLength(2);
  });

  it('refuses edits and deletes after the edit window', async () => {
    const { comment, editToken } = await postOk();
    app.clock.advance(15 * 60_000 + 1);
    const res = await patch(comment.id, editToken, { body: 'late' });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('edit_window_closed');
    expect((await del(comment.id, editToken)).status).toBe(403);
  });

  it('validates the edited body', async () => {
    const { comment, editToken } = await postOk();
    const res = await patch(comment.id, editToken, { body: '  ', name: 'x' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ body: 'required', name: 'unknown_field' });
  });

  it('answers 404 for an unknown comment', async () => {
    expect((await patch('nope', 'token', { body: 'x' })).status).toBe(404);
  });

  it('deletes a comment without replies from the thread entirely', async () => {
    const { comment, editToken } = await postOk();
    expect((await del(comment.id, editToken)).status).toBe(204);
    const read = await thread({ url: ARTICLE });
    expect(read.body.comments).toEqual([]);
    expect(read.body.thread.commentCount).toBe(0);
    expect((await del(comment.id, editToken)).status).toBe(404);
  });

  it('keeps a deleted comment with replies as a "[deleted]" placeholder without author or text', async () => {
    const parent = await postOk({ body: 'to be removed', name: 'Parent Person' });
    const reply = await postOk({ parentId: parent.comment.id, body: 'a reply' });
    expect((await del(parent.comment.id, parent.editToken)).status).toBe(204);
    const read = await thread({ url: ARTICLE });
    expect(read.body.comments).toHaveLength(1);
    const placeholder = read.body.comments[0];
    expect(placeholder).toMatchObject({ id: parent.comment.id, deleted: true, author: null, html: '<p>[deleted]</p>' });
    expect(JSON.stringify(placeholder)).not.toMatch(/to be removed|Parent Person/);
    expect(placeholder.replies.map((r: PublicComment) => r.id)).toEqual([reply.comment.id]);
    expect(read.body.thread.commentCount).toBe(1);
  });
});
