/**
 * The SQLite side of the comments port (../comments-port.ts): comments, threads and the per-thread visible counts.
 * Writes that change what readers see keep `thread_counts` right in their own (immediate) transaction; writes that
 * carry an audit entry (a decision, a lock, an erase) write it with `insertAudit` in that same transaction.
 */
import { pendingNotificationKey, refuseEmptyKey } from '../comments-port.js';
import type { Database, Statement } from 'better-sqlite3';
import type { Comment, CommentStatus, EditRecord, SpamCheckState } from '../../domain/comment.js';
import { emptyStatusCounts, PUBLIC_STATUSES, THREAD_READ_STATUSES } from '../../domain/comment.js';
import { decodeKeyset, encodeKeyset } from '../../domain/cursor.js';
import { ConflictError } from '../../domain/errors.js';
import { ANONYMOUS_NAME, type AuditEntry, type EraseMode } from '../../domain/moderation.js';
import type {
  CommentPatch,
  CommentsPort,
  CountRequest,
  ListThreadPublicRequest,
  ListThreadRequest,
  PendingNotification,
  PendingNotifications,
  PublicCommentRow,
  PublicThreadPage,
  StatusCounts,
  ThreadPage,
  ThreadRecord,
  UpdateOptions,
} from '../comments-port.js';
import type { InsertAudit } from './sqlite-moderation.js';
import { placeholders, statementCache } from './sqlite-statements.js';

export interface CommentRow {
  id: string;
  thread_key: string;
  parent_id: string | null;
  reply_to: string | null;
  root_id: string;
  depth: number;
  status: string;
  author_name: string;
  author_email: string;
  author_email_key: string;
  author_website: string | null;
  avatar: string;
  author_moderator: number;
  author_identity: string | null;
  author_badge: string | null;
  author_avatar_url: string | null;
  body: string;
  html: string;
  created_at: number;
  edited_at: number | null;
  edit_token_hash: string | null;
  ip: string | null;
  user_agent: string | null;
  referrer: string | null;
  spam_check: string;
  spam_reasons: string;
  recheck_attempts: number | null;
  recheck_at: number | null;
  history: string;
}

export interface ThreadRow {
  key: string;
  url: string | null;
  created_at: number;
  locked: number;
  last_comment_at: number;
}

interface StoredEdit {
  body: string;
  editedAt: number;
  by: EditRecord['by'];
}

export function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    threadKey: r.thread_key,
    parentId: r.parent_id,
    ...(r.reply_to ? { replyTo: r.reply_to } : {}),
    rootId: r.root_id,
    depth: r.depth,
    status: r.status as CommentStatus,
    author: { name: r.author_name, email: r.author_email, emailKey: r.author_email_key, website: r.author_website, avatar: r.avatar, ...(r.author_moderator ? { moderator: true } : {}), ...identityOf(r) },
    body: r.body,
    html: r.html,
    createdAt: new Date(r.created_at),
    editedAt: r.edited_at === null ? null : new Date(r.edited_at),
    editTokenHash: r.edit_token_hash,
    context: { ip: r.ip, userAgent: r.user_agent, referrer: r.referrer },
    spamCheck: r.spam_check as SpamCheckState,
    spamReasons: JSON.parse(r.spam_reasons) as string[],
    recheck: r.recheck_at === null ? null : { attempts: r.recheck_attempts ?? 0, nextAt: new Date(r.recheck_at) },
    history: (JSON.parse(r.history) as StoredEdit[]).map((h) => ({ body: h.body, editedAt: new Date(h.editedAt), by: h.by })),
  };
}

function identityOf(r: CommentRow): Pick<Comment['author'], 'identity'> {
  return r.author_identity ? { identity: { key: r.author_identity, badge: r.author_badge, avatarUrl: r.author_avatar_url } } : {};
}

function toRow(c: Comment): CommentRow {
  return {
    id: c.id,
    thread_key: c.threadKey,
    parent_id: c.parentId,
    reply_to: c.replyTo ?? null,
    root_id: c.rootId,
    depth: c.depth,
    status: c.status,
    author_name: c.author.name,
    author_email: c.author.email,
    author_email_key: c.author.emailKey,
    author_website: c.author.website,
    avatar: c.author.avatar,
    author_moderator: c.author.moderator ? 1 : 0,
    author_identity: c.author.identity?.key ?? null,
    author_badge: c.author.identity?.badge ?? null,
    author_avatar_url: c.author.identity?.avatarUrl ?? null,
    body: c.body,
    html: c.html,
    created_at: c.createdAt.getTime(),
    edited_at: c.editedAt ? c.editedAt.getTime() : null,
    edit_token_hash: c.editTokenHash,
    ip: c.context.ip,
    user_agent: c.context.userAgent,
    referrer: c.context.referrer,
    spam_check: c.spamCheck,
    spam_reasons: JSON.stringify(c.spamReasons),
    recheck_attempts: c.recheck ? c.recheck.attempts : null,
    recheck_at: c.recheck ? c.recheck.nextAt.getTime() : null,
    history: JSON.stringify(c.history.map(storedEdit)),
  };
}

/** A pending notification as the `notify` column's JSON array holds it. */
interface StoredNotify {
  event: PendingNotification['event'];
  status: CommentStatus;
  at: number;
  subscribe?: { lang: string | null };
}

const storedNotify = (p: PendingNotification): StoredNotify => ({ event: p.event, status: p.status, at: p.at.getTime(), ...(p.subscribe ? { subscribe: { lang: p.subscribe.lang } } : {}) });
const fromStoredNotify = (n: StoredNotify): PendingNotification => ({ event: n.event, status: n.status, at: new Date(n.at), ...(n.subscribe ? { subscribe: { lang: n.subscribe.lang } } : {}) });
const readNotify = (json: string | null): PendingNotification[] => (json ? (JSON.parse(json) as StoredNotify[]).map(fromStoredNotify) : []);

function storedEdit(h: EditRecord): StoredEdit {
  return { body: h.body, editedAt: h.editedAt.getTime(), by: h.by };
}

export function toThread(r: ThreadRow): ThreadRecord {
  return {
    key: r.key,
    url: r.url,
    createdAt: new Date(r.created_at),
    locked: r.locked === 1,
    lastCommentAt: r.last_comment_at > 0 ? new Date(r.last_comment_at) : null,
  };
}

/**
 * One statement reads a thread page: the page of roots (one extra row tells whether another page follows) and all
 * their replies. INDEXED BY pins the plan: without statistics the planner may prefer the status index and scan every
 * thread. Parameters: threadKey, ...statuses, [cursor createdAt, cursor id], limit + 1, ...statuses.
 */
export function threadPageSql(statusCount: number, withCursor: boolean, sort: 'oldest' | 'newest'): string {
  const dir = sort === 'oldest' ? 'ASC' : 'DESC';
  const cmp = sort === 'oldest' ? '>' : '<';
  const inStatuses = placeholders(statusCount);
  return `
    WITH page AS (
      SELECT * FROM comments INDEXED BY comments_roots
      WHERE thread_key = ? AND depth = 0 AND status IN (${inStatuses})
        ${withCursor ? `AND (created_at, id) ${cmp} (?, ?)` : ''}
      ORDER BY created_at ${dir}, id ${dir}
      LIMIT ?
    )
    SELECT * FROM page
    UNION ALL
    SELECT c.* FROM comments c INDEXED BY comments_replies
    WHERE c.root_id IN (SELECT id FROM page) AND c.depth >= 1 AND c.status IN (${inStatuses})`;
}

/**
 * A comment of this author with this body in this thread since an instant (the duplicate rule). Parameters: email key,
 * thread key, since, body. Shared by hasRecentDuplicate, the insert's own check and postChecks (sqlite-post-checks.ts).
 */
export const DUPLICATE_MATCH = 'SELECT 1 FROM comments WHERE author_email_key = ? AND thread_key = ? AND created_at >= ? AND body = ?';

/** Our own status constants, written into SQL as literals so the planner sees them. */
const sqlList = (values: readonly string[]) => values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ');

/** The public columns, in the order of a page row (one array of the JSON text) after the leading "is a reply" flag. */
const PUBLIC_COLUMNS = 'id, parent_id, root_id, status, author_name, author_website, avatar, html, created_at, edited_at, author_moderator, author_badge, author_avatar_url';
type PublicRawRow = [
  isReply: 0 | 1,
  id: string,
  parentId: string | null,
  rootId: string,
  status: string,
  name: string,
  website: string | null,
  avatar: string,
  html: string,
  createdAt: number,
  editedAt: number | null,
  moderator: number,
  badge: string | null,
  avatarUrl: string | null,
];

/**
 * The public page of a thread in one statement, answered as ONE JSON text: `[[isReply, ...PUBLIC_COLUMNS], ...]`.
 * The page of roots (ids only) is MATERIALIZED, so it runs once; every root of it is joined to its conversation
 * through comments_replies (a root's root_id is its own id, so the root comes with its replies). SQLite builds the
 * JSON in C and hands over one string, which JSON.parse reads: measured on the bench's 200-comment page, that is
 * about a third less than better-sqlite3 turning some 2,600 column values into JS values one by one, and the join
 * walks the index once per root where the earlier `IN (SELECT id FROM page)` built a list first.
 * Parameters: threadKey, [cursor createdAt, cursor id], limit + 1.
 */
export function publicThreadPageSql(withCursor: boolean, sort: 'oldest' | 'newest'): string {
  const dir = sort === 'oldest' ? 'ASC' : 'DESC';
  const cmp = sort === 'oldest' ? '>' : '<';
  const inStatuses = sqlList(THREAD_READ_STATUSES);
  return `
    WITH page AS MATERIALIZED (
      SELECT id FROM comments INDEXED BY comments_roots
      WHERE thread_key = ? AND depth = 0 AND status IN (${inStatuses})
        ${withCursor ? `AND (created_at, id) ${cmp} (?, ?)` : ''}
      ORDER BY created_at ${dir}, id ${dir}
      LIMIT ?
    )
    SELECT json_group_array(json_array(c.depth > 0, ${PUBLIC_COLUMNS.replace(/(^|, )/g, '$1c.')}))
    FROM page p JOIN comments c INDEXED BY comments_replies ON c.root_id = p.id
    WHERE c.status IN (${inStatuses})`;
}

/**
 * What a reader sees of one conversation (a root and its replies): approved comments reached from the root through
 * approved or deleted ones only, walking down the parent index. Parameter: the root id.
 */
export function conversationVisibleSql(): string {
  const open = sqlList(THREAD_READ_STATUSES);
  return `
    WITH RECURSIVE open(id, st) AS (
      SELECT id, status FROM comments WHERE id = ? AND status IN (${open})
      UNION ALL
      SELECT c.id, c.status FROM open o JOIN comments c INDEXED BY comments_parent ON c.parent_id = o.id WHERE c.status IN (${open})
    )
    SELECT COUNT(*) AS n FROM open WHERE st IN (${sqlList(PUBLIC_STATUSES)})`;
}

function toPublicRow(r: PublicRawRow): PublicCommentRow {
  return {
    id: r[1],
    parentId: r[2],
    rootId: r[3],
    status: r[4] as CommentStatus,
    authorName: r[5],
    website: r[6],
    avatar: r[7],
    html: r[8],
    createdAt: new Date(r[9]),
    editedAt: r[10] === null ? null : new Date(r[10]),
    ...(r[11] ? { moderator: true } : {}),
    ...(r[12] ? { badge: r[12] } : {}),
    ...(r[13] ? { avatarUrl: r[13] } : {}),
  };
}

export interface SqliteCommentsDeps {
  db: Database;
  /** Writes an audit entry on the same connection: called inside this part's transactions, it is part of them. */
  insertAudit: InsertAudit;
}

export function sqliteComments({ db, insertAudit }: SqliteCommentsDeps): CommentsPort {
  const stmt = statementCache(db);

  // The page statements are their own prepared statements: pluck(true) changes the statement it is called on, so a
  // statement shared through stmt() would start returning bare values to every other caller.
  const publicPageStmts = new Map<string, Statement>();
  const publicPageStmt = (withCursor: boolean, sort: 'oldest' | 'newest'): Statement => {
    const key = `${withCursor}:${sort}`;
    let s = publicPageStmts.get(key);
    if (!s) {
      s = db.prepare(publicThreadPageSql(withCursor, sort)).pluck(true);
      publicPageStmts.set(key, s);
    }
    return s;
  };

  function hasDuplicate(threadKey: string, emailKey: string, body: string, since: Date): boolean {
    const row = stmt(`${DUPLICATE_MATCH} LIMIT 1`).get(emailKey, threadKey, since.getTime(), body);
    return row !== undefined;
  }

  const insertSql = `INSERT INTO comments (id, thread_key, parent_id, root_id, depth, status, author_name, author_email,
      author_email_key, author_website, avatar, body, html, created_at, edited_at, edit_token_hash, ip, user_agent, referrer,
      spam_check, spam_reasons, recheck_attempts, recheck_at, history, author_moderator, author_identity, author_badge, author_avatar_url, notify, reply_to)
    VALUES (@id, @thread_key, @parent_id, @root_id, @depth, @status, @author_name, @author_email, @author_email_key,
      @author_website, @avatar, @body, @html, @created_at, @edited_at, @edit_token_hash, @ip, @user_agent, @referrer,
      @spam_check, @spam_reasons, @recheck_attempts, @recheck_at, @history, @author_moderator, @author_identity, @author_badge, @author_avatar_url, @notify, @reply_to)`;

  const getComment = (id: string): Comment | undefined => {
    const row = stmt('SELECT * FROM comments WHERE id = ?').get(id) as CommentRow | undefined;
    return row ? toComment(row) : undefined;
  };

  // The visible count of a thread changes only when a status does. Every write that can change one measures the
  // conversations it touches before and after, in its (immediate) transaction, and adds the difference.
  const conversationVisible = (rootId: string): number => (stmt(conversationVisibleSql()).get(rootId) as { n: number }).n;
  const addVisible = (threadKey: string, delta: number): void => {
    if (delta === 0) return;
    stmt('INSERT INTO thread_counts (thread_key, visible) VALUES (?, ?) ON CONFLICT (thread_key) DO UPDATE SET visible = visible + excluded.visible').run(
      threadKey,
      delta,
    );
  };
  const keepingCounts = <T>(conversations: readonly { threadKey: string; rootId: string }[], write: () => T): T => {
    const before = conversations.map((c) => conversationVisible(c.rootId));
    const result = write();
    conversations.forEach((c, i) => addVisible(c.threadKey, conversationVisible(c.rootId) - before[i]!));
    return result;
  };

  const notifyOf = (id: string): PendingNotification[] => readNotify((stmt('SELECT notify FROM comments WHERE id = ?').get(id) as { notify: string | null } | undefined)?.notify ?? null);
  const writeNotify = (id: string, entries: readonly PendingNotification[]): void => {
    stmt('UPDATE comments SET notify = ? WHERE id = ?').run(entries.length > 0 ? JSON.stringify(entries.map(storedNotify)) : null, id);
  };
  const addNotify = (id: string, entry: PendingNotification): void => writeNotify(id, [...notifyOf(id), entry]);
  const clearNotifyTx = db.transaction((id: string, done: readonly PendingNotification[]): void => {
    const current = notifyOf(id);
    const gone = new Set(done.map(pendingNotificationKey));
    const remaining = current.filter((p) => !gone.has(pendingNotificationKey(p)));
    if (remaining.length !== current.length) writeNotify(id, remaining);
  });

  const updateTx = db.transaction((id: string, patch: CommentPatch, options: UpdateOptions): Comment | undefined => {
    const current = getComment(id);
    if (!current) return undefined;
    if (options.ifStatus !== undefined && current.status !== options.ifStatus) return undefined;
    const next: Comment = {
      ...current,
      status: patch.status ?? current.status,
      body: patch.body ?? current.body,
      html: patch.html ?? current.html,
      editedAt: patch.editedAt !== undefined ? patch.editedAt : current.editedAt,
      spamCheck: patch.spamCheck ?? current.spamCheck,
      spamReasons: patch.spamReasons ?? current.spamReasons,
      context: patch.context ?? current.context,
      recheck: patch.recheck !== undefined ? patch.recheck : current.recheck,
      history: patch.appendHistory ? [...current.history, patch.appendHistory] : current.history,
    };
    const r = toRow(next);
    const write = () =>
      stmt(`UPDATE comments SET status = @status, body = @body, html = @html, edited_at = @edited_at, spam_check = @spam_check,
        spam_reasons = @spam_reasons, ip = @ip, user_agent = @user_agent, referrer = @referrer, history = @history,
        recheck_attempts = @recheck_attempts, recheck_at = @recheck_at
      WHERE id = @id`).run(r);
    if (next.status === current.status) write();
    else keepingCounts([current], write);
    if (options.notify) addNotify(id, options.notify);
    if (options.audit) insertAudit(options.audit);
    return next;
  });

  // IMMEDIATE (insertTx.immediate) takes the write lock before the duplicate read, so another process on the file
  // cannot interleave between the check and the insert.
  const insertTx = db.transaction((comment: Comment, duplicateSince: Date | undefined, audit: AuditEntry | undefined, notify: PendingNotification | undefined): void => {
    if (duplicateSince !== undefined && hasDuplicate(comment.threadKey, comment.author.emailKey, comment.body, duplicateSince)) {
      throw new ConflictError('duplicate_comment', 'You already posted this comment here.');
    }
    // The pending notification is one more column of the same insert.
    keepingCounts([comment], () => stmt(insertSql).run({ ...toRow(comment), notify: notify ? JSON.stringify([storedNotify(notify)]) : null }));
    stmt('UPDATE threads SET last_comment_at = max(last_comment_at, ?) WHERE key = ?').run(comment.createdAt.getTime(), comment.threadKey);
    if (audit) insertAudit(audit);
  });

  const eraseTx = db.transaction((emailKey: string, mode: EraseMode, audit: AuditEntry | undefined): number => {
    const erased = eraseRows(emailKey, mode);
    if (audit) insertAudit({ ...audit, reason: `${audit.reason ?? ''}: ${erased} comments` });
    return erased;
  });

  function eraseRows(emailKey: string, mode: EraseMode): number {
    const common = `author_email = '', author_email_key = '', avatar = '', author_website = NULL, author_identity = NULL, author_badge = NULL,
      author_avatar_url = NULL, ip = NULL, user_agent = NULL,
      referrer = NULL, history = '[]', edit_token_hash = NULL`;
    if (mode === 'anonymize') {
      return stmt(`UPDATE comments SET ${common}, author_name = ? WHERE author_email_key = ?`).run(ANONYMOUS_NAME, emailKey).changes;
    }
    const touched = stmt(
      "SELECT DISTINCT thread_key AS threadKey, root_id AS rootId FROM comments WHERE author_email_key = ? AND status != 'deleted'",
    ).all(emailKey) as { threadKey: string; rootId: string }[];
    return keepingCounts(
      touched,
      () =>
        stmt(`UPDATE comments SET ${common}, author_name = '', body = '', html = '', status = 'deleted', recheck_at = NULL,
          recheck_attempts = NULL WHERE author_email_key = ?`).run(emailKey).changes,
    );
  }

  return {
    async ensureThread({ key, url, now }) {
      stmt(
        'INSERT INTO threads (key, url, created_at, locked) VALUES (?, ?, ?, 0) ON CONFLICT (key) DO UPDATE SET url = coalesce(threads.url, excluded.url)',
      ).run(
        key,
        url,
        now.getTime(),
      );
      return toThread(stmt('SELECT * FROM threads WHERE key = ?').get(key) as ThreadRow);
    },

    async getThread(key) {
      const row = stmt('SELECT * FROM threads WHERE key = ?').get(key) as ThreadRow | undefined;
      return row ? toThread(row) : undefined;
    },

    async insertComment(comment, options = {}) {
      try {
        insertTx.immediate(comment, options.duplicateSince, options.audit, options.notify);
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
          throw new ConflictError('conflict', 'A comment with this id already exists.');
        }
        throw err;
      }
    },

    async getComment(id) {
      return getComment(id);
    },

    async updateComment(id, patch, options = {}) {
      return updateTx.immediate(id, patch, options);
    },

    async listThread({ threadKey, statuses, sort, cursor, limit }: ListThreadRequest): Promise<ThreadPage> {
      if (statuses.length === 0) return { roots: [], replies: [], nextCursor: null };
      const sql = threadPageSql(statuses.length, cursor !== null, sort);
      const params: unknown[] = [threadKey, ...statuses];
      if (cursor) params.push(cursor.createdAt.getTime(), cursor.id);
      params.push(limit + 1, ...statuses);
      const rows = stmt(sql).all(...params) as CommentRow[];

      const sign = sort === 'oldest' ? 1 : -1;
      const byKey = (a: CommentRow, b: CommentRow) => a.created_at - b.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
      const allRoots = rows.filter((r) => r.depth === 0).sort((a, b) => sign * byKey(a, b));
      const hasMore = allRoots.length > limit;
      const roots = allRoots.slice(0, limit);
      const pageIds = new Set(roots.map((r) => r.id));
      const replies = rows.filter((r) => r.depth > 0 && pageIds.has(r.root_id)).sort(byKey);
      const last = roots[roots.length - 1];
      return {
        roots: roots.map(toComment),
        replies: replies.map(toComment),
        nextCursor: hasMore && last ? { createdAt: new Date(last.created_at), id: last.id } : null,
      };
    },

    async listThreadPublic({ threadKey, sort, cursor, limit }: ListThreadPublicRequest): Promise<PublicThreadPage> {
      const params: unknown[] = [threadKey];
      if (cursor) params.push(cursor.createdAt.getTime(), cursor.id);
      params.push(limit + 1);
      const rows = JSON.parse(publicPageStmt(cursor !== null, sort).get(...params) as string) as PublicRawRow[];

      const sign = sort === 'oldest' ? 1 : -1;
      const byKey = (a: PublicRawRow, b: PublicRawRow) => a[9] - b[9] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
      const allRoots = rows.filter((r) => r[0] === 0).sort((a, b) => sign * byKey(a, b));
      const hasMore = allRoots.length > limit;
      const roots = hasMore ? allRoots.slice(0, limit) : allRoots;
      // The extra root only tells that a next page exists: its replies are not part of this page.
      const extra = hasMore ? allRoots[limit]![1] : null;
      const replies = rows.filter((r) => r[0] === 1 && r[3] !== extra).sort(byKey);
      const last = roots[roots.length - 1];
      return {
        roots: roots.map(toPublicRow),
        replies: replies.map(toPublicRow),
        nextCursor: hasMore && last ? { createdAt: new Date(last[9]), id: last[1] } : null,
      };
    },

    async countVisible(threadKeys) {
      const counts = new Map<string, number>(threadKeys.map((k) => [k, 0]));
      if (threadKeys.length === 0) return counts;
      const unique = [...new Set(threadKeys)];
      const rows = stmt(`SELECT thread_key AS k, visible AS n FROM thread_counts WHERE thread_key IN (${placeholders(unique.length)})`).all(
        ...unique,
      ) as { k: string; n: number }[];
      for (const r of rows) counts.set(r.k, r.n);
      return counts;
    },

    async countByThreads({ threadKeys, statuses }: CountRequest) {
      const counts = new Map<string, number>(threadKeys.map((k) => [k, 0]));
      if (threadKeys.length === 0 || statuses.length === 0) return counts;
      const rows = stmt(
        `SELECT thread_key AS k, COUNT(*) AS n FROM comments
         WHERE thread_key IN (${placeholders(threadKeys.length)}) AND status IN (${placeholders(statuses.length)})
         GROUP BY thread_key`,
      ).all(...threadKeys, ...statuses) as { k: string; n: number }[];
      for (const r of rows) counts.set(r.k, r.n);
      return counts;
    },

    async getComments(ids) {
      if (ids.length === 0) return [];
      const rows = stmt(`SELECT * FROM comments WHERE id IN (${placeholders(ids.length)})`).all(...ids) as CommentRow[];
      return rows.map(toComment);
    },

    async hasApprovedComment(emailKey) {
      if (emailKey === '') return false;
      return stmt("SELECT 1 FROM comments WHERE author_email_key = ? AND status = 'approved' LIMIT 1").get(emailKey) !== undefined;
    },

    async hasRecentDuplicate({ threadKey, emailKey, body, since }) {
      return hasDuplicate(threadKey, emailKey, body, since);
    },

    async listDueRechecks({ now, limit }) {
      const rows = stmt(
        `SELECT * FROM comments WHERE spam_check = 'unchecked' AND recheck_at <= ? AND status = 'pending'
         ORDER BY recheck_at, id LIMIT ?`,
      ).all(now.getTime(), limit) as CommentRow[];
      return rows.map(toComment);
    },

    async countUnchecked() {
      const row = stmt("SELECT COUNT(*) AS n FROM comments WHERE spam_check = 'unchecked' AND status = 'pending'").get() as { n: number };
      return row.n;
    },

    async eraseContextBefore(before) {
      return stmt(
        `UPDATE comments SET ip = NULL, user_agent = NULL, referrer = NULL
         WHERE created_at < ? AND (ip IS NOT NULL OR user_agent IS NOT NULL OR referrer IS NOT NULL)`,
      ).run(before.getTime()).changes;
    },

    async clearNotifications(commentId, done) {
      if (done.length > 0) clearNotifyTx.immediate(commentId, done);
    },

    async listPendingNotifications({ before, limit }): Promise<PendingNotifications[]> {
      // The partial index holds marked rows only: a handful (in-flight writes and what crashes left).
      const rows = stmt('SELECT * FROM comments INDEXED BY comments_notify WHERE notify IS NOT NULL').all() as (CommentRow & { notify: string | null })[];
      const found: PendingNotifications[] = [];
      for (const r of rows) {
        const pending = readNotify(r.notify).filter((p) => p.at.getTime() <= before.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
        if (pending.length > 0) found.push({ comment: toComment(r), pending });
        if (found.length >= limit) break;
      }
      return found;
    },

    async listQueue({ statuses, threadKey, search, cursor, limit }) {
      if (statuses.length === 0) return { comments: [], nextCursor: null };
      const where = [`status IN (${placeholders(statuses.length)})`];
      const params: unknown[] = [...statuses];
      if (threadKey !== undefined) {
        where.push('thread_key = ?');
        params.push(threadKey);
      }
      if (search) {
        where.push('(instr(lower(body), ?) > 0 OR instr(lower(author_name), ?) > 0 OR instr(lower(author_email), ?) > 0)');
        const needle = search.toLowerCase();
        params.push(needle, needle, needle);
      }
      if (cursor) {
        where.push('(created_at, id) < (?, ?)');
        params.push(cursor.createdAt.getTime(), cursor.id);
      }
      const rows = stmt(`SELECT * FROM comments WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`).all(
        ...params,
        limit + 1,
      ) as CommentRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        comments: page.map(toComment),
        nextCursor: rows.length > limit && last ? { createdAt: new Date(last.created_at), id: last.id } : null,
      };
    },

    async countByStatus({ threadKey }) {
      const rows = (
        threadKey === undefined
          ? stmt('SELECT status, COUNT(*) AS n FROM comments GROUP BY status').all()
          : stmt('SELECT status, COUNT(*) AS n FROM comments WHERE thread_key = ? GROUP BY status').all(threadKey)
      ) as { status: string; n: number }[];
      const counts = emptyStatusCounts();
      for (const r of rows) if (r.status in counts) counts[r.status as keyof StatusCounts] = r.n;
      return counts;
    },

    async countByThreadStatus(threadKeys) {
      const result = new Map<string, StatusCounts>(threadKeys.map((k) => [k, emptyStatusCounts()]));
      if (threadKeys.length === 0) return result;
      const rows = stmt(
        `SELECT thread_key AS k, status, COUNT(*) AS n FROM comments WHERE thread_key IN (${placeholders(threadKeys.length)})
         GROUP BY thread_key, status`,
      ).all(...threadKeys) as { k: string; status: string; n: number }[];
      for (const r of rows) {
        const counts = result.get(r.k);
        if (counts && r.status in counts) counts[r.status as keyof StatusCounts] = r.n;
      }
      return result;
    },

    async setThreadLocked({ key, url, now }, locked, options = {}) {
      db.transaction(() => {
        stmt('INSERT INTO threads (key, url, created_at, locked) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET locked = excluded.locked').run(
          key,
          url,
          now.getTime(),
          locked ? 1 : 0,
        );
        if (options.audit) insertAudit(options.audit);
      }).immediate();
      return toThread(stmt('SELECT * FROM threads WHERE key = ?').get(key) as ThreadRow);
    },

    async listThreads({ cursor, limit }) {
      const after = cursor ? decodeKeyset(cursor) : null;
      const rows = (
        after
          ? stmt('SELECT * FROM threads WHERE (last_comment_at, key) < (?, ?) ORDER BY last_comment_at DESC, key DESC LIMIT ?').all(
              after[0],
              after[1],
              limit + 1,
            )
          : stmt('SELECT * FROM threads ORDER BY last_comment_at DESC, key DESC LIMIT ?').all(limit + 1)
      ) as ThreadRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { threads: page.map(toThread), nextCursor: rows.length > limit && last ? encodeKeyset(last.last_comment_at, last.key) : null };
    },

    async listByAuthor(emailKey) {
      refuseEmptyKey(emailKey);
      return (stmt('SELECT * FROM comments WHERE author_email_key = ? ORDER BY created_at, id').all(emailKey) as CommentRow[]).map(toComment);
    },

    async eraseAuthor({ emailKey, mode, audit }) {
      refuseEmptyKey(emailKey);
      return eraseTx.immediate(emailKey, mode, audit);
    },

    async listByIdentity({ identityKey, cursor, limit }) {
      refuseEmptyKey(identityKey);
      const rows = (
        cursor
          ? stmt(`SELECT * FROM comments INDEXED BY comments_identity WHERE author_identity = ? AND status != 'deleted'
              AND (created_at, id) < (?, ?) ORDER BY created_at DESC, id DESC LIMIT ?`).all(identityKey, cursor.createdAt.getTime(), cursor.id, limit + 1)
          : stmt(`SELECT * FROM comments INDEXED BY comments_identity WHERE author_identity = ? AND status != 'deleted'
              ORDER BY created_at DESC, id DESC LIMIT ?`).all(identityKey, limit + 1)
      ) as CommentRow[];
      const page = rows.slice(0, limit).map(toComment);
      const last = page[page.length - 1];
      return { comments: page, nextCursor: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null };
    },
  };
}
