/**
 * Moderator authentication: `Authorization: Bearer <token>` against the configured tokens. Every configured token is
 * compared (SHA-256 digests, constant time), so neither timing nor the answer reveals which token was close.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../../domain/errors.js';
import { bearerToken } from '../readers/validation.js';

export interface LabelledToken {
  label: string;
  token: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

export function adminAuth(tokens: readonly LabelledToken[]): RequestHandler {
  const known = tokens.map((t) => ({ label: t.label, digest: digest(t.token) }));
  return (req, res, next) => {
    const presented = bearerToken(req.get('authorization'));
    const given = digest(presented ?? '');
    let actor: string | null = null;
    for (const k of known) {
      // No early exit: the same work whichever token matches, or none.
      if (timingSafeEqual(k.digest, given) && presented !== undefined) actor = k.label;
    }
    if (!actor) {
      next(new UnauthorizedError('A valid moderator token is required.'));
      return;
    }
    res.locals.actor = actor;
    next();
  };
}
