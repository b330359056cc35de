/**
 * The signed-in commenter of a request: `Authorization: Bearer <session>` (src/identity/commenter-session.ts). Opened
 * once per request, before the per-identity post limit, and read by the routes. A request that presents a session that
 * does not open (forged, expired) is refused with 401 sign_in_required, never treated as a guest's.
 */
import type { Request, RequestHandler } from 'express';
import type { Commenter } from '../../domain/commenter.js';
import { AppError } from '../../domain/errors.js';
import type { CommenterSessions } from '../../identity/commenter-session.js';
import { bearerToken } from './validation.js';

const commenters = new WeakMap<Request, Commenter>();

export function commenterOf(req: Request): Commenter | undefined {
  return commenters.get(req);
}

/** The request's commenter; 401 when there is none. */
export function requireCommenter(req: Request): Commenter {
  const c = commenters.get(req);
  if (!c) throw new AppError('sign_in_required', 'Sign in to see your comments.');
  return c;
}

export const SESSION_EXPIRED = 'Your sign-in has expired or is not valid. Please sign in again.';

/** Opens the bearer session when one is sent. `optional: false` is for routes whose Authorization is not an edit token. */
export function commenterSession(sessions: CommenterSessions): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined) return next();
    const commenter = await sessions.open(token);
    if (!commenter) throw new AppError('sign_in_required', SESSION_EXPIRED);
    commenters.set(req, commenter);
    next();
  };
}
