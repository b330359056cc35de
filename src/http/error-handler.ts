/** AppError.code → HTTP status and the one error shape. Unknown errors are logged and answered 500, no stack. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { AppError, ValidationError, type ErrorCode } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import type { ErrorResponse } from './readers/dto.js';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  invalid_json: 400,
  not_found: 404,
  parent_not_found: 404,
  comment_not_found: 404,
  origin_not_allowed: 403,
  forbidden: 403,
  role_required: 403,
  csrf_failed: 403,
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
  link_invalid: 400,
  link_expired: 410,
  internal_error: 500,
  sign_in_required: 401,
  sso_invalid: 401,
  sign_in_unavailable: 404,
  provider_unavailable: 503,
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
    case 'request.aborted':
      return new AppError('invalid_json', 'The request body was not received completely.');
    case 'request.size.invalid':
      return new AppError('invalid_json', 'The request body does not match its Content-Length.');
    default:
      return undefined;
  }
}

/**
 * Other input Express cannot read, raised as http-errors-style errors with a 4xx `status` (never AppErrors): the
 * router's URIError for malformed percent-encoding in a path parameter, and body-parser's wrap of a zlib error for a
 * body that does not match its Content-Encoding. Their messages echo input, so they are replaced.
 */
function fromUnreadableRequest(thrown: unknown): AppError | undefined {
  if (typeof thrown !== 'object' || thrown === null) return undefined;
  const err = thrown as { status?: unknown; statusCode?: unknown; errno?: unknown };
  const status = Number(err.status ?? err.statusCode);
  if (!(status >= 400 && status < 500)) return undefined;
  if (err instanceof URIError) return new ValidationError({ path: 'invalid' }, 'The address contains malformed percent-encoding.');
  if (typeof err.errno === 'number') return new AppError('invalid_json', 'The request body could not be decompressed (check Content-Encoding).');
  if (status === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (status === 415) return new AppError('unsupported_media_type', 'Unsupported body encoding or charset; send UTF-8.');
  return new ValidationError({}, 'The request could not be read.');
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
    const known = err instanceof AppError ? err : (fromBodyParser(err as { type?: string }) ?? fromUnreadableRequest(err));
    if (known) {
      // A client that gives up mid-upload is routine, not a fault of ours.
      if ((err as { type?: unknown }).type === 'request.aborted') logger.info({ requestId: res.locals.requestId }, 'client aborted the request body');
      if (known.code === 'storage_unavailable') logger.error({ err, requestId: res.locals.requestId }, 'storage unavailable');
      sendError(res, known);
      return;
    }
    logger.error({ err, requestId: res.locals.requestId }, 'unhandled error');
    sendError(res, new AppError('internal_error', 'Something went wrong on our side. Please try again.'));
  };
}
