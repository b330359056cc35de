import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
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
  const spam = makeComment({ id: '01SPAM', threadKey: key, status: 'spam', createdAt: d('2026-01-01T12:00:00.000Z'), author: { name: '李', email: 'li@example.com', emailKey: 'e'.repeat(64), website: 'https://li.example/', avatar: 'b'.repeat(32) } });
  const deleted = makeComment({ id: '01DEL', threadKey: key, status: 'deleted', createdAt: d('2026-01-01T13:00:00.000Z'), editTokenHash: 'f'.repeat(64), context: { ip: '2001:db8::5', userAgent: 'UA "quoted"', referrer: 'https://ref.example/' } });
  const rejected = makeComment({ id: '01REJ', threadKey: 'id:locked-thread', status: 'rejected', createdAt: d('2026-01-02T13:00:00.000Z') });
  const modReply = makeReply(root, { id: '01MOD', createdAt: d('2026-01-01T11:30:00.000Z'), author: { name: 'Desk editor', email: '', emailKey: '', website: null, avatar: '', moderator: true } });
  for (const c of [root, reply, modReply, spam, deleted, rejected]) await s.insertComment(c);
  await s.updateComment('01ROOT', { body: 'Root *two*', html: '<p>Root <em>two</em></p>\n', editedAt: d('2026-01-01T10:05:00.000Z'), appendHistory: { body: 'Root *one*', editedAt: d('2026-01-01T10:05:00.000Z'), by: 'author' } });
  await s.insertBan({ id: '01BANB', kind: 'ip', hash: 'a'.repeat(64), prefix: 24, reason: 'flood', createdAt: d('2026-01-05T00:00:00.000Z'), expiresAt: d('2026-02-05T00:00:00.000Z'), actor: 'ops' });
  await s.insertBan({ id: '01BANA', kind: 'email', hash: 'c'.repeat(64), prefix: null, reason: null, createdAt: d('2026-01-04T00:00:00.000Z'), expiresAt: null, actor: 'ops' });
  await s.close();
}

async function exportOf(env: Record<string, string>): Promise<string> {
  const out = path.join(tempDir(), 'export.jsonl');
  const r = await cli(['export', 'json', '--out', out], env);
  expect(r.code).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

describe('export json / import json', () => {
  it('exports every thread, comment and ban with every field, and an empty store imports it back byte for byte', async () => {
    const a = tempDir();
    await seed(a);
    const first = await exportOf({ DATA_DIR: a });
    const lines = first.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ format: 'parley-export', version: 1 });
    expect(lines.filter((l) => l.type === 'thread')).toHaveLength(3);
    expect(lines.filter((l) => l.type === 'comment').map((l) => l.id)).toEqual(['01DEL', '01MOD', '01REJ', '01REPLY', '01ROOT', '01SPAM']);
    expect((lines.find((l) => l.id === '01MOD')!.author as { moderator?: boolean }).moderator).toBe(true);
    expect(lines.find((l) => l.id === '01ROOT')!.author).not.toHaveProperty('moderator');
    expect(lines.filter((l) => l.type === 'ban').map((l) => l.id)).toEqual(['01BANA', '01BANB']);
    const root = lines.find((l) => l.id === '01ROOT')!;
    expect(root.history).toEqual([{ body: 'Root *one*', editedAt: '2026-01-01T10:05:00.000Z', by: 'author' }]);
    expect((root.author as { email: string }).email).toBe('ada@example.com');
    expect(lines.find((l) => l.id === '01DEL')!.context).toEqual({ ip: '2001:db8::5', userAgent: 'UA "quoted"', referrer: 'https://ref.example/' });
    expect(lines.find((l) => l.id === '01REPLY')!.recheck).toEqual({ attempts: 2, nextAt: '2026-01-01T12:00:00.000Z' });

    const file = path.join(tempDir(), 'a.jsonl');
    fs.writeFileSync(file, first);
    const b = tempDir();
    const imported = await cli(['import', 'json', file], { DATA_DIR: b });
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('imported: 11');
    expect(await exportOf({ DATA_DIR: b })).toBe(first);

    // The restored store serves what the original did: the visible count of the thread and its lock.
    const s = openSqliteStorage({ dataDir: b });
    expect((await s.countVisible(['https://blog.example/ünïcödé-post'])).get('https://blog.example/ünïcödé-post')).toBe(2);
    expect((await s.getComment('01MOD'))?.author.moderator).toBe(true);
    expect((await s.getThread('id:locked-thread'))?.locked).toBe(true);
    await s.close();
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
    expect(again.stdout).toContain('imported: 0');
    expect(again.stdout).toContain('already_present (comment): 6');
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
    expect(r.stdout).toContain('would import: 11');
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
    expect(r.stdout).toContain('imported: 9');
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
    expect(r.stdout).toContain('imported: 11');
    expect(r.code).toBe(0);
    expect(await exportOf(env)).toBe(first);
    expect((await cli(['import', 'json', file], env)).stdout).toContain('imported: 0');
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
