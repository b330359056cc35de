import { randomBytes } from 'node:crypto';
import type { Comment } from '../../src/domain/comment.js';

let seq = 0;

/** A unique, sortable-enough id for storage tests (the service uses ULIDs). */
export function testId(prefix = 'c'): string {
  seq += 1;
  return `${prefix}${String(seq).padStart(6, '0')}${randomBytes(4).toString('hex')}`;
}

/** A fresh thread key no other test uses. */
export function uniqueThreadKey(label = 'post'): string {
  return `https://example.com/${label}-${randomBytes(6).toString('hex')}`;
}

/** A complete top-level comment; override any field. Replies: pass parentId, rootId and depth. */
export function makeComment(overrides: Partial<Comment> & { threadKey: string }): Comment {
  const id = overrides.id ?? testId();
  return {
    id,
    parentId: null,
    rootId: id,
    depth: 0,
    status: 'approved',
    author: { name: 'Ada', email: 'ada@example.com', emailKey: 'k'.repeat(64), website: null, avatar: 'a'.repeat(32) },
    body: 'Hello *world*',
    html: '<p>Hello <em>world</em></p>\n',
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    editedAt: null,
    editTokenHash: null,
    context: { ip: '203.0.113.7', userAgent: 'jest', referrer: null },
    spamCheck: 'none',
    spamReasons: [],
    recheck: null,
    history: [],
    ...overrides,
  };
}

/** A reply to `parent`, in the same thread, one level deeper. */
export function makeReply(parent: Comment, overrides: Partial<Comment> = {}): Comment {
  return makeComment({
    threadKey: parent.threadKey,
    parentId: parent.id,
    rootId: parent.rootId,
    depth: parent.depth + 1,
    ...overrides,
  });
}
