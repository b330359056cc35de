import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, TEST_SECRET, validComment, type TestApp } from '../support/test-app.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { openMongoStorage } from '../../src/storage/mongo/mongo-storage.js';
import { heldState, LINK_VALID_MS, signModerationLink } from '../../src/notify/moderation-link.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { readMail } from '../support/mime-parts.js';

const MOD = 'moderator.digest@example.net';
const MINUTE = 60_000;

describe('moderator digests (MODERATOR_DIGEST_MINUTES)', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    await smtp.close();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    smtp.received.length = 0;
    smtp.refuse(false);
  });

  const open = async (env: Record<string, string> = {}) => {
    const app = await createTestApp({
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Parley <comments@example.com>',
      MODERATOR_EMAILS: MOD,
      MODERATION: 'all',
      PUBLIC_URL: 'https://comments.example.com',
      MODERATOR_DIGEST_MINUTES: '15',
      ...env,
    });
    apps.push(app);
    return app;
  };
  const hold = async (app: TestApp, body: string, name = 'Ada') => {
    const res = await request(app.http).post('/api/v1/comments').send(validComment({ body, name }));
    expect(res.status).toBe(201);
    return res.body.comment.id as string;
  };

  it('lists several held comments in one mail, and a comment held after it in the next one', async () => {
    const app = await open();
    for (const body of ['first held', 'second held', 'third held']) await hold(app, body);
    // Nothing goes out before the window ends: the items are parked, the digest is not due.
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    app.clock.advance(10 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(0);

    app.clock.advance(5 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(smtp.received).toHaveLength(1);
    const first = readMail(smtp.received[0]!.raw);
    expect(smtp.received[0]!.to).toEqual([MOD]);
    expect(first.subject).toBe('3 comments held for moderation');
    for (const body of ['first held', 'second held', 'third held']) {
      expect(first.text).toContain(body);
      expect(first.html).toContain(body);
    }
    expect(first.text.indexOf('first held')).toBeLessThan(first.text.indexOf('third held'));
    expect(first.text).toContain('every comment is reviewed (MODERATION=all)');
    expect(first.text.match(/Approve: https:\/\/comments\.example\.com\/moderate\//g)).toHaveLength(3);

    await hold(app, 'fourth held');
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    app.clock.advance(15 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(smtp.received).toHaveLength(2);
    const second = readMail(smtp.received[1]!.raw);
    expect(second.subject).toBe('1 comment held for moderation');
    expect(second.text).toContain('fourth held');
    expect(second.text).not.toMatch(/first held|second held|third held/);

    app.clock.advance(60 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(2);
  });

  it("approves from a digest's link once, and shows a comment decided before the digest as decided", async () => {
    const app = await open();
    const keep = await hold(app, 'approve me from the digest');
    const decided = await hold(app, 'decided on the admin page');
    const junk = await hold(app, 'spam me from the digest');
    // Another moderator decides one before the digest goes out (through the same signed-link use case).
    const state = await heldState(app.storage, (await app.storage.getComment(decided))!);
    const early = signModerationLink(TEST_SECRET, { commentId: decided, action: 'approve', expiresAt: new Date(app.clock.now + LINK_VALID_MS), state });
    expect((await request(app.http).post(`/moderate/${early}`)).status).toBe(200);
    app.clock.advance(15 * MINUTE);
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    const { text } = readMail(smtp.received[0]!.raw);
    const section = (id: string, body: string) => {
      const start = text.indexOf(body);
      const next = text.indexOf('— ', start);
      return { id, text: text.slice(start, next === -1 ? undefined : next) };
    };
    const linkIn = (s: { text: string }, label: string) => new RegExp(`${label}: https://comments\\.example\\.com(/moderate/[A-Za-z0-9_.-]+)`).exec(s.text)?.[1];

    const approve = linkIn(section(keep, 'approve me from the digest'), 'Approve')!;
    expect((await request(app.http).get(approve)).status).toBe(200);
    expect((await app.storage.getComment(keep))?.status).toBe('pending');
    expect((await request(app.http).post(approve)).status).toBe(200);
    expect((await app.storage.getComment(keep))?.status).toBe('approved');
    expect((await request(app.http).post(approve)).status).toBe(409);

    const spam = linkIn(section(junk, 'spam me from the digest'), 'Mark as spam')!;
    expect((await request(app.http).post(spam)).status).toBe(200);
    expect((await app.storage.getComment(junk))?.status).toBe('spam');
    expect((await request(app.http).post(spam)).status).toBe(409);

    const shown = section(decided, 'decided on the admin page');
    expect(shown.text).toContain('Already decided: approved.');
    expect(linkIn(shown, 'Approve')).toBeUndefined();
  });

  it('keeps the digest while SMTP refuses, and the retry also lists a comment held meanwhile: none skipped', async () => {
    const app = await open();
    await hold(app, 'before the outage');
    app.clock.advance(15 * MINUTE);
    smtp.refuse(true);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    await hold(app, 'during the outage');
    smtp.refuse(false);
    app.clock.advance(2 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(smtp.received).toHaveLength(1);
    const { text, subject } = readMail(smtp.received[0]!.raw);
    expect(subject).toBe('2 comments held for moderation');
    expect(text).toContain('before the outage');
    expect(text).toContain('during the outage');
    // The window the second comment was held in has its own digest; with nothing left to list it sends nothing.
    app.clock.advance(30 * MINUTE);
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    expect(app.logText()).not.toContain(MOD);
  });

  it('sends one mail when two windows\' digests fall due in one pass', async () => {
    const app = await open();
    smtp.refuse(true);
    await hold(app, 'window one');
    app.clock.advance(15 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    await hold(app, 'window two');
    app.clock.advance(30 * MINUTE);
    smtp.refuse(false);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 2, delivered: 2 });
    expect(smtp.received).toHaveLength(1);
    const { subject, text } = readMail(smtp.received[0]!.raw);
    expect(subject).toBe('2 comments held for moderation');
    expect(text).toContain('window one');
    expect(text).toContain('window two');
  });

  it('lists at most 50 comments in one digest and the rest in the next window\'s', async () => {
    const app = await open();
    for (let i = 0; i < 52; i++) await hold(app, `number ${i}`);
    app.clock.advance(15 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
    const first = readMail(smtp.received[0]!.raw);
    expect(first.subject).toBe('50 comments held for moderation');
    expect(first.text).toMatch(/number 0\r?\n/);
    expect(first.text).toMatch(/number 49\r?\n/);
    expect(first.text).not.toMatch(/number 50\r?\n/);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    app.clock.advance(15 * MINUTE);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
    const second = readMail(smtp.received[1]!.raw);
    expect(second.subject).toBe('2 comments held for moderation');
    expect(second.text).toMatch(/number 50\r?\n/);
    expect(second.text).toMatch(/number 51\r?\n/);
    expect(smtp.received).toHaveLength(2);
  });

  it('sends one digest when two instances share the store', async () => {
    const a = await open();
    // A second instance: its own connection to the same SQLite file.
    const b = await createTestApp(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', MODERATOR_EMAILS: MOD, MODERATION: 'all', PUBLIC_URL: 'https://comments.example.com', MODERATOR_DIGEST_MINUTES: '15' },
      openSqliteStorage({ dataDir: a.dataDir }),
    );
    apps.unshift(b);
    await hold(a, 'held on instance a');
    await hold(b, 'held on instance b');
    a.clock.advance(15 * MINUTE);
    b.clock.advance(15 * MINUTE);
    const reports = await Promise.all([a.jobs.outbox.runOnce(), b.jobs.outbox.runOnce()]);
    expect(reports.reduce((n, r) => n + r.delivered, 0)).toBe(1);
    expect(smtp.received).toHaveLength(1);
    const { text } = readMail(smtp.received[0]!.raw);
    expect(text).toContain('held on instance a');
    expect(text).toContain('held on instance b');
  });
});

/** The digest on MongoDB (FerretDB here) when MONGODB_URI is set; skipped loudly otherwise (the contract covers the port). */
const MONGO = process.env.MONGODB_URI;
(MONGO ? describe : describe.skip)('moderator digests on MongoDB', () => {
  it('lists the held comments in one digest, its links work once, and a later comment goes in the next one', async () => {
    const smtp = await startSmtpReceiver();
    const storage = await openMongoStorage({ uri: MONGO!.replace(/\/([^/?]*)(\?|$)/, `/parley_notify_digest_${Date.now()}$2`) });
    const app = await createTestApp(
      { SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', MODERATOR_EMAILS: MOD, MODERATION: 'all', PUBLIC_URL: 'https://comments.example.com', MODERATOR_DIGEST_MINUTES: '15' },
      storage,
    );
    try {
      const ids: string[] = [];
      for (const body of ['mongo one', 'mongo two']) ids.push((await request(app.http).post('/api/v1/comments').send(validComment({ body }))).body.comment.id as string);
      expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
      app.clock.advance(15 * MINUTE);
      expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
      expect(smtp.received).toHaveLength(1);
      const { text } = readMail(smtp.received[0]!.raw);
      expect(text).toContain('mongo one');
      expect(text).toContain('mongo two');
      const approve = /Approve: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(text)![1]!;
      expect((await request(app.http).post(approve)).status).toBe(200);
      expect((await request(app.http).post(approve)).status).toBe(409);
      expect((await app.storage.getComment(ids[0]!))?.status).toBe('approved');

      await request(app.http).post('/api/v1/comments').send(validComment({ body: 'mongo three' }));
      app.clock.advance(15 * MINUTE);
      expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
      const next = readMail(smtp.received[1]!.raw).text;
      expect(next).toContain('mongo three');
      expect(next).not.toContain('mongo one');
    } finally {
      await app.close();
      await smtp.close();
    }
  });
});
if (!MONGO) console.warn('!! moderator digests on MongoDB skipped: set MONGODB_URI (e.g. mongodb://127.0.0.1:27018/parley_x) to run it');
