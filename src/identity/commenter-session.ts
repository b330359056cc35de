/**
 * Commenter sessions: what the widget holds after a sign-in (SSO or OpenID Connect). A JWE (dir + A256GCM, jose) under a
 * key derived from SECRET: sealed, so nobody but this service can read the email inside it, and authenticated, so
 * nobody can change it. It expires after COMMENTER_SESSION_HOURS; signing out drops it in the browser.
 */
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import type { Commenter, SignInProvider } from '../domain/commenter.js';

interface SessionClaims {
  p: SignInProvider;
  n: string;
  e: string | null;
  ev: boolean;
  a: string | null;
  b: string | null;
  t: boolean;
}

export interface CommenterSessions {
  seal(commenter: Commenter): Promise<{ token: string; expiresAt: Date }>;
  /** The commenter of a valid, unexpired session; null for anything else (forged, expired, another server's). */
  open(token: string | undefined): Promise<Commenter | null>;
}

const ISSUER = 'parley';
const AUDIENCE = 'parley:commenter-session';

export function commenterSessions({ secret, hours, clock }: { secret: string; hours: number; clock: () => Date }): CommenterSessions {
  const key = new Uint8Array(hkdfSync('sha256', secret, 'parley', 'commenter-session:v1', 32));
  return {
    async seal(c) {
      const now = Math.floor(clock().getTime() / 1000);
      const exp = now + hours * 3600;
      const claims: SessionClaims = { p: c.provider, n: c.name, e: c.email, ev: c.emailVerified, a: c.avatarUrl, b: c.badge, t: c.trusted };
      const token = await new EncryptJWT({ ...claims })
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setSubject(c.key)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .encrypt(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async open(token) {
      if (!token || token.length > 4096) return null;
      try {
        const { payload } = await jwtDecrypt(token, key, {
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: clock(),
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        const p = payload as Partial<SessionClaims> & { sub?: string };
        if (typeof p.sub !== 'string' || (p.p !== 'sso' && p.p !== 'oidc') || typeof p.n !== 'string') return null;
        return {
          provider: p.p,
          key: p.sub,
          name: p.n,
          email: typeof p.e === 'string' ? p.e : null,
          emailVerified: p.ev === true,
          avatarUrl: typeof p.a === 'string' ? p.a : null,
          badge: typeof p.b === 'string' ? p.b : null,
          trusted: p.t === true,
        };
      } catch {
        return null;
      }
    },
  };
}
