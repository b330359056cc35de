/**
 * The comments-and-threads side of the storage port: comments (insert, read, update, pages, counts, the duplicate rule,
 * spam re-checks, the moderation queue, an author's export and erase) and the threads they belong to. The semantics
 * every adapter keeps (order, pagination, counts, the public read) are written in ./storage.ts and pinned by
 * tests/storage/comments-contract.ts.
 *
 * Some writes here carry an audit entry (a decision, a lock, an erase): the entry is stored by the moderation side
 * (./moderation-port.ts), and each adapter writes it with the change as atomically as its database allows.
 */
import type { Comment, CommentStatus, EditRecord, RecheckState, SpamCheckState, SubmissionContext } from '../domain/comment.js';
import type { AuditEntry, EraseMode } from '../domain/moderation.js';

export type SortOrder = 'oldest' | 'newest';

/** Position after which the next page starts. */
export interface PageCursor {
  createdAt: Date;
  id: string;
}

export interface ThreadRecord {
  key: string;
  /** Canonical URL of the article, or null for a thread known only by an explicit id. */
  url: string | null;
  createdAt: Date;
  locked: boolean;
  /** When the newest comment (any status) arrived; null for a thread without comments. */
  lastCommentAt: Date | null;
}

export interface ListThreadRequest {
  threadKey: string;
  statuses: readonly CommentStatus[];
  sort: SortOrder;
  cursor: PageCursor | null;
  /** Number of roots per page, 1..500. */
  limit: number;
}

export interface ThreadPage {
  roots: Comment[];
  replies: Comment[];
  /** Present when more roots follow. */
  nextCursor: PageCursor | null;
}

/** A public thread read: `listThread` with the statuses a reader's page loads. */
export interface ListThreadPublicRequest {
  threadKey: string;
  sort: SortOrder;
  cursor: PageCursor | null;
  /** Number of roots per page, 1..500. */
  limit: number;
}

/** What a public thread page needs of a comment, and nothing else. */
export interface PublicCommentRow {
  id: string;
  parentId: string | null;
  rootId: string;
  /** `approved`, or `deleted` for a "[deleted]" placeholder. */
  status: CommentStatus;
  authorName: string;
  /** A moderator's reply (shown with a badge). */
  moderator?: boolean;
  /** A signed-in commenter's badge (CommentIdentity.badge), when there is one. */
  badge?: string;
  /** A signed-in commenter's picture URL (CommentIdentity.avatarUrl), when there is one. */
  avatarUrl?: string;
  website: string | null;
  avatar: string;
  html: string;
  createdAt: Date;
  editedAt: Date | null;
}

export interface PublicThreadPage {
  roots: PublicCommentRow[];
  replies: PublicCommentRow[];
  nextCursor: PageCursor | null;
}

export interface CountRequest {
  threadKeys: readonly string[];
  statuses: readonly CommentStatus[];
}

/** Fields a use case may change. `history` entries are appended, never replaced. */
export interface CommentPatch {
  status?: CommentStatus;
  body?: string;
  html?: string;
  editedAt?: Date | null;
  appendHistory?: EditRecord;
  spamCheck?: SpamCheckState;
  spamReasons?: string[];
  context?: SubmissionContext;
  recheck?: RecheckState | null;
}

export interface DuplicateQuery {
  threadKey: string;
  emailKey: string;
  body: string;
  /** Only comments created at or after this instant count. */
  since: Date;
}

/**
 * Notification work recorded IN the write that causes it (outbox crash safety, src/notify/notifier.ts): a comment
 * inserted, or moved to a status that notifies. The write stores it on the comment (the same SQLite transaction, the
 * same MongoDB document write); the notifier queues the event's outbox messages and subscription, then clears it with
 * `clearNotifications`; `listPendingNotifications` finds what a crash left in between, for a sweep to replay. An entry
 * is identified by (event, status, at). Never part of a Comment read, nor of an export.
 */
export interface PendingNotification {
  /**
   * `created`: the comment was inserted; `status`: a moderator or a job moved it to `status`; `edited`: its author's edit
   * moved it to `status` (held again, published, or marked as spam by the edit's spam check).
   */
  event: 'created' | 'status' | 'edited';
  /** The status the event is about: the inserted one, or the one moved to. */
  status: CommentStatus;
  /** The event's instant: the notifier derives its idempotency keys from it, so a replay stores nothing twice. */
  at: Date;
  /** `created` only: the author asked to be mailed replies (notifyReplies), in this language (null: the default). */
  subscribe?: { lang: string | null };
}

/** What identifies an entry among a comment's pending notifications. */
export const pendingNotificationKey = (p: PendingNotification): string => `${p.event}:${p.status}:${p.at.getTime()}`;

/** A comment with the pending notifications a sweep should replay. */
export interface PendingNotifications {
  comment: Comment;
  pending: PendingNotification[];
}

export interface InsertOptions {
  /**
   * The duplicate rule, enforced atomically with the insert: when this author already posted exactly this body in
   * this thread at or after this instant (any status), nothing is stored and a ConflictError `duplicate_comment` is
   * thrown. Concurrent identical inserts store one.
   */
  duplicateSince?: Date;
  /**
   * Appended with the insert (a moderator's reply): in one transaction on SQLite and on a MongoDB replica set; on a
   * MongoDB without transactions the comment carries the entry and the repair pass at open completes it.
   */
  audit?: AuditEntry;
  /** Recorded on the comment by the insert itself (see PendingNotification). */
  notify?: PendingNotification;
}

export interface QueueQuery {
  statuses: readonly CommentStatus[];
  threadKey?: string | undefined;
  /** Case-insensitive substring of the body, the author's name or email (ASCII case folding). */
  search?: string | undefined;
  cursor: PageCursor | null;
  limit: number;
}

export interface QueuePage {
  /** Newest first: (createdAt, id) descending. */
  comments: Comment[];
  nextCursor: PageCursor | null;
}

export interface ThreadListPage {
  /** Most recently commented first: (lastCommentAt, key) descending; threads without comments last. */
  threads: ThreadRecord[];
  nextCursor: string | null;
}

export type StatusCounts = Record<CommentStatus, number>;

export interface DueRecheckQuery {
  now: Date;
  limit: number;
}

export interface UpdateOptions {
  /** Apply the patch only if the comment's status is still this one (compare-and-set). */
  ifStatus?: CommentStatus;
  /**
   * Appended with the change, only when the patch applies: in one transaction on SQLite and on a MongoDB replica set;
   * on a MongoDB without transactions the change carries the entry and the repair pass at open completes it.
   */
  audit?: AuditEntry;
  /** Added to the comment's pending notifications by the same write, only when the patch applies (see PendingNotification). */
  notify?: PendingNotification;
}

export interface CommentsPort {
  /** Creates the thread if it does not exist yet; an existing thread keeps its url and flags (a thread without url gains the given one). */
  ensureThread(thread: { key: string; url: string | null; now: Date }): Promise<ThreadRecord>;
  getThread(key: string): Promise<ThreadRecord | undefined>;

  insertComment(comment: Comment, options?: InsertOptions): Promise<void>;
  getComment(id: string): Promise<Comment | undefined>;
  /** Returns the updated comment, or undefined when it does not exist or `ifStatus` did not match. */
  updateComment(id: string, patch: CommentPatch, options?: UpdateOptions): Promise<Comment | undefined>;

  listThread(request: ListThreadRequest): Promise<ThreadPage>;
  /** The public page of a thread: public columns only, same semantics as listThread with approved + deleted. */
  listThreadPublic(request: ListThreadPublicRequest): Promise<PublicThreadPage>;
  /** What a reader can see per thread (see the header of ./storage.ts); every requested key present, 0 when none. */
  countVisible(threadKeys: readonly string[]): Promise<Map<string, number>>;
  /** Every requested key is present in the result, with 0 when it has no comment. */
  countByThreads(request: CountRequest): Promise<Map<string, number>>;

  /** The comments with these ids that exist, in no particular order; one query. */
  getComments(ids: readonly string[]): Promise<Comment[]>;
  /** Whether the author with this email key has at least one approved comment (first-time moderation). */
  hasApprovedComment(emailKey: string): Promise<boolean>;
  /** Whether this author already posted exactly this body in this thread since `since` (any status). */
  hasRecentDuplicate(query: DuplicateQuery): Promise<boolean>;
  /** Pending comments still `unchecked` whose `recheck.nextAt` is due, soonest first. */
  listDueRechecks(query: DueRecheckQuery): Promise<Comment[]>;
  /** Pending comments still waiting for a spam verdict (the unchecked backlog). */
  countUnchecked(): Promise<number>;
  /** Erases ip, user agent and referrer of comments created before `before`; returns how many were erased. */
  eraseContextBefore(before: Date): Promise<number>;

  // --- notification work recorded with a write (see PendingNotification)
  /** Removes these entries (matched by event, status and at) from the comment's pending notifications; others stay. No-op when absent. */
  clearNotifications(commentId: string, done: readonly PendingNotification[]): Promise<void>;
  /**
   * Comments with a pending notification recorded at or before `before`, each with only those entries (oldest first);
   * at most `limit` comments, in no particular order. Found through an index that holds only marked comments.
   */
  listPendingNotifications(query: { before: Date; limit: number }): Promise<PendingNotifications[]>;

  // --- what moderators read and change of comments and threads
  /** The moderation queue: comments in `statuses`, newest first, optionally one thread's, optionally searched. */
  listQueue(query: QueueQuery): Promise<QueuePage>;
  /** Comments per status (every status present, 0 when none), overall or for one thread; one query. */
  countByStatus(query: { threadKey?: string | undefined }): Promise<StatusCounts>;
  /** Comments per status for each thread (every key and status present); one query. */
  countByThreadStatus(threadKeys: readonly string[]): Promise<Map<string, StatusCounts>>;
  /** Locks or unlocks a thread, creating it if it does not exist yet; `audit` is written with it (see UpdateOptions.audit). */
  setThreadLocked(thread: { key: string; url: string | null; now: Date }, locked: boolean, options?: { audit?: AuditEntry }): Promise<ThreadRecord>;
  /** Threads, most recently commented first; `cursor` is the opaque nextCursor of the previous page. */
  listThreads(query: { cursor: string | null; limit: number }): Promise<ThreadListPage>;
  /** Every comment of the author with this email key, oldest first (GDPR export). Throws on an empty key (see refuseEmptyKey). */
  listByAuthor(emailKey: string): Promise<Comment[]>;
  /**
   * Removes the author's email, email key, avatar key, website, IP, user agent and referrer from all their comments.
   * `delete` also empties name, body, html and history and marks the comments deleted; `anonymize` keeps the text
   * under the name "Anonymous". Returns how many comments were changed. `audit` is appended with it, its reason
   * suffixed with `: <n> comments`. Re-running an erase completes one that stopped half-way; on MongoDB the erase is
   * recorded first and the repair pass at open finishes one that a crash interrupted. Throws on an empty key.
   */
  eraseAuthor(query: { emailKey: string; mode: EraseMode; audit?: AuditEntry }): Promise<number>;

  /**
   * A signed-in commenter's comments (CommentIdentity.key), any status but `deleted`, newest first ((createdAt, id)
   * descending), `limit` per page after `cursor`; across every thread. Throws on an empty key.
   */
  listByIdentity(query: { identityKey: string; cursor: PageCursor | null; limit: number }): Promise<{ comments: Comment[]; nextCursor: PageCursor | null }>;
}

export const MAX_PAGE_LIMIT = 500;

/**
 * Moderator replies, imported comments without an address and erased comments all have the email key `''`, so a
 * person-level read or erase with that key would reach all of them: refused before any query. Callers derive the key
 * from a real address (emailKeyOf of a non-empty email), so reaching this is a programming error.
 */
export function refuseEmptyKey(emailKey: string): void {
  if (emailKey === '') throw new RangeError('an empty email key names no person (it matches every comment without an address)');
}
