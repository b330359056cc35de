/**
 * DATA_DIR at start-up: created owner-only (0700: it holds the database with emails and IPs, and the secret), and
 * proved writable by writing, syncing and removing a small file, so an unwritable or full directory stops start-up
 * with one line naming the path and the cause instead of failing the first post.
 */
import fs from 'node:fs';
import path from 'node:path';

const CAUSES: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'the path exists and is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EIO: 'an I/O error',
};

export class DataDirError extends Error {
  constructor(dir: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    const why = code && CAUSES[code] ? `${CAUSES[code]} (${code})` : cause instanceof Error ? cause.message : String(cause);
    super(`DATA_DIR ${path.resolve(dir)} is not usable: ${why}`, { cause });
    this.name = 'DataDirError';
  }
}

export function prepareDataDir(dir: string): void {
  const probe = path.join(dir, `.write-test-${process.pid}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'EEXIST' });
    // 'wx': never follows or reuses a file already there.
    const fd = fs.openSync(probe, 'wx', 0o600);
    try {
      // 64 KB rather than a byte: a disk with a few bytes left is as good as full for a database.
      fs.writeSync(fd, Buffer.alloc(64 * 1024));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(probe, { force: true });
    }
  } catch (err) {
    throw new DataDirError(dir, err);
  }
}
