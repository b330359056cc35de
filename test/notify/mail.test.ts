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
