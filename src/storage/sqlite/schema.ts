import type { Database } from 'better-sqlite3';

/**
 * Migrations, applied in order; PRAGMA user_version records how many ran.
 * Append new steps; never edit one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE threads (
    key        TEXT PRIMARY KEY,
    url        TEXT,
    created_at INTEGER NOT NULL,
    locked     INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;

  CREATE TABLE comments (
    id              TEXT PRIMARY KEY,
    thread_key      TEXT NOT NULL,
    parent_id       TEXT,
    root_id         TEXT NOT NULL,
    depth           INTEGER NOT NULL,
    status          TEXT NOT NULL,
    author_name     TEXT NOT NULL,
    author_email    TEXT NOT NULL,
    author_website  TEXT,
    avatar          TEXT NOT NULL,
    body            TEXT NOT NULL,
    html            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    edit_token_hash TEXT,
    ip              TEXT,
    user_agent      TEXT,
    referrer        TEXT,
    spam_check      TEXT NOT NULL,
    spam_reasons    TEXT NOT NULL DEFAULT '[]',
    history         TEXT NOT NULL DEFAULT '[]'
  );

  -- A page of top-level comments: equality on thread and depth, then the (created_at, id) keyset order.
  CREATE INDEX comments_roots ON comments (thread_key, depth, created_at, id);
  -- The replies of a page's roots, in conversation order.
  CREATE INDEX comments_replies ON comments (root_id, created_at, id);
  -- Counts per thread and status.
  CREATE INDEX comments_counts ON comments (thread_key, status);
  `,
  `
  -- Spam checks: the author's keyed email hash (first-time moderation, duplicates) and the re-check schedule.
  ALTER TABLE comments ADD COLUMN author_email_key TEXT NOT NULL DEFAULT '';
  ALTER TABLE comments ADD COLUMN recheck_attempts INTEGER;
  ALTER TABLE comments ADD COLUMN recheck_at INTEGER;
  CREATE INDEX comments_author ON comments (author_email_key, status);
  CREATE INDEX comments_recheck ON comments (spam_check, recheck_at);
  `,
  `
  -- Moderation: the queue by status, threads by latest activity, the audit log and bans (hashes only).
  CREATE INDEX comments_queue ON comments (status, created_at, id);
  ALTER TABLE threads ADD COLUMN last_comment_at INTEGER NOT NULL DEFAULT 0;
  UPDATE threads SET last_comment_at = coalesce((SELECT max(created_at) FROM comments WHERE thread_key = threads.key), 0);
  CREATE INDEX threads_recent ON threads (last_comment_at, key);
  CREATE TABLE audit (
    id          TEXT PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    comment_id  TEXT,
    thread_key  TEXT,
    from_status TEXT,
    to_status   TEXT,
    reason      TEXT
  );
  CREATE INDEX audit_at ON audit (at, id);
  CREATE INDEX audit_comment ON audit (comment_id, at, id);
  CREATE TABLE bans (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    hash       TEXT NOT NULL,
    reason     TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    actor      TEXT NOT NULL
  );
  CREATE INDEX bans_hash ON bans (hash);
  `,
  `
  -- Bans by domain and by IP prefix: the prefix an IP ban covers (NULL: one address, as stored before).
  ALTER TABLE bans ADD COLUMN prefix INTEGER;
  `,
  `
  -- Visible counts: what a reader sees per thread (approved comments without a pending, spam or rejected ancestor),
  -- kept up to date in the transaction of every write that changes a status; walks use the parent index.
  CREATE INDEX IF NOT EXISTS comments_parent ON comments (parent_id);
  CREATE TABLE IF NOT EXISTS thread_counts (
    thread_key TEXT PRIMARY KEY,
    visible    INTEGER NOT NULL
  ) WITHOUT ROWID;
  WITH RECURSIVE open(id, k, st) AS (
    SELECT id, thread_key, status FROM comments WHERE depth = 0 AND status IN ('approved', 'deleted')
    UNION ALL
    SELECT c.id, c.thread_key, c.status FROM open o JOIN comments c ON c.parent_id = o.id WHERE c.status IN ('approved', 'deleted')
  )
  INSERT OR REPLACE INTO thread_counts (thread_key, visible) SELECT k, count(*) FROM open WHERE st = 'approved' GROUP BY k;
  `,
  `
  -- Moderators reply from the admin page: 1 marks such a reply (its author_name is the moderator's display name).
  ALTER TABLE comments ADD COLUMN author_moderator INTEGER NOT NULL DEFAULT 0;
  `,
  `
  -- The notification outbox (webhooks, mail): delivered by a job, at least once; lease_until 0 = unclaimed.
  CREATE TABLE IF NOT EXISTS outbox (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    channel         TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_at         INTEGER NOT NULL,
    lease_until     INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER
  );
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox (status, next_at);
  `,
  `
  -- Reply notifications (double opt-in): one subscriber per address, one subscription per (address, comment).
  CREATE TABLE IF NOT EXISTS subscribers (
    id           TEXT PRIMARY KEY,
    email_key    TEXT NOT NULL UNIQUE,
    email        TEXT NOT NULL,
    lang         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    confirmed_at INTEGER
  );
  CREATE TABLE IF NOT EXISTS subscriptions (
    id         TEXT PRIMARY KEY,
    email_key  TEXT NOT NULL,
    comment_id TEXT NOT NULL,
    thread_key TEXT NOT NULL,
    lang       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (email_key, comment_id)
  );
  CREATE INDEX IF NOT EXISTS subscriptions_comment ON subscriptions (comment_id);
  CREATE INDEX IF NOT EXISTS subscriptions_thread ON subscriptions (email_key, thread_key);
  `,
  `
  -- Signed-in commenters (host-site SSO, OpenID Connect): the keyed identity, badge and picture URL; NULL for guests.
  ALTER TABLE comments ADD COLUMN author_identity TEXT;
  ALTER TABLE comments ADD COLUMN author_badge TEXT;
  ALTER TABLE comments ADD COLUMN author_avatar_url TEXT;
  -- "My comments": one commenter's comments, newest first.
  CREATE INDEX IF NOT EXISTS comments_identity ON comments (author_identity, created_at, id);
  `,
  `
  -- Moderator accounts (issue 15): the email is private and unique; the password is a scrypt string.
  CREATE TABLE IF NOT EXISTS moderators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
  );
  -- Their sign-in sessions, keyed by the SHA-256 of the session id.
  CREATE TABLE IF NOT EXISTS moderator_sessions (
    id_hash      TEXT PRIMARY KEY,
    moderator_id TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS moderator_sessions_moderator ON moderator_sessions (moderator_id);
  CREATE INDEX IF NOT EXISTS moderator_sessions_expiry ON moderator_sessions (expires_at);
  CREATE INDEX IF NOT EXISTS moderator_sessions_idle ON moderator_sessions (last_seen_at);
  `,
  `
  -- Notification work recorded with the write that causes it (a JSON array; NULL when none): the notifier clears it
  -- once the outbox messages are stored, a sweep replays what a crash left. The partial index holds marked rows only.
  ALTER TABLE comments ADD COLUMN notify TEXT;
  CREATE INDEX IF NOT EXISTS comments_notify ON comments (id) WHERE notify IS NOT NULL;
  `,
  `
  -- The comment a reply answered when MAX_DEPTH stored it under a shallower ancestor (NULL: its parent).
  ALTER TABLE comments ADD COLUMN reply_to TEXT;
  `,
];

export function migrate(db: Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let v = current; v < MIGRATIONS.length; v += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
