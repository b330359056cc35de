/**
 * Remembers whether the store's last write failed for want of storage (disk full, read-only, database away), so
 * /readyz can say so: reads may still work while every post fails. Fed by the storage decorator's observer; one
 * successful write clears it.
 */
import { AppError } from '../domain/errors.js';
import type { Storage } from './storage.js';

/** The port's methods that write. A failure of any other method says nothing about writes. */
const WRITES: ReadonlySet<string> = new Set<keyof Storage>([
  'ensureThread',
  'insertComment',
  'updateComment',
  'eraseContextBefore',
  'setThreadLocked',
  'appendAudit',
  'insertBan',
  'deleteBan',
  'eraseAuthor',
]);

export interface WriteHealth {
  observe(operation: string, outcome: 'ok' | 'error', error?: unknown): void;
  /** True from a write that failed with storage_unavailable until a write succeeds. */
  failing(): boolean;
}

export function createWriteHealth(): WriteHealth {
  let failing = false;
  return {
    observe(operation, outcome, error) {
      if (!WRITES.has(operation)) return;
      if (outcome === 'ok') failing = false;
      else if (error instanceof AppError && error.code === 'storage_unavailable') failing = true;
    },
    failing: () => failing,
  };
}
