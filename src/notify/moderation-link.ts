/**
 * Signed links in a moderator alert: approve or mark as spam one held comment without signing in. The link names the
 * comment, the action, an expiry and the held state it was made for, signed with a key derived from SECRET. It is
 * single-use: it acts only on a comment still pending (the moderation use case's compare-and-set) and still in that
 * state — the comment's audit entries and its edits (see heldState) — so a second use, a use after anyone else decided, and a
 * use after the comment went back to the queue (a moderator's move, or its author's edit held again: a new alert with
 * new links goes out then) are all refused.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Comment } from '../domain/comment.js';
import type { ModerationPort } from '../storage/moderation-port.js';

export const LINK_ACTIONS = ['approve', 'spam'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];
export const LINK_VALID_MS = 7 * 24 * 3_600_000;

const keyOf = (secret: string) => createHmac('sha256', secret).update('parley moderation link v1').digest();
const mac = (secret: string, payload: string) => createHmac('sha256', keyOf(secret)).update(payload).digest('base64url');

/** Audit entries of one comment the held state reads at most (a comment has a handful). */
const STATE_AUDIT_ENTRIES = 100;

/**
 * The held state a link is bound to: the comment's audit entries (every moderator decision writes one) and its edits
 * (how many, and the latest's time). 16 base64url characters; not secret (the link's MAC covers it). The entries' ids
 * are hashed as a set, so a new entry changes the state even when it shares its millisecond with the one before.
 */
export async function heldState(audit: Pick<ModerationPort, 'listAudit'>, comment: Pick<Comment, 'id' | 'editedAt' | 'history'>): Promise<string> {
  const { entries } = await audit.listAudit({ commentId: comment.id, cursor: null, limit: STATE_AUDIT_ENTRIES });
  const ids = entries.map((e) => e.id).sort();
  return createHash('sha256').update(`${ids.join(',')}\u0000${comment.history.length}\u0000${comment.editedAt ? comment.editedAt.getTime() : ''}`).digest('base64url').slice(0, 16);
}

export function signModerationLink(secret: string, link: { commentId: string; action: LinkAction; expiresAt: Date; state: string }): string {
  const payload = `${Buffer.from(link.commentId, 'utf8').toString('base64url')}.${link.action}.${Math.floor(link.expiresAt.getTime() / 1000)}.${link.state}`;
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifiedLink = { ok: true; commentId: string; action: LinkAction; state: string } | { ok: false; reason: 'invalid' | 'expired' };

export function verifyModerationLink(secret: string, token: string, now: Date): VerifiedLink {
  const m = /^([A-Za-z0-9_-]{1,200})\.(approve|spam)\.(\d{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'invalid' };
  const payload = `${m[1]}.${m[2]}.${m[3]}.${m[4]}`;
  const given = Buffer.from(m[5]!, 'utf8');
  const expected = Buffer.from(mac(secret, payload), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  if (Number(m[3]) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, commentId: Buffer.from(m[1]!, 'base64url').toString('utf8'), action: m[2] as LinkAction, state: m[4]! };
}
