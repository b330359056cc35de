/**
 * Moderator authentication, two ways:
 * - `Authorization: Bearer <token>` against the configured ADMIN_TOKEN tokens (automation). Every configured token is
 *   compared (SHA-256 digests, constant time), so neither timing nor the answer reveals which token was close. A token
 *   acts as an admin, labelled as configured; no CSRF defence is needed (browsers never send it by themselves).
 * - The session cookie a moderator account gets at sign-in (POST /api/v1/admin/session). A state-changing request
 *   with it must come from this origin (Origin and Sec-Fetch-Site, when the browser sends them) and carry the
 *   session's CSRF token in `X-CSRF-Token`.
 * A request with an Authorization header is judged by it alone.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import { moderatorActor, type Moderator, type ModeratorRole } from '../../domain/moderator.js';
import type { ModeratorSessions } from '../../moderators/moderator-sessions.js';
import { bearerToken } from '../readers/validation.js';

export interface LabelledToken {
  label: string;
  token: string;
}

/** Who is asking: set on res.locals.identity by adminAuth. */
export interface AdminIdentity {
  /** The audit log's name: a token's label, or the account's name and id. */
  actor: string;
  /** The name on a moderator's reply. */
  displayName: string;
  role: ModeratorRole;
  via: 'token' | 'session';
  moderator: Moderator | null;
  /** The session cookie's value and the session's absolute expiry (session sign-ins only). */
  sessionId: string | null;
  expiresAt: Date | null;
}

export const ADMIN_SESSION_COOKIE = 'parley_admin';
/** The cookie goes to the admin API only: the page itself needs none. */
export const ADMIN_COOKIE_PATH = '/api/v1/admin';
export const CSRF_HEADER = 'X-CSRF-Token';

/** One answer for every refused credential, so it tells nothing about which part was wrong. */
const SIGN_IN_REQUIRED = 'Sign in, or send a valid moderator token.';
const digest = (s: string) => createHash('sha256').update(s).digest();
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const identityOf = (res: Response): AdminIdentity => res.locals.identity as AdminIdentity;

export function sessionCookieOf(req: Request): string | undefined {
  const value: unknown = (req.cookies as Record<string, unknown> | undefined)?.[ADMIN_SESSION_COOKIE];
  return typeof value === 'string' && /^[\w-]{20,100}$/.test(value) ? value : undefined;
}

/**
 * True when the request comes from this service's own pages: Sec-Fetch-Site (when sent) is same-origin, and Origin
 * (when sent) is this service's origin (PUBLIC_URL's, or the one the request was addressed to).
 */
export function fromOwnOrigin(req: Request, publicUrl: string | null): boolean {
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') return false;
  const origin = req.get('origin');
  if (origin === undefined) return true;
  const own = new Set([`${req.protocol}://${req.get('host') ?? ''}`]);
  if (publicUrl) own.add(new URL(publicUrl).origin);
  return own.has(origin);
}

export interface AdminAuthDeps {
  tokens: readonly LabelledToken[];
  sessions: ModeratorSessions;
  publicUrl: string | null;
}

export function adminAuth({ tokens, sessions, publicUrl }: AdminAuthDeps): RequestHandler {
  const known = tokens.map((t) => ({ label: t.label, digest: digest(t.token) }));
  return async (req, res, next) => {
    const authorization = req.get('authorization');
    if (authorization !== undefined) {
      const presented = bearerToken(authorization);
      const given = digest(presented ?? '');
      let actor: string | null = null;
      for (const k of known) {
        // No early exit: the same work whichever token matches, or none.
        if (timingSafeEqual(k.digest, given) && presented !== undefined) actor = k.label;
      }
      if (!actor) return next(new UnauthorizedError(SIGN_IN_REQUIRED));
      const identity: AdminIdentity = { actor, displayName: actor, role: 'admin', via: 'token', moderator: null, sessionId: null, expiresAt: null };
      res.locals.identity = identity;
      res.locals.actor = actor;
      return next();
    }
    const sessionId = sessionCookieOf(req);
    const active = sessionId ? await sessions.resolve(sessionId) : null;
    if (!sessionId || !active) return next(new UnauthorizedError(SIGN_IN_REQUIRED));
    if (!SAFE_METHODS.has(req.method)) {
      if (!fromOwnOrigin(req, publicUrl)) return next(new ForbiddenError('csrf_failed', 'This request did not come from the moderation page.'));
      if (!sessions.csrfTokenMatches(sessionId, req.get(CSRF_HEADER))) {
        return next(new ForbiddenError('csrf_failed', 'The request lacks a valid CSRF token. Reload the moderation page.'));
      }
    }
    const m = active.moderator;
    const identity: AdminIdentity = { actor: moderatorActor(m), displayName: m.name, role: m.role, via: 'session', moderator: m, sessionId, expiresAt: active.session.expiresAt };
    res.locals.identity = identity;
    res.locals.actor = identity.actor;
    next();
  };
}

/** Admin-only routes: a moderator account of role `moderator` gets 403 role_required. */
export function requireAdmin(): RequestHandler {
  return (_req, res, next) => {
    if (identityOf(res).role === 'admin') return next();
    next(new ForbiddenError('role_required', 'Only an admin may do this.'));
  };
}
