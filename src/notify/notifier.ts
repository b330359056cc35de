/**
 * The one dependency the use cases tell about comment events (one line each). It turns an event into outbox messages
 * (a webhook per WEBHOOK_URLS entry, a moderator alert for a held comment) and stores them; a job delivers them.
 * Nothing here waits for a receiver.
 *
 * Crash window, honestly: messages are stored right AFTER the write that caused them, not in the same transaction
 * (the use cases' writes go through several port methods, and FerretDB has no transactions). A crash between the two
 * loses that event's notifications; it never loses or delays the comment. A failed enqueue is logged and swallowed
 * for the same reason: a comment is never refused because a notification could not be queued.
 */
import { createHash } from 'node:crypto';
import type { Comment } from '../domain/comment.js';
import type { NewOutboxMessage, OutboxPort } from '../storage/outbox-port.js';
import { webhookBody, type CommentEvent, type WebhookPayload } from './webhook.js';

export interface Notifier {
  /** A new comment was stored (any status: the webhook carries it). A held one alerts the moderators. */
  commentCreated(comment: Comment): Promise<void>;
  /** A comment's status changed to `comment.status`: approved, spam and deleted are events; others are not. */
  statusChanged(comment: Comment): Promise<void>;
  /** The author of a stored comment asked to be mailed its replies (notifyReplies); `lang` is the widget's. */
  repliesRequested?(comment: Comment, lang: string | undefined): Promise<void>;
}

export const NO_NOTIFIER: Notifier = { commentCreated: async () => undefined, statusChanged: async () => undefined };

/** Builds the moderator alert for a held comment (see mail.ts); null when mail or moderators are not configured. */
export type ModeratorAlert = (comment: Comment) => Promise<NewOutboxMessage['payload'] | null>;

export interface NotifierDeps {
  outbox: OutboxPort;
  clock: () => Date;
  newId: () => string;
  logger: { error(o: object, msg?: string): void };
  webhookUrls: readonly string[];
  moderatorAlert?: ModeratorAlert | null;
  /** MODERATOR_DIGEST_MINUTES: the messages a held comment stores instead of an alert (moderator-digest.ts). */
  moderatorDigest?: ((comment: Comment, at: Date) => NewOutboxMessage[]) | null;
  /** Reader reply notifications (reader-notifications.ts); absent when they are off. */
  readers?: {
    subscribe(comment: Comment, lang: string | undefined): Promise<void>;
    replyPublished(reply: Comment): Promise<NewOutboxMessage[]>;
  } | null;
}

const EVENT_OF: Partial<Record<Comment['status'], CommentEvent>> = { approved: 'comment.approved', spam: 'comment.spam', deleted: 'comment.deleted' };
const short = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

export function createNotifier(deps: NotifierDeps): Notifier {
  const { outbox, clock, newId, logger, webhookUrls } = deps;

  function webhooks(event: CommentEvent, comment: Comment, at: Date): NewOutboxMessage[] {
    const body = webhookBody(event, comment, at);
    return webhookUrls.map((url) => {
      const payload: WebhookPayload = { url, event, commentId: comment.id, body };
      // One occurrence of one event for one receiver: the event's instant tells two approvals of one comment apart.
      return { id: newId(), idempotencyKey: `webhook:${event}:${comment.id}:${at.getTime()}:${short(url)}`, channel: 'webhook', payload, nextAt: at, createdAt: at };
    });
  }

  async function store(event: CommentEvent, comment: Comment, build: () => Promise<NewOutboxMessage[]>): Promise<void> {
    try {
      const messages = await build();
      if (messages.length > 0) await outbox.enqueueOutbox(messages);
    } catch (err) {
      logger.error({ err, event, commentId: comment.id }, 'notifications could not be queued');
    }
  }

  const readers = deps.readers ?? null;
  /** A public reply to a comment someone may follow. */
  const answers = (comment: Comment) => readers !== null && comment.status === 'approved' && comment.parentId !== null;

  return {
    async commentCreated(comment) {
      if (webhookUrls.length === 0 && !((deps.moderatorAlert || deps.moderatorDigest) && comment.status === 'pending') && !answers(comment)) return;
      await store('comment.created', comment, async () => {
        const at = clock();
        const messages = webhooks('comment.created', comment, at);
        const alert = comment.status === 'pending' && deps.moderatorAlert ? await deps.moderatorAlert(comment) : null;
        if (alert) messages.push({ id: newId(), idempotencyKey: `mail:held:${comment.id}`, channel: 'mail', payload: alert, nextAt: at, createdAt: at });
        if (comment.status === 'pending' && deps.moderatorDigest) messages.push(...deps.moderatorDigest(comment, at));
        if (answers(comment)) messages.push(...(await readers!.replyPublished(comment)));
        return messages;
      });
    },
    async statusChanged(comment) {
      const event = EVENT_OF[comment.status];
      if (!event || (webhookUrls.length === 0 && !answers(comment))) return;
      await store(event, comment, async () => [...webhooks(event, comment, clock()), ...(answers(comment) ? await readers!.replyPublished(comment) : [])]);
    },
    async repliesRequested(comment, lang) {
      if (!readers) return;
      try {
        await readers.subscribe(comment, lang);
      } catch (err) {
        // Like any notification: a comment is never refused because its subscription could not be stored.
        logger.error({ err, commentId: comment.id }, 'reply subscription could not be stored');
      }
    },
  };
}
