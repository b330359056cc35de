import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { readMail } from '../support/mime-parts.js';

const HOSTILE_NAME = '"><img src=x onerror=alert(1)>';
const HOSTILE_BODY = 'Hi <script>alert("x")</script> & <a href="javascript:alert(2)">click</a>';

describe('moderator mails in the widget languages', () => {
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
  });

  const open = (env: Record<string, string>) =>
    createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', MODERATOR_EMAILS: 'mod@example.net', MODERATION: 'all', PUBLIC_URL: 'https://comments.example.com', ...env });
  const holdHostile = async (suffix = '') => {
    const res = await request(app.http).post('/api/v1/comments').send(validComment({ name: HOSTILE_NAME, body: HOSTILE_BODY + suffix }));
    expect(res.status).toBe(201);
  };
  const expectEscaped = (html: string) => {
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a href=&quot;javascript:alert(2)&quot;&gt;click&lt;/a&gt;');
    expect(html).not.toMatch(/<img|<script|<a href="javascript/i);
  };

  it('writes the alert in French (MODERATOR_LANG=fr), reader strings escaped in the HTML part', async () => {
    app = await open({ MODERATOR_LANG: 'fr' });
    await holdHostile();
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    const mail = readMail(smtp.received[0]!.raw);
    expect(mail.subject).toBe(`Retenu pour modération : ${HOSTILE_NAME} sur https://news.example.org/2026/06/a-story`);
    expect(mail.text).toContain('Un commentaire a été retenu pour modération.');
    expect(mail.text).toContain('Pourquoi: chaque commentaire est relu (MODERATION=all)');
    expect(mail.text).toMatch(/Approuver: https:\/\/comments\.example\.com\/moderate\//);
    expect(mail.text).toContain(`Auteur: ${HOSTILE_NAME}`);
    expect(mail.html).toContain('<html lang="fr">');
    expectEscaped(mail.html);
  });

  it('writes the digest in Chinese from SITE_LANG=zh_CN, reader strings escaped in the HTML part', async () => {
    app = await open({ SITE_LANG: 'zh_CN, en', MODERATOR_DIGEST_MINUTES: '5' });
    await holdHostile(' one');
    await holdHostile(' two');
    app.clock.advance(5 * 60_000);
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    const mail = readMail(smtp.received[0]!.raw);
    expect(mail.subject).toBe('2 条评论待审核');
    expect(mail.text).toContain('自上次汇总以来，有 2 条评论被暂扣，等待审核。');
    expect(mail.text).toContain('原因: 每条评论都需审核（MODERATION=all）');
    expect(mail.text.match(/批准: https:\/\/comments\.example\.com\/moderate\//g)).toHaveLength(2);
    expect(mail.html).toContain('<html lang="zh-CN">');
    expectEscaped(mail.html);
  });

  it('writes German and Spanish too, and English by default', async () => {
    for (const [lang, subject] of [['de', /^Zur Moderation zurückgehalten: /], ['es', /^Retenido para moderación: /], ['', /^Held for moderation: /]] as const) {
      app = await open(lang ? { MODERATOR_LANG: lang } : {});
      await holdHostile();
      await app.jobs.outbox.runOnce();
      const mail = readMail(smtp.received.at(-1)!.raw);
      expect(mail.subject).toMatch(subject);
      expectEscaped(mail.html);
      if (lang !== '') await app.close(); // the last one is closed by afterEach
    }
  });
});
