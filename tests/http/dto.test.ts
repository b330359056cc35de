/**
 * The public thread JSON built from the lean public rows must be byte-identical to the JSON built, as before, from
 * full stored comments through toPublicComment.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { buildTree, type ThreadNode, type TreeItem } from '../../src/comments/comment-service.js';
import { COMMENT_STATUSES, THREAD_READ_STATUSES, type Comment } from '../../src/domain/comment.js';
import { toPublicComment, toThreadResponse, type PublicComment } from '../../src/http/readers/dto.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { PageCursor, SortOrder, Storage } from '../../src/storage/storage.js';
import { makeComment, makeReply, testId, uniqueThreadKey } from '../support/comment-factory.js';

const RUNS = Number(process.env.FAST_CHECK_RUNS ?? 40);
const SEED = Number(process.env.FAST_CHECK_SEED ?? 20261204);
const T0 = Date.parse('2026-05-01T00:00:00.000Z');

/** The mapping as it was before the lean read: full comments, nested, through toPublicComment. */
function previousPublicNode(n: ThreadNode<Comment>): PublicComment {
  return { ...toPublicComment(n.comment), replies: n.replies.map(previousPublicNode) };
}

const text = fc.string({ unit: 'binary', maxLength: 16 });
const commentSpec = fc.record({
  parent: fc.option(fc.nat(), { nil: null, freq: 3 }),
  status: fc.constantFrom(...COMMENT_STATUSES, 'approved', 'approved'),
  ms: fc.integer({ min: 0, max: 5_000 }),
  name: text,
  website: fc.option(fc.webUrl(), { nil: null }),
  avatar: fc.stringMatching(/^[0-9a-f]{0,32}$/),
  html: text,
  editedMs: fc.option(fc.integer({ min: 0, max: 10_000_000 }), { nil: null }),
});

/** buildTree as it was: a copy of every node while pruning; the in-place pruning must give the same trees. */
function referenceTree<C extends TreeItem>(roots: C[], replies: C[]): ThreadNode<C>[] {
  const nodes = new Map<string, ThreadNode<C>>();
  for (const c of [...roots, ...replies]) nodes.set(c.id, { comment: c, placeholder: c.status === 'deleted', replies: [] });
  for (const r of replies) {
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent) parent.replies.push(nodes.get(r.id)!);
  }
  const prune = (list: ThreadNode<C>[]): ThreadNode<C>[] =>
    list.map((n) => ({ ...n, replies: prune(n.replies) })).filter((n) => !n.placeholder || n.replies.length > 0);
  return prune(roots.map((r) => nodes.get(r.id)!));
}

describe('buildTree', () => {
  it('nests and prunes as the copying version did: deleted comments stay only above a visible one', () => {
    const item = fc.record({ parent: fc.option(fc.nat(), { nil: null, freq: 2 }), deleted: fc.boolean() });
    fc.assert(
      fc.property(fc.array(item, { maxLength: 40 }), (specs) => {
        const all: TreeItem[] = [];
        for (const [i, s] of specs.entries()) {
          const parentId = s.parent === null || all.length === 0 ? null : all[s.parent % all.length]!.id;
          all.push({ id: `c${i}`, parentId, status: s.deleted ? 'deleted' : 'approved' });
        }
        const roots = all.filter((c) => c.parentId === null);
        const replies = all.filter((c) => c.parentId !== null);
        expect(buildTree(roots, replies)).toEqual(referenceTree(roots, replies));
      }),
      { numRuns: RUNS * 5, seed: SEED },
    );
  });

  it('drops a deleted root whose replies are all deleted, and keeps one with a visible grandchild', () => {
    const c = (id: string, parentId: string | null, status: TreeItem['status']): TreeItem => ({ id, parentId, status });
    const roots = [c('a', null, 'deleted'), c('b', null, 'deleted')];
    const replies = [c('a1', 'a', 'deleted'), c('b1', 'b', 'deleted'), c('b11', 'b1', 'approved')];
    const tree = buildTree(roots, replies);
    expect(tree.map((n) => n.comment.id)).toEqual(['b']);
    expect(tree[0]!.replies[0]!.replies.map((n) => n.comment.id)).toEqual(['b11']);
  });
});

describe('public thread JSON from lean rows', () => {
  let storage: Storage;
  beforeAll(() => {
    storage = openSqliteStorage({ dataDir: ':memory:' });
  });
  afterAll(async () => {
    await storage.close();
  });

  it('is byte-identical to the JSON built from full comments, for random threads and pages', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(commentSpec, { maxLength: 20 }),
        fc.constantFrom<SortOrder>('oldest', 'newest'),
        fc.integer({ min: 1, max: 6 }),
        async (specs, sort, limit) => {
          const threadKey = uniqueThreadKey('dto');
          const stored: Comment[] = [];
          for (const s of specs) {
            const parent = s.parent === null || stored.length === 0 ? null : stored[s.parent % stored.length]!;
            const fields = {
              threadKey,
              id: testId('dto'),
              status: s.status,
              createdAt: new Date(T0 + s.ms),
              editedAt: s.editedMs === null ? null : new Date(T0 + s.editedMs),
              author: { name: s.name, email: 'private@example.org', emailKey: 'k', website: s.website, avatar: s.avatar },
              html: s.html,
            };
            const c = parent ? makeReply(parent, fields) : makeComment(fields);
            stored.push(c);
            await storage.insertComment(c);
          }
          let cursor: PageCursor | null = null;
          do {
            const full = await storage.listThread({ threadKey, statuses: THREAD_READ_STATUSES, sort, cursor, limit });
            const lean = await storage.listThreadPublic({ threadKey, sort, cursor, limit });
            const before = JSON.stringify(buildTree(full.roots, full.replies).map(previousPublicNode));
            const thread = { key: threadKey, url: null, commentCount: 0, locked: false };
            const after = JSON.stringify(toThreadResponse({ thread, nodes: buildTree(lean.roots, lean.replies), nextCursor: null }).comments);
            expect(after).toBe(before);
            expect(after).not.toContain('private@example.org');
            cursor = full.nextCursor;
          } while (cursor);
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
