import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';

const MOD = 'moderator.one@example.net';

describe('moderator alerts by mail', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
  });
  afterAll(async () => {
    await smtp.close();
  });
  afterEach(async () => {
    await app?.close();
    smtp.received.length = 0;
    smtp.refuse(false);
  });

  const open = (env: Record<string, string> = {}) =>
    createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', MODERATOR_EMAILS: MOD, MODERATION: 'all', PUBLIC_URL: 'https://comments.example.com', ...env });

  it('mails the moderators when a comment is held: the text, the thread, the reasons in words, escaped', async () => {
    app = await open();
    const posted = await request(app.http)
      .post('/api/v1/comments')
      .send(validComment({ name: 'Eve <b>bold</b>', email: 'eve.author@example.org', body: 'Look <script>alert(1)</script> here' }));
    expect(posted.status).toBe(201);
    expect(smtp.received).toHaveLength(0);

    expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.to).toEqual([MOD]);
    expect(mail.header('Subject')).toMatch(/Held for moderation/);
    expect(mail.raw).toContain(ARTICLE);
    expect(mail.raw).toContain('every comment is reviewed');
    expect(mail.raw).toContain('https://comments.example.com/admin');
    const htmlPart = mail.raw.slice(mail.raw.indexOf('Content-Type: text/html')).replace(/=\r?\n/g, '');
    expect(htmlPart).toContain('&lt;script&gt;');
    expect(htmlPart).toContain('Eve &lt;b&gt;bold&lt;/b&gt;');
    expect(htmlPart).not.toMatch(/<script>|<b>bold/);
    expect(mail.raw).not.toContain('eve.author@example.org');
    expect(app.logText()).not.toContain(MOD);
    expect(app.logText()).not.toContain('eve.author');
  });

  /** The approve and spam links of an alert (the text part, quoted-printable soft breaks undone). */
  const linksOf = (raw: string) => {
    const text = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const approve = /Approve: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(text)?.[1];
    const spam = /Mark as spam: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(text)?.[1];
    if (!approve || !spam) throw new Error('no links in the alert');
    return { approve, spam };
  };

  it('approves from the signed link once, after a confirmation page, and refuses a second use, a forged or an expired link', async () => {
    app = await open();
    const first = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'link me' }))).body.comment.id as string;
    const second = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'later' }))).body.comment.id as string;
    await app.jobs.outbox.runOnce();
    const mails = new Map(smtp.received.map((m) => [m.raw.includes('link me') ? first : second, linksOf(m.raw)]));

    const links = mails.get(first)!;
    const shown = await request(app.http).get(links.approve);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('link me');
    expect((await app.storage.getComment(first))?.status).toBe('pending');

    const done = await request(app.http).post(links.approve);
    expect(done.status).toBe(200);
    expect((await app.storage.getComment(first))?.status).toBe('approved');
    const audit = await app.storage.listAudit({ commentId: first, cursor: null, limit: 5 });
    expect(audit.entries[0]).toMatchObject({ actor: 'mail-link', action: 'approve', from: 'pending', to: 'approved' });

    expect((await request(app.http).post(links.approve)).status).toBe(409);
    expect((await request(app.http).post(links.spam)).status).toBe(409);
    expect((await app.storage.getComment(first))?.status).toBe('approved');
    // Back in the queue (deleted, then restored by a moderator): the old links stay used.
    await app.moderation.act('mod', first, 'delete', null);
    await app.moderation.act('mod', first, 'restore', null);
    expect((await app.storage.getComment(first))?.status).toBe('pending');
    expect((await request(app.http).get(links.spam)).status).toBe(409);
    expect((await request(app.http).post(links.spam)).status).toBe(409);
    expect((await app.storage.getComment(first))?.status).toBe('pending');

    const forged = mails.get(second)!.approve.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect((await request(app.http).post(forged)).status).toBe(400);
    const otherComment = mails.get(second)!.approve.replace(/^\/moderate\/[^.]+/, `/moderate/${Buffer.from(first).toString('base64url')}`);
    expect((await request(app.http).post(otherComment)).status).toBe(400);
    app.clock.advance(8 * 24 * 3_600_000);
    expect((await request(app.http).post(mails.get(second)!.spam)).status).toBe(410);
    expect((await app.storage.getComment(second))?.status).toBe('pending');
  });

  it('sends nothing for a published comment', async () => {
    app = await open({ MODERATION: 'none' });
    await request(app.http).post('/api/v1/comments').send(validComment());
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(0);
  });

  it('keeps alerts while the SMTP server is down or refusing, and delivers each exactly once when it is back', async () => {
    app = await open();
    await smtp.stop();
    for (const body of ['one', 'two', 'three']) await request(app.http).post('/api/v1/comments').send(validComment({ body: `held ${body}` }));
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 3, retried: 3 });

    await smtp.restart();
    smtp.refuse(true);
    app.clock.advance(60_000);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 3, retried: 3 });
    expect(smtp.received).toHaveLength(0);

    smtp.refuse(false);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    app.clock.advance(120_000);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 3, delivered: 3 });
    app.clock.advance(24 * 3_600_000);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });

    expect(smtp.received).toHaveLength(3);
    const ids = smtp.received.map((m) => m.header('Message-ID'));
    expect(new Set(ids).size).toBe(3);
    expect(smtp.received.map((m) => (/held (one|two|three)/.exec(m.raw) ?? [])[1]).sort()).toEqual(['one', 'three', 'two']);
    expect(app.logText()).not.toContain(MOD);
  });
});
