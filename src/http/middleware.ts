/** Cross-cutting request middleware: request ids, request logs, content types. */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';

export const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Reuses a well-formed incoming X-Request-Id (from a proxy) or makes one; echoes it back. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.set('X-Request-Id', id);
    next();
  };
}

/** What the request metrics get for each finished request. */
export type RequestObserver = (request: { method: string; route: string; status: number; seconds: number }) => void;

/**
 * One JSON line per request: id, method, route pattern (never the raw URL, which may carry personal data), status,
 * latency; the same figures go to `observe` (the request duration histogram).
 */
export function requestLog(logger: Logger, observe?: RequestObserver): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    const route = matchedRoute(req);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      logger.info(
        { requestId: res.locals.requestId, method: req.method, route: route(), status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
      observe?.({ method: req.method, route: route(), status: res.statusCode, seconds: ms / 1000 });
    });
    next();
  };
}

/**
 * The full pattern of the route that handled the request (`/api/v1/comments/:id`), or 'unmatched'. It is taken when
 * the router assigns req.route, because by the time the response finishes after an error, the router has already
 * reset req.baseUrl (the pattern would read `/comments/:id`).
 */
function matchedRoute(req: Request): () => string {
  let pattern = 'unmatched';
  let current: unknown = req.route;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set(value: unknown) {
      current = value;
      const path = (value as { path?: unknown } | undefined)?.path;
      if (typeof path === 'string') pattern = `${req.baseUrl}${path}`;
    },
  });
  return () => pattern;
}

const BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/** Requests that carry a body must send JSON or a form; anything else is 415 before parsing. */
export function requireBodyType(): RequestHandler {
  return (req, _res, next) => {
    const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
    if (hasBody && !req.is(BODY_TYPES)) {
      next(new AppError('unsupported_media_type', 'Send application/json or application/x-www-form-urlencoded.'));
      return;
    }
    next();
  };
}

/** How deeply a JSON body may nest: Parley's bodies are flat; a deep one only costs recursion (zod, JSON.stringify). */
export const MAX_BODY_DEPTH = 32;

/** Depth of nested objects/arrays (a flat object is 1), walked without recursion, stopping once past `max`. */
export function bodyDepthExceeds(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** After express.json: a body nested more than MAX_BODY_DEPTH levels is 400 before any validation walks it. */
export function limitBodyDepth(max = MAX_BODY_DEPTH): RequestHandler {
  return (req, _res, next) => {
    if (bodyDepthExceeds(req.body, max)) {
      next(new AppError('invalid_json', `The request body is nested more than ${max} levels deep.`));
      return;
    }
    next();
  };
}
