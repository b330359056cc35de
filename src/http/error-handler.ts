/** AppError.code → HTTP status and the one error shape. Unknown errors are logged and answered 500, no stack. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { ErrorResponse } from './dto.js';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  not_found: 404,
  parent_not_found: 404,
  comment_not_found: 404,
  origin_not_allowed: 403,
  forbidden: 403,
  unauthorized: 401,
  edit_window_closed: 403,
  conflict: 409,
  duplicate_comment: 409,
  thread_locked: 403,
  banned: 403,
  comment_rejected: 403,
  rate_limited: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  storage_unavailable: 503,
  internal_error: 500,
};

/** Errors raised by Express's body parsers, translated to ours. Their messages can echo input, so they are replaced. */
function fromBodyParser(err: { type?: string; status?: number }): AppError | undefined {
  switch (err.type) {
    case 'entity.too.large':
      return new AppError('payload_too_large', 'The request body is larger than 32 KB.');
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'Unsupported body encoding or charset; send UTF-8.');
    case 'parameters.too.many':
      return new AppError('payload_too_large', 'Too many form fields.');
    default:
      return undefined;
  }
}

/** The HTTP status of an error code, for pages that render errors as HTML (the no-JavaScript thread page). */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Seconds a client should wait before retrying when the store is unavailable. */
const STORAGE_RETRY_AFTER_SECONDS = 5;

export function sendError(res: Parameters<RequestHandler>[1], err: AppError): void {
  if (err.code === 'storage_unavailable') res.set('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS));
  const body: ErrorResponse = {
    error: {
      code: err.code,
      message: err.message,
      ...(err.fields ? { fields: err.fields } : {}),
      requestId: String(res.locals.requestId ?? ''),
    },
  };
  res.status(STATUS[err.code]).json(body);
}

export function notFoundHandler(): RequestHandler {
  return (_req, res) => sendError(res, new AppError('not_found', 'No such endpoint.'));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof AppError ? err : fromBodyParser(err as { type?: string });
    if (known) {
      if (known.code === 'storage_unavailable') logger.error({ err, requestId: res.locals.requestId }, 'storage unavailable');
      sendError(res, known);
      return;
    }
    logger.error({ err, requestId: res.locals.requestId }, 'unhandled error');
    sendError(res, new AppError('internal_error', 'Something went wrong on our side. Please try again.'));
  };
}
