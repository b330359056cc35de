/** Storage.postChecks on SQLite: the thread, the ban match and the duplicate check of a new comment in one statement. */
import type { Database } from 'better-sqlite3';
import type { PostChecks, PostChecksQuery } from '../storage.js';
import { DUPLICATE_MATCH, toThread, type ThreadRow } from './sqlite-comments.js';
import { activeBanMatch } from './sqlite-moderation.js';
import { statementCache } from './sqlite-statements.js';

/**
 * One row whatever exists: the thread's columns (null when it has no row yet) and two flags. The EXISTS subqueries
 * are findActiveBan's and hasRecentDuplicate's own queries, on the same indexes (bans_hash, comments_author).
 * Parameters, in the order they appear: the ban hashes, now, email key, thread key, since, body, thread key.
 */
export function postChecksSql(hashCount: number): string {
  return `
    SELECT t.key, t.url, t.created_at, t.locked, t.last_comment_at,
      EXISTS (${activeBanMatch(hashCount)}) AS banned,
      EXISTS (${DUPLICATE_MATCH}) AS duplicate
    FROM (SELECT ? AS k) q LEFT JOIN threads t ON t.key = q.k`;
}

export function sqlitePostChecks(db: Database): { postChecks(query: PostChecksQuery): Promise<PostChecks> } {
  const stmt = statementCache(db);
  return {
    async postChecks({ threadKey, banHashes, now, emailKey, body, since }) {
      const row = stmt(postChecksSql(banHashes.length)).get(...banHashes, now.getTime(), emailKey, threadKey, since.getTime(), body, threadKey) as
        | (Omit<ThreadRow, 'key'> & { key: string | null; banned: number; duplicate: number })
        | undefined;
      if (!row) throw new Error('post checks returned no row');
      return {
        thread: row.key === null ? undefined : toThread(row as ThreadRow),
        banned: row.banned === 1,
        duplicate: row.duplicate === 1,
      };
    },
  };
}
