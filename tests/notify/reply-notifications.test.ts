/**
 * Reply notifications for readers, end to end through the HTTP API, the outbox job and a real SMTP receiver:
 * double opt-in, reply mails only for public replies to a confirmed follower (never the replier), RFC 8058 one-click
 * unsubscribe and the footer links, signed links refused when forged or expired, the five languages, trust for a
 * confirmed address, GDPR export and erase. The main flow runs on SQLite always and on MongoDB when MONGODB_URI is set.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { openMongoStorage } from '../../src/storage/mongo/mongo-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { FAKE_AKISMET_KEY, startFakeAkismet } from '../support/fake-akismet.js';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver, type ReceivedMail } from '../support/smtp-receiver.js';
import { ARTICLE, createTestApp, validComment, type TestApp } from '../support/test-app.js';

const BASE = 'https://comments.example.com';
const ADA = 'ada.reader@example.org';
const BOB = 'bob.replier@example.org';
const DAY = 86_400_000;

type Smtp = Awaited<ReturnType<typeof startSmtpReceiver>>;

const openApp = (smtp: Smtp, env: Record<string, string> = {}, storage?: Storage) =>
  createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', PUBLIC_URL: BASE, ...env }, storage);

/** The path of a link of ours in a mail's text part, found by the label before it. */
function linkAfter(mail: ReceivedMail, label: string): string {
  const { text } = readMail(mail.raw);
  const m = new RegExp(`${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${BASE}(/notify/[a-z]+/[A-Za-z0-9_.-]+)`).exec(text);
  if (!m) throw new Error(`no "${label}" link in:\n${text}`);
  return m[1]!;
}
/** The one-click URL of List-Unsubscribe, as a path. */
function oneClick(mail: ReceivedMail): string {
  const header = mail.header('List-Unsubscribe');
  const m = header ? new RegExp(`^<${BASE}(/notify/unsubscribe/[A-Za-z0-9_.-]+)>$`).exec(header) : null;
  if (!m) throw new Error(`no List-Unsubscribe URL: ${header}`);
  return m[1]!;
}

async function post(app: TestApp, over: Record<string, unknown>): Promise<string> {
  const res = await request(app.http).post('/api/v1/comments').send(validComment(over));
  expect(res.status).toBe(201);
  return res.body.comment.id as string;
}

/** Runs the outbox and returns the mails it delivered. */
async function deliver(app: TestApp, smtp: Smtp): Promise<ReceivedMail[]> {
  const before = smtp.received.length;
  await app.jobs.outbox.runOnce();
  return smtp.received.slice(before);
}

/** Posts Ada's comment asking for replies, confirms by the mailed link; returns her comment id. */
async function optInAndConfirm(app: TestApp, smtp: Smtp, over: Record<string, unknown> = {}): Promise<string> {
  const id = await post(app, { email: ADA, name: 'Ada', body: `ada asks ${Math.random()}`, notifyReplies: true, ...over });
  const confirmation = (await deliver(app, smtp)).find((m) => m.to.includes(ADA));
  expect((await request(app.http).post(linkAfter(confirmation!, 'Confirm'))).status).toBe(200);
  return id;
}

function describeFlow(name: string, storage: () => Promise<Storage | undefined>) {
  describe(`reply notifications: the whole flow (${name})`, () => {
    it('opt-in, confirmation mail, confirm, reply mail, one-click unsubscribe, then nothing', async () => {
      const smtp = await startSmtpReceiver();
      const app = await openApp(smtp, {}, await storage());
      try {
        const adaComment = await post(app, { email: ADA, name: 'Ada', body: 'Is this right?', notifyReplies: true });
        // A reply before the address is confirmed sends nothing but the confirmation.
        await post(app, { email: BOB, name: 'Bob', body: 'too early', parentId: adaComment });
        const first = await deliver(app, smtp);
        expect(first).toHaveLength(1);
        const confirmation = first[0]!;
        expect(confirmation.to).toEqual([ADA]);
        expect(readMail(confirmation.raw).subject).toMatch(/confirm/i);
        expect(readMail(confirmation.raw).text).toContain(ARTICLE);
        expect(confirmation.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
        oneClick(confirmation);

        const confirmLink = linkAfter(confirmation, 'Confirm');
        const page = await request(app.http).get(confirmLink);
        expect(page.status).toBe(200);
        expect(page.text).toMatch(/<form method="post"><button type="submit">/);
        // Following the link with GET (a mail scanner) confirms nothing.
        expect((await app.storage.findSubscriber((await app.storage.getComment(adaComment))!.author.emailKey))?.confirmedAt).toBeNull();
        const confirmed = await request(app.http).post(confirmLink);
        expect(confirmed.status).toBe(200);
        expect(confirmed.text).toContain('Confirmed');

        const reply = await post(app, { email: BOB, name: 'Bob <b>the</b> builder', body: 'Yes: <script>x()</script>', parentId: adaComment });
        const mails = await deliver(app, smtp);
        expect(mails).toHaveLength(1);
        const mail = mails[0]!;
        expect(mail.to).toEqual([ADA]);
        const read = readMail(mail.raw);
        expect(read.subject).toBe('Bob <b>the</b> builder replied to your comment');
        expect(read.text).toContain('Yes: <script>x()</script>');
        expect(read.html).toContain('Yes: &lt;script&gt;x()&lt;/script&gt;');
        expect(read.html).toContain('Bob &lt;b&gt;the&lt;/b&gt; builder');
        expect(read.html).not.toMatch(/<script>|<b>the/);
        expect(read.html).toContain(`href="${BASE}/notify/unsubscribe/`);
        expect(mail.raw).not.toContain(BOB);
        expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
        expect(oneClick(mail)).toBe(linkAfter(mail, 'Stop reply emails for this conversation'));
        expect(reply).toBeTruthy();

        // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click, no page, no cookie.
        const unsubscribed = await request(app.http).post(oneClick(mail)).type('form').send('List-Unsubscribe=One-Click');
        expect(unsubscribed.status).toBe(200);
        await post(app, { email: BOB, name: 'Bob', body: 'after unsubscribing', parentId: adaComment });
        expect(await deliver(app, smtp)).toHaveLength(0);
        expect(app.logText()).not.toContain(ADA);
        expect(app.logText()).not.toContain('ada.reader');
      } finally {
        await app.close();
        await smtp.close();
      }
    });
  });
}

describeFlow('SQLite', async () => undefined);
const MONGO = process.env.MONGODB_URI;
if (MONGO) describeFlow('MongoDB', () => openMongoStorage({ uri: MONGO.replace(/\/([^/?]*)(\?|$)/, `/parley_notify_replies_${Date.now()}$2`) }));
else {
  console.warn('!! reply notifications on MongoDB skipped: set MONGODB_URI (e.g. mongodb://127.0.0.1:27018/parley_x) to run them');
  describe.skip('reply notifications: the whole flow (MongoDB: SKIPPED, no MONGODB_URI)', () => it('runs with MONGODB_URI', () => undefined));
}

describe('reply notifications', () => {
  let smtp: Smtp;
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

  it('sends nothing for a held reply until a moderator approves it, and nothing for a spam reply', async () => {
    app = await openApp(smtp, { MODERATION: 'all' });
    const ada = await optInAndConfirm(app, smtp);
    await app.moderation.act('mod', ada, 'approve', null);
    const held = await post(app, { email: BOB, name: 'Bob', body: 'held reply', parentId: ada });
    expect((await app.storage.getComment(held))?.status).toBe('pending');
    expect(await deliver(app, smtp)).toHaveLength(0);
    const spam = await post(app, { email: BOB, name: 'Bob', body: 'spam reply', parentId: ada });
    await app.moderation.act('mod', spam, 'spam', null);
    expect(await deliver(app, smtp)).toHaveLength(0);

    await app.moderation.act('mod', held, 'approve', null);
    const mails = await deliver(app, smtp);
    expect(mails.map((m) => m.to)).toEqual([[ADA]]);
    expect(readMail(mails[0]!.raw).text).toContain('held reply');
    // Approving again after a round trip sends no second mail for the same reply.
    await app.moderation.act('mod', held, 'delete', null).catch(() => undefined);
    expect(await deliver(app, smtp)).toHaveLength(0);
  });

  it('mails when a moderator mail link publishes a reply', async () => {
    app = await openApp(smtp, { MODERATION: 'all', MODERATOR_EMAILS: 'mod@example.net' });
    const ada = await optInAndConfirm(app, smtp);
    await app.moderation.act('mod', ada, 'approve', null);
    smtp.received.length = 0;
    await post(app, { email: BOB, name: 'Bob', body: 'approve me by link', parentId: ada });
    const alert = (await deliver(app, smtp)).find((m) => m.to.includes('mod@example.net'))!;
    const approve = /Approve: https:\/\/comments\.example\.com(\/moderate\/[A-Za-z0-9_.-]+)/.exec(readMail(alert.raw).text)![1]!;
    expect((await request(app.http).post(approve)).status).toBe(200);
    const mails = await deliver(app, smtp);
    expect(mails.map((m) => m.to)).toEqual([[ADA]]);
  });

  it('sends nothing for an unchecked reply, and mails once the re-check job publishes it', async () => {
    const akismet = await startFakeAkismet();
    try {
      app = await openApp(smtp, { AKISMET_KEY: FAKE_AKISMET_KEY, AKISMET_ENDPOINT: akismet.url, AKISMET_TIMEOUT_MS: '300', AKISMET_TEST: '1' });
      const ada = await optInAndConfirm(app, smtp);
      akismet.setMode('error500', 'comment-check');
      const reply = await post(app, { email: BOB, name: 'Bob', body: 'checked later', parentId: ada });
      expect(await app.storage.getComment(reply)).toMatchObject({ status: 'pending', spamCheck: 'unchecked' });
      expect(await deliver(app, smtp)).toHaveLength(0);
      akismet.setMode('normal');
      app.clock.advance(61_000);
      expect(await app.jobs.recheck.runOnce()).toMatchObject({ approved: 1 });
      const mails = await deliver(app, smtp);
      expect(mails.map((m) => m.to)).toEqual([[ADA]]);
      expect(readMail(mails[0]!.raw).text).toContain('checked later');
    } finally {
      await app.close();
      await akismet.close();
    }
  });

  it("mails the follower when a moderator replies from the admin page, under the moderator's display name", async () => {
    app = await openApp(smtp);
    const ada = await optInAndConfirm(app, smtp);
    await app.moderation.reply('Editor Eve', ada, 'Thanks, fixed.');
    const mails = await deliver(app, smtp);
    expect(mails.map((m) => m.to)).toEqual([[ADA]]);
    expect(readMail(mails[0]!.raw).subject).toBe('Editor Eve replied to your comment');
  });

  it('mails the follower of the answered comment when MAX_DEPTH stores the reply under a shallower ancestor', async () => {
    // MAX_DEPTH 2: levels 0 and 1. A reply to Ada's level-1 comment is stored under Carol's top-level comment.
    app = await openApp(smtp, { MAX_DEPTH: '2' });
    const carol = await post(app, { email: 'carol@example.org', name: 'Carol', body: 'carol asks', notifyReplies: true });
    const carolConfirm = (await deliver(app, smtp)).find((m) => m.to.includes('carol@example.org'))!;
    expect((await request(app.http).post(linkAfter(carolConfirm, 'Confirm'))).status).toBe(200);
    const ada = await post(app, { email: ADA, name: 'Ada', body: 'ada answers carol', notifyReplies: true, parentId: carol });
    const first = await deliver(app, smtp);
    // Ada's reply to Carol's top-level comment mails Carol; Ada gets her confirmation.
    expect(first.map((m) => m.to).sort()).toEqual([[ADA], ['carol@example.org']]);
    expect((await request(app.http).post(linkAfter(first.find((m) => m.to.includes(ADA))!, 'Confirm'))).status).toBe(200);

    const bob = await post(app, { email: BOB, name: 'Bob', body: 'answering ada deep down', parentId: ada });
    expect(await app.storage.getComment(bob)).toMatchObject({ parentId: carol, replyTo: ada, depth: 1 });
    let mails = await deliver(app, smtp);
    expect(mails.map((m) => m.to)).toEqual([[ADA]]);
    expect(readMail(mails[0]!.raw).text).toContain('answering ada deep down');

    // A moderator's reply from the admin page is stored the same way and mails the same reader.
    const eve = await app.moderation.reply('Editor Eve', ada, 'Noted, Ada.');
    expect(eve).toMatchObject({ parentId: carol, replyTo: ada });
    mails = await deliver(app, smtp);
    expect(mails.map((m) => m.to)).toEqual([[ADA]]);
  });

  it('never mails the replier about their own reply, nor anyone who did not confirm', async () => {
    app = await openApp(smtp);
    const ada = await optInAndConfirm(app, smtp);
    await post(app, { email: ADA, name: 'Ada', body: 'answering myself', parentId: ada });
    expect(await deliver(app, smtp)).toHaveLength(0);

    const carol = await post(app, { email: 'carol@example.org', name: 'Carol', body: 'carol asks', notifyReplies: true });
    expect((await deliver(app, smtp)).map((m) => m.to)).toEqual([['carol@example.org']]);
    await post(app, { email: BOB, name: 'Bob', body: 'to carol', parentId: carol });
    expect(await deliver(app, smtp)).toHaveLength(0);
  });

  it('sends one confirmation a day at most however often an unconfirmed address asks, and none to spam', async () => {
    app = await openApp(smtp, { BANNED_WORDS: 'viagra' });
    await post(app, { email: ADA, body: 'one', notifyReplies: true });
    await post(app, { email: ADA, body: 'two', notifyReplies: true });
    expect(await deliver(app, smtp)).toHaveLength(1);
    app.clock.advance(DAY);
    await post(app, { email: ADA, body: 'three', notifyReplies: true });
    expect(await deliver(app, smtp)).toHaveLength(1);
    await post(app, { email: 'victim@example.org', body: 'cheap viagra', notifyReplies: true });
    expect(await deliver(app, smtp)).toHaveLength(0);
  });

  it('unsubscribes from one conversation or from everything through the footer links, after a page with a button', async () => {
    app = await openApp(smtp);
    const here = await optInAndConfirm(app, smtp);
    const there = await post(app, { url: 'https://news.example.org/other', email: ADA, name: 'Ada', body: 'elsewhere', notifyReplies: true });
    expect(await deliver(app, smtp)).toHaveLength(0);
    await post(app, { email: BOB, body: 'reply here', parentId: here });
    const [mail] = await deliver(app, smtp);

    const thread = linkAfter(mail!, 'Stop reply emails for this conversation');
    const shown = await request(app.http).get(thread);
    expect(shown.status).toBe(200);
    expect(shown.text).toContain('Stop reply emails for this conversation?');
    expect(shown.text).toContain('<button type="submit">Unsubscribe</button>');
    expect((await request(app.http).post(thread)).text).toContain('no more reply emails for this conversation');
    await post(app, { email: BOB, body: 'reply here again', parentId: here });
    expect(await deliver(app, smtp)).toHaveLength(0);
    await post(app, { url: 'https://news.example.org/other', email: BOB, body: 'reply there', parentId: there });
    const [other] = await deliver(app, smtp);
    expect(readMail(other!.raw).text).toContain('reply there');

    const all = linkAfter(other!, 'Stop all reply emails');
    expect((await request(app.http).get(all)).text).toContain('Stop all reply emails?');
    expect((await request(app.http).post(all).set('Accept', 'application/json')).body).toEqual({ unsubscribed: true, scope: 'all' });
    // Unsubscribing twice is not an error.
    expect((await request(app.http).post(all)).status).toBe(200);
    await post(app, { url: 'https://news.example.org/other', email: BOB, body: 'reply there again', parentId: there });
    expect(await deliver(app, smtp)).toHaveLength(0);
    // Asking again starts over with a confirmation.
    await post(app, { email: ADA, body: 'back again', notifyReplies: true });
    expect(readMail((await deliver(app, smtp))[0]!.raw).subject).toMatch(/confirm/i);
  });

  it('drops a reply mail queued before its reader unsubscribed', async () => {
    app = await openApp(smtp);
    const ada = await optInAndConfirm(app, smtp);
    const other = await post(app, { email: ADA, name: 'Ada', body: 'second', notifyReplies: true });
    await post(app, { email: BOB, body: 'first reply', parentId: ada });
    const [mail] = await deliver(app, smtp);
    await post(app, { email: BOB, body: 'queued reply', parentId: other });
    await request(app.http).post(linkAfter(mail!, 'Stop all reply emails'));
    expect(await deliver(app, smtp)).toHaveLength(0);
  });

  it('refuses forged, tampered, mismatched and expired links with a clear page or JSON error', async () => {
    app = await openApp(smtp);
    await post(app, { email: ADA, body: 'asks', notifyReplies: true });
    const [confirmation] = await deliver(app, smtp);
    const confirm = linkAfter(confirmation!, 'Confirm');
    const unsubscribe = linkAfter(confirmation!, 'Stop all reply emails');

    const forged = confirm.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    const bad = await request(app.http).post(forged);
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/text\/html/);
    expect(bad.text).toContain('This link is not valid');
    const json = await request(app.http).post(forged).set('Accept', 'application/json');
    expect(json.status).toBe(400);
    expect(json.body.error.code).toBe('link_invalid');
    expect((await request(app.http).get('/notify/confirm/not-a-token')).status).toBe(400);
    expect((await request(app.http).post('/notify/unsubscribe/%E0%A4%A')).status).toBe(400);
    // A confirmation link is not an unsubscribe link, nor the other way round.
    expect((await request(app.http).post(confirm.replace('/confirm/', '/unsubscribe/'))).status).toBe(400);
    expect((await request(app.http).post(unsubscribe.replace('/unsubscribe/', '/confirm/'))).status).toBe(400);

    app.clock.advance(8 * DAY);
    const expired = await request(app.http).post(confirm);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    expect((await request(app.http).post(confirm).set('Accept', 'application/json')).body.error.code).toBe('link_expired');
    const key = (await app.storage.listByAuthor((await app.storage.listQueue({ statuses: ['approved'], cursor: null, limit: 1 })).comments[0]!.author.emailKey))[0]!.author.emailKey;
    expect((await app.storage.findSubscriber(key))?.confirmedAt).toBeNull();
    // The unsubscribe link lasts a year.
    expect((await request(app.http).post(unsubscribe)).status).toBe(200);
    // A confirmation whose request was withdrawn.
    app.clock.advance(-8 * DAY);
    const gone = await request(app.http).post(confirm);
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('Nothing to confirm');
  });

  it('rate limits refused links per IP, never valid ones (a mail provider sends many users\' one-click POSTs)', async () => {
    app = await openApp(smtp, { RATE_LIMIT_READER_LINKS_PER_MINUTE: '2' });
    for (const who of ['a', 'b', 'c']) await post(app, { email: `${who}@example.org`, body: `asks ${who}`, notifyReplies: true });
    const links = (await deliver(app, smtp)).map((m) => oneClick(m));
    expect(links).toHaveLength(3);
    for (const link of links) expect((await request(app.http).post(link).type('form').send('List-Unsubscribe=One-Click')).status).toBe(200);
    expect((await request(app.http).get('/notify/confirm/x')).status).toBe(400);
    expect((await request(app.http).get('/notify/unsubscribe/x')).status).toBe(400);
    const limited = await request(app.http).get('/notify/confirm/x');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
  });

  it('writes the mails and pages in the language of the widget that asked, escaped', async () => {
    app = await openApp(smtp);
    const ada = await post(app, { email: ADA, name: 'Ada', body: 'bonjour', notifyReplies: true, lang: 'fr' });
    const [confirmation] = await deliver(app, smtp);
    expect(readMail(confirmation!.raw).subject).toBe('Confirmez : recevoir par e-mail les réponses à mes commentaires');
    const page = await request(app.http).get(linkAfter(confirmation!, 'Confirmer'));
    expect(page.text).toContain('<html lang="fr">');
    expect(page.text).toContain('Oui, prévenez-moi des réponses');
    await request(app.http).post(linkAfter(confirmation!, 'Confirmer'));
    await post(app, { email: BOB, name: 'Zoë "<i>"', body: 'réponse', parentId: ada });
    const [mail] = await deliver(app, smtp);
    const read = readMail(mail!.raw);
    expect(read.subject).toBe('Zoë "<i>" a répondu à votre commentaire');
    expect(read.html).toContain('Zoë &quot;&lt;i&gt;&quot;');
    expect(read.html).toContain('<html lang="fr">');
    expect(read.text).toContain('Ne plus recevoir aucun e-mail de réponse');

    for (const [lang, words] of [['de', 'Bitte bestätigen'], ['es', 'Confirma'], ['zh-CN', '请确认'], ['en', 'Please confirm']] as const) {
      await post(app, { email: `${lang}@example.org`, body: `hi ${lang}`, notifyReplies: true, lang });
      expect(readMail((await deliver(app, smtp))[0]!.raw).subject).toContain(words);
    }
  });

  it('validates notifyReplies and lang, and says in the form token whether the box may be offered', async () => {
    app = await openApp(smtp);
    const bad = await request(app.http).post('/api/v1/comments').send(validComment({ notifyReplies: 'yes please', lang: 'not a language!' }));
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields).toEqual({ notifyReplies: 'invalid', lang: 'invalid' });
    const form = await request(app.http).post('/api/v1/comments').type('form').send({ ...validComment({ notifyReplies: 'on' }) } as Record<string, string>);
    expect(form.status).toBe(201);
    expect((await request(app.http).get('/api/v1/form-token').query({ url: ARTICLE })).body.notifyReplies).toBe(true);
    await app.close();
    app = await openApp(smtp, { REPLY_NOTIFICATIONS: 'off' });
    expect((await request(app.http).get('/api/v1/form-token').query({ url: ARTICLE })).body.notifyReplies).toBe(false);
    expect((await request(app.http).post('/api/v1/comments').send(validComment({ notifyReplies: true }))).status).toBe(201);
    expect(await deliver(app, smtp)).toHaveLength(0);
    expect((await request(app.http).get('/notify/confirm/x')).status).toBe(404);
  });

  it('counts a confirmed address as returning under first-time moderation', async () => {
    app = await openApp(smtp, { MODERATION: 'first-time' });
    const res = await request(app.http).post('/api/v1/comments').send(validComment({ email: ADA, body: 'my first', notifyReplies: true }));
    expect(res.body.status).toBe('pending');
    const mine = () => request(app.http).post('/api/v1/comments/mine').send({ comments: [{ id: res.body.comment.id, editToken: res.body.editToken }] });
    expect((await mine()).body.comments[0].commenterToken).toBeUndefined();
    const [confirmation] = await deliver(app, smtp);
    await request(app.http).post(linkAfter(confirmation!, 'Confirm'));
    const token = (await mine()).body.comments[0].commenterToken as string;
    expect(token).toMatch(/^c1\./);
    const next = await request(app.http).post('/api/v1/comments').send(validComment({ email: ADA, body: 'my second', commenterToken: token }));
    expect(next.body.status).toBe('approved');
    // The address alone, without the token, still proves nothing.
    expect((await request(app.http).post('/api/v1/comments').send(validComment({ email: ADA, body: 'my third' }))).body.status).toBe('pending');
  });

  it('includes the subscriptions in the GDPR export and removes them on erase', async () => {
    const ADMIN = 'admin-token-0123456789-abcdefghijklmnopqrstuvwxyz';
    app = await openApp(smtp, { ADMIN_TOKEN: ADMIN });
    const ada = await optInAndConfirm(app, smtp);
    const exported = await request(app.http).get('/api/v1/admin/authors/export').query({ email: ADA }).set('Authorization', `Bearer ${ADMIN}`);
    expect(exported.status).toBe(200);
    expect(exported.body.replyNotifications).toMatchObject({
      address: { email: ADA, lang: 'en', confirmedAt: expect.any(String) },
      follows: [{ commentId: ada, threadKey: ARTICLE, lang: 'en' }],
    });
    const erased = await request(app.http).post('/api/v1/admin/authors/erase').set('Authorization', `Bearer ${ADMIN}`).send({ email: ADA, mode: 'anonymize' });
    expect(erased.status).toBe(200);
    const after = await request(app.http).get('/api/v1/admin/authors/export').query({ email: ADA }).set('Authorization', `Bearer ${ADMIN}`);
    expect(after.body.replyNotifications).toEqual({ address: null, follows: [] });
    await post(app, { email: BOB, body: 'to an erased author', parentId: ada });
    expect(await deliver(app, smtp)).toHaveLength(0);
  });
});
