/** The SQLite side of the moderator-accounts port (../moderators-port.ts): accounts and their sessions. */
import type { Database } from 'better-sqlite3';
import { ConflictError } from '../../domain/errors.js';
import type { Moderator, ModeratorSession } from '../../domain/moderator.js';
import type { ModeratorsPort } from '../moderators-port.js';
import { sqliteErrorCode } from './sqlite-errors.js';

export interface ModeratorRow {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: number;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

interface SessionRow {
  id_hash: string;
  moderator_id: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

export const toModerator = (r: ModeratorRow): Moderator => ({
  id: r.id,
  email: r.email,
  name: r.name,
  role: r.role as Moderator['role'],
  disabled: r.disabled === 1,
  passwordHash: r.password_hash,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

const toSession = (r: SessionRow): ModeratorSession => ({
  idHash: r.id_hash,
  moderatorId: r.moderator_id,
  createdAt: new Date(r.created_at),
  lastSeenAt: new Date(r.last_seen_at),
  expiresAt: new Date(r.expires_at),
});

export function sqliteModerators(db: Database): ModeratorsPort {
  const insert = db.prepare(
    'INSERT INTO moderators (id, email, name, role, disabled, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const byId = db.prepare('SELECT * FROM moderators WHERE id = ?');
  const byEmail = db.prepare('SELECT * FROM moderators WHERE email = ?');
  const all = db.prepare('SELECT * FROM moderators ORDER BY created_at, id');
  const update = db.prepare(
    `UPDATE moderators SET name = coalesce(?, name), role = coalesce(?, role), disabled = coalesce(?, disabled),
     password_hash = coalesce(?, password_hash), updated_at = ? WHERE id = ?`,
  );
  const insertSession = db.prepare('INSERT INTO moderator_sessions (id_hash, moderator_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)');
  const getSession = db.prepare('SELECT * FROM moderator_sessions WHERE id_hash = ?');
  const touch = db.prepare('UPDATE moderator_sessions SET last_seen_at = max(last_seen_at, ?) WHERE id_hash = ?');
  const deleteOne = db.prepare('DELETE FROM moderator_sessions WHERE id_hash = ?');
  const deleteOf = db.prepare('DELETE FROM moderator_sessions WHERE moderator_id = ?');
  const prune = db.prepare('DELETE FROM moderator_sessions WHERE expires_at <= ? OR last_seen_at < ?');

  return {
    async insertModerator(m) {
      try {
        insert.run(m.id, m.email, m.name, m.role, m.disabled ? 1 : 0, m.passwordHash, m.createdAt.getTime(), m.updatedAt.getTime());
      } catch (err) {
        if (sqliteErrorCode(err)?.startsWith('SQLITE_CONSTRAINT')) throw new ConflictError('conflict', 'A moderator with this email already exists.');
        throw err;
      }
    },
    async getModerator(id) {
      const row = byId.get(id) as ModeratorRow | undefined;
      return row ? toModerator(row) : undefined;
    },
    async findModeratorByEmail(email) {
      const row = byEmail.get(email) as ModeratorRow | undefined;
      return row ? toModerator(row) : undefined;
    },
    async listModerators() {
      return (all.all() as ModeratorRow[]).map(toModerator);
    },
    async updateModerator(id, patch, options = {}) {
      return db.transaction(() => {
        const changed = update.run(
          patch.name ?? null,
          patch.role ?? null,
          patch.disabled === undefined ? null : patch.disabled ? 1 : 0,
          patch.passwordHash ?? null,
          patch.updatedAt.getTime(),
          id,
        ).changes;
        if (changed === 0) return undefined;
        if (options.revokeSessions) deleteOf.run(id);
        return toModerator(byId.get(id) as ModeratorRow);
      }).immediate();
    },
    async insertModeratorSession(s) {
      insertSession.run(s.idHash, s.moderatorId, s.createdAt.getTime(), s.lastSeenAt.getTime(), s.expiresAt.getTime());
    },
    async getModeratorSession(idHash) {
      const row = getSession.get(idHash) as SessionRow | undefined;
      return row ? toSession(row) : undefined;
    },
    async touchModeratorSession(idHash, lastSeenAt) {
      touch.run(lastSeenAt.getTime(), idHash);
    },
    async deleteModeratorSession(idHash) {
      return deleteOne.run(idHash).changes > 0;
    },
    async deleteModeratorSessions(moderatorId) {
      return deleteOf.run(moderatorId).changes;
    },
    async pruneModeratorSessions({ now, idleBefore }) {
      return prune.run(now.getTime(), idleBefore.getTime()).changes;
    },
  };
}
