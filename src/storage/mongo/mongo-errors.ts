/** Driver and mongoose errors → domain errors, and the checks every part of the MongoDB adapter runs on its input. */
import mongoose from 'mongoose';
import { AppError, StorageUnavailableError, ValidationError } from '../../domain/errors.js';
import type { PageCursor } from '../comments-port.js';

/** Driver failures that mean "the database cannot be reached right now", not "this request is wrong". */
const UNAVAILABLE_ERRORS = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoTopologyClosedError',
  'MongoNotConnectedError',
  'PoolClearedError',
  'PoolClearedOnNetworkError',
  'PoolClosedError',
  'MongoServerClosedError',
  'MongoWaitQueueTimeoutError',
  'WaitQueueTimeoutError',
  'MongoOperationTimeoutError',
]);

/**
 * Server answers that mean "not now" rather than "wrong request": out of disk space, no primary, shutting down,
 * interrupted, time limit exceeded. See https://www.mongodb.com/docs/manual/reference/error-codes/.
 */
const UNAVAILABLE_CODES = new Set([6, 7, 50, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436, 14031]);

function isUnavailableServerError(err: Error): boolean {
  if (!(err instanceof mongoose.mongo.MongoServerError)) return false;
  if (typeof err.code === 'number' && UNAVAILABLE_CODES.has(err.code)) return true;
  // Errors the driver itself would retry: transient by definition.
  return err.hasErrorLabel('RetryableWriteError') || err.hasErrorLabel('TransientTransactionError');
}

export function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 11000;
}

/** Driver and mongoose errors → domain errors; anything else is a bug and goes up unchanged. */
export function translateMongoError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (err instanceof mongoose.Error.CastError) return new ValidationError({ query: 'invalid' });
  if (err instanceof mongoose.Error.ValidationError) {
    const fields = Object.fromEntries(Object.keys(err.errors).map((path) => [path, 'invalid']));
    return new ValidationError(Object.keys(fields).length > 0 ? fields : { query: 'invalid' });
  }
  if (err instanceof Error) {
    if (UNAVAILABLE_ERRORS.has(err.name) || err instanceof mongoose.mongo.MongoNetworkError || isUnavailableServerError(err)) {
      return new StorageUnavailableError();
    }
    // Raised by mongoose when a connection is closed or buffering is off and nothing is connected.
    if (err.name === 'MongooseError' && /buffering timed out|before initial connection|Connection was force closed/i.test(err.message)) {
      return new StorageUnavailableError();
    }
    // sanitizeFilter refuses $where/$expr/... outright.
    if (err.name === 'MongooseError' && /not allowed with sanitizeFilter/.test(err.message)) {
      return new ValidationError({ query: 'invalid' });
    }
  }
  return err;
}

export async function guarded<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw translateMongoError(err);
  }
}

/** Aggregations are not cast or sanitized by mongoose, so values reaching a $match are checked by hand. */
export function assertStrings(values: readonly unknown[], field: string): asserts values is readonly string[] {
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
    throw new ValidationError({ [field]: 'invalid' });
  }
}

export function assertCursor(cursor: PageCursor): void {
  if (
    typeof cursor !== 'object' ||
    !(cursor.createdAt instanceof Date) ||
    Number.isNaN(cursor.createdAt.getTime()) ||
    typeof cursor.id !== 'string'
  ) {
    throw new ValidationError({ cursor: 'invalid' });
  }
}
