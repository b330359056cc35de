/** Moderators' decisions: the actions, where each leads, the audit entry it leaves, and bans. */
import type { BanKind } from './ban.js';
import type { CommentStatus } from './comment.js';

export const MODERATION_ACTIONS = ['approve', 'reject', 'spam', 'ham', 'delete', 'restore'] as const;
export type ModerationAction = (typeof MODERATION_ACTIONS)[number];

/** The status an action moves a comment to. Whether the move is allowed is canTransition's call. */
export const ACTION_TARGET: Record<ModerationAction, CommentStatus> = {
  approve: 'approved',
  reject: 'rejected',
  spam: 'spam',
  // "Not spam": the comment is published.
  ham: 'approved',
  delete: 'deleted',
  // A restored comment goes back to the queue for a fresh decision.
  restore: 'pending',
};

export type AuditAction =
  | ModerationAction
  | 'edit'
  | 'lock_thread'
  | 'unlock_thread'
  | 'ban'
  | 'unban'
  | 'export_author'
  | 'erase_author'
  | 'reply'
  | AccountAuditAction;

/** Sign-ins and account changes of moderator accounts (moderators/): audited with the decisions. */
export const ACCOUNT_AUDIT_ACTIONS = ['sign_in', 'sign_in_failed', 'sign_out', 'moderator_add', 'moderator_disable', 'moderator_enable', 'moderator_reset'] as const;
export type AccountAuditAction = (typeof ACCOUNT_AUDIT_ACTIONS)[number];

export interface AuditEntry {
  id: string;
  at: Date;
  /** The label of the moderator's token, or a moderator account's name and id (domain/moderator.ts moderatorActor). */
  actor: string;
  action: AuditAction;
  commentId: string | null;
  /** The thread a thread-level action concerned. */
  threadKey: string | null;
  from: CommentStatus | null;
  to: CommentStatus | null;
  reason: string | null;
}

export interface Ban {
  id: string;
  kind: BanKind;
  /** Keyed hash of the normalised email, the domain or the IP network (see domain/ban.ts): no address is stored. */
  hash: string;
  /** For an IP ban, the prefix length it covers (null for bans stored before prefixes: one address). */
  prefix: number | null;
  reason: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  actor: string;
}

export type EraseMode = 'delete' | 'anonymize';

/** What an anonymised author is called afterwards. */
export const ANONYMOUS_NAME = 'Anonymous';
