/**
 * Webhooks the Standard Webhooks way (https://www.standardwebhooks.com): a JSON body `{type, timestamp, data}` signed
 * with HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, sent as `webhook-signature: v1,<base64>`.
 * The webhook-id is the outbox message id: the same on every retry, so a receiver can drop repeats.
 */
import { createHmac } from 'node:crypto';
import type { Comment } from '../domain/comment.js';
import { toPublicComment, type PublicComment } from '../http/readers/dto.js';
import type { OutboxMessage } from '../storage/outbox-port.js';

export const COMMENT_EVENTS = ['comment.created', 'comment.approved', 'comment.spam', 'comment.deleted'] as const;
export type CommentEvent = (typeof COMMENT_EVENTS)[number];

export interface WebhookPayload {
  url: string;
  event: CommentEvent;
  commentId: string;
  /** The exact bytes signed and sent. */
  body: string;
}

export interface WebhookBody {
  type: CommentEvent;
  timestamp: string;
  /** The public shape of the comment only (toPublicComment), its status and thread: never an email or IP. */
  data: { comment: PublicComment; status: Comment['status']; threadKey: string };
}

export function webhookBody(event: CommentEvent, comment: Comment, at: Date): string {
  const body: WebhookBody = { type: event, timestamp: at.toISOString(), data: { comment: toPublicComment(comment), status: comment.status, threadKey: comment.threadKey } };
  return JSON.stringify(body);
}

export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

export function isWebhookPayload(p: unknown): p is WebhookPayload {
  const o = p as Partial<WebhookPayload> | null;
  return typeof o === 'object' && o !== null && typeof o.url === 'string' && typeof o.body === 'string' && typeof o.event === 'string';
}

export interface WebhookChannelOptions {
  key: Buffer;
  clock: () => Date;
  timeoutMs?: number;
}

/** Delivers one message; resolves on a 2xx answer, throws with a short reason (no body, no URL credentials) otherwise. */
export function webhookChannel({ key, clock, timeoutMs = 10_000 }: WebhookChannelOptions) {
  return async (message: OutboxMessage): Promise<void> => {
    const p = message.payload;
    if (!isWebhookPayload(p)) throw new Error('malformed webhook message');
    const timestamp = Math.floor(clock().getTime() / 1000);
    let res: Response;
    try {
      res = await fetch(p.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhooks/1',
          'webhook-id': message.id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signWebhook(key, message.id, timestamp, p.body),
        },
        body: p.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      throw new Error(e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : `unreachable (${e.cause?.code ?? e.name ?? 'error'})`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
  };
}
