import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { openMongoStorage } from '../../src/storage/mongo/mongo-storage.js';
import type { Comment } from '../../src/domain/comment.js';
import { renderBody } from '../../src/domain/markup.js';
import type { Moderator } from '../../src/domain/moderator.js';
import { makeComment, makeReply } from '../support/comment-factory.js';
import { cli } from '../support/run-cli.js';
import { mongoMissing } from '../support/spawn-service.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-json-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const d = (iso: string) => new Date(iso);

/** A store with every kind of record and field: statuses, replies, history, recheck, private context, bans, locks. */
async function seed(dataDir: string): Promise<void> {
  const s = openSqliteStorage({ dataDir });
  const key = 'https://blog.example/ünïcödé-post';
  await s.ensureThread({ key, url: key, now: d('2026-01-01T00:00:00.000Z') });
  await s.setThreadLocked({ key: 'id:locked-thread', url: null, now: d('2026-01-02T00:00:00.000Z') }, true);
  await s.ensureThread({ key: 'https://blog.example/empty', url: 'https://blog.example/empty', now: d('2026-01-03T00:00:00.000Z') });
  const root = makeComment({ id: '01ROOT', threadKey: key, createdAt: d('2026-01-01T10:00:00.123Z'), body: 'Root *one*', html: '<p>Root <em>one</em></p>\n' });
  const reply = makeReply(root, { id: '01REPLY', createdAt: d('2026-01-01T11:00:00.000Z'), status: 'pending', spamCheck: 'unchecked', recheck: { attempts: 2, nextAt: d('2026-01-01T12:00:00.000Z') }, spamReasons: ['akismet_unreachable'] });
  const spam = makeComment({ id: '01SPAM', threadKey: key, status: 'spam', createdAt: d('2026-01-01T12:00:00.000Z'), author: { name: '李', email: 'li@example.com', emailKey: 'e'.repeat(64), website: 'https://li.example/', avatar: 'b'.repeat(32), identity: { key: 'i'.repeat(64), badge: 'Member', avatarUrl: 'https://img.example/g.png' } } });
  const deleted = makeComment({ id: '01DEL', threadKey: key, status: 'deleted', createdAt: d('2026-01-01T13:00:00.000Z'), editTokenHash: 'f'.repeat(64), context: { ip: '2001:db8::5', userAgent: 'UA "quoted"', referrer: 'https://ref.example/' } });
  const rejected = makeComment({ id: '01REJ', threadKey: 'id:locked-thread', status: 'rejected', createdAt: d('2026-01-02T13:00:00.000Z') });
  // A moderator's answer to 01REPLY that MAX_DEPTH stored under the root: it keeps the comment it answered.
  const modReply = makeReply(root, { id: '01MOD', replyTo: '01REPLY', createdAt: d('2026-01-01T11:30:00.000Z'), author: { name: 'Desk editor', email: '', emailKey: '', website: null, avatar: '', moderator: true } });
  for (const c of [root, reply, modReply, spam, deleted, rejected]) await s.insertComment(c);
  await s.updateComment('01ROOT', { body: 'Root *two*', html: '<p>Root <em>two</em></p>\n', editedAt: d('2026-01-01T10:05:00.000Z'), appendHistory: { body: 'Root *one*', editedAt: d('2026-01-01T10:05:00.000Z'), by: 'author' } });
  await s.insertBan({ id: '01BANB', kind: 'ip', hash: 'a'.repeat(64), prefix: 24, reason: 'flood', createdAt: d('2026-01-05T00:00:00.000Z'), expiresAt: d('2026-02-05T00:00:00.000Z'), actor: 'ops' });
  await s.insertBan({ id: '01BANA', kind: 'email', hash: 'c'.repeat(64), prefix: null, reason: null, createdAt: d('2026-01-04T00:00:00.000Z'), expiresAt: null, actor: 'ops' });
  await s.appendAudit({ id: '01AUDB', at: d('2026-01-06T00:00:00.000Z'), actor: 'desk', action: 'spam', commentId: '01SPAM', threadKey: null, from: 'approved', to: 'spam', reason: 'links' });
  await s.appendAudit({ id: '01AUDA', at: d('2026-01-06T01:00:00.000Z'), actor: 'ops', action: 'lock_thread', commentId: null, threadKey: 'id:locked-thread', from: null, to: null, reason: null });
  for (const m of MODERATORS) await s.insertModerator(m);
  // A signed-in browser and a delivery in flight: neither is part of the export.
  await s.insertModeratorSession({ idHash: SESSION_HASH, moderatorId: '01MODB', createdAt: d('2026-01-07T00:00:00.000Z'), lastSeenAt: d('2026-01-07T00:00:00.000Z'), expiresAt: d('2026-01-08T00:00:00.000Z') });
  await s.enqueueOutbox([{ id: '01OUTBOX', idempotencyKey: 'mail:test', channel: 'mail', payload: { to: 'outbox@example.net', text: OUTBOX_TEXT }, nextAt: d('2026-01-07T00:00:00.000Z'), createdAt: d('2026-01-07T00:00:00.000Z') }]);
  await s.ensureSubscriber({ id: '01SUBB', emailKey: 'k'.repeat(64), email: 'ada@example.com', lang: 'fr', createdAt: d('2026-01-01T10:00:00.500Z') });
  await s.confirmSubscriber('01SUBB', d('2026-01-01T10:30:00.000Z'));
  await s.ensureSubscriber({ id: '01SUBA', emailKey: 'l'.repeat(64), email: 'li@example.com', lang: 'zh-CN', createdAt: d('2026-01-01T12:00:00.000Z') });
  await s.addSubscription({ id: '01SNC', emailKey: 'k'.repeat(64), commentId: '01ROOT', threadKey: key, lang: 'fr', createdAt: d('2026-01-01T10:00:00.500Z') });
  await s.addSubscription({ id: '01SNA', emailKey: 'k'.repeat(64), commentId: '01REJ', threadKey: 'id:locked-thread', lang: 'fr', createdAt: d('2026-01-02T13:00:00.000Z') });
  await s.addSubscription({ id: '01SNB', emailKey: 'l'.repeat(64), commentId: '01SPAM', threadKey: key, lang: 'zh-CN', createdAt: d('2026-01-01T12:00:00.000Z') });
  await s.close();
}

/** What a genuine export of `seed` holds: 3 threads, 6 comments, 2 bans, 2 audit entries, 2 accounts, 2 subscribers, 3 subscriptions. */
const SEEDED = 20;
const OUTBOX_TEXT = 'a reply is waiting in the outbox';
const SESSION_HASH = '5'.repeat(64);
// Valid scrypt strings of the shape hashPassword writes (the import checks the shape).
const HASH_A = `scrypt$32768$8$1$${'A'.repeat(22)}$${'a'.repeat(43)}`;
const HASH_B = `scrypt$32768$8$1$${'B'.repeat(22)}$${'b'.repeat(43)}`;
const MODERATORS: Moderator[] = [
  { id: '01MODB', email: 'desk@example.org', name: 'Desk editor', role: 'moderator', disabled: false, passwordHash: HASH_B, createdAt: d('2026-01-01T09:00:00.000Z'), updatedAt: d('2026-01-03T09:00:00.000Z') },
  { id: '01MODA', email: 'chief@example.org', name: 'Chief ü', role: 'admin', disabled: true, passwordHash: HASH_A, createdAt: d('2026-01-01T08:00:00.000Z'), updatedAt: d('2026-01-04T08:00:00.000Z') },
];

async function exportOf(env: Record<string, string>): Promise<string> {
  const out = path.join(tempDir(), 'export.jsonl');
  const r = await cli(['export', 'json', '--out', out], env);
  expect(r.code).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

describe('export json / import json', () => {
  it('exports every thread, comment, ban, audit entry, moderator account and reply subscription with every field, and an empty store imports it back byte for byte', async () => {
    const a = tempDir();
    await seed(a);
    const first = await exportOf({ DATA_DIR: a });
    const lines = first.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ format: 'parley-export', version: 3 });
    expect(lines.slice(1).map((l) => l.type)).toEqual([
      ...Array(3).fill('thread'),
      ...Array(6).fill('comment'),
      ...Array(2).fill('ban'),
      ...Array(2).fill('audit'),
      ...Array(2).fill('moderator'),
      ...Array(2).fill('subscriber'),
      ...Array(3).fill('subscription'),
    ]);
    expect(lines.filter((l) => l.type === 'thread')).toHaveLength(3);
    expect(lines.filter((l) => l.type === 'comment').map((l) => l.id)).toEqual(['01DEL', '01MOD', '01REJ', '01REPLY', '01ROOT', '01SPAM']);
    expect((lines.find((l) => l.id === '01SPAM')!.author as { identity?: unknown }).identity).toEqual({ key: 'i'.repeat(64), badge: 'Member', avatarUrl: 'https://img.example/g.png' });
    expect(lines.find((l) => l.id === '01ROOT')!.author).not.toHaveProperty('identity');
    expect((lines.find((l) => l.id === '01MOD')!.author as { moderator?: boolean }).moderator).toBe(true);
    expect(lines.find((l) => l.id === '01ROOT')!.author).not.toHaveProperty('moderator');
    expect(lines.find((l) => l.id === '01MOD')!.replyTo).toBe('01REPLY');
    expect(lines.find((l) => l.id === '01ROOT')!).not.toHaveProperty('replyTo');
    expect(lines.filter((l) => l.type === 'ban').map((l) => l.id)).toEqual(['01BANA', '01BANB']);
    expect(lines.filter((l) => l.type === 'audit')).toEqual([
      { type: 'audit', id: '01AUDA', at: '2026-01-06T01:00:00.000Z', actor: 'ops', action: 'lock_thread', commentId: null, threadKey: 'id:locked-thread', from: null, to: null, reason: null },
      { type: 'audit', id: '01AUDB', at: '2026-01-06T00:00:00.000Z', actor: 'desk', action: 'spam', commentId: '01SPAM', threadKey: null, from: 'approved', to: 'spam', reason: 'links' },
    ]);
    const root = lines.find((l) => l.id === '01ROOT')!;
    expect(root.history).toEqual([{ body: 'Root *one*', editedAt: '2026-01-01T10:05:00.000Z', by: 'author' }]);
    expect((root.author as { email: string }).email).toBe('ada@example.com');
    expect(lines.find((l) => l.id === '01DEL')!.context).toEqual({ ip: '2001:db8::5', userAgent: 'UA "quoted"', referrer: 'https://ref.example/' });
    expect(lines.find((l) => l.id === '01REPLY')!.recheck).toEqual({ attempts: 2, nextAt: '2026-01-01T12:00:00.000Z' });
    // Only the fields a comment is made of: a marker added to comments on their way through the service never leaves.
    expect(Object.keys(lines.find((l) => l.id === '01ROOT')!)).toEqual([
      'type', 'id', 'threadKey', 'parentId', 'rootId', 'depth', 'status', 'author', 'body', 'html', 'createdAt', 'editedAt',
      'editTokenHash', 'context', 'spamCheck', 'spamReasons', 'recheck', 'history',
    ]);
    expect(lines.filter((l) => l.type === 'moderator')).toEqual([
      { type: 'moderator', id: '01MODA', email: 'chief@example.org', name: 'Chief ü', role: 'admin', disabled: true, passwordHash: HASH_A, createdAt: '2026-01-01T08:00:00.000Z', updatedAt: '2026-01-04T08:00:00.000Z' },
      { type: 'moderator', id: '01MODB', email: 'desk@example.org', name: 'Desk editor', role: 'moderator', disabled: false, passwordHash: HASH_B, createdAt: '2026-01-01T09:00:00.000Z', updatedAt: '2026-01-03T09:00:00.000Z' },
    ]);
    expect(lines.filter((l) => l.type === 'subscriber')).toEqual([
      { type: 'subscriber', id: '01SUBA', emailKey: 'l'.repeat(64), email: 'li@example.com', lang: 'zh-CN', createdAt: '2026-01-01T12:00:00.000Z', confirmedAt: null },
      { type: 'subscriber', id: '01SUBB', emailKey: 'k'.repeat(64), email: 'ada@example.com', lang: 'fr', createdAt: '2026-01-01T10:00:00.500Z', confirmedAt: '2026-01-01T10:30:00.000Z' },
    ]);
    expect(lines.filter((l) => l.type === 'subscription').map((l) => [l.id, l.commentId, l.lang])).toEqual([
      ['01SNA', '01REJ', 'fr'],
      ['01SNB', '01SPAM', 'zh-CN'],
      ['01SNC', '01ROOT', 'fr'],
    ]);
    // Sessions and the outbox stay behind.
    expect(first).not.toContain(SESSION_HASH);
    expect(first).not.toContain(OUTBOX_TEXT);

    const file = path.join(tempDir(), 'a.jsonl');
    fs.writeFileSync(file, first);
    const b = tempDir();
    const imported = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain(`imported: ${SEEDED}\n  audit: 2\n  ban: 2\n  comment: 6\n  moderator: 2\n  subscriber: 2\n  subscription: 3\n  thread: 3\n`);
    expect(await exportOf({ DATA_DIR: b })).toBe(first);

    // The restored store serves what the original did: the visible count of the thread and its lock.
    const s = openSqliteStorage({ dataDir: b });
    expect((await s.countVisible(['https://blog.example/ünïcödé-post'])).get('https://blog.example/ünïcödé-post')).toBe(2);
    expect((await s.getComment('01MOD'))?.author.moderator).toBe(true);
    expect((await s.getComment('01MOD'))?.replyTo).toBe('01REPLY');
    expect((await s.getComment('01SPAM'))?.author.identity).toEqual({ key: 'i'.repeat(64), badge: 'Member', avatarUrl: 'https://img.example/g.png' });
    expect((await s.getThread('id:locked-thread'))?.locked).toBe(true);
    expect((await s.listAudit({ commentId: '01SPAM', cursor: null, limit: 10 })).entries.map((e) => e.reason)).toEqual(['links']);
    // Accounts sign in with the same password hash, and nobody is signed in; subscribers keep their confirmation.
    expect(await s.findModeratorByEmail('chief@example.org')).toEqual(MODERATORS[1]);
    expect(await s.getModeratorSession(SESSION_HASH)).toBeUndefined();
    expect((await s.findSubscriber('k'.repeat(64)))?.confirmedAt).toEqual(d('2026-01-01T10:30:00.000Z'));
    expect((await s.listSubscriptionsTo(['01ROOT', '01SPAM'])).map((x) => x.id)).toEqual(['01SNC', '01SNB']);
    expect(await s.listOutbox({ limit: 10 })).toEqual([]);
    await s.close();
  });

  it('renders html again from the body, so a file edited by hand cannot inject markup', async () => {
    const a = tempDir();
    await seed(a);
    const original = await exportOf({ DATA_DIR: a });
    const lines = original.trim().split('\n');
    const at = lines.findIndex((l) => l.includes('"id":"01SPAM"'));
    const hostile = JSON.parse(lines[at]!) as Record<string, unknown>;
    hostile.html = '<p>Hi</p><script>steal()</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a>';
    lines[at] = JSON.stringify(hostile);
    const file = path.join(tempDir(), 'edited.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const b = tempDir();
    const r = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`imported: ${SEEDED}`);
    expect(r.stdout).toMatch(/adjusted: 1\n {2}html_rendered_from_body: 1/);
    expect(r.stdout).toContain(`line ${at + 1}: html_rendered_from_body`);
    const s = openSqliteStorage({ dataDir: b });
    const stored = (await s.getComment('01SPAM'))!;
    await s.close();
    expect(stored.html).toBe(renderBody(stored.body));
    expect(stored.html).not.toMatch(/<script|onerror|javascript:|<img/);
    // Nothing else changed: the store exports as the untouched original.
    expect(await exportOf({ DATA_DIR: b })).toBe(original);
  });

  it('renders a hostile body through the safe renderer whatever html the file claims for it', async () => {
    const a = tempDir();
    await seed(a);
    const lines = (await exportOf({ DATA_DIR: a })).trim().split('\n');
    const at = lines.findIndex((l) => l.includes('"id":"01DEL"'));
    const rec = JSON.parse(lines[at]!) as Record<string, unknown>;
    rec.body = '<script>steal()</script> <img src=x onerror=alert(1)> [click](javascript:alert(1)) <a href="javascript:x()">y</a>';
    // What a store that trusted raw HTML would have rendered.
    rec.html = `<p>${rec.body as string}</p>\n`;
    lines[at] = JSON.stringify(rec);
    const file = path.join(tempDir(), 'hostile-body.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const b = tempDir();
    const r = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`line ${at + 1}: html_rendered_from_body`);
    const s = openSqliteStorage({ dataDir: b });
    const stored = (await s.getComment('01DEL'))!;
    await s.close();
    expect(stored.body).toBe(rec.body);
    expect(stored.html).toBe(renderBody(stored.body));
    // Text only: the one element is the paragraph, everything else is escaped.
    expect(stored.html.match(/<[a-z]+/gi)).toEqual(['<p']);
  });

  it("refuses a website or an article's URL that is not an http(s) address, and an avatar key of another shape", async () => {
    const a = tempDir();
    await seed(a);
    const lines = (await exportOf({ DATA_DIR: a })).trim().split('\n');
    const edit = (id: string, change: (author: Record<string, unknown>) => void) => {
      const at = lines.findIndex((l) => l.includes(`"id":"${id}"`));
      const rec = JSON.parse(lines[at]!) as { author: Record<string, unknown> };
      change(rec.author);
      lines[at] = JSON.stringify(rec);
      return at + 1;
    };
    const websiteLine = edit('01ROOT', (au) => (au.website = 'javascript:alert(document.cookie)'));
    const avatarLine = edit('01DEL', (au) => (au.avatar = '"><script>x()</script>'));
    const threadLine = lines.findIndex((l) => l.includes('"url":"https://blog.example/empty"'));
    lines[threadLine] = lines[threadLine]!.replace('"url":"https://blog.example/empty"', '"url":"javascript:alert(1)"');
    const file = path.join(tempDir(), 'edited.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await cli(['import', 'json', file], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`line ${websiteLine}: invalid_record (author.website)`);
    expect(r.stdout).toContain(`line ${avatarLine}: invalid_record (author.avatar)`);
    expect(r.stdout).toContain(`line ${threadLine + 1}: invalid_record (url)`);
    expect(r.stdout).toContain(`imported: ${SEEDED - 3}`);
  });

  it('refuses accounts and subscribers of another shape than the service writes', async () => {
    const a = tempDir();
    await seed(a);
    const lines = (await exportOf({ DATA_DIR: a })).trim().split('\n');
    const edit = (id: string, change: (rec: Record<string, unknown>) => void) => {
      const at = lines.findIndex((l) => l.includes(`"id":"${id}"`));
      const rec = JSON.parse(lines[at]!) as Record<string, unknown>;
      change(rec);
      lines[at] = JSON.stringify(rec);
      return at + 1;
    };
    // A known password planted as plain text, a header injected into a reply mail's address, a role that does not exist.
    const hashLine = edit('01MODA', (m) => (m.passwordHash = 'hunter2hunter2'));
    const roleLine = edit('01MODB', (m) => (m.role = 'root'));
    const mailLine = edit('01SUBA', (x) => (x.email = 'li@example.com\r\nBcc: all@example.net'));
    const langLine = edit('01SNA', (x) => (x.lang = '../../etc'));
    const file = path.join(tempDir(), 'hostile.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const b = tempDir();
    const r = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`line ${hashLine}: invalid_record (passwordHash)`);
    expect(r.stdout).toContain(`line ${roleLine}: invalid_record (role)`);
    expect(r.stdout).toContain(`line ${mailLine}: invalid_record (email)`);
    expect(r.stdout).toContain(`line ${langLine}: invalid_record (lang)`);
    expect(r.stdout).toContain(`imported: ${SEEDED - 4}`);
    const s = openSqliteStorage({ dataDir: b });
    expect(await s.listModerators()).toEqual([]);
    expect(await s.findSubscriber('l'.repeat(64))).toBeUndefined();
    await s.close();
  });

  it('reports an account whose email another account of the store has, imports the rest, and prints no email, address or hash', async () => {
    const a = tempDir();
    await seed(a);
    const file = path.join(tempDir(), 'a.jsonl');
    const exported = await cli(['export', 'json', '--out', file], { DATA_DIR: a, LOG_LEVEL: 'debug' });
    expect(exported.stderr).toContain('exported: 3 threads, 6 comments, 2 bans, 2 audit entries, 2 moderator accounts, 2 reply subscribers, 3 reply subscriptions');
    const b = tempDir();
    const s = openSqliteStorage({ dataDir: b });
    await s.insertModerator({ ...MODERATORS[0]!, id: '01OTHER', name: 'Someone else' });
    await s.close();
    const r = await cli(['import', 'json', file], { DATA_DIR: b, LOG_LEVEL: 'debug' });
    expect(r.code).toBe(1);
    const at = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('"id":"01MODB"')) + 1;
    expect(r.stdout).toContain(`line ${at}: storage_error (conflict)`);
    expect(r.stdout).toContain(`imported: ${SEEDED - 1}`);
    const t = openSqliteStorage({ dataDir: b });
    expect((await t.findModeratorByEmail('desk@example.org'))?.id).toBe('01OTHER');
    await t.close();
    for (const output of [exported.stdout, exported.stderr, r.stdout, r.stderr]) {
      expect(output).not.toMatch(/@example\.(com|org)|scrypt\$|2001:db8/);
    }
  });

  it.each([
    [2, 'accounts and subscriptions were exported', /^\{"type":"(moderator|subscriber|subscription)"/, 13],
    [1, 'the audit log was exported', /^\{"type":"(audit|moderator|subscriber|subscription)"/, 11],
  ])('still imports a file of version %i, written before %s', async (version, _before, newer, imported) => {
    const a = tempDir();
    await seed(a);
    const lines = (await exportOf({ DATA_DIR: a })).trim().split('\n').filter((l) => !newer.test(l));
    lines[0] = JSON.stringify({ format: 'parley-export', version });
    const file = path.join(tempDir(), `v${version}.jsonl`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await cli(['import', 'json', file], { DATA_DIR: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`imported: ${imported}\n`);
  });

  it('finishes an interrupted import when run again', async () => {
    const a = tempDir();
    await seed(a);
    const full = await exportOf({ DATA_DIR: a });
    // The process died in the middle of line 7: what came before is in, the rest is not.
    const cut = path.join(tempDir(), 'cut.jsonl');
    fs.writeFileSync(cut, full.slice(0, full.split('\n').slice(0, 6).join('\n').length + 20));
    const file = path.join(tempDir(), 'full.jsonl');
    fs.writeFileSync(file, full);
    const b = tempDir();
    const first = await cli(['import', 'json', cut], { DATA_DIR: b });
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('imported: 5');
    expect(first.stdout).toContain('line 7: invalid_json');
    const again = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`imported: ${SEEDED - 5}`);
    expect(await exportOf({ DATA_DIR: b })).toBe(full);
  });

  it('keeps visible counts and activity times exact across many batches', async () => {
    const a = tempDir();
    const s = openSqliteStorage({ dataDir: a });
    const keys = ['https://big.example/a', 'https://big.example/b', 'https://big.example/c'];
    for (const key of keys) await s.ensureThread({ key, url: key, now: d('2026-01-01T00:00:00.000Z') });
    // 1,300 comments: roots and replies up to depth 3, a pending or spam one now and then hiding its replies.
    const made: Comment[] = [];
    for (let i = 0; i < 1300; i += 1) {
      const id = `C${String(i).padStart(5, '0')}`;
      const status = i % 11 === 0 ? 'pending' : i % 17 === 0 ? 'spam' : i % 13 === 0 ? 'deleted' : 'approved';
      const createdAt = new Date(Date.UTC(2026, 0, 2) + i * 60_000);
      const parent = i % 3 === 0 || made.length === 0 ? null : made[(i * 7) % made.length]!;
      const c =
        parent && parent.depth < 3
          ? makeReply(parent, { id, status, createdAt })
          : makeComment({ id, threadKey: keys[Math.floor(i / 3) % keys.length]!, status, createdAt });
      made.push(c);
      await s.insertComment(c);
    }
    const counts = await s.countVisible(keys);
    const threads = await Promise.all(keys.map((k) => s.getThread(k)));
    await s.close();
    const file = path.join(tempDir(), 'big.jsonl');
    const text = await exportOf({ DATA_DIR: a });
    fs.writeFileSync(file, text);
    const b = tempDir();
    const r = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(r.stdout).toContain('imported: 1303');
    const t = openSqliteStorage({ dataDir: b });
    expect(await t.countVisible(keys)).toEqual(counts);
    expect([...counts.values()].every((n) => n > 0)).toBe(true);
    expect(await Promise.all(keys.map((k) => t.getThread(k)))).toEqual(threads);
    await t.close();
    expect(await exportOf({ DATA_DIR: b })).toBe(text);
  });

  it('adds nothing when the same file is imported twice', async () => {
    const a = tempDir();
    await seed(a);
    const first = await exportOf({ DATA_DIR: a });
    const file = path.join(tempDir(), 'a.jsonl');
    fs.writeFileSync(file, first);
    const b = tempDir();
    await cli(['import', 'json', file], { DATA_DIR: b });
    const again = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('imported: 0\n');
    for (const [kind, n] of [['thread', 3], ['comment', 6], ['ban', 2], ['audit', 2], ['moderator', 2], ['subscriber', 2], ['subscription', 3]] as const) {
      expect(again.stdout).toContain(`already_present (${kind}): ${n}\n`);
    }
    expect(await exportOf({ DATA_DIR: b })).toBe(first);
  });

  it('writes nothing on --dry-run', async () => {
    const a = tempDir();
    await seed(a);
    const file = path.join(tempDir(), 'a.jsonl');
    fs.writeFileSync(file, await exportOf({ DATA_DIR: a }));
    const b = tempDir();
    const r = await cli(['import', 'json', '--dry-run', file], { DATA_DIR: b });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`would import: ${SEEDED}\n  audit: 2\n  ban: 2\n  comment: 6\n  moderator: 2\n  subscriber: 2\n  subscription: 3\n  thread: 3\n`);
    expect((await exportOf({ DATA_DIR: b })).trim().split('\n')).toHaveLength(1);
  });

  it('names the bad lines, imports the rest and exits non-zero', async () => {
    const a = tempDir();
    await seed(a);
    const lines = (await exportOf({ DATA_DIR: a })).trim().split('\n');
    lines[2] = '{"type":"thread","key":';
    lines[4] = lines[4]!.replace('"status":"', '"status":"bogus-');
    const file = path.join(tempDir(), 'bad.jsonl');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await cli(['import', 'json', file], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('line 3: invalid_json');
    expect(r.stdout).toContain('line 5: invalid_record (status)');
    expect(r.stdout).toContain(`imported: ${SEEDED - 2}`);
  });

  it('refuses a file that is not a Parley export', async () => {
    const file = path.join(tempDir(), 'other.json');
    fs.writeFileSync(file, '{"hello":"world"}\n{"type":"thread"}\n');
    const r = await cli(['import', 'json', file], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('line 1: not_a_parley_export');
  });

  it('writes the export file readable by its owner only (it holds emails and IPs)', async () => {
    const out = path.join(tempDir(), 'private.jsonl');
    expect((await cli(['export', 'json', '--out', out], { DATA_DIR: tempDir() })).code).toBe(0);
    expect(fs.statSync(out).mode & 0o777).toBe(0o600);
  });

  it.each([[[]], [['import']], [['export']], [['import', 'json']], [['import', 'wordpress']], [['import', 'disqus']], [['export', 'json']], [['export', 'wordpress']]])('prints help for %j', async (words) => {
    const r = await cli([...words, '--help'], { DATA_DIR: tempDir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: parley/m);
  });

  it('exits 2 on an unknown command', async () => {
    const r = await cli(['frobnicate'], { DATA_DIR: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
  });
});

const mongoBase = process.env.MONGODB_URI;
const describeMongo = mongoBase ? describe : describe.skip;
if (!mongoBase && mongoMissing('The SQLite → JSON → MongoDB round trip') === 'fail') {
  it('needs a MongoDB server (REQUIRE_MONGO=1)', () => {
    throw new Error('REQUIRE_MONGO=1 but MONGODB_URI is not set');
  });
}

describeMongo('moving between SQLite and MongoDB', () => {
  const uri = (mongoBase ?? '').replace(/\/[^/?]*(\?|$)/, `/parley_cli_${randomBytes(4).toString('hex')}$1`);
  afterAll(async () => {
    const conn = await mongoose.createConnection(uri).asPromise();
    await conn.dropDatabase();
    await conn.close();
  });

  it('SQLite → JSON → MongoDB → JSON gives the same bytes, and a second import adds nothing', async () => {
    const a = tempDir();
    await seed(a);
    const first = await exportOf({ DATA_DIR: a });
    const file = path.join(tempDir(), 'a.jsonl');
    fs.writeFileSync(file, first);
    const env = { DATA_DIR: tempDir(), MONGODB_URI: uri };
    const r = await cli(['import', 'json', file], env);
    expect(r.stdout).toContain(`imported: ${SEEDED}`);
    expect(r.code).toBe(0);
    expect(await exportOf(env)).toBe(first);
    const again = await cli(['import', 'json', file], env);
    expect(again.stdout).toContain('imported: 0\n');
    for (const [kind, n] of [['thread', 3], ['comment', 6], ['ban', 2], ['audit', 2], ['moderator', 2], ['subscriber', 2], ['subscription', 3]] as const) {
      expect(again.stdout).toContain(`already_present (${kind}): ${n}\n`);
    }
    // The accounts and subscriptions serve the service on MongoDB as they did on SQLite.
    const m = await openMongoStorage({ uri });
    expect(await m.listModerators()).toEqual([MODERATORS[1], MODERATORS[0]]);
    expect((await m.findSubscriber('k'.repeat(64)))?.confirmedAt).toEqual(d('2026-01-01T10:30:00.000Z'));
    expect((await m.listSubscriptionsTo(['01ROOT'])).map((x) => x.id)).toEqual(['01SNC']);
    await m.close();
    const fromMongo = await exportOf(env);
    expect(fromMongo).toBe(first);

    // And back: MongoDB → JSON → a fresh SQLite store.
    const mongoFile = path.join(tempDir(), 'from-mongo.jsonl');
    fs.writeFileSync(mongoFile, fromMongo);
    const back = tempDir();
    expect((await cli(['import', 'json', mongoFile], { DATA_DIR: back })).code).toBe(0);
    expect(await exportOf({ DATA_DIR: back })).toBe(first);
  });
});

describe('the threads a JSON import touches', () => {
  it('include a thread restored without comments (a lock changes its page), and not one already present', async () => {
    const { importJson } = await import('../../src/cli/json-transfer.js');
    const { Readable } = await import('node:stream');
    const from = tempDir();
    const s = openSqliteStorage({ dataDir: from });
    await s.setThreadLocked({ key: 'https://blog.example/locked-only', url: 'https://blog.example/locked-only', now: d('2026-01-02T00:00:00.000Z') }, true);
    await s.close();
    const out = path.join(tempDir(), 'export.jsonl');
    expect((await cli(['export', 'json', '--out', out], { DATA_DIR: from })).code).toBe(0);
    const target = openSqliteStorage({ dataDir: ':memory:' });
    try {
      const touched = new Set<string>();
      await importJson(target, Readable.from([fs.readFileSync(out)]), { dryRun: false, touched });
      expect([...touched]).toEqual(['https://blog.example/locked-only']);
      expect((await target.getThread('https://blog.example/locked-only'))?.locked).toBe(true);
      const again = new Set<string>();
      await importJson(target, Readable.from([fs.readFileSync(out)]), { dryRun: false, touched: again });
      expect([...again]).toEqual([]);
    } finally {
      await target.close();
    }
  });
});
