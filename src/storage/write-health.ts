/**
 * Remembers whether the store's last write failed for want of storage (disk full, read-only, database away), so
 * /readyz can say so: reads may still work while every post fails. Fed by the storage decorator's observer; one
 * successful write clears it. So does `holdMs` without a new failure: a load balancer stops sending traffic to a
 * not-ready instance, so no write would come to clear it, and every instance would stay out after an outage. If writes
 * still fail, the next one sets it again.
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
  /** True from a write that failed with storage_unavailable until a write succeeds or `holdMs` pass without one failing. */
  failing(): boolean;
}

export const WRITE_FAILURE_HOLD_MS = 30_000;

export function createWriteHealth({ now, holdMs = WRITE_FAILURE_HOLD_MS }: { now: () => number; holdMs?: number }): WriteHealth {
  let lastFailure: number | null = null;
  return {
    observe(operation, outcome, error) {
      if (!WRITES.has(operation)) return;
      if (outcome === 'ok') lastFailure = null;
      else if (error instanceof AppError && error.code === 'storage_unavailable') lastFailure = now();
    },
    failing: () => lastFailure !== null && now() - lastFailure < holdMs,
  };
}
