/**
 * Signed commenter tokens: proof that a post comes from someone who already has an approved comment under that email.
 * An email alone proves nothing (anyone can type anyone's), so first-time moderation trusts a returning commenter only
 * with this token. It is issued to the holder of an approved comment (with its 201, or through the edit token that
 * finds it later), binds the keyed email hash and its issue time, and carries no email: `c1.<issued, base36>.<mac>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A token older than this no longer counts; the widget gets a fresh one with the next approved comment. */
export const COMMENTER_TOKEN_MAX_AGE_MS = 365 * 86_400_000;

function mac(secret: string, emailKey: string, issuedAt: number): string {
  return createHmac('sha256', secret).update(`commenter-token:v1:${issuedAt}:${emailKey}`).digest('base64url');
}

export function issueCommenterToken(secret: string, emailKey: string, now: Date): string {
  const t = now.getTime();
  return `c1.${t.toString(36)}.${mac(secret, emailKey, t)}`;
}

/** Whether the token was issued by this server for this email key, and is neither from the future nor too old. */
export function verifyCommenterToken(token: string | undefined, secret: string, emailKey: string, now: Date): boolean {
  if (!token) return false;
  const m = /^c1\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return false;
  const issuedAt = parseInt(m[1]!, 36);
  const expected = Buffer.from(mac(secret, emailKey, issuedAt));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  const age = now.getTime() - issuedAt;
  return age >= -60_000 && age <= COMMENTER_TOKEN_MAX_AGE_MS;
}
