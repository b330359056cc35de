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

/**
 * Served while there is neither an ADMIN_TOKEN nor a moderator account: a person opening /admin learns how to turn
 * it on (the API stays a JSON 404).
 */
const OFF_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Parley moderation is off</title>
</head>
<body>
<main>
<h1>Moderation is off</h1>
<p>The moderation page and the admin API are turned off: there is no moderator account yet and <code>ADMIN_TOKEN</code> is not set.</p>
<p>To turn them on, create the first admin account on the server:
<code>node dist/cli.js moderators add you@example.org --name "Your Name" --role admin</code>
(it asks for a password), then reload this page and sign in. For automation,
set <code>ADMIN_TOKEN</code> to a secret of at least 32 characters (optionally labelled, e.g.
<code>ADMIN_TOKEN=alice:&lt;secret&gt;</code>; several tokens are separated by commas) in the environment or in
<code>.env</code> and restart Parley.</p>
<p>One way to make a secret: <code>openssl rand -base64 32</code></p>
</main>
</body>
</html>
`;

// No script at all on the "off" page; it has no inline styles either.
const OFF_PAGE_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** `enabled`: whether there is a token or an account to sign in with (asked per request until it is true). */
export function adminPage(options: { enabled: boolean | (() => Promise<boolean>) } = { enabled: true }): Router {
  const router = Router();
  router.get('/admin', async (_req, res) => {
    const enabled = typeof options.enabled === 'boolean' ? options.enabled : await options.enabled();
    res.set({
      'Content-Security-Policy': enabled ? ADMIN_PAGE_CSP : OFF_PAGE_CSP,
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Content-Type': 'text/html; charset=utf-8',
    });
    if (!enabled) res.status(404);
    res.send(enabled ? PAGE : OFF_PAGE);
  });
  return router;
}
