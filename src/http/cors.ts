/**
 * CORS for the readers' API (mounted on /api/v1 only). Browsers get answers from ALLOWED_ORIGINS (unset: any
 * origin) and from this service's own origin; a request from any other origin is refused with 403 before it does
 * anything (that 403 alone is readable cross-origin, so the widget can say why), which also stops the simple cross-site form posts that no preflight guards. Requests without an Origin
 * header (servers, curl, same-origin GETs) are not CORS and pass, unless Sec-Fetch-Site says cross-site (originRule). The admin API never answers cross-origin: its
 * paths get no CORS headers here, whatever the router order. Hand-written (the `cors` package would need the same
 * origin logic plus the admin exception around it).
 */
import type { RequestHandler } from 'express';
import { ForbiddenError } from '../domain/errors.js';

export interface PublicCorsOptions {
  /** Normalised origins, or null for any origin (config.allowedOrigins). */
  allowedOrigins: readonly string[] | null;
  /** config.publicUrl: its origin is this service's own. */
  publicUrl: string | null;
  /** How long a browser may cache a preflight answer. */
  maxAgeSeconds?: number;
}

export const CORS_METHODS = 'GET, HEAD, POST, PATCH, DELETE';
export const CORS_HEADERS = 'Authorization, Content-Type';
export const CORS_EXPOSED = 'X-Request-Id, Retry-After, RateLimit, RateLimit-Policy';
const ADMIN_PATH = /^\/admin(?:\/|$)/i;

/** What the rule reads of a request: an Express request, or the fast path's view of a node:http one. */
export interface OriginRequest {
  get(name: string): string | undefined;
  readonly protocol: string;
}

export type OriginVerdict =
  /** No Origin and not a cross-site browser request: a server, curl, or a same-origin read. */
  | { kind: 'none' }
  | { kind: 'allowed'; origin: string }
  | { kind: 'refused' };

/**
 * The one origin rule for everything a browser can send from another site (the readers' API and the no-JavaScript
 * form): refused when Origin is present and not allowed, or when Sec-Fetch-Site says cross-site and the origin is not
 * allowed (a cross-site request without an Origin cannot show that it is allowed). Allowed: ALLOWED_ORIGINS (unset:
 * any origin), PUBLIC_URL's origin, and the origin of the Host the request came to.
 */
export function originRule({ allowedOrigins, publicUrl }: Pick<PublicCorsOptions, 'allowedOrigins' | 'publicUrl'>): (req: OriginRequest) => OriginVerdict {
  const own = publicUrl ? new URL(publicUrl).origin : null;
  const isAllowed = (origin: string, req: OriginRequest) =>
    allowedOrigins === null || allowedOrigins.includes(origin) || origin === own || origin === `${req.protocol}://${req.get('host') ?? ''}`;
  return (req) => {
    const origin = req.get('origin');
    if (origin !== undefined) return isAllowed(origin, req) ? { kind: 'allowed', origin } : { kind: 'refused' };
    if (req.get('sec-fetch-site')?.toLowerCase() === 'cross-site' && allowedOrigins !== null) return { kind: 'refused' };
    return { kind: 'none' };
  };
}

export function publicCors({ allowedOrigins, publicUrl, maxAgeSeconds = 600 }: PublicCorsOptions): RequestHandler {
  const rule = originRule({ allowedOrigins, publicUrl });

  return (req, res, next) => {
    if (ADMIN_PATH.test(req.path)) return next();
    // Whether an answer carries CORS headers depends on Origin: shared caches must keep them apart.
    res.vary('Origin');
    const verdict = rule(req);
    if (verdict.kind === 'refused') {
      // The refusal is readable by the refused page (its fixed code says nothing secret), so the widget can tell the
      // site owner about ALLOWED_ORIGINS instead of reporting an outage. Still a 403: nothing is done for it.
      const origin = req.get('origin');
      if (origin !== undefined && req.method !== 'OPTIONS') res.set('Access-Control-Allow-Origin', origin);
      return next(new ForbiddenError('origin_not_allowed', 'This site may not use the comments API.'));
    }
    if (verdict.kind === 'none') return next();
    const { origin } = verdict;
    res.set('Access-Control-Allow-Origin', allowedOrigins === null ? '*' : origin);
    if (req.method === 'OPTIONS') {
      res.set({
        'Access-Control-Allow-Methods': CORS_METHODS,
        'Access-Control-Allow-Headers': CORS_HEADERS,
        'Access-Control-Max-Age': String(maxAgeSeconds),
      });
      res.status(204).end();
      return;
    }
    res.set('Access-Control-Expose-Headers', CORS_EXPOSED);
    next();
  };
}
