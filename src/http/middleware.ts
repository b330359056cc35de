/** Cross-cutting request middleware: request ids, request logs, content types. */
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

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

/** One JSON line per request: id, method, route pattern (never the raw URL, which may carry personal data), status, latency. */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      logger.info(
        { requestId: res.locals.requestId, method: req.method, route, status: res.statusCode, ms: Math.round(ms * 10) / 10 },
        'request',
      );
    });
    next();
  };
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
