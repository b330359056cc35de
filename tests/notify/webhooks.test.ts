import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import { FAKE_AKISMET_KEY, startFakeAkismet } from '../support/fake-akismet.js';
import { openMongoStorage } from '../../src/storage/mongo/mongo-storage.js';

const KEY = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const SECRET = `whsec_${KEY.toString('base64')}`;
const TOKEN = 'moderator-token-0123456789-abcdefghijkl';
const A = '/api/v1/admin';

/** The receiver's side of Standard Webhooks: recompute the signature from the secret. */
function verify(headers: Record<string, unknown>, body: string): boolean {
  const id = String(headers['webhook-id']);
  const ts = String(headers['webhook-timestamp']);
  const expected = `v1,${createHmac('sha256', Buffer.from(SECRET.slice('whsec_'.length), 'base64')).update(`${id}.${ts}.${body}`).digest('base64')}`;
  return String(headers['webhook-signature']).split(' ').includes(expected);
}

describe('webhooks', () => {
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let app: TestApp;
  const as = (r: request.Test) => r.set('Authorization', `Bearer ${TOKEN}`);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });
  afterEach(async () => {
    await app?.close();
    receiver.received.length = 0;
    receiver.failNext(0);
  });

  const open = async (env: Record<string, string> = {}) => {
    app = await createTestApp({ WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET, ADMIN_TOKEN: TOKEN, ...env });
    return app;
  };

  it('sends comment.created signed the Standard Webhooks way, from the job and not from the request', async () => {
    await open();
    const posted = await request(app.http).post('/api/v1/comments').set('X-Forwarded-For', '203.0.113.9').send(validComment({ email: 'secret.person@example.org' }));
    expect(posted.status).toBe(201);
    expect(receiver.received).toHaveLength(0);

    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(receiver.received).toHaveLength(1);
    const [hit] = receiver.received;
    expect(verify(hit!.headers, hit!.body)).toBe(true);
    expect(verify({ ...hit!.headers }, hit!.body.replace('First', 'Last'))).toBe(false);
    expect(Number(hit!.headers['webhook-timestamp'])).toBe(Math.floor(app.clock.now / 1000));
    const body = JSON.parse(hit!.body) as { type: string; data: { comment: { id: string; author: { name: string } }; status: string } };
    expect(body.type).toBe('comment.created');
    expect(body.data.comment.id).toBe(posted.body.comment.id);
    expect(body.data.status).toBe('approved');
    expect(hit!.body).not.toMatch(/secret\.person|example\.org"|203\.0\.113|@/);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
  });

  it('retries after a 500 with backoff, keeping the webhook-id so the receiver can drop a repeat', async () => {
    await open();
    await request(app.http).post('/api/v1/comments').send(validComment());
    receiver.failNext(1);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ retried: 1 });
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    const listed = await as(request(app.http).get(`${A}/webhooks/deliveries`));
    expect(listed.body.deliveries[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'HTTP 500', event: 'comment.created', url: receiver.url });

    app.clock.advance(30_000);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
    expect(receiver.received).toHaveLength(2);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[0]).toBe(listed.body.deliveries[0].id);
    expect(receiver.received.every((r) => verify(r.headers, r.body))).toBe(true);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('gives up after the last attempt, lists the failure, and a moderator can send it again', async () => {
    await open();
    await request(app.http).post('/api/v1/comments').send(validComment());
    receiver.failNext(1000);
    for (let i = 0; i < 12; i += 1) {
      await app.jobs.outbox.runOnce();
      app.clock.advance(7 * 3_600_000);
    }
    expect(receiver.received).toHaveLength(12);
    const failed = await as(request(app.http).get(`${A}/webhooks/deliveries`).query({ status: 'failed' }));
    expect(failed.body.deliveries).toHaveLength(1);
    expect(failed.body.deliveries[0]).toMatchObject({ status: 'failed', attempts: 12 });
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });

    receiver.failNext(0);
    const id = failed.body.deliveries[0].id as string;
    const retried = await as(request(app.http).post(`${A}/webhooks/deliveries/${id}/retry`));
    expect(retried.status).toBe(200);
    expect(retried.body.delivery).toMatchObject({ id, status: 'pending' });
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(id);
    expect((await as(request(app.http).post(`${A}/webhooks/deliveries/no-such/retry`))).status).toBe(404);
    expect((await as(request(app.http).get(`${A}/webhooks/deliveries`).query({ status: 'lost' }))).status).toBe(400);
  });

  it('sends comment.approved, comment.spam and comment.deleted from moderation and from the author', async () => {
    await open({ MODERATION: 'all' });
    const held = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'one' }))).body;
    const other = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'two' }))).body;
    expect((await as(request(app.http).post(`${A}/comments/${held.comment.id}/approve`)).send({})).status).toBe(200);
    expect((await as(request(app.http).post(`${A}/comments/${other.comment.id}/spam`)).send({})).status).toBe(200);
    expect((await request(app.http).delete(`/api/v1/comments/${held.comment.id}`).set('Authorization', `Bearer ${held.editToken}`)).status).toBeLessThan(300);
    await app.jobs.outbox.runOnce();
    const events = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { comment: { id: string }; status: string } });
    const seen = events.map((e) => `${e.type} ${e.data.comment.id === held.comment.id ? 'held' : 'other'} ${e.data.status}`).sort();
    expect(seen).toEqual(['comment.approved held approved', 'comment.created held pending', 'comment.created other pending', 'comment.deleted held deleted', 'comment.spam other spam']);
    expect(receiver.received.every((r) => verify(r.headers, r.body) && !/@/.test(r.body))).toBe(true);
  });

  it('sends comment.approved and comment.spam when the spam re-check decides a held comment', async () => {
    const fake = await startFakeAkismet();
    try {
      fake.setMode('error500', 'comment-check');
      await open({ AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: fake.url, AKISMET_TIMEOUT_MS: '300', AKISMET_TEST: '1', PUBLIC_URL: 'https://comments.example.org' });
      const ham = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'fine' }))).body.comment.id as string;
      const spam = (await request(app.http).post('/api/v1/comments').send(validComment({ body: 'buy', name: 'akismet-guaranteed-spam' }))).body.comment.id as string;
      fake.setMode('normal');
      app.clock.advance(61_000);
      expect(await app.jobs.recheck.runOnce()).toMatchObject({ approved: 1, spam: 1 });
      await app.jobs.outbox.runOnce();
      const seen = receiver.received.map((r) => JSON.parse(r.body) as { type: string; data: { comment: { id: string } } });
      expect(seen.filter((e) => e.type !== 'comment.created').map((e) => `${e.type} ${e.data.comment.id}`).sort()).toEqual(
        [`comment.approved ${ham}`, `comment.spam ${spam}`].sort(),
      );
    } finally {
      await fake.close();
    }
  });

  it('queues nothing when webhooks are off', async () => {
    app = await createTestApp({ ADMIN_TOKEN: TOKEN });
    await request(app.http).post('/api/v1/comments').send(validComment());
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    expect((await as(request(app.http).get(`${A}/webhooks/deliveries`))).body.deliveries).toEqual([]);
    expect(app.logText()).toMatch(/SMTP_URL is not set: mail notifications are off/);
  });
});

/** The same flow on MongoDB (FerretDB here) when MONGODB_URI is set; skipped loudly otherwise (the contract covers the port). */
const MONGO = process.env.MONGODB_URI;
(MONGO ? describe : describe.skip)('webhooks on MongoDB', () => {
  it('delivers, retries after a 500 and lists the outcome, on a MongoDB store', async () => {
    const receiver = await startWebhookReceiver();
    const storage = await openMongoStorage({ uri: MONGO!.replace(/\/([^/?]*)(\?|$)/, `/parley_notify_wh_${Date.now()}$2`) });
    const app = await createTestApp({ WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET, ADMIN_TOKEN: TOKEN }, storage);
    try {
      await request(app.http).post('/api/v1/comments').send(validComment());
      receiver.failNext(1);
      expect(await app.jobs.outbox.runOnce()).toMatchObject({ retried: 1 });
      app.clock.advance(30_000);
      expect(await app.jobs.outbox.runOnce()).toMatchObject({ delivered: 1 });
      expect(receiver.received).toHaveLength(2);
      expect(receiver.received.every((r) => verify(r.headers, r.body))).toBe(true);
      const listed = await request(app.http).get('/api/v1/admin/webhooks/deliveries').set('Authorization', `Bearer ${TOKEN}`);
      expect(listed.body.deliveries[0]).toMatchObject({ status: 'delivered', attempts: 2, id: receiver.received[0]!.headers['webhook-id'] });
    } finally {
      await app.close();
      await receiver.close();
    }
  });
});
if (!MONGO) console.warn('!! webhooks on MongoDB skipped: set MONGODB_URI (e.g. mongodb://127.0.0.1:27018/parley_x) to run it');
