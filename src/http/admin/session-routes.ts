/**
 * Moderator sign-in at /admin: POST /api/v1/admin/session (email and password → session cookie and CSRF token),
 * GET /api/v1/admin/session (who is signed in, and the CSRF token again after a reload), DELETE (sign out).
 * Sign-ins are rate limited (per IP; failures per account and IP, and per account) and audited, success and failure,
 * without the password or the email; the log line names the account id only.
 */
import express, { Router, type CookieOptions, type Request, type RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors.js';
import { moderatorActor, normalizeModeratorEmail, type ModeratorRole } from '../../domain/moderator.js';
import type { Logger } from '../../logger.js';
import type { ModeratorAccounts } from '../../moderators/moderator-accounts.js';
import type { ModeratorSessions } from '../../moderators/moderator-sessions.js';
import { BODY_LIMIT } from '../create-http-app.js';
import { limitBodyDepth, requireBodyType } from '../middleware.js';
import type { SignInLimiters } from '../rate-limit.js';
import { accountSchemas as S } from './account-validation.js';
import { ADMIN_COOKIE_PATH, ADMIN_SESSION_COOKIE, fromOwnOrigin, identityOf, sessionCookieOf } from './auth.js';
import { parseAdmin } from './validation.js';

export interface AdminSessionResponse {
  moderator: { id: string | null; name: string; role: ModeratorRole };
  via: 'token' | 'session';
  /** Send it back as X-CSRF-Token on every state-changing request (sessions only). */
  csrfToken: string | null;
  /** When the session ends at the latest (sessions only). */
  expiresAt: string | null;
}

export interface SessionRoutesDeps {
  accounts: ModeratorAccounts;
  sessions: ModeratorSessions;
  logger: Logger;
  publicUrl: string | null;
  limiters?: SignInLimiters;
}

/** Secure when the browser reached us over HTTPS (X-Forwarded-Proto counts with TRUST_PROXY) or PUBLIC_URL is https. */
function cookieOptions(req: Request, publicUrl: string | null, maxAgeMs?: number): CookieOptions {
  return {
    httpOnly: true,
    secure: req.secure || (publicUrl?.startsWith('https:') ?? false),
    sameSite: 'strict',
    path: ADMIN_COOKIE_PATH,
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

/** The parsed body's account, normalised, for the per-account limiters (undefined when there is none). */
const accountOf = (req: Request): string | undefined => {
  const email: unknown = (req.body as Record<string, unknown> | undefined)?.email;
  return typeof email === 'string' && email.trim() !== '' ? normalizeModeratorEmail(email) : undefined;
};
export { accountOf as signInAccountOf };

/** POST /session: mounted before adminAuth (nobody is signed in yet). */
export function signInRoutes({ accounts, sessions, logger, publicUrl, limiters }: SessionRoutesDeps): Router {
  const router = Router();
  const log = logger.child({ area: 'admin-sign-in' });
  // Login CSRF: a sign-in form posted from another site would sign the victim in as the attacker.
  const sameOrigin: RequestHandler = (req, _res, next) =>
    next(fromOwnOrigin(req, publicUrl) ? undefined : new ForbiddenError('csrf_failed', 'Sign in from the moderation page.'));
  router.post(
    '/session',
    sameOrigin,
    ...(limiters ? [limiters.perIp] : []),
    requireBodyType(),
    express.json({ limit: BODY_LIMIT, strict: true }),
    limitBodyDepth(),
    ...(limiters ? limiters.failures : []),
    async (req, res) => {
      res.set('Cache-Control', 'no-store');
      const b = parseAdmin(S.signInBody, req.body);
      const result = await accounts.checkSignIn(b.email, b.password);
      if (!result.ok) {
        const who = result.moderator ? moderatorActor(result.moderator) : 'unknown account';
        await accounts.audit(who, 'sign_in_failed', result.reason);
        log.warn({ moderatorId: result.moderator?.id ?? null, reason: result.reason }, 'admin sign-in failed');
        throw new UnauthorizedError('Wrong email or password.');
      }
      const m = result.moderator;
      const signed = await sessions.signIn(m, sessionCookieOf(req));
      await accounts.audit(moderatorActor(m), 'sign_in', null);
      log.info({ moderatorId: m.id }, 'admin signed in');
      res.cookie(ADMIN_SESSION_COOKIE, signed.sessionId, cookieOptions(req, publicUrl, sessions.absoluteMs));
      const body: AdminSessionResponse = {
        moderator: { id: m.id, name: m.name, role: m.role },
        via: 'session',
        csrfToken: signed.csrfToken,
        expiresAt: signed.session.expiresAt.toISOString(),
      };
      res.json(body);
    },
  );
  return router;
}

/** GET and DELETE /session: mounted after adminAuth (DELETE passes its CSRF check). */
export function sessionRoutes(router: Router, { accounts, sessions, publicUrl }: Pick<SessionRoutesDeps, 'accounts' | 'sessions' | 'publicUrl'>): void {
  router.get('/session', (_req, res) => {
    const who = identityOf(res);
    const body: AdminSessionResponse = {
      moderator: { id: who.moderator?.id ?? null, name: who.displayName, role: who.role },
      via: who.via,
      csrfToken: who.sessionId ? sessions.csrfTokenOf(who.sessionId) : null,
      expiresAt: who.expiresAt?.toISOString() ?? null,
    };
    res.json(body);
  });

  router.delete('/session', async (req, res) => {
    const who = identityOf(res);
    if (who.sessionId) {
      await sessions.signOut(who.sessionId);
      await accounts.audit(who.actor, 'sign_out', null);
    }
    res.clearCookie(ADMIN_SESSION_COOKIE, cookieOptions(req, publicUrl));
    res.status(204).end();
  });
}
