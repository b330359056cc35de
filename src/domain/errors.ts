/** Errors with a stable machine-readable code. Only http/error-handler.ts maps codes to HTTP statuses. */
export type ErrorCode =
  | 'validation_failed'
  | 'invalid_json'
  | 'not_found'
  | 'parent_not_found'
  | 'comment_not_found'
  | 'origin_not_allowed'
  | 'forbidden'
  | 'role_required'
  | 'csrf_failed'
  | 'unauthorized'
  | 'edit_window_closed'
  | 'conflict'
  | 'duplicate_comment'
  | 'thread_locked'
  | 'banned'
  | 'comment_rejected'
  | 'rate_limited'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'storage_unavailable'
  | 'link_invalid'
  | 'link_expired'
  | 'internal_error'
  // signed-in commenters (src/identity/)
  | 'sign_in_required'
  | 'sso_invalid'
  | 'sign_in_unavailable'
  | 'provider_unavailable';

/** Per-field problems, e.g. `{ email: 'required', website: 'invalid' }`. */
export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldErrors | undefined;

  constructor(code: ErrorCode, message: string, fields?: FieldErrors) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.fields = fields;
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldErrors, message = 'Some fields are missing or invalid.') {
    super('validation_failed', message, fields);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(code: 'not_found' | 'parent_not_found' | 'comment_not_found' = 'not_found', message = 'Not found.') {
    super(code, message);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends AppError {
  constructor(
    code: 'forbidden' | 'origin_not_allowed' | 'edit_window_closed' | 'thread_locked' | 'banned' | 'role_required' | 'csrf_failed' = 'forbidden',
    message = 'Not allowed.',
  ) {
    super(code, message);
    this.name = 'ForbiddenError';
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = 'Missing or invalid credentials.') {
    super('unauthorized', message);
    this.name = 'UnauthorizedError';
  }
}

export class ConflictError extends AppError {
  constructor(code: 'conflict' | 'duplicate_comment' = 'conflict', message = 'Conflict.') {
    super(code, message);
    this.name = 'ConflictError';
  }
}

export class StorageUnavailableError extends AppError {
  constructor(message = 'Storage is unavailable. Please try again shortly.') {
    super('storage_unavailable', message);
    this.name = 'StorageUnavailableError';
  }
}
