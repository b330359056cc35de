/** Prepared statements shared by the parts of the SQLite adapter (one connection, one cache per part). */
import type { Database, Statement } from 'better-sqlite3';

/** Statements whose shape depends on list lengths, prepared once per SQL text. */
export function statementCache(db: Database): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare(sql);
      cache.set(sql, s);
    }
    return s;
  };
}

export const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
