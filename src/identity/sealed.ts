/**
 * Sealed, expiring tokens (JWE, dir + A256GCM, with jose) under a key derived from SECRET per purpose: only this service
 * can read or make them. Commenter sessions and the OpenID sign-in's state cookie use them.
 */
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt, type JWTPayload } from 'jose';

export interface Sealer {
  seal(claims: Record<string, unknown>, subject: string, lifetimeSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  /** The claims of a valid, unexpired token of this purpose; null for anything else. */
  open(token: string | undefined): Promise<JWTPayload | null>;
}

const ISSUER = 'parley';
const MAX_TOKEN_CHARS = 4096;

export function sealer({ secret, purpose, clock }: { secret: string; purpose: string; clock: () => Date }): Sealer {
  const key = new Uint8Array(hkdfSync('sha256', secret, 'parley', `${purpose}:v1`, 32));
  const audience = `parley:${purpose}`;
  return {
    async seal(claims, subject, lifetimeSeconds) {
      const now = Math.floor(clock().getTime() / 1000);
      const exp = now + lifetimeSeconds;
      const token = await new EncryptJWT(claims)
        .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
        .setSubject(subject)
        .setIssuer(ISSUER)
        .setAudience(audience)
        .setIssuedAt(now)
        .setExpirationTime(exp)
        .encrypt(key);
      return { token, expiresAt: new Date(exp * 1000) };
    },
    async open(token) {
      if (!token || token.length > MAX_TOKEN_CHARS) return null;
      try {
        const { payload } = await jwtDecrypt(token, key, {
          issuer: ISSUER,
          audience,
          currentDate: clock(),
          keyManagementAlgorithms: ['dir'],
          contentEncryptionAlgorithms: ['A256GCM'],
        });
        return typeof payload.sub === 'string' ? payload : null;
      } catch {
        return null;
      }
    },
  };
}
