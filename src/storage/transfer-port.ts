/**
 * The part of the storage port that moves a whole store in and out (the `parley` command line): every record in a
 * stable order, and inserts that keep ids, dates and flags exactly as given and do nothing when the id exists.
 *
 * - `listAllThreads` pages through threads by key ascending, `listAllComments` through comments by id ascending
 *   (byte order of the strings, the same on SQLite and MongoDB), starting strictly after `after`. The audit log is
 *   read with `listAudit`, whose (at, id) order is the same on both.
 * - `restoreThread` inserts the thread with its createdAt, locked and lastCommentAt if no thread has that key;
 *   an existing thread is left as it is. `restoreBan` and `restoreAudit` likewise by id. They return whether they
 *   inserted.
 * - `restoreComments` inserts a batch of comments (1..1000) as given, in one transaction on SQLite and one
 *   insertMany on MongoDB, skipping those whose id is stored already; it keeps visible counts and threads' activity
 *   times like `insertComment` and is as crash-safe (a batch cut short is finished by running the import again).
 *   Returns the ids it inserted. Every comment's thread must exist (`ensureThread` or `restoreThread` first).
 * - `listAllSubscribers` and `listAllSubscriptions` page through reply subscribers and subscriptions by id ascending
 *   (byte order). Moderator accounts are read with `listModerators` (few); their sessions are never moved.
 * - `restoreSubscriber` and `restoreSubscription` insert as given (confirmedAt kept) unless the id or the natural key
 *   (the address; the address and comment) is stored already: the address is then followed already, and they return
 *   false. `restoreModerator` inserts the account as given (password hash, role, disabled) unless its id is stored
 *   (false); another account with the same email is a ConflictError('conflict'), so an import reports it instead of
 *   silently keeping one of two different accounts.
 */
import type { AuditEntry, Ban } from '../domain/moderation.js';
import type { Comment } from '../domain/comment.js';
import type { Moderator } from '../domain/moderator.js';
import type { ThreadRecord } from './storage.js';
import type { Subscriber, Subscription } from './subscriptions-port.js';

export interface TransferPage {
  after: string | null;
  /** 1..1000. */
  limit: number;
}

export const MAX_RESTORE_BATCH = 1000;

export interface TransferPort {
  listAllThreads(page: TransferPage): Promise<ThreadRecord[]>;
  listAllComments(page: TransferPage): Promise<Comment[]>;
  restoreThread(thread: ThreadRecord): Promise<boolean>;
  restoreBan(ban: Ban): Promise<boolean>;
  restoreAudit(entry: AuditEntry): Promise<boolean>;
  restoreComments(comments: readonly Comment[]): Promise<string[]>;
  listAllSubscribers(page: TransferPage): Promise<Subscriber[]>;
  listAllSubscriptions(page: TransferPage): Promise<Subscription[]>;
  restoreSubscriber(subscriber: Subscriber): Promise<boolean>;
  restoreSubscription(subscription: Subscription): Promise<boolean>;
  restoreModerator(moderator: Moderator): Promise<boolean>;
}
