/** The MongoDB side of the transfer port (see ../transfer-port.ts): whole-store reads in key order and exact restores. */
import mongoose, { type mongo } from 'mongoose';
import type { Comment } from '../../domain/comment.js';
import { ConflictError } from '../../domain/errors.js';
import type { AuditEntry, Ban } from '../../domain/moderation.js';
import type { Moderator } from '../../domain/moderator.js';
import type { ThreadRecord } from '../storage.js';
import type { Subscriber, Subscription } from '../subscriptions-port.js';
import { MAX_RESTORE_BATCH, type TransferPort } from '../transfer-port.js';
import type { BanDoc, CommentDoc, MongoModels, ThreadDoc } from './models.js';
import type { ModeratorDoc } from './mongo-moderators.js';
import { toSubscriber, toSubscription, type SubscriberDoc, type SubscriptionDoc } from './mongo-subscriptions.js';

export interface MongoTransferDeps {
  models: MongoModels;
  guarded: <T>(op: () => Promise<T>) => Promise<T>;
  toComment: (doc: CommentDoc) => Comment;
  toThread: (doc: ThreadDoc) => ThreadRecord;
  /** Recounts a thread's public count (mongo-comments.ts). */
  syncCount: (threadKey: string) => Promise<void>;
}

const clamp = (limit: number): number => Math.max(1, Math.min(1000, Math.floor(limit)));

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

/**
 * The stored shape of a comment is the domain shape with its id as _id, plus the two markers insertComment writes:
 * a dedupe key of its own (outside the duplicate rule) and threadPending until the thread's activity time has moved.
 */
const restoredDoc = ({ id, ...rest }: Comment): CommentDoc => ({ _id: id, ...rest, dedupeKey: `none:${id}`, threadPending: true });

/** The positions an unordered insertMany refused as duplicates; anything else is rethrown. */
function duplicatePositions(err: unknown): Set<number> {
  const raw = (err as { writeErrors?: unknown }).writeErrors;
  const writeErrors = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: number; code?: number }[];
  if (writeErrors.length === 0 || writeErrors.some((w) => w.code !== 11000 || typeof w.index !== 'number')) throw err;
  return new Set(writeErrors.map((w) => w.index!));
}

export function mongoTransfer({ models, guarded, toComment, toThread, syncCount }: MongoTransferDeps): TransferPort {
  const { comments, threads, bans, audit, subscribers, subscriptions, moderators } = models;
  // String _id order is byte order of the UTF-8 (simple binary comparison), as on SQLite.
  const afterFilter = (after: string | null) => (after === null ? {} : { _id: mongoose.trusted({ $gt: after }) });

  /** Inserts unless the id exists; true when inserted. */
  const insertNew = async (create: () => Promise<unknown>): Promise<boolean> => {
    try {
      await create();
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };

  return {
    async listAllThreads({ after, limit }) {
      return guarded(async () => (await threads.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<ThreadDoc[]>()).map(toThread));
    },
    async listAllComments({ after, limit }) {
      return guarded(async () => (await comments.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<CommentDoc[]>()).map(toComment));
    },
    async restoreThread(t: ThreadRecord) {
      return guarded(() =>
        insertNew(() =>
          threads.create({ _id: t.key, url: t.url, createdAt: t.createdAt, locked: t.locked, lastCommentAt: t.lastCommentAt ?? new Date(0) }),
        ),
      );
    },
    async restoreBan(b: Ban) {
      return guarded(() =>
        insertNew(() =>
          bans.create({ _id: b.id, kind: b.kind, hash: b.hash, prefix: b.prefix, reason: b.reason, createdAt: b.createdAt, expiresAt: b.expiresAt, actor: b.actor }),
        ),
      );
    },
    async listAllSubscribers({ after, limit }) {
      return guarded(async () => (await subscribers.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<SubscriberDoc[]>()).map(toSubscriber));
    },
    async listAllSubscriptions({ after, limit }) {
      return guarded(async () => (await subscriptions.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<SubscriptionDoc[]>()).map(toSubscription));
    },
    // A duplicate of the id or of the unique address (and comment) means the address is followed already.
    async restoreSubscriber({ id, ...fields }: Subscriber) {
      return guarded(() => insertNew(() => subscribers.create({ _id: id, ...fields })));
    },
    async restoreSubscription({ id, ...fields }: Subscription) {
      return guarded(() => insertNew(() => subscriptions.create({ _id: id, ...fields })));
    },
    async restoreModerator({ id, ...fields }: Moderator) {
      return guarded(async () => {
        if (await moderators.exists({ _id: id })) return false;
        // The id is new, so a duplicate key is the email of another account.
        if (await insertNew(() => moderators.create({ _id: id, ...fields } satisfies ModeratorDoc))) return true;
        throw new ConflictError('conflict', 'Another moderator account has this email.');
      });
    },
    async restoreAudit({ id, ...fields }: AuditEntry) {
      return guarded(async () => (await audit.updateOne({ _id: id }, { $setOnInsert: fields }, { upsert: true })).upsertedCount > 0);
    },
    // One unordered insertMany (a stored id is refused alone, the rest go in), then each thread's activity time and public
    // count, then the markers: a crash in between leaves threadPending, which the repair pass at open finishes like
    // insertComment's.
    async restoreComments(batch) {
      if (batch.length > MAX_RESTORE_BATCH) throw new RangeError(`restoreComments takes at most ${MAX_RESTORE_BATCH} comments`);
      if (batch.length === 0) return [];
      return guarded(async () => {
        let refused = new Set<number>();
        try {
          // The driver's insertMany: its write errors say which positions were refused.
          await (comments.collection as unknown as mongo.Collection<CommentDoc>).insertMany(batch.map(restoredDoc), { ordered: false });
        } catch (err) {
          refused = duplicatePositions(err);
        }
        const inserted = batch.filter((_, i) => !refused.has(i));
        if (inserted.length === 0) return [];
        const latest = new Map<string, Date>();
        for (const c of inserted) if (!(latest.get(c.threadKey)! >= c.createdAt)) latest.set(c.threadKey, c.createdAt);
        for (const [threadKey, at] of latest) {
          await threads.updateOne({ _id: threadKey, lastCommentAt: mongoose.trusted({ $lt: at }) }, { $set: { lastCommentAt: at } });
          await syncCount(threadKey);
        }
        const ids = inserted.map((c) => c.id);
        await comments.updateMany({ _id: mongoose.trusted({ $in: ids }) }, { $unset: { threadPending: 1 } });
        return ids;
      });
    },
  };
}
