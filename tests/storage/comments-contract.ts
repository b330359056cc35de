/**
 * The comments-and-threads part of the storage port (src/storage/comments-port.ts; semantics in src/storage/storage.ts),
 * on the contract's shared store: each test pins one of the semantics and works on thread keys no other test uses.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildTree, type ThreadNode } from '../../src/comments/comment-service.js';
import { COMMENT_STATUSES, THREAD_READ_STATUSES, type Comment, type CommentStatus } from '../../src/domain/comment.js';
import { AppError } from '../../src/domain/errors.js';
import type { PageCursor, PublicCommentRow, SortOrder, Storage } from '../../src/storage/storage.js';
import { makeComment, makeReply, testId, uniqueThreadKey } from '../support/comment-factory.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);

/** Property runs: a fixed seed and a small count by default; FAST_CHECK_RUNS=n for a longer run. */
const PROPERTY_RUNS = Number(process.env.FAST_CHECK_RUNS ?? 12);
const PROPERTY_SEED = Number(process.env.FAST_CHECK_SEED ?? 20261204);

/** What listThreadPublic must return for a stored comment. */
export function publicProjection(c: Comment): PublicCommentRow {
  return {
    id: c.id,
    parentId: c.parentId,
    rootId: c.rootId,
    status: c.status,
    authorName: c.author.name,
    ...(c.author.moderator ? { moderator: true } : {}),
    ...(c.author.identity?.badge ? { badge: c.author.identity.badge } : {}),
    ...(c.author.identity?.avatarUrl ? { avatarUrl: c.author.identity.avatarUrl } : {}),
    website: c.author.website,
    avatar: c.author.avatar,
    html: c.html,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
  };
}

/** Comments a reader sees (placeholders are shown but not counted). */
function countShown<C extends { status: CommentStatus; id: string; parentId: string | null }>(nodes: ThreadNode<C>[]): number {
  return nodes.reduce((n, node) => n + (node.placeholder ? 0 : 1) + countShown(node.replies), 0);
}

/**
 * A random thread: `shape[i]` picks the parent of comment i among the earlier ones (or none), statuses are random, and
 * timestamps collide often so ties are broken by id.
 */
const threadArbitrary = fc.array(
  fc.record({
    parent: fc.option(fc.nat(), { nil: null, freq: 3 }),
    status: fc.constantFrom(...COMMENT_STATUSES, 'approved', 'approved'),
    second: fc.integer({ min: 0, max: 6 }),
    name: fc.string({ maxLength: 12 }),
    website: fc.option(fc.constant('https://site.example/'), { nil: null }),
    edited: fc.boolean(),
  }),
  { minLength: 0, maxLength: 14 },
);

type ThreadSpec = { parent: number | null; status: CommentStatus; second: number; name: string; website: string | null; edited: boolean }[];

function materialize(threadKey: string, specs: ThreadSpec): Comment[] {
  const out: Comment[] = [];
  specs.forEach((spec, i) => {
    const parent = spec.parent === null || out.length === 0 ? null : out[spec.parent % out.length]!;
    const base = {
      threadKey,
      id: `${String.fromCharCode(97 + (i % 5))}${testId('fc')}`,
      status: spec.status,
      createdAt: at(spec.second),
      editedAt: spec.edited ? at(spec.second + 30) : null,
      author: { name: spec.name, email: `p${i}@private.example`, emailKey: 'k', website: spec.website, avatar: `av${i}` },
      html: `<p>comment ${i} &amp; ${spec.name.length}</p>\n`,
      context: { ip: '198.51.100.23', userAgent: 'secret-agent', referrer: null },
      editTokenHash: 'f'.repeat(64),
      history: [{ body: 'private history', editedAt: at(1), by: 'author' as const }],
    };
    out.push(parent ? makeReply(parent, base) : makeComment(base));
  });
  return out;
}

export function describeCommentsContract(store: () => Storage): void {
  describe('comments and threads', () => {
    let storage: Storage;

    beforeAll(() => {
      storage = store();
    });

    async function insertAll(comments: Comment[]): Promise<void> {
      for (const c of comments) await storage.insertComment(c);
    }

    /** Reads every page of a thread and returns the root ids in the order they were served. */
    async function readAllRootIds(threadKey: string, sort: SortOrder, limit: number, statuses: CommentStatus[] = ['approved']) {
      const ids: string[] = [];
      let cursor: PageCursor | null = null;
      let pages = 0;
      do {
        const page = await storage.listThread({ threadKey, statuses, sort, cursor, limit });
        expect(page.roots.length).toBeLessThanOrEqual(limit);
        ids.push(...page.roots.map((r) => r.id));
        cursor = page.nextCursor;
        pages += 1;
        if (pages > 1000) throw new Error('pagination does not terminate');
      } while (cursor);
      return { ids, pages };
    }

    describe('comments', () => {
      it('round-trips every field of a comment exactly', async () => {
        const threadKey = uniqueThreadKey();
        const c = makeComment({
          threadKey,
          status: 'pending',
          author: { name: 'Zoë (admin) +1', email: 'zoe+tag@example.org', emailKey: 'b'.repeat(64), website: 'https://zoe.example/', avatar: 'f'.repeat(64) },
          body: 'Body with *markdown* and 😀',
          html: '<p>Body with <em>markdown</em> and 😀</p>\n',
          createdAt: new Date('2026-02-03T04:05:06.789Z'),
          editedAt: new Date('2026-02-03T04:10:00.001Z'),
          editTokenHash: 'e'.repeat(64),
          context: { ip: '2001:db8::1', userAgent: 'Mozilla/5.0 (X11)', referrer: 'https://example.com/from' },
          spamCheck: 'unchecked',
          spamReasons: ['akismet_unreachable'],
          recheck: { attempts: 2, nextAt: new Date('2026-02-03T04:30:00.000Z') },
          history: [{ body: 'old body', editedAt: new Date('2026-02-03T04:09:00.000Z'), by: 'author' }],
        });
        await storage.insertComment(c);
        const back = await storage.getComment(c.id);
        expect(back).toEqual(c);
        expect(back?.createdAt).toBeInstanceOf(Date);
      });

      it('keeps the comment a reply answered when it is stored under a shallower ancestor, and no such field otherwise', async () => {
        const threadKey = uniqueThreadKey();
        const root = makeComment({ threadKey });
        const answered = makeComment({ threadKey, parentId: root.id, rootId: root.id, depth: 1 });
        const reply = makeComment({ threadKey, parentId: root.id, rootId: root.id, depth: 1, replyTo: answered.id });
        for (const c of [root, answered, reply]) await storage.insertComment(c);
        expect(await storage.getComment(reply.id)).toEqual(reply);
        expect((await storage.getComment(reply.id))?.replyTo).toBe(answered.id);
        expect(await storage.getComment(answered.id)).not.toHaveProperty('replyTo');
        const page = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 });
        expect(page.replies.find((r) => r.id === reply.id)?.replyTo).toBe(answered.id);
      });

      it('returns undefined for an unknown comment id', async () => {
        await expect(storage.getComment(testId('missing'))).resolves.toBeUndefined();
      });

      it('keeps nulls as nulls', async () => {
        const c = makeComment({ threadKey: uniqueThreadKey(), context: { ip: null, userAgent: null, referrer: null } });
        await storage.insertComment(c);
        const back = await storage.getComment(c.id);
        expect(back?.author.website).toBeNull();
        expect(back?.editedAt).toBeNull();
        expect(back?.editTokenHash).toBeNull();
        expect(back?.parentId).toBeNull();
        expect(back?.context).toEqual({ ip: null, userAgent: null, referrer: null });
      });

      it('refuses a second comment with the same id with a conflict', async () => {
        const c = makeComment({ threadKey: uniqueThreadKey() });
        await storage.insertComment(c);
        const err = await storage.insertComment({ ...c, body: 'other' }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('conflict');
        expect((await storage.getComment(c.id))?.body).toBe(c.body);
      });

      it('round-trips emails with special and non-ASCII characters exactly', async () => {
        const emails = ['a+b(c).d*e%f?g@example.com', 'josé.ñandú@exämple.org', '用户@例子.广告', 'x"y\'z@example.com'];
        for (const email of emails) {
          const c = makeComment({ threadKey: uniqueThreadKey(), author: { name: 'n', email, emailKey: 'e', website: null, avatar: 'a' } });
          await storage.insertComment(c);
          expect((await storage.getComment(c.id))?.author.email).toBe(email);
        }
      });

      it('updates status and returns the updated comment', async () => {
        const c = makeComment({ threadKey: uniqueThreadKey(), status: 'pending' });
        await storage.insertComment(c);
        const updated = await storage.updateComment(c.id, { status: 'approved', spamCheck: 'checked', spamReasons: ['ham'] });
        expect(updated?.status).toBe('approved');
        expect(updated?.spamCheck).toBe('checked');
        expect(updated?.spamReasons).toEqual(['ham']);
        expect((await storage.getComment(c.id))?.status).toBe('approved');
      });

      it('applies a compare-and-set update only when the status still matches', async () => {
        const c = makeComment({ threadKey: uniqueThreadKey(), status: 'pending' });
        await storage.insertComment(c);
        await expect(storage.updateComment(c.id, { status: 'spam' }, { ifStatus: 'approved' })).resolves.toBeUndefined();
        expect((await storage.getComment(c.id))?.status).toBe('pending');
        const ok = await storage.updateComment(c.id, { status: 'spam' }, { ifStatus: 'pending' });
        expect(ok?.status).toBe('spam');
      });

      it('returns undefined when updating an unknown comment', async () => {
        await expect(storage.updateComment(testId('nope'), { status: 'approved' })).resolves.toBeUndefined();
      });

      it('edits body and html and appends to the history without replacing it', async () => {
        const c = makeComment({
          threadKey: uniqueThreadKey(),
          history: [{ body: 'first', editedAt: at(1), by: 'author' }],
        });
        await storage.insertComment(c);
        const updated = await storage.updateComment(c.id, {
          body: 'third',
          html: '<p>third</p>\n',
          editedAt: at(3),
          appendHistory: { body: 'second', editedAt: at(2), by: 'moderator' },
        });
        expect(updated?.body).toBe('third');
        expect(updated?.html).toBe('<p>third</p>\n');
        expect(updated?.editedAt).toEqual(at(3));
        expect(updated?.history).toEqual([
          { body: 'first', editedAt: at(1), by: 'author' },
          { body: 'second', editedAt: at(2), by: 'moderator' },
        ]);
      });

      it('erases the private submission context when asked', async () => {
        const c = makeComment({ threadKey: uniqueThreadKey() });
        await storage.insertComment(c);
        await storage.updateComment(c.id, { context: { ip: null, userAgent: null, referrer: null } });
        expect((await storage.getComment(c.id))?.context).toEqual({ ip: null, userAgent: null, referrer: null });
      });
    });

    describe('spam-check queries', () => {
      const key = () => testId('emailkey');

      it('reads many comments by id in one call, ignoring unknown ids', async () => {
        const threadKey = uniqueThreadKey();
        const cs = [makeComment({ threadKey }), makeComment({ threadKey }), makeComment({ threadKey })];
        await insertAll(cs);
        const got = await storage.getComments([cs[0]!.id, testId('missing'), cs[2]!.id]);
        expect(got.map((c) => c.id).sort()).toEqual([cs[0]!.id, cs[2]!.id].sort());
        expect(got.find((c) => c.id === cs[0]!.id)).toEqual(cs[0]);
        await expect(storage.getComments([])).resolves.toEqual([]);
      });

      it('knows whether an author has an approved comment, by exact email key', async () => {
        const k = key();
        const author = { name: 'A', email: 'a@example.org', emailKey: k, website: null, avatar: 'x' };
        await storage.insertComment(makeComment({ threadKey: uniqueThreadKey(), author, status: 'pending' }));
        expect(await storage.hasApprovedComment(k)).toBe(false);
        await storage.insertComment(makeComment({ threadKey: uniqueThreadKey(), author, status: 'approved' }));
        expect(await storage.hasApprovedComment(k)).toBe(true);
        expect(await storage.hasApprovedComment(k.toUpperCase())).toBe(false);
        expect(await storage.hasApprovedComment(`${k}.*`)).toBe(false);
      });

      it('finds a recent duplicate only for the same author, thread and exact body', async () => {
        const k = key();
        const threadKey = uniqueThreadKey();
        const author = { name: 'A', email: 'a@example.org', emailKey: k, website: null, avatar: 'x' };
        const body = 'Same (text) + .* % again';
        await storage.insertComment(makeComment({ threadKey, author, body, createdAt: at(100), status: 'spam' }));
        expect(await storage.hasRecentDuplicate({ threadKey, emailKey: k, body, since: at(50) })).toBe(true);
        expect(await storage.hasRecentDuplicate({ threadKey, emailKey: k, body, since: at(101) })).toBe(false);
        expect(await storage.hasRecentDuplicate({ threadKey, emailKey: k, body: `${body} `, since: at(50) })).toBe(false);
        expect(await storage.hasRecentDuplicate({ threadKey, emailKey: k, body: 'Same (text) + .. % again', since: at(50) })).toBe(false);
        expect(await storage.hasRecentDuplicate({ threadKey: uniqueThreadKey(), emailKey: k, body, since: at(50) })).toBe(false);
        expect(await storage.hasRecentDuplicate({ threadKey, emailKey: key(), body, since: at(50) })).toBe(false);
      });

      it("answers a post's checks in one call exactly as getThread, findActiveBan and hasRecentDuplicate do", async () => {
        const k = key();
        const threadKey = uniqueThreadKey();
        const body = "A post's (body) + .* % text";
        const now = at(1000);
        const banned = testId('hash');
        const expired = testId('hash');
        const q = (over: Partial<Parameters<Storage['postChecks']>[0]> = {}) => ({ threadKey, emailKey: k, body, since: at(50), banHashes: [testId('hash')], now, ...over });
        const expectSame = async (query: ReturnType<typeof q>) => {
          const checks = await storage.postChecks(query);
          expect(checks).toEqual({
            thread: await storage.getThread(query.threadKey),
            banned: (await storage.findActiveBan({ hashes: query.banHashes, now: query.now })) !== undefined,
            duplicate: await storage.hasRecentDuplicate(query),
          });
          return checks;
        };
        // Nothing yet: no thread row, no ban, no comment.
        expect(await expectSame(q())).toEqual({ thread: undefined, banned: false, duplicate: false });
        expect(await expectSame(q({ banHashes: [] }))).toEqual({ thread: undefined, banned: false, duplicate: false });
        await storage.ensureThread({ key: threadKey, url: 'https://example.org/checks', now: at(1) });
        await storage.insertComment(makeComment({ threadKey, author: { name: 'A', email: 'a@example.org', emailKey: k, website: null, avatar: 'x' }, body, createdAt: at(100), status: 'pending' }));
        for (const [hash, expiresAt] of [[banned, null], [expired, at(999)]] as const) {
          await storage.insertBan({ id: testId('ban'), kind: 'email', hash, prefix: null, reason: null, createdAt: at(0), expiresAt, actor: 'alice' });
        }
        const found = await expectSame(q({ banHashes: [testId('hash'), banned] }));
        expect(found).toMatchObject({ thread: { key: threadKey, url: 'https://example.org/checks', locked: false }, banned: true, duplicate: true });
        expect((await expectSame(q({ banHashes: [expired] }))).banned).toBe(false);
        expect((await expectSame(q({ banHashes: [expired], now: at(998) }))).banned).toBe(true);
        expect((await expectSame(q({ since: at(101) }))).duplicate).toBe(false);
        expect((await expectSame(q({ body: `${body} ` }))).duplicate).toBe(false);
        expect((await expectSame(q({ emailKey: key() }))).duplicate).toBe(false);
        const elsewhere = await expectSame(q({ threadKey: uniqueThreadKey() }));
        expect(elsewhere).toEqual({ thread: undefined, banned: false, duplicate: false });
      });

      it('lists pending unchecked comments whose re-check is due, soonest first, up to the limit', async () => {
        const threadKey = uniqueThreadKey();
        const far = new Date('2001-01-01T00:00:00.000Z');
        const unchecked = (s: number, extra: Partial<Comment> = {}) =>
          makeComment({ threadKey, status: 'pending', spamCheck: 'unchecked', recheck: { attempts: 1, nextAt: new Date(far.getTime() + s * 1000) }, ...extra });
        const due2 = unchecked(2);
        const due1 = unchecked(1);
        const due3 = unchecked(3);
        const notDue = unchecked(10_000_000);
        const approved = unchecked(1, { status: 'approved' });
        const checked = unchecked(1, { spamCheck: 'checked' });
        await insertAll([due2, due1, due3, notDue, approved, checked]);
        const now = new Date(far.getTime() + 5000);
        const ours = (cs: Comment[]) => cs.filter((c) => c.threadKey === threadKey).map((c) => c.id);
        expect(ours(await storage.listDueRechecks({ now, limit: 1000 }))).toEqual([due1.id, due2.id, due3.id]);
        const limited = await storage.listDueRechecks({ now, limit: 2 });
        expect(limited).toHaveLength(2);
        const moved = await storage.updateComment(due1.id, { recheck: { attempts: 2, nextAt: new Date(far.getTime() + 4000) } });
        expect(moved?.recheck).toEqual({ attempts: 2, nextAt: new Date(far.getTime() + 4000) });
        expect(ours(await storage.listDueRechecks({ now, limit: 1000 }))).toEqual([due2.id, due3.id, due1.id]);
        await storage.updateComment(due2.id, { recheck: null, spamCheck: 'checked', status: 'approved' });
        expect(ours(await storage.listDueRechecks({ now, limit: 1000 }))).toEqual([due3.id, due1.id]);
        expect((await storage.getComment(due2.id))?.recheck).toBeNull();
      });

      it('counts the unchecked backlog', async () => {
        const before = await storage.countUnchecked();
        const threadKey = uniqueThreadKey();
        await insertAll([
          makeComment({ threadKey, status: 'pending', spamCheck: 'unchecked', recheck: { attempts: 0, nextAt: at(1) } }),
          makeComment({ threadKey, status: 'pending', spamCheck: 'unchecked', recheck: null }),
          makeComment({ threadKey, status: 'pending', spamCheck: 'checked' }),
          makeComment({ threadKey, status: 'spam', spamCheck: 'checked' }),
        ]);
        expect(await storage.countUnchecked()).toBe(before + 2);
      });

      it('erases the private context of comments older than the retention cut-off only', async () => {
        const threadKey = uniqueThreadKey();
        const old1 = makeComment({ threadKey, createdAt: new Date('2000-01-01T00:00:00.000Z') });
        const old2 = makeComment({ threadKey, createdAt: new Date('2000-01-02T00:00:00.000Z'), context: { ip: null, userAgent: 'ua', referrer: null } });
        const recent = makeComment({ threadKey, createdAt: new Date('2000-03-01T00:00:00.000Z') });
        await insertAll([old1, old2, recent]);
        const erased = await storage.eraseContextBefore(new Date('2000-02-01T00:00:00.000Z'));
        expect(erased).toBeGreaterThanOrEqual(2);
        const none = { ip: null, userAgent: null, referrer: null };
        expect((await storage.getComment(old1.id))?.context).toEqual(none);
        expect((await storage.getComment(old2.id))?.context).toEqual(none);
        expect((await storage.getComment(recent.id))?.context).toEqual(recent.context);
        expect((await storage.getComment(old1.id))?.author.email).toBe(old1.author.email);
        expect(await storage.eraseContextBefore(new Date('2000-02-01T00:00:00.000Z'))).toBe(0);
      });
    });

    describe('threads', () => {
      it('creates a thread once and keeps its first url and creation time', async () => {
        const key = uniqueThreadKey();
        const first = await storage.ensureThread({ key, url: key, now: at(0) });
        expect(first).toEqual({ key, url: key, createdAt: at(0), locked: false, lastCommentAt: null });
        const second = await storage.ensureThread({ key, url: 'https://other.example/', now: at(60) });
        expect(second).toEqual(first);
        expect(await storage.getThread(key)).toEqual(first);
      });

      it('returns undefined for an unknown thread', async () => {
        await expect(storage.getThread(uniqueThreadKey('never'))).resolves.toBeUndefined();
      });

      it('creates exactly one thread under concurrent first comments', async () => {
        const key = uniqueThreadKey();
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => storage.ensureThread({ key, url: key, now: at(i) })),
        );
        for (const r of results) expect(r.key).toBe(key);
        expect(new Set(results.map((r) => r.createdAt.getTime())).size).toBe(1);
      });

      it('stores a thread known only by an explicit id with a null url', async () => {
        const key = `id:${testId('disqus')}`;
        await storage.ensureThread({ key, url: null, now: at(0) });
        expect((await storage.getThread(key))?.url).toBeNull();
      });

      it('gives a thread known only by id the first url it is later seen with', async () => {
        const key = `id:${testId('wp')}`;
        await storage.ensureThread({ key, url: null, now: at(0) });
        const url = uniqueThreadKey();
        expect((await storage.ensureThread({ key, url, now: at(1) })).url).toBe(url);
        expect((await storage.ensureThread({ key, url: `${url}/other`, now: at(2) })).url).toBe(url);
        expect((await storage.ensureThread({ key, url: null, now: at(3) })).url).toBe(url);
        expect((await storage.getThread(key))?.createdAt).toEqual(at(0));
      });
    });

    describe('thread pages', () => {
      it('returns an empty page for a thread with no comments', async () => {
        const page = await storage.listThread({ threadKey: uniqueThreadKey(), statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 });
        expect(page).toEqual({ roots: [], replies: [], nextCursor: null });
      });

      it('orders roots oldest first and newest first', async () => {
        const threadKey = uniqueThreadKey();
        const cs = [3, 1, 2].map((s) => makeComment({ threadKey, createdAt: at(s), id: `order-${s}-${testId()}` }));
        await insertAll(cs);
        const oldest = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 });
        expect(oldest.roots.map((r) => r.createdAt.getTime())).toEqual([at(1), at(2), at(3)].map((d) => d.getTime()));
        const newest = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'newest', cursor: null, limit: 10 });
        expect(newest.roots.map((r) => r.createdAt.getTime())).toEqual([at(3), at(2), at(1)].map((d) => d.getTime()));
      });

      it('breaks timestamp ties by id, in a stable order', async () => {
        const threadKey = uniqueThreadKey();
        const ids = ['tie-c', 'tie-a', 'tie-b', 'tie-e', 'tie-d'].map((p) => `${p}-${threadKey.slice(-6)}`);
        await insertAll(ids.map((id) => makeComment({ threadKey, id, createdAt: at(5) })));
        const sorted = [...ids].sort();
        const oldest = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 });
        expect(oldest.roots.map((r) => r.id)).toEqual(sorted);
        const newest = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'newest', cursor: null, limit: 10 });
        expect(newest.roots.map((r) => r.id)).toEqual([...sorted].reverse());
      });

      it.each(['oldest', 'newest'] as const)('never skips or repeats a root across pages (%s)', async (sort) => {
        const threadKey = uniqueThreadKey();
        // 23 roots over 6 distinct timestamps: many ties fall on page boundaries.
        const cs = Array.from({ length: 23 }, (_, i) => makeComment({ threadKey, createdAt: at(i % 6), id: `p${String(i).padStart(2, '0')}-${testId()}` }));
        await insertAll(cs);
        for (const limit of [1, 4, 5, 7, 23, 50]) {
          const { ids, pages } = await readAllRootIds(threadKey, sort, limit);
          expect(ids).toHaveLength(23);
          expect(new Set(ids).size).toBe(23);
          expect(pages).toBe(Math.max(1, Math.ceil(23 / limit)));
          const expected = [...cs]
            .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            .map((c) => c.id);
          expect(ids).toEqual(sort === 'oldest' ? expected : expected.reverse());
        }
      });

      it('gives no next cursor when the last page is exactly full', async () => {
        const threadKey = uniqueThreadKey();
        await insertAll(Array.from({ length: 4 }, (_, i) => makeComment({ threadKey, createdAt: at(i) })));
        const first = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 2 });
        expect(first.nextCursor).not.toBeNull();
        const second = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: first.nextCursor, limit: 2 });
        expect(second.roots).toHaveLength(2);
        expect(second.nextCursor).toBeNull();
      });

      it('keeps pages consistent when comments arrive between page reads', async () => {
        const threadKey = uniqueThreadKey();
        await insertAll(Array.from({ length: 6 }, (_, i) => makeComment({ threadKey, createdAt: at(10 + i), id: `mid-${i}-${testId()}` })));
        const page1 = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 3 });
        const late = makeComment({ threadKey, createdAt: at(100), id: `late-${testId()}` });
        const early = makeComment({ threadKey, createdAt: at(0), id: `early-${testId()}` });
        await insertAll([late, early]);
        const page2 = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: page1.nextCursor, limit: 10 });
        const seen = [...page1.roots, ...page2.roots].map((r) => r.id);
        expect(new Set(seen).size).toBe(seen.length);
        expect(page2.roots.map((r) => r.id)).toContain(late.id);
        expect(seen).not.toContain(early.id);
      });

      it('brings every reply of the page roots, and only theirs, oldest first', async () => {
        const threadKey = uniqueThreadKey();
        const a = makeComment({ threadKey, createdAt: at(1), id: `ra-${testId()}` });
        const b = makeComment({ threadKey, createdAt: at(2), id: `rb-${testId()}` });
        const a1 = makeReply(a, { createdAt: at(5) });
        const a2 = makeReply(a, { createdAt: at(3) });
        const a1x = makeReply(a1, { createdAt: at(4) });
        const b1 = makeReply(b, { createdAt: at(6) });
        await insertAll([a, b, a1, a2, a1x, b1]);
        const page = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 1 });
        expect(page.roots.map((r) => r.id)).toEqual([a.id]);
        expect(page.replies.map((r) => r.id)).toEqual([a2.id, a1x.id, a1.id]);
        expect(page.replies.find((r) => r.id === a1x.id)).toMatchObject({ parentId: a1.id, rootId: a.id, depth: 2 });
        const next = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: page.nextCursor, limit: 1 });
        expect(next.roots.map((r) => r.id)).toEqual([b.id]);
        expect(next.replies.map((r) => r.id)).toEqual([b1.id]);
      });

      it('orders replies with tied timestamps by id', async () => {
        const threadKey = uniqueThreadKey();
        const root = makeComment({ threadKey, createdAt: at(0) });
        const replies = ['z', 'x', 'y'].map((p) => makeReply(root, { id: `${p}-${testId()}`, createdAt: at(1) }));
        await insertAll([root, ...replies]);
        const page = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'newest', cursor: null, limit: 5 });
        expect(page.replies.map((r) => r.id)).toEqual(replies.map((r) => r.id).sort());
      });

      it('filters roots and replies by status', async () => {
        const threadKey = uniqueThreadKey();
        const shown = makeComment({ threadKey, createdAt: at(1) });
        const hiddenRoot = makeComment({ threadKey, createdAt: at(2), status: 'pending' });
        const spamRoot = makeComment({ threadKey, createdAt: at(3), status: 'spam' });
        const deletedRoot = makeComment({ threadKey, createdAt: at(4), status: 'deleted' });
        const shownReply = makeReply(shown, { createdAt: at(5) });
        const hiddenReply = makeReply(shown, { createdAt: at(6), status: 'rejected' });
        await insertAll([shown, hiddenRoot, spamRoot, deletedRoot, shownReply, hiddenReply]);
        const page = await storage.listThread({ threadKey, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 10 });
        expect(page.roots.map((r) => r.id)).toEqual([shown.id]);
        expect(page.replies.map((r) => r.id)).toEqual([shownReply.id]);
        const withDeleted = await storage.listThread({ threadKey, statuses: ['approved', 'deleted'], sort: 'oldest', cursor: null, limit: 10 });
        expect(withDeleted.roots.map((r) => r.id)).toEqual([shown.id, deletedRoot.id]);
      });

      it('matches thread keys exactly, with ? + ( ) . * % and non-ASCII characters', async () => {
        const base = uniqueThreadKey();
        const keys = [
          `${base}/a?x=(1)+.*%25`,
          `${base}/a?x=(1)+..*%25`,
          `${base}/a?x=(1)+.*%`,
          `${base}/a?x=_1_+.*%25`,
          `${base}/café`,
          `${base}/cafe\u0301`,
          `${base}/日本語?q=ü`,
          `${base}/A`,
          `${base}/a`,
        ];
        for (const [i, key] of keys.entries()) {
          await storage.ensureThread({ key, url: key, now: at(i) });
          await insertAll(Array.from({ length: i + 1 }, (_, j) => makeComment({ threadKey: key, createdAt: at(j) })));
        }
        for (const [i, key] of keys.entries()) {
          const page = await storage.listThread({ threadKey: key, statuses: ['approved'], sort: 'oldest', cursor: null, limit: 50 });
          expect(page.roots).toHaveLength(i + 1);
          for (const r of page.roots) expect(r.threadKey).toBe(key);
          expect((await storage.getThread(key))?.url).toBe(key);
        }
        const counts = await storage.countByThreads({ threadKeys: keys, statuses: ['approved'] });
        expect(keys.map((k) => counts.get(k))).toEqual(keys.map((_, i) => i + 1));
      });
    });

    describe('public thread read', () => {
      it('returns exactly the public projection of listThread, page by page, for random threads', async () => {
        await fc.assert(
          fc.asyncProperty(
            threadArbitrary,
            fc.constantFrom<SortOrder>('oldest', 'newest'),
            fc.integer({ min: 1, max: 5 }),
            async (specs, sort, limit) => {
              const threadKey = uniqueThreadKey('fc');
              await insertAll(materialize(threadKey, specs));
              let cursor: PageCursor | null = null;
              let pages = 0;
              do {
                const full = await storage.listThread({ threadKey, statuses: THREAD_READ_STATUSES, sort, cursor, limit });
                const lean = await storage.listThreadPublic({ threadKey, sort, cursor, limit });
                expect(lean).toEqual({ roots: full.roots.map(publicProjection), replies: full.replies.map(publicProjection), nextCursor: full.nextCursor });
                cursor = full.nextCursor;
                pages += 1;
                if (pages > 100) throw new Error('pagination does not terminate');
              } while (cursor);
            },
          ),
          { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED },
        );
      });

      it('never reads an email, IP, user agent, token hash or history', async () => {
        const threadKey = uniqueThreadKey('lean');
        const root = makeComment({ threadKey, author: { name: 'N', email: 'hidden@private.example', emailKey: 'ek', website: null, avatar: 'av' }, editTokenHash: 'tokhash', context: { ip: '198.51.100.99', userAgent: 'UA-secret', referrer: 'https://ref.example/' }, history: [{ body: 'old secret', editedAt: at(1), by: 'author' }] });
        const deleted = makeComment({ threadKey, status: 'deleted', createdAt: at(2) });
        await insertAll([root, makeReply(root, { createdAt: at(3) }), deleted]);
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        expect(page.roots).toHaveLength(2);
        expect(page.replies).toHaveLength(1);
        for (const row of [...page.roots, ...page.replies]) {
          expect(Object.keys(row).sort()).toEqual(['authorName', 'avatar', 'createdAt', 'editedAt', 'html', 'id', 'parentId', 'rootId', 'status', 'website']);
        }
        const text = JSON.stringify(page);
        for (const secret of ['hidden@private.example', '198.51.100.99', 'UA-secret', 'tokhash', 'old secret', 'ek', 'ref.example']) {
          expect(text).not.toContain(secret);
        }
      });

      it('carries every character of the public fields exactly (quotes, backslashes, controls, line separators, emoji)', async () => {
        const threadKey = uniqueThreadKey('chars');
        const odd = 'a "quoted" \\back\\slash\\ \u0001\t\n\r \u2028\u2029 </script> 👩🏽‍💻 é ﬁ \u00a0[1,2]';
        const root = makeComment({
          threadKey,
          html: `<p>${odd}</p>`,
          author: { name: odd, email: 'e@x.example', emailKey: 'ek', website: `https://x.example/?q=${encodeURIComponent(odd)}&"`, avatar: odd },
          editedAt: at(9),
        });
        const reply = makeReply(root, { html: odd, createdAt: at(3) });
        await insertAll([root, reply]);
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        expect(page.roots).toEqual([publicProjection(root)]);
        expect(page.replies).toEqual([publicProjection(reply)]);
      });
    });

    describe('moderator replies', () => {
      it("keeps a moderator's mark, on the full comment and on the public row, and no mark on others", async () => {
        const threadKey = uniqueThreadKey('mod');
        const root = makeComment({ threadKey });
        const reply = makeReply(root, { createdAt: at(5), author: { name: 'Alice Smith', email: '', emailKey: '', website: null, avatar: 'mav', moderator: true } });
        await insertAll([root, reply]);
        expect((await storage.getComment(reply.id))?.author.moderator).toBe(true);
        expect((await storage.getComment(root.id))?.author).not.toHaveProperty('moderator');
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        expect(page.replies).toEqual([publicProjection(reply)]);
        expect(page.replies[0]?.moderator).toBe(true);
        expect(page.roots[0]).not.toHaveProperty('moderator');
      });

      it("writes a reply's audit entry with the reply, and neither when the id is taken", async () => {
        const threadKey = uniqueThreadKey('mod-audit');
        const root = makeComment({ threadKey });
        await insertAll([root]);
        const reply = makeReply(root, { createdAt: at(5), author: { name: 'Alice', email: '', emailKey: '', website: null, avatar: 'mav', moderator: true } });
        const entry = { id: testId('a'), at: at(5), actor: 'alice', action: 'reply' as const, commentId: reply.id, threadKey, from: null, to: 'approved' as const, reason: `reply to ${root.id}` };
        await storage.insertComment(reply, { audit: entry });
        expect((await storage.listAudit({ commentId: reply.id, cursor: null, limit: 10 })).entries).toEqual([entry]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(2);
        const again = { ...entry, id: testId('a') };
        await expect(storage.insertComment(reply, { audit: again })).rejects.toMatchObject({ code: 'conflict' });
        expect((await storage.listAudit({ commentId: reply.id, cursor: null, limit: 10 })).entries).toEqual([entry]);
      });
    });

    describe('signed-in commenters', () => {
      const signedIn = (key: string, badge: string | null, avatarUrl: string | null) => ({
        name: 'Grace',
        email: 'grace@example.com',
        emailKey: 'g'.repeat(64),
        website: null,
        avatar: 'gav',
        identity: { key, badge, avatarUrl },
      });

      it('keeps the identity on the full comment, and only its badge and picture on the public row', async () => {
        const threadKey = uniqueThreadKey('sso');
        const key = `id-${testId()}`;
        const mine = makeComment({ threadKey, author: signedIn(key, 'Subscriber', 'https://img.example/g.png') });
        const plain = makeComment({ threadKey, id: testId(), createdAt: at(3), author: signedIn(`id-${testId()}`, null, null) });
        const guest = makeComment({ threadKey, createdAt: at(6) });
        await insertAll([mine, plain, guest]);
        expect((await storage.getComment(mine.id))?.author.identity).toEqual({ key, badge: 'Subscriber', avatarUrl: 'https://img.example/g.png' });
        expect((await storage.getComment(guest.id))?.author).not.toHaveProperty('identity');
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        expect(page.roots).toEqual([mine, plain, guest].map(publicProjection));
        expect(page.roots[0]).toMatchObject({ badge: 'Subscriber', avatarUrl: 'https://img.example/g.png' });
        expect(page.roots[1]).not.toHaveProperty('badge');
        expect(JSON.stringify(page)).not.toContain(key);
      });

      it("lists one commenter's comments across threads, newest first, page by page, without deleted ones", async () => {
        const key = `id-${testId()}`;
        const other = `id-${testId()}`;
        const mine = [0, 1, 2, 3, 4].map((i) =>
          makeComment({ threadKey: uniqueThreadKey(`mine${i}`), createdAt: at(i % 2 === 0 ? 10 : 10 + i), status: i === 3 ? 'pending' : 'approved', author: signedIn(key, null, null) }),
        );
        const deleted = makeComment({ threadKey: uniqueThreadKey('mine-del'), createdAt: at(50), status: 'deleted', author: signedIn(key, null, null) });
        const theirs = makeComment({ threadKey: mine[0]!.threadKey, createdAt: at(40), author: signedIn(other, null, null) });
        await insertAll([...mine, deleted, theirs]);
        const seen: string[] = [];
        let cursor: PageCursor | null = null;
        do {
          const page: { comments: Comment[]; nextCursor: PageCursor | null } = await storage.listByIdentity({ identityKey: key, cursor, limit: 2 });
          expect(page.comments.length).toBeLessThanOrEqual(2);
          seen.push(...page.comments.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor);
        const expected = [...mine].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1)).map((c) => c.id);
        expect(seen).toEqual(expected);
        await expect(storage.listByIdentity({ identityKey: '', cursor: null, limit: 5 })).rejects.toThrow(RangeError);
      });

      it("forgets the identity with the person's data when their comments are erased", async () => {
        const key = `id-${testId()}`;
        const emailKey = `e${testId()}`.padEnd(64, '0');
        const c = makeComment({ threadKey: uniqueThreadKey('sso-erase'), author: { ...signedIn(key, 'Member', 'https://img.example/x.png'), emailKey } });
        await insertAll([c]);
        await storage.eraseAuthor({ emailKey, mode: 'anonymize' });
        expect((await storage.getComment(c.id))?.author).not.toHaveProperty('identity');
        expect((await storage.listByIdentity({ identityKey: key, cursor: null, limit: 5 })).comments).toEqual([]);
      });
    });

    describe('visible counts', () => {
      it('does not count approved replies under a hidden parent, and counts them again once it is approved', async () => {
        const threadKey = uniqueThreadKey('visible');
        const parent = makeComment({ threadKey, createdAt: at(1) });
        const reply = makeReply(parent, { createdAt: at(2) });
        const deep = makeReply(reply, { createdAt: at(3) });
        const other = makeComment({ threadKey, createdAt: at(4) });
        await insertAll([parent, reply, deep, other]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(4);

        await storage.updateComment(parent.id, { status: 'spam' });
        const counts = await storage.countVisible([threadKey]);
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        const shown = countShown(buildTree(page.roots, page.replies));
        expect(counts.get(threadKey)).toBe(1);
        expect(shown).toBe(1);

        for (const hiding of ['pending', 'rejected'] as const) {
          await storage.updateComment(reply.id, { status: hiding });
          await storage.updateComment(parent.id, { status: 'approved' });
          expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(2);
          await storage.updateComment(reply.id, { status: 'approved' });
          expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(4);
        }
      });

      it('follows an author erased with their comments deleted: their hidden comments stop hiding replies', async () => {
        const threadKey = uniqueThreadKey('visible');
        const emailKey = testId('erased');
        const author = { name: 'Eve', email: 'eve@example.org', emailKey, website: null, avatar: 'av' };
        const held = makeComment({ threadKey, author, status: 'pending', createdAt: at(1) });
        const shown = makeComment({ threadKey, author, createdAt: at(2) });
        const heldReplies = [makeReply(held, { createdAt: at(3) }), makeReply(held, { createdAt: at(5) })];
        await insertAll([held, ...heldReplies, shown, makeReply(shown, { createdAt: at(4) })]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(2);
        await storage.eraseAuthor({ emailKey, mode: 'delete' });
        // Both of Eve's comments are "[deleted]" placeholders now, and all three replies show.
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(3);
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 10 });
        expect(countShown(buildTree(page.roots, page.replies))).toBe(3);
      });

      it('counts the replies of a deleted comment but not the deleted comment itself', async () => {
        const threadKey = uniqueThreadKey('visible');
        const parent = makeComment({ threadKey, status: 'deleted', createdAt: at(1) });
        const reply = makeReply(parent, { createdAt: at(2) });
        await insertAll([parent, reply, makeReply(reply, { createdAt: at(3), status: 'spam' })]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(1);
      });

      it('counts several threads in one call, with nested hidden comments and 0 for unknown threads', async () => {
        const k1 = uniqueThreadKey('visible');
        const k2 = uniqueThreadKey('visible');
        const unknown = uniqueThreadKey('visible-unknown');
        const a = makeComment({ threadKey: k1, status: 'pending' });
        const a1 = makeReply(a, { status: 'spam' });
        const a11 = makeReply(a1);
        const b = makeComment({ threadKey: k2 });
        const b1 = makeReply(b, { status: 'rejected' });
        await insertAll([a, a1, a11, makeReply(a), makeComment({ threadKey: k1 }), b, b1, makeReply(b1), makeReply(b)]);
        const counts = await storage.countVisible([k1, k2, unknown, k1]);
        expect(counts.size).toBe(3);
        expect(counts.get(k1)).toBe(1);
        expect(counts.get(k2)).toBe(2);
        expect(counts.get(unknown)).toBe(0);
        expect((await storage.countVisible([])).size).toBe(0);
      });

      it('equals what the pages of a random thread show, after random status moves', async () => {
        const moves = fc.array(fc.tuple(fc.nat(), fc.constantFrom(...COMMENT_STATUSES)), { maxLength: 8 });
        await fc.assert(
          fc.asyncProperty(threadArbitrary, moves, fc.boolean(), async (specs, statusMoves, shuffled) => {
            const threadKey = uniqueThreadKey('fc-count');
            const cs = materialize(threadKey, specs);
            // Imports may store a reply before its parent.
            await insertAll(shuffled ? [...cs].reverse() : cs);
            for (const [i, status] of statusMoves) if (cs.length > 0) await storage.updateComment(cs[i % cs.length]!.id, { status });
            let cursor: PageCursor | null = null;
            let shown = 0;
            do {
              const page = await storage.listThreadPublic({ threadKey, sort: 'newest', cursor, limit: 3 });
              shown += countShown(buildTree(page.roots, page.replies));
              cursor = page.nextCursor;
            } while (cursor);
            expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(shown);
          }),
          { numRuns: PROPERTY_RUNS, seed: PROPERTY_SEED },
        );
      });
    });

    describe('counts', () => {
      it('counts roots and replies per thread and gives 0 for unknown threads', async () => {
        const k1 = uniqueThreadKey();
        const k2 = uniqueThreadKey();
        const unknown = uniqueThreadKey('unknown');
        const root = makeComment({ threadKey: k1 });
        await insertAll([root, makeReply(root), makeReply(root), makeComment({ threadKey: k2 })]);
        const counts = await storage.countByThreads({ threadKeys: [k1, k2, unknown], statuses: ['approved'] });
        expect(counts.get(k1)).toBe(3);
        expect(counts.get(k2)).toBe(1);
        expect(counts.get(unknown)).toBe(0);
        expect(counts.size).toBe(3);
      });

      it('counts only the requested statuses', async () => {
        const k = uniqueThreadKey();
        await insertAll([
          makeComment({ threadKey: k, status: 'approved' }),
          makeComment({ threadKey: k, status: 'pending' }),
          makeComment({ threadKey: k, status: 'spam' }),
          makeComment({ threadKey: k, status: 'deleted' }),
        ]);
        expect((await storage.countByThreads({ threadKeys: [k], statuses: ['approved'] })).get(k)).toBe(1);
        expect((await storage.countByThreads({ threadKeys: [k], statuses: ['approved', 'pending'] })).get(k)).toBe(2);
      });

      it('counts 100 threads in one call', async () => {
        const keys = Array.from({ length: 100 }, () => uniqueThreadKey('many'));
        for (const [i, key] of keys.entries()) {
          if (i % 3 === 0) continue;
          await insertAll(Array.from({ length: (i % 4) + 1 }, () => makeComment({ threadKey: key })));
        }
        const counts = await storage.countByThreads({ threadKeys: keys, statuses: ['approved'] });
        expect(counts.size).toBe(100);
        for (const [i, key] of keys.entries()) expect(counts.get(key)).toBe(i % 3 === 0 ? 0 : (i % 4) + 1);
      });

      it('returns an empty map for no keys', async () => {
        expect((await storage.countByThreads({ threadKeys: [], statuses: ['approved'] })).size).toBe(0);
      });
    });

    describe('moderation: the queue, threads and authors', () => {
      it('lists the queue newest first by status, with keyset pages that never skip or repeat', async () => {
        const threadKey = uniqueThreadKey('queue');
        const far = Date.parse('2031-01-01T00:00:00.000Z');
        const cs = Array.from({ length: 9 }, (_, i) =>
          makeComment({ threadKey, status: i % 3 === 0 ? 'spam' : 'pending', createdAt: new Date(far + (i % 4) * 1000), id: `q${i}-${testId()}` }),
        );
        await insertAll(cs);
        const seen: string[] = [];
        let cursor: PageCursor | null = null;
        do {
          const page: Awaited<ReturnType<Storage['listQueue']>> = await storage.listQueue({ statuses: ['pending'], threadKey, cursor, limit: 2 });
          seen.push(...page.comments.map((c) => c.id));
          cursor = page.nextCursor;
        } while (cursor);
        const expected = cs
          .filter((c) => c.status === 'pending')
          .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
          .map((c) => c.id);
        expect(seen).toEqual(expected);
        const both = await storage.listQueue({ statuses: ['pending', 'spam'], threadKey, cursor: null, limit: 100 });
        expect(both.comments).toHaveLength(9);
      });

      it('searches the queue in body, name and email, case-insensitively and literally', async () => {
        const threadKey = uniqueThreadKey('search');
        const a = makeComment({ threadKey, status: 'pending', body: 'Totally about C++ (and .* regex)' });
        const b = makeComment({ threadKey, status: 'pending', author: { name: 'Grace HOPPER', email: 'g@navy.example', emailKey: 'g', website: null, avatar: 'x' } });
        const c = makeComment({ threadKey, status: 'pending', body: 'nothing here' });
        await insertAll([a, b, c]);
        const ids = async (search: string) =>
          (await storage.listQueue({ statuses: ['pending'], threadKey, search, cursor: null, limit: 10 })).comments.map((x) => x.id);
        expect(await ids('c++ (AND .*')).toEqual([a.id]);
        expect(await ids('hopper')).toEqual([b.id]);
        expect(await ids('NAVY.EXAMPLE')).toEqual([b.id]);
        expect(await ids('.*')).toEqual([a.id]);
        expect(await ids('zzz')).toEqual([]);
      });

      it('counts comments per status, overall and per thread, with every status present', async () => {
        const threadKey = uniqueThreadKey('status');
        await insertAll([
          makeComment({ threadKey, status: 'pending' }),
          makeComment({ threadKey, status: 'pending' }),
          makeComment({ threadKey, status: 'spam' }),
        ]);
        expect(await storage.countByStatus({ threadKey })).toEqual({ pending: 2, approved: 0, spam: 1, rejected: 0, deleted: 0 });
        const overall = await storage.countByStatus({});
        expect(overall.pending).toBeGreaterThanOrEqual(2);
        expect(Object.keys(overall).sort()).toEqual(['approved', 'deleted', 'pending', 'rejected', 'spam']);
        const per = await storage.countByThreadStatus([threadKey, uniqueThreadKey('none')]);
        expect(per.get(threadKey)).toEqual({ pending: 2, approved: 0, spam: 1, rejected: 0, deleted: 0 });
        expect([...per.values()][1]).toEqual({ pending: 0, approved: 0, spam: 0, rejected: 0, deleted: 0 });
      });

      it('locks and unlocks a thread, creating it when needed', async () => {
        const key = uniqueThreadKey('lock');
        const locked = await storage.setThreadLocked({ key, url: key, now: at(0) }, true);
        expect(locked).toMatchObject({ key, url: key, locked: true });
        expect((await storage.ensureThread({ key, url: key, now: at(1) })).locked).toBe(true);
        expect((await storage.setThreadLocked({ key, url: key, now: at(2) }, false)).locked).toBe(false);
        expect((await storage.getThread(key))?.createdAt).toEqual(at(0));
      });

      it('lists threads by latest comment, newest first, in pages', async () => {
        const base = Date.parse('2040-01-01T00:00:00.000Z');
        const keys = Array.from({ length: 5 }, () => uniqueThreadKey('recent'));
        for (const [i, key] of keys.entries()) {
          await storage.ensureThread({ key, url: key, now: new Date(base) });
          await storage.insertComment(makeComment({ threadKey: key, createdAt: new Date(base + (i + 1) * 60_000) }));
        }
        // The oldest thread gets a newer comment and moves to the front.
        await storage.insertComment(makeComment({ threadKey: keys[0]!, createdAt: new Date(base + 10 * 60_000) }));
        const first = await storage.listThreads({ cursor: null, limit: 3 });
        expect(first.threads.map((t) => t.key)).toEqual([keys[0], keys[4], keys[3]]);
        expect(first.threads[0]!.lastCommentAt).toEqual(new Date(base + 10 * 60_000));
        const second = await storage.listThreads({ cursor: first.nextCursor, limit: 2 });
        expect(second.threads.map((t) => t.key)).toEqual([keys[2], keys[1]]);
      });

      it('exports and erases an author by email key, leaving others untouched', async () => {
        const k = testId('gdpr');
        const threadKey = uniqueThreadKey('gdpr');
        const author = { name: 'Erin', email: 'erin@example.org', emailKey: k, website: 'https://erin.example', avatar: 'av' };
        const mine = [
          makeComment({ threadKey, author, createdAt: at(1), body: 'mine one', history: [{ body: 'old', editedAt: at(1), by: 'author' }] }),
          makeComment({ threadKey, author, createdAt: at(2), body: 'mine two' }),
        ];
        const other = makeComment({ threadKey, createdAt: at(3) });
        await insertAll([...mine, other]);
        expect((await storage.listByAuthor(k)).map((c) => c.id)).toEqual(mine.map((c) => c.id));

        expect(await storage.eraseAuthor({ emailKey: k, mode: 'anonymize' })).toBe(2);
        const anon = await storage.getComment(mine[0]!.id);
        expect(anon).toMatchObject({ body: 'mine one', status: 'approved', history: [], editTokenHash: null });
        expect(anon?.author).toEqual({ name: 'Anonymous', email: '', emailKey: '', website: null, avatar: '' });
        expect(anon?.context).toEqual({ ip: null, userAgent: null, referrer: null });
        expect(await storage.listByAuthor(k)).toEqual([]);
        expect(await storage.getComment(other.id)).toEqual(other);

        const k2 = testId('gdpr');
        const gone = makeComment({ threadKey, author: { ...author, emailKey: k2 }, body: 'delete me' });
        await storage.insertComment(gone);
        expect(await storage.eraseAuthor({ emailKey: k2, mode: 'delete' })).toBe(1);
        expect(await storage.getComment(gone.id)).toMatchObject({ status: 'deleted', body: '', html: '', author: { name: '', email: '' } });
      });

      it('refuses a person-level read or erase with the empty email key that moderator replies and erased comments share', async () => {
        const threadKey = uniqueThreadKey('nokey');
        const keyless = makeComment({ threadKey, author: { name: 'Moderator', email: '', emailKey: '', website: null, avatar: '' } });
        await storage.insertComment(keyless);
        await expect(storage.eraseAuthor({ emailKey: '', mode: 'delete' })).rejects.toThrow(RangeError);
        await expect(storage.listByAuthor('')).rejects.toThrow(RangeError);
        expect(await storage.hasApprovedComment('')).toBe(false);
        expect(await storage.getComment(keyless.id)).toEqual(keyless);
      });
    });

    describe('concurrency', () => {
      it('keeps the visible count equal to what readers see under concurrent status moves and inserts', async () => {
        const threadKey = uniqueThreadKey('moves');
        const roots = Array.from({ length: 12 }, (_, i) => makeComment({ threadKey, status: 'pending', createdAt: at(i) }));
        const replies = roots.map((r, i) => makeReply(r, { createdAt: at(100 + i) }));
        await insertAll([...roots, ...replies]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(0);
        // Wave 1: every root approved while new approved roots arrive: 12 roots + 12 replies + 8 new.
        const fresh = Array.from({ length: 8 }, (_, i) => makeComment({ threadKey, createdAt: at(200 + i) }));
        await Promise.all([
          ...roots.map((r) => storage.updateComment(r.id, { status: 'approved' }, { ifStatus: 'pending' })),
          ...fresh.map((c) => storage.insertComment(c)),
        ]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(32);
        // Wave 2: four roots to spam (their replies hidden too), three replies deleted, two new roots held, at once.
        await Promise.all([
          ...roots.slice(0, 4).map((r) => storage.updateComment(r.id, { status: 'spam' })),
          ...replies.slice(6, 9).map((r) => storage.updateComment(r.id, { status: 'deleted' })),
          ...Array.from({ length: 2 }, (_, i) => storage.insertComment(makeComment({ threadKey, status: 'pending', createdAt: at(300 + i) }))),
        ]);
        expect((await storage.countVisible([threadKey])).get(threadKey)).toBe(32 - 8 - 3);
        const page = await storage.listThreadPublic({ threadKey, sort: 'oldest', cursor: null, limit: 100 });
        expect(countShown(buildTree(page.roots, page.replies))).toBe(21);
      });

      it('keeps every comment of concurrent inserts into one thread', async () => {
        const threadKey = uniqueThreadKey();
        const cs = Array.from({ length: 50 }, (_, i) => makeComment({ threadKey, createdAt: at(i % 3) }));
        await Promise.all(cs.map((c) => storage.insertComment(c)));
        const { ids } = await readAllRootIds(threadKey, 'oldest', 7);
        expect(new Set(ids)).toEqual(new Set(cs.map((c) => c.id)));
        expect((await storage.countByThreads({ threadKeys: [threadKey], statuses: ['approved'] })).get(threadKey)).toBe(50);
      });

      it('stores one of eight concurrent identical inserts under the duplicate rule; the others are duplicates', async () => {
        const threadKey = uniqueThreadKey();
        const cs = Array.from({ length: 8 }, () => makeComment({ threadKey, body: 'same words, sent eight times', createdAt: at(1000) }));
        const outcomes = await Promise.all(
          cs.map((c) => storage.insertComment(c, { duplicateSince: at(0) }).then(() => 'stored', (e: unknown) => (e instanceof AppError ? e.code : e))),
        );
        expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'duplicate_comment')).toHaveLength(7);
        expect((await storage.countByThreads({ threadKeys: [threadKey], statuses: ['approved'] })).get(threadKey)).toBe(1);
      });

      it('stores one of eight concurrent identical inserts when the same comment exists from before the window', async () => {
        const threadKey = uniqueThreadKey();
        const body = 'said yesterday, said again eight times today';
        await storage.insertComment(makeComment({ threadKey, body, createdAt: at(0) }), { duplicateSince: at(-10) });
        const cs = Array.from({ length: 8 }, () => makeComment({ threadKey, body, createdAt: at(1000) }));
        const outcomes = await Promise.all(
          cs.map((c) => storage.insertComment(c, { duplicateSince: at(500) }).then(() => 'stored', (e: unknown) => (e instanceof AppError ? e.code : e))),
        );
        expect(outcomes.filter((o) => o === 'stored')).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'duplicate_comment')).toHaveLength(7);
        expect((await storage.countByThreads({ threadKeys: [threadKey], statuses: ['approved'] })).get(threadKey)).toBe(2);
      });

      it('refuses a duplicate insert only within the window, for the same thread, author and current body', async () => {
        const threadKey = uniqueThreadKey();
        const body = 'posted twice';
        const dup = (c: Comment, since: Date) => storage.insertComment(c, { duplicateSince: since }).then(() => 'stored', (e: unknown) => (e as AppError).code);
        const old = makeComment({ threadKey, body, createdAt: at(0) });
        await storage.insertComment(old, { duplicateSince: at(-10) });
        // The earlier one is outside the window: stored, and it becomes the one later posts collide with.
        expect(await dup(makeComment({ threadKey, body, createdAt: at(100) }), at(50))).toBe('stored');
        expect(await dup(makeComment({ threadKey, body, createdAt: at(101) }), at(50))).toBe('duplicate_comment');
        expect(await dup(makeComment({ threadKey, body, createdAt: at(102), author: { ...old.author, emailKey: 'z'.repeat(64) } }), at(50))).toBe('stored');
        expect(await dup(makeComment({ threadKey: uniqueThreadKey(), body, createdAt: at(103) }), at(50))).toBe('stored');
        // An edited comment no longer blocks its old body, and blocks its new one.
        const edited = makeComment({ threadKey, body: 'first draft', createdAt: at(200) });
        await storage.insertComment(edited, { duplicateSince: at(150) });
        await storage.updateComment(edited.id, { body: 'second draft' });
        expect(await dup(makeComment({ threadKey, body: 'first draft', createdAt: at(201) }), at(150))).toBe('stored');
        expect(await dup(makeComment({ threadKey, body: 'second draft', createdAt: at(202) }), at(150))).toBe('duplicate_comment');
        // Without the rule, identical comments are all stored.
        await storage.insertComment(makeComment({ threadKey, body, createdAt: at(300) }));
        expect((await storage.countByThreads({ threadKeys: [threadKey], statuses: ['approved'] })).get(threadKey)).toBe(6);
      });

    });
  });
}
