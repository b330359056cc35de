/**
 * The storage contract: every adapter must pass it (sqlite.test.ts, mongo.test.ts run it). It opens one store per
 * adapter and runs each part's suite on it: comments and threads, moderation records (audit and bans), transfer, the
 * outbox and reply subscriptions. The semantics are written in src/storage/storage.ts and the part ports; each test pins one of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Storage } from '../../src/storage/storage.js';
import { describeCommentsContract } from './comments-contract.js';
import { describeModerationContract } from './moderation-contract.js';
import { describeOutboxContract } from './outbox-contract.js';
import { describeModeratorsContract } from './moderators-contract.js';
import { describeTransferContract } from './transfer-contract.js';
import { describeSubscriptionsContract } from './subscriptions-contract.js';
import { describePendingNotificationsContract } from './pending-notifications-contract.js';

export function describeStorageContract(adapterName: string, open: () => Promise<Storage>): void {
  describe(`storage contract: ${adapterName}`, () => {
    let storage: Storage;

    beforeAll(async () => {
      storage = await open();
    });

    afterAll(async () => {
      await storage?.close();
    });

    describeCommentsContract(() => storage);
    describePendingNotificationsContract(() => storage);
    describeModerationContract(() => storage);

    describe('health', () => {
      it('answers a ping', async () => {
        await expect(storage.ping()).resolves.toBeUndefined();
      });
    });

    describeTransferContract(() => storage);
    describeOutboxContract(() => storage);
    describeModeratorsContract(() => storage);
    describeSubscriptionsContract(() => storage);
  });
}
