/**
 * The moderator-accounts side of the storage port: accounts and their sign-in sessions. Pinned by
 * tests/storage/moderators-contract.ts.
 *
 * - Emails are stored as given (the service normalises them) and are unique: a second account with the same email is
 *   a ConflictError. They are private: nothing but the account lookups reads them.
 * - Sessions are keyed by the SHA-256 of their id (the id itself is never stored).
 * - `updateModerator` with `revokeSessions` deletes the account's sessions with the change (one transaction on SQLite;
 *   on MongoDB the sessions go right after the account write, and a session of a disabled account is refused anyway).
 */
import type { Moderator, ModeratorPatch, ModeratorSession } from '../domain/moderator.js';

export interface ModeratorsPort {
  /** ConflictError('conflict') when the email belongs to another account. */
  insertModerator(m: Moderator): Promise<void>;
  getModerator(id: string): Promise<Moderator | undefined>;
  findModeratorByEmail(email: string): Promise<Moderator | undefined>;
  /** Every account, oldest first: (createdAt, id) ascending. */
  listModerators(): Promise<Moderator[]>;
  /** The account after the change, or undefined when there is no such account. */
  updateModerator(id: string, patch: ModeratorPatch, options?: { revokeSessions?: boolean }): Promise<Moderator | undefined>;
  insertModeratorSession(s: ModeratorSession): Promise<void>;
  getModeratorSession(idHash: string): Promise<ModeratorSession | undefined>;
  touchModeratorSession(idHash: string, lastSeenAt: Date): Promise<void>;
  /** True when a session was removed. */
  deleteModeratorSession(idHash: string): Promise<boolean>;
  /** Removes every session of the account; the number removed. */
  deleteModeratorSessions(moderatorId: string): Promise<number>;
  /** Removes sessions whose absolute expiry is at or before `now`, or idle since before `idleBefore`. */
  pruneModeratorSessions(query: { now: Date; idleBefore: Date }): Promise<number>;
}
