/** The SQLite side of the outbox port (see ../outbox-port.ts). */
import type { Database } from 'better-sqlite3';
import type { OutboxChannel, OutboxMessage, OutboxPort, OutboxStatus } from '../outbox-port.js';

interface OutboxRow {
  id: string;
  idempotency_key: string;
  channel: string;
  payload: string;
  attempts: number;
  next_at: number;
  lease_until: number;
  status: string;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const toMessage = (r: OutboxRow): OutboxMessage => ({
  id: r.id,
  idempotencyKey: r.idempotency_key,
  channel: r.channel as OutboxChannel,
  payload: JSON.parse(r.payload) as unknown,
  attempts: r.attempts,
  nextAt: new Date(r.next_at),
  status: r.status as OutboxStatus,
  lastError: r.last_error,
  createdAt: new Date(r.created_at),
  leaseUntil: r.lease_until > 0 ? new Date(r.lease_until) : null,
  deliveredAt: r.delivered_at === null ? null : new Date(r.delivered_at),
});

export function sqliteOutbox(db: Database): OutboxPort {
  const insert = db.prepare(
    `INSERT INTO outbox (id, idempotency_key, channel, payload, attempts, next_at, lease_until, status, last_error, created_at, delivered_at)
     VALUES (?, ?, ?, ?, 0, ?, 0, 'pending', NULL, ?, NULL) ON CONFLICT DO NOTHING`,
  );
  const due = db.prepare(
    `SELECT * FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND next_at <= ? AND lease_until <= ? ORDER BY next_at, id LIMIT ?`,
  );
  const dueOn = db.prepare(
    `SELECT * FROM outbox INDEXED BY outbox_due WHERE status = 'pending' AND next_at <= ? AND lease_until <= ? AND channel = ? ORDER BY next_at, id LIMIT ?`,
  );
  const lease = db.prepare(`UPDATE outbox SET lease_until = ? WHERE id = ? AND status = 'pending' AND lease_until = ?`);
  const get = db.prepare('SELECT * FROM outbox WHERE id = ?');
  const settle = db.prepare(
    `UPDATE outbox SET attempts = attempts + 1, status = ?, next_at = coalesce(?, next_at), last_error = ?,
       delivered_at = coalesce(?, delivered_at), lease_until = 0 WHERE id = ?`,
  );
  const prune = db.prepare(`DELETE FROM outbox WHERE status IN ('delivered', 'failed') AND created_at < ?`);
  const pending = db.prepare(`SELECT channel, count(*) AS n FROM outbox WHERE status = 'pending' GROUP BY channel`);
  const retry = db.prepare(`UPDATE outbox SET status = 'pending', next_at = ?, lease_until = 0 WHERE id = ?`);

  const enqueueTx = db.transaction((messages: readonly Parameters<OutboxPort['enqueueOutbox']>[0][number][]) => {
    let stored = 0;
    for (const m of messages) {
      stored += insert.run(m.id, m.idempotencyKey, m.channel, JSON.stringify(m.payload), m.nextAt.getTime(), m.createdAt.getTime()).changes;
    }
    return stored;
  });
  // Immediate: another process on the same file waits for the write lock instead of reading the same due rows.
  const claimTx = db.transaction((now: number, until: number, limit: number, channel: OutboxChannel | undefined): OutboxMessage[] => {
    const won: OutboxMessage[] = [];
    const rows = (channel ? dueOn.all(now, now, channel, limit) : due.all(now, now, limit)) as OutboxRow[];
    for (const r of rows) {
      if (lease.run(until, r.id, r.lease_until).changes === 1) won.push(toMessage({ ...r, lease_until: until }));
    }
    return won;
  });

  return {
    async enqueueOutbox(messages) {
      return messages.length === 0 ? 0 : enqueueTx(messages);
    },
    async claimDueOutbox({ now, leaseUntil, limit, channel }) {
      return claimTx.immediate(now.getTime(), leaseUntil.getTime(), Math.max(1, Math.min(500, Math.floor(limit))), channel);
    },
    async settleOutbox(id, outcome) {
      const status: OutboxStatus = outcome.kind === 'delivered' ? 'delivered' : outcome.kind === 'retry' ? 'pending' : 'failed';
      const nextAt = outcome.kind === 'retry' ? outcome.nextAt.getTime() : null;
      const error = outcome.kind === 'delivered' ? null : outcome.error;
      const deliveredAt = outcome.kind === 'delivered' ? outcome.at.getTime() : null;
      if (settle.run(status, nextAt, error, deliveredAt, id).changes === 0) return undefined;
      return toMessage(get.get(id) as OutboxRow);
    },
    async getOutbox(id) {
      const r = get.get(id) as OutboxRow | undefined;
      return r && toMessage(r);
    },
    async listOutbox({ channel, status, before, limit }) {
      const where: string[] = [];
      const args: (string | number)[] = [];
      if (channel) (where.push('channel = ?'), args.push(channel));
      if (status) (where.push('status = ?'), args.push(status));
      if (before) (where.push('id < ?'), args.push(before));
      args.push(Math.max(1, Math.min(500, Math.floor(limit))));
      const sql = `SELECT * FROM outbox ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
      return (db.prepare(sql).all(...args) as OutboxRow[]).map(toMessage);
    },
    async countPendingOutbox() {
      const counts: Partial<Record<OutboxChannel, number>> = {};
      for (const r of pending.all() as { channel: OutboxChannel; n: number }[]) counts[r.channel] = r.n;
      return counts;
    },
    async pruneOutbox(before) {
      return prune.run(before.getTime()).changes;
    },
    async retryOutbox(id, now) {
      if (retry.run(now.getTime(), id).changes === 0) return undefined;
      return toMessage(get.get(id) as OutboxRow);
    },
  };
}
