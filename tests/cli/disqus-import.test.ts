import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { disqusCommentId } from '../../src/cli/disqus-import.js';
import type { Comment } from '../../src/domain/comment.js';
import { avatarKey, emailKeyOf } from '../../src/domain/privacy.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { cli, TEST_SECRET } from '../support/run-cli.js';
import { mongoMissing } from '../support/spawn-service.js';

const FIXTURE = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'fixtures', 'disqus-export.xml');
const idOf = (dsq: number) => disqusCommentId(String(dsq));

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-cli-dq-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function allComments(dataDir: string): Promise<Map<string, Comment>> {
  const s = openSqliteStorage({ dataDir });
  const all = await s.listAllComments({ after: null, limit: 1000 });
  await s.close();
  return new Map(all.map((c) => [c.id, c]));
}

describe('import disqus', () => {
  it('imports posts into threads by link or Disqus identifier, with parents, spam and deleted flags', async () => {
    const dir = tempDir();
    const r = await cli(['import', 'disqus', FIXTURE], { DATA_DIR: dir });
    expect(r.stdout).toContain('imported: 4');
    const comments = await allComments(dir);
    const jo = comments.get(idOf(9001))!;
    expect(jo).toMatchObject({ threadKey: 'https://old.example.org/posts/one', status: 'approved', depth: 0, createdAt: new Date('2023-05-01T11:00:00Z') });
    expect(jo.author).toMatchObject({ name: 'Jo Müller', email: 'jo@example.com', emailKey: emailKeyOf('jo@example.com', TEST_SECRET), avatar: avatarKey('jo@example.com', TEST_SECRET, 'identicon') });
    expect(jo.context.ip).toBe('203.0.113.1');
    expect(jo.html).toBe(
      '<p>Hello from Disqus &amp; <a href="https://example.com/x" rel="nofollow ugc noopener noreferrer">a link</a></p>\n<p>Second<br>\nline</p>\n',
    );
    // The reply came before its parent in the file.
    expect(comments.get(idOf(9002))).toMatchObject({ parentId: jo.id, rootId: jo.id, depth: 1 });
    expect(comments.get(idOf(9003))).toMatchObject({ threadKey: 'id:post-two', status: 'spam', html: '<p>Buy things now</p>\n' });
    expect(comments.get(idOf(9004))).toMatchObject({ status: 'deleted', author: expect.objectContaining({ name: 'Guest', email: '', emailKey: '' }) });

    const s = openSqliteStorage({ dataDir: dir });
    expect((await s.getThread('id:post-two'))?.url).toBe('https://old.example.org/posts/two');
    await s.close();
  });

  it('names a post with a missing parent or thread, imports the rest, and exits non-zero', async () => {
    const r = await cli(['import', 'disqus', FIXTURE], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/post 9005 at line \d+: missing_parent/);
    expect(r.stdout).toMatch(/post 9006 at line \d+: comment_without_thread/);
  });

  it('keys threads by link with --by-link', async () => {
    const dir = tempDir();
    await cli(['import', 'disqus', '--by-link', FIXTURE], { DATA_DIR: dir });
    expect((await allComments(dir)).get(idOf(9003))!.threadKey).toBe('https://old.example.org/posts/two');
  });

  it('adds nothing when run twice', async () => {
    const dir = tempDir();
    await cli(['import', 'disqus', FIXTURE], { DATA_DIR: dir });
    const again = await cli(['import', 'disqus', FIXTURE], { DATA_DIR: dir });
    expect(again.stdout).toContain('imported: 0');
    expect(again.stdout).toContain('already_imported: 4');
    expect((await allComments(dir)).size).toBe(4);
  });

  it('refuses a WordPress file given as Disqus', async () => {
    const wxr = path.join(path.dirname(FIXTURE), 'wordpress-export.xml');
    const r = await cli(['import', 'disqus', wxr], { DATA_DIR: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not_a_disqus_export');
  });
});

async function exportText(env: Record<string, string>): Promise<string> {
  const out = path.join(tempDir(), 'x.jsonl');
  expect((await cli(['export', 'json', '--out', out], env)).code).toBe(0);
  return fs.readFileSync(out, 'utf8');
}

const mongoBase = process.env.MONGODB_URI;
const describeMongo = mongoBase ? describe : describe.skip;
if (!mongoBase && mongoMissing('The Disqus import on MongoDB') === 'fail') {
  it('needs a MongoDB server (REQUIRE_MONGO=1)', () => {
    throw new Error('REQUIRE_MONGO=1 but MONGODB_URI is not set');
  });
}

describeMongo('import disqus on MongoDB', () => {
  const uri = (mongoBase ?? '').replace(/\/[^/?]*(\?|$)/, `/parley_cli_dq_${randomBytes(4).toString('hex')}$1`);
  afterAll(async () => {
    const conn = await mongoose.createConnection(uri).asPromise();
    await conn.dropDatabase();
    await conn.close();
  });

  it('stores exactly what SQLite stores, and a second run adds nothing', async () => {
    const sqliteDir = tempDir();
    await cli(['import', 'disqus', FIXTURE], { DATA_DIR: sqliteDir });
    const env = { DATA_DIR: tempDir(), MONGODB_URI: uri };
    const first = await cli(['import', 'disqus', FIXTURE], env);
    expect(first.stdout).toContain('imported: 4');
    expect(first.stdout).toMatch(/post 9005 at line \d+: missing_parent/);
    expect((await cli(['import', 'disqus', FIXTURE], env)).stdout).toContain('already_imported: 4');
    expect(await exportText(env)).toBe(await exportText({ DATA_DIR: sqliteDir }));
  });
});
