/**
 * The notifier's sweep backs off a comment whose replay keeps failing (one broken record must not log an error on
 * every pass of the outbox job), keeps replaying the others, and tries the failing one again later.
 */
import { describe, expect, it } from '@jest/globals';
import type { Comment } from '../../src/domain/comment.js';
import { createNotifier, SWEEP_GRACE_MS } from '../../src/notify/notifier.js';
import type { PendingNotification, PendingNotifications } from '../../src/storage/comments-port.js';
import type { NewOutboxMessage, OutboxPort } from '../../src/storage/outbox-port.js';
import { makeComment } from '../support/comment-factory.js';

describe('notification sweep', () => {
  it('backs off a comment whose replay keeps failing, doubling the wait, while the others are replayed', async () => {
    let now = Date.parse('2026-06-01T10:00:00.000Z');
    const created = (c: Comment): PendingNotification => ({ event: 'created', status: c.status, at: new Date(now - SWEEP_GRACE_MS - 1) });
    const broken = makeComment({ threadKey: 'https://example.com/a', id: 'broken' });
    const records = new Map<string, PendingNotification[]>([[broken.id, [created(broken)]]]);
    const comments = new Map<string, Comment>([[broken.id, broken]]);
    const tries: string[] = [];
    const errors: string[] = [];
    const outbox = {
      async enqueueOutbox(messages: NewOutboxMessage[]) {
        const id = (messages[0]!.payload as { commentId: string }).commentId;
        tries.push(id);
        if (id === broken.id) throw new Error('cannot store this one');
      },
    } as unknown as OutboxPort;
    const notifier = createNotifier({
      outbox,
      markers: {
        async listPendingNotifications(): Promise<PendingNotifications[]> {
          return [...records].map(([id, pending]) => ({ comment: comments.get(id)!, pending }));
        },
        async clearNotifications(id: string) {
          records.delete(id);
        },
      },
      clock: () => new Date(now),
      newId: () => `m${Math.random()}`,
      logger: { error: (_o: object, msg?: string) => void errors.push(msg ?? ''), warn: () => undefined },
      webhookUrls: ['https://hooks.example/in'],
    });
    const pass = async (advanceMs: number) => {
      now += advanceMs;
      return notifier.sweep();
    };

    expect(await pass(0)).toBe(0);
    expect(tries).toEqual(['broken']);
    // The outbox job's passes every 5 s: nothing for 30 s.
    for (let i = 0; i < 5; i += 1) await pass(5_000);
    expect(tries).toEqual(['broken']);
    // Meanwhile another comment's record is replayed at once.
    const fine = makeComment({ threadKey: 'https://example.com/a', id: 'fine' });
    comments.set(fine.id, fine);
    records.set(fine.id, [created(fine)]);
    expect(await pass(1_000)).toBe(1);
    expect(tries).toEqual(['broken', 'fine']);
    expect(records.has(fine.id)).toBe(false);
    // 30 s after the failure: tried again, then 60 s of rest, then 120 s.
    await pass(4_000);
    expect(tries).toEqual(['broken', 'fine', 'broken']);
    await pass(59_000);
    expect(tries.filter((t) => t === 'broken')).toHaveLength(2);
    await pass(1_000);
    expect(tries.filter((t) => t === 'broken')).toHaveLength(3);
    await pass(119_000);
    expect(tries.filter((t) => t === 'broken')).toHaveLength(3);
    expect(errors).toHaveLength(3);
    // Once it goes through, its record is cleared.
    outbox.enqueueOutbox = async () => 0;
    expect(await pass(1_000)).toBe(1);
    expect(records.size).toBe(0);
  });
});
