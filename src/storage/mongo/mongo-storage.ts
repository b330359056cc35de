/**
 * MongoDB adapter of the storage port (mongoose 9): opens the connection, gives old comments their dedupe key, builds
 * every model's indexes, detects transactions, runs the repair pass, and composes the parts on one connection:
 * comments and threads (mongo-comments.ts), moderation records (mongo-moderation.ts), the outbox and transfer.
 * How related writes stay atomic or crash-safe across parts is written in mongo-writes.ts.
 */
import mongoose, { type Connection, type Model } from 'mongoose';
import { StorageUnavailableError } from '../../domain/errors.js';
import type { Storage } from '../storage.js';
import { mongoTransfer } from './mongo-transfer.js';
import { mongoOutbox } from './mongo-outbox.js';
import { mongoModerators } from './mongo-moderators.js';
import { mongoSubscriptions } from './mongo-subscriptions.js';
import { fillDedupeKeys, mongoComments, toComment, toThread } from './mongo-comments.js';
import { guarded, translateMongoError } from './mongo-errors.js';
import { mongoAuditWriter, mongoModeration } from './mongo-moderation.js';
import { mongoWrites, type MongoRepairCounts, type MongoWriteStep, type RepairedThreads } from './mongo-writes.js';
import { createModels, type MongoModels } from './models.js';

export { translateMongoError } from './mongo-errors.js';
export type { MongoRepairCounts, MongoWriteStep } from './mongo-writes.js';

export interface MongoStorageLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
}

export interface MongoStorageOptions {
  uri: string;
  /** Server selection, connect and socket timeout (default 5 s), so no request waits long for a server that is away. */
  timeoutMs?: number;
  logger?: MongoStorageLogger;
  /**
   * Fault injection for tests: called after each write of a multi-write operation, named by the write just done.
   * Throwing there is a crash at that point: the writes after it do not happen.
   */
  afterWrite?: (step: MongoWriteStep) => void;
}

/** The part of a hello (or isMaster) reply that tells whether the server runs transactions. */
export interface HelloReply {
  setName?: unknown;
  msg?: unknown;
}

/** A replica set member (setName) or a mongos (msg 'isdbgrid') runs transactions; a standalone server or FerretDB not. */
export function supportsTransactions(hello: HelloReply): boolean {
  return (typeof hello.setName === 'string' && hello.setName !== '') || hello.msg === 'isdbgrid';
}

/** A bounded wait for every step (find a server, connect, hear back), unless the URI sets its own. */
function timeoutOptions(uri: string, ms: number): Record<string, number> {
  const options: Record<string, number> = {};
  for (const key of ['serverSelectionTimeoutMS', 'connectTimeoutMS', 'socketTimeoutMS', 'waitQueueTimeoutMS']) {
    if (!new RegExp(`[?&]${key}=`, 'i').test(uri)) options[key] = ms;
  }
  return options;
}

/** Creates every model's declared indexes (autoIndex is off); never drops one, unlike syncIndexes. */
async function buildIndexes(models: MongoModels): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) await model.createIndexes();
}

export async function openMongoStorage(opts: MongoStorageOptions): Promise<Storage> {
  const logger = opts.logger;
  let connection: Connection;
  try {
    connection = await mongoose
      .createConnection(opts.uri, {
        sanitizeFilter: true,
        // Fail fast instead of queueing operations while the server is away: callers get storage_unavailable.
        bufferCommands: false,
        autoIndex: false,
        autoCreate: false,
        // Options given here override the URI's, so the URI keeps the last word on these.
        ...timeoutOptions(opts.uri, opts.timeoutMs ?? 5000),
      })
      .asPromise();
  } catch (err) {
    throw translateMongoError(err);
  }
  const models = createModels(connection);
  let transactions = false;
  try {
    const filled = await fillDedupeKeys(models.comments);
    if (filled > 0) logger?.info({ storage: 'mongo', comments: filled }, 'MongoDB comments given a dedupe key');
    await buildIndexes(models);
    const db = connection.db;
    const hello = db
      ? await db.admin().command({ hello: 1 }).catch(() => db.admin().command({ isMaster: 1 }))
      : {};
    transactions = supportsTransactions(hello);
    logger?.info(
      { storage: 'mongo', transactions },
      transactions ? 'MongoDB runs transactions: related writes are atomic' : 'MongoDB without transactions: crash-safe write order and repair at open',
    );
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw translateMongoError(err);
  }

  let closing = false;
  connection.on('disconnected', () => {
    if (!closing) logger?.warn({ storage: 'mongo' }, 'MongoDB connection lost');
  });
  connection.on('reconnected', () => logger?.info({ storage: 'mongo' }, 'MongoDB connection restored'));
  logger?.info({ storage: 'mongo', db: connection.name, host: connection.host }, 'MongoDB storage opened');

  let repairing = false;
  const writes = mongoWrites({
    connection,
    transactions,
    step: (name: MongoWriteStep) => {
      if (!repairing) opts.afterWrite?.(name);
    },
  });
  const upsertAudit = mongoAuditWriter(models.audit);
  const comments = mongoComments({ models, writes, upsertAudit });
  const moderation = mongoModeration({ models, writes, upsertAudit });

  /**
   * Completes what a crash between two writes left (see mongo-writes.ts): idempotent, and safe while other instances
   * write, since every step it repeats is one they would repeat identically.
   */
  const repairedThreads: RepairedThreads = { keys: new Set(), all: false };
  async function repair(): Promise<MongoRepairCounts> {
    const counts: MongoRepairCounts = { threads: 0, audits: 0, erasures: 0, counted: 0 };
    await comments.repair(counts, repairedThreads);
    await moderation.repair(counts, repairedThreads);
    return counts;
  }

  try {
    repairing = true;
    const repaired = await repair();
    repairing = false;
    logger?.info({ storage: 'mongo', repaired, invalidate: repairedThreads.all ? 'all' : repairedThreads.keys.size }, 'MongoDB repair pass done');
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw translateMongoError(err);
  }

  async function ping(): Promise<void> {
    return guarded(async () => {
      const db = connection.db;
      if (!db) throw new StorageUnavailableError();
      await db.command({ ping: 1 });
    });
  }

  async function close(): Promise<void> {
    closing = true;
    await connection.close();
  }

  return {
    kind: 'mongo',
    repairedAtOpen: { threadKeys: [...repairedThreads.keys], all: repairedThreads.all },
    ...comments.port,
    ...moderation.port,
    // Three collections and no $lookup on FerretDB: the three reads at once, one round trip of waiting.
    async postChecks(q) {
      const [thread, ban, duplicate] = await Promise.all([
        comments.port.getThread(q.threadKey),
        moderation.port.findActiveBan({ hashes: q.banHashes, now: q.now }),
        comments.port.hasRecentDuplicate({ threadKey: q.threadKey, emailKey: q.emailKey, body: q.body, since: q.since }),
      ]);
      return { thread, banned: ban !== undefined, duplicate };
    },
    ping,
    close,
    ...mongoTransfer({ models, guarded, toComment, toThread, syncCount: comments.syncCount }),
    ...mongoOutbox(models.outbox, models.outboxClaims, guarded),
    ...mongoModerators(models.moderators, models.moderatorSessions),
    ...mongoSubscriptions(models.subscribers, models.subscriptions, guarded),
  };
}
