/**
 * What may leave the server about a person. Emails never do; the avatar key is an HMAC of the normalised email
 * under the server's secret, so a dictionary of emails cannot be matched against it. Plain Gravatar hashes
 * (reversible with such a dictionary) are used only when the operator opts in.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type AvatarMode = 'identicon' | 'gravatar';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function avatarKey(email: string, secret: string, mode: AvatarMode): string {
  const normalized = normalizeEmail(email);
  if (mode === 'gravatar') return createHash('sha256').update(normalized).digest('hex');
  return createHmac('sha256', secret).update(`avatar:${normalized}`).digest('hex').slice(0, 32);
}

/** A keyed hash of an IP (or any identifier) for matching without storing the value itself. */
export function keyedHash(value: string, secret: string, purpose: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${value}`).digest('hex');
}

/** The keyed hash that identifies an author across comments without storing a reversible form of the email. */
export function emailKeyOf(email: string, secret: string): string {
  return keyedHash(normalizeEmail(email), secret, 'email');
}

/** A new bearer token (256 bits, base64url) and the SHA-256 hash that is stored instead of it. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/**
 * The edit token of a post that carries a client-chosen idempotency key: the same key gives the same token, so a retry
 * can be answered with the original comment. Keyed with the secret: the key alone reveals nothing.
 */
export function tokenFromKey(idempotencyKey: string, secret: string): { token: string; hash: string } {
  const token = createHmac('sha256', secret).update(`edit-token:${idempotencyKey}`).digest('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time check of a presented token against a stored hash. */
export function tokenMatches(token: string, storedHash: string | null): boolean {
  if (!storedHash) return false;
  const a = Buffer.from(hashToken(token), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
