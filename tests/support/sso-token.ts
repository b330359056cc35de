/** Signs host-site SSO payloads as a site would (tests only): an HS256 JWT with jose, or the plain HMAC-SHA256 form. */
import { createHmac, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

export const SSO_SECRET = 'sso-secret-of-the-host-site-0123456789abcdef';

export interface SsoClaims {
  sub?: string;
  name?: string;
  email?: string;
  picture?: string;
  jti?: string;
  aud?: string;
  /** Seconds since the epoch; default: `now`. */
  iat?: number;
  exp?: number;
  [k: string]: unknown;
}

/** Claims for `now` (ms) living 5 minutes; override any. */
export function ssoClaims(now: number, overrides: SsoClaims = {}): SsoClaims {
  const iat = Math.floor(now / 1000);
  return { sub: 'user-42', name: 'Grace Hopper', email: 'grace.sso@host-site.example', jti: randomUUID(), aud: 'parley', iat, exp: iat + 300, ...overrides };
}

export async function signSsoJwt(claims: SsoClaims, secret = SSO_SECRET): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

export function signSsoPlain(claims: SsoClaims, secret = SSO_SECRET): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('hex')}`;
}
