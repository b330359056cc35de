/**
 * Operators' endpoints, mounted above every rate limiter: GET /readyz, GET /metrics (only when METRICS_TOKEN is
 * set, then bearer-protected) and GET /api/v1/openapi.json. /healthz (liveness, no I/O) lives in create-http-app.ts.
 */
import { Router } from 'express';
import type { Registry } from 'prom-client';
import { AppError } from '../../domain/errors.js';
import { hashToken, tokenMatches } from '../../domain/privacy.js';
import { sendError } from '../error-handler.js';
import { runReadiness, type ReadinessCheck } from './readiness.js';
import { bearerToken } from '../readers/validation.js';

export interface OpsRoutesDeps {
  readiness: readonly ReadinessCheck[];
  metrics: { registry: Registry; token: string | null };
  /** The API description, served as is. */
  openApiDocument: object;
}

export function opsRoutes({ readiness, metrics, openApiDocument }: OpsRoutesDeps): Router {
  const router = Router();

  router.get('/readyz', async (_req, res) => {
    const report = await runReadiness(readiness);
    res
      .status(report.status === 'ready' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(report);
  });

  // Unset token: no route at all, so /metrics is the same 404 as any unknown path.
  if (metrics.token) {
    const expected = hashToken(metrics.token);
    router.get('/metrics', async (req, res) => {
      const given = bearerToken(req.get('authorization'));
      if (given === undefined || !tokenMatches(given, expected)) {
        res.set('WWW-Authenticate', 'Bearer realm="metrics"');
        sendError(res, new AppError('unauthorized', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.'));
        return;
      }
      const text = await metrics.registry.metrics();
      res.set('Cache-Control', 'no-store').type(metrics.registry.contentType).send(text);
    });
  }

  const description = JSON.stringify(openApiDocument);
  router.get('/api/v1/openapi.json', (_req, res) => {
    res.set('Cache-Control', 'no-cache').type('application/json').send(description);
  });

  return router;
}
