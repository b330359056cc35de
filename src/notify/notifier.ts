/**
 * The one dependency the use cases tell about comment events. It turns an event into outbox messages (a webhook per
 * WEBHOOK_URLS entry, a moderator alert or digest item for a held comment, reply mails for a public reply) and a
 * reader's reply subscription, and stores them; a job delivers the messages. Nothing here waits for a receiver.
 *
 * Crash safety: the event is recorded IN the write that causes it. Before inserting a comment or moving its status,
 * the use case asks `pendingFor` for a PendingNotification (null when the event has nothing to notify: no marker, no
 * extra write) and passes it to the storage write, which stores it on the comment (same SQLite transaction, same
 * MongoDB document write). After the write, `complete` stores the messages and the subscription, then clears the
 * entry (one write). A crash in between leaves the entry; `sweep` (the outbox job's every pass, and at start) replays
 * entries older than SWEEP_GRACE_MS, so a live request finishes its own first. Every idempotency key derives from the
 * comment and the recorded instant, and subscriptions are upserts, so a replay, or a sweep racing the request, stores
 * nothing twice. A failed completion is logged and swallowed: a comment is never refused because a notification could
 * not be queued; its entry stays for the sweep.
 */
import { createHash } from 'node:crypto';
import { answeredId, type Comment, type CommentStatus } from '../domain/comment.js';
import type { NewOutboxMessage, OutboxPort } from '../storage/outbox-port.js';
import type { CommentsPort, PendingNotification } from '../storage/comments-port.js';
import { webhookBody, type CommentEvent, type WebhookPayload } from './webhook.js';

/** Replays are left to the sweep only this long after their event: a live request completes its own well within it. */
export const SWEEP_GRACE_MS = 60_000;
/** Comments one sweep replays at most; the next pass takes the rest. */
const SWEEP_BATCH = 100;
/**
 * A comment whose replay keeps failing waits before the next try: 30 s after the first failure, doubling up to an hour
 * (a sweep runs every few seconds; without this, one broken record would log an error on each pass). Kept in memory:
 * a restart tries everything again once. Bounded: past this many comments the oldest backoff is forgotten.
 */
const REPLAY_BACKOFF_MS = 30_000;
const REPLAY_BACKOFF_MAX_MS = 3_600_000;
const REPLAY_BACKOFF_ENTRIES = 10_000;

export interface Notifier {
  /**
   * What the write of this event must record: `created` for a comment about to be inserted, `status` for one about to
   * be moved to `comment.status` (pass the comment with its new status), `edited` for one its author's edit is about to
   * move to `comment.status`. `subscribe`: the author asked for reply mails
   * (notifyReplies) in this language. Null when nothing would be notified: the write then records nothing.
   */
  pendingFor(comment: Comment, event: PendingNotification['event'], at: Date, subscribe?: { lang: string | null } | null): PendingNotification | null;
  /** After the write: stores the event's messages (and subscription), then clears its entry. Never throws. */
  complete(comment: Comment, pending: PendingNotification): Promise<void>;
  /** Completes the entries a crash left (older than SWEEP_GRACE_MS); returns how many it completed. */
  sweep(): Promise<number>;
}

export const NO_NOTIFIER: Notifier = { pendingFor: () => null, complete: async () => undefined, sweep: async () => 0 };

/**
 * A status move's notification for the use cases: `notify` goes into the update's options (recorded by the same
 * write), `done` runs after it with the updated comment (undefined when the move did not apply: nothing to complete).
 * `event`: `status` for a moderator's or a job's move, `edited` for one its author's edit caused.
 */
export function statusNotification(
  notifier: Notifier | undefined,
  comment: Comment,
  to: CommentStatus,
  at: Date,
  event: 'status' | 'edited' = 'status',
): { options: { notify?: PendingNotification }; done(updated: Comment | undefined): Promise<void> } {
  const pending = notifier?.pendingFor({ ...comment, status: to }, event, at) ?? null;
  return {
    options: pending ? { notify: pending } : {},
    async done(updated) {
      if (pending && updated) await notifier!.complete(updated, pending);
    },
  };
}

/** Builds the moderator alert for a held comment (see mail.ts); null when mail or moderators are not configured. */
export type ModeratorAlert = (comment: Comment) => Promise<NewOutboxMessage['payload'] | null>;

export interface NotifierDeps {
  outbox: OutboxPort;
  /** Where the writes record pending notifications (the comments port). */
  markers: Pick<CommentsPort, 'clearNotifications' | 'listPendingNotifications'>;
  clock: () => Date;
  newId: () => string;
  logger: { error(o: object, msg?: string): void; warn(o: object, msg?: string): void };
  webhookUrls: readonly string[];
  moderatorAlert?: ModeratorAlert | null;
  /**
   * MODERATOR_DIGEST_MINUTES: the messages a held comment stores instead of an alert (moderator-digest.ts); `key` is
   * the held event's idempotency key.
   */
  moderatorDigest?: ((comment: Comment, at: Date, key: string) => NewOutboxMessage[]) | null;
  /** Reader reply notifications (reader-notifications.ts); absent when they are off. */
  readers?: {
    subscribe(comment: Comment, lang: string | undefined, at?: Date): Promise<void>;
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

  const readers = deps.readers ?? null;
  const moderators = Boolean(deps.moderatorAlert || deps.moderatorDigest);
  /** A public reply to a comment someone may follow. */
  const answers = (comment: Comment) => readers !== null && comment.status === 'approved' && answeredId(comment) !== null;

  /** The moderators' alert, or digest item, for a held comment. */
  async function heldMessages(comment: Comment, at: Date, key: string): Promise<NewOutboxMessage[]> {
    const alert = deps.moderatorAlert ? await deps.moderatorAlert(comment) : null;
    const messages: NewOutboxMessage[] = alert ? [{ id: newId(), idempotencyKey: key, channel: 'mail', payload: alert, nextAt: at, createdAt: at }] : [];
    if (deps.moderatorDigest) messages.push(...deps.moderatorDigest(comment, at, key));
    return messages;
  }

  /** The messages of one event, all keyed by the comment and the event's instant. */
  async function messagesOf(comment: Comment, p: PendingNotification): Promise<NewOutboxMessage[]> {
    const { at } = p;
    if (p.event === 'status' || p.event === 'edited') {
      const event = EVENT_OF[p.status];
      // Held again by its author's edit: the moderators hear of it like of a new held comment (its own key: the
      // first hold's alert was sent already).
      const held = p.event === 'edited' && comment.status === 'pending' ? await heldMessages(comment, at, `mail:held:${comment.id}:${at.getTime()}`) : [];
      return [...(event ? webhooks(event, comment, at) : []), ...held, ...(answers(comment) ? await readers!.replyPublished(comment) : [])];
    }
    const messages = webhooks('comment.created', comment, at);
    if (comment.status === 'pending') messages.push(...(await heldMessages(comment, at, `mail:held:${comment.id}`)));
    if (answers(comment)) messages.push(...(await readers!.replyPublished(comment)));
    return messages;
  }

  /** Stores what the entry asks for, then clears it; throws (entry kept) when a part could not be stored. */
  async function run(stored: Comment, p: PendingNotification): Promise<void> {
    // The event as it happened: a replay sees the status it was about, whatever the comment has become since.
    const comment: Comment = { ...stored, status: p.status };
    const messages = await messagesOf(comment, p);
    if (messages.length > 0) await outbox.enqueueOutbox(messages);
    // Spam never subscribes anyone; nor does an erased author (no address left).
    if (p.subscribe && readers && comment.status !== 'spam' && comment.author.email !== '') await readers.subscribe(comment, p.subscribe.lang ?? undefined, p.at);
    await deps.markers.clearNotifications(stored.id, [p]);
  }

  async function complete(comment: Comment, p: PendingNotification): Promise<boolean> {
    try {
      await run(comment, p);
      return true;
    } catch (err) {
      logger.error({ err, event: p.event, status: p.status, commentId: comment.id }, 'notifications could not be queued (kept for the sweep)');
      return false;
    }
  }

  /** Comments whose replay failed: how often, and when the sweep may try again. */
  const backoff = new Map<string, { failures: number; nextAt: number }>();

  return {
    pendingFor(comment, event, at, subscribe) {
      const wanted =
        event === 'created'
          ? webhookUrls.length > 0 || (moderators && comment.status === 'pending') || answers(comment) || (Boolean(subscribe) && readers !== null && comment.status !== 'spam')
          : (EVENT_OF[comment.status] !== undefined && (webhookUrls.length > 0 || answers(comment))) ||
            (event === 'edited' && moderators && comment.status === 'pending');
      if (!wanted) return null;
      return { event, status: comment.status, at, ...(event === 'created' && subscribe && readers && comment.status !== 'spam' ? { subscribe: { lang: subscribe.lang } } : {}) };
    },
    async complete(comment, p) {
      await complete(comment, p);
    },
    async sweep() {
      const now = clock().getTime();
      const found = await deps.markers.listPendingNotifications({ before: new Date(now - SWEEP_GRACE_MS), limit: SWEEP_BATCH });
      let done = 0;
      for (const { comment, pending } of found) {
        const waiting = backoff.get(comment.id);
        if (waiting && waiting.nextAt > now) continue;
        let failed = false;
        for (const p of pending) {
          if (await complete(comment, p)) done += 1;
          else failed = true;
        }
        if (!failed) backoff.delete(comment.id);
        else {
          const failures = (waiting?.failures ?? 0) + 1;
          backoff.delete(comment.id); // re-inserted last: the map's order is the eviction order
          backoff.set(comment.id, { failures, nextAt: now + Math.min(REPLAY_BACKOFF_MS * 2 ** (failures - 1), REPLAY_BACKOFF_MAX_MS) });
          if (backoff.size > REPLAY_BACKOFF_ENTRIES) backoff.delete(backoff.keys().next().value!);
        }
      }
      if (done > 0) logger.warn({ replayed: done }, 'notifications replayed: a write was not followed by its notifications (a crash or a failed enqueue)');
      return done;
    },
  };
}
