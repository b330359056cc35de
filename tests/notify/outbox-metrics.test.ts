import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const METRICS_TOKEN = 'metrics-token-0123456789-abcdefghijklmnop';
const MOD = 'moderator.metrics@example.net';
const AUTHOR = 'author.metrics@example.org';

describe('outbox metrics on GET /metrics', () => {
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let app: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    hooks = await startWebhookReceiver();
  });
  afterAll(async () => {
    await smtp.close();
    await hooks.close();
  });
  afterEach(async () => {
    await app?.close();
    smtp.received.length = 0;
    hooks.received.length = 0;
    hooks.failNext(0);
  });

  const open = (env: Record<string, string> = {}) =>
    createTestApp({
      METRICS_TOKEN,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Parley <comments@example.com>',
      MODERATOR_EMAILS: MOD,
      MODERATION: 'all',
      PUBLIC_URL: 'https://comments.example.com',
      WEBHOOK_URLS: hooks.url,
      WEBHOOK_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      ...env,
    });
  const scrape = async () => {
    const res = await request(app.http).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`);
    expect(res.status).toBe(200);
    return res.text;
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? 0 : Number(line.slice(series.length + 1));
  };

  it('counts messages enqueued, delivered, retried and failed by channel, the pending depth and the latency', async () => {
    app = await open();
    hooks.failNext(1);
    expect((await request(app.http).post('/api/v1/comments').send(validComment({ email: AUTHOR, body: 'count me' }))).status).toBe(201);
    let text = await scrape();
    expect(value(text, 'parley_outbox_enqueued_total{channel="mail"}')).toBe(1);
    expect(value(text, 'parley_outbox_enqueued_total{channel="webhook"}')).toBe(1);
    expect(value(text, 'parley_outbox_pending{channel="mail"}')).toBe(1);
    expect(value(text, 'parley_outbox_pending{channel="webhook"}')).toBe(1);

    app.clock.advance(2_000);
    await app.jobs.outbox.runOnce();
    text = await scrape();
    expect(value(text, 'parley_outbox_delivered_total{channel="mail"}')).toBe(1);
    expect(value(text, 'parley_outbox_retried_total{channel="webhook"}')).toBe(1);
    expect(value(text, 'parley_outbox_pending{channel="mail"}')).toBe(0);
    expect(value(text, 'parley_outbox_pending{channel="webhook"}')).toBe(1);
    expect(value(text, 'parley_outbox_delivery_latency_seconds_count{channel="mail"}')).toBe(1);
    expect(value(text, 'parley_outbox_delivery_latency_seconds_bucket{le="1",channel="mail"}')).toBe(0);
    expect(value(text, 'parley_outbox_delivery_latency_seconds_bucket{le="5",channel="mail"}')).toBe(1);

    app.clock.advance(60_000);
    await app.jobs.outbox.runOnce();
    text = await scrape();
    expect(value(text, 'parley_outbox_delivered_total{channel="webhook"}')).toBe(1);
    expect(value(text, 'parley_outbox_pending{channel="webhook"}')).toBe(0);
  });

  it('counts a message given up as failed, and a digest item as pending until its digest', async () => {
    app = await open({ MODERATOR_DIGEST_MINUTES: '10' });
    hooks.failNext(1000);
    await request(app.http).post('/api/v1/comments').send(validComment({ email: AUTHOR, body: 'one' }));
    await request(app.http).post('/api/v1/comments').send(validComment({ email: AUTHOR, body: 'two' }));
    let text = await scrape();
    expect(value(text, 'parley_outbox_enqueued_total{channel="digest-item"}')).toBe(2);
    expect(value(text, 'parley_outbox_enqueued_total{channel="mail"}')).toBe(1); // one digest for the window
    expect(value(text, 'parley_outbox_pending{channel="digest-item"}')).toBe(2);
    for (let i = 0; i < 12; i++) {
      app.clock.advance(7 * 3_600_000);
      await app.jobs.outbox.runOnce();
    }
    text = await scrape();
    expect(value(text, 'parley_outbox_failed_total{channel="webhook"}')).toBe(2);
    expect(value(text, 'parley_outbox_retried_total{channel="webhook"}')).toBe(22);
    expect(value(text, 'parley_outbox_delivered_total{channel="mail"}')).toBe(1);
    expect(value(text, 'parley_outbox_pending{channel="digest-item"}')).toBe(0);
    expect(smtp.received).toHaveLength(1);
  });

  it('never names an address, a receiver URL or an IP in /metrics', async () => {
    app = await open();
    await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.77').send(validComment({ email: AUTHOR, body: 'private' }));
    await app.jobs.outbox.runOnce();
    const text = await scrape();
    expect(text).toContain('parley_outbox_delivered_total');
    expect(text).not.toMatch(/[\w.+-]+@[\w-]+\.[\w.]+/);
    expect(text).not.toContain('127.0.0.1');
    expect(text).not.toContain('203.0.113.77');
    expect(text).not.toContain('/hooks');
  });
});
