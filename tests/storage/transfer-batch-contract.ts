/**
 * The batch, audit, subscription and account parts of the transfer port (src/storage/transfer-port.ts): restoreComments,
 * restoreAudit, the subscribers' and subscriptions' listings and restores, restoreModerator, on a store of their own.
 * Every adapter's test file runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Comment } from '../../src/domain/comment.js';
import { ConflictError } from '../../src/domain/errors.js';
import type { AuditEntry } from '../../src/domain/moderation.js';
import type { Moderator } from '../../src/domain/moderator.js';
import type { Storage } from '../../src/storage/storage.js';
import type { Subscriber, Subscription } from '../../src/storage/subscriptions-port.js';
import type { TransferPage } from '../../src/storage/transfer-port.js';
import { makeComment, makeReply, testId, uniqueThreadKey } from '../support/comment-factory.js';

const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1) + minutes * 60_000);

export function describeTransferBatchContract(adapterName: string, open: () => Promise<Storage>): void {
  describe(`transfer batches and audit: ${adapterName}`, () => {
    let store: Storage;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    async function thread(): Promise<string> {
      const key = uniqueThreadKey('batch');
      await store.ensureThread({ key, url: key, now: at(0) });
      return key;
    }

    it('inserts a batch exactly as given and returns the ids it inserted', async () => {
      const key = await thread();
      const root = makeComment({ threadKey: key, id: testId('b'), createdAt: at(1), status: 'spam', recheck: { attempts: 1, nextAt: at(9) }, spamReasons: ['r'] });
      const reply = makeReply(root, { id: testId('b'), createdAt: at(2), author: { name: 'Mod', email: '', emailKey: '', website: 'https://m.example/', avatar: '', moderator: true } });
      const edited = makeComment({ threadKey: key, id: testId('b'), createdAt: at(3), editedAt: at(4), history: [{ body: 'old', editedAt: at(4), by: 'moderator' }] });
      const signedIn = makeComment({
        threadKey: key,
        id: testId('b'),
        createdAt: at(5),
        author: { name: 'Grace', email: 'g@example.com', emailKey: 'g'.repeat(64), website: null, avatar: 'gav', identity: { key: 'i'.repeat(64), badge: 'Member', avatarUrl: 'https://img.example/g.png' } },
      });
      // A reply MAX_DEPTH stored under its answered comment's parent keeps the answered comment.
      const flattened = makeReply(root, { id: testId('b'), createdAt: at(6), replyTo: reply.id });
      await expect(store.restoreComments([root, reply, edited, signedIn, flattened])).resolves.toEqual([root.id, reply.id, edited.id, signedIn.id, flattened.id]);
      for (const c of [root, reply, edited, signedIn, flattened]) await expect(store.getComment(c.id)).resolves.toEqual(c);
      await expect(store.restoreComments([])).resolves.toEqual([]);
    });

    it('skips the comments whose id is stored, inserts the others and leaves stored ones as they were', async () => {
      const key = await thread();
      const stored = makeComment({ threadKey: key, id: testId('s'), createdAt: at(1) });
      await store.insertComment(stored);
      const fresh = [makeComment({ threadKey: key, id: testId('s'), createdAt: at(2) }), makeComment({ threadKey: key, id: testId('s'), createdAt: at(3) })];
      const changed: Comment = { ...stored, body: 'changed', status: 'spam' };
      await expect(store.restoreComments([fresh[0]!, changed, fresh[1]!])).resolves.toEqual([fresh[0]!.id, fresh[1]!.id]);
      await expect(store.getComment(stored.id)).resolves.toEqual(stored);
      await expect(store.restoreComments([changed, ...fresh])).resolves.toEqual([]);
    });

    it("keeps the thread's visible count and latest activity as insertComment does", async () => {
      const key = await thread();
      const early = makeComment({ threadKey: key, id: testId('v'), createdAt: at(10) });
      await store.insertComment(early);
      const held = makeComment({ threadKey: key, id: testId('v'), createdAt: at(11), status: 'pending' });
      const batch = [
        makeReply(early, { id: testId('v'), createdAt: at(12) }), // visible: its parent was stored before
        held,
        makeReply(held, { id: testId('v'), createdAt: at(13) }), // hidden by its pending parent
        makeComment({ threadKey: key, id: testId('v'), createdAt: at(30), status: 'deleted' }),
        makeComment({ threadKey: key, id: testId('v'), createdAt: at(20) }),
      ];
      await store.restoreComments(batch);
      expect((await store.countVisible([key])).get(key)).toBe(3);
      expect((await store.getThread(key))?.lastCommentAt).toEqual(at(30));
      // A batch of older comments does not move the activity time back.
      await store.restoreComments([makeComment({ threadKey: key, id: testId('v'), createdAt: at(5) })]);
      expect((await store.getThread(key))?.lastCommentAt).toEqual(at(30));
      expect((await store.countVisible([key])).get(key)).toBe(4);
    });

    it('refuses a batch larger than 1,000 comments', async () => {
      const key = await thread();
      const many = Array.from({ length: 1001 }, () => makeComment({ threadKey: key, id: testId('x') }));
      await expect(store.restoreComments(many)).rejects.toThrow(RangeError);
      await expect(store.getComment(many[0]!.id)).resolves.toBeUndefined();
    });

    it('restores an audit entry exactly once, as given', async () => {
      const commentId = testId('c');
      const entries: AuditEntry[] = [
        { id: testId('a'), at: at(1), actor: 'ops', action: 'approve', commentId, threadKey: null, from: 'pending', to: 'approved', reason: null },
        { id: testId('a'), at: at(2), actor: 'desk', action: 'spam', commentId, threadKey: null, from: 'approved', to: 'spam', reason: 'links' },
      ];
      for (const e of entries) await expect(store.restoreAudit(e)).resolves.toBe(true);
      await expect(store.restoreAudit({ ...entries[0]!, reason: 'other' })).resolves.toBe(false);
      const lock: AuditEntry = { id: testId('a'), at: at(3), actor: 'ops', action: 'lock_thread', commentId: null, threadKey: 'id:t', from: null, to: null, reason: null };
      await store.restoreAudit(lock);
      expect((await store.listAudit({ commentId, cursor: null, limit: 10 })).entries).toEqual([entries[1], entries[0]]);
      expect((await store.listAudit({ cursor: null, limit: 1000 })).entries.filter((e) => e.id === lock.id)).toEqual([lock]);
    });

    /** Every record of a listing, page after page (`limit` at a time). */
    async function all<T extends { id: string }>(list: (page: TransferPage) => Promise<T[]>, limit: number): Promise<T[]> {
      const seen: T[] = [];
      for (let after: string | null = null; ; ) {
        const page = await list({ after, limit });
        seen.push(...page);
        if (page.length < limit) return seen;
        after = page[page.length - 1]!.id;
      }
    }
    const byteOrder = (ids: string[]) => [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

    it('lists subscribers and subscriptions by id in byte order and restores each exactly once, as given', async () => {
      const confirmed: Subscriber = { id: testId('sb-b'), emailKey: testId('k'), email: 'ann@example.com', lang: 'fr', createdAt: at(1), confirmedAt: at(2) };
      const unconfirmed: Subscriber = { id: testId('sb-é'), emailKey: testId('k'), email: 'bo@example.com', lang: 'en', createdAt: at(3), confirmedAt: null };
      const follows: Subscription[] = [
        { id: testId('sn-Z'), emailKey: confirmed.emailKey, commentId: testId('c'), threadKey: 'https://s.example/a', lang: 'fr', createdAt: at(4) },
        { id: testId('sn-a'), emailKey: unconfirmed.emailKey, commentId: testId('c'), threadKey: 'id:b', lang: 'en', createdAt: at(5) },
      ];
      for (const s of [confirmed, unconfirmed]) await expect(store.restoreSubscriber(s)).resolves.toBe(true);
      for (const s of follows) await expect(store.restoreSubscription(s)).resolves.toBe(true);
      // Again, or the same address (and comment) under another id: already followed, nothing changes.
      await expect(store.restoreSubscriber({ ...unconfirmed, confirmedAt: at(9) })).resolves.toBe(false);
      await expect(store.restoreSubscriber({ ...confirmed, id: testId('sb-x'), lang: 'de' })).resolves.toBe(false);
      await expect(store.restoreSubscription({ ...follows[0]!, lang: 'de' })).resolves.toBe(false);
      await expect(store.restoreSubscription({ ...follows[0]!, id: testId('sn-x') })).resolves.toBe(false);

      const subscribers = await all((p) => store.listAllSubscribers(p), 1);
      expect(subscribers.map((s) => s.id)).toEqual(byteOrder(subscribers.map((s) => s.id)));
      expect(subscribers.filter((s) => s.emailKey === confirmed.emailKey || s.emailKey === unconfirmed.emailKey)).toEqual(
        [confirmed, unconfirmed].sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id))),
      );
      const subscriptions = await all((p) => store.listAllSubscriptions(p), 1);
      expect(subscriptions.map((s) => s.id)).toEqual(byteOrder(subscriptions.map((s) => s.id)));
      expect(subscriptions.filter((s) => follows.some((f) => f.commentId === s.commentId))).toEqual(
        [...follows].sort((a, b) => Buffer.compare(Buffer.from(a.id), Buffer.from(b.id))),
      );
      // Restored records serve the service as stored ones do.
      await expect(store.findSubscriber(confirmed.emailKey)).resolves.toEqual(confirmed);
      await expect(store.listSubscriptionsTo([follows[1]!.commentId])).resolves.toEqual([follows[1]]);
    });

    it('restores a moderator account exactly once, as given, and refuses another account with its email', async () => {
      const account: Moderator = {
        id: testId('m'),
        email: `${testId('desk').toLowerCase()}@example.com`,
        name: 'Desk',
        role: 'admin',
        disabled: true,
        passwordHash: `scrypt$32768$8$1$${'s'.repeat(22)}$${'h'.repeat(43)}`,
        createdAt: at(1),
        updatedAt: at(7),
      };
      await expect(store.restoreModerator(account)).resolves.toBe(true);
      await expect(store.restoreModerator({ ...account, name: 'Other', disabled: false })).resolves.toBe(false);
      await expect(store.getModerator(account.id)).resolves.toEqual(account);
      await expect(store.restoreModerator({ ...account, id: testId('m') })).rejects.toBeInstanceOf(ConflictError);
      expect((await store.listModerators()).filter((m) => m.email === account.email)).toEqual([account]);
    });
  });
}
