/**
 * Delivers the outbox (src/storage/outbox-port.ts): claims due messages under a lease, hands each to its channel
 * (webhook, mail) in parallel, and records the outcome: delivered; or retried with exponential backoff; or failed after
 * `maxAttempts` (kept, listed in the admin API, retryable by hand). At least once: a message whose sender dies is
 * claimed again when its lease runs out.
 */
import type { Logger } from '../logger.js';
import type { OutboxChannel, OutboxMessage, OutboxPort } from '../storage/outbox-port.js';

export type Deliver = (message: OutboxMessage) => Promise<void>;

export interface OutboxJobDeps {
  outbox: OutboxPort;
  clock: () => Date;
  logger: Logger;
  channels: Partial<Record<OutboxChannel, Deliver>>;
  maxAttempts?: number;
  /** First retry delay; doubled per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longer than one delivery may take (the channels' own timeouts). */
  leaseMs?: number;
  batchSize?: number;
  /** Settled messages are deleted after this many days (RETENTION_DAYS): their bodies hold names and texts. */
  keepDays?: number;
  /** Told each attempt's outcome (metrics); latency is enqueue to delivery. */
  observe?: (channel: OutboxChannel, outcome: 'delivered' | 'retried' | 'failed', latencySeconds?: number) => void;
}

export interface OutboxReport {
  claimed: number;
  delivered: number;
  retried: number;
  failed: number;
}

/** An error's message without anything that looks like an email address (SMTP answers often quote the recipient). */
export function safeError(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/[^\s<>"'@]+@[^\s<>"']+/g, '[address]').slice(0, 300);
}

export function backoffMs(attemptsSoFar: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(attemptsSoFar, 30));
}

export function createOutboxJob(deps: OutboxJobDeps) {
  const { outbox, clock, logger, channels } = deps;
  const maxAttempts = deps.maxAttempts ?? 12;
  const baseDelayMs = deps.baseDelayMs ?? 30_000;
  const maxDelayMs = deps.maxDelayMs ?? 6 * 3_600_000;
  const leaseMs = deps.leaseMs ?? 120_000;

  async function deliverOne(m: OutboxMessage, report: OutboxReport): Promise<void> {
    const channel = channels[m.channel];
    try {
      if (!channel) throw new Error(`${m.channel} delivery is not configured`);
      await channel(m);
      const at = clock();
      await outbox.settleOutbox(m.id, { kind: 'delivered', at });
      report.delivered += 1;
      deps.observe?.(m.channel, 'delivered', (at.getTime() - m.createdAt.getTime()) / 1000);
    } catch (err) {
      const error = safeError(err);
      if (m.attempts + 1 >= maxAttempts) {
        await outbox.settleOutbox(m.id, { kind: 'failed', error });
        report.failed += 1;
        deps.observe?.(m.channel, 'failed');
        logger.warn({ outboxId: m.id, channel: m.channel, attempts: m.attempts + 1, error }, 'notification given up');
      } else {
        await outbox.settleOutbox(m.id, { kind: 'retry', nextAt: new Date(clock().getTime() + backoffMs(m.attempts, baseDelayMs, maxDelayMs)), error });
        report.retried += 1;
        deps.observe?.(m.channel, 'retried');
      }
    }
  }

  return {
    name: 'outbox',
    async runOnce(): Promise<OutboxReport> {
      const now = clock();
      const claimed = await outbox.claimDueOutbox({ now, leaseUntil: new Date(now.getTime() + leaseMs), limit: deps.batchSize ?? 25 });
      const report: OutboxReport = { claimed: claimed.length, delivered: 0, retried: 0, failed: 0 };
      await Promise.all(
        claimed.map((m) => deliverOne(m, report).catch((err: unknown) => logger.error({ err, outboxId: m.id }, 'outbox settle failed'))),
      );
      if (claimed.length > 0) logger.info({ ...report }, 'outbox pass');
      return report;
    },
    /** Deletes settled messages older than keepDays; run hourly. */
    async prune(): Promise<number> {
      const pruned = await outbox.pruneOutbox(new Date(clock().getTime() - (deps.keepDays ?? 30) * 86_400_000));
      if (pruned > 0) logger.info({ pruned }, 'outbox pruned');
      return pruned;
    },
  };
}
