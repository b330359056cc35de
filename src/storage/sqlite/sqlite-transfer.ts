/** The SQLite side of the transfer port (see ../transfer-port.ts): whole-store reads in key order and exact restores. */
import type { Database } from 'better-sqlite3';
import type { Comment } from '../../domain/comment.js';
import type { Ban } from '../../domain/moderation.js';
import type { ThreadRecord } from '../storage.js';
import type { TransferPort } from '../transfer-port.js';

export interface SqliteTransferDeps<CommentRow, ThreadRow> {
  db: Database;
  toComment: (row: CommentRow) => Comment;
  toThread: (row: ThreadRow) => ThreadRecord;
}

const clamp = (limit: number): number => Math.max(1, Math.min(1000, Math.floor(limit)));

export function sqliteTransfer<CommentRow, ThreadRow>({ db, toComment, toThread }: SqliteTransferDeps<CommentRow, ThreadRow>): TransferPort {
  // TEXT comparison under the default BINARY collation is byte order, as on MongoDB.
  const threadsFirst = db.prepare('SELECT * FROM threads ORDER BY key LIMIT ?');
  const threadsAfter = db.prepare('SELECT * FROM threads WHERE key > ? ORDER BY key LIMIT ?');
  const commentsFirst = db.prepare('SELECT * FROM comments ORDER BY id LIMIT ?');
  const commentsAfter = db.prepare('SELECT * FROM comments WHERE id > ? ORDER BY id LIMIT ?');
  const insertThread = db.prepare(
    'INSERT INTO threads (key, url, created_at, locked, last_comment_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING',
  );
  const insertBan = db.prepare(
    `INSERT INTO bans (id, kind, hash, prefix, reason, created_at, expires_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );

  return {
    async listAllThreads({ after, limit }) {
      const rows = (after === null ? threadsFirst.all(clamp(limit)) : threadsAfter.all(after, clamp(limit))) as ThreadRow[];
      return rows.map(toThread);
    },
    async listAllComments({ after, limit }) {
      const rows = (after === null ? commentsFirst.all(clamp(limit)) : commentsAfter.all(after, clamp(limit))) as CommentRow[];
      return rows.map(toComment);
    },
    async restoreThread(t: ThreadRecord) {
      const last = t.lastCommentAt ? t.lastCommentAt.getTime() : 0;
      return insertThread.run(t.key, t.url, t.createdAt.getTime(), t.locked ? 1 : 0, last).changes > 0;
    },
    async restoreBan(b: Ban) {
      return (
        insertBan.run(b.id, b.kind, b.hash, b.prefix, b.reason, b.createdAt.getTime(), b.expiresAt ? b.expiresAt.getTime() : null, b.actor)
          .changes > 0
      );
    },
  };
}
