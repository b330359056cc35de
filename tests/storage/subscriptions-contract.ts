/**
 * The reply-subscriptions part of the port (src/storage/subscriptions-port.ts), on the contract's shared store. Every
 * test uses addresses, comments and threads of its own (the store is shared, and on MongoDB it outlives the run).
 */
import { describe, expect, it } from '@jest/globals';
import type { Storage } from '../../src/storage/storage.js';
import type { Subscription } from '../../src/storage/subscriptions-port.js';
import { testId } from '../support/comment-factory.js';

const T0 = new Date('2031-02-01T00:00:00.000Z');
const later = (s: number) => new Date(T0.getTime() + s * 1000);

function subscriber(over: { emailKey?: string } = {}) {
  const id = testId('sb');
  return { id, emailKey: over.emailKey ?? `key-${id}`, email: `${id.toLowerCase()}@example.org`, lang: 'fr', createdAt: T0 };
}

function subscription(emailKey: string, over: Partial<Subscription> = {}): Subscription {
  return { id: testId('ss'), emailKey, commentId: testId('c'), threadKey: `https://news.example.org/${testId('t')}?a=(1)+%`, lang: 'de', createdAt: T0, ...over };
}

export function describeSubscriptionsContract(store: () => Storage): void {
  describe('reply subscriptions', () => {
    it('creates one subscriber per address, unconfirmed, and returns the existing one on a second ask', async () => {
      const first = subscriber();
      await expect(store().ensureSubscriber(first)).resolves.toEqual({ subscriber: { ...first, confirmedAt: null }, created: true });
      const again = await store().ensureSubscriber({ ...subscriber({ emailKey: first.emailKey }), lang: 'en' });
      expect(again).toEqual({ subscriber: { ...first, confirmedAt: null }, created: false });
      await expect(store().getSubscriber(first.id)).resolves.toEqual({ ...first, confirmedAt: null });
      await expect(store().findSubscriber(first.emailKey)).resolves.toEqual({ ...first, confirmedAt: null });
      await expect(store().findSubscriber(`${first.emailKey}-other`)).resolves.toBeUndefined();
      await expect(store().getSubscriber('no-such-subscriber')).resolves.toBeUndefined();
    });

    it('confirms once: a second confirmation keeps the first instant; an unknown subscriber is undefined', async () => {
      const s = subscriber();
      await store().ensureSubscriber(s);
      await expect(store().confirmSubscriber(s.id, later(10))).resolves.toEqual({ ...s, confirmedAt: later(10) });
      await expect(store().confirmSubscriber(s.id, later(20))).resolves.toEqual({ ...s, confirmedAt: later(10) });
      expect((await store().findSubscriber(s.emailKey))?.confirmedAt).toEqual(later(10));
      await expect(store().confirmSubscriber('no-such-subscriber', later(10))).resolves.toBeUndefined();
    });

    it('keeps one subscription per address and comment, and finds the followers of several comments in one call', async () => {
      const a = subscriber();
      const b = subscriber();
      const first = subscription(a.emailKey, { createdAt: later(1) });
      await store().addSubscription(first);
      await store().addSubscription({ ...first, id: testId('ss'), lang: 'en' });
      const second = subscription(b.emailKey, { commentId: first.commentId, createdAt: later(2) });
      const elsewhere = subscription(a.emailKey, { createdAt: later(3) });
      await store().addSubscription(second);
      await store().addSubscription(elsewhere);
      await expect(store().listSubscriptionsTo([first.commentId])).resolves.toEqual([first, second]);
      await expect(store().listSubscriptionsTo([first.commentId, elsewhere.commentId, 'nothing'])).resolves.toEqual([first, second, elsewhere]);
      await expect(store().listSubscriptionsTo([])).resolves.toEqual([]);
      await expect(store().getSubscription(first.id)).resolves.toEqual(first);
      await expect(store().getSubscription('no-such-subscription')).resolves.toBeUndefined();
      await expect(store().listSubscriptionsOf(a.emailKey)).resolves.toEqual([first, elsewhere]);
    });

    it('unsubscribes from one thread only, matching the thread key byte for byte', async () => {
      const s = subscriber();
      await store().ensureSubscriber(s);
      const thread = `https://news.example.org/${testId('t')}?q=a.b*`;
      const one = subscription(s.emailKey, { threadKey: thread, createdAt: later(1) });
      const two = subscription(s.emailKey, { threadKey: thread, createdAt: later(2) });
      const other = subscription(s.emailKey, { threadKey: `${thread}x`, createdAt: later(3) });
      for (const x of [one, two, other]) await store().addSubscription(x);
      await expect(store().unsubscribe({ emailKey: s.emailKey, threadKey: thread.replace('a.b', 'aXb') })).resolves.toBe(0);
      await expect(store().unsubscribe({ emailKey: s.emailKey, threadKey: thread })).resolves.toBe(2);
      await expect(store().listSubscriptionsOf(s.emailKey)).resolves.toEqual([other]);
      expect(await store().findSubscriber(s.emailKey)).toBeDefined();
    });

    it('unsubscribes from everything: every subscription and the subscriber go, other addresses stay', async () => {
      const s = subscriber();
      const neighbour = subscriber();
      await store().ensureSubscriber(s);
      await store().ensureSubscriber(neighbour);
      await store().confirmSubscriber(s.id, later(1));
      const mine = [subscription(s.emailKey), subscription(s.emailKey)];
      const theirs = subscription(neighbour.emailKey, { commentId: mine[0]!.commentId });
      for (const x of [...mine, theirs]) await store().addSubscription(x);
      await expect(store().unsubscribe({ emailKey: s.emailKey })).resolves.toBe(2);
      await expect(store().listSubscriptionsOf(s.emailKey)).resolves.toEqual([]);
      await expect(store().findSubscriber(s.emailKey)).resolves.toBeUndefined();
      await expect(store().listSubscriptionsTo([mine[0]!.commentId])).resolves.toEqual([theirs]);
      expect(await store().findSubscriber(neighbour.emailKey)).toBeDefined();
      // Asking again starts over, unconfirmed.
      const back = await store().ensureSubscriber({ ...subscriber({ emailKey: s.emailKey }) });
      expect(back.created).toBe(true);
      expect(back.subscriber.confirmedAt).toBeNull();
    });
  });
}
