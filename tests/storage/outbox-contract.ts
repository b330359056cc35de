/**
 * The outbox part of the port (src/storage/outbox-port.ts), on the contract's shared store. The store is shared
 * (and on MongoDB it outlives the run), so every assertion is about this test's own messages: claims take a wide
 * limit and are filtered by id.
 */
import { describe, expect, it } from '@jest/globals';
import type { NewOutboxMessage } from '../../src/storage/outbox-port.js';
import type { Storage } from '../../src/storage/storage.js';
import { testId } from '../support/comment-factory.js';

const BASE = Date.parse('2031-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(BASE + seconds * 1000);

function message(over: Partial<NewOutboxMessage> = {}): NewOutboxMessage {
  const id = testId('ob');
  return { id, idempotencyKey: `key-${id}`, channel: 'webhook', payload: { url: 'http://127.0.0.1/x', body: { a: [1, 'é', { $ne: 1 }] } }, nextAt: at(0), createdAt: at(0), ...over };
}

export function describeOutboxContract(store: () => Storage): void {
  const claimMine = async (ids: string[], now: Date, leaseSeconds = 60) =>
    (await store().claimDueOutbox({ now, leaseUntil: new Date(now.getTime() + leaseSeconds * 1000), limit: 500 })).filter((m) => ids.includes(m.id));

  describe('outbox', () => {
    it('stores a message once per idempotency key and reads it back exactly', async () => {
      const m = message();
      await expect(store().enqueueOutbox([m])).resolves.toBe(1);
      await expect(store().enqueueOutbox([{ ...m, id: testId('ob') }])).resolves.toBe(0);
      const other = message({ channel: 'mail' });
      await expect(store().enqueueOutbox([{ ...m, id: testId('ob') }, other])).resolves.toBe(1);
      await expect(store().getOutbox(m.id)).resolves.toEqual({
        ...m, attempts: 0, status: 'pending', lastError: null, leaseUntil: null, deliveredAt: null,
      });
      expect((await store().getOutbox(other.id))?.channel).toBe('mail');
      await expect(store().getOutbox('no-such-message')).resolves.toBeUndefined();
    });

    it('claims only due messages, and a leased message is not claimed again until its lease runs out', async () => {
      const due = message({ nextAt: at(100) });
      const later = message({ nextAt: at(200) });
      await store().enqueueOutbox([due, later]);
      const ids = [due.id, later.id];
      expect((await claimMine(ids, at(150), 30)).map((m) => m.id)).toEqual([due.id]);
      expect(await claimMine(ids, at(160))).toEqual([]);
      const again = await claimMine(ids, at(181));
      expect(again.map((m) => m.id)).toEqual([due.id]);
      expect(again[0]!.leaseUntil).toEqual(at(241));
    });

    it('claims only the asked channel’s messages when given one, soonest first', async () => {
      const hook = message({ nextAt: at(350) });
      const mail = message({ channel: 'mail', nextAt: at(351) });
      await store().enqueueOutbox([hook, mail]);
      const ids = [hook.id, mail.id];
      const claimOn = async (channel: 'mail' | 'webhook') =>
        (await store().claimDueOutbox({ now: at(360), leaseUntil: at(420), limit: 500, channel })).filter((m) => ids.includes(m.id)).map((m) => m.id);
      expect(await claimOn('mail')).toEqual([mail.id]);
      expect(await claimOn('mail')).toEqual([]);
      expect(await claimOn('webhook')).toEqual([hook.id]);
    });

    it('gives a message to exactly one of two concurrent claimers', async () => {
      const ms = [message({ nextAt: at(300) }), message({ nextAt: at(300) }), message({ nextAt: at(301) })];
      await store().enqueueOutbox(ms);
      const ids = ms.map((m) => m.id);
      const [a, b] = await Promise.all([claimMine(ids, at(400)), claimMine(ids, at(400))]);
      const won = [...a, ...b].map((m) => m.id).sort();
      expect(won).toEqual([...ids].sort());
    });

    it('records delivery, retry and failure, counting attempts and releasing the lease', async () => {
      const m = message({ nextAt: at(500) });
      await store().enqueueOutbox([m]);
      await claimMine([m.id], at(500));
      const retried = await store().settleOutbox(m.id, { kind: 'retry', nextAt: at(560), error: 'HTTP 500' });
      expect(retried).toMatchObject({ status: 'pending', attempts: 1, nextAt: at(560), lastError: 'HTTP 500', leaseUntil: null });
      expect(await claimMine([m.id], at(559))).toEqual([]);
      expect(await claimMine([m.id], at(560))).toHaveLength(1);
      const delivered = await store().settleOutbox(m.id, { kind: 'delivered', at: at(561) });
      expect(delivered).toMatchObject({ status: 'delivered', attempts: 2, lastError: null, deliveredAt: at(561), leaseUntil: null });
      expect(await claimMine([m.id], at(9999))).toEqual([]);

      const f = message({ nextAt: at(600) });
      await store().enqueueOutbox([f]);
      expect(await store().settleOutbox(f.id, { kind: 'failed', error: 'gave up' })).toMatchObject({ status: 'failed', attempts: 1, lastError: 'gave up' });
      expect(await claimMine([f.id], at(9999))).toEqual([]);
      await expect(store().settleOutbox('no-such-message', { kind: 'failed', error: 'x' })).resolves.toBeUndefined();
    });

    it('makes a failed message due again on retry, keeping its attempts', async () => {
      const m = message({ nextAt: at(700) });
      await store().enqueueOutbox([m]);
      await store().settleOutbox(m.id, { kind: 'failed', error: 'gave up' });
      const retried = await store().retryOutbox(m.id, at(800));
      expect(retried).toMatchObject({ status: 'pending', attempts: 1, nextAt: at(800), leaseUntil: null });
      expect((await claimMine([m.id], at(800))).map((x) => x.id)).toEqual([m.id]);
      await expect(store().retryOutbox('no-such-message', at(800))).resolves.toBeUndefined();
    });

    it('lists messages newest first, by channel and status, page after page', async () => {
      const ms = [message({ channel: 'mail' }), message({ channel: 'mail' }), message({ channel: 'mail' })];
      await store().enqueueOutbox(ms);
      await store().settleOutbox(ms[1]!.id, { kind: 'failed', error: 'x' });
      const first = await store().listOutbox({ channel: 'mail', limit: 2 });
      expect(first.map((m) => m.id)).toEqual([ms[2]!.id, ms[1]!.id]);
      const next = await store().listOutbox({ channel: 'mail', before: first[1]!.id, limit: 1 });
      expect(next.map((m) => m.id)).toEqual([ms[0]!.id]);
      expect((await store().listOutbox({ channel: 'mail', status: 'failed', limit: 1 })).map((m) => m.id)).toEqual([ms[1]!.id]);
      expect((await store().listOutbox({ channel: 'webhook', limit: 500 })).some((m) => m.channel !== 'webhook')).toBe(false);
    });

    it('prunes settled messages created before the cut-off, never pending ones', async () => {
      const old = [message({ createdAt: new Date(0) }), message({ createdAt: new Date(0) }), message({ createdAt: new Date(0) })];
      const recent = message({ createdAt: at(900) });
      await store().enqueueOutbox([...old, recent]);
      await store().settleOutbox(old[0]!.id, { kind: 'delivered', at: at(1) });
      await store().settleOutbox(old[1]!.id, { kind: 'failed', error: 'x' });
      await store().settleOutbox(recent.id, { kind: 'delivered', at: at(901) });
      expect(await store().pruneOutbox(new Date(1000))).toBeGreaterThanOrEqual(2);
      await expect(store().getOutbox(old[0]!.id)).resolves.toBeUndefined();
      await expect(store().getOutbox(old[1]!.id)).resolves.toBeUndefined();
      expect((await store().getOutbox(old[2]!.id))?.status).toBe('pending');
      expect((await store().getOutbox(recent.id))?.status).toBe('delivered');
    });

    it('counts pending messages per channel, parked digest items included, settled ones not', async () => {
      const before = await store().countPendingOutbox();
      const ms = [message({ channel: 'digest-item', nextAt: new Date('9999-12-31T00:00:00.000Z') }), message({ channel: 'digest-item' }), message({ channel: 'mail' })];
      await store().enqueueOutbox(ms);
      await store().settleOutbox(ms[1]!.id, { kind: 'delivered', at: at(1) });
      const after = await store().countPendingOutbox();
      expect((after['digest-item'] ?? 0) - (before['digest-item'] ?? 0)).toBe(1);
      expect((after.mail ?? 0) - (before.mail ?? 0)).toBe(1);
      expect(after.webhook ?? 0).toBe(before.webhook ?? 0);
      expect((await store().getOutbox(ms[0]!.id))?.nextAt).toEqual(new Date('9999-12-31T00:00:00.000Z'));
      expect(await claimMine([ms[0]!.id], at(10_000_000))).toEqual([]);
    });
  });
}
