/**
 * Issue 9, holes 1, 4 and 7 (and two smaller ones), reproduced through the HTTP API on SQLite with the fake Akismet:
 * an author's edit goes through the spam gate; trust as a returning commenter needs a signed commenter token;
 * replies under a hidden comment are refused; a spam first post does not name the thread's URL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = `${'m'.repeat(20)}-moderator-token-0123456789`;
const CASINO = 'best casino bonus https://a.example/1 https://a.example/2 https://a.example/3 https://a.example/4 https://a.example/5';

let fake: FakeAkismet;
let app: TestApp;

beforeAll(async () => {
  fake = await startFakeAkismet();
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await app?.close();
  fake.reset();
});

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ADMIN_TOKEN: `alice:${TOKEN}`,
    AKISMET_KEY: FAKE_AKISMET_KEY,
    AKISMET_ENDPOINT: fake.url,
    AKISMET_TIMEOUT_MS: '300',
    AKISMET_TEST: '1',
    PUBLIC_URL: 'https://comments.example.org',
    ...extra,
  };
}

const admin = {
  get: (path: string) => request(app.http).get(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`),
  post: (path: string, body: object = {}) => request(app.http).post(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
  put: (path: string, body: object) => request(app.http).put(`/api/v1/admin${path}`).set('Authorization', `Bearer ${TOKEN}`).send(body),
};

async function post(overrides: Record<string, unknown> = {}) {
  return request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.7').send(validComment(overrides));
}

async function posted(overrides: Record<string, unknown> = {}) {
  const res = await post(overrides);
  expect(res.status).toBe(201);
  return res.body as { comment: { id: string; author: { avatar: string | null } }; editToken: string; status: string; commenterToken?: string };
}

const edit = (id: string, editToken: string, body: string, ip = '203.0.113.7') =>
  request(app.http).patch(`/api/v1/comments/${id}`).set('Authorization', `Bearer ${editToken}`).set('X-Forwarded-For', ip).send({ body });

const publicHtml = async (url = ARTICLE) => JSON.stringify((await request(app.http).get('/api/v1/threads').query({ url })).body.comments);

const checks = () => fake.requestsTo('comment-check');

describe('an author’s edit goes through the spam gate', () => {
  it('BANNED_WORDS: an approved comment rewritten into spam is hidden, the author is told it awaits moderation', async () => {
    app = await createTestApp(env({ BANNED_WORDS: 'casino', TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    expect(c.status).toBe('approved');
    const res = await edit(c.comment.id, c.editToken, 'best casino bonus');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'pending', message: 'Your comment is awaiting moderation.' });
    expect(await publicHtml()).not.toContain('casino');
    expect(await publicHtml()).not.toContain('fair point');
    const stored = await app.storage.getComment(c.comment.id);
    expect(stored).toMatchObject({ status: 'spam', body: 'best casino bonus' });
    expect(stored?.spamReasons).toEqual(expect.arrayContaining(['banned_word', 'edited_after_approval']));
  });

  it('MAX_LINKS: five links hold the edit and moderators see the text before and after', async () => {
    app = await createTestApp(env({ MAX_LINKS: '2', TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    const res = await edit(c.comment.id, c.editToken, CASINO);
    expect(res.body.status).toBe('pending');
    expect((await app.storage.getComment(c.comment.id))?.status).toBe('pending');
    const queue = await admin.get('/comments?status=pending');
    const held = (queue.body.comments as { id: string; body: string; previousBody: string | null; previousHtml: string | null }[]).find((x) => x.id === c.comment.id);
    expect(held).toMatchObject({ body: CASINO, previousBody: 'A fair point about the article.', previousHtml: '<p>A fair point about the article.</p>\n' });
  });

  it('sends the edited text to Akismet (recheck_reason=edit) without asking for a form token or honeypot', async () => {
    app = await createTestApp(env({ TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    const before = checks().length;
    const res = await edit(c.comment.id, c.editToken, 'Fixed a typo in my fair point.');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('approved');
    expect(res.body.message).toBeUndefined();
    expect(checks()).toHaveLength(before + 1);
    expect(checks().at(-1)!.params).toMatchObject({ comment_content: 'Fixed a typo in my fair point.', recheck_reason: 'edit', user_ip: '203.0.113.7' });
    expect(await publicHtml()).toContain('Fixed a typo');
  });

  it('Akismet spam on the edit sends the comment to the spam queue', async () => {
    app = await createTestApp(env({ TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    fake.spamWhen((p) => (p.comment_content ?? '').includes('pills'));
    const res = await edit(c.comment.id, c.editToken, 'cheap pills here');
    expect(res.body.status).toBe('pending');
    expect((await app.storage.getComment(c.comment.id))?.status).toBe('spam');
  });

  it('Akismet discard: 403 comment_rejected with a neutral message and nothing changed', async () => {
    app = await createTestApp(env({ TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    fake.discardWhen((p) => (p.comment_content ?? '').includes('blatant'));
    const res = await edit(c.comment.id, c.editToken, 'blatant spam');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('comment_rejected');
    expect(res.body.error.message).not.toMatch(/spam|akismet/i);
    expect(await app.storage.getComment(c.comment.id)).toMatchObject({ status: 'approved', body: 'A fair point about the article.', history: [] });
  });

  it('MODERATION=all holds the edit of an approved comment', async () => {
    app = await createTestApp(env({ MODERATION: 'all', TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    await admin.post(`/comments/${c.comment.id}/approve`).expect(200);
    const res = await edit(c.comment.id, c.editToken, 'Changed after approval.');
    expect(res.body.status).toBe('pending');
    expect(await publicHtml()).toBe('[]');
    expect((await app.storage.getComment(c.comment.id))?.spamReasons).toEqual(expect.arrayContaining(['moderation_all', 'edited_after_approval']));
  });

  it('Akismet outage: the edit is held unchecked and the re-check job publishes it again on ham', async () => {
    app = await createTestApp(env({ MODERATION: 'first-time', TRUST_PROXY: '1' }));
    // An approved comment of someone with no other approved one: the edit must not fall under the first-time rule.
    const c = await posted({ body: 'A fair point about the article.' });
    await admin.post(`/comments/${c.comment.id}/approve`).expect(200);
    fake.setMode('error500', 'comment-check');
    const res = await edit(c.comment.id, c.editToken, 'Edited while Akismet is down.');
    expect(res.body.status).toBe('pending');
    const held = await app.storage.getComment(c.comment.id);
    expect(held).toMatchObject({ status: 'pending', spamCheck: 'unchecked' });
    expect(held?.recheck).not.toBeNull();
    expect(await publicHtml()).toBe('[]');

    fake.setMode('normal');
    app.clock.advance(61_000);
    const report = await app.jobs.recheck.runOnce();
    expect(report).toMatchObject({ due: 1, approved: 1 });
    expect(checks().at(-1)!.params).toMatchObject({ comment_content: 'Edited while Akismet is down.', recheck_reason: 'edit' });
    expect(await app.storage.getComment(c.comment.id)).toMatchObject({ status: 'approved', spamCheck: 'checked', recheck: null });
    expect(await publicHtml()).toContain('Edited while Akismet is down.');
  });

  it('an edit never publishes a held comment that a first-time rule still holds', async () => {
    app = await createTestApp(env({ MODERATION: 'first-time', TRUST_PROXY: '1' }));
    const c = await posted({ body: 'My first comment here.' });
    expect(c.status).toBe('pending');
    const res = await edit(c.comment.id, c.editToken, 'My first comment here, edited.');
    expect(res.body.status).toBe('pending');
    expect((await app.storage.getComment(c.comment.id))?.spamReasons).toContain('first_time_commenter');
  });

  it('refuses edits and deletes in a locked thread with 403 thread_locked', async () => {
    app = await createTestApp(env({ TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    await admin.put(`/threads?url=${encodeURIComponent(ARTICLE)}`, { locked: true }).expect(200);
    const edited = await edit(c.comment.id, c.editToken, 'rewritten');
    expect(edited.status).toBe(403);
    expect(edited.body.error.code).toBe('thread_locked');
    const deleted = await request(app.http).delete(`/api/v1/comments/${c.comment.id}`).set('Authorization', `Bearer ${c.editToken}`);
    expect(deleted.status).toBe(403);
    expect(deleted.body.error.code).toBe('thread_locked');
    expect(await app.storage.getComment(c.comment.id)).toMatchObject({ status: 'approved', body: 'A fair point about the article.' });
  });

  it('refuses the edit of a banned author (by email or by IP)', async () => {
    app = await createTestApp(env({ TRUST_PROXY: '1' }));
    const a = await posted({ body: 'A fair point about the article.' });
    await admin.post('/bans', { email: 'ada@example.org' }).expect(201);
    const byEmail = await edit(a.comment.id, a.editToken, 'rewritten');
    expect(byEmail.status).toBe(403);
    expect(byEmail.body.error.code).toBe('banned');

    const b = await posted({ body: 'Another point.', email: 'grace@example.org' });
    await admin.post('/bans', { ip: '198.51.100.9' }).expect(201);
    const byIp = await edit(b.comment.id, b.editToken, 'rewritten', '198.51.100.9');
    expect(byIp.status).toBe(403);
    expect(byIp.body.error.code).toBe('banned');
    expect((await app.storage.getComment(b.comment.id))?.body).toBe('Another point.');
  });
});

describe('returning commenters prove it with a signed commenter token', () => {
  it('an approved email alone is a first-time commenter; with the token its 201 is published', async () => {
    app = await createTestApp(env({ MODERATION: 'first-time' }));
    const first = await posted({ body: 'My first comment here.' });
    expect(first.status).toBe('pending');
    expect(first.commenterToken).toBeUndefined();
    await admin.post(`/comments/${first.comment.id}/approve`).expect(200);

    // Someone else, knowing only the address, borrows no trust.
    const borrowed = await posted({ body: 'Posing as Ada.', name: 'Not Ada' });
    expect(borrowed.status).toBe('pending');

    // The author's widget asks for its own comments by edit token and is given a commenter token.
    const mine = await request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: first.comment.id, editToken: first.editToken }] });
    const token = mine.body.comments[0].commenterToken as string;
    expect(token).toMatch(/^c1\./);
    expect(token).not.toContain('ada');
    const returning = await posted({ body: 'Back again.', commenterToken: token, email: ' ADA@example.org ' });
    expect(returning.status).toBe('approved');
    expect(returning.commenterToken).toMatch(/^c1\./);
  });

  it('a token of another email, a forged or a tampered one is held', async () => {
    app = await createTestApp(env({ MODERATION: 'first-time' }));
    const grace = await posted({ body: 'Grace here.', email: 'grace@example.org' });
    await admin.post(`/comments/${grace.comment.id}/approve`).expect(200);
    const ada = await posted({ body: 'Ada here.' });
    await admin.post(`/comments/${ada.comment.id}/approve`).expect(200);
    const mine = await request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: grace.comment.id, editToken: grace.editToken }] });
    const graceToken = mine.body.comments[0].commenterToken as string;

    expect((await posted({ body: 'With Grace’s token.', commenterToken: graceToken })).status).toBe('pending');
    const [v, t, mac] = graceToken.split('.');
    const flipped = `${v}.${t}.${mac!.startsWith('A') ? 'B' : 'A'}${mac!.slice(1)}`;
    expect((await posted({ body: 'Tampered.', email: 'grace@example.org', commenterToken: flipped })).status).toBe('pending');
    expect((await posted({ body: 'Forged.', commenterToken: `c1.${Date.now().toString(36)}.${'x'.repeat(43)}` })).status).toBe('pending');
    expect((await posted({ body: 'Still Grace.', email: 'grace@example.org', commenterToken: graceToken })).status).toBe('approved');
  });

  it('an Akismet outage does not turn a borrowed email into trust: the re-check keeps it held', async () => {
    app = await createTestApp(env({ MODERATION: 'first-time' }));
    const first = await posted({ body: 'My first comment here.' });
    await admin.post(`/comments/${first.comment.id}/approve`).expect(200);
    fake.setMode('error500', 'comment-check');
    const borrowed = await posted({ body: 'Posing as Ada while Akismet is down.', name: 'Not Ada' });
    expect(borrowed.status).toBe('pending');
    fake.setMode('normal');
    app.clock.advance(61_000);
    expect(await app.jobs.recheck.runOnce()).toMatchObject({ due: 1, held: 1, approved: 0 });
    expect((await app.storage.getComment(borrowed.comment.id))?.status).toBe('pending');
  });

  it('a held comment’s 201 carries no avatar key (no oracle for guessed emails)', async () => {
    app = await createTestApp(env({ MODERATION: 'all' }));
    const held = await posted({ body: 'Held one.', email: 'someone@example.org' });
    expect(held.status).toBe('pending');
    expect(held.comment.author.avatar).toBeNull();
    expect(held.commenterToken).toBeUndefined();
  });

  it('an edit answer for a comment that is no longer public carries no avatar key', async () => {
    app = await createTestApp(env({ BANNED_WORDS: 'casino', TRUST_PROXY: '1' }));
    const c = await posted({ body: 'A fair point about the article.' });
    expect(c.comment.author.avatar).toMatch(/^[0-9a-f]{32}$/);
    const res = await edit(c.comment.id, c.editToken, 'best casino bonus');
    expect(res.body.status).toBe('pending');
    expect(res.body.comment.author.avatar).toBeNull();
  });
});

describe('replies under a hidden comment are refused like replies to a missing one', () => {
  it('a parent marked spam hides its approved reply, and a reply to either is 404 parent_not_found', async () => {
    app = await createTestApp(env());
    const root = await posted({ body: 'Root comment.' });
    const child = await posted({ body: 'Approved reply.', parentId: root.comment.id, email: 'grace@example.org' });
    expect(child.status).toBe('approved');
    await admin.post(`/comments/${root.comment.id}/spam`).expect(200);
    expect(await publicHtml()).toBe('[]');

    for (const parentId of [root.comment.id, child.comment.id]) {
      const res = await post({ body: `Reply under hidden ${parentId}`, parentId, email: 'lin@example.org' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('parent_not_found');
    }
    const keys = await app.storage.countByStatus({});
    expect(keys.approved + keys.pending + keys.spam).toBe(2);
  });

  it('a rejected grandparent hides the chain below it', async () => {
    app = await createTestApp(env());
    const root = await posted({ body: 'Root comment.' });
    const mid = await posted({ body: 'Middle.', parentId: root.comment.id });
    const leaf = await posted({ body: 'Leaf.', parentId: mid.comment.id });
    await admin.post(`/comments/${root.comment.id}/reject`).expect(200);
    const res = await post({ body: 'Under the leaf.', parentId: leaf.comment.id });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('parent_not_found');
  });

  it('a deleted ancestor is a placeholder, not a hidden one: replies below it are still accepted', async () => {
    app = await createTestApp(env());
    const root = await posted({ body: 'Root comment.' });
    const mid = await posted({ body: 'Middle.', parentId: root.comment.id });
    await request(app.http).delete(`/api/v1/comments/${root.comment.id}`).set('Authorization', `Bearer ${root.editToken}`).expect(204);
    const res = await post({ body: 'Under the middle.', parentId: mid.comment.id });
    expect(res.status).toBe(201);
  });
});

describe('the thread’s URL', () => {
  it('is not set by a spam or held first post to a threadId, only by a published one', async () => {
    app = await createTestApp(env());
    const spam = await post({ threadId: 'story-42', url: 'https://evil.example/landing', name: 'akismet-guaranteed-spam', body: 'Visit us.' });
    expect(spam.status).toBe(201);
    expect(spam.body.status).toBe('pending');
    const held = await post({ threadId: 'story-42', url: 'https://evil.example/other', body: 'No form token.', formToken: undefined });
    expect(held.body.status).toBe('pending');
    const read = async () => (await request(app.http).get('/api/v1/threads').query({ threadId: 'story-42' })).body.thread.url;
    expect(await read()).toBeNull();
    const key = (await request(app.http).get('/api/v1/threads').query({ threadId: 'story-42' })).body.thread.key as string;
    expect((await app.storage.getThread(key))?.url).toBeNull();

    const good = await post({ threadId: 'story-42', url: ARTICLE, body: 'A real comment.' });
    expect(good.body.status).toBe('approved');
    expect(await read()).toBe(ARTICLE);
  });
});
