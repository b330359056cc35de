/** The service's Prometheus metrics, on a registry of its own (never the global one), served by GET /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineObserver } from './spam/pipeline.js';
import { OUTBOX_CHANNELS, type OutboxChannel } from './storage/outbox-port.js';

/** How one delivery attempt of an outbox message ended (the outbox job's outcomes). */
export type OutboxAttempt = 'delivered' | 'retried' | 'failed';

export interface Metrics {
  registry: Registry;
  spamVerdicts: Counter<'check' | 'result'>;
  spamCheckSeconds: Histogram<'check'>;
  commentsCreated: Counter<'status'>;
  rateLimited: Counter<'limiter'>;
  httpRequestSeconds: Histogram<'method' | 'route' | 'status'>;
  storageOperationSeconds: Histogram<'operation' | 'outcome'>;
  /** For the request log middleware: `route` is the matched pattern (never the raw URL, which may carry personal data). */
  observeRequest(request: { method: string; route: string; status: number; seconds: number }): void;
  /** For the instrumented storage decorator. */
  observeStorage(operation: string, outcome: 'ok' | 'error', seconds: number): void;
  /** The unchecked backlog is read from storage when metrics are collected. */
  setUncheckedSource(read: () => Promise<number>): void;
  pipelineObserver: PipelineObserver;
  /** Outbox messages stored, by channel (labels are channel names only: never a receiver's URL or address). */
  observeEnqueued(channel: OutboxChannel, count: number): void;
  /** One delivery attempt's outcome; `latencySeconds` (enqueue to delivery) for a delivered one. */
  observeDelivery(channel: OutboxChannel, outcome: OutboxAttempt, latencySeconds?: number): void;
  /** The pending outbox per channel is read from storage when metrics are collected. */
  setOutboxPendingSource(read: () => Promise<Partial<Record<OutboxChannel, number>>>): void;
}

/** Any other method is counted as OTHER, so a client cannot grow the label set. */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'parley_' });

  const spamVerdicts = new Counter({
    name: 'parley_spam_verdicts_total',
    help: 'Spam check verdicts by check and result (none = the check had no opinion).',
    labelNames: ['check', 'result'] as const,
    registers: [registry],
  });
  const spamCheckSeconds = new Histogram({
    name: 'parley_spam_check_duration_seconds',
    help: 'Time each spam check took.',
    labelNames: ['check'] as const,
    buckets: [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commentsCreated = new Counter({
    name: 'parley_comments_created_total',
    help: 'Comments stored, by the status they were stored with.',
    labelNames: ['status'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'parley_rate_limited_total',
    help: 'Requests refused by a rate limiter.',
    labelNames: ['limiter'] as const,
    registers: [registry],
  });
  const httpRequestSeconds = new Histogram({
    name: 'parley_http_request_duration_seconds',
    help: 'HTTP requests by method, route pattern and status, and how long they took.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const storageOperationSeconds = new Histogram({
    name: 'parley_storage_operation_duration_seconds',
    help: 'Storage port calls by operation and outcome (ok, error), and how long they took.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  let readUnchecked: (() => Promise<number>) | null = null;
  new Gauge({
    name: 'parley_spam_unchecked_backlog',
    help: 'Pending comments still waiting for a spam verdict.',
    registers: [registry],
    async collect() {
      if (!readUnchecked) return;
      // A storage outage must not turn the whole scrape into an error: the gauge keeps its last value.
      try {
        this.set(await readUnchecked());
      } catch {
        /* storage unavailable: readiness reports it */
      }
    },
  });

  const outboxEnqueued = new Counter({
    name: 'parley_outbox_enqueued_total',
    help: 'Notification messages stored in the outbox, by channel (webhook, mail, digest-item).',
    labelNames: ['channel'] as const,
    registers: [registry],
  });
  const outboxAttempts = {
    delivered: ['parley_outbox_delivered_total', 'Outbox messages delivered, by channel.'],
    retried: ['parley_outbox_retried_total', 'Outbox delivery attempts that failed and will be retried with backoff, by channel.'],
    failed: ['parley_outbox_failed_total', 'Outbox messages given up after the last attempt (kept for a retry by hand), by channel.'],
  } as const;
  const outboxOutcomes = Object.fromEntries(
    Object.entries(outboxAttempts).map(([outcome, [name, help]]) => [outcome, new Counter({ name, help, labelNames: ['channel'] as const, registers: [registry] })]),
  ) as Record<OutboxAttempt, Counter<'channel'>>;
  const outboxLatency = new Histogram({
    name: 'parley_outbox_delivery_latency_seconds',
    help: 'Time from storing an outbox message to its delivery, retries included, by channel.',
    labelNames: ['channel'] as const,
    buckets: [0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 24 * 3600],
    registers: [registry],
  });
  let readOutboxPending: (() => Promise<Partial<Record<OutboxChannel, number>>>) | null = null;
  new Gauge({
    name: 'parley_outbox_pending',
    help: 'Outbox messages waiting for delivery (or, for digest-item, for the next moderator digest), by channel.',
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      if (!readOutboxPending) return;
      try {
        const counts = await readOutboxPending();
        for (const channel of OUTBOX_CHANNELS) this.set({ channel }, counts[channel] ?? 0);
      } catch {
        /* storage unavailable: the gauge keeps its last value */
      }
    },
  });

  return {
    registry,
    spamVerdicts,
    spamCheckSeconds,
    commentsCreated,
    rateLimited,
    httpRequestSeconds,
    storageOperationSeconds,
    observeRequest({ method, route, status, seconds }) {
      httpRequestSeconds.observe({ method: KNOWN_METHODS.has(method) ? method : 'OTHER', route, status: String(status) }, seconds);
    },
    observeStorage(operation, outcome, seconds) {
      storageOperationSeconds.observe({ operation, outcome }, seconds);
    },
    setUncheckedSource(read) {
      readUnchecked = read;
    },
    observeEnqueued(channel, count) {
      if (count > 0) outboxEnqueued.inc({ channel }, count);
    },
    observeDelivery(channel, outcome, latencySeconds) {
      outboxOutcomes[outcome].inc({ channel });
      if (outcome === 'delivered' && latencySeconds !== undefined) outboxLatency.observe({ channel }, Math.max(0, latencySeconds));
    },
    setOutboxPendingSource(read) {
      readOutboxPending = read;
    },
    pipelineObserver: {
      onVerdict(check, result, seconds) {
        spamVerdicts.inc({ check, result });
        spamCheckSeconds.observe({ check }, seconds);
      },
    },
  };
}
