/** The MongoDB side of the transfer port (see ../transfer-port.ts): whole-store reads in key order and exact restores. */
import mongoose from 'mongoose';
import type { Comment } from '../../domain/comment.js';
import type { Ban } from '../../domain/moderation.js';
import type { ThreadRecord } from '../storage.js';
import type { TransferPort } from '../transfer-port.js';
import type { BanDoc, CommentDoc, MongoModels, ThreadDoc } from './models.js';

export interface MongoTransferDeps {
  models: MongoModels;
  guarded: <T>(op: () => Promise<T>) => Promise<T>;
  toComment: (doc: CommentDoc) => Comment;
  toThread: (doc: ThreadDoc) => ThreadRecord;
}

const clamp = (limit: number): number => Math.max(1, Math.min(1000, Math.floor(limit)));

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 11000;
}

export function mongoTransfer({ models, guarded, toComment, toThread }: MongoTransferDeps): TransferPort {
  const { comments, threads, bans } = models;
  // String _id order is byte order of the UTF-8 (simple binary comparison), as on SQLite.
  const afterFilter = (after: string | null) => (after === null ? {} : { _id: mongoose.trusted({ $gt: after }) });

  /** Inserts unless the id exists; true when inserted. */
  const insertNew = async (create: () => Promise<unknown>): Promise<boolean> => {
    try {
      await create();
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  };

  return {
    async listAllThreads({ after, limit }) {
      return guarded(async () => (await threads.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<ThreadDoc[]>()).map(toThread));
    },
    async listAllComments({ after, limit }) {
      return guarded(async () => (await comments.find(afterFilter(after)).sort({ _id: 1 }).limit(clamp(limit)).lean<CommentDoc[]>()).map(toComment));
    },
    async restoreThread(t: ThreadRecord) {
      return guarded(() =>
        insertNew(() =>
          threads.create({ _id: t.key, url: t.url, createdAt: t.createdAt, locked: t.locked, lastCommentAt: t.lastCommentAt ?? new Date(0) }),
        ),
      );
    },
    async restoreBan(b: Ban) {
      return guarded(() =>
        insertNew(() =>
          bans.create({ _id: b.id, kind: b.kind, hash: b.hash, prefix: b.prefix, reason: b.reason, createdAt: b.createdAt, expiresAt: b.expiresAt, actor: b.actor }),
        ),
      );
    },
  };
}
