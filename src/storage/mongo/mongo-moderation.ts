/**
 * The MongoDB side of the moderation port (../moderation-port.ts): the audit log and bans. A ban or an unban and its
 * audit entry are one transaction where the server has them; without, the ban carries its entry (pendingAudit) until
 * the entry is in `audit`, and the repair pass at open settles what a crash left. The audit writer here is also what
 * the comments part writes a decision's, a lock's and an erase's entry with.
 */
import mongoose, { type ClientSession, type Model } from 'mongoose';
import type { AuditEntry, Ban } from '../../domain/moderation.js';
import type { AuditQuery, ModerationPort } from '../moderation-port.js';
import { assertCursor, assertStrings, guarded } from './mongo-errors.js';
import { inSession, type MongoPart, type MongoWrites } from './mongo-writes.js';
import type { AuditDoc, BanDoc, MongoModels, PendingAuditDoc } from './models.js';

const { trusted } = mongoose;

function toAudit(d: AuditDoc): AuditEntry {
  return {
    id: d._id,
    at: new Date(d.at),
    actor: d.actor,
    action: d.action as AuditEntry['action'],
    commentId: d.commentId ?? null,
    threadKey: d.threadKey ?? null,
    from: (d.from ?? null) as AuditEntry['from'],
    to: (d.to ?? null) as AuditEntry['to'],
    reason: d.reason ?? null,
  };
}

function toBan(d: BanDoc): Ban {
  return {
    id: d._id,
    kind: d.kind,
    hash: d.hash,
    prefix: d.prefix ?? null,
    reason: d.reason ?? null,
    createdAt: new Date(d.createdAt),
    expiresAt: d.expiresAt ? new Date(d.expiresAt) : null,
    actor: d.actor,
  };
}

export function toPendingAudit(e: AuditEntry): PendingAuditDoc {
  return { id: e.id, at: e.at, actor: e.actor, action: e.action, commentId: e.commentId, threadKey: e.threadKey, from: e.from, to: e.to, reason: e.reason };
}

/** Inserts the entry unless it is there already: re-running it after a crash writes it once. */
export type UpsertAudit = (e: PendingAuditDoc, session?: ClientSession | null) => Promise<void>;

export function mongoAuditWriter(audit: Model<AuditDoc>): UpsertAudit {
  return async (e, session = null) => {
    const { id, ...fields } = e;
    await audit.updateOne({ _id: id }, { $setOnInsert: fields }, { upsert: true, ...inSession(session) });
  };
}

export interface MongoModerationDeps {
  models: MongoModels;
  writes: MongoWrites;
  upsertAudit: UpsertAudit;
}

export function mongoModeration({ models, writes, upsertAudit }: MongoModerationDeps): MongoPart<ModerationPort> {
  const { audit, bans } = models;
  const { atomic, step, transactions } = writes;

  async function appendAudit(e: AuditEntry): Promise<void> {
    return guarded(async () => {
      await audit.create({
        _id: e.id,
        at: e.at,
        actor: e.actor,
        action: e.action,
        commentId: e.commentId,
        threadKey: e.threadKey,
        from: e.from,
        to: e.to,
        reason: e.reason,
      });
    });
  }

  async function listAudit(query: AuditQuery) {
    return guarded(async () => {
      const filter: Record<string, unknown> = {};
      if (query.commentId !== undefined) filter.commentId = query.commentId;
      if (query.cursor) {
        assertCursor(query.cursor);
        filter.at = trusted({ $lte: query.cursor.createdAt });
        filter.$or = [{ at: trusted({ $lt: query.cursor.createdAt }) }, { at: query.cursor.createdAt, _id: trusted({ $lt: query.cursor.id }) }];
      }
      const docs = await audit.find(filter).sort({ at: -1, _id: -1 }).limit(query.limit + 1).lean<AuditDoc[]>();
      const page = docs.slice(0, query.limit);
      const last = page[page.length - 1];
      return { entries: page.map(toAudit), nextCursor: docs.length > query.limit && last ? { createdAt: new Date(last.at), id: last._id } : null };
    });
  }

  /** Settles the audit entry a ban carries: written once, then the ban is removed (unban) or just unmarked. */
  async function settleBanAudit(banId: string, e: PendingAuditDoc, removing: boolean): Promise<void> {
    await upsertAudit(e);
    step('audit-written');
    if (removing) await bans.deleteOne({ _id: banId, 'pendingAudit.id': e.id });
    else await bans.updateOne({ _id: banId, 'pendingAudit.id': e.id }, { $unset: { pendingAudit: 1 } });
  }

  async function insertBan(b: Ban, options: { audit?: AuditEntry } = {}): Promise<void> {
    return guarded(async () => {
      const doc = { _id: b.id, kind: b.kind, hash: b.hash, prefix: b.prefix, reason: b.reason, createdAt: b.createdAt, expiresAt: b.expiresAt, actor: b.actor };
      const entry = options.audit ? toPendingAudit(options.audit) : null;
      if (!entry) {
        await bans.create(doc);
      } else if (transactions) {
        await atomic(async (session) => {
          await bans.create([doc], inSession(session));
          await upsertAudit(entry, session);
        });
      } else {
        await bans.create({ ...doc, pendingAudit: entry });
        step('decision-applied');
        await settleBanAudit(b.id, entry, false);
      }
    });
  }

  async function listBans(): Promise<Ban[]> {
    return guarded(async () => (await bans.find({}).sort({ createdAt: -1, _id: -1 }).lean<BanDoc[]>()).map(toBan));
  }

  async function deleteBan(id: string, options: { audit?: AuditEntry } = {}): Promise<boolean> {
    return guarded(async () => {
      const entry = options.audit ? toPendingAudit(options.audit) : null;
      if (!entry) return (await bans.deleteOne({ _id: id })).deletedCount > 0;
      if (transactions) {
        return atomic(async (session) => {
          const deleted = (await bans.deleteOne({ _id: id }, inSession(session))).deletedCount > 0;
          if (deleted) await upsertAudit(entry, session);
          return deleted;
        });
      }
      // The ban is marked for removal with its entry first: a crash leaves it to the repair pass, which finishes it.
      // An unban retried after a crash takes over the mark: its own entry is the one written.
      const marked = await bans.updateOne({ _id: id }, { $set: { pendingAudit: entry, removing: true } });
      if (marked.matchedCount === 0) return false;
      step('decision-applied');
      await settleBanAudit(id, entry, true);
      return true;
    });
  }

  async function findActiveBan(query: { hashes: readonly string[]; now: Date }): Promise<Ban | undefined> {
    return guarded(async () => {
      assertStrings(query.hashes, 'hashes');
      if (query.hashes.length === 0) return undefined;
      const doc = await bans
        .findOne({
          hash: trusted({ $in: [...query.hashes] }),
          $or: [{ expiresAt: null }, { expiresAt: trusted({ $gt: query.now }) }],
        })
        .sort({ createdAt: -1 })
        .lean<BanDoc>();
      return doc ? toBan(doc) : undefined;
    });
  }

  return {
    port: { appendAudit, listAudit, insertBan, listBans, deleteBan, findActiveBan },
    async repair(counts) {
      // Bans change no public page: nothing to add to the repaired threads.
      for (const d of await bans.find({ 'pendingAudit.id': trusted({ $gt: '' }) }, { _id: 1, pendingAudit: 1, removing: 1 }).lean<BanDoc[]>()) {
        if (!d.pendingAudit) continue;
        await settleBanAudit(d._id, d.pendingAudit, d.removing === true);
        counts.audits += 1;
      }
    },
  };
}
