/** The MongoDB side of the outbox port (see ../outbox-port.ts). Plain finds and compare-and-set updates (FerretDB v1). */
import mongoose, { Schema } from 'mongoose';
import { OUTBOX_CHANNELS, type OutboxChannel, type OutboxMessage, type OutboxPort, type OutboxStatus } from '../outbox-port.js';

export interface OutboxDoc {
  _id: string;
  idempotencyKey: string;
  channel: OutboxChannel;
  /** JSON text: the payload is the channel's business, and `$`-keys in it must not reach a query or an update. */
  payload: string;
  attempts: number;
  nextAt: Date;
  /** Epoch 0 when unclaimed: never null, so the claim is a plain equality compare-and-set. */
  leaseUntil: Date;
  status: OutboxStatus;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /** Bumped by every settle and retry: with leaseUntil it names the state a claimer read (see claims below). */
  rev: number;
}

/**
 * One document per claim, named by the message state the claimer read (`id:rev:leaseUntil`). FerretDB v1 applies
 * neither updateOne nor findOneAndUpdate filters atomically under concurrency (two claimers both "won" the same
 * message in tests), but it does enforce a unique _id: the claimer whose insert lands owns the lease.
 */
export interface OutboxClaimDoc {
  _id: string;
  messageId: string;
  at: Date;
}

export const outboxSchema = new Schema<OutboxDoc>(
  {
    _id: { type: String, required: true },
    idempotencyKey: { type: String, required: true },
    channel: { type: String, enum: OUTBOX_CHANNELS, required: true },
    payload: { type: String },
    attempts: { type: Number, default: 0 },
    nextAt: { type: Date, required: true },
    leaseUntil: { type: Date, default: () => new Date(0) },
    status: { type: String, enum: ['pending', 'delivered', 'failed'], required: true },
    lastError: { type: String, default: null },
    createdAt: { type: Date, required: true },
    deliveredAt: { type: Date, default: null },
    rev: { type: Number, default: 0 },
  },
  { versionKey: false, strict: 'throw', strictQuery: 'throw', autoIndex: false, autoCreate: false, collection: 'outbox' },
);
export const outboxClaimSchema = new Schema<OutboxClaimDoc>(
  { _id: { type: String, required: true }, messageId: { type: String, required: true }, at: { type: Date, required: true } },
  { versionKey: false, strict: 'throw', strictQuery: 'throw', autoIndex: false, autoCreate: false, collection: 'outbox_claims' },
);
outboxClaimSchema.index({ messageId: 1 }, { name: 'outbox_claim_message' });
outboxSchema.index({ idempotencyKey: 1 }, { name: 'outbox_key', unique: true });
outboxSchema.index({ status: 1, nextAt: 1 }, { name: 'outbox_due' });

const toMessage = (d: OutboxDoc): OutboxMessage => ({
  id: d._id,
  idempotencyKey: d.idempotencyKey,
  channel: d.channel,
  payload: JSON.parse(d.payload) as unknown,
  attempts: d.attempts,
  nextAt: new Date(d.nextAt),
  status: d.status,
  lastError: d.lastError ?? null,
  createdAt: new Date(d.createdAt),
  leaseUntil: new Date(d.leaseUntil).getTime() > 0 ? new Date(d.leaseUntil) : null,
  deliveredAt: d.deliveredAt ? new Date(d.deliveredAt) : null,
});

const isDuplicateKey = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
const clamp = (limit: number) => Math.max(1, Math.min(500, Math.floor(limit)));

export function mongoOutbox(model: mongoose.Model<OutboxDoc>, claims: mongoose.Model<OutboxClaimDoc>, guarded: <T>(op: () => Promise<T>) => Promise<T>): OutboxPort {
  const get = async (id: string) => {
    const d = await model.findById(id).lean<OutboxDoc>();
    return d ? toMessage(d) : undefined;
  };
  return {
    enqueueOutbox(messages) {
      return guarded(async () => {
        let stored = 0;
        // One insert each: a duplicate key drops that message only (FerretDB's unordered insertMany reports less).
        for (const m of messages) {
          try {
            await model.create({
              _id: m.id,
              idempotencyKey: m.idempotencyKey,
              channel: m.channel,
              payload: JSON.stringify(m.payload),
              attempts: 0,
              nextAt: m.nextAt,
              leaseUntil: new Date(0),
              status: 'pending',
              lastError: null,
              createdAt: m.createdAt,
              deliveredAt: null,
              rev: 0,
            });
            stored += 1;
          } catch (err) {
            if (!isDuplicateKey(err)) throw err;
          }
        }
        return stored;
      });
    },
    claimDueOutbox({ now, leaseUntil, limit, channel }) {
      return guarded(async () => {
        const due = await model
          .find({ status: 'pending', nextAt: mongoose.trusted({ $lte: now }), leaseUntil: mongoose.trusted({ $lte: now }), ...(channel ? { channel } : {}) })
          .sort({ nextAt: 1, _id: 1 })
          .limit(clamp(limit))
          .lean<OutboxDoc[]>();
        const won: OutboxMessage[] = [];
        for (const d of due) {
          try {
            await claims.create({ _id: `${d._id}:${d.rev ?? 0}:${new Date(d.leaseUntil).getTime()}`, messageId: d._id, at: now });
          } catch (err) {
            if (isDuplicateKey(err)) continue;
            throw err;
          }
          const r = await model
            .findOneAndUpdate({ _id: d._id, status: 'pending', rev: d.rev ?? 0 }, { $set: { leaseUntil } }, { returnDocument: 'after' })
            .lean<OutboxDoc>();
          if (r) won.push(toMessage(r));
        }
        return won;
      });
    },
    settleOutbox(id, outcome) {
      return guarded(async () => {
        const $set: Partial<OutboxDoc> =
          outcome.kind === 'delivered'
            ? { status: 'delivered', lastError: null, deliveredAt: outcome.at, leaseUntil: new Date(0) }
            : outcome.kind === 'retry'
              ? { status: 'pending', lastError: outcome.error, nextAt: outcome.nextAt, leaseUntil: new Date(0) }
              : { status: 'failed', lastError: outcome.error, leaseUntil: new Date(0) };
        const r = await model.updateOne({ _id: id }, { $set, $inc: { attempts: 1, rev: 1 } });
        if (r.matchedCount === 0) return undefined;
        await claims.deleteMany({ messageId: id });
        return get(id);
      });
    },
    getOutbox(id) {
      return guarded(() => get(id));
    },
    listOutbox({ channel, status, before, limit }) {
      return guarded(async () => {
        const filter: Record<string, unknown> = {};
        if (channel) filter.channel = channel;
        if (status) filter.status = status;
        if (before) filter._id = mongoose.trusted({ $lt: before });
        return (await model.find(filter).sort({ _id: -1 }).limit(clamp(limit)).lean<OutboxDoc[]>()).map(toMessage);
      });
    },
    countPendingOutbox() {
      return guarded(async () => {
        const counts: Partial<Record<OutboxChannel, number>> = {};
        // One count per channel: plain finds, no aggregation pipeline (FerretDB v1).
        for (const channel of OUTBOX_CHANNELS) {
          const n = await model.countDocuments({ status: 'pending', channel });
          if (n > 0) counts[channel] = n;
        }
        return counts;
      });
    },
    pruneOutbox(before) {
      return guarded(async () => {
        const r = await model.deleteMany({ status: mongoose.trusted({ $in: ['delivered', 'failed'] }), createdAt: mongoose.trusted({ $lt: before }) });
        return r.deletedCount;
      });
    },
    retryOutbox(id, now) {
      return guarded(async () => {
        const r = await model.updateOne({ _id: id }, { $set: { status: 'pending', nextAt: now, leaseUntil: new Date(0) }, $inc: { rev: 1 } });
        return r.matchedCount === 0 ? undefined : get(id);
      });
    },
  };
}
