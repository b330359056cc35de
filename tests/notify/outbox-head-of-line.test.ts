/**
 * Outbox delivery without head-of-line blocking: a webhook receiver that accepts the connection and never answers
 * keeps only its own message busy. Through the real app and its scheduler, a real SMTP receiver and a real HTTP
 * receiver; the job's own bounds (every send under a timeout, deliveries in flight capped) on a real SQLite store.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createOutboxJob } from '../../src/jobs/outbox-job.js';
import { createLogger } from '../../src/logger.js';
import type { OutboxMessage } from '../../src/storage/outbox-port.js';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const BASE = 'https://comments.example.com';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const ADA = 'ada.follower@example.org';

const cleanups: (() => Promise<unknown>)[] = [];
/** Set when a test has ended (a timed-out one too), so no wait below outlives it. */
let ended = false;
beforeEach(() => {
  ended = false;
});
afterEach(async () => {
  ended = true;
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function post(app: TestApp, over: Record<string, unknown>): Promise<string> {
  const res = await request(app.http).post('/api/v1/comments').send(validComment(over));
  expect(res.status).toBe(201);
  return res.body.comment.id as string;
}

/** Waits (no deadline of its own: the test's timeout is the bound) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) {
    if (ended) throw new Error('the test ended while waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('outbox delivery: no head-of-line blocking', () => {
  it('delivers a reply mail while a webhook receiver holds an earlier delivery open without answering', async () => {
    const smtp = await startSmtpReceiver();
    cleanups.push(() => smtp.close());
    const hook = await startWebhookReceiver();
    cleanups.push(() => hook.close());
    const app = await createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', PUBLIC_URL: BASE, WEBHOOK_URLS: hook.url, WEBHOOK_SECRET: SECRET });
    cleanups.push(() => app.close());

    // Ada follows her comment (the receiver still answers at once).
    const ada = await post(app, { email: ADA, name: 'Ada', body: 'Anyone?', notifyReplies: true });
    await app.jobs.outbox.runOnce();
    const confirm = /Confirm: https:\/\/comments\.example\.com(\/notify\/confirm\/[A-Za-z0-9_.-]+)/.exec(readMail(smtp.received[0]!.raw).text)![1]!;
    expect((await request(app.http).post(confirm)).status).toBe(200);
    smtp.received.length = 0;

    // From now on the receiver accepts every request and answers none until Ada's reply mail has arrived.
    let mailArrived!: () => void;
    hook.hold(new Promise<void>((resolve) => (mailArrived = resolve)));
    cleanups.push(async () => mailArrived());
    await post(app, { email: 'carol@example.org', name: 'Carol', body: 'Unrelated, hooked' });
    const held = hook.nextRequest();
    // The real scheduler, ticking every 100 ms instead of every 5 s: the mail is claimed by a later tick than the webhook.
    app.startJobs({ outboxIntervalMs: 100 });
    await held;

    await post(app, { email: 'bob@example.org', name: 'Bob', body: 'Here is an answer', parentId: ada });
    await until(() => smtp.received.some((m) => m.to.includes(ADA)));
    mailArrived();
    // The mail came while Carol's webhook was still open: its sender had not given up on it.
    expect(hook.abandoned()).toBe(0);
    expect(readMail(smtp.received.find((m) => m.to.includes(ADA))!.raw).text).toContain('Here is an answer');
  }, 60_000);
});

describe('the outbox job’s bounds', () => {
  let app: TestApp;
  afterEach(async () => {
    await app?.close();
  });

  const enqueue = async (n: number, channel: 'webhook' | 'mail' = 'webhook', prefix = 'm') => {
    const at = new Date(app.clock.now);
    const messages = Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, idempotencyKey: `${prefix}k${i}`, channel, payload: { i }, nextAt: at, createdAt: at }));
    expect(await app.storage.enqueueOutbox(messages)).toBe(n);
  };

  it('gives a send that never settles up after deliveryTimeoutMs and schedules a retry', async () => {
    app = await createTestApp();
    await enqueue(1);
    const job = createOutboxJob({ outbox: app.storage, clock: () => new Date(app.clock.now), logger: silent, channels: { webhook: () => new Promise<void>(() => undefined) }, deliveryTimeoutMs: 50 });
    expect(await job.runOnce()).toMatchObject({ claimed: 1, retried: 1 });
    const m = await app.storage.getOutbox('m0');
    expect(m).toMatchObject({ status: 'pending', attempts: 1, lastError: 'no outcome after 50 ms', leaseUntil: null });
  });

  it('starts no more than maxInFlight deliveries across ticks, and claims the rest once one is done', async () => {
    app = await createTestApp();
    await enqueue(3);
    const release: (() => void)[] = [];
    const sent: string[] = [];
    const channel = (m: OutboxMessage) => new Promise<void>((resolve) => release.push(() => (sent.push(m.id), resolve())));
    const job = createOutboxJob({ outbox: app.storage, clock: () => new Date(app.clock.now), logger: silent, channels: { webhook: channel }, maxInFlight: 2 });
    await job.tick();
    await job.tick();
    expect(release).toHaveLength(2);
    release.shift()!();
    // Ticks until the freed slot is taken: never more than two under way.
    while (release.length < 2) {
      await job.tick();
      expect(release.length).toBeLessThanOrEqual(2);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sent).toHaveLength(1);
    while (release.length > 0) release.shift()!();
    await job.drain();
    expect(sent.sort()).toEqual(['m0', 'm1', 'm2']);
    expect((await app.storage.listOutbox({ status: 'delivered', limit: 10 })).map((m) => m.id).sort()).toEqual(['m0', 'm1', 'm2']);
  });

  it('keeps slots for mail while older webhook deliveries hang and fill the webhook slots', async () => {
    app = await createTestApp();
    await enqueue(3, 'webhook', 'w');
    app.clock.advance(1_000);
    await enqueue(1, 'mail', 'mail');
    const hanging: (() => void)[] = [];
    const mailed: string[] = [];
    const job = createOutboxJob({
      outbox: app.storage,
      clock: () => new Date(app.clock.now),
      logger: silent,
      channels: { webhook: () => new Promise<void>((resolve) => hanging.push(resolve)), mail: async (m) => void mailed.push(m.id) },
      maxInFlight: 2,
    });
    await job.tick();
    await until(() => mailed.length === 1);
    expect(mailed).toEqual(['mail0']);
    expect(hanging).toHaveLength(2);
    while (hanging.length > 0) hanging.shift()!();
    await job.drain();
  });
});

const silent = createLogger('silent');
