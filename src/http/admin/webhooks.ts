/** /api/v1/admin/webhooks/deliveries: the webhook outbox, its outcomes, and a manual retry. Mounted by adminRoutes. */
import type { Router } from 'express';
import { z } from 'zod';
import { NotFoundError } from '../../domain/errors.js';
import type { OutboxMessage, OutboxPort } from '../../storage/outbox-port.js';
import { isWebhookPayload } from '../../notify/webhook.js';
import { parseAdmin } from './validation.js';

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const deliveriesQuery = z.object({
  status: z.preprocess(blank, z.enum(['pending', 'delivered', 'failed'], { error: 'invalid' }).optional()),
  cursor: z.preprocess(blank, z.string({ error: 'invalid' }).max(64, 'too_long').optional()),
  limit: z.preprocess(
    blank,
    z.string({ error: 'invalid' }).regex(/^\d+$/, 'invalid').transform(Number).refine((n) => n >= 1 && n <= 200, 'invalid').default(50),
  ),
});

export interface AdminWebhookDelivery {
  /** Also the webhook-id header the receiver saw. */
  id: string;
  event: string;
  url: string;
  commentId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastError: string | null;
  nextAt: string;
  createdAt: string;
  deliveredAt: string | null;
}

export function toAdminDelivery(m: OutboxMessage): AdminWebhookDelivery {
  const p = isWebhookPayload(m.payload) ? m.payload : { event: '', url: '', commentId: '' };
  return {
    id: m.id,
    event: p.event,
    url: p.url,
    commentId: p.commentId,
    status: m.status,
    attempts: m.attempts,
    lastError: m.lastError,
    nextAt: m.nextAt.toISOString(),
    createdAt: m.createdAt.toISOString(),
    deliveredAt: m.deliveredAt ? m.deliveredAt.toISOString() : null,
  };
}

export function webhookDeliveryRoutes(router: Router, outbox: OutboxPort, clock: () => Date): void {
  router.get('/webhooks/deliveries', async (req, res) => {
    const q = parseAdmin(deliveriesQuery, req.query);
    const page = await outbox.listOutbox({ channel: 'webhook', status: q.status, before: q.cursor ?? null, limit: q.limit + 1 });
    const shown = page.slice(0, q.limit);
    res.json({ deliveries: shown.map(toAdminDelivery), nextCursor: page.length > q.limit ? shown[shown.length - 1]!.id : null });
  });

  router.post('/webhooks/deliveries/:id/retry', async (req, res) => {
    const found = await outbox.getOutbox(req.params.id);
    if (!found || found.channel !== 'webhook') throw new NotFoundError('not_found', 'No such webhook delivery.');
    const retried = await outbox.retryOutbox(found.id, clock());
    if (!retried) throw new NotFoundError('not_found', 'No such webhook delivery.');
    res.json({ delivery: toAdminDelivery(retried) });
  });
}
