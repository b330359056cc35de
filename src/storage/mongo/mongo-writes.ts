/**
 * What the parts of the MongoDB adapter share to write across collections: whether the server runs transactions, a
 * runner that uses one when it does, and the named points between two writes where a crash can stop an operation.
 *
 * Writes that belong together (a comment and its thread's lastCommentAt; a decision or a moderator's reply and its
 * audit entry) run in one transaction when the server offers them (replica set, sharded cluster). Without (standalone,
 * FerretDB) they are ordered so that a crash after any write leaves a state the repair pass at open completes: the
 * first write carries a marker (threadPending, pendingAudit) or an intent (erase), the last one clears it.
 *
 * A thread's public count is recounted after the change on both kinds of server (never inside the transaction), by
 * syncCount in mongo-comments.ts; the change's threadPending marker stays until the recount is done.
 */
import type { ClientSession, Connection } from 'mongoose';

/** The points between two writes where a crash can stop a multi-write operation. */
export type MongoWriteStep =
  | 'comment-inserted'
  | 'thread-touched'
  | 'decision-applied'
  | 'audit-written'
  | 'erase-recorded'
  | 'erase-applied'
  | 'count-written';

/** What the repair pass at open completed. */
export interface MongoRepairCounts {
  /** Comments whose thread's lastCommentAt was not yet moved. */
  threads: number;
  /** Audit entries carried by a decision but not yet in `audit`. */
  audits: number;
  /** Author erasures recorded but not finished. */
  erasures: number;
  /** Threads given their first public count (the first open after counts were kept). */
  counted: number;
}

/**
 * The threads whose public pages the repair pass changed (or which a crash kept from being invalidated): the service
 * drops them from every instance's read cache once it runs (Storage.repairedAtOpen).
 */
export interface RepairedThreads {
  keys: Set<string>;
  /** An erase was finished: it may touch any thread. */
  all: boolean;
}

export interface MongoWrites {
  /** Detected at open: a replica set member or a mongos. */
  readonly transactions: boolean;
  /** Runs `work` in one transaction when the server has them, else as is (with a null session). */
  atomic<T>(work: (session: ClientSession | null) => Promise<T>): Promise<T>;
  /** Called after each write of a multi-write operation, named by the write just done (fault injection in tests). */
  step(name: MongoWriteStep): void;
}

/** A part of the adapter: its side of the port, and what it completes in the repair pass at open. */
export interface MongoPart<P> {
  port: P;
  /** Completes what a crash between two of this part's writes left; adds what it did to `counts` and `threads`. Idempotent. */
  repair(counts: MongoRepairCounts, threads: RepairedThreads): Promise<void>;
}

export const inSession = (session: ClientSession | null) => (session ? { session } : {});

export function mongoWrites({ connection, transactions, step }: { connection: Connection; transactions: boolean; step: (name: MongoWriteStep) => void }): MongoWrites {
  return {
    transactions,
    step,
    async atomic<T>(work: (session: ClientSession | null) => Promise<T>): Promise<T> {
      if (!transactions) return work(null);
      const session = await connection.startSession();
      try {
        let result: T | undefined;
        await session.withTransaction(async () => {
          result = await work(session);
        });
        return result as T;
      } finally {
        await session.endSession();
      }
    },
  };
}
