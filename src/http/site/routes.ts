/**
 * Parley's own pages and browser assets, mounted after the API: /embed.js, /count.js, /admin.js (dist/public), the
 * /demo article, and the no-JavaScript thread page /threads/html.
 */
import { Router, type RequestHandler } from 'express';
import type { CommentService } from '../../comments/comment-service.js';
import type { AvatarMode } from '../../domain/privacy.js';
import type { Logger } from '../../logger.js';
import { demoPage } from './demo-page.js';
import type { RateLimiters } from '../rate-limit.js';
import { DEFAULT_PUBLIC_DIR, manifestReader, siteAssets } from './assets.js';
import { threadPage } from './thread-page.js';

export interface SiteRoutesDeps {
  service: CommentService;
  publicUrl: string | null;
  /** config.allowedOrigins: the no-JavaScript form post follows the readers' API origin rule. */
  allowedOrigins?: readonly string[] | null;
  avatars: AvatarMode;
  rateLimiters?: RateLimiters;
  logger?: Logger;
  /** The read cache's fast path for GET /threads/html. */
  cachedThreadPage?: RequestHandler | undefined;
  /** Where scripts/build-web.mjs wrote the bundles; dist/public by default. */
  publicDir?: string;
}

export function siteRoutes({ service, publicUrl, allowedOrigins = null, avatars, rateLimiters, logger, cachedThreadPage, publicDir = DEFAULT_PUBLIC_DIR }: SiteRoutesDeps): Router {
  const manifest = manifestReader(publicDir);
  if (!manifest()) logger?.warn({ publicDir }, 'the browser bundles are not built (npm run build:web): /embed.js and /count.js answer 404');
  const router = Router();
  router.use(siteAssets(publicDir, manifest));
  router.use(demoPage({ publicUrl, avatars, manifest }));
  router.use(threadPage({ service, rateLimiters, allowedOrigins, publicUrl, cached: cachedThreadPage }));
  return router;
}
