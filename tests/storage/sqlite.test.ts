import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { createMetrics } from '../../src/metrics.js';
import { instrumentStorage } from '../../src/storage/instrumented-storage.js';
import { conversationVisibleSql, openSqliteStorage, postChecksSql, publicThreadPageSql, threadPageSql } from '../../src/storage/sqlite/sqlite-storage.js';
import { MIGRATIONS } from '../../src/storage/sqlite/schema.js';
import { banHashesFor } from '../../src/domain/ban.js';
import { keyedHash } from '../../src/domain/privacy.js';
import { makeComment, uniqueThreadKey } from '../support/comment-factory.js';
import { describeStorageContract } from './storage-contract.js';
import { describeTransferBatchContract } from './transfer-batch-contract.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-sqlite-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describeStorageContract('sqlite (file, WAL)', async () => openSqliteStorage({ dataDir: tempDir() }));
describeStorageContract('sqlite (:memory:)', async () => openSqliteStorage({ dataDir: ':memory:' }));
describeTransferBatchContract('sqlite', async () => openSqliteStorage({ dataDir: tempDir() }));
describeStorageContract('sqlite behind the timing decorator', async () => instrumentStorage(openSqliteStorage({ dataDir: ':memory:' }), createMetrics().observeStorage));

describe('sqlite adapter', () => {
  it('upgrades a database from before ban prefixes, keeping its bans and their matching', async () => {
    const dir = tempDir();
    const Database = (await import('better-sqlite3')).default;
    const old = new Database(path.join(dir, 'parley.db'));
    // The schema as shipped before the bans.prefix column: the first three migrations.
    for (const sql of MIGRATIONS.slice(0, 3)) old.exec(sql);
    old.pragma('user_version = 3');
    const legacyIpHash = keyedHash('203.0.113.9', 'secret', 'ip');
    old.prepare('INSERT INTO bans (id, kind, hash, reason, created_at, expires_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)').run('b1', 'ip', legacyIpHash, 'old', 1, null, 'alice');
    old.close();

    const storage = openSqliteStorage({ dataDir: dir });
    expect(await storage.listBans()).toEqual([
      { id: 'b1', kind: 'ip', hash: legacyIpHash, prefix: null, reason: 'old', createdAt: new Date(1), expiresAt: null, actor: 'alice' },
    ]);
    const now = new Date();
    // A ban stored by exact address before the upgrade still matches that address, also in its IPv4-mapped form.
    expect(await storage.findActiveBan({ hashes: banHashesFor('a@example.org', '::ffff:203.0.113.9', 'secret'), now })).toMatchObject({ id: 'b1' });
    expect(await storage.findActiveBan({ hashes: banHashesFor('a@example.org', '203.0.113.10', 'secret'), now })).toBeUndefined();
    await storage.close();
    const db = new Database(path.join(dir, 'parley.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('keeps comments across a close and reopen of the same data directory', async () => {
    const dir = tempDir();
    const first = openSqliteStorage({ dataDir: dir });
    const c = makeComment({ threadKey: uniqueThreadKey() });
    await first.insertComment(c);
    await first.close();
    const second = openSqliteStorage({ dataDir: dir });
    expect(await second.getComment(c.id)).toEqual(c);
    await second.close();
  });

  it('keeps the database file readable by its owner only', async () => {
    const dir = path.join(tempDir(), 'fresh');
    const storage = openSqliteStorage({ dataDir: dir });
    await storage.insertComment(makeComment({ threadKey: uniqueThreadKey() }));
    await storage.close();
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'parley.db')).mode & 0o777).toBe(0o600);
  });

  it('reads a thread page through its indexes, never a table scan', async () => {
    const dir = tempDir();
    const storage = openSqliteStorage({ dataDir: dir });
    await storage.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'parley.db'), { readonly: true });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${threadPageSql(2, true, 'oldest')}`)
      .all('k', 'approved', 'deleted', 0, '', 10, 'approved', 'deleted') as { detail: string }[];
    db.close();
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/USING INDEX comments_roots/);
    expect(details).toMatch(/USING INDEX comments_replies/);
    expect(details).not.toMatch(/SCAN comments(?! USING)/);
  });

  it('reads the public page with the page of roots materialized once, through its indexes', async () => {
    const dir = tempDir();
    await openSqliteStorage({ dataDir: dir }).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'parley.db'), { readonly: true });
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${publicThreadPageSql(true, 'newest')}`).all('k', 0, '', 10) as { detail: string }[];
    const counts = db.prepare(`EXPLAIN QUERY PLAN ${conversationVisibleSql()}`).all('root') as { detail: string }[];
    db.close();
    const details = plan.map((p) => p.detail);
    expect(details.filter((d) => /^MATERIALIZE page/.test(d))).toHaveLength(1);
    expect(details.filter((d) => /SEARCH comments USING INDEX comments_roots/.test(d))).toHaveLength(1);
    expect(details.join('\n')).toMatch(/USING INDEX comments_replies/);
    const countDetails = counts.map((p) => p.detail).join('\n');
    expect(countDetails).toMatch(/USING INDEX comments_parent/);
    for (const d of [...details, ...counts.map((p) => p.detail)]) expect(d).not.toMatch(/SCAN (comments|c)\b(?! USING)/);
  });

  it("reads a post's checks in one statement, each part through its index", async () => {
    const dir = tempDir();
    await openSqliteStorage({ dataDir: dir }).close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'parley.db'), { readonly: true });
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${postChecksSql(3)}`).all('h1', 'h2', 'h3', 0, 'ek', 'k', 0, 'body', 'k') as { detail: string }[]).map((p) => p.detail);
    db.close();
    expect(plan.join('\n')).toMatch(/SEARCH t USING PRIMARY KEY \(key=\?\)/);
    expect(plan.join('\n')).toMatch(/SEARCH bans USING INDEX bans_hash/);
    expect(plan.join('\n')).toMatch(/SEARCH comments USING INDEX comments_author/);
    for (const d of plan) expect(d).not.toMatch(/SCAN (comments|bans|threads|t)\b/);
  });

  it('answers the public read as one JSON text without changing what other reads return', async () => {
    const storage = openSqliteStorage({ dataDir: ':memory:' });
    const c = makeComment({ threadKey: uniqueThreadKey() });
    await storage.insertComment(c);
    await storage.listThreadPublic({ threadKey: c.threadKey, sort: 'oldest', cursor: null, limit: 10 });
    const page = await storage.listThread({ threadKey: c.threadKey, statuses: ['approved', 'deleted'], sort: 'oldest', cursor: null, limit: 10 });
    expect(page.roots).toEqual([c]);
    expect(await storage.getComment(c.id)).toEqual(c);
    await storage.close();
  });

  it('computes the visible counts of an existing database when it is upgraded', async () => {
    const dir = tempDir();
    const first = openSqliteStorage({ dataDir: dir });
    const key = uniqueThreadKey();
    const spam = makeComment({ threadKey: key, status: 'spam' });
    const root = makeComment({ threadKey: key });
    await first.insertComment(spam);
    await first.insertComment(root);
    await first.insertComment(makeComment({ threadKey: key, parentId: spam.id, rootId: spam.id, depth: 1 }));
    await first.insertComment(makeComment({ threadKey: key, parentId: root.id, rootId: root.id, depth: 1 }));
    await first.close();
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(path.join(dir, 'parley.db'));
    // Back to a version-4 database: without the later migrations' table, index and column.
    db.exec('DROP TABLE thread_counts; DROP INDEX comments_parent; ALTER TABLE comments DROP COLUMN author_moderator; ' +
        'DROP INDEX comments_identity; ALTER TABLE comments DROP COLUMN author_identity; ALTER TABLE comments DROP COLUMN author_badge; ' +
        'ALTER TABLE comments DROP COLUMN author_avatar_url; DROP INDEX comments_notify; ALTER TABLE comments DROP COLUMN notify; ALTER TABLE comments DROP COLUMN reply_to; PRAGMA user_version = 4;');
    db.close();
    const second = openSqliteStorage({ dataDir: dir });
    expect((await second.countVisible([key])).get(key)).toBe(2);
    await second.close();
  });
});

describe('sqlite adapter: a change and its audit entry are one transaction', () => {
  // Refusal is checked as an outcome: `rejects.toThrow()` reported "did not throw" for these rejections when Jest ran
  // several files in workers.
  const entry = (id: string, commentId: string | null, threadKey: string | null) => ({
    id,
    at: new Date('2026-01-02T00:00:00.000Z'),
    actor: 'alice',
    action: 'approve' as const,
    commentId,
    threadKey,
    from: 'pending' as const,
    to: 'approved' as const,
    reason: null,
  });

  it('keeps the status when the audit entry of a decision cannot be written, and writes both otherwise', async () => {
    const storage = await openSqliteStorage({ dataDir: ':memory:' });
    const threadKey = uniqueThreadKey('audit-tx');
    await storage.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
    const c = makeComment({ threadKey, status: 'pending' });
    await storage.insertComment(c);
    await storage.appendAudit(entry('taken', null, null));
    // The write after the status change fails (an entry with this id exists): the change is rolled back with it.
    expect(await storage.updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', audit: entry('taken', c.id, threadKey) }).then(() => 'applied', () => 'refused')).toBe('refused');
    expect((await storage.getComment(c.id))?.status).toBe('pending');
    expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(0);
    await storage.updateComment(c.id, { status: 'approved' }, { ifStatus: 'pending', audit: entry('fresh', c.id, threadKey) });
    expect((await storage.listAudit({ commentId: c.id, cursor: null, limit: 10 })).entries.map((e) => e.id)).toEqual(['fresh']);
    await storage.close();
  });

  it('keeps neither a ban nor an unban whose audit entry cannot be written', async () => {
    const storage = await openSqliteStorage({ dataDir: ':memory:' });
    await storage.appendAudit(entry('taken', null, null));
    const ban = { id: 'ban1', kind: 'email' as const, hash: 'h'.repeat(64), prefix: null, reason: null, createdAt: new Date(), expiresAt: null, actor: 'alice' };
    const banAudit = (id: string) => ({ ...entry(id, null, null), action: 'ban' as const, from: null, to: null });
    expect(await storage.insertBan(ban, { audit: banAudit('taken') }).then(() => 'applied', () => 'refused')).toBe('refused');
    expect(await storage.listBans()).toEqual([]);
    await storage.insertBan(ban, { audit: banAudit('banned') });
    expect(await storage.deleteBan(ban.id, { audit: { ...banAudit('taken'), action: 'unban' } }).then(() => 'applied', () => 'refused')).toBe('refused');
    expect((await storage.listBans()).map((b) => b.id)).toEqual(['ban1']);
    expect(await storage.deleteBan(ban.id, { audit: { ...banAudit('unbanned'), action: 'unban' } })).toBe(true);
    expect((await storage.listAudit({ cursor: null, limit: 10 })).entries.map((e) => e.id).sort()).toEqual(['banned', 'taken', 'unbanned']);
    await storage.close();
  });

  it('keeps a thread unlocked when the audit entry of the lock cannot be written', async () => {
    const storage = await openSqliteStorage({ dataDir: ':memory:' });
    await storage.appendAudit(entry('taken', null, null));
    const key = uniqueThreadKey('lock-tx');
    await storage.ensureThread({ key, url: key, now: new Date() });
    const lockAudit = { ...entry('taken', null, key), action: 'lock_thread' as const, from: null, to: null };
    expect(await storage.setThreadLocked({ key, url: key, now: new Date() }, true, { audit: lockAudit }).then(() => 'applied', () => 'refused')).toBe('refused');
    expect((await storage.getThread(key))?.locked).toBe(false);
    expect((await storage.setThreadLocked({ key, url: key, now: new Date() }, true, { audit: { ...lockAudit, id: 'locked' } })).locked).toBe(true);
    await storage.close();
  });

  it('keeps an author unerased when the audit entry of the erase cannot be written', async () => {
    const storage = await openSqliteStorage({ dataDir: ':memory:' });
    const threadKey = uniqueThreadKey('erase-tx');
    await storage.ensureThread({ key: threadKey, url: threadKey, now: new Date() });
    const c = makeComment({ threadKey });
    await storage.insertComment(c);
    await storage.appendAudit(entry('taken', null, null));
    const erase = (id: string) => storage.eraseAuthor({ emailKey: c.author.emailKey, mode: 'delete', audit: { ...entry(id, null, null), action: 'erase_author', from: null, to: null, reason: 'delete' } });
    expect(await erase('taken').then(() => 'applied', () => 'refused')).toBe('refused');
    expect(await storage.getComment(c.id)).toEqual(c);
    expect(await erase('fresh')).toBe(1);
    const logged = (await storage.listAudit({ cursor: null, limit: 10 })).entries.find((e) => e.id === 'fresh');
    expect(logged?.reason).toBe('delete: 1 comments');
    await storage.close();
  });
});
