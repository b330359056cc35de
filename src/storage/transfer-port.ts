/**
 * The part of the storage port that moves a whole store in and out (the `parley` command line): every record in a
 * stable order, and inserts that keep ids, dates and flags exactly as given and do nothing when the id exists.
 *
 * - `listAllThreads` pages through threads by key ascending, `listAllComments` through comments by id ascending
 *   (byte order of the strings, the same on SQLite and MongoDB), starting strictly after `after`.
 * - `restoreThread` inserts the thread with its createdAt, locked and lastCommentAt if no thread has that key;
 *   an existing thread is left as it is. `restoreBan` likewise by id. Both return whether they inserted.
 * - Comments are restored with `insertComment` (no duplicate rule): it keeps counts and activity times.
 */
import type { Ban } from '../domain/moderation.js';
import type { Comment } from '../domain/comment.js';
import type { ThreadRecord } from './storage.js';

export interface TransferPage {
  after: string | null;
  /** 1..1000. */
  limit: number;
}

export interface TransferPort {
  listAllThreads(page: TransferPage): Promise<ThreadRecord[]>;
  listAllComments(page: TransferPage): Promise<Comment[]>;
  restoreThread(thread: ThreadRecord): Promise<boolean>;
  restoreBan(ban: Ban): Promise<boolean>;
}
