/**
 * The OpenID Connect sign-in popup: /auth/oidc/start sends the browser to the provider with PKCE, state and nonce (kept
 * sealed in an HttpOnly cookie scoped to /auth/oidc); /auth/oidc/callback checks the answer and hands a commenter session
 * to the widget that opened the popup, with postMessage to that site's exact origin only. Outside /api/v1: these are
 * top-level navigations, not CORS calls. Both pages set Cross-Origin-Opener-Policy: unsafe-none, because helmet's
 * default (same-origin) would cut the popup off from the article page that opened it.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../../domain/errors.js';
import { normalizeOrigin } from '../../domain/thread.js';
import type { CommenterSessions } from '../../identity/commenter-session.js';
import { OIDC_STATE_SECONDS, type OidcSignIn } from '../../identity/oidc.js';
import { statusOf } from '../error-handler.js';
import { html, trustedHtml } from '../html.js';
import { sessionResponse } from '../readers/identity-routes.js';

export const OIDC_START_PATH = '/auth/oidc/start';
export const OIDC_CALLBACK_PATH = '/auth/oidc/callback';
const COOKIE = 'parley_oidc';

export interface OidcRoutesDeps {
  oidc: OidcSignIn;
  sessions: CommenterSessions;
  /** The sites whose pages may open the popup and receive the session (ALLOWED_ORIGINS). */
  allowedOrigins: readonly string[];
  /** PUBLIC_URL: its https makes the cookie Secure. */
  publicUrl: string;
  /** Per-IP limit of both pages (the readers' read limit): each start may cost a round trip to the provider. */
  limiter?: RequestHandler;
}

/** What the popup posts to the article page: a session, or why there is none. */
export type SignInMessage = { type: 'parley:session'; session: string; expiresAt: string; commenter: unknown } | { type: 'parley:sign-in-failed'; code: string };

function cookieOf(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

/** JSON safe inside a <script> element. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

function popupHeaders(res: Response, nonce?: string): void {
  res.set({
    'Cross-Origin-Opener-Policy': 'unsafe-none',
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': `default-src 'none'; ${nonce ? `script-src 'nonce-${nonce}'; ` : ''}style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  });
}

/** The page the popup ends on: tells its opener (at `origin` only) and closes itself. The script is JSON made safe for <script>. */
function answerPage(res: Response, status: number, text: string, message: SignInMessage | null, origin: string | null): void {
  const nonce = randomBytes(16).toString('base64');
  popupHeaders(res, nonce);
  const script =
    message && origin
      ? `(function(){var o=window.opener;if(o){o.postMessage(${scriptJson(message)},${scriptJson(origin)});window.close();}})();`
      : '';
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Parley sign-in</title></head>
<body style="font-family:system-ui,sans-serif;margin:2rem"><p>${text}</p>${script ? html`<script nonce="${nonce}">${trustedHtml(script)}</script>` : ''}</body></html>`;
  res.status(status).type('html').send(page.value);
}

export function oidcRoutes({ oidc, sessions, allowedOrigins, publicUrl, limiter }: OidcRoutesDeps): Router {
  const router = Router();
  if (limiter) router.use('/auth/oidc', limiter);
  const secure = publicUrl.startsWith('https:');
  const cookieAttributes = `Path=/auth/oidc; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

  router.get(OIDC_START_PATH, async (req, res) => {
    const raw = typeof req.query.origin === 'string' ? req.query.origin : '';
    const origin = normalizeOrigin(raw);
    if (!origin || !allowedOrigins.includes(origin)) {
      answerPage(res, 403, 'Sign-in is not available for this site.', null, null);
      return;
    }
    let started: { url: string; state: string };
    try {
      started = await oidc.start(origin);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      answerPage(res, statusOf(err.code), err.message, { type: 'parley:sign-in-failed', code: err.code }, origin);
      return;
    }
    popupHeaders(res);
    res.append('Set-Cookie', `${COOKIE}=${started.state}; Max-Age=${OIDC_STATE_SECONDS}; ${cookieAttributes}`);
    res.redirect(303, started.url);
  });

  router.get(OIDC_CALLBACK_PATH, async (req, res) => {
    const state = cookieOf(req);
    // One use: the state cookie goes whatever the outcome.
    res.append('Set-Cookie', `${COOKIE}=; Max-Age=0; ${cookieAttributes}`);
    const callbackUrl = new URL(publicUrl + OIDC_CALLBACK_PATH);
    callbackUrl.search = new URL(req.originalUrl, 'http://callback.invalid').search;
    try {
      const { commenter, origin } = await oidc.finish(callbackUrl, state);
      const body = await sessionResponse(sessions, commenter);
      answerPage(res, 200, `Signed in as ${commenter.name}. You can close this window.`, { type: 'parley:session', ...body }, origin);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      answerPage(res, statusOf(err.code), err.message, { type: 'parley:sign-in-failed', code: err.code }, await oidc.originOf(state));
    }
  });

  return router;
}
