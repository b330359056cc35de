/**
 * The MongoDB side of the comments port (../comments-port.ts): comments and threads. Works on MongoDB and on FerretDB
 * v1: plain finds, inserts, findOneAndUpdate with $set/$push, $setOnInsert upserts, sorts, limits, compound indexes and
 * an aggregate of $match + $group only. No projections on findAndModify, no collation.
 *
 * A comment and its thread's lastCommentAt, a decision, a moderator's reply or a lock and its audit entry, an erase and
 * its entry: one transaction where the server has them, else the crash-safe order of ./mongo-writes.ts, completed by
 * `repair`. Every status move is followed by a recount of its thread's public count (syncCount), so a count read is one
 * find in thread_counts.
 */
import { pendingNotificationKey, refuseEmptyKey } from '../comments-port.js';
import { createHash, randomUUID } from 'node:crypto';
import mongoose, { type ClientSession, type Model } from 'mongoose';
import { emptyStatusCounts, HIDING_STATUSES, PUBLIC_STATUSES, THREAD_READ_STATUSES, type Comment, type CommentStatus } from '../../domain/comment.js';
import { decodeKeyset, encodeKeyset } from '../../domain/cursor.js';
import { escapeRegExp } from '../../domain/text.js';
import { ANONYMOUS_NAME, type AuditEntry, type EraseMode } from '../../domain/moderation.js';
import { ConflictError, StorageUnavailableError, ValidationError } from '../../domain/errors.js';
import type {
  CommentPatch,
  CommentsPort,
  CountRequest,
  DueRecheckQuery,
  DuplicateQuery,
  InsertOptions,
  ListThreadPublicRequest,
  ListThreadRequest,
  PageCursor,
  PendingNotification,
  PendingNotifications,
  SortOrder,
  PublicCommentRow,
  PublicThreadPage,
  QueueQuery,
  StatusCounts,
  ThreadPage,
  ThreadRecord,
  UpdateOptions,
} from '../comments-port.js';
import { MAX_PAGE_LIMIT } from '../comments-port.js';
import { assertCursor, assertStrings, guarded, isDuplicateKey } from './mongo-errors.js';
import { toPendingAudit, type UpsertAudit } from './mongo-moderation.js';
import { inSession, type MongoPart, type MongoWrites, type RepairedThreads } from './mongo-writes.js';
import type { CommentDoc, IntentDoc, MongoModels, NotifyDoc, PendingAuditDoc, ThreadCountDoc, ThreadDoc } from './models.js';

const { trusted } = mongoose;

export function toComment(d: CommentDoc): Comment {
  return {
    id: d._id,
    threadKey: d.threadKey,
    parentId: d.parentId ?? null,
    ...(d.replyTo ? { replyTo: d.replyTo } : {}),
    rootId: d.rootId,
    depth: d.depth,
    status: d.status,
    author: {
      name: d.author.name,
      email: d.author.email,
      emailKey: d.author.emailKey ?? '',
      website: d.author.website ?? null,
      avatar: d.author.avatar,
      ...(d.author.moderator ? { moderator: true } : {}),
      ...(d.author.identity ? { identity: { key: d.author.identity.key, badge: d.author.identity.badge ?? null, avatarUrl: d.author.identity.avatarUrl ?? null } } : {}),
    },
    body: d.body,
    html: d.html,
    createdAt: new Date(d.createdAt),
    editedAt: d.editedAt == null ? null : new Date(d.editedAt),
    editTokenHash: d.editTokenHash ?? null,
    context: {
      ip: d.context?.ip ?? null,
      userAgent: d.context?.userAgent ?? null,
      referrer: d.context?.referrer ?? null,
    },
    spamCheck: d.spamCheck,
    spamReasons: [...(d.spamReasons ?? [])],
    recheck: d.recheck ? { attempts: d.recheck.attempts, nextAt: new Date(d.recheck.nextAt) } : null,
    history: (d.history ?? []).map((h) => ({ body: h.body, editedAt: new Date(h.editedAt), by: h.by })),
  };
}

function toCommentDoc(c: Comment): CommentDoc {
  return {
    _id: c.id,
    threadKey: c.threadKey,
    parentId: c.parentId,
    ...(c.replyTo ? { replyTo: c.replyTo } : {}),
    rootId: c.rootId,
    depth: c.depth,
    status: c.status,
    author: {
      name: c.author.name,
      email: c.author.email,
      emailKey: c.author.emailKey,
      website: c.author.website,
      avatar: c.author.avatar,
      ...(c.author.moderator ? { moderator: true } : {}),
      ...(c.author.identity ? { identity: { ...c.author.identity } } : {}),
    },
    body: c.body,
    html: c.html,
    createdAt: c.createdAt,
    editedAt: c.editedAt,
    editTokenHash: c.editTokenHash,
    context: { ip: c.context.ip, userAgent: c.context.userAgent, referrer: c.context.referrer },
    spamCheck: c.spamCheck,
    spamReasons: [...c.spamReasons],
    recheck: c.recheck ? { attempts: c.recheck.attempts, nextAt: c.recheck.nextAt } : null,
    history: c.history.map((h) => ({ body: h.body, editedAt: h.editedAt, by: h.by })),
  };
}

const toNotifyDoc = (p: PendingNotification): NotifyDoc => ({ event: p.event, status: p.status, at: p.at, ...(p.subscribe ? { subscribe: { lang: p.subscribe.lang } } : {}) });
const fromNotifyDoc = (d: NotifyDoc): PendingNotification => ({
  event: d.event,
  status: d.status,
  at: new Date(d.at),
  ...(d.subscribe ? { subscribe: { lang: d.subscribe.lang ?? null } } : {}),
});

/** A clear that keeps losing to concurrent writes of the same comment's list gives up, leaving entries for the sweep (a replay stores nothing twice). */
const MAX_CLEAR_ROUNDS = 10;

/** The fields a public page reads: no email, IP, user agent, token hash or history leaves the database. */
const PUBLIC_PROJECTION = {
  _id: 1,
  parentId: 1,
  rootId: 1,
  status: 1,
  'author.name': 1,
  'author.website': 1,
  'author.avatar': 1,
  'author.moderator': 1,
  'author.identity.badge': 1,
  'author.identity.avatarUrl': 1,
  html: 1,
  createdAt: 1,
  editedAt: 1,
} as const;

interface PublicDoc {
  _id: string;
  parentId?: string | null;
  rootId: string;
  status: CommentStatus;
  author: { name: string; website?: string | null; avatar: string; moderator?: boolean; identity?: { badge?: string | null; avatarUrl?: string | null } };
  html: string;
  createdAt: Date;
  editedAt?: Date | null;
}

function toPublicRow(d: PublicDoc): PublicCommentRow {
  return {
    id: d._id,
    parentId: d.parentId ?? null,
    rootId: d.rootId,
    status: d.status,
    authorName: d.author.name,
    website: d.author.website ?? null,
    avatar: d.author.avatar,
    ...(d.author.moderator ? { moderator: true } : {}),
    ...(d.author.identity?.badge ? { badge: d.author.identity.badge } : {}),
    ...(d.author.identity?.avatarUrl ? { avatarUrl: d.author.identity.avatarUrl } : {}),
    html: d.html,
    createdAt: new Date(d.createdAt),
    editedAt: d.editedAt == null ? null : new Date(d.editedAt),
  };
}

export function toThread(d: ThreadDoc): ThreadRecord {
  const last = d.lastCommentAt ? new Date(d.lastCommentAt) : null;
  return {
    key: d._id,
    url: d.url ?? null,
    createdAt: new Date(d.createdAt),
    locked: d.locked === true,
    lastCommentAt: last && last.getTime() > 0 ? last : null,
  };
}

/** The key the duplicate rule compares (thread, keyed email, exact body), hashed to stay small in the index. */
function dedupeKeyOf(threadKey: string, emailKey: string, body: string): string {
  return `d:${createHash('sha256').update(JSON.stringify([threadKey, emailKey, body])).digest('hex')}`;
}

/**
 * Gives every comment stored before dedupe keys existed a unique placeholder, so the unique index can be built.
 * Idempotent: only documents without a key are touched. Their duplicates are still found by insertComment's read.
 */
export async function fillDedupeKeys(comments: Model<CommentDoc>): Promise<number> {
  let filled = 0;
  let batch: Parameters<Model<CommentDoc>['bulkWrite']>[0] = [];
  const flush = async () => {
    if (batch.length > 0) await comments.bulkWrite(batch, { ordered: false });
    filled += batch.length;
    batch = [];
  };
  for await (const d of comments.find({ dedupeKey: null }, { _id: 1 }).lean<{ _id: string }>().cursor()) {
    batch.push({ updateOne: { filter: { _id: d._id, dedupeKey: null }, update: { $set: { dedupeKey: `legacy:${d._id}` } } } });
    if (batch.length >= 500) await flush();
  }
  await flush();
  return filled;
}

/** The thread_counts document that says every thread stored before counts were kept has been counted. */
const COUNTS_BACKFILLED = 'parley:counts-backfilled';

/** A recount that keeps losing to others' writes gives up after this many rounds, leaving its marker to the repair pass. */
const MAX_COUNT_ROUNDS = 100;

export interface MongoCommentsDeps {
  models: MongoModels;
  writes: MongoWrites;
  upsertAudit: UpsertAudit;
}

export interface MongoComments extends MongoPart<CommentsPort> {
  /** Makes the stored public count of a thread equal to a recount from its comments (see syncCount below). */
  syncCount(threadKey: string): Promise<void>;
}

export function mongoComments({ models, writes, upsertAudit }: MongoCommentsDeps): MongoComments {
  const { comments, threads, intents, threadCounts } = models;
  const { atomic, step, transactions } = writes;

  async function touchThread(threadKey: string, at: Date, session: ClientSession | null): Promise<void> {
    await threads.updateOne({ _id: threadKey, lastCommentAt: trusted({ $lt: at }) }, { $set: { lastCommentAt: at } }, inSession(session));
  }

  /**
   * Makes the stored count of a thread equal to a recount from its comments: recount and read the stored value; if they
   * differ, write the recount and check again. Correct with concurrent moves on any server where single writes are
   * atomic and reads see committed writes, even when an update is a read-modify-write of the whole document (FerretDB
   * v1, where $inc was seen to lose increments): every status move is followed by a syncCount that starts after it;
   * only syncCount writes thread_counts; a syncCount ends only on a check that found the stored value equal to a recount
   * made after its own last write. So once moves stop, the last write to a count was checked by a recount that saw
   * every move, or was followed by one that corrected it. A stale write can still land after another syncCount's
   * check, but its own syncCount then checks again. No ticket or $inc: nothing relies on an update being atomic.
   */
  async function syncCountNow(threadKey: string): Promise<void> {
    for (let round = 0; round < MAX_COUNT_ROUNDS; round += 1) {
      const [n, stored] = await Promise.all([recountVisible(threadKey), threadCounts.findOne({ _id: threadKey }, { n: 1 }).lean<ThreadCountDoc>()]);
      if (stored ? stored.n === n : n === 0) return;
      try {
        await threadCounts.updateOne({ _id: threadKey }, { $set: { n } }, { upsert: true });
      } catch (err) {
        // Two first counts of a thread at once: one inserted, the next round compares with it.
        if (!isDuplicateKey(err)) throw err;
      }
      step('count-written');
    }
    throw new StorageUnavailableError('The thread count kept changing while it was recounted.');
  }

  // Per thread, in this process: the run under way, and the next one, which every caller arriving meanwhile joins.
  const countRuns = new Map<string, Promise<void>>();
  const nextCountRuns = new Map<string, Promise<void>>();

  /**
   * syncCountNow, coalesced per thread within this process: a caller joins a run that has not started yet (it starts
   * after the caller's move, which is all the argument above needs), so fifty posts at once cost two or three recounts,
   * not fifty racing ones.
   */
  function syncCount(threadKey: string): Promise<void> {
    const waiting = nextCountRuns.get(threadKey);
    if (waiting) return waiting;
    const before = countRuns.get(threadKey) ?? Promise.resolve();
    const next = before
      .catch(() => undefined)
      .then(() => {
        nextCountRuns.delete(threadKey);
        const run = syncCountNow(threadKey);
        countRuns.set(threadKey, run);
        return run.finally(() => {
          if (countRuns.get(threadKey) === run) countRuns.delete(threadKey);
        });
      });
    nextCountRuns.set(threadKey, next);
    return next;
  }

  /**
   * What follows a change that marked its comment: the carried audit entry, the thread's recount (after a status move
   * or an insert), then the markers go. Each step is idempotent, so the repair pass runs the same.
   */
  async function settleComment(commentId: string, threadKey: string, work: { audit: PendingAuditDoc | null; recount: boolean }): Promise<void> {
    if (work.audit) {
      await upsertAudit(work.audit);
      step('audit-written');
    }
    if (work.recount) await syncCount(threadKey);
    // Only the markers this change set: a later change's pendingAudit stays for its own settle.
    await comments.updateOne(
      work.audit ? { _id: commentId, 'pendingAudit.id': work.audit.id } : { _id: commentId },
      { $unset: work.audit ? { pendingAudit: 1, threadPending: 1 } : { threadPending: 1 } },
    );
  }

  async function ensureThread(thread: { key: string; url: string | null; now: Date }): Promise<ThreadRecord> {
    return guarded(async () => {
      let doc: ThreadDoc | null = null;
      try {
        doc = await threads
          .findOneAndUpdate(
            { _id: thread.key },
            { $setOnInsert: { url: thread.url, createdAt: thread.now, locked: false, lastCommentAt: new Date(0) } },
            { upsert: true, returnDocument: 'after' },
          )
          .lean<ThreadDoc>();
      } catch (err) {
        // Two concurrent upserts of a new key: one inserts, the other hits the unique _id; the row exists now.
        if (!isDuplicateKey(err)) throw err;
      }
      doc ??= await threads.findOne({ _id: thread.key }).lean<ThreadDoc>();
      if (!doc) throw new StorageUnavailableError('The thread could not be created.');
      if (doc.url == null && thread.url !== null) {
        // A thread known only by id gains its first url. No pipeline update on FerretDB v1 (no $ifNull), so a
        // second, conditional write: whoever sets it first wins, the others read the winner's url.
        doc =
          (await threads
            .findOneAndUpdate({ _id: thread.key, url: null }, { $set: { url: thread.url } }, { returnDocument: 'after' })
            .lean<ThreadDoc>()) ?? (await threads.findOne({ _id: thread.key }).lean<ThreadDoc>());
        if (!doc) throw new StorageUnavailableError('The thread could not be read back.');
      }
      return toThread(doc);
    });
  }

  async function getThread(key: string): Promise<ThreadRecord | undefined> {
    return guarded(async () => {
      const doc = await threads.findOne({ _id: key }).lean<ThreadDoc>();
      return doc ? toThread(doc) : undefined;
    });
  }

  /**
   * Inserts with this dedupe key; on a unique-index refusal, says which: its own id (a retried insert) or the key.
   * The comment, its thread's lastCommentAt and its audit entry (a moderator's reply) are one transaction where the
   * server has them; without, the comment carries the entry and threadPending until both are done.
   */
  async function insertOnce(comment: Comment, dedupeKey: string, audit: PendingAuditDoc | null, notify: PendingNotification | undefined): Promise<'ok' | 'id' | 'dedupe'> {
    try {
      await atomic(async (session) => {
        const carried = audit && !session ? { pendingAudit: audit } : {};
        // The pending notification is part of the inserted document: one write, with or without transactions.
        const marked = notify ? { notify: [toNotifyDoc(notify)], notifyPending: true } : {};
        await comments.create([{ ...toCommentDoc(comment), dedupeKey, threadPending: true, ...carried, ...marked }], inSession(session));
        step('comment-inserted');
        await touchThread(comment.threadKey, comment.createdAt, session);
        if (audit && session) await upsertAudit(audit, session);
        if (!session) step('thread-touched');
      });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // FerretDB's E11000 names neither index nor key (real MongoDB has keyPattern): ask the data.
      const pattern = (err as { keyPattern?: Record<string, unknown> }).keyPattern;
      if (pattern) return 'dedupeKey' in pattern ? 'dedupe' : 'id';
      return (await comments.exists({ _id: comment.id })) ? 'id' : 'dedupe';
    }
    // A public comment adds to the count. A held one changes it only if its replies came first (an import in any
    // order): one indexed look for them instead of a recount, since most held comments are new posts.
    const recount =
      PUBLIC_STATUSES.includes(comment.status) || (await comments.exists({ rootId: comment.rootId, parentId: comment.id })) !== null;
    await settleComment(comment.id, comment.threadKey, { audit: transactions ? null : audit, recount });
    return 'ok';
  }

  /**
   * Inserts under the duplicate rule. The read finds what the key cannot (comments stored before keys, or edited
   * since); the unique key closes the race between concurrent identical posts. The key is held by the latest comment
   * inserted under the rule; a holder that no longer counts (outside the window, or edited) is moved aside, then one
   * more try.
   */
  async function insertUnique(comment: Comment, since: Date, audit: PendingAuditDoc | null, notify: PendingNotification | undefined): Promise<void> {
    const duplicate = () => new ConflictError('duplicate_comment', 'You already posted this comment here.');
    if (await findDuplicate({ threadKey: comment.threadKey, emailKey: comment.author.emailKey, body: comment.body, since })) throw duplicate();
    const key = dedupeKeyOf(comment.threadKey, comment.author.emailKey, comment.body);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const outcome = await insertOnce(comment, key, audit, notify);
      if (outcome === 'ok') return;
      if (outcome === 'id') throw new ConflictError('conflict', `A comment with id ${comment.id} already exists.`);
      const holder = await comments.findOne({ dedupeKey: key }).lean<CommentDoc>();
      if (!holder) continue; // moved aside meanwhile
      const same = holder.threadKey === comment.threadKey && holder.author.emailKey === comment.author.emailKey && holder.body === comment.body;
      if (same && new Date(holder.createdAt).getTime() >= since.getTime()) throw duplicate();
      await comments.updateOne({ _id: holder._id, dedupeKey: key }, { $set: { dedupeKey: `expired:${holder._id}` } });
    }
    // Still contended after moving holders aside: identical posts are racing this one.
    throw duplicate();
  }

  async function insertComment(comment: Comment, options: InsertOptions = {}): Promise<void> {
    return guarded(async () => {
      const since = options.duplicateSince;
      const audit = options.audit ? toPendingAudit(options.audit) : null;
      if (since === undefined) {
        // Outside the rule (imports, moderators' replies, tests): a key of its own, so it neither blocks nor is blocked.
        if ((await insertOnce(comment, `none:${comment.id}`, audit, options.notify)) !== 'ok') {
          throw new ConflictError('conflict', `A comment with id ${comment.id} already exists.`);
        }
      } else {
        await insertUnique(comment, since, audit, options.notify);
      }
    });
  }

  /**
   * Removes the done entries by a compare-and-set on the whole list (no $pull by condition on FerretDB v1): an entry a
   * concurrent write appended meanwhile makes the set miss, and the next round reads it. The last entry takes the
   * sweep's marker with it.
   */
  async function clearNotifications(commentId: string, done: readonly PendingNotification[]): Promise<void> {
    return guarded(async () => {
      const gone = new Set(done.map(pendingNotificationKey));
      for (let round = 0; round < MAX_CLEAR_ROUNDS; round += 1) {
        const doc = await comments.findOne({ _id: commentId }, { notify: 1 }).lean<Pick<CommentDoc, 'notify'>>();
        const current = doc?.notify ?? [];
        const remaining = current.filter((d) => !gone.has(pendingNotificationKey(fromNotifyDoc(d))));
        if (remaining.length === current.length) return;
        const update = remaining.length > 0 ? { $set: { notify: remaining } } : { $unset: { notify: 1, notifyPending: 1 } };
        const result = await comments.collection.updateOne({ _id: commentId, notify: current } as Record<string, unknown>, update);
        if (result.matchedCount > 0) return;
      }
    });
  }

  async function listPendingNotifications(query: { before: Date; limit: number }): Promise<PendingNotifications[]> {
    return guarded(async () => {
      // Equality on the marker (an index FerretDB uses too); marked comments are the few in flight or left by a crash.
      const docs = await comments.find({ notifyPending: true }).lean<CommentDoc[]>();
      const found: PendingNotifications[] = [];
      for (const d of docs) {
        const pending = (d.notify ?? [])
          .map(fromNotifyDoc)
          .filter((p) => p.at.getTime() <= query.before.getTime())
          .sort((a, b) => a.at.getTime() - b.at.getTime());
        if (pending.length > 0) found.push({ comment: toComment(d), pending });
        if (found.length >= query.limit) break;
      }
      return found;
    });
  }

  async function getComment(id: string): Promise<Comment | undefined> {
    return guarded(async () => {
      const doc = await comments.findOne({ _id: id }).lean<CommentDoc>();
      return doc ? toComment(doc) : undefined;
    });
  }

  async function updateComment(id: string, patch: CommentPatch, options?: UpdateOptions): Promise<Comment | undefined> {
    return guarded(async () => {
      const filter = { _id: id, ...(options?.ifStatus !== undefined ? { status: options.ifStatus } : {}) };
      const $set: Record<string, unknown> = {};
      if (patch.status !== undefined) $set.status = patch.status;
      if (patch.body !== undefined) $set.body = patch.body;
      if (patch.html !== undefined) $set.html = patch.html;
      if (patch.editedAt !== undefined) $set.editedAt = patch.editedAt;
      if (patch.spamCheck !== undefined) $set.spamCheck = patch.spamCheck;
      if (patch.spamReasons !== undefined) $set.spamReasons = [...patch.spamReasons];
      if (patch.recheck !== undefined) {
        $set.recheck = patch.recheck ? { attempts: patch.recheck.attempts, nextAt: patch.recheck.nextAt } : null;
      }
      if (patch.context !== undefined) {
        const { ip, userAgent, referrer } = patch.context;
        $set.context = { ip, userAgent, referrer };
      }
      const update: Record<string, unknown> = {};
      const push: Record<string, unknown> = {};
      if (patch.appendHistory !== undefined) {
        const { body, editedAt, by } = patch.appendHistory;
        push.history = { body, editedAt, by };
      }
      const entry = options?.audit ? toPendingAudit(options.audit) : null;
      // Without transactions the change carries its audit entry: a crash before the entry is written leaves it here.
      if (entry && !transactions) $set.pendingAudit = entry;
      // A status move marks the comment until its thread is recounted (after the write, on every server).
      const moves = patch.status !== undefined;
      if (moves) $set.threadPending = true;
      // The pending notification goes in with the change (the same document write).
      if (options?.notify) {
        push.notify = toNotifyDoc(options.notify);
        $set.notifyPending = true;
      }
      if (Object.keys($set).length > 0) update.$set = $set;
      if (Object.keys(push).length > 0) update.$push = push;
      const apply = async (session: ClientSession | null): Promise<CommentDoc | null> => {
        // An empty patch is a compare-and-read; an empty update document is refused by some servers.
        const doc =
          Object.keys(update).length === 0
            ? await comments.findOne(filter, null, inSession(session)).lean<CommentDoc>()
            : await comments
                .findOneAndUpdate(filter, update, { returnDocument: 'after', runValidators: true, ...inSession(session) })
                .lean<CommentDoc>();
        if (doc && entry && session) await upsertAudit(entry, session);
        return doc;
      };
      const doc = entry ? await atomic(apply) : await apply(null);
      if (doc && (moves || (entry && !transactions))) {
        step('decision-applied');
        await settleComment(id, doc.threadKey, { audit: transactions ? null : entry, recount: moves });
      }
      return doc ? toComment(doc) : undefined;
    });
  }

  /**
   * One page of a thread in two indexed finds: the page of roots (keyset by createdAt, _id), then every reply of those
   * roots, both with a status among `statuses`; `projection` (null: whole documents) picks the columns.
   */
  async function threadPageDocs<D extends { _id: string; createdAt: Date }>(
    request: { threadKey: string; sort: SortOrder; cursor: PageCursor | null; limit: number },
    statuses: readonly CommentStatus[],
    projection: typeof PUBLIC_PROJECTION | null,
  ): Promise<{ roots: D[]; replies: D[]; nextCursor: PageCursor | null }> {
    const { threadKey, sort, cursor, limit } = request;
    const dir = sort === 'oldest' ? 1 : -1;
    const after = sort === 'oldest' ? '$gt' : '$lt';
    // Our own operators are marked trusted; sanitizeFilter wraps anything else carrying a `$` key in $eq.
    const status = trusted({ $in: [...statuses] });
    const rootFilter: Record<string, unknown> = { threadKey, depth: 0, status };
    if (cursor) {
      // The inclusive bound lets the index scan start at the cursor; the $or then drops the ties already served.
      rootFilter.createdAt = trusted({ [sort === 'oldest' ? '$gte' : '$lte']: cursor.createdAt });
      rootFilter.$or = [
        { createdAt: trusted({ [after]: cursor.createdAt }) },
        { createdAt: cursor.createdAt, _id: trusted({ [after]: cursor.id }) },
      ];
    }
    const found = await comments
      .find(rootFilter, projection)
      .sort({ createdAt: dir, _id: dir })
      .limit(limit + 1)
      .lean<D[]>();
    const roots = found.slice(0, limit);
    const last = roots[roots.length - 1];
    const nextCursor = found.length > limit && last ? { createdAt: new Date(last.createdAt), id: last._id } : null;
    if (roots.length === 0) return { roots: [], replies: [], nextCursor: null };
    const replies = await comments
      .find({ rootId: trusted({ $in: roots.map((r) => r._id) }), depth: trusted({ $gte: 1 }), status }, projection)
      .sort({ createdAt: 1, _id: 1 })
      .lean<D[]>();
    return { roots, replies, nextCursor };
  }

  function assertPageRequest(request: { sort: SortOrder; cursor: PageCursor | null; limit: number }): void {
    const { sort, cursor, limit } = request;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new ValidationError({ limit: 'invalid' });
    }
    if (sort !== 'oldest' && sort !== 'newest') throw new ValidationError({ sort: 'invalid' });
    if (cursor) assertCursor(cursor);
  }

  async function listThread(request: ListThreadRequest): Promise<ThreadPage> {
    return guarded(async () => {
      assertPageRequest(request);
      assertStrings(request.statuses, 'statuses');
      if (request.statuses.length === 0) return { roots: [], replies: [], nextCursor: null };
      const page = await threadPageDocs<CommentDoc>(request, request.statuses, null);
      return { roots: page.roots.map(toComment), replies: page.replies.map(toComment), nextCursor: page.nextCursor };
    });
  }

  async function listThreadPublic(request: ListThreadPublicRequest): Promise<PublicThreadPage> {
    return guarded(async () => {
      assertPageRequest(request);
      const page = await threadPageDocs<PublicDoc>(request, THREAD_READ_STATUSES, PUBLIC_PROJECTION);
      return { roots: page.roots.map(toPublicRow), replies: page.replies.map(toPublicRow), nextCursor: page.nextCursor };
    });
  }

  /** The stored public counts (kept by syncCount): one find by _id. A thread never counted has none: 0. */
  async function countVisible(threadKeys: readonly string[]): Promise<Map<string, number>> {
    return guarded(async () => {
      assertStrings(threadKeys, 'threadKeys');
      const counts = new Map<string, number>(threadKeys.map((k) => [k, 0]));
      if (threadKeys.length === 0) return counts;
      const keys = [...new Set(threadKeys)];
      // One thread (a thread read) by equality, which FerretDB also finds through an index; several by $in.
      const rows =
        keys.length === 1
          ? await threadCounts.find({ _id: keys[0] }, { n: 1 }).lean<ThreadCountDoc[]>()
          : await threadCounts.find({ _id: trusted({ $in: keys }) }, { n: 1 }).lean<ThreadCountDoc[]>();
      for (const row of rows) if (counts.has(row._id)) counts.set(row._id, Number(row.n));
      return counts;
    });
  }

  /**
   * Approved comments of a thread minus those below a hidden one, counted from the comments. No $lookup on FerretDB,
   * so: the approved count and the hidden comments (in parallel), then, only when something is hidden, the thread's
   * replies, walked up in memory. Equality on threadKey everywhere: FerretDB v1 pushes equality down to its backend
   * (an index), but scans the whole collection for an $in.
   */
  async function recountVisible(threadKey: string): Promise<number> {
    const [approved, hidden] = await Promise.all([
      comments.countDocuments({ threadKey, status: trusted({ $in: [...PUBLIC_STATUSES] }) }),
      comments.find({ threadKey, status: trusted({ $in: [...HIDING_STATUSES] }) }, { _id: 1 }).lean<{ _id: string }[]>(),
    ]);
    if (hidden.length === 0) return approved;
    const hiddenIds = new Set(hidden.map((h) => h._id));
    const replies = await comments
      .find({ threadKey, depth: trusted({ $gte: 1 }) }, { _id: 1, parentId: 1, status: 1 })
      .lean<{ _id: string; parentId: string | null; status: CommentStatus }[]>();
    const parentOf = new Map(replies.map((r) => [r._id, r.parentId]));
    const underHidden = new Map<string, boolean>();
    const isUnderHidden = (id: string): boolean => {
      const known = underHidden.get(id);
      if (known !== undefined) return known;
      const parent = parentOf.get(id);
      // A root's parent is null; a parent outside the loaded replies is a root, hidden or not.
      const result = parent == null ? false : hiddenIds.has(parent) || isUnderHidden(parent);
      underHidden.set(id, result);
      return result;
    };
    return approved - replies.filter((r) => PUBLIC_STATUSES.includes(r.status) && isUnderHidden(r._id)).length;
  }

  async function countByThreads(request: CountRequest): Promise<Map<string, number>> {
    return guarded(async () => {
      const { threadKeys, statuses } = request;
      assertStrings(threadKeys, 'threadKeys');
      assertStrings(statuses, 'statuses');
      const counts = new Map<string, number>(threadKeys.map((k) => [k, 0]));
      if (threadKeys.length === 0 || statuses.length === 0) return counts;

      const rows = await comments.aggregate<{ _id: string; n: number }>([
        { $match: { threadKey: { $in: [...new Set(threadKeys)] }, status: { $in: [...statuses] } } },
        { $group: { _id: '$threadKey', n: { $sum: 1 } } },
      ]);
      for (const row of rows) {
        // Only keys that were asked for: the $match is exact, but never trust the round trip blindly.
        if (counts.has(row._id)) counts.set(row._id, Number(row.n));
      }
      return counts;
    });
  }

  async function getComments(ids: readonly string[]): Promise<Comment[]> {
    return guarded(async () => {
      assertStrings(ids, 'ids');
      if (ids.length === 0) return [];
      const docs = await comments.find({ _id: trusted({ $in: [...ids] }) }).lean<CommentDoc[]>();
      return docs.map(toComment);
    });
  }

  async function hasApprovedComment(emailKey: string): Promise<boolean> {
    if (emailKey === '') return false;
    return guarded(async () => (await comments.findOne({ 'author.emailKey': emailKey, status: 'approved' }, { _id: 1 }).lean()) !== null);
  }

  async function findDuplicate(query: DuplicateQuery): Promise<boolean> {
    const doc = await comments
      .findOne(
        { 'author.emailKey': query.emailKey, threadKey: query.threadKey, createdAt: trusted({ $gte: query.since }), body: query.body },
        { _id: 1 },
      )
      .lean();
    return doc !== null;
  }

  async function hasRecentDuplicate(query: DuplicateQuery): Promise<boolean> {
    return guarded(() => findDuplicate(query));
  }

  async function listDueRechecks(query: DueRecheckQuery): Promise<Comment[]> {
    return guarded(async () => {
      const docs = await comments
        .find({ spamCheck: 'unchecked', 'recheck.nextAt': trusted({ $lte: query.now }), status: 'pending' })
        .sort({ 'recheck.nextAt': 1, _id: 1 })
        .limit(query.limit)
        .lean<CommentDoc[]>();
      return docs.map(toComment);
    });
  }

  async function countUnchecked(): Promise<number> {
    return guarded(async () => comments.countDocuments({ spamCheck: 'unchecked', status: 'pending' }));
  }

  async function eraseContextBefore(before: Date): Promise<number> {
    return guarded(async () => {
      const result = await comments.updateMany(
        {
          createdAt: trusted({ $lt: before }),
          $or: [{ 'context.ip': trusted({ $ne: null }) }, { 'context.userAgent': trusted({ $ne: null }) }, { 'context.referrer': trusted({ $ne: null }) }],
        },
        { $set: { context: { ip: null, userAgent: null, referrer: null } } },
      );
      return result.modifiedCount;
    });
  }

  async function listQueue(query: QueueQuery) {
    return guarded(async () => {
      const { statuses, threadKey, search, cursor, limit } = query;
      assertStrings(statuses, 'statuses');
      if (statuses.length === 0) return { comments: [], nextCursor: null };
      const filter: Record<string, unknown> = { status: trusted({ $in: [...statuses] }) };
      if (threadKey !== undefined) filter.threadKey = threadKey;
      const and: Record<string, unknown>[] = [];
      if (search) {
        const re = trusted({ $regex: escapeRegExp(search), $options: 'i' });
        and.push({ $or: [{ body: re }, { 'author.name': re }, { 'author.email': re }] });
      }
      if (cursor) {
        assertCursor(cursor);
        filter.createdAt = trusted({ $lte: cursor.createdAt });
        and.push({ $or: [{ createdAt: trusted({ $lt: cursor.createdAt }) }, { createdAt: cursor.createdAt, _id: trusted({ $lt: cursor.id }) }] });
      }
      if (and.length > 0) filter.$and = and;
      const docs = await comments.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).lean<CommentDoc[]>();
      const page = docs.slice(0, limit);
      const last = page[page.length - 1];
      return {
        comments: page.map(toComment),
        nextCursor: docs.length > limit && last ? { createdAt: new Date(last.createdAt), id: last._id } : null,
      };
    });
  }

  async function countByStatus(query: { threadKey?: string | undefined }): Promise<StatusCounts> {
    return guarded(async () => {
      if (query.threadKey !== undefined) assertStrings([query.threadKey], 'threadKey');
      const match = query.threadKey !== undefined ? [{ $match: { threadKey: query.threadKey } }] : [];
      const rows = await comments.aggregate<{ _id: string; n: number }>([...match, { $group: { _id: '$status', n: { $sum: 1 } } }]);
      const counts = emptyStatusCounts();
      for (const r of rows) if (r._id in counts) counts[r._id as keyof StatusCounts] = Number(r.n);
      return counts;
    });
  }

  async function countByThreadStatus(threadKeys: readonly string[]): Promise<Map<string, StatusCounts>> {
    return guarded(async () => {
      assertStrings(threadKeys, 'threadKeys');
      const result = new Map<string, StatusCounts>(threadKeys.map((k) => [k, emptyStatusCounts()]));
      if (threadKeys.length === 0) return result;
      const rows = await comments.aggregate<{ _id: { k: string; s: string }; n: number }>([
        { $match: { threadKey: { $in: [...new Set(threadKeys)] } } },
        { $group: { _id: { k: '$threadKey', s: '$status' }, n: { $sum: 1 } } },
      ]);
      for (const r of rows) {
        const counts = result.get(r._id.k);
        if (counts && r._id.s in counts) counts[r._id.s as keyof StatusCounts] = Number(r.n);
      }
      return result;
    });
  }

  async function settleThreadAudit(key: string, e: PendingAuditDoc): Promise<void> {
    await upsertAudit(e);
    step('audit-written');
    await threads.updateOne({ _id: key, 'pendingAudit.id': e.id }, { $unset: { pendingAudit: 1 } });
  }

  async function setThreadLocked(thread: { key: string; url: string | null; now: Date }, locked: boolean, options: { audit?: AuditEntry } = {}): Promise<ThreadRecord> {
    return guarded(async () => {
      await ensureThread(thread);
      const entry = options.audit ? toPendingAudit(options.audit) : null;
      const doc = await atomic(async (session) => {
        const $set = entry && !session ? { locked, pendingAudit: entry } : { locked };
        const updated = await threads.findOneAndUpdate({ _id: thread.key }, { $set }, { returnDocument: 'after', ...inSession(session) }).lean<ThreadDoc>();
        if (updated && entry) {
          if (session) await upsertAudit(entry, session);
          else {
            step('decision-applied');
            await settleThreadAudit(thread.key, entry);
          }
        }
        return updated;
      });
      if (!doc) throw new StorageUnavailableError('The thread could not be read back.');
      return toThread(doc);
    });
  }

  async function listThreads(query: { cursor: string | null; limit: number }) {
    return guarded(async () => {
      const filter: Record<string, unknown> = {};
      if (query.cursor) {
        const [ms, key] = decodeKeyset(query.cursor);
        const at = new Date(ms);
        filter.lastCommentAt = trusted({ $lte: at });
        filter.$or = [{ lastCommentAt: trusted({ $lt: at }) }, { lastCommentAt: at, _id: trusted({ $lt: key }) }];
      }
      const docs = await threads.find(filter).sort({ lastCommentAt: -1, _id: -1 }).limit(query.limit + 1).lean<ThreadDoc[]>();
      const page = docs.slice(0, query.limit);
      const last = page[page.length - 1];
      return { threads: page.map(toThread), nextCursor: docs.length > query.limit && last ? encodeKeyset(new Date(last.lastCommentAt ?? 0).getTime(), last._id) : null };
    });
  }

  async function listByAuthor(emailKey: string): Promise<Comment[]> {
    refuseEmptyKey(emailKey);
    return guarded(async () => (await comments.find({ 'author.emailKey': emailKey }).sort({ createdAt: 1, _id: 1 }).lean<CommentDoc[]>()).map(toComment));
  }

  async function listByIdentity(query: { identityKey: string; cursor: PageCursor | null; limit: number }) {
    refuseEmptyKey(query.identityKey);
    return guarded(async () => {
      const { identityKey, cursor, limit } = query;
      assertStrings([identityKey], 'identityKey');
      const filter: Record<string, unknown> = { 'author.identity.key': identityKey, status: trusted({ $ne: 'deleted' }) };
      if (cursor) {
        assertCursor(cursor);
        filter.createdAt = trusted({ $lte: cursor.createdAt });
        filter.$or = [{ createdAt: trusted({ $lt: cursor.createdAt }) }, { createdAt: cursor.createdAt, _id: trusted({ $lt: cursor.id }) }];
      }
      const docs = await comments.find(filter).sort({ createdAt: -1, _id: -1 }).limit(limit + 1).lean<CommentDoc[]>();
      const page = docs.slice(0, limit);
      const last = page[page.length - 1];
      return { comments: page.map(toComment), nextCursor: docs.length > limit && last ? { createdAt: new Date(last.createdAt), id: last._id } : null };
    });
  }

  async function eraseRows(emailKey: string, mode: EraseMode): Promise<number> {
    const common: Record<string, unknown> = {
      'author.email': '',
      'author.emailKey': '',
      'author.avatar': '',
      'author.website': null,
      'author.identity': null,
      context: { ip: null, userAgent: null, referrer: null },
      history: [],
      editTokenHash: null,
    };
    const $set =
      mode === 'delete'
        ? { ...common, 'author.name': '', body: '', html: '', status: 'deleted', recheck: null }
        : { ...common, 'author.name': ANONYMOUS_NAME };
    const result = await comments.updateMany({ 'author.emailKey': emailKey }, { $set });
    return result.modifiedCount;
  }

  async function finishErase(intent: IntentDoc, erased: number): Promise<void> {
    // Deleting changes statuses; anonymizing keeps them, and the counts with them.
    if (intent.mode === 'delete') for (const key of intent.threads ?? []) await syncCount(key);
    if (intent.audit) await upsertAudit({ ...intent.audit, reason: `${intent.audit.reason ?? ''}: ${erased} comments` });
    await intents.deleteOne({ _id: intent._id });
  }

  /** Recorded first, so a crash half-way leaves an intent the repair pass re-runs (the erase is idempotent). */
  async function eraseAuthor(query: { emailKey: string; mode: EraseMode; audit?: AuditEntry }): Promise<number> {
    refuseEmptyKey(query.emailKey);
    return guarded(async () => {
      const { emailKey, mode } = query;
      const expected = await comments.countDocuments({ 'author.emailKey': emailKey });
      const threadKeys = (await comments.distinct('threadKey', { 'author.emailKey': emailKey })) as string[];
      const intent: IntentDoc = {
        _id: query.audit?.id ?? randomUUID(),
        kind: 'erase',
        at: new Date(),
        emailKey,
        mode,
        expected,
        threads: threadKeys,
        audit: query.audit ? toPendingAudit(query.audit) : null,
      };
      await intents.create(intent);
      step('erase-recorded');
      const erased = await eraseRows(emailKey, mode);
      step('erase-applied');
      await finishErase(intent, erased);
      return erased;
    });
  }

  /**
   * Counts every thread stored before counts were kept, once: at the first open after the upgrade (again if that
   * open stopped half-way). Runs while other instances write: syncCount is safe with concurrent moves.
   */
  async function backfillCounts(repaired: RepairedThreads): Promise<number> {
    if (await threadCounts.exists({ _id: COUNTS_BACKFILLED })) return 0;
    const keys = (await comments.distinct('threadKey')) as string[];
    for (const key of keys) await syncCount(key);
    await threadCounts.create({ _id: COUNTS_BACKFILLED, n: 0 }).catch((err: unknown) => {
      if (!isDuplicateKey(err)) throw err;
    });
    for (const key of keys) repaired.keys.add(key);
    return keys.length;
  }

  return {
    port: {
      ensureThread,
      getThread,
      insertComment,
      getComment,
      updateComment,
      listThread,
      listThreadPublic,
      countVisible,
      countByThreads,
      getComments,
      hasApprovedComment,
      hasRecentDuplicate,
      listDueRechecks,
      countUnchecked,
      eraseContextBefore,
      clearNotifications,
      listPendingNotifications,
      listQueue,
      countByStatus,
      countByThreadStatus,
      setThreadLocked,
      listThreads,
      listByAuthor,
      eraseAuthor,
      listByIdentity,
    },
    syncCount,
    async repair(counts, repaired) {
      counts.counted += await backfillCounts(repaired);
      // One pass: what is marked is only what crashes and in-flight writes left, a handful. A marked comment's change
      // may never have reached other instances' read caches either: its thread is invalidated too.
      // Two finds, not an $or: FerretDB finds the equality through an index and would scan for the $or.
      const fields = { _id: 1, threadKey: 1, createdAt: 1, threadPending: 1, pendingAudit: 1 };
      const [pending, auditing] = await Promise.all([
        comments.find({ threadPending: true }, fields).lean<CommentDoc[]>(),
        comments.find({ 'pendingAudit.id': trusted({ $gt: '' }) }, fields).lean<CommentDoc[]>(),
      ]);
      const marked = new Map([...pending, ...auditing].map((d) => [d._id, d]));
      for (const d of marked.values()) {
        if (d.threadPending) {
          await touchThread(d.threadKey, new Date(d.createdAt), null);
          counts.threads += 1;
        }
        if (d.pendingAudit) counts.audits += 1;
        await settleComment(d._id, d.threadKey, { audit: d.pendingAudit ?? null, recount: d.threadPending === true });
        repaired.keys.add(d.threadKey);
      }
      for (const d of await threads.find({ 'pendingAudit.id': trusted({ $gt: '' }) }, { _id: 1, pendingAudit: 1 }).lean<ThreadDoc[]>()) {
        if (!d.pendingAudit) continue;
        await settleThreadAudit(d._id, d.pendingAudit);
        counts.audits += 1;
        repaired.keys.add(d._id);
      }
      for (const intent of await intents.find({}).sort({ at: 1 }).lean<IntentDoc[]>()) {
        // The comments erased before the crash no longer match: the entry counts what was planned.
        const erased = await eraseRows(intent.emailKey, intent.mode);
        await finishErase(intent, Math.max(erased, intent.expected));
        counts.erasures += 1;
        repaired.all = true;
      }
    },
  };
}
