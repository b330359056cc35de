/**
 * Commenter sessions: what the widget holds after a sign-in (SSO or OpenID Connect). Sealed (./sealed.ts), so nobody
 * but this service can read the email inside or change anything; it expires after COMMENTER_SESSION_HOURS, and signing
 * out drops it in the browser.
 */
import type { Commenter, SignInProvider } from '../domain/commenter.js';
import { sealer } from './sealed.js';

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

export function commenterSessions({ secret, hours, clock }: { secret: string; hours: number; clock: () => Date }): CommenterSessions {
  const sealed = sealer({ secret, purpose: 'commenter-session', clock });
  return {
    async seal(c) {
      const claims: SessionClaims = { p: c.provider, n: c.name, e: c.email, ev: c.emailVerified, a: c.avatarUrl, b: c.badge, t: c.trusted };
      return sealed.seal({ ...claims }, c.key, hours * 3600);
    },
    async open(token) {
      const p = (await sealed.open(token)) as (Partial<SessionClaims> & { sub: string }) | null;
      if (!p || (p.p !== 'sso' && p.p !== 'oidc') || typeof p.n !== 'string') return null;
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
    },
  };
}
