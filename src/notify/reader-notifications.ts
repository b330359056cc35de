/**
 * Reply notifications for readers (double opt-in). A comment posted with `notifyReplies` subscribes its address to
 * replies to that comment; the first time an address asks, it gets a confirmation mail, and nothing else is sent to it
 * until the signed link is followed. When a reply becomes public (published at once, approved by a moderator, by a
 * mail link or by the re-check job), every confirmed follower of the comment it answers gets one mail, never the
 * replier themselves. Everything goes through the outbox, keyed so that a repeat of the same event sends nothing new;
 * a reply mail whose subscription was removed before delivery is dropped at delivery.
 */
import { answeredId, type Comment } from '../domain/comment.js';
import type { NewOutboxMessage, OutboxMessage } from '../storage/outbox-port.js';
import type { Storage } from '../storage/storage.js';
import type { Subscriber, Subscription } from '../storage/subscriptions-port.js';
import type { MailPayload } from './mail.js';
import { moderatorLangOf, type ModeratorLang as MailLang } from './mail-lang.js';
import { CONFIRM_LINK_VALID_MS, signReaderLink, UNSUBSCRIBE_LINK_VALID_MS, verifyReaderLink, type ReaderLinkKind } from './reader-link.js';
import { confirmationMail, replyMail, type UnsubscribeLinks } from './reader-templates.js';

export interface ReaderNotificationsDeps {
  storage: Storage;
  clock: () => Date;
  newId: () => string;
  secret: string;
  /** PUBLIC_URL: the links' base. */
  publicUrl: string;
  /** The language when the widget named none it knows. */
  defaultLang: MailLang;
}

/** A reply mail names its subscription, so delivery can drop it when the reader unsubscribed meanwhile. */
interface ReaderReplyPayload extends MailPayload {
  subscriptionId?: string;
}

const DAY_MS = 86_400_000;

export function createReaderNotifications(deps: ReaderNotificationsDeps) {
  const { storage, clock, newId, secret, publicUrl } = deps;
  const langOf = (code: string | undefined): MailLang => (code ? moderatorLangOf(code) : null) ?? deps.defaultLang;

  function link(kind: ReaderLinkKind, subscriberId: string, subscriptionId = ''): string {
    const now = clock().getTime();
    const expiresAt = new Date(now + (kind === 'confirm' ? CONFIRM_LINK_VALID_MS : UNSUBSCRIBE_LINK_VALID_MS));
    const path = kind === 'confirm' ? 'confirm' : 'unsubscribe';
    return `${publicUrl}/notify/${path}/${signReaderLink(secret, { kind, subscriberId, subscriptionId, expiresAt })}`;
  }

  function unsubscribeLinks(subscriber: Subscriber, subscription: Subscription | null): UnsubscribeLinks {
    const all = link('all', subscriber.id);
    const thread = subscription ? link('thread', subscriber.id, subscription.id) : null;
    return { header: thread ?? all, thread, all };
  }

  async function threadUrlOf(threadKey: string): Promise<string> {
    if (threadKey.startsWith('http')) return threadKey;
    return (await storage.getThread(threadKey))?.url ?? threadKey;
  }

  const mail = (idempotencyKey: string, payload: ReaderReplyPayload, at: Date): NewOutboxMessage => ({ id: newId(), idempotencyKey, channel: 'mail', payload, nextAt: at, createdAt: at });

  return {
    /**
     * The author of `comment` asked for replies: stores the subscription and, while the address is unconfirmed, queues
     * a confirmation mail (at most one a day per address, so asking repeatedly cannot flood someone's mailbox). `at` is
     * the asking comment's instant, so a replay of the same request (after a crash) keys the same mail.
     */
    async subscribe(comment: Comment, lang: string | undefined, at: Date = clock()): Promise<void> {
      const l = langOf(lang);
      const { subscriber } = await storage.ensureSubscriber({ id: newId(), emailKey: comment.author.emailKey, email: comment.author.email, lang: l, createdAt: at });
      await storage.addSubscription({ id: newId(), emailKey: subscriber.emailKey, commentId: comment.id, threadKey: comment.threadKey, lang: l, createdAt: at });
      if (subscriber.confirmedAt) return;
      const payload = confirmationMail({
        to: subscriber.email,
        lang: subscriber.lang as MailLang,
        threadUrl: await threadUrlOf(comment.threadKey),
        confirmUrl: link('confirm', subscriber.id),
        links: unsubscribeLinks(subscriber, null),
      });
      await storage.enqueueOutbox([mail(`mail:confirm:${subscriber.id}:${Math.floor(at.getTime() / DAY_MS)}`, payload, at)]);
    },

    /** The mails a reply that just became public sends: one per confirmed follower of the comment it answers. */
    async replyPublished(reply: Comment): Promise<NewOutboxMessage[]> {
      const to = answeredId(reply);
      if (reply.status !== 'approved' || !to) return [];
      const follows = (await storage.listSubscriptionsTo([to])).filter((s) => s.emailKey !== reply.author.emailKey);
      if (follows.length === 0) return [];
      const at = clock();
      const threadUrl = await threadUrlOf(reply.threadKey);
      const messages: NewOutboxMessage[] = [];
      for (const s of follows) {
        const subscriber = await storage.findSubscriber(s.emailKey);
        if (!subscriber?.confirmedAt) continue;
        const payload: ReaderReplyPayload = {
          ...replyMail({ to: subscriber.email, lang: langOf(s.lang), reply, threadUrl, links: unsubscribeLinks(subscriber, s) }),
          subscriptionId: s.id,
        };
        messages.push(mail(`mail:reply:${reply.id}:${s.id}`, payload, at));
      }
      return messages;
    },

    /** False for a reply mail whose reader unsubscribed after it was queued: the mail channel drops it. */
    async stillWanted(message: OutboxMessage): Promise<boolean> {
      const p = message.payload as ReaderReplyPayload;
      if (p.purpose !== 'reader_reply' || !p.subscriptionId) return true;
      return (await storage.getSubscription(p.subscriptionId)) !== undefined;
    },

    /**
     * What a confirm or unsubscribe link points at, for its page and its action. An unsubscribe link whose subscription
     * or subscriber is already gone still resolves (unsubscribing twice is not an error); a confirmation whose
     * subscriber was removed does not.
     */
    async resolve(token: string, expected: 'confirm' | 'unsubscribe'): Promise<ResolvedLink> {
      const v = verifyReaderLink(secret, token, clock());
      if (!v.ok || (expected === 'confirm') !== (v.kind === 'confirm')) {
        return { ok: false, reason: v.ok ? 'invalid' : v.reason, lang: deps.defaultLang };
      }
      const [subscriber, subscription] = await Promise.all([
        storage.getSubscriber(v.subscriberId),
        v.kind === 'thread' && v.subscriptionId ? storage.getSubscription(v.subscriptionId) : Promise.resolve(undefined),
      ]);
      if (subscription && subscription.emailKey !== subscriber?.emailKey) return { ok: false, reason: 'invalid', lang: deps.defaultLang };
      if (v.kind === 'confirm' && !subscriber) return { ok: false, reason: 'gone', lang: deps.defaultLang };
      return { ok: true, kind: v.kind, subscriber: subscriber ?? null, subscription: subscription ?? null, lang: langOf(subscription?.lang ?? subscriber?.lang) };
    },

    /** Follows a resolved link: confirms the address, or removes the thread's or every subscription of it. */
    async act(link: Extract<ResolvedLink, { ok: true }>): Promise<void> {
      if (!link.subscriber) return;
      if (link.kind === 'confirm') await storage.confirmSubscriber(link.subscriber.id, clock());
      else if (link.kind === 'all') await storage.unsubscribe({ emailKey: link.subscriber.emailKey });
      else if (link.subscription) await storage.unsubscribe({ emailKey: link.subscriber.emailKey, threadKey: link.subscription.threadKey });
    },
  };
}

export type ResolvedLink =
  | { ok: false; reason: 'invalid' | 'expired' | 'gone'; lang: MailLang }
  | { ok: true; kind: ReaderLinkKind; subscriber: Subscriber | null; subscription: Subscription | null; lang: MailLang };

export type ReaderNotifications = ReturnType<typeof createReaderNotifications>;
