/**
 * Host-site single sign-on. The site signs a small payload with SSO_SECRET and puts it on the page; the widget trades it
 * for a commenter session (POST /api/v1/sso/session). Two forms carry the same claims:
 * - an HS256 JWT (any JWT library): `{ sub, name, email, picture?, iat, exp, jti, aud: "parley" }`;
 * - plain HMAC-SHA256: `base64url(JSON of the claims) + "." + hex(HMAC-SHA256(SSO_SECRET, that base64url text))`.
 * Checked: signature (constant time), audience, issue and expiry times (a payload lives at most SSO_MAX_LIFETIME_S),
 * and single use of `jti` (replays refused until the payload expires).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { cleanDisplayName, identityKeyOf, safeAvatarUrl, type Commenter } from '../domain/commenter.js';
import { AppError, StorageUnavailableError, type FieldErrors } from '../domain/errors.js';
import { keyedHash } from '../domain/privacy.js';
import type { ReplayGuard } from './replay-guard.js';

/** The longest a signed payload may live (exp - iat): a leaked page cannot sign anyone in for long. */
export const SSO_MAX_LIFETIME_S = 600;
/** Clock difference tolerated between the host site and Parley. */
const CLOCK_TOLERANCE_S = 30;
export const SSO_AUDIENCE = 'parley';
const MAX_TOKEN_CHARS = 4096;
const EMAIL = /^[^\s@<>]{1,64}@[^\s@<>]{1,253}$/;

export interface SsoDeps {
  secret: string;
  /** SECRET: keys the identity and the replay ids. */
  serverSecret: string;
  badge: string | null;
  trusted: boolean;
  replay: ReplayGuard;
  clock: () => Date;
}

const refused = (fields: FieldErrors, message = 'The sign-in from the site could not be accepted.') => new AppError('sso_invalid', message, fields);

export function ssoVerifier(deps: SsoDeps): (token: unknown) => Promise<Commenter> {
  const key = new TextEncoder().encode(deps.secret);

  async function claimsOf(token: string): Promise<JWTPayload> {
    const dots = token.split('.').length - 1;
    if (dots === 2) {
      try {
        const { payload } = await jwtVerify(token, key, {
          algorithms: ['HS256'],
          audience: SSO_AUDIENCE,
          currentDate: deps.clock(),
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ['exp', 'iat'],
        });
        return payload;
      } catch (err) {
        if (err instanceof joseErrors.JWTExpired) throw refused({ token: 'expired' }, 'The sign-in from the site has expired.');
        if (err instanceof joseErrors.JWSSignatureVerificationFailed) throw refused({ token: 'bad_signature' });
        if (err instanceof joseErrors.JWTClaimValidationFailed) throw refused({ [err.claim || 'token']: err.reason === 'missing' ? 'required' : 'invalid' });
        throw refused({ token: 'invalid' });
      }
    }
    if (dots === 1) return plainClaims(token);
    throw refused({ token: 'invalid' });
  }

  /** The plain form: the MAC is checked before the JSON is parsed. */
  function plainClaims(token: string): JWTPayload {
    const [body = '', mac = ''] = token.split('.');
    if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[0-9a-fA-F]{64}$/.test(mac)) throw refused({ token: 'invalid' });
    const expected = createHmac('sha256', deps.secret).update(body).digest();
    if (!timingSafeEqual(expected, Buffer.from(mac, 'hex'))) throw refused({ token: 'bad_signature' });
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw refused({ token: 'invalid' });
    }
    if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw refused({ token: 'invalid' });
    const p = payload as JWTPayload;
    const now = deps.clock().getTime() / 1000;
    if (typeof p.exp !== 'number') throw refused({ exp: 'required' });
    if (typeof p.iat !== 'number') throw refused({ iat: 'required' });
    if (p.aud !== SSO_AUDIENCE && !(Array.isArray(p.aud) && p.aud.includes(SSO_AUDIENCE))) throw refused({ aud: p.aud === undefined ? 'required' : 'invalid' });
    if (p.exp <= now - CLOCK_TOLERANCE_S) throw refused({ token: 'expired' }, 'The sign-in from the site has expired.');
    return p;
  }

  return async (raw) => {
    if (typeof raw !== 'string' || raw.length === 0) throw new AppError('validation_failed', 'Some fields are missing or invalid.', { token: 'required' });
    if (raw.length > MAX_TOKEN_CHARS) throw new AppError('validation_failed', 'Some fields are missing or invalid.', { token: 'too_long' });
    const p = await claimsOf(raw.trim());
    const now = deps.clock().getTime() / 1000;
    const exp = p.exp!;
    const iat = p.iat!;
    if (iat > now + CLOCK_TOLERANCE_S) throw refused({ iat: 'invalid' });
    if (exp - iat > SSO_MAX_LIFETIME_S) throw refused({ exp: 'too_long_lived' }, `A sign-in payload may live at most ${SSO_MAX_LIFETIME_S} seconds (exp - iat).`);
    const fields: FieldErrors = {};
    const sub = typeof p.sub === 'string' && p.sub.length >= 1 && p.sub.length <= 200 ? p.sub : null;
    if (!sub) fields.sub = p.sub === undefined ? 'required' : 'invalid';
    const name = cleanDisplayName((p as Record<string, unknown>).name);
    if (!name) fields.name = (p as Record<string, unknown>).name === undefined ? 'required' : 'invalid';
    const email = (p as Record<string, unknown>).email;
    if (typeof email !== 'string' || !EMAIL.test(email.trim())) fields.email = email === undefined ? 'required' : 'invalid';
    const jti = typeof p.jti === 'string' && p.jti.length >= 8 && p.jti.length <= 200 ? p.jti : null;
    if (!jti) fields.jti = p.jti === undefined ? 'required' : 'invalid';
    if (Object.keys(fields).length > 0 || !sub || !name || !jti || typeof email !== 'string') throw refused(fields);
    const fresh = await deps.replay
      .claim(keyedHash(JSON.stringify([sub, jti]), deps.serverSecret, 'sso-jti'), new Date((exp + CLOCK_TOLERANCE_S) * 1000))
      .catch(() => {
        // Without the shared memory of used payloads a replay could not be refused: fail closed.
        throw new StorageUnavailableError('Sign-in is unavailable for a moment. Please try again shortly.');
      });
    if (!fresh) throw refused({ token: 'replayed' }, 'This sign-in from the site was already used.');
    const record = p as Record<string, unknown>;
    return {
      provider: 'sso',
      key: identityKeyOf('sso', '', sub, deps.serverSecret),
      name,
      email: email.trim(),
      emailVerified: true,
      avatarUrl: safeAvatarUrl(record.picture ?? record.avatar),
      badge: deps.badge,
      trusted: deps.trusted,
    };
  };
}
