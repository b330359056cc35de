/**
 * Mail over SMTP (nodemailer, SMTP_URL) and the moderator alert for a held comment. The Message-ID is derived from
 * the outbox message id, so a retry after a lost answer carries the same id and a mail system can drop the repeat.
 */
import nodemailer from 'nodemailer';
import type { Comment } from '../domain/comment.js';
import { escapeHtml } from '../http/html.js';
import { reasonText } from '../http/admin/reasons.js';
import type { OutboxMessage } from '../storage/outbox-port.js';

export interface MailPayload {
  purpose: 'moderator_alert';
  to: string[];
  subject: string;
  text: string;
  html: string;
  commentId: string;
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
  const deliver = async (message: OutboxMessage): Promise<void> => {
    const p = message.payload;
    if (!isMailPayload(p)) throw new Error('malformed mail message');
    await transport.sendMail({
      from,
      to: p.to,
      subject: p.subject,
      text: p.text,
      html: p.html,
      messageId: `<${message.id}@${domain}>`,
      headers: { 'X-Parley-Idempotency-Key': message.idempotencyKey, 'Auto-Submitted': 'auto-generated' },
    });
  };
  return { deliver, close: () => transport.close() };
}

const excerpt = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
/** One line, no control characters: a subject line built from reader input must not break the header. */
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();

export interface ModeratorAlertInput {
  comment: Comment;
  threadUrl: string | null;
  /** Where the moderation page is, or null when PUBLIC_URL is unset. */
  adminUrl: string | null;
  /** Signed single-use links (see moderation-link.ts); null without PUBLIC_URL. */
  links?: { approve: string; spam: string } | null;
  to: readonly string[];
}

/** The alert for a held comment: the text, the thread, the reasons in words. Every reader-supplied string escaped in HTML. */
export function moderatorAlert({ comment, threadUrl, adminUrl, links, to }: ModeratorAlertInput): MailPayload {
  const thread = threadUrl ?? comment.threadKey;
  const reasons = comment.spamReasons.map((r) => reasonText(r, comment.html));
  const name = oneLine(comment.author.name);
  const subject = excerpt(`Held for moderation: ${name} on ${oneLine(thread)}`, 200);
  const text = [
    `A comment was held for moderation.`,
    ``,
    `Thread: ${thread}`,
    `Author: ${name}`,
    `Why: ${reasons.length > 0 ? reasons.join('; ') : 'held for review'}`,
    ``,
    comment.body,
    ``,
    ...(links ? [`Approve: ${links.approve}`, `Mark as spam: ${links.spam}`, `(Each link asks for confirmation and works once, for 7 days.)`, ``] : []),
    adminUrl ? `Decide at ${adminUrl}` : 'Decide on the moderation page (/admin).',
  ].join('\n');
  const html = [
    '<p>A comment was held for moderation.</p>',
    `<p><b>Thread:</b> ${escapeHtml(thread)}<br><b>Author:</b> ${escapeHtml(name)}<br>`,
    `<b>Why:</b> ${reasons.length > 0 ? reasons.map(escapeHtml).join('; ') : 'held for review'}</p>`,
    `<blockquote><pre style="white-space:pre-wrap;font-family:inherit">${escapeHtml(comment.body)}</pre></blockquote>`,
    links ? `<p><a href="${escapeHtml(links.approve)}">Approve</a> · <a href="${escapeHtml(links.spam)}">Mark as spam</a> (asks for confirmation; works once, for 7 days)</p>` : '',
    adminUrl ? `<p><a href="${escapeHtml(adminUrl)}">Decide on the moderation page</a></p>` : '<p>Decide on the moderation page (/admin).</p>',
  ].join('\n');
  return { purpose: 'moderator_alert', to: [...to], subject, text, html, commentId: comment.id };
}
