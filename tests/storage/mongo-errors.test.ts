/** MongoDB driver errors → domain errors, without a server: what means "not now" becomes storage_unavailable. */
import { describe, expect, it } from '@jest/globals';
import mongoose from 'mongoose';
import { AppError } from '../../src/domain/errors.js';
import { translateMongoError } from '../../src/storage/mongo/mongo-storage.js';

const { MongoServerError, MongoNetworkTimeoutError, MongoServerSelectionError } = mongoose.mongo;
const codeOf = (err: unknown) => (err instanceof AppError ? err.code : 'untranslated');

describe('translateMongoError', () => {
  it.each([
    ['out of disk space', new MongoServerError({ code: 14031, errmsg: 'OutOfDiskSpace' })],
    ['no primary', new MongoServerError({ code: 10107, errmsg: 'NotWritablePrimary' })],
    ['shutting down', new MongoServerError({ code: 91, errmsg: 'ShutdownInProgress' })],
    ['a time limit', new MongoServerError({ code: 50, errmsg: 'MaxTimeMSExpired' })],
    ['a retryable write error', new MongoServerError({ code: 1, errmsg: 'x', errorLabels: ['RetryableWriteError'] })],
    ['a network timeout', new MongoNetworkTimeoutError('timed out')],
    ['no server to select', new MongoServerSelectionError('no server', { type: 'Unknown', servers: new Map() } as never)],
  ])('maps %s to storage_unavailable', (_what, err) => {
    expect(codeOf(translateMongoError(err))).toBe('storage_unavailable');
  });

  it('leaves a request error alone (a bug must not hide behind 503)', () => {
    const err = new MongoServerError({ code: 2, errmsg: 'BadValue' });
    expect(translateMongoError(err)).toBe(err);
  });
});
