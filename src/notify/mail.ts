/**
 * Mail over SMTP (nodemailer, SMTP_URL); the moderator mails' words are in moderator-templates.ts. The Message-ID is derived from
 * the outbox message id, so a retry after a lost answer carries the same id and a mail system can drop the repeat.
 */
import nodemailer from 'nodemailer';
import type { OutboxMessage } from '../storage/outbox-port.js';

export interface MailPayload {
  purpose: 'moderator_alert' | 'moderator_digest' | 'reader_confirm' | 'reader_reply';
  to: string[];
  subject: string;
  text: string;
  html: string;
  commentId?: string;
  /** A digest's comments. */
  commentIds?: string[];
  /** Extra headers (reader mails: List-Unsubscribe and List-Unsubscribe-Post, RFC 8058). */
  headers?: Record<string, string>;
}

export function isMailPayload(p: unknown): p is MailPayload {
  const o = p as Partial<MailPayload> | null;
  return typeof o === 'object' && o !== null && Array.isArray(o.to) && typeof o.subject === 'string' && typeof o.text === 'string';
}

export interface MailChannelOptions {
  smtpUrl: string;
  from: string;
  /** Host part of Message-IDs. */
  domain: string;
  timeoutMs?: number;
}

/** One transport per process; a send that fails throws with the server's answer (addresses are scrubbed by the job). */
export function mailChannel({ smtpUrl, from, domain, timeoutMs = 15_000 }: MailChannelOptions) {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  /** Sends one mail; `messageId` is the local part of the Message-ID (stable across retries of one message). */
  const send = async (p: MailPayload, messageId: string, idempotencyKey: string): Promise<void> => {
    await transport.sendMail({
      from,
      to: p.to,
      subject: p.subject,
      text: p.text,
      html: p.html,
      messageId: `<${messageId}@${domain}>`,
      headers: { ...p.headers, 'X-Parley-Idempotency-Key': idempotencyKey, 'Auto-Submitted': 'auto-generated' },
    });
  };
  const deliver = async (message: OutboxMessage): Promise<void> => {
    const p = message.payload;
    if (!isMailPayload(p)) throw new Error('malformed mail message');
    await send(p, message.id, message.idempotencyKey);
  };
  return { deliver, send, close: () => transport.close() };
}
