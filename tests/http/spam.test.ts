/**
 * The spam pipeline through the HTTP API, on SQLite, with a local fake Akismet. No comment is visible to other
 * readers before a definitive verdict, and every 201 is a stored comment, whatever Akismet does.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { COMMENT_STATUSES, HONEYPOT_FIELD } from '../../src/domain/comment.js';
import { threadKeyFromUrl } from '../../src/domain/thread.js';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet, type FakeAkismetMode } from '../support/fake-akismet.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

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
  fake.setValidKeys([FAKE_AKISMET_KEY]);
});

function akismetEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    AKISMET_KEY: FAKE_AKISMET_KEY,
    AKISMET_ENDPOINT: fake.url,
    AKISMET_TIMEOUT_MS: '300',
    AKISMET_TEST: '1',
    PUBLIC_URL: 'https://comments.example.org',
    ...extra,
  };
}

const post = (body: Record<string, unknown>) =>
  request(app.http)
    .post('/api/v1/comments')
    .set('User-Agent', 'Commenter-Browser/1.0')
    .set('Referer', ARTICLE)
    .send(body);

const threadIds = async (url = ARTICLE) =>
  ((await request(app.http).get('/api/v1/threads').query({ url })).body.comments as { id: string }[]).map((c) => c.id);

const storedCount = async (url = ARTICLE) => {
  const key = threadKeyFromUrl(url, { allowedOrigins: null }).key;
  return (await app.storage.countByThreads({ threadKeys: [key], statuses: COMMENT_STATUSES })).get(key) ?? 0;
};

describe('Akismet verdicts', () => {
  it('publishes ham and sends Akismet the full context of the comment', async () => {
    app = await createTestApp(akismetEnv());
    const res = await post(validComment({ website: 'https://ada.example/' }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('approved');
    expect(await threadIds()).toEqual([res.body.comment.id]);

    const check = fake.requestsTo('comment-check').at(-1)!;
    expect(check.params).toMatchObject({
      api_key: FAKE_AKISMET_KEY,
      blog: 'https://comments.example.org',
      user_ip: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
      user_agent: 'Commenter-Browser/1.0',
      referrer: ARTICLE,
      permalink: ARTICLE,
      comment_type: 'comment',
      comment_author: 'Ada Lovelace',
      comment_author_email: 'ada@example.org',
      comment_author_url: 'https://ada.example/',
      comment_content: 'First! *Nice* article.',
      blog_charset: 'UTF-8',
      blog_lang: 'en',
      honeypot_field_name: HONEYPOT_FIELD,
      is_test: '1',
    });
    expect(new Date(check.params.comment_date_gmt!).toISOString()).toBe(new Date(app.clock.now).toISOString());
    const stored = await app.storage.getComment(res.body.comment.id);
    expect(stored).toMatchObject({ status: 'approved', spamCheck: 'checked', recheck: null });
  });

  it('marks replies as comment_type reply', async () => {
    app = await createTestApp(akismetEnv());
    const parent = await post(validComment());
    await post(validComment({ parentId: parent.body.comment.id, body: 'a reply' }));
    expect(fake.requestsTo('comment-check').at(-1)!.params.comment_type).toBe('reply');
  });

  it('stores spam hidden, in the spam queue, and tells the poster only "awaiting moderation"', async () => {
    app = await createTestApp(akismetEnv());
    const res = await post(validComment({ name: 'akismet-guaranteed-spam' }));
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('pending');
    expect(res.body.message).toBe('Your comment is awaiting moderation.');
    expect(await threadIds()).toEqual([]);
    expect((await app.storage.getComment(res.body.comment.id))?.status).toBe('spam');
  });

  it('refuses a comment Akismet says to discard, with a neutral message, and stores nothing', async () => {
    app = await createTestApp(akismetEnv());
    fake.setMode('discard', 'comment-check');
    const res = await post(validComment());
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'comment_rejected', message: 'Your comment could not be posted.' });
    expect(await storedCount()).toBe(0);
  });
});

describe('when Akismet fails', () => {
  const modes: [string, FakeAkismetMode | 'invalid_key'][] = [
    ['hangs', 'hang'],
    ['answers 500', 'error500'],
    ['answers garbage', 'garbage'],
    ['rejects the key', 'invalid_key'],
  ];

  it.each(modes)('holds every comment unchecked and never shows it when Akismet %s, then decides without a human once it answers', async (_label, mode) => {
    if (mode === 'invalid_key') fake.setValidKeys(['some-other-key']);
    else fake.setMode(mode, 'comment-check');
    app = await createTestApp(akismetEnv());

    const answers = [
      await post(validComment({ body: 'one' })),
      await post(validComment({ body: 'two', email: 'bob@example.org' })),
      await post(validComment({ body: 'three', name: 'akismet-guaranteed-spam' })),
    ];
    for (const a of answers) {
      expect(a.status).toBe(201);
      expect(a.body.status).toBe('pending');
      expect(a.body.message).toBe('Your comment is awaiting moderation.');
    }
    expect(await storedCount()).toBe(answers.length);
    expect(await threadIds()).toEqual([]);
    for (const a of answers) {
      const c = await app.storage.getComment(a.body.comment.id);
      expect(c).toMatchObject({ status: 'pending', spamCheck: 'unchecked' });
      expect(c?.recheck?.nextAt.getTime()).toBe(app.clock.now + 60_000);
    }

    // Akismet still failing: a re-check keeps them hidden and backs off.
    app.clock.advance(61_000);
    const stillFailing = await app.jobs.recheck.runOnce();
    expect(stillFailing).toMatchObject({ due: 3, retried: 3 });
    expect(await threadIds()).toEqual([]);

    // Akismet answers again: the next due re-check decides, without a human.
    fake.setMode('normal');
    fake.setValidKeys([FAKE_AKISMET_KEY]);
    app.clock.advance(11 * 60_000);
    const report = await app.jobs.recheck.runOnce();
    expect(report).toMatchObject({ due: 3, approved: 2, spam: 1 });
    expect((await threadIds()).sort()).toEqual([answers[0]!.body.comment.id, answers[1]!.body.comment.id].sort());
    expect((await app.storage.getComment(answers[2]!.body.comment.id))?.status).toBe('spam');
    expect(await storedCount()).toBe(answers.length);
  });

  it('re-checks with the commenter’s original context', async () => {
    fake.setMode('error500', 'comment-check');
    app = await createTestApp(akismetEnv({ TRUST_PROXY: '1' }));
    await post(validComment()).set('X-Forwarded-For', '203.0.113.9');
    fake.setMode('normal');
    app.clock.advance(61_000);
    await app.jobs.recheck.runOnce();
    const recheck = fake.requestsTo('comment-check').at(-1)!;
    expect(recheck.params).toMatchObject({ user_ip: '203.0.113.9', user_agent: 'Commenter-Browser/1.0', referrer: ARTICLE });
  });

  it('gives up after 24 hours and leaves the comment pending for a human', async () => {
    fake.setMode('error500', 'comment-check');
    app = await createTestApp(akismetEnv());
    const res = await post(validComment());
    let passes = 0;
    for (let hour = 0; hour < 30; hour += 1) {
      app.clock.advance(60 * 60_000);
      passes += (await app.jobs.recheck.runOnce()).due;
    }
    const c = await app.storage.getComment(res.body.comment.id);
    expect(c).toMatchObject({ status: 'pending', spamCheck: 'unchecked', recheck: null });
    expect(c?.spamReasons).toContain('recheck_gave_up');
    expect(passes).toBeGreaterThanOrEqual(20);
    expect(passes).toBeLessThanOrEqual(30);
    expect(await threadIds()).toEqual([]);
  });

  it('does not let a later re-check overrule a moderator', async () => {
    fake.setMode('hang', 'comment-check');
    app = await createTestApp(akismetEnv());
    const res = await post(validComment({ name: 'akismet-guaranteed-spam' }));
    await app.storage.updateComment(res.body.comment.id, { status: 'approved' });
    fake.setMode('normal');
    app.clock.advance(61_000);
    await app.jobs.recheck.runOnce();
    expect((await app.storage.getComment(res.body.comment.id))?.status).toBe('approved');
  });
});

describe('local checks', () => {
  it('treats a filled honeypot as spam, answers like any held comment, and does not ask Akismet', async () => {
    app = await createTestApp(akismetEnv());
    const res = await post(validComment({ [HONEYPOT_FIELD]: 'http://spam.example' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'pending', message: 'Your comment is awaiting moderation.' });
    expect((await app.storage.getComment(res.body.comment.id))?.status).toBe('spam');
    expect(fake.requestsTo('comment-check')).toHaveLength(0);
  });

  it('ignores an empty honeypot', async () => {
    app = await createTestApp();
    const res = await post(validComment({ [HONEYPOT_FIELD]: '' }));
    expect(res.body.status).toBe('approved');
  });

  describe('form tokens', () => {
    const token = async (url = ARTICLE) => (await request(app.http).get('/api/v1/form-token').query({ url })).body.token as string;

    it('issues a signed token with the rules the widget needs', async () => {
      app = await createTestApp();
      const res = await request(app.http).get('/api/v1/form-token').query({ url: ARTICLE });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toMatchObject({ minSubmitSeconds: 3, editWindowMinutes: 15, honeypotField: HONEYPOT_FIELD, token: expect.stringMatching(/^v1\./) });
    });

    it('publishes a post made a few seconds after the token was issued', async () => {
      app = await createTestApp();
      const t = await token();
      app.clock.advance(5_000);
      expect((await post(validComment({ formToken: t }))).body.status).toBe('approved');
    });

    it.each([
      ['too soon after the token was issued', 1_000, 'submitted_too_fast'],
      ['after the token expired', 25 * 3_600_000, 'form_token_expired'],
    ])('holds a post made %s', async (_label, wait, reason) => {
      app = await createTestApp();
      const t = await token();
      app.clock.advance(wait);
      const res = await post(validComment({ formToken: t }));
      expect(res.status).toBe(201);
      expect(res.body.status).toBe('pending');
      const stored = await app.storage.getComment(res.body.comment.id);
      expect(stored?.status).toBe('pending');
      expect(stored?.spamReasons).toContain(reason);
    });

    it.each([
      ['a forged token', async (t: string) => `${t.slice(0, -4)}AAAA`, 'form_token_invalid'],
      ['a token of another thread', async () => token('https://news.example.org/other'), 'form_token_invalid'],
      ['no token', async () => undefined, 'no_form_token'],
    ])('holds a post with %s', async (_label, tokenFor, reason) => {
      app = await createTestApp();
      const t = await tokenFor(await token());
      app.clock.advance(10_000);
      const res = await post(validComment({ formToken: t }));
      expect(res.body.status).toBe('pending');
      expect((await app.storage.getComment(res.body.comment.id))?.spamReasons).toContain(reason);
      expect(await threadIds()).toEqual([]);
    });
  });

  it('holds a comment with more links than MAX_LINKS', async () => {
    app = await createTestApp({ MAX_LINKS: '2' });
    const two = await post(validComment({ body: 'see https://a.example and [b](https://b.example)' }));
    expect(two.body.status).toBe('approved');
    const three = await post(validComment({ body: 'https://a.example https://b.example [c](https://c.example)' }));
    expect(three.body.status).toBe('pending');
    expect((await app.storage.getComment(three.body.comment.id))?.spamReasons).toContain('too_many_links');
  });

  it('marks banned words as spam: whole words, any case, Unicode-aware', async () => {
    app = await createTestApp({ BANNED_WORDS: 'casino, cheap pills, déjà' });
    const cases: [string, 'approved' | 'spam'][] = [
      ['Best CASINO in town', 'spam'],
      ['Buy Cheap   Pills now', 'spam'],
      ['Fullwidth ｃａｓｉｎｏ trick', 'spam'],
      ['DÉJÀ vu all over again', 'spam'],
      ['The casinos of Monaco', 'approved'],
      ['Anticasino movement', 'approved'],
      ['déjàvu is one word here', 'approved'],
    ];
    for (const [body, expected] of cases) {
      const res = await post(validComment({ body, email: `${Math.random().toString(36).slice(2)}@example.org` }));
      expect(res.status).toBe(201);
      expect([body, (await app.storage.getComment(res.body.comment.id))?.status]).toEqual([body, expected]);
    }
    const byName = await post(validComment({ name: 'casino king', body: 'hello' }));
    expect((await app.storage.getComment(byName.body.comment.id))?.status).toBe('spam');
  });

  it('refuses the same body from the same email on the same thread within 24 hours', async () => {
    app = await createTestApp();
    expect((await post(validComment({ body: 'Same words' }))).status).toBe(201);
    const again = await post(validComment({ body: 'Same words', email: 'ADA@example.org' }));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('duplicate_comment');
    expect((await post(validComment({ body: 'Same words', url: 'https://news.example.org/other' }))).status).toBe(201);
    expect((await post(validComment({ body: 'Same words', email: 'grace@example.org' }))).status).toBe(201);
    app.clock.advance(24 * 3_600_000 + 1000);
    expect((await post(validComment({ body: 'Same words' }))).status).toBe(201);
  });
});

describe('moderation modes', () => {
  it('none: publishes what passes the checks', async () => {
    app = await createTestApp({ MODERATION: 'none' });
    expect((await post(validComment())).body.status).toBe('approved');
  });

  it('first-time: holds an email’s first comment until one is approved, then publishes posts that carry its commenter token', async () => {
    app = await createTestApp({ MODERATION: 'first-time' });
    const first = await post(validComment({ body: 'my first' }));
    expect(first.body.status).toBe('pending');
    expect((await app.storage.getComment(first.body.comment.id))?.spamReasons).toContain('first_time_commenter');
    expect((await post(validComment({ body: 'my second' }))).body.status).toBe('pending');
    await app.storage.updateComment(first.body.comment.id, { status: 'approved' });
    // The email alone is not proof: the commenter token handed to the holder of the approved comment's edit token is.
    expect((await post(validComment({ body: 'my third, email only' }))).body.status).toBe('pending');
    const mine = await request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: first.body.comment.id, editToken: first.body.editToken }] });
    const commenterToken = mine.body.comments[0].commenterToken as string;
    expect((await post(validComment({ body: 'my third', email: ' Ada@Example.org ', commenterToken }))).body.status).toBe('approved');
    expect((await post(validComment({ body: 'newcomer', email: 'new@example.org' }))).body.status).toBe('pending');
  });

  it('all: holds every comment', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const first = await post(validComment());
    await app.storage.updateComment(first.body.comment.id, { status: 'approved' });
    expect((await post(validComment({ body: 'again' }))).body.status).toBe('pending');
  });
});

describe('the author’s own held comments', () => {
  it('are returned to their author by edit token, marked pending, and to nobody else', async () => {
    app = await createTestApp({ MODERATION: 'all' });
    const mine = await post(validComment());
    const other = await post(validComment({ email: 'x@example.org', body: 'other' }));
    const res = await request(app.http)
      .post('/api/v1/comments/mine')
      .send({ comments: [{ id: mine.body.comment.id, editToken: mine.body.editToken }, { id: other.body.comment.id, editToken: mine.body.editToken }] });
    expect(res.status).toBe(200);
    expect(res.body.comments).toHaveLength(1);
    expect(res.body.comments[0]).toMatchObject({ id: mine.body.comment.id, status: 'pending' });
    expect(JSON.stringify(res.body)).not.toContain('ada@example.org');
    expect(await threadIds()).toEqual([]);
  });
});

describe('counters for metrics', () => {
  it('counts verdicts by check and result, check latency, and the unchecked backlog', async () => {
    fake.setMode('error500', 'comment-check');
    app = await createTestApp(akismetEnv());
    await post(validComment());
    await post(validComment({ body: 'x', [HONEYPOT_FIELD]: 'bot' }));
    const text = await app.metrics.registry.metrics();
    expect(text).toMatch(/parley_spam_verdicts_total\{check="akismet",result="unchecked"\} 1/);
    expect(text).toMatch(/parley_spam_verdicts_total\{check="honeypot",result="spam"\} 1/);
    expect(text).toMatch(/parley_spam_check_duration_seconds_count\{check="akismet"\} 1/);
    expect(text).toMatch(/parley_spam_unchecked_backlog 1/);
    expect(text).toMatch(/parley_comments_created_total\{status="spam"\} 1/);
  });
});

describe('retention', () => {
  it('erases the commenter’s IP, user agent and referrer after RETENTION_DAYS', async () => {
    app = await createTestApp({ RETENTION_DAYS: '30' });
    const res = await post(validComment());
    expect((await app.storage.getComment(res.body.comment.id))?.context.ip).not.toBeNull();
    app.clock.advance(29 * 86_400_000);
    await app.jobs.retention.runOnce();
    expect((await app.storage.getComment(res.body.comment.id))?.context.ip).not.toBeNull();
    app.clock.advance(2 * 86_400_000);
    await app.jobs.retention.runOnce();
    expect((await app.storage.getComment(res.body.comment.id))?.context).toEqual({ ip: null, userAgent: null, referrer: null });
  });
});
