/**
 * Commenter sessions: what the widget holds after a sign-in (SSO or OpenID Connect). Sealed (./sealed.ts), so nobody
 * but this service can read the email inside or change anything; it expires after COMMENTER_SESSION_HOURS. Signing out
 * revokes it: its keyed hash is remembered (./replay-guard.ts: memory, or Redis for every instance) until it would have
 * expired, and a revoked session no longer opens.
 */
import type { Commenter, SignInProvider } from '../domain/commenter.js';
import { StorageUnavailableError } from '../domain/errors.js';
import { keyedHash } from '../domain/privacy.js';
import type { ReplayGuard } from './replay-guard.js';
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
  /** The commenter of a valid, unexpired, unrevoked session; null for anything else (forged, expired, another server's, signed out). */
  open(token: string | undefined): Promise<Commenter | null>;
  /** Ends a session on every instance; false when it did not open (nothing to revoke). */
  revoke(token: string | undefined): Promise<boolean>;
}

const unavailable = () => new StorageUnavailableError('Sign-in is unavailable for a moment. Please try again shortly.');

export function commenterSessions({ secret, hours, clock, revoked }: { secret: string; hours: number; clock: () => Date; revoked: ReplayGuard }): CommenterSessions {
  const sealed = sealer({ secret, purpose: 'commenter-session', clock });
  const idOf = (token: string) => keyedHash(token, secret, 'commenter-session-revoked');
  /** Without the shared list a revoked session could not be refused: fail closed. */
  const isRevoked = (token: string) => revoked.has(idOf(token)).catch(() => {
      throw unavailable();
    });
  return {
    async seal(c) {
      const claims: SessionClaims = { p: c.provider, n: c.name, e: c.email, ev: c.emailVerified, a: c.avatarUrl, b: c.badge, t: c.trusted };
      return sealed.seal({ ...claims }, c.key, hours * 3600);
    },
    async open(token) {
      const p = (await sealed.open(token)) as (Partial<SessionClaims> & { sub: string }) | null;
      if (!p || (p.p !== 'sso' && p.p !== 'oidc') || typeof p.n !== 'string') return null;
      if (await isRevoked(token!)) return null;
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
    async revoke(token) {
      const p = await sealed.open(token);
      if (!p || typeof p.exp !== 'number') return false;
      await revoked.claim(idOf(token!), new Date(p.exp * 1000)).catch(() => {
        throw unavailable();
      });
      return true;
    },
  };
}
