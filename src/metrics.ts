/** The service's Prometheus metrics, on a registry of its own (never the global one), read by /metrics later. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineObserver } from './spam/pipeline.js';

export interface Metrics {
  registry: Registry;
  spamVerdicts: Counter<'check' | 'result'>;
  spamCheckSeconds: Histogram<'check'>;
  commentsCreated: Counter<'status'>;
  rateLimited: Counter<'limiter'>;
  /** The unchecked backlog is read from storage when metrics are collected. */
  setUncheckedSource(read: () => Promise<number>): void;
  pipelineObserver: PipelineObserver;
}

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
  let readUnchecked: (() => Promise<number>) | null = null;
  new Gauge({
    name: 'parley_spam_unchecked_backlog',
    help: 'Pending comments still waiting for a spam verdict.',
    registers: [registry],
    async collect() {
      if (readUnchecked) this.set(await readUnchecked());
    },
  });

  return {
    registry,
    spamVerdicts,
    spamCheckSeconds,
    commentsCreated,
    rateLimited,
    setUncheckedSource(read) {
      readUnchecked = read;
    },
    pipelineObserver: {
      onVerdict(check, result, seconds) {
        spamVerdicts.inc({ check, result });
        spamCheckSeconds.observe({ check }, seconds);
      },
    },
  };
}
