/**
 * The SQLite side of the moderation port (../moderation-port.ts): the audit log and bans. A ban or an unban and its
 * audit entry are one immediate transaction.
 */
import type { Database } from 'better-sqlite3';
import type { AuditEntry, Ban } from '../../domain/moderation.js';
import type { ModerationPort } from '../moderation-port.js';
import { placeholders, statementCache } from './sqlite-statements.js';

interface AuditRow {
  id: string;
  at: number;
  actor: string;
  action: string;
  comment_id: string | null;
  thread_key: string | null;
  from_status: string | null;
  to_status: string | null;
  reason: string | null;
}

interface BanRow {
  id: string;
  kind: string;
  hash: string;
  reason: string | null;
  created_at: number;
  expires_at: number | null;
  actor: string;
  prefix: number | null;
}

function toAudit(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: new Date(r.at),
    actor: r.actor,
    action: r.action as AuditEntry['action'],
    commentId: r.comment_id,
    threadKey: r.thread_key,
    from: r.from_status as AuditEntry['from'],
    to: r.to_status as AuditEntry['to'],
    reason: r.reason,
  };
}

function toBan(r: BanRow): Ban {
  return {
    id: r.id,
    kind: r.kind as Ban['kind'],
    hash: r.hash,
    prefix: r.prefix,
    reason: r.reason,
    createdAt: new Date(r.created_at),
    expiresAt: r.expires_at === null ? null : new Date(r.expires_at),
    actor: r.actor,
  };
}

/** Writes one audit entry; run inside another part's transaction, it commits or rolls back with that change. */
export type InsertAudit = (entry: AuditEntry) => void;

export function sqliteAuditWriter(db: Database): InsertAudit {
  const insert = db.prepare(
    `INSERT INTO audit (id, at, actor, action, comment_id, thread_key, from_status, to_status, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  return (e) => {
    insert.run(e.id, e.at.getTime(), e.actor, e.action, e.commentId, e.threadKey, e.from, e.to, e.reason);
  };
}

/** A ban on one of `hashCount` hashes, not expired at the last parameter (ms). Shared with postChecks (sqlite-post-checks.ts). */
export const activeBanMatch = (hashCount: number) => `SELECT * FROM bans WHERE hash IN (${placeholders(hashCount)}) AND (expires_at IS NULL OR expires_at > ?)`;

export function sqliteModeration({ db, insertAudit }: { db: Database; insertAudit: InsertAudit }): ModerationPort {
  const stmt = statementCache(db);

  return {
    async appendAudit(e) {
      insertAudit(e);
    },

    async listAudit({ commentId, cursor, limit }) {
      const where: string[] = [];
      const params: unknown[] = [];
      if (commentId !== undefined) {
        where.push('comment_id = ?');
        params.push(commentId);
      }
      if (cursor) {
        where.push('(at, id) < (?, ?)');
        params.push(cursor.createdAt.getTime(), cursor.id);
      }
      const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`;
      const rows = stmt(sql).all(...params, limit + 1) as AuditRow[];
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return { entries: page.map(toAudit), nextCursor: rows.length > limit && last ? { createdAt: new Date(last.at), id: last.id } : null };
    },

    async insertBan(b, options = {}) {
      db.transaction(() => {
        stmt('INSERT INTO bans (id, kind, hash, prefix, reason, created_at, expires_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
          b.id,
          b.kind,
          b.hash,
          b.prefix,
          b.reason,
          b.createdAt.getTime(),
          b.expiresAt ? b.expiresAt.getTime() : null,
          b.actor,
        );
        if (options.audit) insertAudit(options.audit);
      }).immediate();
    },

    async listBans() {
      return (stmt('SELECT * FROM bans ORDER BY created_at DESC, id DESC').all() as BanRow[]).map(toBan);
    },

    async deleteBan(id, options = {}) {
      return db.transaction(() => {
        const deleted = stmt('DELETE FROM bans WHERE id = ?').run(id).changes > 0;
        if (deleted && options.audit) insertAudit(options.audit);
        return deleted;
      }).immediate();
    },

    async findActiveBan({ hashes, now }) {
      if (hashes.length === 0) return undefined;
      const row = stmt(`${activeBanMatch(hashes.length)} ORDER BY created_at DESC LIMIT 1`).get(...hashes, now.getTime()) as BanRow | undefined;
      return row ? toBan(row) : undefined;
    },
  };
}
