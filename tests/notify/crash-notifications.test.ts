/**
 * A crash between a write and its notifications loses nothing (issue 13): the event is recorded by the write itself,
 * and the outbox job's sweep, in the next process, queues what the crashed one did not. Through HTTP, with a real
 * webhook receiver and a real SMTP server, on SQLite always and on MongoDB when MONGODB_URI is set.
 *
 * The crash is a storage whose outbox and subscription writes fail from a given moment (the process stops right after
 * the comment's write), or whose clearing of the record fails (it stops after the enqueue): the app is then closed and
 * a new one opened on the same data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { openMongoStorage } from '../../src/storage/mongo/mongo-storage.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { SWEEP_GRACE_MS } from '../../src/notify/notifier.js';
import { createOutboxJob } from '../../src/jobs/outbox-job.js';
import { createLogger } from '../../src/logger.js';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver, type ReceivedMail } from '../support/smtp-receiver.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const BASE = 'https://comments.example.com';
const TOKEN = 'moderator-token-0123456789-abcdefghijkl';
const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef', 'utf8').toString('base64')}`;
const MOD = 'moderator.one@example.net';
const ADA = 'ada.reader@example.org';
const BOB = 'bob.replier@example.org';
const CAROL = 'carol.crash@example.org';
const EVE = 'eve.partial@example.org';

type Crash = 'none' | 'before-enqueue' | 'after-enqueue';
const BEFORE_ENQUEUE = new Set(['enqueueOutbox', 'ensureSubscriber', 'addSubscription']);

/** A storage whose notification writes fail while `crash` says so, as if the process had stopped at that point. */
function crashable(storage: Storage): { storage: Storage; crash(mode: Crash): void } {
  let mode: Crash = 'none';
  const proxy = new Proxy(storage, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      // Decided at each call: the app's timing decorator keeps the function it first got.
      return (...args: unknown[]) => {
        const failing = (mode === 'before-enqueue' && BEFORE_ENQUEUE.has(String(prop))) || (mode === 'after-enqueue' && prop === 'clearNotifications');
        if (failing) return Promise.reject(new Error(`simulated crash before ${String(prop)}`));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { storage: proxy, crash: (m) => void (mode = m) };
}

function describeCrash(name: string, open: () => Promise<Storage>) {
  describe(`notifications survive a crash after the write (${name})`, () => {
    let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
    let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      smtp = await startSmtpReceiver();
    });
    afterAll(async () => {
      await receiver.close();
      await smtp.close();
    });

    const env = () => ({
      WEBHOOK_URLS: receiver.url,
      WEBHOOK_SECRET: SECRET,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'Parley <comments@example.com>',
      PUBLIC_URL: BASE,
      MODERATOR_EMAILS: MOD,
      MODERATION: 'all',
      ADMIN_TOKEN: TOKEN,
    });
    const post = async (app: TestApp, over: Record<string, unknown>) => {
      const res = await request(app.http).post('/api/v1/comments').send(validComment(over));
      expect(res.status).toBe(201);
      return res.body.comment.id as string;
    };
    const approve = async (app: TestApp, id: string) =>
      expect((await request(app.http).post(`/api/v1/admin/comments/${id}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({})).status).toBe(200);
    const webhooksSince = (n: number) =>
      receiver.received.slice(n).map((r) => {
        const b = JSON.parse(r.body) as { type: string; data: { comment: { id: string }; status: string } };
        return `${b.type} ${b.data.comment.id} ${b.data.status}`;
      });
    const mailsSince = (n: number) => smtp.received.slice(n);
    const mailLine = (m: ReceivedMail) => `${m.to.join(',')} ${readMail(m.raw).subject}`;

    it('queues every webhook, moderator alert, reply mail and subscription exactly once in the next process', async () => {
      const first = crashable(await open());
      let app = await createTestApp(env(), first.storage);
      let second: TestApp | null = null;
      try {
        // Before the crash: Ada follows her comment (confirmed), which a moderator published.
        const ada = await post(app, { email: ADA, name: 'Ada', body: 'Is this right?', notifyReplies: true });
        await approve(app, ada);
        await app.jobs.outbox.runOnce();
        const confirmation = smtp.received.find((m) => m.to.includes(ADA))!;
        const link = /Confirm: https:\/\/comments\.example\.com(\/notify\/confirm\/[A-Za-z0-9_.-]+)/.exec(readMail(confirmation.raw).text)![1]!;
        expect((await request(app.http).post(link)).status).toBe(200);
        const hooks = receiver.received.length;
        const mails = smtp.received.length;

        // From here every write's notifications stop right after the write: the comments and decisions still succeed.
        first.crash('before-enqueue');
        const bob = await post(app, { email: BOB, name: 'Bob', body: 'Yes it is.', parentId: ada });
        await approve(app, bob);
        const carol = await post(app, { email: CAROL, name: 'Carol', body: 'Tell me more.', notifyReplies: true });
        // And one whose messages and subscription were stored, but not the end of its record: a replay adds nothing.
        first.crash('after-enqueue');
        const eve = await post(app, { email: EVE, name: 'Eve', body: 'Me too.', notifyReplies: true });
        first.crash('none');
        expect(webhooksSince(hooks)).toEqual([]);
        expect(app.logText()).toMatch(/notifications could not be queued \(kept for the sweep\)/);
        await app.close();

        // The next process: only what was queued before the crash (Eve's) within the grace (a live request would be
        // completing its own), then everything.
        second = await createTestApp(env(), await open());
        await second.jobs.outbox.runOnce();
        expect(webhooksSince(hooks)).toEqual([`comment.created ${eve} pending`]);
        second.clock.advance(SWEEP_GRACE_MS + 1_000);
        await second.jobs.outbox.runOnce();
        await second.jobs.outbox.runOnce();
        expect(webhooksSince(hooks).sort()).toEqual(
          [
            `comment.created ${bob} pending`,
            `comment.approved ${bob} approved`,
            `comment.created ${carol} pending`,
            `comment.created ${eve} pending`,
          ].sort(),
        );
        const delivered = mailsSince(mails).map(mailLine);
        expect(delivered.filter((l) => l.startsWith(MOD))).toHaveLength(3);
        expect(delivered.filter((l) => l.startsWith(ADA))).toHaveLength(1);
        expect(readMail(mailsSince(mails).find((m) => m.to.includes(ADA))!.raw).text).toContain('Yes it is.');
        expect(delivered.filter((l) => l.startsWith(CAROL))).toHaveLength(1);
        expect(delivered.filter((l) => l.startsWith(EVE))).toHaveLength(1);
        expect(delivered).toHaveLength(6);
        expect(await second.storage.listSubscriptionsTo([carol])).toHaveLength(1);
        expect(await second.storage.listSubscriptionsTo([eve])).toHaveLength(1);
        expect(second.logText()).toMatch(/notifications replayed/);

        // Done: later passes find nothing left to replay or send.
        second.clock.advance(SWEEP_GRACE_MS + 1_000);
        await second.jobs.outbox.runOnce();
        expect(receiver.received.length - hooks).toBe(4);
        expect(smtp.received.length - mails).toBe(6);
        const left = await second.storage.listPendingNotifications({ before: new Date(second.clock.now), limit: 1000 });
        expect(left.filter((p) => [ada, bob, carol, eve].includes(p.comment.id))).toEqual([]);
      } finally {
        await second?.close();
        if (second === null) await app.close().catch(() => undefined);
      }
    }, 60_000);

    it('records nothing and writes nothing more when the event has nothing to notify', async () => {
      const storage = await open();
      const app = await createTestApp({ MODERATION: 'none' }, storage);
      try {
        const id = await post(app, { body: 'quiet' });
        const left = await storage.listPendingNotifications({ before: new Date('2100-01-01T00:00:00.000Z'), limit: 1000 });
        expect(left.find((p) => p.comment.id === id)).toBeUndefined();
      } finally {
        await app.close();
      }
    });
  });
}

describe('the outbox job and its sweep', () => {
  it('still delivers when the sweep fails, and tells the log', async () => {
    const storage = openSqliteStorage({ dataDir: ':memory:' });
    let logged = '';
    const logger = createLogger('info', { write: (line: string) => void (logged += line) });
    const sent: string[] = [];
    const now = new Date('2026-06-01T10:00:00.000Z');
    const job = createOutboxJob({
      outbox: storage,
      clock: () => now,
      logger,
      channels: { webhook: async (m) => void sent.push(m.id) },
      sweep: async () => Promise.reject(new Error('sweep broke')),
    });
    try {
      await storage.enqueueOutbox([{ id: 'm1', idempotencyKey: 'k1', channel: 'webhook', payload: {}, nextAt: now, createdAt: now }]);
      expect(await job.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
      expect(sent).toEqual(['m1']);
      expect(logged).toMatch(/notification sweep failed/);
    } finally {
      await storage.close();
    }
  });
});

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-notify-crash-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
describeCrash('SQLite', async () => openSqliteStorage({ dataDir }));

const MONGO = process.env.MONGODB_URI;
if (MONGO) {
  const uri = MONGO.replace(/\/([^/?]*)(\?|$)/, `/parley_notify_crash_${Date.now().toString(36)}$2`);
  describeCrash('MongoDB', () => openMongoStorage({ uri }));
} else {
  console.warn('!! notification crash tests on MongoDB skipped: set MONGODB_URI to run them');
  describe.skip('notifications survive a crash after the write (MongoDB: SKIPPED, MONGODB_URI is not set)', () => {
    it('queues every notification exactly once in the next process', () => undefined);
  });
}
