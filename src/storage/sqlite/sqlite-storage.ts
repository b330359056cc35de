import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database, Statement } from 'better-sqlite3';
import type { Comment, CommentStatus, EditRecord, SpamCheckState } from '../../domain/comment.js';
import { ConflictError } from '../../domain/errors.js';
import type {
  CommentPatch,
  CountRequest,
  ListThreadRequest,
  Storage,
  ThreadPage,
  ThreadRecord,
  UpdateOptions,
} from '../storage.js';
import { migrate } from './schema.js';

interface CommentRow {
  id: string;
  thread_key: string;
  parent_id: string | null;
  root_id: string;
  depth: number;
  status: string;
  author_name: string;
  author_email: string;
  author_email_key: string;
  author_website: string | null;
  avatar: string;
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

interface ThreadRow {
  key: string;
  url: string | null;
  created_at: number;
  locked: number;
}

interface StoredEdit {
  body: string;
  editedAt: number;
  by: EditRecord['by'];
}

function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    threadKey: r.thread_key,
    parentId: r.parent_id,
    rootId: r.root_id,
    depth: r.depth,
    status: r.status as CommentStatus,
    author: { name: r.author_name, email: r.author_email, emailKey: r.author_email_key, website: r.author_website, avatar: r.avatar },
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

function toRow(c: Comment): CommentRow {
  return {
    id: c.id,
    thread_key: c.threadKey,
    parent_id: c.parentId,
    root_id: c.rootId,
    depth: c.depth,
    status: c.status,
    author_name: c.author.name,
    author_email: c.author.email,
    author_email_key: c.author.emailKey,
    author_website: c.author.website,
    avatar: c.author.avatar,
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

function storedEdit(h: EditRecord): StoredEdit {
  return { body: h.body, editedAt: h.editedAt.getTime(), by: h.by };
}

function toThread(r: ThreadRow): ThreadRecord {
  return { key: r.key, url: r.url, createdAt: new Date(r.created_at), locked: r.locked === 1 };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

export interface SqliteStorageOptions {
  /** A directory to hold `parley.db`, or `:memory:`. */
  dataDir: string;
}

export function openSqliteStorage({ dataDir }: SqliteStorageOptions): Storage {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = path.join(dataDir, 'parley.db');
  }
  const db: Database = new BetterSqlite3(file);
  // The file holds emails and IPs: owner-only. SQLite gives the -wal and -shm files the same mode.
  if (file !== ':memory:') fs.chmodSync(file, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  // Statements whose shape depends on list lengths are cached by their SQL text.
  const cache = new Map<string, Statement>();
  const stmt = (sql: string): Statement => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };

  const insertSql = `INSERT INTO comments (id, thread_key, parent_id, root_id, depth, status, author_name, author_email,
      author_email_key, author_website, avatar, body, html, created_at, edited_at, edit_token_hash, ip, user_agent, referrer,
      spam_check, spam_reasons, recheck_attempts, recheck_at, history)
    VALUES (@id, @thread_key, @parent_id, @root_id, @depth, @status, @author_name, @author_email, @author_email_key,
      @author_website, @avatar, @body, @html, @created_at, @edited_at, @edit_token_hash, @ip, @user_agent, @referrer,
      @spam_check, @spam_reasons, @recheck_attempts, @recheck_at, @history)`;

  const getComment = (id: string): Comment | undefined => {
    const row = stmt('SELECT * FROM comments WHERE id = ?').get(id) as CommentRow | undefined;
    return row ? toComment(row) : undefined;
  };

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
    stmt(`UPDATE comments SET status = @status, body = @body, html = @html, edited_at = @edited_at, spam_check = @spam_check,
        spam_reasons = @spam_reasons, ip = @ip, user_agent = @user_agent, referrer = @referrer, history = @history,
        recheck_attempts = @recheck_attempts, recheck_at = @recheck_at
      WHERE id = @id`).run(r);
    return next;
  });

  const storage: Storage = {
    kind: 'sqlite',

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

    async insertComment(comment) {
      try {
        stmt(insertSql).run(toRow(comment));
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
      return updateTx(id, patch, options);
    },

    async listThread({ threadKey, statuses, sort, cursor, limit }: ListThreadRequest): Promise<ThreadPage> {
      if (statuses.length === 0) return { roots: [], replies: [], nextCursor: null };
      const dir = sort === 'oldest' ? 'ASC' : 'DESC';
      const cmp = sort === 'oldest' ? '>' : '<';
      const inStatuses = placeholders(statuses.length);
      // One statement: the page of roots (one extra row tells whether another page follows) and their replies.
      const sql = `
        WITH page AS (
          SELECT * FROM comments
          WHERE thread_key = ? AND depth = 0 AND status IN (${inStatuses})
            ${cursor ? `AND (created_at, id) ${cmp} (?, ?)` : ''}
          ORDER BY created_at ${dir}, id ${dir}
          LIMIT ?
        )
        SELECT * FROM page
        UNION ALL
        SELECT c.* FROM comments c
        WHERE c.root_id IN (SELECT id FROM page) AND c.depth >= 1 AND c.status IN (${inStatuses})`;
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
      return stmt("SELECT 1 FROM comments WHERE author_email_key = ? AND status = 'approved' LIMIT 1").get(emailKey) !== undefined;
    },

    async hasRecentDuplicate({ threadKey, emailKey, body, since }) {
      const row = stmt(
        'SELECT 1 FROM comments WHERE author_email_key = ? AND thread_key = ? AND created_at >= ? AND body = ? LIMIT 1',
      ).get(emailKey, threadKey, since.getTime(), body);
      return row !== undefined;
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

    async ping() {
      stmt('SELECT 1').get();
    },

    async close() {
      if (db.open) db.close();
    },
  };
  return storage;
}
