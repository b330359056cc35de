/**
 * Characters refused in what commenters send (issue 9, hole 9): control characters and bidi overrides in name and
 * website, NUL and other control characters (but not tab and newlines) in a comment body, including edits.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = 'moderator-token-0123456789-abcdefghijklmnop';
let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const post = (fields: Record<string, unknown>) => request(app.http).post('/api/v1/comments').send(validComment(fields));
const count = async () => (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body.thread.commentCount as number;

const LINE_BAD: Array<[string, string]> = [
  ['NUL', '\u0000'],
  ['BEL', '\u0007'],
  ['newline', '\n'],
  ['tab', '\t'],
  ['ESC', '\u001b'],
  ['DEL', '\u007f'],
  ['C1 NEL', '\u0085'],
  ['RLO U+202E', '\u202E'],
  ['LRE U+202A', '\u202A'],
  ['PDF U+202C', '\u202C'],
  ['LRI U+2066', '\u2066'],
  ['PDI U+2069', '\u2069'],
];

describe('name and website', () => {
  it.each(LINE_BAD)('refuse %s in the name with 400 {name: invalid}', async (_label, ch) => {
    app = await createTestApp();
    const res = await post({ name: `Ad${ch}a` });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { name: 'invalid' } });
    expect(await count()).toBe(0);
  });

  it.each(LINE_BAD)('refuse %s in the website with 400 {website: invalid}', async (_label, ch) => {
    app = await createTestApp();
    const res = await post({ website: `https://ada.example/a${ch}b` });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { website: 'invalid' } });
  });

  it('refuse a spoofed name whose override makes it read as another', async () => {
    app = await createTestApp();
    const res = await post({ name: 'Admin\u202Enimda' });
    expect(res.body.error.fields).toEqual({ name: 'invalid' });
  });

  it('accept names in any script, with right-to-left letters and the marks that order them (LRM/RLM)', async () => {
    app = await createTestApp();
    for (const [i, name] of ['Zoë Ångström', 'محمد', 'שרה\u200F', '李小龍', 'Ada 👩‍💻'].entries()) {
      const res = await post({ name, body: `hello ${i}` });
      expect(res.status).toBe(201);
      expect(res.body.comment.author.name).toBe(name);
    }
  });
});

describe('comment body', () => {
  it.each([
    ['NUL', '\u0000'],
    ['BEL', '\u0007'],
    ['vertical tab', '\u000b'],
    ['ESC', '\u001b'],
    ['DEL', '\u007f'],
  ])('refuses %s with 400 {body: invalid}', async (_label, ch) => {
    app = await createTestApp();
    const res = await post({ body: `before${ch}after` });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', fields: { body: 'invalid' } });
    expect(await count()).toBe(0);
  });

  it('keeps tabs, newlines and carriage returns (a form post sends CRLF), and bidi text', async () => {
    app = await createTestApp();
    const res = await request(app.http)
      .post('/api/v1/comments')
      .type('form')
      .send(validComment({ body: 'line one\r\n\tindented\nשלום \u202Bembedded\u202C' }) as Record<string, string>);
    expect(res.status).toBe(201);
  });

  it('refuses NUL in an author’s edit and in a moderator’s edit', async () => {
    app = await createTestApp({ ADMIN_TOKEN: TOKEN });
    const created = await post({ body: 'clean text' });
    expect(created.status).toBe(201);
    const id = created.body.comment.id as string;
    const own = await request(app.http).patch(`/api/v1/comments/${id}`).set('Authorization', `Bearer ${created.body.editToken}`).send({ body: 'nul\u0000here' });
    expect(own.status).toBe(400);
    expect(own.body.error.fields).toEqual({ body: 'invalid' });
    const mod = await request(app.http).patch(`/api/v1/admin/comments/${id}`).set('Authorization', `Bearer ${TOKEN}`).send({ body: 'nul\u0000here' });
    expect(mod.status).toBe(400);
    expect(mod.body.error.fields).toEqual({ body: 'invalid' });
    const thread = await request(app.http).get('/api/v1/threads').query({ url: ARTICLE });
    expect(thread.body.comments[0].html).toContain('clean text');
  });
});
