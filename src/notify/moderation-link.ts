/**
 * Signed links in a moderator alert: approve or mark as spam one held comment without signing in. The link names the
 * comment, the action and an expiry, signed with a key derived from SECRET. It is single-use in effect: it acts only on
 * a comment still pending (the moderation use case's compare-and-set), so a second use, or a use after anyone else
 * decided, is refused.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const LINK_ACTIONS = ['approve', 'spam'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];
export const LINK_VALID_MS = 7 * 24 * 3_600_000;

const keyOf = (secret: string) => createHmac('sha256', secret).update('parley moderation link v1').digest();
const mac = (secret: string, payload: string) => createHmac('sha256', keyOf(secret)).update(payload).digest('base64url');

export function signModerationLink(secret: string, link: { commentId: string; action: LinkAction; expiresAt: Date }): string {
  const payload = `${Buffer.from(link.commentId, 'utf8').toString('base64url')}.${link.action}.${Math.floor(link.expiresAt.getTime() / 1000)}`;
  return `${payload}.${mac(secret, payload)}`;
}

export type VerifiedLink = { ok: true; commentId: string; action: LinkAction } | { ok: false; reason: 'invalid' | 'expired' };

export function verifyModerationLink(secret: string, token: string, now: Date): VerifiedLink {
  const m = /^([A-Za-z0-9_-]{1,200})\.(approve|spam)\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, reason: 'invalid' };
  const payload = `${m[1]}.${m[2]}.${m[3]}`;
  const given = Buffer.from(m[4]!, 'utf8');
  const expected = Buffer.from(mac(secret, payload), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
  if (Number(m[3]) * 1000 < now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, commentId: Buffer.from(m[1]!, 'base64url').toString('utf8'), action: m[2] as LinkAction };
}
