/**
 * Moderator digests (MODERATOR_DIGEST_MINUTES = N): at most one mail per N-minute window listing every comment held
 * since the last digest. Built from stored state only, so a crash or a second instance skips nothing:
 * - a held comment stores a `digest-item` outbox message (key `mail:held:<id>`, the single alert's key, so a comment
 *   is never in both) that the outbox job never claims: it is parked until a digest settles it;
 * - with it, the digest mail of the current window is enqueued once (key `mail:digest:<N>:<window>`, due at the
 *   window's end); the outbox job claims it under a lease like any mail, so one instance sends it;
 * - sending lists the parked items (oldest first), mails them, then marks each item delivered. A crash after the
 *   send and before the marks sends those items again in the next attempt: at least once, never skipped. Its
 *   Message-ID names the digest and the items, so a repeat of the very same mail can be dropped by the receiver.
 * A digest that fails for good leaves its items parked: the next held comment's digest lists them too.
 */
import { createHash } from 'node:crypto';
import type { Comment } from '../domain/comment.js';
import type { NewOutboxMessage, OutboxMessage, OutboxPort } from '../storage/outbox-port.js';
import type { MailPayload } from './mail.js';
import type { HeldItem } from './moderator-templates.js';

/** Parked items are due never: only a digest settles them. */
export const PARKED = new Date('9999-12-31T00:00:00.000Z');
/** Items one digest mail lists at most; the rest go in the next window's digest. */
export const DIGEST_MAX_ITEMS = 50;

export interface DigestDue {
  purpose: 'moderator_digest_due';
  window: number;
}
export interface DigestItem {
  commentId: string;
}

export const isDigestDue = (p: unknown): p is DigestDue => (p as Partial<DigestDue> | null)?.purpose === 'moderator_digest_due';

export interface ModeratorDigestDeps {
  outbox: OutboxPort;
  clock: () => Date;
  newId: () => string;
  minutes: number;
  /** The held comment as the mail shows it now; null when it no longer exists (erased). */
  load: (commentId: string) => Promise<HeldItem | null>;
  /** Builds the digest mail for the items (moderator-templates.ts). */
  render: (items: readonly HeldItem[]) => MailPayload;
  send: (payload: MailPayload, messageId: string, idempotencyKey: string) => Promise<void>;
}

export function createModeratorDigest(deps: ModeratorDigestDeps) {
  const { outbox, clock, newId } = deps;
  const windowMs = deps.minutes * 60_000;

  function digestFor(window: number, at: Date): NewOutboxMessage {
    const payload: DigestDue = { purpose: 'moderator_digest_due', window };
    return { id: newId(), idempotencyKey: `mail:digest:${deps.minutes}:${window}`, channel: 'mail', payload, nextAt: new Date((window + 1) * windowMs), createdAt: at };
  }

  /** Every parked item, oldest first. */
  async function parkedItems(): Promise<OutboxMessage[]> {
    const all: OutboxMessage[] = [];
    for (let before: string | null = null; ; ) {
      const page = await outbox.listOutbox({ channel: 'digest-item', status: 'pending', before, limit: 500 });
      all.push(...page);
      if (page.length < 500) break;
      before = page[page.length - 1]!.id;
    }
    return all.reverse();
  }

  async function send(message: OutboxMessage): Promise<void> {
    const parked = await parkedItems();
    const batch = parked.slice(0, DIGEST_MAX_ITEMS);
    const loaded = await Promise.all(batch.map((m) => deps.load((m.payload as DigestItem).commentId)));
    const shown = loaded.filter((item): item is HeldItem => item !== null);
    if (shown.length > 0) {
      const tag = createHash('sha256').update(batch.map((m) => m.id).join(',')).digest('hex').slice(0, 16);
      await deps.send(deps.render(shown), `${message.id}.${tag}`, `${message.idempotencyKey}:${tag}`);
    }
    const now = clock();
    await Promise.all(batch.map((m) => outbox.settleOutbox(m.id, { kind: 'delivered', at: now })));
    if (parked.length > batch.length) await outbox.enqueueOutbox([digestFor(Math.floor(now.getTime() / windowMs), now)]);
  }
  let queue: Promise<void> = Promise.resolve();

  return {
    /**
     * The messages a held comment stores: its parked item and its window's digest (a no-op if already queued). `key`:
     * the held event's key (`mail:held:<id>`, or with the instant for a comment held again by its author's edit).
     */
    held(comment: Comment, at: Date, key = `mail:held:${comment.id}`): NewOutboxMessage[] {
      const item: DigestItem = { commentId: comment.id };
      return [
        { id: newId(), idempotencyKey: key, channel: 'digest-item', payload: item, nextAt: PARKED, createdAt: at },
        digestFor(Math.floor(at.getTime() / windowMs), at),
      ];
    },

    /** Delivers one due digest (the outbox job's mail channel hands it over); throws to have it retried. */
    deliver(message: OutboxMessage): Promise<void> {
      // One at a time in this process: two due digests claimed in one pass must not both list the same items.
      const run = queue.then(() => send(message));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

export type ModeratorDigest = ReturnType<typeof createModeratorDigest>;
