/**
 * The SQLite adapter of the storage port: opens the file (owner-only, WAL, migrations) and composes the parts, all on
 * one connection so that a change and its audit entry share a transaction: comments and threads (sqlite-comments.ts),
 * moderation records (sqlite-moderation.ts), the outbox, transfer and moderator accounts (sqlite-moderators.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { StorageUnavailableError } from '../../domain/errors.js';
import type { Storage } from '../storage.js';
import { migrate } from './schema.js';
import { sqliteComments, toComment, toThread, type CommentRow, type ThreadRow } from './sqlite-comments.js';
import { sqliteAuditWriter, sqliteModeration } from './sqlite-moderation.js';
import { sqliteTransfer } from './sqlite-transfer.js';
import { sqliteOutbox } from './sqlite-outbox.js';
import { sqliteModerators } from './sqlite-moderators.js';
import { sqliteSubscriptions } from './sqlite-subscriptions.js';
import { sqlitePostChecks } from './sqlite-post-checks.js';
import { sqliteCause, translatingErrors } from './sqlite-errors.js';

// The statement builders tests check with EXPLAIN QUERY PLAN.
export { conversationVisibleSql, publicThreadPageSql, threadPageSql } from './sqlite-comments.js';
export { postChecksSql } from './sqlite-post-checks.js';

export interface SqliteStorageOptions {
  /** A directory to hold `parley.db`, or `:memory:`. */
  dataDir: string;
  /** Tests only: runs on the open connection, e.g. `PRAGMA max_page_count` to make the disk "full". */
  onOpen?: (db: Database) => void;
}

export function openSqliteStorage({ dataDir, onOpen }: SqliteStorageOptions): Storage {
  let file = ':memory:';
  if (dataDir !== ':memory:') file = path.join(dataDir, 'parley.db');
  let db: Database;
  try {
    if (dataDir !== ':memory:') fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new BetterSqlite3(file);
    // The file holds emails and IPs: owner-only. SQLite gives the -wal and -shm files the same mode.
    if (file !== ':memory:') fs.chmodSync(file, 0o600);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (err) {
    // One line for the operator: which file, and why (disk full, read-only, a parent that is a file...).
    const cause = (err as NodeJS.ErrnoException).syscall ? (err as Error).message : sqliteCause(err);
    throw new StorageUnavailableError(`Cannot open the SQLite database ${path.resolve(file)}: ${cause}`);
  }
  onOpen?.(db);

  const insertAudit = sqliteAuditWriter(db);
  const pingStmt = db.prepare('SELECT 1');
  const dataVersionStmt = db.prepare('PRAGMA data_version').pluck();
  const storage: Storage = {
    kind: 'sqlite',
    ...sqliteComments({ db, insertAudit }),
    ...sqliteModeration({ db, insertAudit }),
    ...sqlitePostChecks(db),

    async ping() {
      pingStmt.get();
    },

    async dataVersion() {
      return dataVersionStmt.get() as number;
    },

    async close() {
      if (db.open) db.close();
    },

    ...sqliteTransfer<CommentRow, ThreadRow>({ db, toComment, toThread }),
    ...sqliteOutbox(db),
    ...sqliteModerators(db),
    ...sqliteSubscriptions(db),
  };
  return translatingErrors(storage);
}
