/** The SQLite side of the transfer port (see ../transfer-port.ts): whole-store reads in key order and exact restores. */
import type { Database } from 'better-sqlite3';
import type { Comment } from '../../domain/comment.js';
import { ConflictError } from '../../domain/errors.js';
import type { AuditEntry, Ban } from '../../domain/moderation.js';
import type { Moderator } from '../../domain/moderator.js';
import type { ThreadRecord } from '../storage.js';
import type { Subscriber, Subscription } from '../subscriptions-port.js';
import { MAX_RESTORE_BATCH, type TransferPage, type TransferPort } from '../transfer-port.js';
import { sqliteErrorCode } from './sqlite-errors.js';
import { toSubscriber, toSubscription, type SubscriberRow, type SubscriptionRow } from './sqlite-subscriptions.js';
import { conversationVisibleSql } from './sqlite-storage.js';

export interface SqliteTransferDeps<CommentRow, ThreadRow> {
  db: Database;
  toComment: (row: CommentRow) => Comment;
  toThread: (row: ThreadRow) => ThreadRecord;
}

const clamp = (limit: number): number => Math.max(1, Math.min(1000, Math.floor(limit)));

/** The columns of a comment, as sqlite-storage writes them (the round-trip tests pin both to the same reading). */
const commentParams = (c: Comment): unknown[] => [
  c.id,
  c.threadKey,
  c.parentId,
  c.rootId,
  c.depth,
  c.status,
  c.author.name,
  c.author.email,
  c.author.emailKey,
  c.author.website,
  c.author.avatar,
  c.author.moderator ? 1 : 0,
  c.body,
  c.html,
  c.createdAt.getTime(),
  c.editedAt ? c.editedAt.getTime() : null,
  c.editTokenHash,
  c.context.ip,
  c.context.userAgent,
  c.context.referrer,
  c.spamCheck,
  JSON.stringify(c.spamReasons),
  c.recheck ? c.recheck.attempts : null,
  c.recheck ? c.recheck.nextAt.getTime() : null,
  JSON.stringify(c.history.map((h) => ({ body: h.body, editedAt: h.editedAt.getTime(), by: h.by }))),
  c.author.identity?.key ?? null,
  c.author.identity?.badge ?? null,
  c.author.identity?.avatarUrl ?? null,
  c.replyTo ?? null,
];

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
  const insertAudit = db.prepare(
    `INSERT INTO audit (id, at, actor, action, comment_id, thread_key, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  const insertComment = db.prepare(
    `INSERT INTO comments (id, thread_key, parent_id, root_id, depth, status, author_name, author_email, author_email_key,
      author_website, avatar, author_moderator, body, html, created_at, edited_at, edit_token_hash, ip, user_agent, referrer,
      spam_check, spam_reasons, recheck_attempts, recheck_at, history, author_identity, author_badge, author_avatar_url, reply_to)
     VALUES (${Array.from({ length: 29 }, () => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`,
  );
  const insertSubscriber = db.prepare(
    'INSERT INTO subscribers (id, email_key, email, lang, created_at, confirmed_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const insertSubscription = db.prepare(
    'INSERT INTO subscriptions (id, email_key, comment_id, thread_key, lang, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  // Only the id is "already there": another account with the email is a conflict the import reports.
  const insertModerator = db.prepare(
    `INSERT INTO moderators (id, email, name, role, disabled, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO NOTHING`,
  );
  /** Pages of a table by id (byte order under BINARY collation, as on MongoDB). */
  const pager = <Row, T>(table: string, map: (row: Row) => T) => {
    const first = db.prepare(`SELECT * FROM ${table} ORDER BY id LIMIT ?`);
    const after = db.prepare(`SELECT * FROM ${table} WHERE id > ? ORDER BY id LIMIT ?`);
    return async ({ after: from, limit }: TransferPage): Promise<T[]> =>
      ((from === null ? first.all(clamp(limit)) : after.all(from, clamp(limit))) as Row[]).map(map);
  };
  const conversationVisible = db.prepare(conversationVisibleSql());
  const addVisible = db.prepare(
    'INSERT INTO thread_counts (thread_key, visible) VALUES (?, ?) ON CONFLICT (thread_key) DO UPDATE SET visible = visible + excluded.visible',
  );
  const touchThread = db.prepare('UPDATE threads SET last_comment_at = max(last_comment_at, ?) WHERE key = ?');

  // One immediate transaction per batch: the visible counts of the conversations it reaches are measured before and
  // after, as insertComment does for one comment, so a batch leaves counts exact and a crash leaves no half batch.
  const restoreBatch = db.transaction((batch: readonly Comment[]): string[] => {
    const conversations = new Map<string, string>();
    for (const c of batch) conversations.set(c.rootId, c.threadKey);
    const before = new Map<string, number>();
    for (const root of conversations.keys()) before.set(root, (conversationVisible.get(root) as { n: number }).n);
    const inserted: string[] = [];
    const latest = new Map<string, number>();
    for (const c of batch) {
      if (insertComment.run(...commentParams(c)).changes === 0) continue;
      inserted.push(c.id);
      latest.set(c.threadKey, Math.max(latest.get(c.threadKey) ?? 0, c.createdAt.getTime()));
    }
    if (inserted.length === 0) return inserted;
    for (const [root, threadKey] of conversations) {
      const delta = (conversationVisible.get(root) as { n: number }).n - before.get(root)!;
      if (delta !== 0) addVisible.run(threadKey, delta);
    }
    for (const [threadKey, at] of latest) touchThread.run(at, threadKey);
    return inserted;
  });

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
    async restoreAudit(e: AuditEntry) {
      return insertAudit.run(e.id, e.at.getTime(), e.actor, e.action, e.commentId, e.threadKey, e.from, e.to, e.reason).changes > 0;
    },
    listAllSubscribers: pager<SubscriberRow, Subscriber>('subscribers', toSubscriber),
    listAllSubscriptions: pager<SubscriptionRow, Subscription>('subscriptions', toSubscription),
    async restoreSubscriber(s: Subscriber) {
      return insertSubscriber.run(s.id, s.emailKey, s.email, s.lang, s.createdAt.getTime(), s.confirmedAt ? s.confirmedAt.getTime() : null).changes > 0;
    },
    async restoreSubscription(s: Subscription) {
      return insertSubscription.run(s.id, s.emailKey, s.commentId, s.threadKey, s.lang, s.createdAt.getTime()).changes > 0;
    },
    async restoreModerator(m: Moderator) {
      try {
        const params = [m.id, m.email, m.name, m.role, m.disabled ? 1 : 0, m.passwordHash, m.createdAt.getTime(), m.updatedAt.getTime()];
        return insertModerator.run(...params).changes > 0;
      } catch (err) {
        if (sqliteErrorCode(err)?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError('conflict', 'Another moderator account has this email.');
        throw err;
      }
    },
    async restoreComments(batch) {
      if (batch.length > MAX_RESTORE_BATCH) throw new RangeError(`restoreComments takes at most ${MAX_RESTORE_BATCH} comments`);
      return batch.length === 0 ? [] : restoreBatch.immediate(batch);
    },
  };
}
