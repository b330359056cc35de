/**
 * Counts the outbox messages actually stored, per channel, for /metrics: a decorator over the storage port's
 * enqueueOutbox (every notifier goes through it). The port answers only a total; when a batch mixing channels is
 * partly a repeat (a digest item whose window's digest is already queued), the stored ones are told apart by id.
 */
import type { OutboxChannel, OutboxPort } from '../storage/outbox-port.js';

export function countEnqueued<S extends OutboxPort>(storage: S, observe: (channel: OutboxChannel, count: number) => void): S {
  const enqueueOutbox: OutboxPort['enqueueOutbox'] = async (messages) => {
    const stored = await storage.enqueueOutbox(messages);
    try {
      const channels = new Set(messages.map((m) => m.channel));
      const kept = stored === messages.length || channels.size === 1 ? null : await Promise.all(messages.map((m) => storage.getOutbox(m.id)));
      const counts = new Map<OutboxChannel, number>();
      messages.forEach((m, i) => {
        if (kept ? kept[i] !== undefined : stored > 0) counts.set(m.channel, (counts.get(m.channel) ?? 0) + 1);
      });
      // One channel, partly repeated: the total is that channel's.
      if (!kept && channels.size === 1 && stored < messages.length) counts.set(messages[0]!.channel, stored);
      for (const [channel, n] of counts) observe(channel, n);
    } catch {
      /* metrics never fail a write */
    }
    return stored;
  };
  return new Proxy(storage, { get: (target, prop, receiver) => (prop === 'enqueueOutbox' ? enqueueOutbox : Reflect.get(target, prop, receiver)) });
}
