/** The service's Prometheus metrics, on a registry of its own (never the global one), served by GET /metrics. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PipelineObserver } from './spam/pipeline.js';

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
    pipelineObserver: {
      onVerdict(check, result, seconds) {
        spamVerdicts.inc({ check, result });
        spamCheckSeconds.observe({ check }, seconds);
      },
    },
  };
}
