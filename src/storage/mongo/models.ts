/** Mongoose schemas of the mongo adapter. Private to src/storage/mongo/: nothing outside sees a model or a document. */
import { Schema, type Connection, type Model } from 'mongoose';
import { COMMENT_STATUSES } from '../../domain/comment.js';
import type { CommentStatus, EditRecord, SpamCheckState } from '../../domain/comment.js';
import { outboxClaimSchema, outboxSchema, type OutboxClaimDoc, type OutboxDoc } from './mongo-outbox.js';
import { moderatorSchema, moderatorSessionSchema, type ModeratorDoc, type ModeratorSessionDoc } from './mongo-moderators.js';
import { subscriberSchema, subscriptionSchema, type SubscriberDoc, type SubscriptionDoc } from './mongo-subscriptions.js';

export interface CommentDoc {
  /** The service-generated comment id. */
  _id: string;
  threadKey: string;
  parentId: string | null;
  /** The answered comment when MAX_DEPTH stored the reply under a shallower ancestor (absent: the parent). */
  replyTo?: string;
  rootId: string;
  depth: number;
  status: CommentStatus;
  /** `moderator` is true on a moderator's reply (absent otherwise). */
  /** `identity`: a signed-in commenter (absent for guests), see CommentIdentity. */
  author: { name: string; email: string; emailKey: string; website: string | null; avatar: string; moderator?: boolean; identity?: { key: string; badge: string | null; avatarUrl: string | null } };
  body: string;
  html: string;
  createdAt: Date;
  editedAt: Date | null;
  editTokenHash: string | null;
  context: { ip: string | null; userAgent: string | null; referrer: string | null };
  spamCheck: SpamCheckState;
  spamReasons: string[];
  recheck: { attempts: number; nextAt: Date } | null;
  history: EditRecord[];
  /**
   * Enforces the duplicate rule under concurrency (unique index `comment_dedupe`): `d:<sha256 of thread, emailKey,
   * body>` on the latest comment inserted under the rule, else a value of its own (`none:`, `expired:`, `legacy:` +
   * id), never missing or null: FerretDB v1 has no partial index, and a unique index counts null (on MongoDB also a
   * missing field) as a value. Absent only before the fill at open.
   */
  dedupeKey?: string;
  /**
   * What a write leaves to do on the comment's thread: true from an insert or a status move until the thread's
   * lastCommentAt has moved and its public count (thread_counts) has been recounted; absent otherwise. Set in the same
   * write as the change (with or without transactions), so the repair pass at open finishes what a crash left.
   */
  threadPending?: boolean;
  /**
   * The audit entry of the last decision, from the decision until the entry is in `audit` (no transactions); repaired
   * at open. One, not a list: FerretDB v1's $pull cannot remove by condition.
   */
  pendingAudit?: PendingAuditDoc;
  /**
   * Notification work recorded by the insert or status move that causes it (../comments-port.ts PendingNotification),
   * until the notifier has stored its outbox messages; `notifyPending` is true while the list is not empty (the sweep
   * finds marked comments by that equality, which FerretDB serves from an index). Appended with $push in the write
   * itself; removed by a compare-and-set on the whole list (FerretDB v1's $pull cannot remove by condition).
   */
  notify?: NotifyDoc[];
  notifyPending?: boolean;
}

export interface NotifyDoc {
  event: 'created' | 'status' | 'edited';
  status: CommentStatus;
  at: Date;
  subscribe?: { lang: string | null };
}

/** An audit entry carried by the write it records, keyed by its own id. */
export interface PendingAuditDoc {
  id: string;
  at: Date;
  actor: string;
  action: string;
  commentId: string | null;
  threadKey: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
}

/** A multi-write operation recorded before it starts, so the repair pass at open can finish it (GDPR erase). */
export interface IntentDoc {
  _id: string;
  kind: 'erase';
  at: Date;
  emailKey: string;
  mode: 'delete' | 'anonymize';
  /** How many comments the erase was going to change, for the audit entry a repair writes. */
  expected: number;
  /** The threads of the author's comments: their public counts are recounted after a `delete`. */
  threads?: string[];
  audit: PendingAuditDoc | null;
}

export interface ThreadDoc {
  /** The thread key. */
  _id: string;
  url: string | null;
  createdAt: Date;
  locked: boolean;
  /** Epoch 0 while the thread has no comment: keeps the recent-first sort a plain indexed sort. */
  lastCommentAt: Date;
  /** The audit entry of a lock or unlock, until it is in `audit` (no transactions); repaired at open. */
  pendingAudit?: PendingAuditDoc;
}

/**
 * A thread's public count (what countVisible answers), in a collection of its own: only the recount (syncCount in
 * mongo-comments.ts) writes it. On FerretDB v1 an update is a read-modify-write of the whole document, so a count
 * kept on the thread document could be put back by a concurrent lastCommentAt or lock write.
 */
export interface ThreadCountDoc {
  /** The thread key; `COUNTS_BACKFILLED` marks that every thread stored before counts were kept has one. */
  _id: string;
  n: number;
}

export interface AuditDoc {
  _id: string;
  at: Date;
  actor: string;
  action: string;
  commentId: string | null;
  threadKey: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
}

export interface BanDoc {
  _id: string;
  kind: 'email' | 'ip' | 'domain';
  hash: string;
  /** Absent on bans stored before prefixes (one address). */
  prefix?: number | null;
  reason: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  actor: string;
  /** The audit entry of the ban or of its removal, until it is in `audit` (no transactions); repaired at open. */
  pendingAudit?: PendingAuditDoc;
  /** Set with the unban's pendingAudit: the repair pass finishes the removal. */
  removing?: boolean;
}

// Strings are not `required`: mongoose's required rejects '' and the domain, not the store, decides what is valid.
// No `select: false` anywhere: FerretDB v1 rejects the projection it adds to findAndModify.
const schemaOptions = {
  versionKey: false,
  strict: 'throw',
  strictQuery: 'throw',
  autoIndex: false,
  autoCreate: false,
} as const;

const nullableString = { type: String, default: null };

const editRecordSchema = new Schema<EditRecord>(
  {
    body: { type: String },
    editedAt: { type: Date, required: true },
    by: { type: String, enum: ['author', 'moderator'], required: true },
  },
  { _id: false, versionKey: false, strict: 'throw' },
);

/** The fields of an audit entry, stored on its own (audit) or carried by the change it records (pendingAudit). */
const auditFields = {
    at: { type: Date, required: true },
    actor: { type: String },
    action: { type: String },
    commentId: nullableString,
    threadKey: nullableString,
    from: nullableString,
    to: nullableString,
    reason: nullableString,
};

const pendingAuditSchema = new Schema<PendingAuditDoc>(
  {
    id: { type: String, required: true },
    ...auditFields,
  },
  { _id: false, versionKey: false, strict: 'throw' },
);

const notifySchema = new Schema<NotifyDoc>(
  {
    event: { type: String, enum: ['created', 'status', 'edited'], required: true },
    status: { type: String, enum: COMMENT_STATUSES, required: true },
    at: { type: Date, required: true },
    subscribe: { type: new Schema({ lang: nullableString }, { _id: false, versionKey: false, strict: 'throw' }), default: undefined },
  },
  { _id: false, versionKey: false, strict: 'throw' },
);

const commentSchema = new Schema<CommentDoc>(
  {
    _id: { type: String, required: true },
    threadKey: { type: String },
    parentId: nullableString,
    replyTo: { type: String },
    rootId: { type: String },
    depth: { type: Number, required: true, min: 0 },
    status: { type: String, enum: COMMENT_STATUSES, required: true },
    author: {
      type: new Schema(
        {
          name: { type: String },
          email: { type: String },
          emailKey: { type: String },
          website: nullableString,
          avatar: { type: String },
          moderator: { type: Boolean },
          identity: {
            type: new Schema({ key: { type: String, required: true }, badge: nullableString, avatarUrl: nullableString }, { _id: false, versionKey: false, strict: 'throw' }),
            default: undefined,
          },
        },
        { _id: false, versionKey: false, strict: 'throw' },
      ),
      required: true,
    },
    body: { type: String },
    html: { type: String },
    createdAt: { type: Date, required: true },
    editedAt: { type: Date, default: null },
    editTokenHash: nullableString,
    context: {
      type: new Schema(
        { ip: nullableString, userAgent: nullableString, referrer: nullableString },
        { _id: false, versionKey: false, strict: 'throw' },
      ),
      required: true,
    },
    spamCheck: { type: String, enum: ['none', 'checked', 'unchecked'], required: true },
    spamReasons: { type: [String], default: [] },
    recheck: {
      type: new Schema(
        { attempts: { type: Number, required: true, min: 0 }, nextAt: { type: Date, required: true } },
        { _id: false, versionKey: false, strict: 'throw' },
      ),
      default: null,
    },
    history: { type: [editRecordSchema], default: [] },
    dedupeKey: { type: String },
    threadPending: { type: Boolean },
    pendingAudit: { type: pendingAuditSchema, default: undefined },
    notify: { type: [notifySchema], default: undefined },
    notifyPending: { type: Boolean },
  },
  { ...schemaOptions, collection: 'comments' },
);

// A page of roots: equality on threadKey and depth, then the (createdAt, _id) keyset in either direction.
commentSchema.index({ threadKey: 1, depth: 1, createdAt: 1, _id: 1 }, { name: 'thread_roots' });
// The replies of a page of roots, already in display order.
commentSchema.index({ rootId: 1, createdAt: 1, _id: 1 }, { name: 'root_replies' });
// Counts per thread and status.
commentSchema.index({ threadKey: 1, status: 1 }, { name: 'thread_status' });
// An author's comments by keyed email hash: first-time moderation and duplicate checks.
commentSchema.index({ 'author.emailKey': 1, status: 1 }, { name: 'author_status' });
// A signed-in commenter's own comments ("my comments"), newest first.
commentSchema.index({ 'author.identity.key': 1, createdAt: -1, _id: -1 }, { name: 'author_identity' });
// Concurrent identical posts: the database, not a read-then-insert, lets one through.
commentSchema.index({ dedupeKey: 1 }, { name: 'comment_dedupe', unique: true });
// What the repair pass at open looks for: nearly every comment has neither, so both stay tiny.
commentSchema.index({ threadPending: 1 }, { name: 'thread_pending' });
commentSchema.index({ 'pendingAudit.id': 1 }, { name: 'audit_pending' });
commentSchema.index({ notifyPending: 1 }, { name: 'notify_pending' });
// The unchecked backlog and the re-check job's due list.
commentSchema.index({ spamCheck: 1, 'recheck.nextAt': 1 }, { name: 'recheck_due' });

const threadSchema = new Schema<ThreadDoc>(
  {
    _id: { type: String, required: true },
    url: nullableString,
    createdAt: { type: Date, required: true },
    locked: { type: Boolean, default: false },
    lastCommentAt: { type: Date, default: () => new Date(0) },
    pendingAudit: { type: pendingAuditSchema, default: undefined },
  },
  { ...schemaOptions, collection: 'threads' },
);
threadSchema.index({ 'pendingAudit.id': 1 }, { name: 'thread_audit_pending' });
threadSchema.index({ lastCommentAt: -1, _id: -1 }, { name: 'threads_recent' });

// The moderation queue by status, newest first.
commentSchema.index({ status: 1, createdAt: -1, _id: -1 }, { name: 'queue' });

const auditSchema = new Schema<AuditDoc>(
  {
    _id: { type: String, required: true },
    ...auditFields,
  },
  { ...schemaOptions, collection: 'audit' },
);
auditSchema.index({ at: -1, _id: -1 }, { name: 'audit_recent' });
auditSchema.index({ commentId: 1, at: -1, _id: -1 }, { name: 'audit_comment' });

const banSchema = new Schema<BanDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['email', 'ip', 'domain'], required: true },
    hash: { type: String },
    prefix: { type: Number, default: null },
    reason: nullableString,
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, default: null },
    actor: { type: String },
    pendingAudit: { type: pendingAuditSchema, default: undefined },
    removing: { type: Boolean },
  },
  { ...schemaOptions, collection: 'bans' },
);
banSchema.index({ hash: 1 }, { name: 'ban_hash' });
banSchema.index({ 'pendingAudit.id': 1 }, { name: 'ban_audit_pending' });

const intentSchema = new Schema<IntentDoc>(
  {
    _id: { type: String, required: true },
    kind: { type: String, enum: ['erase'], required: true },
    at: { type: Date, required: true },
    emailKey: { type: String },
    mode: { type: String, enum: ['delete', 'anonymize'], required: true },
    expected: { type: Number, required: true },
    threads: { type: [String], default: [] },
    audit: { type: pendingAuditSchema, default: null },
  },
  { ...schemaOptions, collection: 'intents' },
);
// The repair pass replays intents oldest first.
intentSchema.index({ at: 1 }, { name: 'intents_at' });

// Keyed by thread: the count read is a find by _id.
const threadCountSchema = new Schema<ThreadCountDoc>(
  {
    _id: { type: String, required: true },
    n: { type: Number, required: true, min: 0 },
  },
  { ...schemaOptions, collection: 'thread_counts' },
);

export interface MongoModels {
  comments: Model<CommentDoc>;
  threads: Model<ThreadDoc>;
  threadCounts: Model<ThreadCountDoc>;
  audit: Model<AuditDoc>;
  bans: Model<BanDoc>;
  intents: Model<IntentDoc>;
  outbox: Model<OutboxDoc>;
  outboxClaims: Model<OutboxClaimDoc>;
  // Moderator accounts and their sessions (mongo-moderators.ts).
  moderators: Model<ModeratorDoc>;
  moderatorSessions: Model<ModeratorSessionDoc>;
  subscribers: Model<SubscriberDoc>;
  subscriptions: Model<SubscriptionDoc>;
}

/** Models bound to one connection, so several stores (tests) can live in one process. */
export function createModels(connection: Connection): MongoModels {
  return {
    comments: connection.model<CommentDoc>('Comment', commentSchema, 'comments'),
    threads: connection.model<ThreadDoc>('Thread', threadSchema, 'threads'),
    threadCounts: connection.model<ThreadCountDoc>('ThreadCount', threadCountSchema, 'thread_counts'),
    audit: connection.model<AuditDoc>('Audit', auditSchema, 'audit'),
    bans: connection.model<BanDoc>('Ban', banSchema, 'bans'),
    intents: connection.model<IntentDoc>('Intent', intentSchema, 'intents'),
    outbox: connection.model<OutboxDoc>('Outbox', outboxSchema, 'outbox'),
    outboxClaims: connection.model<OutboxClaimDoc>('OutboxClaim', outboxClaimSchema, 'outbox_claims'),
    moderators: connection.model<ModeratorDoc>('Moderator', moderatorSchema, 'moderators'),
    moderatorSessions: connection.model<ModeratorSessionDoc>('ModeratorSession', moderatorSessionSchema, 'moderator_sessions'),
    subscribers: connection.model<SubscriberDoc>('Subscriber', subscriberSchema, 'subscribers'),
    subscriptions: connection.model<SubscriptionDoc>('Subscription', subscriptionSchema, 'subscriptions'),
  };
}
