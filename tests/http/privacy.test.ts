import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { signSsoJwt, signSsoPlain, ssoClaims, SSO_SECRET } from '../support/sso-token.js';

const EMAIL = 'Zed.Probe+canary@privacy-probe.example';
const IP = '198.51.100.77';

const hex = (alg: string, s: string) => createHash(alg).update(s).digest('hex');
const forbidden = [
  EMAIL.toLowerCase(),
  'zed.probe',
  'privacy-probe',
  IP,
  hex('sha256', EMAIL.toLowerCase()),
  hex('md5', EMAIL.toLowerCase()),
  hex('sha1', EMAIL.toLowerCase()),
];

function assertClean(label: string, text: string) {
  for (const f of forbidden) {
    if (text.toLowerCase().includes(f.toLowerCase())) throw new Error(`${label} leaks ${f}: ${text.slice(0, 300)}`);
  }
}

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

describe('privacy', () => {
  it('never shows the email, the IP or a reversible hash of the email in any response or log line', async () => {
    app = await createTestApp({ TRUST_PROXY: '1' });
    const responses: [string, request.Response][] = [];
    const as = (r: request.Test) => r.set('X-Forwarded-For', IP).set('User-Agent', 'ProbeAgent/1.0');

    const created = await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: EMAIL }));
    expect(created.status).toBe(201);
    responses.push(['post', created]);
    const reply = await as(request(app.http).post('/api/v1/comments')).send(
      validComment({ email: EMAIL, parentId: created.body.comment.id, body: 'self reply' }),
    );
    responses.push(['reply', reply]);
    responses.push([
      'form post',
      await as(request(app.http).post('/api/v1/comments'))
        .type('form')
        .send(validComment({ email: EMAIL, body: 'from the form' }) as Record<string, string>),
    ]);
    responses.push(['thread', await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })]);
    responses.push(['thread newest', await request(app.http).get('/api/v1/threads').query({ url: ARTICLE, sort: 'newest', limit: 1 })]);
    responses.push(['counts', await request(app.http).get('/api/v1/counts').query({ url: ARTICLE })]);
    responses.push(['validation error', await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: EMAIL, website: 'bad' }))]);
    responses.push(['bad email error', await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: `${EMAIL}@@` }))]);
    responses.push(['unknown parent', await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: EMAIL, parentId: 'x' }))]);
    responses.push([
      'bad json',
      await request(app.http).post('/api/v1/comments').set('Content-Type', 'application/json').send(`{"email":"${EMAIL}",`),
    ]);
    responses.push([
      'edit',
      await request(app.http)
        .patch(`/api/v1/comments/${created.body.comment.id}`)
        .set('Authorization', `Bearer ${created.body.editToken}`)
        .send({ body: 'edited' }),
    ]);
    responses.push([
      'delete',
      await request(app.http).delete(`/api/v1/comments/${created.body.comment.id}`).set('Authorization', `Bearer ${created.body.editToken}`),
    ]);
    responses.push(['thread after delete', await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })]);

    expect(responses.map(([, r]) => r.status)).toEqual([201, 201, 201, 200, 200, 200, 400, 400, 404, 400, 200, 204, 200]);
    for (const [label, r] of responses) {
      assertClean(label, r.text);
      assertClean(`${label} headers`, JSON.stringify(r.headers));
    }
    // The private data really is stored (for moderators and spam feedback): the test would be vacuous otherwise.
    const stored = await app.storage.getComment(reply.body.comment.id);
    expect(stored?.author.email).toBe(EMAIL);
    expect(stored?.context).toEqual({ ip: IP, userAgent: 'ProbeAgent/1.0', referrer: null });
    expect(app.logText()).toContain('"route":"/api/v1/comments"');
    assertClean('log', app.logText());
  });

  it('keeps every address and the IP out of the logs of the mail and webhook flows, the webhook bodies and /metrics', async () => {
    const MODERATOR = 'Mod.Canary@moderators-probe.example';
    const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
    const smtp = await startSmtpReceiver();
    const hooks = await startWebhookReceiver();
    try {
      for (const digest of ['0', '10']) {
        app = await createTestApp({
          TRUST_PROXY: '1',
          LOG_LEVEL: 'debug',
          METRICS_TOKEN,
          MODERATION: 'all',
          PUBLIC_URL: 'https://comments.example.com',
          SMTP_URL: smtp.url,
          MAIL_FROM: 'Parley <sender-probe@example.com>',
          MODERATOR_EMAILS: MODERATOR,
          MODERATOR_DIGEST_MINUTES: digest,
          WEBHOOK_URLS: hooks.url,
          WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
        });
        // Receivers that refuse for a while, then give up on some messages: the retry and give-up log lines too.
        smtp.refuse(true);
        hooks.failNext(14);
        const posted = await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', IP).send(validComment({ email: EMAIL, body: `held ${digest}` }));
        expect(posted.status).toBe(201);
        for (let i = 0; i < 13; i++) {
          if (i === 6) smtp.refuse(false);
          app.clock.advance(7 * 3_600_000);
          await app.jobs.outbox.runOnce();
        }
        const approve = /(\/moderate\/[A-Za-z0-9_.-]+)/.exec(smtp.received.at(-1)!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1];
        expect((await request(app.http).post(approve!).set('X-Forwarded-For', IP)).status).toBe(200);
        await app.jobs.outbox.runOnce();
        const metrics = await request(app.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
        expect(metrics.text).toContain('parley_outbox_failed_total{channel="webhook"} 1');

        const log = app.logText();
        expect(log).toContain('notification given up');
        for (const [label, text] of [['log', log], ['metrics', metrics.text], ...hooks.received.map((h, i): [string, string] => [`webhook ${i}`, h.body])] as const) {
          assertClean(`${label} (digest ${digest})`, text);
          expect(text.toLowerCase()).not.toContain(MODERATOR.toLowerCase());
          expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
        }
        expect(smtp.received.length).toBeGreaterThan(0);
        if (digest === '0') await app.close(); // the last one is closed by afterEach
        smtp.received.length = 0;
        hooks.received.length = 0;
      }
    } finally {
      await smtp.close();
      await hooks.close();
    }
  });

  it("never shows a signed-in commenter's email (SSO) in any response, header or log line", async () => {
    app = await createTestApp({ TRUST_PROXY: '1', SSO_SECRET, SSO_BADGE: 'Member', LOG_LEVEL: 'debug' });
    const responses: [string, request.Response][] = [];
    const as = (r: request.Test) => r.set('X-Forwarded-For', IP);
    const exchanged = await as(request(app.http).post('/api/v1/sso/session')).send({ token: await signSsoJwt(ssoClaims(app.clock.now, { email: EMAIL })) });
    expect(exchanged.status).toBe(200);
    responses.push(['sso session', exchanged]);
    const auth = `Bearer ${exchanged.body.session as string}`;
    const { name: _n, email: _e, ...signedIn } = validComment({ body: 'signed in' });
    const posted = await as(request(app.http).post('/api/v1/comments')).set('Authorization', auth).send(signedIn);
    responses.push(['signed-in post', posted]);
    responses.push(['sso refused', await as(request(app.http).post('/api/v1/sso/session')).send({ token: signSsoPlain(ssoClaims(app.clock.now, { email: EMAIL }), 'w'.repeat(40)) })]);
    responses.push(['sso bad claims', await as(request(app.http).post('/api/v1/sso/session')).send({ token: await signSsoJwt(ssoClaims(app.clock.now, { email: `${EMAIL}@@`, name: '' })) })]);
    responses.push(['me', await request(app.http).get('/api/v1/me').set('Authorization', auth)]);
    responses.push(['my comments', await request(app.http).get('/api/v1/me/comments').set('Authorization', auth)]);
    responses.push(['my export', await request(app.http).get('/api/v1/me/comments/export').set('Authorization', auth)]);
    responses.push(['thread', await request(app.http).get('/api/v1/threads').query({ url: ARTICLE })]);
    responses.push(['delete mine', await request(app.http).delete(`/api/v1/me/comments/${posted.body.comment.id}`).set('Authorization', auth)]);
    expect(responses.map(([, r]) => r.status)).toEqual([200, 201, 401, 401, 200, 200, 200, 200, 204]);
    for (const [label, r] of responses) {
      assertClean(label, r.text);
      assertClean(`${label} headers`, JSON.stringify(r.headers));
    }
    expect((await app.storage.getComment(posted.body.comment.id))?.author.email).toBe(EMAIL);
    assertClean('log', app.logText());
  });

  it('keeps reader addresses out of the logs, /metrics, webhook bodies and every answer of the reply-notification flow', async () => {
    const REPLIER = 'Reply.Canary@repliers-probe.example';
    const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
    const smtp = await startSmtpReceiver();
    const hooks = await startWebhookReceiver();
    try {
      app = await createTestApp({
        TRUST_PROXY: '1',
        LOG_LEVEL: 'debug',
        METRICS_TOKEN,
        PUBLIC_URL: 'https://comments.example.com',
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Parley <sender-probe@example.com>',
        WEBHOOK_URLS: hooks.url,
        WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
      });
      const answers: [string, request.Response][] = [];
      const as = (r: request.Test) => r.set('X-Forwarded-For', IP);
      const asked = await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: EMAIL, notifyReplies: true, lang: 'de' }));
      answers.push(['post asking for replies', asked]);
      // The SMTP server refuses for a while: the retry log lines quote nothing of the address.
      smtp.refuse(true);
      await app.jobs.outbox.runOnce();
      smtp.refuse(false);
      app.clock.advance(3_600_000);
      await app.jobs.outbox.runOnce();
      const confirmation = smtp.received.find((m) => m.to.includes(EMAIL))!;
      const confirm = /(\/notify\/confirm\/[A-Za-z0-9_.-]+)/.exec(confirmation.raw.replace(/=\r?\n/g, ''))![1]!;
      answers.push(['confirm page', await as(request(app.http).get(confirm))]);
      answers.push(['confirm', await as(request(app.http).post(confirm))]);
      answers.push(['forged link', await as(request(app.http).post(`${confirm}x`))]);
      answers.push(['reply', await as(request(app.http).post('/api/v1/comments')).send(validComment({ email: REPLIER, parentId: asked.body.comment.id, body: 'an answer' }))]);
      await app.jobs.outbox.runOnce();
      const replyMail = smtp.received.find((m) => m.raw.includes('an answer'))!;
      expect(replyMail.to).toEqual([EMAIL]);
      const unsubscribe = /^<https:\/\/comments\.example\.com(\/notify\/unsubscribe\/[^>]+)>$/.exec(replyMail.header('List-Unsubscribe')!)![1]!;
      answers.push(['unsubscribe page', await as(request(app.http).get(unsubscribe))]);
      answers.push(['one-click unsubscribe', await as(request(app.http).post(unsubscribe).type('form').send('List-Unsubscribe=One-Click'))]);
      answers.push(['mine', await request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: asked.body.comment.id, editToken: asked.body.editToken }] })]);
      expect(answers.map(([, r]) => r.status)).toEqual([201, 200, 200, 400, 201, 200, 200, 200]);
      const metrics = await request(app.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
      expect(metrics.text).toContain('parley_outbox_delivered_total{channel="mail"}');

      const texts: [string, string][] = [
        ['log', app.logText()],
        ['metrics', metrics.text],
        ...hooks.received.map((h, i): [string, string] => [`webhook ${i}`, h.body]),
        ...answers.map(([label, r]): [string, string] => [label, `${r.text} ${JSON.stringify(r.headers)}`]),
      ];
      expect(hooks.received.length).toBeGreaterThan(0);
      for (const [label, text] of texts) {
        assertClean(label, text);
        expect(text.toLowerCase()).not.toContain('reply.canary');
        expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.-]+/);
      }
    } finally {
      await smtp.close();
      await hooks.close();
    }
  });

  it('derives the avatar key from the email with the server secret, not a plain hash', async () => {
    app = await createTestApp();
    const a = await request(app.http).post('/api/v1/comments').send(validComment({ email: EMAIL }));
    const b = await request(app.http).post('/api/v1/comments').send(validComment({ email: `  ${EMAIL.toUpperCase()} `, body: 'second' }));
    const c = await request(app.http).post('/api/v1/comments').send(validComment({ email: 'someone.else@example.org', body: 'third' }));
    const key = a.body.comment.author.avatar as string;
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(b.body.comment.author.avatar).toBe(key);
    expect(c.body.comment.author.avatar).not.toBe(key);
    assertClean('avatar', key);

    const other = await createTestApp({ SECRET: 'another-secret-another-secret-another-secret' });
    const d = await request(other.http).post('/api/v1/comments').send(validComment({ email: EMAIL }));
    // Held there (the test form token is signed with the test secret), so its answer carries no avatar: read the stored key.
    const otherKey = (await other.storage.getComment(d.body.comment.id))?.author.avatar;
    await other.close();
    expect(otherKey).toMatch(/^[0-9a-f]{32}$/);
    expect(otherKey).not.toBe(key);
  });

  it('uses a plain Gravatar hash only when the operator chooses AVATARS=gravatar', async () => {
    app = await createTestApp({ AVATARS: 'gravatar' });
    const res = await request(app.http).post('/api/v1/comments').send(validComment({ email: EMAIL }));
    expect(res.body.comment.author.avatar).toBe(hex('sha256', EMAIL.toLowerCase()));
  });

  it('stores only a hash of the edit token', async () => {
    app = await createTestApp();
    const res = await request(app.http).post('/api/v1/comments').send(validComment());
    const stored = await app.storage.getComment(res.body.comment.id);
    expect(stored?.editTokenHash).toBe(hex('sha256', res.body.editToken));
    expect(JSON.stringify(stored)).not.toContain(res.body.editToken);
  });
});
