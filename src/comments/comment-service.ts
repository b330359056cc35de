/** Readers' use cases: read a thread, count threads, post a comment, edit or delete one's own within the window. */
import type { Comment, CommentStatus, ModerationMode, RecheckState } from '../domain/comment.js';
import { THREAD_READ_STATUSES, PUBLIC_STATUSES } from '../domain/comment.js';
import { AppError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../domain/errors.js';
import { decodeKeyset, encodeKeyset } from '../domain/cursor.js';
import { renderBody } from '../domain/markup.js';
import { banHashesFor } from '../domain/ban.js';
import { avatarKey, emailKeyOf, newToken, tokenMatches, type AvatarMode } from '../domain/privacy.js';
import { resolveThread, threadKeyFromUrl, type ThreadPolicy } from '../domain/thread.js';
import type { CommentPatch, PageCursor, SortOrder, Storage } from '../storage/storage.js';
import type { SpamPipeline } from '../spam/pipeline.js';
import { issueFormToken } from '../spam/form-token.js';
import { firstRecheck } from './recheck-schedule.js';

export type { ModerationMode };

/** Same body, same author, same thread within this window → 409 duplicate_comment. */
export const DUPLICATE_WINDOW_MS = 24 * 3_600_000;

export interface CommentServiceDeps {
  storage: Storage;
  clock: () => Date;
  newId: () => string;
  /** Runs before a comment can be seen. Without one, nothing is checked (unit-level use only). */
  spam?: SpamPipeline;
  onCommentCreated?: (status: CommentStatus) => void;
  settings: {
    secret: string;
    avatars: AvatarMode;
    maxDepth: number;
    editWindowMinutes: number;
    threadPolicy: ThreadPolicy;
    moderation: ModerationMode;
    minSubmitSeconds: number;
    formTokenMaxAgeHours: number;
  };
}

export { emailKeyOf };

export interface ThreadSelector {
  url?: string | undefined;
  threadId?: string | undefined;
}

export interface PostCommentInput extends ThreadSelector {
  name: string;
  email: string;
  website?: string | undefined;
  body: string;
  parentId?: string | undefined;
  /** From GET /api/v1/form-token (or the server-rendered form). */
  formToken?: string | undefined;
  /** The hidden field people never fill. */
  honeypot?: string | undefined;
}

export interface OwnCommentRef {
  id: string;
  editToken: string;
}

/** The commenter's request context: private, kept for spam feedback and moderation. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  referrer: string | null;
}

/** A comment with its visible replies nested; `placeholder` marks a deleted comment kept for its replies. */
export interface ThreadNode {
  comment: Comment;
  placeholder: boolean;
  replies: ThreadNode[];
}

export interface ThreadView {
  thread: { key: string; url: string | null; commentCount: number };
  nodes: ThreadNode[];
  nextCursor: string | null;
}

export interface ListThreadInput extends ThreadSelector {
  sort: SortOrder;
  limit: number;
  cursor?: string | undefined;
}

export function encodeCursor(c: PageCursor): string {
  return encodeKeyset(c.createdAt.getTime(), c.id);
}

export function decodeCursor(raw: string): PageCursor {
  const [ms, id] = decodeKeyset(raw);
  return { createdAt: new Date(ms), id };
}

/** The patch of a body edit: re-rendered HTML, the edit time, and the previous body kept in the history. */
export function bodyEdit(previous: Comment, body: string, now: Date, by: 'author' | 'moderator'): CommentPatch {
  return { body, html: renderBody(body), editedAt: now, appendHistory: { body: previous.body, editedAt: now, by } };
}

/** Nests a page's replies under their parents; drops replies whose parent is hidden and deleted leaves. */
export function buildTree(roots: Comment[], replies: Comment[]): ThreadNode[] {
  const nodes = new Map<string, ThreadNode>();
  for (const c of [...roots, ...replies]) nodes.set(c.id, { comment: c, placeholder: c.status === 'deleted', replies: [] });
  for (const r of replies) {
    const parent = r.parentId ? nodes.get(r.parentId) : undefined;
    if (parent) parent.replies.push(nodes.get(r.id)!);
  }
  // A deleted comment stays only as long as a visible comment hangs under it.
  const prune = (list: ThreadNode[]): ThreadNode[] =>
    list
      .map((n) => ({ ...n, replies: prune(n.replies) }))
      .filter((n) => !n.placeholder || n.replies.length > 0);
  return prune(roots.map((r) => nodes.get(r.id)!));
}

export function createCommentService(deps: CommentServiceDeps) {
  const { storage, clock, newId, settings } = deps;

  async function findOwn(id: string, token: string | undefined): Promise<Comment> {
    if (!token) throw new UnauthorizedError('Send the edit token as "Authorization: Bearer <token>".');
    const comment = await storage.getComment(id);
    if (!comment || comment.status === 'deleted') throw new NotFoundError('comment_not_found', 'No such comment.');
    if (!tokenMatches(token, comment.editTokenHash)) throw new ForbiddenError('forbidden', 'This edit token does not belong to this comment.');
    const closesAt = comment.createdAt.getTime() + settings.editWindowMinutes * 60_000;
    if (clock().getTime() > closesAt) {
      throw new ForbiddenError('edit_window_closed', `Comments can only be changed within ${settings.editWindowMinutes} minutes of posting.`);
    }
    return comment;
  }

  /** WordPress-style depth cap: a reply below the deepest allowed level attaches to that level's comment. */
  async function attachPoint(parent: Comment): Promise<Comment | null> {
    let target: Comment | null = parent;
    while (target && target.depth + 1 > settings.maxDepth - 1) {
      target = target.parentId ? ((await storage.getComment(target.parentId)) ?? null) : null;
    }
    return target;
  }

  /** After the spam checks passed: publish, or hold per the moderation mode. */
  async function publishOrHold(emailKey: string): Promise<{ status: CommentStatus; reason?: string }> {
    if (settings.moderation === 'all') return { status: 'pending', reason: 'moderation_all' };
    if (settings.moderation === 'first-time' && !(await storage.hasApprovedComment(emailKey))) {
      return { status: 'pending', reason: 'first_time_commenter' };
    }
    return { status: 'approved' };
  }

  return {
    publishOrHold,

    /** A signed, expiring form token for a thread; the widget fetches it with the thread. */
    issueFormToken(selector: ThreadSelector): { token: string; minSubmitSeconds: number; expiresAt: Date; editWindowMinutes: number } {
      const ref = resolveThread(selector, settings.threadPolicy);
      const now = clock();
      return {
        token: issueFormToken(settings.secret, ref.key, now),
        minSubmitSeconds: settings.minSubmitSeconds,
        editWindowMinutes: settings.editWindowMinutes,
        expiresAt: new Date(now.getTime() + settings.formTokenMaxAgeHours * 3_600_000),
      };
    },

    /** The author's own comments (found by their edit tokens), so a held comment stays visible to its author. */
    async listOwn(refs: readonly OwnCommentRef[]): Promise<Comment[]> {
      const found = await storage.getComments([...new Set(refs.map((r) => r.id))]);
      const tokens = new Map(refs.map((r) => [r.id, r.editToken]));
      return found.filter((c) => c.status !== 'deleted' && c.status !== 'rejected' && tokenMatches(tokens.get(c.id) ?? '', c.editTokenHash));
    },

    async listThread(input: ListThreadInput): Promise<ThreadView> {
      const ref = resolveThread(input, settings.threadPolicy);
      const cursor = input.cursor ? decodeCursor(input.cursor) : null;
      const [page, counts, stored] = await Promise.all([
        storage.listThread({ threadKey: ref.key, statuses: THREAD_READ_STATUSES, sort: input.sort, cursor, limit: input.limit }),
        storage.countByThreads({ threadKeys: [ref.key], statuses: PUBLIC_STATUSES }),
        ref.url === null ? storage.getThread(ref.key) : Promise.resolve(undefined),
      ]);
      return {
        thread: { key: ref.key, url: ref.url ?? stored?.url ?? null, commentCount: counts.get(ref.key) ?? 0 },
        nodes: buildTree(page.roots, page.replies),
        nextCursor: page.nextCursor ? encodeCursor(page.nextCursor) : null,
      };
    },

    /** Counts of public comments per URL, keyed by the URLs exactly as asked; one storage query. */
    async countThreads(urls: readonly string[]): Promise<Record<string, number>> {
      const keys = new Map<string, string>();
      const fields: Record<string, string> = {};
      urls.forEach((url, i) => {
        try {
          keys.set(url, threadKeyFromUrl(url, settings.threadPolicy).key);
        } catch (err) {
          if (err instanceof ValidationError) fields[`url[${i}]`] = 'invalid';
          else throw err;
        }
      });
      if (Object.keys(fields).length > 0) throw new ValidationError(fields, 'Some URLs are not absolute http(s) URLs.');
      const counts = await storage.countByThreads({ threadKeys: [...new Set(keys.values())], statuses: PUBLIC_STATUSES });
      return Object.fromEntries([...keys].map(([url, key]) => [url, counts.get(key) ?? 0]));
    },

    async postComment(input: PostCommentInput, context: RequestContext): Promise<{ comment: Comment; editToken: string }> {
      const ref = resolveThread(input, settings.threadPolicy);
      let parent: Comment | null = null;
      if (input.parentId) {
        const found = await storage.getComment(input.parentId);
        if (!found || found.threadKey !== ref.key || !PUBLIC_STATUSES.includes(found.status)) {
          throw new NotFoundError('parent_not_found', 'The comment you are replying to does not exist in this thread.');
        }
        parent = await attachPoint(found);
      }
      const now = clock();
      const thread = await storage.ensureThread({ key: ref.key, url: ref.url, now });
      if (thread.locked) throw new ForbiddenError('thread_locked', 'This thread is closed for new comments.');

      const emailKey = emailKeyOf(input.email, settings.secret);
      if (await storage.findActiveBan({ hashes: banHashesFor(input.email, context.ip, settings.secret), now })) {
        throw new ForbiddenError('banned', 'You cannot comment here.');
      }
      const duplicateSince = new Date(now.getTime() - DUPLICATE_WINDOW_MS);
      // A cheap early answer (before the spam check); insertComment enforces the rule under concurrency.
      const duplicate = await storage.hasRecentDuplicate({ threadKey: ref.key, emailKey, body: input.body, since: duplicateSince });
      if (duplicate) throw new ConflictError('duplicate_comment', 'You already posted this comment here.');

      const verdict = deps.spam
        ? await deps.spam({
            threadKey: ref.key,
            threadUrl: ref.url ?? thread.url,
            isReply: parent !== null,
            author: { name: input.name, email: input.email, website: input.website ?? null },
            body: input.body,
            context,
            form: { token: input.formToken, honeypot: input.honeypot },
            now,
          })
        : ({ outcome: 'pass', spamCheck: 'none', reasons: [] } as const);
      if (verdict.outcome === 'discard') {
        throw new AppError('comment_rejected', 'Your comment could not be posted.');
      }
      const reasons = [...verdict.reasons];
      let status: CommentStatus;
      if (verdict.outcome === 'spam') status = 'spam';
      else if (verdict.outcome === 'hold') status = 'pending';
      else {
        const decided = await publishOrHold(emailKey);
        status = decided.status;
        if (decided.reason) reasons.push(decided.reason);
      }
      const recheck: RecheckState | null = verdict.spamCheck === 'unchecked' && status === 'pending' ? firstRecheck(now) : null;

      const id = newId();
      const { token, hash } = newToken();
      const comment: Comment = {
        id,
        threadKey: ref.key,
        parentId: parent?.id ?? null,
        rootId: parent?.rootId ?? id,
        depth: parent ? parent.depth + 1 : 0,
        status,
        author: {
          name: input.name,
          email: input.email,
          emailKey,
          website: input.website ?? null,
          avatar: avatarKey(input.email, settings.secret, settings.avatars),
        },
        body: input.body,
        html: renderBody(input.body),
        createdAt: now,
        editedAt: null,
        editTokenHash: hash,
        context,
        spamCheck: verdict.spamCheck,
        spamReasons: reasons,
        recheck,
        history: [],
      };
      await storage.insertComment(comment, { duplicateSince });
      deps.onCommentCreated?.(status);
      return { comment, editToken: token };
    },

    async editOwn(id: string, token: string | undefined, body: string): Promise<Comment> {
      const comment = await findOwn(id, token);
      const updated = await storage.updateComment(id, bodyEdit(comment, body, clock(), 'author'), { ifStatus: comment.status });
      if (!updated) throw new NotFoundError('comment_not_found', 'No such comment.');
      return updated;
    },

    async deleteOwn(id: string, token: string | undefined): Promise<void> {
      const comment = await findOwn(id, token);
      const updated = await storage.updateComment(id, { status: 'deleted' }, { ifStatus: comment.status });
      if (!updated) throw new NotFoundError('comment_not_found', 'No such comment.');
    },
  };
}

export type CommentService = ReturnType<typeof createCommentService>;
