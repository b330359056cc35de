/**
 * Delivers the outbox (src/storage/outbox-port.ts): claims due messages under a lease, hands each to its channel
 * (webhook, mail) concurrently, and records the outcome: delivered; or retried with exponential backoff; or failed after
 * `maxAttempts` (kept, listed in the admin API, retryable by hand). At least once: a message whose sender dies is
 * claimed again when its lease runs out.
 *
 * No receiver holds up another: the scheduler calls `tick()`, which claims and starts deliveries but does not wait for
 * them, so a webhook receiver that accepts the connection and never answers keeps only its own message busy (until the
 * channel's timeout, and at most `deliveryTimeoutMs`), while the next tick claims the mail queued meanwhile. Deliveries
 * in flight are bounded per channel (`maxInFlight`), so a backlog of hanging webhooks never takes the mail's slots;
 * `drain()` waits for them at shutdown.
 *
 * Each pass (tick or runOnce) first runs `sweep` (the notifier's): the notifications a crash left recorded but not queued
 * are queued then, and delivered by the same pass.
 */
import type { Logger } from '../logger.js';
import { OUTBOX_CHANNELS, type OutboxChannel, type OutboxMessage, type OutboxPort } from '../storage/outbox-port.js';

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
  /** Deliveries under way at once per channel, across ticks; a tick claims no more than the channel's free slots. */
  maxInFlight?: number;
  /** Every delivery is given up (and retried later) after this long, whatever its channel does; below leaseMs. */
  deliveryTimeoutMs?: number;
  /** Settled messages are deleted after this many days (RETENTION_DAYS): their bodies hold names and texts. */
  keepDays?: number;
  /** Queues what crashes left recorded but not queued (Notifier.sweep); returns how many events it completed. */
  sweep?: () => Promise<number>;
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
  const batchSize = deps.batchSize ?? 25;
  const maxInFlight = deps.maxInFlight ?? 100;
  // Settled before the lease runs out, so no other instance claims a message this one is still sending.
  const deliveryTimeoutMs = Math.min(deps.deliveryTimeoutMs ?? 60_000, leaseMs / 2);
  // Each channel claims into its own slots: hanging webhooks can fill the webhook slots, never the mail's.
  const inFlight = new Map<OutboxChannel, Set<Promise<void>>>(OUTBOX_CHANNELS.map((c) => [c, new Set()]));

  /** The channel's send, given up after deliveryTimeoutMs (the send itself may still finish: at least once). */
  function send(deliver: Deliver, m: OutboxMessage): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const sending = deliver(m);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no outcome after ${deliveryTimeoutMs} ms`)), deliveryTimeoutMs);
    });
    sending.catch(() => undefined);
    return Promise.race([sending, timeout]).finally(() => clearTimeout(timer));
  }

  async function deliverOne(m: OutboxMessage, report: OutboxReport): Promise<void> {
    const channel = channels[m.channel];
    try {
      if (!channel) throw new Error(`${m.channel} delivery is not configured`);
      await send(channel, m);
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

  /** Claims each channel's due messages up to its free slots and starts delivering them; returns the started deliveries. */
  async function claimAndStart(report: OutboxReport): Promise<Promise<void>[]> {
    // A failing sweep must not stop deliveries: its entries stay for the next pass.
    if (deps.sweep) await deps.sweep().catch((err: unknown) => logger.error({ err }, 'notification sweep failed'));
    const started: Promise<void>[] = [];
    for (const [channel, busy] of inFlight) {
      for (;;) {
        const free = maxInFlight - busy.size;
        if (free <= 0) break;
        const limit = Math.min(batchSize, free);
        const now = clock();
        const claimed = await outbox.claimDueOutbox({ now, leaseUntil: new Date(now.getTime() + leaseMs), limit, channel });
        report.claimed += claimed.length;
        for (const m of claimed) {
          const delivery: Promise<void> = deliverOne(m, report)
            .catch((err: unknown) => logger.error({ err, outboxId: m.id }, 'outbox settle failed'))
            .finally(() => busy.delete(delivery));
          busy.add(delivery);
          started.push(delivery);
        }
        if (claimed.length < limit) break;
      }
    }
    return started;
  }

  const logPass = (report: OutboxReport) => {
    if (report.claimed > 0) logger.info({ ...report }, 'outbox pass');
  };

  return {
    name: 'outbox',
    /** Claims what is due and delivers it, waiting for every delivery it started (tests, and a manual run). */
    async runOnce(): Promise<OutboxReport> {
      const report: OutboxReport = { claimed: 0, delivered: 0, retried: 0, failed: 0 };
      await Promise.all(await claimAndStart(report));
      logPass(report);
      return report;
    },
    /** What the scheduler runs: claims what is due and starts it, without waiting for the receivers. */
    async tick(): Promise<void> {
      const report: OutboxReport = { claimed: 0, delivered: 0, retried: 0, failed: 0 };
      const started = await claimAndStart(report);
      void Promise.all(started).then(() => logPass(report));
    },
    /** Waits for the deliveries under way (shutdown: after the scheduler has stopped). */
    async drain(): Promise<void> {
      const all = () => [...inFlight.values()].flatMap((busy) => [...busy]);
      while (all().length > 0) await Promise.all(all());
    },
    /** Deletes settled messages older than keepDays; run hourly. */
    async prune(): Promise<number> {
      const pruned = await outbox.pruneOutbox(new Date(clock().getTime() - (deps.keepDays ?? 30) * 86_400_000));
      if (pruned > 0) logger.info({ pruned }, 'outbox pruned');
      return pruned;
    },
  };
}
