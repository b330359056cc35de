/**
 * The no-JavaScript form's "Notify me of follow-up replies by email" box: offered only when reader reply notifications
 * are on, bound to its label, and posted through the same use case as the API's notifyReplies, so it starts the same
 * double opt-in (a confirmation mail at a real SMTP receiver).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { DomUtils, parseDocument } from 'htmlparser2';
import type { Element } from 'domhandler';
import request from 'supertest';
import { strings } from '../../web/embed/i18n.js';
import { READER_WORDS } from '../../src/notify/reader-templates.js';
import { readMail } from '../support/mime-parts.js';
import { startSmtpReceiver } from '../support/smtp-receiver.js';
import { ARTICLE, createTestApp, type TestApp } from '../support/test-app.js';

const BASE = 'https://comments.example.com';
const NORA = 'nora.noscript@example.org';

type Smtp = Awaited<ReturnType<typeof startSmtpReceiver>>;
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

const withMail = (env: Record<string, string> = {}) => createTestApp({ SMTP_URL: smtp.url, MAIL_FROM: 'Parley <comments@example.com>', PUBLIC_URL: BASE, ...env });
const page = () => request(app.http).get('/threads/html').query({ url: ARTICLE });
const formPost = (fields: Record<string, string>) => request(app.http).post('/threads/html').type('form').send(fields);

function parse(text: string) {
  const doc = parseDocument(text);
  const all = (pred: (e: Element) => boolean) => DomUtils.findAll(pred, doc.children);
  return { all, byId: (id: string) => all((e) => e.attribs.id === id)[0] };
}
/** The form's fields as a browser submits them: every text field, and a checkbox only when it is checked. */
function submitted(html: string): Record<string, string> {
  const form = parse(html).all((e) => e.name === 'form')[0]!;
  const out: Record<string, string> = {};
  for (const e of DomUtils.findAll((x) => x.name === 'input' || x.name === 'textarea', form.children)) {
    if (e.attribs.type === 'checkbox' && e.attribs.checked === undefined) continue;
    out[e.attribs.name!] = e.name === 'textarea' ? DomUtils.textContent(e) : (e.attribs.value ?? '');
  }
  return out;
}
function notifyBox(html: string) {
  const { all, byId } = parse(html);
  const box = byId('notifyReplies');
  const label = box ? all((e) => e.name === 'label' && e.attribs.for === box.attribs.id)[0] : undefined;
  return { box, label: label ? DomUtils.textContent(label) : undefined, form: all((e) => e.name === 'form')[0]! };
}

describe('the no-JavaScript form’s notify box', () => {
  it('is offered, with the widget’s words, as a checkbox bound to its label inside the form, when reply notifications are on', async () => {
    app = await withMail();
    // The second view is served from the read cache: both carry the box.
    for (const res of [await page(), await page()]) {
      expect(res.status).toBe(200);
      const { box, label, form } = notifyBox(res.text);
      expect(box).toBeDefined();
      expect(box!.attribs).toMatchObject({ type: 'checkbox', name: 'notifyReplies', value: 'on' });
      expect(box!.attribs.checked).toBeUndefined();
      expect(label).toBe(strings('en').notify);
      expect(DomUtils.findAll((e) => e === box, form.children)).toHaveLength(1);
    }
  });

  it.each([
    ['mail is not configured', {}],
    ['REPLY_NOTIFICATIONS=off', { SMTP_URL: 'smtp://127.0.0.1:1', MAIL_FROM: 'x@example.com', PUBLIC_URL: BASE, REPLY_NOTIFICATIONS: 'off' }],
    ['PUBLIC_URL is not set (the mails need links)', { SMTP_URL: 'smtp://127.0.0.1:1', MAIL_FROM: 'x@example.com' }],
  ])('is not offered when %s', async (_why, env: Record<string, string>) => {
    app = await createTestApp(env);
    const res = await page();
    expect(res.status).toBe(200);
    expect(notifyBox(res.text).box).toBeUndefined();
    expect(res.text).not.toContain(strings('en').notify);
  });

  it('posted checked, sends the double opt-in confirmation mail; posted unchecked, sends nothing', async () => {
    app = await withMail();
    const fields = submitted((await page()).text);
    expect(fields.notifyReplies).toBeUndefined();
    app.clock.advance(5_000);

    const plain = await formPost({ ...fields, name: 'Olga Unchecked', email: 'olga@example.org', body: 'No mails for me.' });
    expect(plain.status).toBe(303);
    expect(await app.jobs.outbox.runOnce()).toMatchObject({ claimed: 0 });
    expect(smtp.received).toHaveLength(0);

    const checked = await formPost({ ...fields, name: 'Nora No-Script', email: NORA, body: 'Tell me when someone answers.', notifyReplies: 'on' });
    expect(checked.status).toBe(303);
    expect(new URL(checked.headers.location!, BASE).searchParams.get('posted')).toBe('approved');
    await app.jobs.outbox.runOnce();
    expect(smtp.received.map((m) => m.to)).toEqual([[NORA]]);
    const mail = readMail(smtp.received[0]!.raw);
    expect(mail.subject).toMatch(/confirm/i);
    expect(mail.text).toMatch(new RegExp(`Confirm: ${BASE}/notify/confirm/`));
    expect(smtp.received[0]!.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(app.logText()).not.toContain(NORA);
  });

  it('stays checked when the form comes back with a field error, and subscribes nobody until it is posted right', async () => {
    app = await withMail();
    const fields = submitted((await page()).text);
    app.clock.advance(5_000);
    const refused = await formPost({ ...fields, name: '', email: NORA, body: 'Missing my name.', notifyReplies: 'on' });
    expect(refused.status).toBe(400);
    expect(notifyBox(refused.text).box!.attribs.checked).toBeDefined();
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(0);

    const again = submitted(refused.text);
    expect(again.notifyReplies).toBe('on');
    expect((await formPost({ ...again, name: 'Nora' })).status).toBe(303);
    await app.jobs.outbox.runOnce();
    expect(smtp.received.map((m) => m.to)).toEqual([[NORA]]);
  });

  it('writes the confirmation in the site’s mail language (MODERATOR_LANG), the page having no language of its own', async () => {
    app = await withMail({ MODERATOR_LANG: 'fr' });
    const fields = submitted((await page()).text);
    app.clock.advance(5_000);
    expect((await formPost({ ...fields, name: 'Nora', email: NORA, body: 'En français, merci.', notifyReplies: 'on' })).status).toBe(303);
    await app.jobs.outbox.runOnce();
    expect(smtp.received).toHaveLength(1);
    expect(readMail(smtp.received[0]!.raw).subject).toBe(READER_WORDS.fr.confirmSubject);
  });
});
