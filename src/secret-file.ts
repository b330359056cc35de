/** Loads the server secret from DATA_DIR, generating it (mode 0600) on first start when SECRET is unset. */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from './logger.js';

export function loadOrCreateSecret(dataDir: string, logger: Logger): string {
  const file = path.join(dataDir, 'secret');
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
    throw new Error(`${file} holds fewer than 32 characters; delete it or set SECRET`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  // 'wx' fails if another process created the file meanwhile; then use theirs.
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw err;
  }
  logger.warn(
    { file },
    'SECRET is not set: generated a new one and stored it (mode 0600). Back this file up, or set SECRET, so avatar keys and tokens survive a move; every instance must share it.',
  );
  return secret;
}
