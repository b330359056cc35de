/** The moderators' API through HTTP on SQLite: access, every action and status move with its audit entry, locks, bans, GDPR. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { canTransition, COMMENT_STATUSES, type CommentStatus } from '../../src/domain/comment.js';
import { ACTION_TARGET, MODERATION_ACTIONS } from '../../src/domain/moderation.js';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = `${'k'.repeat(20)}-moderator-token-0123456789`;
const OTHER = `${'z'.repeat(40)}`;
const ADMIN_ENV = { ADMIN_TOKEN: `alice:${TOKEN}, bob:${OTHER}` };

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const admin = () => ({
  get: (path: string) => request(app.http).get(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`),
  post: (path: string, body: object = {}) => request(app.http).post(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  patch: (path: string, body: object) => request(app.http).patch(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  put: (path: string, body: object) => request(app.http).put(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  del: (path: string) => request(app.http).delete(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`),
});

let seq = 0;
async function postComment(overrides: Record<string, unknown> = {}) {
  seq += 1;
  const res = await request(app.http).post('/api/v1/comments').send(validComment({ body: `comment ${seq}`, ...overrides }));
  expect(res.status).toBe(201);
  return res.body as { comment: { id: string }; editToken: string; status: string };
}

const publicIds = async (url = ARTICLE) =>
  ((await request(app.http).get('/api/v1/threads').query({ url })).body.comments as { id: string }[]).map((c) => c.id);

describe('access', () => {
  it('is off without ADMIN_TOKEN', async () => {
    app = await createTestApp();
    const res = await request(app.http).get('/api/v1/admin/comments').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(404);
    expect(app.logText()).toMatch(/ADMIN_TOKEN is not set/);
  });

  it('answers /admin without ADMIN_TOKEN with a small HTML page saying how to turn it on', async () => {
    app = await createTestApp();
    const res = await request(app.http).get('/admin');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/set <code>ADMIN_TOKEN<\/code>/);
    expect(res.text).not.toMatch(/<script/);
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'x'.repeat(40)],
    ['a token one character off', `${TOKEN.slice(0, -1)}X`],
    ['a token with one character missing', TOKEN.slice(0, -1)],
    ['a token with one character more', `${TOKEN}0`],
    ['a Basic header', `Basic ${Buffer.from(`alice:${TOKEN}`).toString('base64')}`],
  ])('answers 401 to %s, with the common error shape and no hint', async (_label, header) => {
    app = await createTestApp(ADMIN_ENV);
    let r = request(app.http).get('/api/v1/admin/comments');
    if (header) r = r.set('Authorization', header.startsWith('Basic') ? header : `Bearer ${header}`);
    const res = await r;
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: 'Sign in, or send a valid moderator token.', requestId: expect.any(String) } });
  });

  it('accepts every configured token and names its label as the actor', async () => {
    app = await createTestApp(ADMIN_ENV);
    const c = await postComment();
    const res = await request(app.http).post(`/api/v1/admin/comments/${c.comment.id}/reject`).set('Authorization', `Bearer ${OTHER}`).send({});
    expect(res.status).toBe(200);
    const audit = await admin().get(`/audit?commentId=${c.comment.id}`);
    expect(audit.body.entries[0]).toMatchObject({ actor: 'bob', action: 'reject' });
  });

  it('never answers cross-origin requests with CORS headers', async () => {
    app = await createTestApp(ADMIN_ENV);
    const res = await admin().get('/comments').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await request(app.http).options('/api/v1/admin/comments').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('the queue', () => {
  it('lists pending comments newest first with what moderators need, and counts per status', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'all', TRUST_PROXY: '1' });
    const a = await postComment({ email: 'first@example.org', website: 'https://first.example' });
    app.clock.advance(1000);
    const b = (await request(app.http)
      .post('/api/v1/comments')
      .set('X-Forwarded-For', '198.51.100.23')
      .set('User-Agent', 'CommenterUA/2')
      .send(validComment({ body: 'second one', email: 'second@example.org' }))).body;
    const res = await admin().get('/comments?status=pending');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.comments.map((c: { id: string }) => c.id)).toEqual([b.comment.id, a.comment.id]);
    expect(res.body.comments[0]).toMatchObject({
      status: 'pending',
      threadUrl: ARTICLE,
      author: { name: 'Ada Lovelace', email: 'second@example.org', moderator: false },
      ip: '198.51.100.23',
      userAgent: 'CommenterUA/2',
      body: 'second one',
      html: '<p>second one</p>\n',
      spam: { check: 'none', reasons: expect.arrayContaining(['moderation_all']) },
      history: [],
    });
    expect(res.body.counts).toEqual({ pending: 2, approved: 0, spam: 0, rejected: 0, deleted: 0 });
  });

  it('filters by thread and searches text, and pages with a cursor', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'all' });
    for (let i = 0; i < 5; i += 1) await postComment({ body: `needle ${i}` });
    await postComment({ body: 'haystack', url: 'https://news.example.org/other' });
    const other = await admin().get(`/comments?status=pending&url=${encodeURIComponent('https://news.example.org/other')}`);
    expect(other.body.comments).toHaveLength(1);
    expect(other.body.counts.pending).toBe(1);
    expect((await admin().get('/comments?status=pending&q=HAYSTACK')).body.comments).toHaveLength(1);
    const first = await admin().get('/comments?status=pending&q=needle&limit=3');
    expect(first.body.comments).toHaveLength(3);
    const second = await admin().get(`/comments?status=pending&q=needle&limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.comments).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
  });

  it('answers 400 to a bad status or limit', async () => {
    app = await createTestApp(ADMIN_ENV);
    expect((await admin().get('/comments?status=hidden')).body.error.fields).toEqual({ status: 'invalid' });
    expect((await admin().get('/comments?limit=0')).status).toBe(400);
  });
});

describe('decisions', () => {
  const cases = COMMENT_STATUSES.flatMap((from) => MODERATION_ACTIONS.map((action) => [from, action] as const));

  it.each(cases)('from %s, %s is allowed exactly when canTransition says so, and is audited', async (from, action) => {
    app = await createTestApp(ADMIN_ENV);
    const { comment } = await postComment();
    await app.storage.updateComment(comment.id, { status: from as CommentStatus });
    const to = ACTION_TARGET[action];
    const res = await admin().post(`/comments/${comment.id}/${action}`, { reason: 'because' });
    const audit = await admin().get(`/audit?commentId=${comment.id}`);
    if (canTransition(from, to)) {
      expect(res.status).toBe(200);
      expect(res.body.comment.status).toBe(to);
      expect((await app.storage.getComment(comment.id))?.status).toBe(to);
      expect(audit.body.entries).toEqual([
        { id: expect.any(String), actor: 'alice', action, commentId: comment.id, threadKey: ARTICLE, from, to, reason: 'because', at: new Date(app.clock.now).toISOString() },
      ]);
    } else {
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
      expect((await app.storage.getComment(comment.id))?.status).toBe(from);
      expect(audit.body.entries).toEqual([]);
    }
  });

  it('publishes an approved comment and hides a rejected one', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'all' });
    const { comment } = await postComment();
    expect(await publicIds()).toEqual([]);
    await admin().post(`/comments/${comment.id}/approve`).expect(200);
    expect(await publicIds()).toEqual([comment.id]);
    await admin().post(`/comments/${comment.id}/reject`).expect(200);
    expect(await publicIds()).toEqual([]);
  });

  it('answers 404 for an unknown comment and 400 for an unknown action', async () => {
    app = await createTestApp(ADMIN_ENV);
    expect((await admin().post('/comments/nope/approve')).status).toBe(404);
    const { comment } = await postComment();
    const res = await admin().post(`/comments/${comment.id}/publish`);
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ action: 'invalid' });
  });

  it('acts on many comments at once and reports each one', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'all' });
    const a = await postComment();
    const b = await postComment();
    await app.storage.updateComment(b.comment.id, { status: 'deleted' });
    const res = await admin().post('/comments/bulk', { ids: [a.comment.id, b.comment.id, 'missing'], action: 'approve' });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { id: a.comment.id, ok: true, status: 'approved' },
      { id: b.comment.id, ok: false, error: 'conflict' },
      { id: 'missing', ok: false, error: 'comment_not_found' },
    ]);
    expect((await admin().get('/audit')).body.entries).toHaveLength(1);
    expect((await admin().post('/comments/bulk', { ids: [], action: 'approve' })).status).toBe(400);
  });

  it('edits a comment as a moderator: re-rendered, kept in the history, audited', async () => {
    app = await createTestApp(ADMIN_ENV);
    const { comment } = await postComment({ body: 'Orginal txt' });
    const res = await admin().patch(`/comments/${comment.id}`, { body: 'Original **text**', reason: 'typo' });
    expect(res.status).toBe(200);
    expect(res.body.comment.html).toBe('<p>Original <strong>text</strong></p>\n');
    expect(res.body.comment.history).toEqual([{ body: 'Orginal txt', editedAt: expect.any(String), by: 'moderator' }]);
    const audit = await admin().get(`/audit?commentId=${comment.id}`);
    expect(audit.body.entries[0]).toMatchObject({ action: 'edit', actor: 'alice', reason: 'typo', from: 'approved', to: 'approved' });
  });
});

describe('threads', () => {
  it('locks a thread: it stays readable and refuses new comments with 403 thread_locked, until unlocked', async () => {
    app = await createTestApp(ADMIN_ENV);
    const { comment } = await postComment();
    const locked = await admin().put(`/threads?url=${encodeURIComponent(ARTICLE)}`, { locked: true, reason: 'flame war' });
    expect(locked.status).toBe(200);
    expect(locked.body.thread).toMatchObject({ key: ARTICLE, locked: true });
    const refused = await request(app.http).post('/api/v1/comments').send(validComment({ body: 'late' }));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('thread_locked');
    expect(await publicIds()).toEqual([comment.id]);
    await admin().put(`/threads?url=${encodeURIComponent(ARTICLE)}`, { locked: false }).expect(200);
    await postComment({ body: 'welcome back' });
    const audit = await admin().get('/audit');
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual(['unlock_thread', 'lock_thread']);
    expect(audit.body.entries[1]).toMatchObject({ threadKey: ARTICLE, reason: 'flame war' });
  });

  it('lists threads by recent activity with counts per status', async () => {
    app = await createTestApp(ADMIN_ENV);
    await postComment({ url: 'https://news.example.org/old' });
    app.clock.advance(60_000);
    const { comment } = await postComment({ url: 'https://news.example.org/new' });
    await admin().post(`/comments/${comment.id}/spam`).expect(200);
    const res = await admin().get('/threads?sort=recent');
    expect(res.status).toBe(200);
    expect(res.body.threads.map((t: { url: string }) => t.url)).toEqual(['https://news.example.org/new', 'https://news.example.org/old']);
    expect(res.body.threads[0].counts).toEqual({ pending: 0, approved: 0, spam: 1, rejected: 0, deleted: 0 });
    expect(res.body.threads[1].counts.approved).toBe(1);
  });

  it('answers 400 to a lock without a boolean', async () => {
    app = await createTestApp(ADMIN_ENV);
    const res = await admin().put(`/threads?url=${encodeURIComponent(ARTICLE)}`, { locked: 'yes' });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({ locked: 'invalid' });
  });
});

describe('bans', () => {
  it('refuses a banned email (any case) with a neutral 403, stores no address, and lifts on delete', async () => {
    app = await createTestApp(ADMIN_ENV);
    const created = await admin().post('/bans', { email: 'Troll@Example.org', reason: 'abuse' });
    expect(created.status).toBe(201);
    expect(created.body.ban).toEqual({ id: expect.any(String), kind: 'email', prefix: null, reason: 'abuse', createdAt: expect.any(String), expiresAt: null, actor: 'alice' });
    const refused = await request(app.http).post('/api/v1/comments').send(validComment({ email: 'troll@example.org' }));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'banned', message: 'You cannot comment here.' });
    const list = await admin().get('/bans');
    expect(list.body.bans).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toMatch(/troll/i);
    expect(JSON.stringify(await app.storage.listBans())).not.toMatch(/troll/i);
    await admin().del(`/bans/${created.body.ban.id}`).expect(204);
    await postComment({ email: 'troll@example.org' });
    expect((await admin().del(`/bans/${created.body.ban.id}`)).status).toBe(404);
    expect((await admin().get('/audit')).body.entries.map((e: { action: string }) => e.action)).toEqual(['unban', 'ban']);
  });

  it('refuses a banned IP behind the configured proxy, until the ban expires', async () => {
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1' });
    const expiresAt = new Date(app.clock.now + 3_600_000).toISOString();
    await admin().post('/bans', { ip: '203.0.113.50', expiresAt }).expect(201);
    const refused = await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.50').send(validComment());
    expect(refused.status).toBe(403);
    const otherIp = await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.51').send(validComment({ body: 'other ip' }));
    expect(otherIp.status).toBe(201);
    app.clock.advance(3_600_001);
    const after = await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.50').send(validComment({ body: 'after expiry' }));
    expect(after.status).toBe(201);
  });

  it.each([
    [{}, 'email'],
    [{ email: 'a@example.org', ip: '203.0.113.1' }, 'email'],
    [{ ip: 'not-an-ip' }, 'ip'],
    [{ email: 'nope' }, 'email'],
    [{ email: 'a@example.org', expiresAt: 'tomorrow' }, 'expiresAt'],
  ])('answers 400 to the ban %j', async (body, field) => {
    app = await createTestApp(ADMIN_ENV);
    const res = await admin().post('/bans', body);
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toHaveProperty(field);
  });
});

describe('per author (GDPR)', () => {
  it('exports all comments of one email as JSON, audited without the address', async () => {
    app = await createTestApp(ADMIN_ENV);
    await postComment({ email: 'Erin@example.org', body: 'one' });
    await postComment({ email: 'erin@example.org', body: 'two', url: 'https://news.example.org/other' });
    await postComment({ email: 'else@example.org', body: 'not hers' });
    const res = await admin().get(`/authors/export?email=${encodeURIComponent('erin@EXAMPLE.org')}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toMatch(/attachment/);
    expect(res.body.comments.map((c: { body: string }) => c.body)).toEqual(['one', 'two']);
    const audit = (await admin().get('/audit')).body.entries[0];
    expect(audit).toMatchObject({ action: 'export_author', reason: '2 comments' });
    expect(JSON.stringify(audit)).not.toMatch(/erin/i);
  });

  it('erases an author: their comments go and their email and IP are removed everywhere', async () => {
    app = await createTestApp(ADMIN_ENV);
    const mine = await postComment({ email: 'erin@example.org', body: 'erase me' });
    const reply = await postComment({ email: 'other@example.org', parentId: mine.comment.id, body: 'a reply' });
    const res = await admin().post('/authors/erase', { email: 'erin@example.org' });
    expect(res.body).toEqual({ erased: 1 });
    const stored = await app.storage.getComment(mine.comment.id);
    expect(stored).toMatchObject({ status: 'deleted', body: '', author: { email: '', name: '' }, context: { ip: null, userAgent: null, referrer: null } });
    // The reply keeps its place under a "[deleted]" placeholder.
    const thread = (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body;
    expect(thread.comments[0]).toMatchObject({ id: mine.comment.id, deleted: true });
    expect(thread.comments[0].replies[0].id).toBe(reply.comment.id);
    expect((await admin().get('/authors/export?email=erin%40example.org')).body.comments).toEqual([]);
    expect((await admin().get('/audit')).body.entries.map((e: { action: string }) => e.action)).toContain('erase_author');
  });

  it('can keep the text, anonymised', async () => {
    app = await createTestApp(ADMIN_ENV);
    const mine = await postComment({ email: 'erin@example.org', name: 'Erin Example', body: 'keep my words' });
    await admin().post('/authors/erase', { email: 'erin@example.org', mode: 'anonymize' }).expect(200);
    const thread = (await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })).body;
    expect(thread.comments[0]).toMatchObject({ id: mine.comment.id, author: { name: 'Anonymous', website: null }, html: '<p>keep my words</p>\n' });
    expect((await app.storage.getComment(mine.comment.id))?.author.email).toBe('');
  });
});

describe('Akismet feedback', () => {
  let fake: FakeAkismet;
  beforeAll(async () => {
    fake = await startFakeAkismet();
  });
  afterAll(async () => {
    await fake.close();
  });

  it.each(['spam', 'ham'] as const)('marking %s sends the commenter’s IP and user agent, not the moderator’s', async (action) => {
    fake.reset();
    app = await createTestApp({ ...ADMIN_ENV, TRUST_PROXY: '1', AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: fake.url, AKISMET_TIMEOUT_MS: '500' });
    const posted = await request(app.http)
      .post('/api/v1/comments')
      .set('X-Forwarded-For', '192.0.2.77')
      .set('User-Agent', 'CommenterBrowser/9')
      .send(validComment({ name: action === 'ham' ? 'akismet-guaranteed-spam' : 'Ada' }));
    expect(posted.status).toBe(201);
    const res = await admin()
      .post(`/comments/${posted.body.comment.id}/${action}`)
      .set('X-Forwarded-For', '198.51.100.200')
      .set('User-Agent', 'ModeratorBrowser/1');
    expect(res.status).toBe(200);
    await app.moderation.drain();
    const sent = fake.requestsTo(action === 'spam' ? 'submit-spam' : 'submit-ham');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.params).toMatchObject({ user_ip: '192.0.2.77', user_agent: 'CommenterBrowser/9', comment_content: 'First! *Nice* article.' });
    expect(JSON.stringify(sent[0]!.params)).not.toMatch(/198\.51\.100\.200|ModeratorBrowser/);
  });
});
