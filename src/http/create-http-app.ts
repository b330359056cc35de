/** The Express app, in one visible order: trust proxy, request id, logs, security headers, body, routes, 404, errors. */
import express, { type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import type { CommentService } from '../comments/comment-service.js';
import type { Logger } from '../logger.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { limitBodyDepth, requestId, requestLog, requireBodyType, type RequestObserver } from './middleware.js';
import { publicRoutes } from './readers/routes.js';
import type { RateLimiters } from './rate-limit.js';
import type { CacheHeaders } from './readers/cache-control.js';

export interface HttpAppDeps {
  service: CommentService;
  logger: Logger;
  trustProxy: number;
  /** Omitted: no rate limits (unit-level use); createApp always passes them. */
  rateLimiters?: RateLimiters;
  /** Operators' endpoints (readiness, metrics, API description): never rate limited. */
  ops?: Router;
  /** Every finished request's method, route pattern, status and duration (the HTTP metrics). */
  observeRequest?: RequestObserver;
  /** CORS for the readers' API: answers browsers from the allowed origins only (and preflights). */
  publicCors?: RequestHandler;
  /** Moderators' API, mounted at /api/v1/admin behind its limiter; never answers cross-origin. */
  admin?: Router;
  /** The moderation page (/admin), present only when the admin API is on. */
  adminPage?: Router;
  /** Pages and assets: embed.js, count.js, the demo, the no-JavaScript thread page, the moderation page. */
  site?: Router;
  /** GET /threads and /counts as ready bytes (http/readers/cached-read.ts), through the read cache unless CACHE_MAX_MB=0. */
  cachedReads?: { threads: RequestHandler; counts: RequestHandler } | undefined;
  /** Caching headers of GET /threads and /counts (http/readers/cache-control.ts); no-cache when absent. */
  publicReadCacheHeaders?: CacheHeaders;
  /** Signed-in commenters: the session opener (Authorization: Bearer), /sso/session and /me routes, what the widget is told. */
  identity?: { session: RequestHandler; routes: Router; signIn: { guests: boolean; oidc: string | null } };
}

export const BODY_LIMIT = '32kb';

/** Helmet as every response gets it; the front door (fast-hit.ts) records the same headers from it once. */
export function securityHeaders(): RequestHandler {
  return helmet();
}

export function createHttpApp({ service, logger, trustProxy, rateLimiters, ops, observeRequest, publicCors, admin, adminPage, site, cachedReads, publicReadCacheHeaders, identity }: HttpAppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // A hop count: with 0, X-Forwarded-For is ignored and req.ip is the socket's address.
  app.set('trust proxy', trustProxy);

  app.use(requestId());
  app.use(requestLog(logger, observeRequest));
  app.use(securityHeaders());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (ops) app.use(ops);

  // Health checks stay above every limiter. The admin routes mount right after their limiter.
  if (rateLimiters) app.use('/api/v1/admin', rateLimiters.admin);
  if (admin) app.use('/api/v1/admin', admin);

  const api = express.Router();
  if (publicCors) api.use(publicCors);
  if (rateLimiters) {
    api.use(rateLimiters.read);
    // Per IP before any body is parsed, so a flood costs no parsing.
    api.post('/comments', ...rateLimiters.postPerIp);
    // An author's PATCH and DELETE of /comments/:id (the limiters skip other methods); a path prefix, not a :id route,
    // so nothing is decoded before the limit.
    api.use('/comments', ...rateLimiters.editPerIp);
    // A signed-in commenter deleting their own comments: the same per-IP budget as an author's edits.
    api.use('/me/comments', ...rateLimiters.editPerIp);
  }
  // Thread pages and counts are answered here: after CORS and the read limit, before any body parsing.
  if (cachedReads) {
    api.get('/threads', cachedReads.threads);
    api.get('/counts', cachedReads.counts);
  }
  api.use(requireBodyType());
  api.use(express.json({ limit: BODY_LIMIT, strict: true }));
  api.use(limitBodyDepth());
  api.use(express.urlencoded({ limit: BODY_LIMIT, extended: false, parameterLimit: 50 }));
  if (rateLimiters) api.post('/comments', rateLimiters.postPerEmail);
  if (identity) {
    api.post('/comments', identity.session);
    api.use('/me', identity.session);
    if (rateLimiters) api.post('/comments', rateLimiters.postPerIdentity);
    api.use(identity.routes);
  }
  api.use(publicRoutes(service, publicReadCacheHeaders, identity?.signIn));
  app.use('/api/v1', api);
  if (adminPage) app.use(adminPage);
  if (site) app.use(site);

  app.use(notFoundHandler());
  app.use(errorHandler(logger));
  return app;
}
