/**
 * An author's edit that changes a comment's status notifies like any other status move: held again → the moderators
 * get an alert (or a digest item) of their own; published → followers of the answered comment are mailed and the
 * webhook says comment.approved; spam → comment.spam. Through the HTTP API, the outbox job, a real SMTP receiver, a
 * real webhook receiver and the fake Akismet.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { FAKE_AKISMET_KEY, startFakeAkismet, type FakeAkismet } from '../support/fake-akismet.js';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver, type ReceivedMail } from '../support/smtp-receiver.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';

const BASE = 'https://comments.example.com';
const MOD = 'desk@example.net';
const ADA = 'ada.reader@example.org';
/** Five links: more than MAX_LINKS allows, so the local rules hold it. */
const links = (word: string) => `${word} https://a.example/1 https://a.example/2 https://a.example/3 https://a.example/4 https://a.example/5`;

let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
let hooks: Awaited<ReturnType<typeof startWebhookReceiver>>;
let akismet: FakeAkismet;
let app: TestApp;

beforeAll(async () => {
  [smtp, hooks, akismet] = await Promise.all([startSmtpReceiver(), startWebhookReceiver(), startFakeAkismet()]);
});
afterAll(async () => {
  await Promise.all([smtp.close(), hooks.close(), akismet.close()]);
});
afterEach(async () => {
  await app?.close();
  smtp.received.length = 0;
  hooks.received.length = 0;
  akismet.reset();
});

const open = (env: Record<string, string> = {}) =>
  createTestApp({
    SMTP_URL: smtp.url,
    MAIL_FROM: 'Parley <comments@example.com>',
    PUBLIC_URL: BASE,
    MODERATOR_EMAILS: MOD,
    WEBHOOK_URLS: hooks.url,
    WEBHOOK_SECRET: `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`,
    AKISMET_KEY: FAKE_AKISMET_KEY,
    AKISMET_ENDPOINT: akismet.url,
    AKISMET_TIMEOUT_MS: '300',
    AKISMET_TEST: '1',
    ...env,
  });

async function post(over: Record<string, unknown>): Promise<{ id: string; editToken: string }> {
  const res = await request(app.http).post('/api/v1/comments').send(validComment(over));
  expect(res.status).toBe(201);
  return { id: res.body.comment.id as string, editToken: res.body.editToken as string };
}
const edit = (c: { id: string; editToken: string }, body: string) =>
  request(app.http).patch(`/api/v1/comments/${c.id}`).set('Authorization', `Bearer ${c.editToken}`).send({ body });

/** Runs the outbox: the mails and the webhook event types it delivered. */
async function deliver(): Promise<{ mails: ReceivedMail[]; events: string[] }> {
  const [m, h] = [smtp.received.length, hooks.received.length];
  await app.jobs.outbox.runOnce();
  return { mails: smtp.received.slice(m), events: hooks.received.slice(h).map((r) => (JSON.parse(r.body) as { type: string }).type) };
}

describe('notifications of an author edit that changes the status', () => {
  it('alerts the moderators when an edit holds a public comment, again after they approved it, with the new text', async () => {
    app = await open();
    const c = await post({ body: 'A fair point about the article.' });
    expect((await deliver()).mails).toHaveLength(0); // published at once: nothing for the moderators

    expect((await edit(c, links('best casino bonus'))).status).toBe(200);
    expect((await app.storage.getComment(c.id))?.status).toBe('pending');
    let out = await deliver();
    expect(out.events).toEqual([]); // held: no public event
    expect(out.mails.map((m) => m.to)).toEqual([[MOD]]);
    const text = readMail(out.mails[0]!.raw).text;
    expect(text).toContain('best casino bonus');
    const approve = /Approve: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(text)![1]!;
    expect((await request(app.http).post(approve)).status).toBe(200);
    expect((await deliver()).events).toEqual(['comment.approved']);

    // Rewritten again a minute later: a second hold, a second alert (the first one's key does not swallow it).
    app.clock.advance(60_000);
    expect((await edit(c, links('casino casino'))).status).toBe(200);
    out = await deliver();
    expect(out.mails.map((m) => m.to)).toEqual([[MOD]]);
    const again = readMail(out.mails[0]!.raw).text;
    expect(again).toContain('casino casino');
    // The first alert's link was for the first hold: it cannot approve the new text; the new alert's link can.
    expect((await request(app.http).post(approve)).status).toBe(409);
    expect((await app.storage.getComment(c.id))?.status).toBe('pending');
    const approveAgain = /Approve: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(again)![1]!;
    expect(approveAgain).not.toBe(approve);
    // An edit that keeps the status notifies nothing, and voids the links of the text it replaced.
    expect((await edit(c, links('casino casino casino'))).status).toBe(200);
    expect(await deliver()).toEqual({ mails: [], events: [] });
    expect((await request(app.http).post(approveAgain)).status).toBe(409);
    expect((await app.storage.getComment(c.id))?.status).toBe('pending');
  });

  it('parks a digest item of its own when the moderators take digests', async () => {
    app = await open({ MODERATOR_DIGEST_MINUTES: '10', MODERATION: 'all' });
    const c = await post({ body: 'A fair point about the article.' });
    await app.moderation.act('mod', c.id, 'approve', null);
    await edit(c, links('best casino bonus'));
    const items = (await app.storage.listOutbox({ channel: 'digest-item', limit: 10 })).map((m) => m.idempotencyKey).sort();
    expect(items).toHaveLength(2);
    expect(items[0]).toBe(`mail:held:${c.id}`);
    expect(items[1]).toMatch(new RegExp(`^mail:held:${c.id}:\\d+$`));
  });

  it('sends comment.spam when the spam check of an edit says spam', async () => {
    app = await open();
    const c = await post({ body: 'A fair point about the article.' });
    await deliver();
    akismet.spamWhen((p) => (p.comment_content ?? '').includes('pills'));
    await edit(c, 'cheap pills here');
    expect((await app.storage.getComment(c.id))?.status).toBe('spam');
    expect(await deliver()).toEqual({ mails: [], events: ['comment.spam'] });
  });

  it('mails the follower and sends comment.approved when an edit publishes a reply held only for an Akismet outage', async () => {
    app = await open();
    const ada = await post({ email: ADA, name: 'Ada', body: 'ada asks', notifyReplies: true });
    const confirm = (await deliver()).mails.find((m) => m.to.includes(ADA))!;
    const link = new RegExp(`Confirm: ${BASE}(/notify/confirm/[A-Za-z0-9_.-]+)`).exec(readMail(confirm.raw).text)![1]!;
    expect((await request(app.http).post(link)).status).toBe(200);

    akismet.setMode('error500', 'comment-check');
    const reply = await post({ email: 'bob@example.org', name: 'Bob', body: 'checked later', parentId: ada.id });
    expect(await app.storage.getComment(reply.id)).toMatchObject({ status: 'pending', spamCheck: 'unchecked' });
    expect((await deliver()).mails.filter((m) => m.to.includes(ADA))).toHaveLength(0);

    akismet.setMode('normal');
    expect((await edit(reply, 'checked now, with a typo fixed')).status).toBe(200);
    expect((await app.storage.getComment(reply.id))?.status).toBe('approved');
    const out = await deliver();
    expect(out.events).toEqual(['comment.approved']);
    expect(out.mails.map((m) => m.to)).toEqual([[ADA]]);
    expect(readMail(out.mails[0]!.raw).text).toContain('checked now, with a typo fixed');
  });
});
