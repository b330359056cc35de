/**
 * GET /admin: the moderation page shell. Everything it does goes through the admin API; it is served with a strict
 * Content-Security-Policy (no inline script or style, same-origin connections only, no framing).
 */
import { Router } from 'express';

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Parley moderation</title>
</head>
<body>
<main id="app"><p>Loading…</p></main>
<noscript>The moderation page needs JavaScript.</noscript>
<script src="/admin.js" defer></script>
</body>
</html>
`;

export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // The page's styles are a constructed stylesheet set from its own script; comment HTML carries no style attributes.
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function adminPage(): Router {
  const router = Router();
  router.get('/admin', (_req, res) => {
    res.set({
      'Content-Security-Policy': ADMIN_PAGE_CSP,
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Content-Type': 'text/html; charset=utf-8',
    });
    res.send(PAGE);
  });
  return router;
}
