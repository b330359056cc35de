/** Which MongoDB servers get the transaction path: decided from the hello reply, no server needed. */
import { describe, expect, it } from '@jest/globals';
import { supportsTransactions } from '../../src/storage/mongo/mongo-storage.js';

describe('transaction detection from the hello reply', () => {
  it('uses transactions on a replica set member, primary or not', () => {
    expect(supportsTransactions({ isWritablePrimary: true, setName: 'rs0', hosts: ['db1:27017'] } as object)).toBe(true);
    expect(supportsTransactions({ isWritablePrimary: false, secondary: true, setName: 'rs0' } as object)).toBe(true);
  });

  it('uses transactions through a mongos (sharded cluster)', () => {
    expect(supportsTransactions({ isWritablePrimary: true, msg: 'isdbgrid' } as object)).toBe(true);
  });

  it('does without on a standalone mongod and on FerretDB', () => {
    // A standalone mongod 7 and FerretDB 1.24 answer hello without setName.
    expect(supportsTransactions({ isWritablePrimary: true, maxWireVersion: 21, logicalSessionTimeoutMinutes: 30 } as object)).toBe(false);
    expect(supportsTransactions({ ismaster: true, maxWireVersion: 17 } as object)).toBe(false);
    expect(supportsTransactions({ setName: '' })).toBe(false);
  });
});
