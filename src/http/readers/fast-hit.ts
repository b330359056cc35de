/**
 * The front door: a plain node:http listener in front of the Express app. It answers read-cache hits of
 * GET/HEAD /api/v1/threads and /api/v1/counts itself, and misses of URLs that loaded before (loaded through the cache,
 * so a cold read skips Express's per-request work too), and hands every other request to Express untouched (input
 * the normal handlers have not accepted and loaded yet, other paths, origins it is unsure about, rate-limited
 * clients, a load that fails).
 *
 * A hit does what the Express path does, with everything that is the same for every request computed once: the
 * request id, the security headers (helmet's, captured at start), CORS from the same origin rule, the read rate limit
 * (same store and keys), Cache-Control and the strong ETag (304 on If-None-Match), and the access log line and request
 * metric. The response's headers are the Express path's, name for name, value for value, in the same order (tested in
 * tests/http/cache.test.ts). GET /threads/html (the no-JavaScript page) is answered here too: its cached bytes with a
 * fresh form token spliced in, under the same read limit, with the page's headers (no CORS, no ETag: it is no-store).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { CachedEntry } from '../../cache/read-cache.js';
import type { Logger } from '../../logger.js';
import { CORS_EXPOSED, originRule, type OriginRequest } from '../cors.js';
import type { RequestObserver } from '../middleware.js';
import { SAFE_REQUEST_ID } from '../middleware.js';
import { markReadCounted, type ReadHit } from '../rate-limit.js';
import type { CacheHeaders } from './cache-control.js';
import { endWithPage, type SplicedPage } from './cached-read.js';
import { THREAD_PAGE_HEADERS, THREAD_PAGE_PATH } from '../site/thread-page.js';

export interface FastHitDeps {
  /** Where everything that is not a hit goes. */
  express: RequestListener;
  /** The cache key a raw URL was already accepted under by the normal path (cached-read.ts), or null. */
  keyOf(url: string): string | null;
  /** For such a URL whose entry is not cached: its load through the cache, or null to leave it to Express (cached-read.ts). */
  fillOf?: ((url: string) => (() => Promise<CachedEntry<unknown> | null>) | null) | undefined;
  /** The no-JavaScript page's key and renderer for a raw URL the page handler already accepted (cached-read.ts), or null. */
  pageOf?: ((url: string) => { key: string; render(entry: CachedEntry<unknown>): SplicedPage | null } | null) | undefined;
  /** The entry if it is cached and fresh (counts as a hit). */
  peek(key: string): CachedEntry<unknown> | undefined;
  cacheHeaders: CacheHeaders;
  /** Helmet exactly as the Express app mounts it; run once at start against a recorder. */
  securityHeaders: RequestHandler;
  allowedOrigins: readonly string[] | null;
  publicUrl: string | null;
  trustProxy: number;
  /** Absent: no read limit (as the Express app without rateLimiters). */
  readHit?: ReadHit | undefined;
  logger: Logger;
  observeRequest?: RequestObserver | undefined;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const THREADS = '/api/v1/threads';
const COUNTS = '/api/v1/counts';

type Headers = Array<readonly [string, string]>;

/** The headers helmet sets, in its order: helmet is run once on a recorder instead of on every response. */
export function recordHeaders(middleware: RequestHandler): Headers {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.set(name, String(value));
    },
    removeHeader(name: string) {
      headers.delete(name);
    },
    getHeader: (name: string) => headers.get(name),
  };
  let called = false;
  (middleware as (req: unknown, res: unknown, next: (err?: unknown) => void) => void)({ headers: {}, method: 'GET' }, recorder, (err) => {
    if (err) throw err instanceof Error ? err : new Error(String(err));
    called = true;
  });
  if (!called) throw new Error('security headers middleware did not finish synchronously');
  return [...headers];
}

/**
 * req.ip as Express computes it with a hop count in `trust proxy`: the socket address, then X-Forwarded-For from
 * the right, `trustProxy` entries deep at most (the forwarded package's parsing, with its handling of spaces).
 */
export function clientIp(remoteAddress: string, forwardedFor: string | undefined, trustProxy: number): string {
  if (trustProxy <= 0 || !forwardedFor) return remoteAddress;
  const addrs = [remoteAddress];
  const header = forwardedFor;
  let end = header.length;
  let start = header.length;
  for (let i = header.length - 1; i >= 0 && addrs.length <= trustProxy; i -= 1) {
    switch (header.charCodeAt(i)) {
      case 0x20:
        if (start === end) start = end = i;
        break;
      case 0x2c:
        if (start !== end) addrs.push(header.substring(start, end));
        start = end = i;
        break;
      default:
        start = i;
        break;
    }
  }
  if (addrs.length <= trustProxy && start !== end) addrs.push(header.substring(start, end));
  return addrs[Math.min(trustProxy, addrs.length - 1)]!;
}

export function fastHitFront(deps: FastHitDeps): RequestListener {
  const { express, keyOf, peek, cacheHeaders, logger, observeRequest, readHit, trustProxy, allowedOrigins } = deps;
  const security = recordHeaders(deps.securityHeaders);
  const rule = originRule({ allowedOrigins, publicUrl: deps.publicUrl });
  // The access line's fields are fixed and hold nothing personal (an id matching SAFE_REQUEST_ID or a UUID, GET or
  // HEAD, a constant route, a status, a duration), so it skips pino's redaction, which costs ~20 µs a line with
  // REDACT_PATHS against ~3 µs without. Nothing else may be logged through this child.
  const accessLog = logger.child({}, { redact: [] });
  const logging = () => accessLog.isLevelEnabled('info');

  const originOf = (req: IncomingMessage): OriginRequest => ({
    get: (name: string) => {
      const v = req.headers[name.toLowerCase()];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    get protocol() {
      const proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
      if (trustProxy <= 0) return proto;
      const header = (req.headers['x-forwarded-proto'] as string | undefined) || proto;
      const comma = header.indexOf(',');
      return comma !== -1 ? header.substring(0, comma).trim() : header.trim();
    },
  });

  // The page's headers where Express leaves them: its CSP replaces helmet's in place, the others follow the limit's.
  const pageSecurity: Headers = security.map(([n, v]) => (n.toLowerCase() === 'content-security-policy' ? [n, THREAD_PAGE_HEADERS['Content-Security-Policy']] : [n, v]));
  const pageHeaders: Headers = Object.entries(THREAD_PAGE_HEADERS).filter(([n]) => n !== 'Content-Security-Policy');

  const finish = (req: IncomingMessage, route: string, status: number, id: string, start: bigint) => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const method = req.method!;
    if (logging()) accessLog.info({ requestId: id, method, route, status, ms: Math.round(ms * 10) / 10 }, 'request');
    observeRequest?.({ method, route, status, seconds: ms / 1000 });
  };

  const sendPage = (req: IncomingMessage, res: ServerResponse, page: SplicedPage, limitHeaders: ReadonlyArray<readonly [string, string]>, id: string, start: bigint) => {
    const headers: string[] = ['X-Request-Id', id];
    for (const [n, v] of pageSecurity) headers.push(n, v);
    for (const [n, v] of limitHeaders) headers.push(n, v);
    for (const [n, v] of pageHeaders) headers.push(n, v);
    headers.push('Content-Length', String(page.length));
    res.writeHead(200, headers);
    endWithPage(res, page);
    finish(req, THREAD_PAGE_PATH, 200, id, start);
  };

  /** GET /threads/html: a hit is the cached page with a fresh token; anything else is the page handler's. */
  const pageHit = (req: IncomingMessage, res: ServerResponse, url: string, remote: string, start: bigint) => {
    const known = deps.pageOf?.(url);
    const entry = known ? peek(known.key) : undefined;
    const page = entry && known!.render(entry);
    if (!page) return express(req, res);
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    if (!readHit) return sendPage(req, res, page, [], id, start);
    const forwarded = req.headers['x-forwarded-for'];
    readHit(clientIp(remote, Array.isArray(forwarded) ? forwarded.join(', ') : forwarded, trustProxy)).then(
      (counted) => (counted.limited ? express(req, res) : sendPage(req, res, page, counted.headers, id, start)),
      () => express(req, res),
    );
  };

  const send = (req: IncomingMessage, res: ServerResponse, route: string, entry: CachedEntry<unknown>, cors: Headers, limitHeaders: ReadonlyArray<readonly [string, string]>, id: string, start: bigint) => {
    const headers: string[] = ['X-Request-Id', id];
    for (const [n, v] of security) headers.push(n, v);
    headers.push('Vary', 'Origin');
    for (const [n, v] of cors) headers.push(n, v);
    for (const [n, v] of limitHeaders) headers.push(n, v);
    for (const [n, v] of cacheHeaders) headers.push(n, v);
    headers.push('ETag', entry.etag);
    const inm = req.headers['if-none-match'];
    let status = 200;
    if (inm !== undefined && matchesEtag(inm, entry.etag)) {
      status = 304;
      res.writeHead(304, headers);
      res.end();
    } else {
      headers.push('Content-Type', JSON_TYPE, 'Content-Length', String(entry.body.length));
      res.writeHead(200, headers);
      res.end(entry.body);
    }
    finish(req, route, status, id, start);
  };

  return (req, res) => {
    const start = process.hrtime.bigint();
    const method = req.method;
    const url = req.url ?? '';
    if (method === 'GET' && url.startsWith(THREAD_PAGE_PATH) && req.socket.remoteAddress !== undefined) return pageHit(req, res, url, req.socket.remoteAddress, start);
    const route = url.startsWith(THREADS) ? THREADS : url.startsWith(COUNTS) ? COUNTS : null;
    if (route === null || (method !== 'GET' && method !== 'HEAD')) return express(req, res);
    const key = keyOf(url);
    const remote = req.socket.remoteAddress;
    if (key === null || remote === undefined) return express(req, res);
    const verdict = rule(originOf(req));
    // Refused origins get the normal path's 403.
    if (verdict.kind === 'refused') return express(req, res);
    const entry = peek(key);
    // A miss of a URL that loaded before is loaded here too, under the same limit and with the same headers.
    const fill = entry === undefined ? deps.fillOf?.(url) : undefined;
    if (entry === undefined && !fill) return express(req, res);
    const cors: Headers =
      verdict.kind === 'allowed'
        ? [
            ['Access-Control-Allow-Origin', allowedOrigins === null ? '*' : verdict.origin],
            ['Access-Control-Expose-Headers', CORS_EXPOSED],
          ]
        : [];
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const answer = (limitHeaders: ReadonlyArray<readonly [string, string]>) => {
      if (entry !== undefined) return send(req, res, route, entry, cors, limitHeaders, id, start);
      // Refused by the use case (null) or failed: the normal handler answers, as it would have without the front door,
      // without counting the read in the limit a second time.
      const toExpress = () => {
        if (readHit) markReadCounted(req);
        express(req, res);
      };
      fill!().then((loaded) => (loaded ? send(req, res, route, loaded, cors, limitHeaders, id, start) : toExpress()), toExpress);
    };
    if (!readHit) return answer([]);
    const forwarded = req.headers['x-forwarded-for'];
    const ip = clientIp(remote, Array.isArray(forwarded) ? forwarded.join(', ') : forwarded, trustProxy);
    readHit(ip).then(
      (counted) => {
        // Over the limit: the normal path counts once more and answers 429 with its own headers and body.
        if (counted.limited) return express(req, res);
        answer(counted.headers);
      },
      () => express(req, res),
    );
  };
}

/** RFC 9110 weak comparison, as Express's freshness check and cached-read.ts do it. */
function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}
