/** What a moderator sees around a held comment: the parent it answers and its reasons in words. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { KNOWN_REASON_CODES } from '../../src/http/admin/reasons.js';
import { createTestApp, validComment, type TestApp } from '../support/test-app.js';

const TOKEN = 'alice-moderator-token-0123456789abcdef';
const ADMIN_ENV = { ADMIN_TOKEN: `alice:${TOKEN}` };

let app: TestApp;
afterEach(async () => {
  await app?.close();
});

const get = (p: string) => request(app.http).get(`/api/v1/admin${p}`).set('Authorization', `Bearer ${TOKEN}`);
const post = async (overrides: Record<string, unknown> = {}) => {
  const res = await request(app.http).post('/api/v1/comments').send(validComment(overrides));
  expect(res.status).toBe(201);
  return res.body.comment.id as string;
};

/** Counts the port's comment reads, to show a queue page loads its parents in one call. */
function counting(storage: Storage) {
  const calls = { getComment: 0, getComments: 0 };
  const wrapped: Storage = {
    ...storage,
    getComment: (id) => ((calls.getComment += 1), storage.getComment(id)),
    getComments: (ids) => ((calls.getComments += 1), storage.getComments(ids)),
  };
  return { wrapped, calls };
}

describe('a held reply', () => {
  it('shows the parent it answers (author and excerpt), loaded in one storage call per page', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'parley-ctx-'));
    const { wrapped, calls } = counting(openSqliteStorage({ dataDir: dir }));
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'first-time' }, wrapped);
    const long = `The question is   whether\n\nanalytical engines ${'can compose music '.repeat(20)}`;
    const parentA = await post({ name: 'Ada', email: 'ada@example.org', body: long });
    const parentB = await post({ name: 'Charles', email: 'charles@example.org', body: 'A short one.' });
    await request(app.http).post(`/api/v1/admin/comments/${parentA}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({});
    await request(app.http).post(`/api/v1/admin/comments/${parentB}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({});
    for (let i = 0; i < 3; i += 1) await post({ name: `Reader ${i}`, email: `r${i}@example.org`, body: `reply ${i}`, parentId: i === 0 ? parentB : parentA });
    await post({ name: 'Top', email: 'top@example.org', body: 'top level' });

    calls.getComments = 0;
    calls.getComment = 0;
    const res = await get('/comments?status=pending');
    expect(res.status).toBe(200);
    expect(calls.getComments).toBe(1);
    expect(calls.getComment).toBe(0);
    const byBody = new Map((res.body.comments as { body: string; parent: unknown }[]).map((c) => [c.body, c.parent]));
    expect(byBody.get('top level')).toBeNull();
    expect(byBody.get('reply 0')).toEqual({ id: parentB, author: 'Charles', excerpt: 'A short one.', status: 'approved' });
    const p = byBody.get('reply 1') as { id: string; author: string; excerpt: string };
    expect(p).toMatchObject({ id: parentA, author: 'Ada', status: 'approved' });
    expect(p.excerpt.startsWith('The question is whether analytical engines can compose music')).toBe(true);
    expect(p.excerpt.length).toBeLessThanOrEqual(200);
    expect(p.excerpt.endsWith('…')).toBe(true);
  });

  it('answers a decision with the parent too', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'first-time' });
    const parent = await post({ name: 'Ada', email: 'ada@example.org', body: 'parent text' });
    await request(app.http).post(`/api/v1/admin/comments/${parent}/approve`).set('Authorization', `Bearer ${TOKEN}`).send({});
    const reply = await post({ name: 'Bob', email: 'bob@example.org', body: 'child', parentId: parent });
    const res = await request(app.http).post(`/api/v1/admin/comments/${reply}/reject`).set('Authorization', `Bearer ${TOKEN}`).send({});
    expect(res.body.comment.parent).toEqual({ id: parent, author: 'Ada', excerpt: 'parent text', status: 'approved' });
  });
});

describe('reasons in words', () => {
  it('says why a comment was held: first comment from this email, and how many links', async () => {
    app = await createTestApp({ ...ADMIN_ENV, MODERATION: 'first-time', MAX_LINKS: '2' });
    await post({ body: 'see https://a.example and https://b.example and [c](https://c.example)' });
    const [c] = (await get('/comments?status=pending')).body.comments;
    expect(c.spam.reasons).toEqual(expect.arrayContaining(['too_many_links', 'first_time_commenter']));
    expect(c.spam.reasonText).toEqual(expect.arrayContaining(['3 links (more than allowed)', 'first comment from this email']));
    expect(c.spam.reasonText).toHaveLength(c.spam.reasons.length);
  });

  it('has words for every reason code the spam checks, the services and the jobs write', () => {
    const root = path.resolve('src');
    const files = ['spam', 'comments', 'jobs', 'domain'].flatMap((d) =>
      fs.readdirSync(path.join(root, d), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(root, d, f)),
    );
    const codes = new Set<string>();
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      // Verdicts of the checks and of the publishing rule: `{ kind: 'hold', reason: 'code' }`, `{ status: …, reason: … }`.
      for (const m of src.matchAll(/(?:kind: '(?:hold|spam|ham|discard|unchecked)'|status: '[a-z]+'), reason: '([a-z_]+)'/g)) codes.add(m[1]!);
      if (f.includes('akismet-check') || f.includes('/jobs/')) for (const m of src.matchAll(/'((?:akismet|recheck)_[a-z_]+)'/g)) codes.add(m[1]!);
      for (const m of src.matchAll(/export const EDITED_AFTER_APPROVAL = '([a-z_]+)';/g)) codes.add(m[1]!);
      // form-token.ts maps its states to codes in a table of `state: 'code'`.
      if (f.endsWith('form-token.ts')) {
        const table = /const HOLD_REASON[^{]*\{([^}]*)\}/.exec(src)![1]!;
        for (const m of table.matchAll(/: '([a-z_]+)'/g)) codes.add(m[1]!);
      }
    }
    // akismet-check.ts writes `akismet_${reason}` for each unchecked reason of akismet.ts.
    const unchecked = /export type UncheckedReason = ([^;]+);/.exec(fs.readFileSync(path.join(root, 'spam/akismet.ts'), 'utf8'))![1]!;
    for (const m of unchecked.matchAll(/'([a-z_]+)'/g)) codes.add(`akismet_${m[1]!}`);
    expect(codes.size).toBeGreaterThan(15);
    expect([...codes].filter((c) => !KNOWN_REASON_CODES.includes(c)).sort()).toEqual([]);
  });
});
