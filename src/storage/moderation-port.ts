/**
 * The moderation-records side of the storage port: the audit log and bans. A ban and its removal carry their audit
 * entry, written with them as a decision's is (see UpdateOptions.audit in ./comments-port.ts). Pinned by
 * tests/storage/moderation-contract.ts.
 */
import type { AuditEntry, Ban } from '../domain/moderation.js';
import type { PageCursor } from './comments-port.js';

export interface AuditQuery {
  commentId?: string | undefined;
  cursor: PageCursor | null;
  limit: number;
}

export interface AuditPage {
  /** Newest first: (at, id) descending. */
  entries: AuditEntry[];
  nextCursor: PageCursor | null;
}

export interface ModerationPort {
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditPage>;
  /** `audit` is written with the ban, as with a decision (see UpdateOptions.audit). */
  insertBan(ban: Ban, options?: { audit?: AuditEntry }): Promise<void>;
  /** Every ban, newest first, expired ones included. */
  listBans(): Promise<Ban[]>;
  /** True when a ban was removed. */
  deleteBan(id: string, options?: { audit?: AuditEntry }): Promise<boolean>;
  /** A ban on any of these hashes that has not expired at `now`. */
  findActiveBan(query: { hashes: readonly string[]; now: Date }): Promise<Ban | undefined>;
}
