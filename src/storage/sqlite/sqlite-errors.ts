/** better-sqlite3 errors → domain errors: a store that cannot write right now is storage_unavailable, not a bug. */
import { AppError, StorageUnavailableError } from '../../domain/errors.js';

/**
 * Primary result codes (better-sqlite3 reports extended ones, e.g. SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED) that
 * mean the disk or the file refuses service: full, I/O error, read-only, cannot open, locked past busy_timeout.
 */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|BUSY|LOCKED|NOMEM|PROTOCOL|NOLFS)(_|$)/;

const CAUSES: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_IOERR: 'an I/O error',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_BUSY: 'the database stayed locked',
  SQLITE_LOCKED: 'the database stayed locked',
};

export function sqliteErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Why a write failed, in words an operator reads in a start-up error. */
export function sqliteCause(err: unknown): string {
  const code = sqliteErrorCode(err) ?? '';
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? '';
  return CAUSES[primary] ? `${CAUSES[primary]} (${code})` : err instanceof Error ? err.message : String(err);
}

export function translateSqliteError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = sqliteErrorCode(err);
  if (code && UNAVAILABLE.test(code)) return new StorageUnavailableError();
  return err;
}

/** Wraps every method of an adapter so its failures reach callers as domain errors (the original stays as `cause`). */
export function translatingErrors<T extends object>(target: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(target)) {
    if (typeof value !== 'function') {
      wrapped[name] = value;
      continue;
    }
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await method.apply(target, args);
      } catch (err) {
        const translated = translateSqliteError(err);
        if (translated !== err && translated instanceof Error) translated.cause = err;
        throw translated;
      }
    };
  }
  return wrapped as T;
}
