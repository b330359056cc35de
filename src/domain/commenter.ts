/**
 * A signed-in commenter: who the host site (SSO) or the OpenID provider says they are. The email stays private (it
 * keys first-time moderation and the GDPR export, never leaves for the public); the identity key, a keyed hash of the
 * provider and its user id, finds their comments.
 */
import { keyedHash } from './privacy.js';

export type SignInProvider = 'sso' | 'oidc';

export interface Commenter {
  provider: SignInProvider;
  /** keyedHash of provider + user id: CommentIdentity.key. */
  key: string;
  name: string;
  /** Null when the provider gave none (OpenID without the email scope). */
  email: string | null;
  /** The provider vouches for the address: counts as a returning commenter's proof for first-time moderation. */
  emailVerified: boolean;
  avatarUrl: string | null;
  badge: string | null;
  /** Skips first-time moderation (SSO_TRUSTED). */
  trusted: boolean;
}

export const COMMENTER_NAME_MAX = 100;
const AVATAR_URL_MAX = 2048;

export function identityKeyOf(provider: SignInProvider, issuer: string, subject: string, secret: string): string {
  return keyedHash(JSON.stringify([provider, issuer, subject]), secret, 'identity');
}

/** A display name as given, trimmed, without control or bidi-override characters; null when nothing is left. */
export function cleanDisplayName(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const name = [...raw.replace(/[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/gu, '').trim()].slice(0, COMMENTER_NAME_MAX).join('').trim();
  return name === '' ? null : name;
}

/**
 * A picture URL a reader's browser may load: https only, a host, no credentials, no quotes or spaces; normalised by
 * the URL parser. Anything else is dropped (the generated avatar is shown instead).
 */
export function safeAvatarUrl(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length > AVATAR_URL_MAX) return null;
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  const href = url.href;
  return href.length <= AVATAR_URL_MAX && !/["'<>\s\\]/.test(href) ? href : null;
}
