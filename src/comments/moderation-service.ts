/**
 * Moderators' use cases: the queue, decisions (with Akismet feedback), edits, thread locks, bans, the audit log and
 * per-author export and erasure. Every decision writes an audit entry naming the moderator's token label.
 */
import type { Comment, CommentStatus } from '../domain/comment.js';
import { attachPoint, canTransition, emptyStatusCounts, placement } from '../domain/comment.js';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors.js';
import {
  ACTION_TARGET,
  type AuditAction,
  type AuditEntry,
  type Ban,
  type EraseMode,
  type ModerationAction,
} from '../domain/moderation.js';
import { banKey } from '../domain/ban.js';
import { avatarKey, emailKeyOf } from '../domain/privacy.js';
import { resolveThread } from '../domain/thread.js';
import { bodyEdit } from './comment-service.js';
import { renderBody } from '../domain/markup.js';
import type { PageCursor, StatusCounts, Storage, ThreadRecord } from '../storage/storage.js';
import type { Subscriber, Subscription } from '../storage/subscriptions-port.js';
import type { ReadCacheInvalidator } from '../cache/read-cache.js';
import { statusNotification, type Notifier } from '../notify/notifier.js';

/** Sends the commenter's original context to the spam service when a moderator corrects or confirms it. */
export interface SpamFeedback {
  /** `reporter`: who decided (the audit log's actor), sent as Akismet's `reporter`. */
  spam(comment: Comment, threadUrl: string | null, reporter?: string): Promise<boolean>;
  ham(comment: Comment, threadUrl: string | null, reporter?: string): Promise<boolean>;
}

export interface ModerationDeps {
  storage: Storage;
  clock: () => Date;
  newId: () => string;
  secret: string;
  feedback?: SpamFeedback | null;
  /** Told about every change readers see, before the moderator's response. */
  cache?: ReadCacheInvalidator;
  /** The deepest reply level (MAX_DEPTH): a moderator's reply below it attaches to that level, as a reader's does. */
  maxDepth?: number;
  logger?: { warn(o: object, msg?: string): void; error(o: object, msg?: string): void };
  /** Told about comment events after each decision (webhooks); queues them, never waits for delivery. */
  notifier?: Notifier;
}

export interface QueueInput {
  statuses: readonly CommentStatus[];
  url?: string | undefined;
  threadId?: string | undefined;
  search?: string | undefined;
  cursor: PageCursor | null;
  limit: number;
}

export interface BulkResult {
  id: string;
  ok: boolean;
  status?: CommentStatus;
  error?: string;
}

const ANY_ORIGIN = { allowedOrigins: null };

export function createModerationService(deps: ModerationDeps) {
  const { storage, clock, newId, secret } = deps;
  const inFlight = new Set<Promise<unknown>>();

  function entry(fields: Omit<AuditEntry, 'id' | 'at'>): AuditEntry {
    return { id: newId(), at: clock(), ...fields };
  }

  async function audit(fields: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
    await storage.appendAudit(entry(fields));
  }

  async function threadUrlOf(c: Comment): Promise<string | null> {
    if (c.threadKey.startsWith('http')) return c.threadKey;
    return (await storage.getThread(c.threadKey))?.url ?? null;
  }

  /** Feedback goes out in the background: a slow spam service never holds up a moderator. */
  function sendFeedback(kind: 'spam' | 'ham', c: Comment, reporter: string): void {
    const feedback = deps.feedback;
    if (!feedback) return;
    const p = threadUrlOf(c)
      .then((url) => feedback[kind](c, url, reporter))
      .catch((err: unknown) => deps.logger?.error({ err, commentId: c.id }, 'spam feedback failed'))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }

  async function act(actor: string, id: string, action: ModerationAction, reason: string | null): Promise<Comment> {
    const comment = await storage.getComment(id);
    if (!comment) throw new NotFoundError('comment_not_found', 'No such comment.');
    const to = ACTION_TARGET[action];
    if (!canTransition(comment.status, to)) {
      throw new ConflictError('conflict', `A ${comment.status} comment cannot be moved to ${to} (${action}).`);
    }
    const verdictSettled = action === 'spam' || action === 'ham' || action === 'approve';
    // The event's notification is recorded by the decision's write (a crash before it is queued loses nothing).
    const notification = statusNotification(deps.notifier, comment, to, clock());
    // The audit entry is written with the decision (one transaction, or carried by it and repaired after a crash).
    // Readers' caches are told even when the write fails: it may have applied before the failure (a lost answer).
    const updated = await storage
      .updateComment(
        id,
        { status: to, ...(verdictSettled ? { spamCheck: comment.spamCheck === 'none' ? 'none' : 'checked', recheck: null } : {}) },
        { ifStatus: comment.status, audit: entry({ actor, action, commentId: id, threadKey: comment.threadKey, from: comment.status, to, reason }), ...notification.options },
      )
      .finally(() => deps.cache?.invalidate([comment.threadKey]));
    // Someone else decided in between: report it rather than overwrite their decision.
    if (!updated) throw new ConflictError('conflict', 'The comment changed while you were deciding; reload and try again.');
    await notification.done(updated);
    if (action === 'spam') sendFeedback('spam', updated, actor);
    if (action === 'ham') sendFeedback('ham', updated, actor);
    return updated;
  }

  return {
    async queue(input: QueueInput): Promise<{ comments: Comment[]; nextCursor: PageCursor | null; counts: StatusCounts }> {
      const threadKey = input.url || input.threadId ? resolveThread(input, ANY_ORIGIN).key : undefined;
      const [page, counts] = await Promise.all([
        storage.listQueue({ statuses: input.statuses, threadKey, search: input.search, cursor: input.cursor, limit: input.limit }),
        storage.countByStatus({ threadKey }),
      ]);
      return { ...page, counts };
    },

    threadUrlOf,

    /** The parents of these comments, keyed by id: one storage call for a whole page (no query per comment). */
    async parentsOf(comments: readonly Comment[]): Promise<Map<string, Comment>> {
      const ids = [...new Set(comments.map((c) => c.parentId).filter((id): id is string => id !== null))];
      if (ids.length === 0) return new Map();
      return new Map((await storage.getComments(ids)).map((p) => [p.id, p]));
    },

    act,

    async bulk(actor: string, ids: readonly string[], action: ModerationAction, reason: string | null): Promise<BulkResult[]> {
      const results: BulkResult[] = [];
      for (const id of new Set(ids)) {
        try {
          const c = await act(actor, id, action, reason);
          results.push({ id, ok: true, status: c.status });
        } catch (err) {
          if (err instanceof NotFoundError || err instanceof ConflictError) results.push({ id, ok: false, error: err.code });
          else throw err;
        }
      }
      return results;
    },

    async edit(actor: string, id: string, body: string, reason: string | null): Promise<Comment> {
      const comment = await storage.getComment(id);
      if (!comment || comment.status === 'deleted') throw new NotFoundError('comment_not_found', 'No such comment.');
      const updated = await storage
        .updateComment(id, bodyEdit(comment, body, clock(), 'moderator'), {
          ifStatus: comment.status,
          audit: entry({ actor, action: 'edit', commentId: id, threadKey: comment.threadKey, from: comment.status, to: comment.status, reason }),
        })
        .finally(() => deps.cache?.invalidate([comment.threadKey]));
      if (!updated) throw new ConflictError('conflict', 'The comment changed while you were editing; reload and try again.');
      return updated;
    },

    /**
     * A moderator's reply: published at once (no spam checks, never held), marked as a moderator's, named with their
     * display name (a token's label, or the account's name), audited under `actor`. Attaches like a reader's reply when the parent is at the deepest level.
     */
    async reply(actor: string, parentId: string, body: string, displayName: string = actor): Promise<Comment> {
      const answered = await storage.getComment(parentId);
      if (!answered || answered.status === 'deleted') throw new NotFoundError('comment_not_found', 'No such comment.');
      const parent = await attachPoint(answered, deps.maxDepth ?? Number.POSITIVE_INFINITY, (up) => storage.getComment(up));
      const now = clock();
      const id = newId();
      const comment: Comment = {
        id,
        threadKey: answered.threadKey,
        ...placement(id, parent, answered.id),
        status: 'approved',
        author: { name: displayName, email: '', emailKey: '', website: null, avatar: avatarKey(`${actor}@moderators.invalid`, secret, 'identicon'), moderator: true },
        body,
        html: renderBody(body),
        createdAt: now,
        editedAt: null,
        editTokenHash: null,
        context: { ip: null, userAgent: null, referrer: null },
        spamCheck: 'none',
        spamReasons: [],
        recheck: null,
        history: [],
      };
      // The audit entry and the notification are written with the reply (one transaction, or carried by it and repaired after a crash).
      const notify = deps.notifier?.pendingFor(comment, 'created', now) ?? null;
      await storage
        .insertComment(comment, {
          audit: entry({ actor, action: 'reply', commentId: id, threadKey: comment.threadKey, from: null, to: 'approved', reason: `reply to ${parentId}` }),
          ...(notify ? { notify } : {}),
        })
        .finally(() => deps.cache?.invalidate([comment.threadKey]));
      if (notify) await deps.notifier!.complete(comment, notify);
      return comment;
    },

    async lockThread(actor: string, selector: { url?: string | undefined; threadId?: string | undefined }, locked: boolean, reason: string | null): Promise<ThreadRecord> {
      const ref = resolveThread(selector, ANY_ORIGIN);
      const action: AuditAction = locked ? 'lock_thread' : 'unlock_thread';
      return storage
        .setThreadLocked({ key: ref.key, url: ref.url, now: clock() }, locked, {
          audit: entry({ actor, action, commentId: null, threadKey: ref.key, from: null, to: null, reason }),
        })
        .finally(() => deps.cache?.invalidate([ref.key]));
    },

    async listThreads(cursor: string | null, limit: number): Promise<{ threads: (ThreadRecord & { counts: StatusCounts })[]; nextCursor: string | null }> {
      const page = await storage.listThreads({ cursor, limit });
      const counts = await storage.countByThreadStatus(page.threads.map((t) => t.key));
      return {
        threads: page.threads.map((t) => ({ ...t, counts: counts.get(t.key) ?? emptyStatusCounts() })),
        nextCursor: page.nextCursor,
      };
    },

    async ban(
      actor: string,
      input: { email?: string | undefined; ip?: string | undefined; domain?: string | undefined; reason: string | null; expiresAt: Date | null },
    ): Promise<Ban> {
      const given = [input.email, input.ip, input.domain].filter((v) => v !== undefined);
      if (given.length !== 1) throw new ValidationError({ email: 'email_or_ip' }, 'Ban one email, IP (or prefix) or domain.');
      const target = banKey(
        input.email !== undefined ? { email: input.email } : input.ip !== undefined ? { ip: input.ip } : { domain: input.domain! },
        secret,
      );
      const ban: Ban = {
        id: newId(),
        ...target,
        reason: input.reason,
        createdAt: clock(),
        expiresAt: input.expiresAt,
        actor,
      };
      if (ban.expiresAt && ban.expiresAt.getTime() <= ban.createdAt.getTime()) {
        throw new ValidationError({ expiresAt: 'invalid' }, 'expiresAt must be in the future.');
      }
      await storage.insertBan(ban, { audit: entry({ actor, action: 'ban', commentId: null, threadKey: null, from: null, to: null, reason: input.reason }) });
      return ban;
    },

    listBans: () => storage.listBans(),

    async unban(actor: string, id: string): Promise<void> {
      const audit = entry({ actor, action: 'unban', commentId: null, threadKey: null, from: null, to: null, reason: null });
      if (!(await storage.deleteBan(id, { audit }))) throw new NotFoundError('not_found', 'No such ban.');
    },

    audit: (query: { commentId?: string | undefined; cursor: PageCursor | null; limit: number }) => storage.listAudit(query),

    async exportAuthor(actor: string, email: string): Promise<{ comments: Comment[]; subscriber: Subscriber | null; subscriptions: Subscription[] }> {
      const emailKey = emailKeyOf(email, secret);
      const [comments, subscriber, subscriptions] = await Promise.all([storage.listByAuthor(emailKey), storage.findSubscriber(emailKey), storage.listSubscriptionsOf(emailKey)]);
      // The audit entry names no email: the log must not become a register of who asked about whom.
      await audit({ actor, action: 'export_author', commentId: null, threadKey: null, from: null, to: null, reason: `${comments.length} comments` });
      return { comments, subscriber: subscriber ?? null, subscriptions };
    },

    async eraseAuthor(actor: string, email: string, mode: EraseMode): Promise<number> {
      // Reply subscriptions go first, in either mode: the address is what they are made of.
      await storage.unsubscribe({ emailKey: emailKeyOf(email, secret) });
      // The entry's reason becomes `${mode}: ${erased} comments`; written with the erase, or by the repair pass after it.
      const erased = await storage
        .eraseAuthor({
          emailKey: emailKeyOf(email, secret),
          mode,
          audit: entry({ actor, action: 'erase_author', commentId: null, threadKey: null, from: null, to: null, reason: mode }),
        })
        // A failed erase may have stopped half-way: what it did erase must not stay in the caches.
        .catch(async (err: unknown) => {
          await deps.cache?.invalidateAll();
          throw err;
        });
      if (erased > 0) await deps.cache?.invalidateAll();
      return erased;
    },

    /** Waits for spam feedback still in flight (shutdown, tests). */
    async drain(): Promise<void> {
      await Promise.all([...inFlight]);
    },
  };
}

export type ModerationService = ReturnType<typeof createModerationService>;
